package jobs

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// RowError is one row a function failed on under the 'skip' policy (or the
// row that failed a job), as SHOW ERRORS and the errors system table show it.
type RowError struct {
	JobID    string    `json:"job_id"`
	Function string    `json:"function"`
	RowAddr  uint64    `json:"row_addr"`
	Message  string    `json:"message"`
	Attempt  int       `json:"attempt"`
	Time     time.Time `json:"time"`
}

// ErrorLog appends row errors of jobs to <system>/errors/<job>.jsonl.
type ErrorLog struct {
	dir string
	mu  sync.Mutex
}

// NewErrorLog opens the error log folder.
func NewErrorLog(systemDir string) (*ErrorLog, error) {
	dir := filepath.Join(systemDir, "errors")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &ErrorLog{dir: dir}, nil
}

// Add appends errors (one line each).
func (l *ErrorLog) Add(errs ...RowError) error {
	if len(errs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(l.dir, errs[0].JobID+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for _, e := range errs {
		b, _ := json.Marshal(e)
		w.Write(b)
		w.WriteByte('\n')
	}
	return w.Flush()
}

// List returns the errors of one job, or of all jobs when jobID is empty.
func (l *ErrorLog) List(jobID string) ([]RowError, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var out []RowError
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonl") || (jobID != "" && e.Name() != jobID+".jsonl") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(l.dir, e.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			var re RowError
			if line != "" && json.Unmarshal([]byte(line), &re) == nil {
				out = append(out, re)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
