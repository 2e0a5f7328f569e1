// Package jobs runs the long statements of GenevaSQL — REFRESH MATERIALIZED
// VIEW and BACKFILL — as jobs: the planner's work is cut into serializable
// tasks (a source fragment and a row range), a pool of workers runs them,
// each task's result is checkpointed in storage as soon as it is computed,
// and a committer publishes checkpoints to the target table every few
// fragments and at the end. A killed job leaves every table at its last
// committed version; running the statement again reuses the checkpoints.
//
// Job records (status, timings, counters) live in the database's system
// folder as one JSON file per job, which is what SHOW JOBS and the jobs
// system table read.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Status of a job.
type Status string

const (
	Pending   Status = "PENDING"
	Running   Status = "RUNNING"
	Done      Status = "DONE"
	Failed    Status = "FAILED"
	Cancelled Status = "CANCELLED"
)

// Counters are what a job has done so far.
type Counters struct {
	RowsTotal     int64 `json:"rows_total"`
	RowsRead      int64 `json:"rows_read"`
	FunctionCalls int64 `json:"function_calls"`
	RowsSkipped   int64 `json:"rows_skipped"`
	RowsCommitted int64 `json:"rows_committed"`
	RowsDeleted   int64 `json:"rows_deleted"`
	Retries       int64 `json:"retries"`
	TasksTotal    int64 `json:"tasks_total"`
	TasksDone     int64 `json:"tasks_done"`
	TasksReused   int64 `json:"tasks_reused"`
	Commits       int64 `json:"commits"`
}

// Record is the persisted state of a job.
type Record struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`   // "refresh", "backfill"
	Target   string    `json:"target"` // view, or table.column
	Status   Status    `json:"status"`
	Workers  int       `json:"workers"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitempty"`
	Ended    time.Time `json:"ended,omitempty"`
	Error    string    `json:"error,omitempty"`
	PID      int       `json:"pid"`
	Counters Counters  `json:"counters"`
	Note     string    `json:"note,omitempty"`
}

// Duration is the job's run time so far (or in total once ended).
func (r *Record) Duration() time.Duration {
	if r.Started.IsZero() {
		return 0
	}
	end := r.Ended
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(r.Started)
}

// Store keeps job records under <db>/_genevasql/jobs.
type Store struct {
	dir string

	mu      sync.Mutex
	cancels map[string]context.CancelFunc
}

