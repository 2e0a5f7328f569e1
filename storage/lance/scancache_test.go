package lance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// scanRows renders every row of a scan, in order, and counts its batches.
func scanRows(t *testing.T, d *Dataset, opts ScanOptions) (rows []string, batches int) {
	t.Helper()
	ctx := context.Background()
	sc, err := d.Scan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for {
		rec, err := sc.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, batches
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() > int64(max(opts.BatchSize, 0)) && opts.BatchSize > 0 {
			t.Errorf("batch of %d rows, batch size %d", rec.NumRows(), opts.BatchSize)
		}
		batches++
		for i := 0; i < int(rec.NumRows()); i++ {
			row := ""
			for c := 0; c < int(rec.NumCols()); c++ {
				row += fmt.Sprintf("%v|", valueAt(rec.Column(c), i))
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
}

func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch c := a.(type) {
	case *array.Int64:
		return c.Value(i)
	case *array.Uint64:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	}
	return a.ValueStr(i)
}

func TestScanCacheMatchesLazyScan(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	d, _ := newTestDataset(t, mem, 0)
	// Seven one-fragment appends, then deletions inside some fragments.
	d = appendFragments(t, d, mem, 7, 4)
	_, addrs := scanAll(t, d, ScanOptions{})
	del, err := d.Delete(ctx, []uint64{addrs[1], addrs[2], addrs[13], addrs[27]})
	if err != nil {
		t.Fatal(err)
	}
	tests := []ScanOptions{
		{},
		{WithRowAddr: true},
		{Columns: []string{"name"}},
		{Columns: []string{"name", "id"}, BatchSize: 5},
		{Columns: []string{}, WithRowAddr: true, BatchSize: 3},
	}
	for _, ds := range []*Dataset{d, del} {
		for _, opts := range tests {
			t.Run(fmt.Sprintf("v%d %+v", ds.Version(), opts), func(t *testing.T) {
				scanCacheOff = true
				want, lazyBatches := scanRows(t, ds, opts)
				scanCacheOff = false
				first, _ := scanRows(t, ds, opts)
				again, batches := scanRows(t, ds, opts)
				if fmt.Sprint(first) != fmt.Sprint(want) || fmt.Sprint(again) != fmt.Sprint(want) {
					t.Fatalf("cached scan differs:\nlazy   %v\nfirst  %v\nagain  %v", want, first, again)
				}
				// Fragments of a few rows are joined into larger batches.
				if batches > lazyBatches || (opts.BatchSize == 0 && batches != 1) {
					t.Errorf("%d rows in %d batches (%d from the lazy scan)", len(want), batches, lazyBatches)
				}
			})
		}
	}
	// A new version sees its own rows, not the old version's kept batches.
	rec := idBatch(mem, 100, 2)
	d2 := mustAppend(t, del, rec)
	rec.Release()
	if rows, _ := scanRows(t, d2, ScanOptions{}); len(rows) != 7*4-4+2 {
		t.Errorf("new version: %d rows, want %d", len(rows), 7*4-4+2)
	}
	// A scan restricted to some fragments is not served from the cache.
	frag := d2.Fragments()[0].ID
	if rows, _ := scanRows(t, d2, ScanOptions{Fragments: []uint64{frag}}); len(rows) != 2 {
		t.Errorf("one fragment: %d rows, want 2", len(rows))
	}
}

func TestScanCacheSkipsFailedReads(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	rec := idBatch(mem, 0, 3)
	d = mustAppend(t, d, rec)
	rec.Release()
	// A cancelled statement fails its scan but leaves nothing behind.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc, err := d.Scan(ctx, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sc.Next(ctx); err == nil {
		r.Release()
		t.Fatal("scan with a cancelled context succeeded")
	}
	sc.Close()
	if rows, _ := scanRows(t, d, ScanOptions{}); len(rows) != 3 {
		t.Errorf("after a cancelled scan: %d rows, want 3", len(rows))
	}
}

func TestScanCacheLargeTablesStayLazy(t *testing.T) {
	d, _ := newTestDataset(t, nil, 0)
	rec := idBatch(memory.DefaultAllocator, 0, scanCacheMaxRows+1)
	d = mustAppend(t, d, rec)
	rec.Release()
	if rows, _ := scanRows(t, d, ScanOptions{Columns: []string{"id"}}); len(rows) != scanCacheMaxRows+1 {
		t.Fatalf("%d rows", len(rows))
	}
	n := 0
	d.scans.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Errorf("a table of %d rows was kept decoded", scanCacheMaxRows+1)
	}
}
