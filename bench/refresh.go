package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/storage/lance"
	"github.com/genevasql/genevasql/udf"
)

// affine is the trivial vectorized function of the refresh benchmark:
// 2x+1 over a float64 column, one loop over the buffer.
func affine(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	in := args[0].(*array.Float64)
	b := array.NewFloat64Builder(ec.Mem)
	defer b.Release()
	b.Resize(nrows)
	vals := in.Float64Values()
	out := make([]float64, nrows)
	for i, v := range vals[:nrows] {
		out[i] = 2*v + 1
	}
	var valid []bool
	if in.NullN() > 0 {
		valid = make([]bool, nrows)
		for i := range valid {
			valid[i] = in.IsValid(i)
		}
	}
	b.AppendValues(out, valid)
	return b.NewArray(), nil
}

// slowIdentity sleeps 1 ms per batch: a stand-in for a model call, to show
// what workers buy.
func slowIdentity(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	time.Sleep(time.Millisecond)
	args[0].Retain()
	return args[0], nil
}

type refreshResult struct {
	Rows        int64              `json:"rows"`
	FullMs      float64            `json:"full_ms"`
	FloorMs     float64            `json:"floor_ms"`
	BigBatchMs  float64            `json:"big_batch_ms"`
	IncrRows    int64              `json:"incr_rows"`
	IncrMs      float64            `json:"incr_ms"`
	WorkersRows int64              `json:"workers_rows"`
	WorkersMs   map[string]float64 `json:"workers_ms,omitempty"`
	// Peak Go heap (Arrow buffers included: the engine allocates them from
	// the Go heap) while the first full REFRESH ran, sampled every 2 ms.
	// The child's peak RSS also covers generating the source and the floor.
	RefreshHeapMiB float64 `json:"refresh_heap_mib"`
}

// heapPeak samples the in-use heap until stop is called, and returns the
// highest value seen, in MiB.
func heapPeak() (stop func() float64) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		return float64(peak.Load()) / (1 << 20)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func timeIt(f func() error) (float64, error) {
	start := time.Now()
	err := f()
	return float64(time.Since(start).Microseconds()) / 1000, err
}

// runRefreshChild measures refresh on a fresh folder dir/refresh-<rows>: full
// refresh vs the I/O floor, incremental refresh after +1% rows, and (if
// workers) the worker speed-up on a 1 ms/batch function. It prints one JSON
// object on stdout.
func runRefreshChild(ctx context.Context, dir string, rows int64, reps int, workers bool) error {
	folder := filepath.Join(dir, fmt.Sprintf("refresh-%d", rows))
	if err := os.RemoveAll(folder); err != nil {
		return err
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	mem := memory.NewGoAllocator()
	if err := writeTable(ctx, mem, folder, tableSpec{"rt", pointsSchema, rows, fillPoints(11)}); err != nil {
		return err
	}
	db, err := genevasql.Open(folder)
	if err != nil {
		return err
	}
	defer db.Close()
	f64 := arrow.PrimitiveTypes.Float64
	if err := db.RegisterFunction(udf.Vectorized("affine", []arrow.DataType{f64}, f64, affine)); err != nil {
		return err
	}
	if err := db.RegisterFunction(udf.Vectorized("slow_id", []arrow.DataType{f64}, f64, slowIdentity)); err != nil {
		return err
	}
	res := refreshResult{Rows: rows}
	var full, floor []float64
	for r := 0; r < reps; r++ {
		if _, err := db.Exec(ctx, "DROP MATERIALIZED VIEW IF EXISTS v; CREATE MATERIALIZED VIEW v AS SELECT id, affine(x) AS y FROM rt"); err != nil {
			return err
		}
		stop := func() {}
		if r == 0 && workers {
			stop = startProfile(filepath.Join(dir, "pprof", "refresh.pprof"))
		}
		heap := heapPeak()
		ms, err := timeIt(func() error { _, err := db.Exec(ctx, "REFRESH MATERIALIZED VIEW v"); return err })
		stop()
		if h := heap(); h > res.RefreshHeapMiB {
			res.RefreshHeapMiB = h
		}
		if err != nil {
			return fmt.Errorf("REFRESH MATERIALIZED VIEW v: %w", err)
		}
		full = append(full, ms)
		ms, err = timeIt(func() error { return ioFloor(ctx, mem, folder) })
		if err != nil {
			return fmt.Errorf("I/O floor: %w", err)
		}
		floor = append(floor, ms)
	}
	res.FullMs, res.FloorMs = median(full), median(floor)
	// REFRESH … FULL (every row replaced) with 64Ki-row tasks instead of the
	// default 16Ki: fewer, larger data files and checkpoints.
	res.BigBatchMs, err = timeIt(func() error {
		_, err := db.Exec(ctx, "REFRESH MATERIALIZED VIEW v FULL WITH (batch_size = 65536)")
		return err
	})
	if err != nil {
		return fmt.Errorf("REFRESH … WITH (batch_size = 65536): %w", err)
	}

	// +1% rows, then an incremental refresh computes only those.
	res.IncrRows = max(rows/100, 1)
	ds, err := lance.Open(ctx, filepath.Join(folder, "rt.lance"))
	if err != nil {
		return err
	}
	add := newGenReader(mem, pointsSchema, res.IncrRows, func(b *array.RecordBuilder, lo, hi int64) {
		fillPoints(12)(b, lo+rows, hi+rows)
	})
	_, err = ds.Append(ctx, add)
	add.Release()
	if err != nil {
		return err
	}
	res.IncrMs, err = timeIt(func() error { _, err := db.Exec(ctx, "REFRESH MATERIALIZED VIEW v"); return err })
	if err != nil {
		return fmt.Errorf("incremental REFRESH: %w", err)
	}

	if workers {
		res.WorkersRows = 256 * 1024
		if err := writeTable(ctx, mem, folder, tableSpec{"rs", pointsSchema, res.WorkersRows, fillPoints(13)}); err != nil {
			return err
		}
		if _, err := db.Exec(ctx, "CREATE MATERIALIZED VIEW vs AS SELECT id, slow_id(x) AS y FROM rs"); err != nil {
			return err
		}
		res.WorkersMs = map[string]float64{}
		for _, w := range []int{1, 2, 4} {
			sql := fmt.Sprintf("REFRESH MATERIALIZED VIEW vs FULL WITH (workers = %d, batch_size = 1024)", w)
			ms, err := timeIt(func() error { _, err := db.Exec(ctx, sql); return err })
			if err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
			res.WorkersMs[fmt.Sprint(w)] = ms
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// ioFloor is the least any refresh must do: read the source columns and write
// the same number of rows (id and a float64) as a new Lance dataset.
func ioFloor(ctx context.Context, mem memory.Allocator, folder string) error {
	src, err := lance.Open(ctx, filepath.Join(folder, "rt.lance"), lance.WithAllocator(mem))
	if err != nil {
		return err
	}
	sc, err := src.Scan(ctx, lance.ScanOptions{Columns: []string{"id", "x"}})
	if err != nil {
		return err
	}
	path := filepath.Join(folder, "floor.lance")
	os.RemoveAll(path)
	dst, err := lance.Create(ctx, path, sc.Schema(), lance.CreateOptions{Mem: mem})
	if err != nil {
		sc.Close()
		return err
	}
	rdr := &scanRecordReader{sc: sc, refs: 1}
	defer rdr.Release()
	_, err = dst.Append(ctx, rdr)
	if err == nil {
		err = rdr.err
	}
	return err
}
