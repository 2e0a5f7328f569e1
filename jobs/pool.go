package jobs

import (
	"context"
	"sync"
	"time"
)

// Task is one unit of work: rows [Start, End) of one source fragment. It is
// plain data so that it could be sent to another machine.
type Task struct {
	Fragment uint64 `json:"fragment"`
	Start    int64  `json:"start"`
	End      int64  `json:"end"`
	Key      string `json:"key"` // checkpoint key
}

// Worker runs tasks; Run is called from one goroutine per worker.
type Worker interface {
	Run(ctx context.Context, t Task) error
	Close() error
}

// RunPool runs tasks on n workers made by newWorker. It stops at the first
// error (returning it) or when ctx is cancelled; cancelPoll, if not nil, is
// polled to learn of cancellation requested by another process. done is
// called after each successful task (from worker goroutines).
func RunPool(ctx context.Context, n int, tasks []Task, newWorker func(ctx context.Context, id int) (Worker, error),
	done func(Task), cancelPoll func() bool) error {
	next := func() (Task, bool) {
		if len(tasks) == 0 {
			return Task{}, false
		}
		t := tasks[0]
		tasks = tasks[1:]
		return t, true
	}
	return RunPoolFrom(ctx, min(n, len(tasks)), next, newWorker, func(t Task, _ time.Duration) {
		if done != nil {
			done(t)
		}
	}, cancelPoll)
}

// RunPoolFrom is RunPool over tasks cut on demand by next (called by a
// worker when it is free, one call at a time); done also learns how long
// the task took. A worker is made when it receives its first task, so a job
// with fewer tasks than workers starts no idle ones (an external function's
// worker is a process).
func RunPoolFrom(ctx context.Context, n int, next func() (Task, bool), newWorker func(ctx context.Context, id int) (Worker, error),
	done func(Task, time.Duration), cancelPoll func() bool) error {
	if n < 1 {
		n = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if cancelPoll != nil {
		go func() {
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					if cancelPoll() {
						cancel(context.Canceled)
						return
					}
				}
			}
		}()
	}
	// Each worker cuts its next task when it is free, so an adaptive size
	// learned from a finished task applies to the very next one.
	var nextMu sync.Mutex
	take := func() (Task, bool) {
		nextMu.Lock()
		defer nextMu.Unlock()
		if ctx.Err() != nil {
			return Task{}, false
		}
		return next()
	}
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	fail := func(err error) {
		once.Do(func() { firstErr = err; cancel(err) })
	}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			var w Worker
			defer func() {
				if w != nil {
					if err := w.Close(); err != nil {
						fail(err)
					}
				}
			}()
			for {
				t, ok := take()
				if !ok {
					return
				}
				if w == nil {
					var err error
					if w, err = newWorker(ctx, id); err != nil {
						w = nil
						fail(err)
						return
					}
				}
				start := time.Now()
				if err := w.Run(ctx, t); err != nil {
					fail(err)
					return
				}
				if done != nil {
					done(t, time.Since(start))
				}
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}
