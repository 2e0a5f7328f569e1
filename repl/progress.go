package repl

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/genevasql/genevasql/engine"
)

// Progress draws a progress bar (rows done/total, rows/s, ETA) per running
// job from engine.Progress reports. Pass its Report method to
// genevasql.WithProgress; only do so when the writer is a terminal, since
// the bar redraws its line with carriage returns.
type Progress struct {
	w    io.Writer
	mu   sync.Mutex
	bars map[string]*progressbar.ProgressBar
}

// NewProgress returns a Progress drawing on w (normally os.Stderr).
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, bars: map[string]*progressbar.ProgressBar{}}
}

// Report takes one progress report. It is safe for concurrent use.
func (p *Progress) Report(r engine.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	bar := p.bars[r.JobID]
	if bar == nil {
		if r.Done {
			return
		}
		total := r.RowsTotal
		if total <= 0 {
			total = -1 // unknown: the bar becomes a spinner with counts
		}
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(describe(r)),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		)
		p.bars[r.JobID] = bar
	}
	if r.RowsTotal > 0 && r.RowsTotal != bar.GetMax64() {
		bar.ChangeMax64(r.RowsTotal)
	}
	_ = bar.Set64(r.RowsDone)
	if r.Done {
		_ = bar.Finish()
		delete(p.bars, r.JobID)
	}
}

func describe(r engine.Progress) string {
	switch {
	case r.Kind != "" && r.Target != "":
		return fmt.Sprintf("%s %s", r.Kind, r.Target)
	case r.Kind != "":
		return r.Kind
	}
	return "job " + r.JobID
}
