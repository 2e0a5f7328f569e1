package lance

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cacheCounts reads the process-wide cache's hit and miss counters.
func cacheCounts() (hits, misses int64) {
	dataFiles.mu.Lock()
	defer dataFiles.mu.Unlock()
	return dataFiles.hits, dataFiles.misses
}

// appendFragments appends n fragments of size rows each (ids counting up
// from 0), one commit each, as single-row INSERTs do.
func appendFragments(t *testing.T, d *Dataset, mem memory.Allocator, n, size int) *Dataset {
	t.Helper()
	for i := 0; i < n; i++ {
		rec := idBatch(mem, i*size, size)
		d = mustAppend(t, d, rec)
		rec.Release()
	}
	return d
}

func TestFileCacheServesRepeatedScans(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	d, path := newTestDataset(t, mem, 0)
	d = appendFragments(t, d, mem, 5, 3)
	want, _ := scanAll(t, d, ScanOptions{})
	if len(want) != 15 {
		t.Fatalf("first scan: %d rows", len(want))
	}
	h0, m0 := cacheCounts()
	// Another handle on the same folder (a new statement) and a later
	// version both find the five files in the cache.
	o, err := Open(ctx, path, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := scanAll(t, o, ScanOptions{})
	h1, m1 := cacheCounts()
	if h1-h0 != 5 || m1 != m0 {
		t.Errorf("second scan: %d hits %d misses, want 5 hits 0 misses", h1-h0, m1-m0)
	}
	for id, name := range want {
		if got[id] != name {
			t.Fatalf("id %d: %q from the cache, %q from the files", id, got[id], name)
		}
	}
	// A file replaced by one of another size (not something Lance does, but
	// the manifest's size must win) is read again: the cached entry is
	// dropped and the new bytes are checked against the manifest.
	f := o.m.Fragments[0].Files[0]
	p := filepath.Join(path, "data", f.Path)
	if err := os.WriteFile(p, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := f.SizeBytes
	f.SizeBytes = 7
	sc, err := o.Scan(ctx, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := sc.Next(ctx); err == nil {
		rec.Release()
		t.Fatal("a corrupt data file was read without error")
	}
	sc.Close()
	f.SizeBytes = saved
}

func TestFileCacheKeysByAllocator(t *testing.T) {
	scanCacheOff = true // batches from the scan cache use its own allocator
	defer func() { scanCacheOff = false }()
	a := memory.NewCheckedAllocator(memory.NewGoAllocator())
	b := memory.NewCheckedAllocator(memory.NewGoAllocator())
	d, path := newTestDataset(t, a, 0)
	rec := idBatch(a, 0, 4)
	d = mustAppend(t, d, rec)
	rec.Release()
	scanAll(t, d, ScanOptions{})
	// A reader allocates its output with the allocator it was opened with:
	// a handle on another allocator must not get the first one's reader.
	o, err := Open(context.Background(), path, WithAllocator(b))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := o.Scan(context.Background(), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b.CurrentAlloc() == 0 || a.CurrentAlloc() != 0 {
		t.Errorf("batch allocated from the wrong allocator: a=%d b=%d", a.CurrentAlloc(), b.CurrentAlloc())
	}
	r.Release()
	sc.Close()
	a.AssertSize(t, 0)
	b.AssertSize(t, 0)
}

func TestFileCacheEvicts(t *testing.T) {
	c := newFileCache(100, 60)
	k := func(s string) fileKey { return fileKey{store: "x", path: s} }
	c.put(k("a"), nil, 40)
	c.put(k("b"), nil, 40)
	c.get(k("a"), 0) // a is now the most recently used
	c.put(k("c"), nil, 40)
	if _, ok := c.entries[k("b")]; ok {
		t.Error("least recently used entry was kept")
	}
	if _, ok := c.entries[k("a")]; !ok {
		t.Error("recently used entry was evicted")
	}
	if c.used != 80 {
		t.Errorf("used %d bytes, want 80", c.used)
	}
	c.get(k("a"), 41) // size differs from the manifest: dropped
	if _, ok := c.entries[k("a")]; ok || c.used != 40 {
		t.Errorf("entry of the wrong size kept (used %d)", c.used)
	}
}

func TestLatestNoticesOtherWriters(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		name    string
		commits int // by another handle after ours was opened
	}{
		{"unchanged", 0},
		{"one newer version", 1},
		{"a few newer versions", 3},
		{"more than the stat walk follows", maxStatSteps + 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, path := newTestDataset(t, mem, 0)
			o, err := Open(ctx, path, WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tc.commits; i++ {
				rec := idBatch(mem, i, 1)
				d = mustAppend(t, d, rec)
				rec.Release()
			}
			l, err := o.Latest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if l.Version() != d.Version() || l.CountRows() != int64(tc.commits) {
				t.Fatalf("Latest: v%d with %d rows, want v%d with %d", l.Version(), l.CountRows(), d.Version(), tc.commits)
			}
			if tc.commits == 0 && l != o {
				t.Error("Latest of an unchanged dataset made a new handle")
			}
			// The handle Latest made knows its manifest: asking again
			// without changes returns it.
			if again, err := l.Latest(ctx); err != nil || again != l {
				t.Errorf("second Latest: %v (same handle %v)", err, again == l)
			}
		})
	}
}

func TestLatestNoticesReplacedDataset(t *testing.T) {
	ctx := context.Background()
	d, path := newTestDataset(t, nil, 0)
	rec := idBatch(memory.DefaultAllocator, 0, 5)
	d = mustAppend(t, d, rec)
	rec.Release()
	o, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Another process drops the table and creates it again, reaching the
	// same version number with other rows.
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	n, err := Create(ctx, path, testSchema, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec = idBatch(memory.DefaultAllocator, 100, 2)
	n = mustAppend(t, n, rec)
	rec.Release()
	if n.Version() != o.Version() {
		t.Fatalf("setup: versions %d and %d", n.Version(), o.Version())
	}
	l, err := o.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l.CountRows() != 2 {
		t.Errorf("Latest after the dataset was replaced has %d rows, want 2", l.CountRows())
	}
	_ = d
}
