package lance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

func idBatch(mem memory.Allocator, start, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, testSchema)
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%10 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", i))
		}
	}
	return b.NewRecordBatch()
}

// scanAll returns id -> name ("<null>" for null) and id -> rowaddr.
func scanAll(t testing.TB, d *Dataset, opts ScanOptions) (map[int64]string, map[int64]uint64) {
	t.Helper()
	ctx := context.Background()
	opts.WithRowAddr = true
	sc, err := d.Scan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	names, addrs := map[int64]string{}, map[int64]uint64{}
	for {
		rec, err := sc.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids := rec.Column(0).(*array.Int64)
		var nm *array.String
		if rec.NumCols() > 2 {
			nm = rec.Column(1).(*array.String)
		}
		ra := rec.Column(int(rec.NumCols()) - 1).(*array.Uint64)
		for i := 0; i < ids.Len(); i++ {
			id := ids.Value(i)
			if _, dup := names[id]; dup {
				t.Fatalf("id %d returned twice", id)
			}
			switch {
			case nm == nil:
				names[id] = ""
			case nm.IsNull(i):
				names[id] = "<null>"
			default:
				names[id] = nm.Value(i)
			}
			addrs[id] = ra.Value(i)
		}
		rec.Release()
	}
	return names, addrs
}

