package jobs

import (
	"sort"
	"sync"
	"time"
)

// dispenser hands out tasks: row ranges of the fragments to compute, cut
// when a worker asks for work. With a fixed batch size every task has that
// many rows. Otherwise (no batch_size given) the size adapts to the
// function's speed: tasks start small, so that an expensive function
// checkpoints early, and grow until one takes about taskTarget, so that a
// cheap function is not drowned in per-task overhead (and the view is not
// made of thousands of tiny files). A crash still loses at most one task
// per worker: about taskTarget of work.
type dispenser struct {
	mu      sync.Mutex
	pending []span // ranges still to hand out, in fragment order
	fixed   int64
	size    int64 // current adaptive task size: desired, within this job's max
	desired int64 // the size the function's speed asks for
	max     int64
}

// span is a range of one fragment still to compute.
type span struct {
	frag       uint64
	key        string // the fragment's checkpoint key
	start, end int64
}

const (
	taskMinRows = 256
	taskMaxRows = 1 << 18
	taskTarget  = time.Second
)

// newDispenser plans the spans left to compute; fixed > 0 is the user's
// batch_size; start (if > 0) is the size an earlier job learned for the same
// functions. Rows are split so that every worker gets work.
func newDispenser(spans []span, fixed int64, workers int, start int64) *dispenser {
	d := &dispenser{pending: spans, fixed: fixed, desired: taskMinRows, max: taskMaxRows}
	var total int64
	for _, s := range spans {
		total += s.end - s.start
	}
	if per := total / int64(max(workers, 1)*2); per < d.max {
		d.max = max(per, taskMinRows)
	}
	if start > 0 {
		d.desired = min(max(start, taskMinRows), taskMaxRows)
	}
	d.size = min(d.desired, d.max)
	return d
}

// learned is the task size the function's speed asks for, as learned so
// far (0 with a fixed size).
func (d *dispenser) learned() int64 {
	if d.fixed > 0 {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.desired
}

// next cuts the next task (false: nothing left).
func (d *dispenser) next() (Task, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) == 0 {
		return Task{}, false
	}
	n := d.size
	if d.fixed > 0 {
		n = d.fixed
	}
	s := &d.pending[0]
	t := Task{Fragment: s.frag, Key: s.key, Start: s.start, End: min(s.start+n, s.end)}
	s.start = t.End
	if s.start >= s.end {
		d.pending = d.pending[1:]
	}
	return t, true
}

// observe adapts the task size to how long a task of rows took: towards
// taskTarget, growing at most 32x and shrinking at most 2x per step.
func (d *dispenser) observe(rows int64, took time.Duration) {
	if d.fixed > 0 || rows <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	want := int64(float64(rows) * float64(taskTarget) / float64(max(took, time.Microsecond)))
	want = min(max(want, d.desired/2), d.desired*32)
	d.desired = min(max(want, taskMinRows), taskMaxRows)
	d.size = min(d.desired, d.max)
}

// gaps returns the parts of [0, n) not covered by done (ranges that may
// be unsorted but do not overlap).
func gaps(n int64, done [][2]int64) [][2]int64 {
	sort.Slice(done, func(i, j int) bool { return done[i][0] < done[j][0] })
	var out [][2]int64
	at := int64(0)
	for _, r := range done {
		if r[0] > at {
			out = append(out, [2]int64{at, r[0]})
		}
		at = max(at, r[1])
	}
	if at < n {
		out = append(out, [2]int64{at, n})
	}
	return out
}
