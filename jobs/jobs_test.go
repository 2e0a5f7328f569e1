package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance"
)

func frag(id uint64, rows, deleted int64, del string, files ...string) lance.Fragment {
	f := lance.Fragment{ID: id, PhysicalRows: rows, DeletedRows: deleted, DeletionFileID: del}
	for _, p := range files {
		f.DataFiles = append(f.DataFiles, lance.DataFileInfo{Path: p})
	}
	return f
}

func TestDiff(t *testing.T) {
	wm := &Watermark{Fragments: map[uint64]FragState{
		0: fragState(frag(0, 10, 0, "", "a")),
		1: fragState(frag(1, 10, 0, "", "b")),
		2: fragState(frag(2, 10, 0, "", "c")),
		3: fragState(frag(3, 10, 0, "", "d")),
	}}
	cur := []lance.Fragment{
		frag(0, 10, 0, "", "a"),           // unchanged
		frag(1, 10, 2, "del-1", "b"),      // new deletions
		frag(2, 10, 0, "", "c", "c-col2"), // a column rewritten
		frag(4, 5, 0, "", "e"),            // appended
		// 3 is gone
	}
	c := diff(wm, cur, false, nil)
	var compute []uint64
	for _, f := range c.compute {
		compute = append(compute, f.ID)
	}
	if want := []uint64{2, 4}; !equal(compute, want) {
		t.Errorf("compute %v, want %v", compute, want)
	}
	if want := []uint64{2, 3}; !equal(keys(c.dropAll), want) {
		t.Errorf("dropAll %v, want %v", keys(c.dropAll), want)
	}
	if want := []uint64{1}; !equal(keys(c.reconcile), want) {
		t.Errorf("reconcile %v, want %v", keys(c.reconcile), want)
	}
	if c.empty() {
		t.Error("changes reported empty")
	}
	// A fragment made by a remapped compaction is neither new nor changed.
	c = diff(wm, []lance.Fragment{frag(0, 10, 0, "", "a"), frag(9, 30, 0, "", "z")}, false, map[uint64]bool{9: true})
	if len(c.compute) != 0 {
		t.Errorf("remapped fragment scheduled for computing: %v", c.compute)
	}
	// FULL recomputes every fragment.
	c = diff(wm, cur, true, nil)
	if len(c.compute) != 4 {
		t.Errorf("full: compute %d fragments, want 4", len(c.compute))
	}
	// No change at all.
	same := []lance.Fragment{frag(0, 10, 0, "", "a"), frag(1, 10, 0, "", "b"), frag(2, 10, 0, "", "c"), frag(3, 10, 0, "", "d")}
	if c := diff(wm, same, false, nil); !c.empty() {
		t.Errorf("no change reported as %+v", c)
	}
}

func drain(d *dispenser) [][3]int64 {
	var got [][3]int64
	for {
		tk, ok := d.next()
		if !ok {
			return got
		}
		got = append(got, [3]int64{int64(tk.Fragment), tk.Start, tk.End})
	}
}