func newTestDataset(t testing.TB, mem memory.Allocator, maxRows int) (*Dataset, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.lance")
	d, err := Create(context.Background(), path, testSchema, CreateOptions{MaxRowsPerFile: maxRows, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	return d, path
}

func mustAppend(t testing.TB, d *Dataset, recs ...arrow.RecordBatch) *Dataset {
	t.Helper()
	rdr := recordReader(t, recs...)
	defer rdr.Release()
	nd, err := d.Append(context.Background(), rdr)
	if err != nil {
		t.Fatal(err)
	}
	return nd
}

func TestAppendScanDeleteUpdate(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, path := newTestDataset(t, mem, 40)
	d = mustAppend(t, d, idBatch(mem, 0, 50), idBatch(mem, 50, 50))
	if len(d.Fragments()) != 3 || d.CountRows() != 100 {
		t.Fatalf("fragments %d rows %d", len(d.Fragments()), d.CountRows())
	}
	names, addrs := scanAll(t, d, ScanOptions{BatchSize: 7})
	if len(names) != 100 || names[10] != "<null>" || names[11] != "n11" {
		t.Fatalf("scan: %d rows, 10=%q 11=%q", len(names), names[10], names[11])
	}
	if addrs[45] != 1<<32|5 || addrs[0] != 0 {
		t.Fatalf("row addresses: 45->%x 0->%x", addrs[45], addrs[0])
	}
	// Column projection, fragment and range selection.
	n2, _ := scanAll(t, d, ScanOptions{Columns: []string{"ID"}, Fragments: []uint64{2, 1}, Ranges: map[uint64][2]int64{1: {5, 10}}})
	if len(n2) != 20+5 {
		t.Fatalf("fragments+ranges gave %d rows", len(n2))
	}
	if _, err := d.Scan(ctx, ScanOptions{Columns: []string{"nope"}}); !isCode(err, sqlerr.ErrBadField) {
		t.Fatalf("bad column: %v", err)
	}
	// Delete: sparse in fragment 0, all of fragment 2.
	var del []uint64
	for _, id := range []int64{1, 2, 39, 45} {
		del = append(del, addrs[id])
	}
	for id := int64(80); id < 100; id++ {
		del = append(del, addrs[id])
	}
	d2, err := d.Delete(ctx, del)
	if err != nil {
		t.Fatal(err)
	}
	if d2.CountRows() != 100-24 || len(d2.Fragments()) != 2 {
		t.Fatalf("after delete: %d rows, %d fragments", d2.CountRows(), len(d2.Fragments()))
	}
	names, _ = scanAll(t, d2, ScanOptions{BatchSize: 16})
	for _, id := range []int64{1, 2, 39, 45, 80, 99} {
		if _, ok := names[id]; ok {
			t.Fatalf("deleted id %d still scanned", id)
		}
	}
	if len(names) != 76 {
		t.Fatalf("%d rows scanned", len(names))
	}
	// Deleting again the same rows is a no-op; unknown addresses are errors.
	if d3, err := d2.Delete(ctx, del[:4]); err == nil && d3.Version() != d2.Version() {
		t.Fatalf("re-delete committed version %d", d3.Version())
	}
	if _, err := d2.Delete(ctx, []uint64{7 << 32}); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("bad address: %v", err)
	}
	// Update: replace ids 3 and 4 with 1003, 1004.
	_, addrs2 := scanAll(t, d2, ScanOptions{})
	rdr := recordReader(t, idBatch(mem, 1003, 2))
	d3, err := d2.Update(ctx, []uint64{addrs2[3], addrs2[4]}, rdr)
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	names, _ = scanAll(t, d3, ScanOptions{})
	if _, ok := names[3]; ok || names[1003] != "n1003" || len(names) != 76 {
		t.Fatalf("after update: %d rows, 1003=%q", len(names), names[1003])
	}
	// Time travel still sees the old rows.
	old, err := Open(ctx, path, WithVersion(d.Version()), WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := scanAll(t, old, ScanOptions{}); len(names) != 100 {
		t.Fatalf("old version has %d rows", len(names))
	}
	vs, _ := d3.Versions(ctx)
	var ops []string
	for _, v := range vs {
		ops = append(ops, v.Operation)
	}
	if fmt.Sprint(ops) != "[Overwrite Append Delete Update]" {
		t.Fatalf("operations %v", ops)
	}
	// Overwrite with a new schema.
	ns := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	xb := array.NewInt64Builder(mem)
	xb.AppendValues([]int64{7, 8, 9}, nil)
	xa := xb.NewArray()
	xb.Release()
	rdr = recordReader(t, array.NewRecordBatch(ns, []arrow.Array{xa}, 3))
	xa.Release()
	d4, err := d3.Overwrite(ctx, ns, rdr)
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	if d4.CountRows() != 3 || d4.Schema().Field(0).Name != "x" {
		t.Fatalf("overwrite: %d rows, schema %v", d4.CountRows(), d4.Schema())
	}
}

func TestAppendRejectsBadRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	bad := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, bad)
	b.Field(0).(*array.Int32Builder).Append(1)
	b.Field(1).AppendNull()
	rdr := recordReader(t, b.NewRecordBatch())
	b.Release()
	_, err := d.Append(context.Background(), rdr)
	rdr.Release()
	if !isCode(err, sqlerr.ErrUnsupportedType) {
		t.Fatalf("wrong type: %v", err)
	}
	nb := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil))
	nb.Field(0).AppendNull()
	nb.Field(1).AppendNull()
	rdr = recordReader(t, nb.NewRecordBatch())
	nb.Release()
	_, err = d.Append(context.Background(), rdr)
	rdr.Release()
	if !isCode(err, sqlerr.ErrBadNull) {
		t.Fatalf("null in non-null column: %v", err)
	}
}

