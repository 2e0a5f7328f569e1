package jobs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/genevasql/genevasql/storage/lance"
)

// FileCheckpoints remembers, per task, the data files a worker wrote ahead
// of the commit (lance.PendingFragment): the rows themselves are already in
// the view's data folder, written once, so a checkpoint is one short line.
// Each worker of a job appends its lines to a log of its own (one file per
// worker, not per task: creating files is the slow part of a small task);
// lines are not flushed, and a line or data file torn by a machine crash is
// skipped or fails verification, and that task runs again.
type FileCheckpoints struct {
	dir     string
	mu      sync.Mutex
	entries map[string][]checkpointLine
	loaded  []string // logs read at open, removed once a job has committed everything
}

// checkpointLine says that rows [Start, End) of the source fragment whose
// state and view definition Key names are computed, in Files.
type checkpointLine struct {
	Key   string                  `json:"key"`
	Start int64                   `json:"start"`
	End   int64                   `json:"end"`
	Files []lance.PendingFragment `json:"files"`
}

// OpenFileCheckpoints reads the checkpoint logs of one view.
func OpenFileCheckpoints(dir string) (*FileCheckpoints, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &FileCheckpoints{dir: dir, entries: map[string][]checkpointLine{}}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		c.loaded = append(c.loaded, l)
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var ln checkpointLine
			if json.Unmarshal(sc.Bytes(), &ln) == nil && ln.Key != "" && ln.End > ln.Start {
				c.entries[ln.Key] = append(c.entries[ln.Key], ln)
			}
		}
	}
	return c, nil
}

// Load returns the checkpointed ranges of a fragment key, sorted by start
// and without overlaps (two runs may have cut a fragment differently).
func (c *FileCheckpoints) Load(key string) []checkpointLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := append([]checkpointLine(nil), c.entries[key]...)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Start < lines[j].Start })
	var out []checkpointLine
	at := int64(0)
	for _, l := range lines {
		if l.Start >= at {
			out = append(out, l)
			at = l.End
		}
	}
	return out
}

// Log opens the append-only log of one worker of a job.
func (c *FileCheckpoints) Log(job string, worker int) (*CheckpointLog, error) {
	name := filepath.Join(c.dir, fmt.Sprintf("%s-w%d.log", strings.ReplaceAll(job, "/", "_"), worker))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &CheckpointLog{f: f}, nil
}

// Finished removes the logs this job read at its start and those its
// workers wrote: everything in them is committed now. (Logs written by a
// job that started later are left alone.)
func (c *FileCheckpoints) Finished(job string) {
	for _, l := range c.loaded {
		_ = os.Remove(l)
	}
	own, _ := filepath.Glob(filepath.Join(c.dir, strings.ReplaceAll(job, "/", "_")+"-w*.log"))
	for _, l := range own {
		_ = os.Remove(l)
	}
}

// CheckpointLog is one worker's checkpoint log.
type CheckpointLog struct{ f *os.File }

// Save appends a task's files as one line, in one write.
func (l *CheckpointLog) Save(t Task, ps []lance.PendingFragment) error {
	key := t.Key
	b, err := json.Marshal(checkpointLine{Key: key, Start: t.Start, End: t.End, Files: ps})
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("checkpoint %s: %w", key, err)
	}
	return nil
}

// Close closes the log (it stays on disk until its job finishes).
func (l *CheckpointLog) Close() error { return l.f.Close() }