// NewStore opens the job store of a database's system folder.
func NewStore(systemDir string) (*Store, error) {
	dir := filepath.Join(systemDir, "jobs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Store{dir: dir, cancels: map[string]context.CancelFunc{}}, nil
}

// NewID makes a job id that sorts by creation time.
func NewID() string {
	return "job-" + time.Now().UTC().Format("20060102-150405") + "-" + uuid.NewString()[:8]
}

func (s *Store) path(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\`) || strings.Contains(id, "..") {
		return "", fmt.Errorf("invalid job id %q", id)
	}
	return filepath.Join(s.dir, id+".json"), nil
}

// Save writes a record atomically.
func (s *Store) Save(r *Record) error {
	p, err := s.path(r.ID)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp-" + uuid.NewString()[:8]
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// ErrNoSuchJob is returned for an unknown job id.
var ErrNoSuchJob = errors.New("no such job")

// Get reads one record.
func (s *Store) Get(id string) (*Record, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchJob, id)
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("job %s: corrupt record: %w", id, err)
	}
	s.markOrphan(&r)
	return &r, nil
}

// List returns all records, oldest first.
func (s *Store) List() ([]*Record, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		r, err := s.Get(strings.TrimSuffix(e.Name(), ".json"))
		if err != nil {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// markOrphan reports a RUNNING job whose process is gone (killed) as FAILED,
// so SHOW JOBS does not claim that a dead job still runs.
func (s *Store) markOrphan(r *Record) {
	if r.Status != Running && r.Status != Pending {
		return
	}
	if r.PID == os.Getpid() {
		return
	}
	if r.PID > 0 && processAlive(r.PID) {
		return
	}
	r.Status = Failed
	if r.Error == "" {
		r.Error = "the process running the job ended before it finished (its checkpoints are reused by the next run)"
	}
}

// Register records a cancel function for a job running in this process.
func (s *Store) Register(id string, cancel context.CancelFunc) {
	s.mu.Lock()
	s.cancels[id] = cancel
	s.mu.Unlock()
}

// Unregister forgets a finished job's cancel function.
func (s *Store) Unregister(id string) {
	s.mu.Lock()
	delete(s.cancels, id)
	s.mu.Unlock()
}

// Cancel stops a running job: directly if it runs in this process, otherwise
// through a marker file the job's process polls.
func (s *Store) Cancel(id string) error {
	r, err := s.Get(id)
	if err != nil {
		return err
	}
	if r.Status != Running && r.Status != Pending {
		return fmt.Errorf("job %s is not running (status %s)", id, r.Status)
	}
	s.mu.Lock()
	c, ok := s.cancels[id]
	s.mu.Unlock()
	if ok {
		c()
		return nil
	}
	p, _ := s.path(id)
	return os.WriteFile(strings.TrimSuffix(p, ".json")+".cancel", nil, 0o644)
}

// cancelRequested reports whether a cancel marker exists for the job.
func (s *Store) cancelRequested(id string) bool {
	p, err := s.path(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(strings.TrimSuffix(p, ".json") + ".cancel")
	return err == nil
}

func (s *Store) clearCancel(id string) {
	if p, err := s.path(id); err == nil {
		os.Remove(strings.TrimSuffix(p, ".json") + ".cancel")
	}
}

// Tracker updates a running job's record: counters are atomics that
// workers bump, flushed to storage at most every flushEvery.
type Tracker struct {
	store *Store
	mu    sync.Mutex
	rec   Record

	RowsTotal, RowsRead, FunctionCalls, RowsSkipped atomic.Int64
	RowsCommitted, RowsDeleted, Retries             atomic.Int64
	TasksTotal, TasksDone, TasksReused, Commits     atomic.Int64
	lastFlush                                       time.Time
	progress                                        func(r *Record, finished bool)
}

const flushEvery = 500 * time.Millisecond

// Start creates a job record in RUNNING state.
func (s *Store) Start(kind, target string, workers int, progress func(r *Record, finished bool)) (*Tracker, error) {
	now := time.Now().UTC()
	t := &Tracker{store: s, progress: progress}
	t.rec = Record{ID: NewID(), Kind: kind, Target: target, Status: Running, Workers: workers,
		Created: now, Started: now, PID: os.Getpid()}
	if err := s.Save(&t.rec); err != nil {
		return nil, err
	}
	return t, nil
}

// ID is the job's id.
func (t *Tracker) ID() string { return t.rec.ID }

func (t *Tracker) snapshot() Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.rec
	r.Counters = Counters{
		RowsTotal: t.RowsTotal.Load(), RowsRead: t.RowsRead.Load(), FunctionCalls: t.FunctionCalls.Load(),
		RowsSkipped: t.RowsSkipped.Load(), RowsCommitted: t.RowsCommitted.Load(), RowsDeleted: t.RowsDeleted.Load(),
		Retries: t.Retries.Load(), TasksTotal: t.TasksTotal.Load(), TasksDone: t.TasksDone.Load(),
		TasksReused: t.TasksReused.Load(), Commits: t.Commits.Load(),
	}
	return r
}

// Tick flushes the record and reports progress if enough time has passed.
func (t *Tracker) Tick(force bool) {
	t.mu.Lock()
	due := force || time.Since(t.lastFlush) >= flushEvery
	if due {
		t.lastFlush = time.Now()
	}
	t.mu.Unlock()
	if !due {
		return
	}
	r := t.snapshot()
	_ = t.store.Save(&r)
	if t.progress != nil {
		t.progress(&r, false)
	}
}

// SetNote records a human note on the job (what it found to do).
func (t *Tracker) SetNote(note string) {
	t.mu.Lock()
	t.rec.Note = note
	t.mu.Unlock()
}

// Finish records the job's end state from its error.
func (t *Tracker) Finish(err error) *Record {
	t.mu.Lock()
	t.rec.Ended = time.Now().UTC()
	switch {
	case err == nil:
		t.rec.Status = Done
	case errors.Is(err, context.Canceled):
		t.rec.Status = Cancelled
		t.rec.Error = "cancelled"
	default:
		t.rec.Status = Failed
		t.rec.Error = err.Error()
	}
	t.mu.Unlock()
	r := t.snapshot()
	_ = t.store.Save(&r)
	t.store.clearCancel(r.ID)
	if t.progress != nil {
		t.progress(&r, true)
	}
	return &r
}