func TestAddDropColumns(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 30)
	d = mustAppend(t, d, idBatch(mem, 0, 50))
	_, addrs := scanAll(t, d, ScanOptions{})
	d, err := d.Delete(ctx, []uint64{addrs[5], addrs[35]})
	if err != nil {
		t.Fatal(err)
	}
	// Fragment 0 gets physical-row values, fragment 1 live-row values.
	newField := arrow.Field{Name: "double_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	ns := arrow.NewSchema([]arrow.Field{newField}, nil)
	d2, err := d.AddColumns(ctx, []arrow.Field{newField}, func(ctx context.Context, f Fragment) (array.RecordReader, error) {
		sc, err := d.Scan(ctx, ScanOptions{Columns: []string{"id"}, Fragments: []uint64{f.ID}})
		if err != nil {
			return nil, err
		}
		defer sc.Close()
		b := array.NewInt64Builder(mem)
		defer b.Release()
		if f.ID == 0 {
			for i := int64(0); i < f.PhysicalRows; i++ {
				b.Append(2 * i)
			}
		} else {
			for {
				rec, err := sc.Next(ctx)
				if err == io.EOF {
					break
				}
				if err != nil {
					return nil, err
				}
				for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
					b.Append(2 * v)
				}
				rec.Release()
			}
		}
		a := b.NewArray()
		defer a.Release()
		rec := array.NewRecordBatch(ns, []arrow.Array{a}, int64(a.Len()))
		defer rec.Release()
		return array.NewRecordReader(ns, []arrow.RecordBatch{rec})
	})
	if err != nil {
		t.Fatal(err)
	}
	if d2.Schema().NumFields() != 3 || len(d2.Fragments()[0].DataFiles) != 2 {
		t.Fatalf("schema %v, files %d", d2.Schema(), len(d2.Fragments()[0].DataFiles))
	}
	sc, err := d2.Scan(ctx, ScanOptions{Columns: []string{"id", "double_id"}, BatchSize: 9})
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids, dbl := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			if dbl.IsNull(i) || dbl.Value(i) != 2*ids.Value(i) {
				t.Fatalf("id %d: double_id %v", ids.Value(i), dbl.GetOneForMarshal(i))
			}
		}
		rows += ids.Len()
		rec.Release()
	}
	sc.Close()
	if rows != 48 {
		t.Fatalf("%d rows", rows)
	}
	// Wrong row count is refused.
	_, err = d2.AddColumns(ctx, []arrow.Field{{Name: "z", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, func(ctx context.Context, f Fragment) (array.RecordReader, error) {
		zs := arrow.NewSchema([]arrow.Field{{Name: "z", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
		return array.NewRecordReader(zs, nil)
	})
	if !isCode(err, sqlerr.ErrWrongValueCount) {
		t.Fatalf("short values: %v", err)
	}
	d3, err := d2.DropColumns(ctx, []string{"name"})
	if err != nil {
		t.Fatal(err)
	}
	if d3.Schema().NumFields() != 2 || d3.Schema().Field(1).Name != "double_id" {
		t.Fatalf("after drop: %v", d3.Schema())
	}
	if _, err := d3.DropColumns(ctx, []string{"id", "double_id"}); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("drop all: %v", err)
	}
	names, _ := scanAll(t, d3, ScanOptions{Columns: []string{"id"}})
	if len(names) != 48 {
		t.Fatalf("%d rows after drop", len(names))
	}
}

// Eight writers append at once from the same version: every row lands
// exactly once and each commit is its own version.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, path := newTestDataset(t, mem, 0)
	const writers, per = 8, 25
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rec := idBatch(mem, w*1000, per)
			defer rec.Release()
			rdr, err := array.NewRecordReader(testSchema, []arrow.RecordBatch{rec})
			if err != nil {
				errs[w] = err
				return
			}
			defer rdr.Release()
			_, errs[w] = d.Append(ctx, rdr)
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(ctx, path, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if l.Version() != writers+1 {
		t.Fatalf("version %d", l.Version())
	}
	names, _ := scanAll(t, l, ScanOptions{})
	if len(names) != writers*per {
		t.Fatalf("%d rows", len(names))
	}
	ids := map[uint64]bool{}
	for _, f := range l.Fragments() {
		if ids[f.ID] {
			t.Fatalf("fragment id %d used twice", f.ID)
		}
		ids[f.ID] = true
	}
	for w := 0; w < writers; w++ {
		for i := 0; i < per; i++ {
			if _, ok := names[int64(w*1000+i)]; !ok {
				t.Fatalf("row %d lost", w*1000+i)
			}
		}
	}
}

// Operations that do not commute fail with ErrConflict; those that do are
// rebased.
func TestConflicts(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 10)
	d = mustAppend(t, d, idBatch(mem, 0, 30))
	_, addrs := scanAll(t, d, ScanOptions{})
	// Writer A deletes from fragment 0; writer B (same base) from fragment 1: rebased.
	a, err := d.Delete(ctx, []uint64{addrs[1]})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Delete(ctx, []uint64{addrs[15]})
	if err != nil {
		t.Fatalf("delete of another fragment should rebase: %v", err)
	}
	if b.Version() != a.Version()+1 || b.CountRows() != 28 {
		t.Fatalf("rebased delete: v%d rows %d", b.Version(), b.CountRows())
	}
	// Writer C (old base) deletes from fragment 0 again: conflict.
	_, err = d.Delete(ctx, []uint64{addrs[2]})
	if !errors.Is(err, ErrConflict) || !isCode(err, sqlerr.ErrConflict) {
		t.Fatalf("same-fragment delete: %v", err)
	}
	// An append from the old base rebases over both deletes.
	c := mustAppend(t, d, idBatch(mem, 100, 5))
	if c.CountRows() != 28+5 {
		t.Fatalf("rebased append: %d rows", c.CountRows())
	}
	// Schema change from the old base conflicts with the appends.
	if _, err := d.DropColumns(ctx, []string{"name"}); err != nil {
		t.Fatalf("drop columns commutes with appends and deletes: %v", err)
	}
	if _, err := d.Overwrite(ctx, nil, nil); err != nil {
		t.Fatalf("overwrite never conflicts: %v", err)
	}
	if _, err := d.Delete(ctx, []uint64{addrs[25]}); !errors.Is(err, ErrConflict) {
		t.Fatalf("delete after overwrite: %v", err)
	}
}

// Re-adding a dropped column must not resurrect the old values: the new
// column gets a fresh field id.
func TestDropThenAddSameName(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	d = mustAppend(t, d, idBatch(mem, 0, 5))
	d, err := d.DropColumns(ctx, []string{"name"})
	if err != nil {
		t.Fatal(err)
	}
	f := arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}
	d, err = d.AddColumns(ctx, []arrow.Field{f}, func(ctx context.Context, fr Fragment) (array.RecordReader, error) {
		s := arrow.NewSchema([]arrow.Field{f}, nil)
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := int64(0); i < fr.PhysicalRows; i++ {
			b.Append("new")
		}
		a := b.NewArray()
		defer a.Release()
		rec := array.NewRecordBatch(s, []arrow.Array{a}, int64(a.Len()))
		defer rec.Release()
		return array.NewRecordReader(s, []arrow.RecordBatch{rec})
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids := d.FieldIDs(); ids[1] == 1 {
		t.Fatalf("dropped field id reused: %v", ids)
	}
	names, _ := scanAll(t, d, ScanOptions{})
	for id, n := range names {
		if n != "new" {
			t.Fatalf("id %d: name %q", id, n)
		}
	}
}

// Dense deletions (every third row) take the read-by-offset path of the
// scanner; sparse ones the slice path. Both must return exactly the live rows.
func TestScanDenseDeletions(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	d = mustAppend(t, d, idBatch(mem, 0, 1000))
	var del []uint64
	for i := uint64(0); i < 1000; i += 3 {
		del = append(del, i)
	}
	d, err := d.Delete(ctx, del)
	if err != nil {
		t.Fatal(err)
	}
	for _, bs := range []int{10, 100, 1000} {
		names, addrs := scanAll(t, d, ScanOptions{BatchSize: bs})
		if len(names) != 666 {
			t.Fatalf("batch %d: %d rows", bs, len(names))
		}
		for id, a := range addrs {
			if id%3 == 0 || a != uint64(id) {
				t.Fatalf("batch %d: id %d at %d", bs, id, a)
			}
			want := fmt.Sprintf("n%d", id)
			if id%10 == 0 {
				want = "<null>"
			}
			if names[id] != want {
				t.Fatalf("batch %d: id %d name %q", bs, id, names[id])
			}
		}
	}
}
