package lance

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCompactAndRewriteMap(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 100)
	// Five small appends make five small fragments.
	for i := 0; i < 5; i++ {
		d = mustAppend(t, d, idBatch(mem, i*20, 20))
	}
	_, addrs := scanAll(t, d, ScanOptions{})
	var del []uint64
	for _, id := range []int64{0, 7, 21, 22, 99} {
		del = append(del, addrs[id])
	}
	d, err := d.Delete(ctx, del)
	if err != nil {
		t.Fatal(err)
	}
	before := d.Version()
	names0, addrs0 := scanAll(t, d, ScanOptions{})
	c, res, err := d.Compact(ctx, CompactOptions{TargetRowsPerFragment: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.FragmentsRemoved != 5 || res.FragmentsAdded != 3 || res.RowsRewritten != 95 {
		t.Fatalf("result %+v", res)
	}
	if c.CountRows() != 95 || len(c.Fragments()) != 3 {
		t.Fatalf("after compact: %d rows in %d fragments", c.CountRows(), len(c.Fragments()))
	}
	for _, f := range c.Fragments() {
		if f.DeletedRows != 0 || f.ID < 5 {
			t.Fatalf("fragment %+v", f)
		}
	}
	names1, addrs1 := scanAll(t, c, ScanOptions{})
	if len(names1) != len(names0) {
		t.Fatalf("rows %d vs %d", len(names1), len(names0))
	}
	// The result's map and the map rebuilt from the transaction files agree
	// with where each row really went.
	rm, err := c.RewriteMap(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	if rm.Rewrites() != 1 {
		t.Fatalf("%d rewrites", rm.Rewrites())
	}
	for id, old := range addrs0 {
		if names1[id] != names0[id] {
			t.Fatalf("id %d: %q became %q", id, names0[id], names1[id])
		}
		for _, m := range []*RowAddrMap{res.Map, rm} {
			got, ok := m.Map(old)
			if !ok || got != addrs1[id] {
				t.Fatalf("id %d: %x maps to %x,%v want %x", id, old, got, ok, addrs1[id])
			}
		}
	}
	if _, ok := res.Map.Map(addrs[7]); ok {
		t.Fatal("deleted row mapped")
	}
	// Nothing left to do: no new version.
	c2, res2, err := c.Compact(ctx, CompactOptions{TargetRowsPerFragment: 40})
	if err != nil || c2.Version() != c.Version() || res2.FragmentsRemoved != 0 {
		t.Fatalf("second compact: v%d %+v %v", c2.Version(), res2, err)
	}
	vs, _ := c.Versions(ctx)
	if vs[len(vs)-1].Operation != "Rewrite" {
		t.Fatalf("operation %s", vs[len(vs)-1].Operation)
	}
}

// Compaction and a delete racing on the same fragments: the later one fails
// with ErrConflict; on other fragments both land.
func TestCompactConflicts(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 100)
	for i := 0; i < 3; i++ {
		d = mustAppend(t, d, idBatch(mem, i*10, 10))
	}
	d = mustAppend(t, d, idBatch(mem, 1000, 100)) // full fragment, not compacted
	if _, _, err := d.Compact(ctx, CompactOptions{TargetRowsPerFragment: 50}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Delete(ctx, []uint64{1 << 32}); !errors.Is(err, ErrConflict) {
		t.Fatalf("delete in a compacted fragment: %v", err)
	}
	l, err := d.Delete(ctx, []uint64{3<<32 | 5})
	if err != nil {
		t.Fatalf("delete in an untouched fragment: %v", err)
	}
	if l.CountRows() != 129 || len(l.Fragments()) != 2 {
		t.Fatalf("%d rows in %d fragments", l.CountRows(), len(l.Fragments()))
	}
}
