package repl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/genevasql/genevasql/engine"
)

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out)
	p.Report(engine.Progress{JobID: "j1", Kind: "refresh", Target: "v", RowsDone: 0, RowsTotal: 1000})
	time.Sleep(150 * time.Millisecond) // the bar redraws at most every 100ms
	p.Report(engine.Progress{JobID: "j1", Kind: "refresh", Target: "v", RowsDone: 500, RowsTotal: 1000})
	if len(p.bars) != 1 {
		t.Fatalf("%d bars, want 1", len(p.bars))
	}
	p.Report(engine.Progress{JobID: "j1", Kind: "refresh", Target: "v", RowsDone: 1000, RowsTotal: 1000, Done: true})
	if len(p.bars) != 0 {
		t.Errorf("bar kept after Done")
	}
	s := out.String()
	for _, want := range []string{"refresh v", "500/1000", " rows/"} {
		if !strings.Contains(s, want) {
			t.Errorf("progress output lacks %q: %q", want, s)
		}
	}
	// A report of an unknown job that is already done draws nothing.
	out.Reset()
	p.Report(engine.Progress{JobID: "j2", Done: true})
	if out.Len() != 0 || len(p.bars) != 0 {
		t.Errorf("done report of an unseen job drew %q", out.String())
	}
}