func TestDispenserFixed(t *testing.T) {
	d := newDispenser([]span{{frag: 0, start: 0, end: 10}, {frag: 1, start: 2, end: 6}}, 4, 2, 0)
	got := drain(d)
	want := [][3]int64{{0, 0, 4}, {0, 4, 8}, {0, 8, 10}, {1, 2, 6}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDispenserAdapts(t *testing.T) {
	d := newDispenser([]span{{frag: 0, start: 0, end: 10_000_000}}, 0, 2, 0)
	first, _ := d.next()
	if n := first.End - first.Start; n != taskMinRows {
		t.Fatalf("first task has %d rows, want %d", n, taskMinRows)
	}
	// A fast function: tasks grow, at most 32x a step, up to the cap.
	d.observe(taskMinRows, time.Millisecond)
	if tk, _ := d.next(); tk.End-tk.Start != 32*taskMinRows {
		t.Fatalf("after a fast task: %d rows, want %d", tk.End-tk.Start, 32*taskMinRows)
	}
	for i := 0; i < 10; i++ {
		d.observe(d.size, time.Millisecond)
	}
	if d.size != taskMaxRows {
		t.Fatalf("size %d, want the cap %d", d.size, taskMaxRows)
	}
	// A slow one: tasks shrink towards taskTarget, at most 2x a step.
	d.observe(d.size, 100*taskTarget)
	if d.size != taskMaxRows/2 {
		t.Fatalf("after a slow task: %d rows, want %d", d.size, taskMaxRows/2)
	}
	// Small jobs are split so that every worker gets work.
	small := newDispenser([]span{{frag: 0, start: 0, end: 80_000}}, 0, 2, 0)
	if small.max != 20_000 {
		t.Fatalf("cap for 80,000 rows on 2 workers: %d, want 20000", small.max)
	}
	// A size learned by an earlier job is where the next one starts (within
	// its own share), and what it reports having learned.
	warm := newDispenser([]span{{frag: 0, start: 0, end: 80_000}}, 0, 2, taskMaxRows)
	if tk, _ := warm.next(); tk.End-tk.Start != 20_000 || warm.learned() != taskMaxRows {
		t.Fatalf("warm start: task of %d rows, learned %d", tk.End-tk.Start, warm.learned())
	}
	if fixed := newDispenser(nil, 4, 2, 0); fixed.learned() != 0 {
		t.Fatal("a fixed batch size reports a learned size")
	}
	// Ranges tile the spans exactly.
	var rows int64
	for _, r := range drain(d) {
		rows += r[2] - r[1]
	}
	if rows != 10_000_000-first.End-32*taskMinRows {
		t.Fatalf("dispensed %d rows", rows)
	}
}

func TestGaps(t *testing.T) {
	got := gaps(10, [][2]int64{{6, 8}, {0, 2}})
	if fmt.Sprint(got) != "[[2 6] [8 10]]" {
		t.Fatalf("gaps: %v", got)
	}
	if got := gaps(5, [][2]int64{{0, 5}}); len(got) != 0 {
		t.Fatalf("gaps of a covered range: %v", got)
	}
	if got := gaps(5, nil); fmt.Sprint(got) != "[[0 5]]" {
		t.Fatalf("gaps of nothing done: %v", got)
	}
}

type fnWorker struct{ run func(Task) error }

func (w fnWorker) Run(ctx context.Context, t Task) error { return w.run(t) }
func (w fnWorker) Close() error                          { return nil }

func TestRunPool(t *testing.T) {
	tasks := make([]Task, 50)
	for i := range tasks {
		tasks[i] = Task{Fragment: uint64(i)}
	}
	t.Run("all tasks once", func(t *testing.T) {
		var n, workers atomic.Int64
		err := RunPool(context.Background(), 3, tasks, func(ctx context.Context, id int) (Worker, error) {
			workers.Add(1)
			return fnWorker{func(Task) error { n.Add(1); time.Sleep(2 * time.Millisecond); return nil }}, nil
		}, nil, nil)
		if err != nil || n.Load() != 50 || workers.Load() != 3 {
			t.Fatalf("err %v, ran %d tasks on %d workers", err, n.Load(), workers.Load())
		}
	})
	t.Run("no idle workers are made", func(t *testing.T) {
		var workers atomic.Int64
		err := RunPool(context.Background(), 8, tasks[:2], func(ctx context.Context, id int) (Worker, error) {
			workers.Add(1)
			return fnWorker{func(Task) error { return nil }}, nil
		}, nil, nil)
		if err != nil || workers.Load() > 2 {
			t.Fatalf("err %v, %d workers for 2 tasks", err, workers.Load())
		}
	})
	t.Run("first error stops the pool", func(t *testing.T) {
		var n atomic.Int64
		boom := errors.New("boom")
		err := RunPool(context.Background(), 2, tasks, func(ctx context.Context, id int) (Worker, error) {
			return fnWorker{func(tk Task) error {
				n.Add(1)
				if tk.Fragment == 3 {
					return boom
				}
				return nil
			}}, nil
		}, nil, nil)
		if !errors.Is(err, boom) || n.Load() >= 50 {
			t.Fatalf("err %v after %d tasks", err, n.Load())
		}
	})
	t.Run("cancel requested by another process", func(t *testing.T) {
		var n atomic.Int64
		err := RunPool(context.Background(), 2, tasks, func(ctx context.Context, id int) (Worker, error) {
			return fnWorker{func(Task) error { n.Add(1); time.Sleep(20 * time.Millisecond); return nil }}, nil
		}, nil, func() bool { return n.Load() > 5 })
		if !errors.Is(err, context.Canceled) || n.Load() >= 50 {
			t.Fatalf("err %v after %d tasks", err, n.Load())
		}
	})
}

func TestCheckpoints(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cps, err := NewCheckpoints(filepath.Join(t.TempDir(), "cp"), mem)
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2, 3}, []bool{true, false, true})
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	col.Release()
	key := Key("view", 1, "files", 0, 3)
	if cps.Has(key) {
		t.Fatal("checkpoint exists before Save")
	}
	if err := cps.Save(key, schema, []arrow.RecordBatch{rec}); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	got, err := cps.Load(key)
	if err != nil || len(got) != 1 || got[0].NumRows() != 3 || got[0].Column(0).IsValid(1) {
		t.Fatalf("loaded %v, %v", got, err)
	}
	got[0].Release()
	// A corrupt checkpoint is an error, not a panic.
	if err := os.WriteFile(filepath.Join(cps.dir, "bad.arrow"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := cps.Load("bad"); err == nil {
		t.Error("corrupt checkpoint loaded without error")
	}
	cps.Delete(key)
	if cps.Has(key) {
		t.Error("checkpoint still there after Delete")
	}
}

func TestJobStore(t *testing.T) {
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var reports atomic.Int64
	tr, err := s.Start("refresh", "v", 2, func(r *Record, finished bool) { reports.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	tr.RowsRead.Add(7)
	tr.Tick(true)
	r, err := s.Get(tr.ID())
	if err != nil || r.Status != Running || r.Counters.RowsRead != 7 {
		t.Fatalf("running record %+v, %v", r, err)
	}
	rec := tr.Finish(errors.New("function f failed"))
	if rec.Status != Failed || rec.Error == "" || reports.Load() < 2 {
		t.Fatalf("finished record %+v after %d reports", rec, reports.Load())
	}
	// A RUNNING record whose process is gone is reported FAILED.
	orphan := &Record{ID: "job-orphan", Kind: "refresh", Status: Running, PID: 1 << 30, Created: time.Now()}
	if err := s.Save(orphan); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get("job-orphan"); r.Status != Failed {
		t.Fatalf("orphaned job shows %s", r.Status)
	}
	if _, err := s.Get("../etc"); err == nil {
		t.Error("a job id with a path was accepted")
	}
	list, err := s.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %d records, %v", len(list), err)
	}
}

func keys(m map[uint64]bool) []uint64 {
	var out []uint64
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
