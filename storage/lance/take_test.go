package lance

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestTake(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 10)
	d = mustAppend(t, d, idBatch(mem, 0, 35))
	d, err := d.Delete(ctx, []uint64{1<<32 | 2}) // id 12
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addrs []uint64
		cols  []string
		ids   []int64
	}{
		{[]uint64{3<<32 | 4, 5, 1<<32 | 1, 5, 0}, nil, []int64{34, 5, 11, 5, 0}},
		{[]uint64{2<<32 | 9}, []string{"id"}, []int64{29}},
		{nil, nil, nil},
	}
	for _, tc := range tests {
		rec, err := d.Take(ctx, tc.addrs, tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		if int(rec.NumRows()) != len(tc.ids) {
			t.Fatalf("%d rows", rec.NumRows())
		}
		ids := rec.Column(0).(*array.Int64)
		for i, want := range tc.ids {
			if ids.Value(i) != want {
				t.Fatalf("row %d: id %d want %d", i, ids.Value(i), want)
			}
		}
		if tc.cols == nil && len(tc.ids) > 0 {
			nm := rec.Column(1).(*array.String)
			if !nm.IsNull(4) || nm.Value(1) != "n5" {
				t.Fatalf("names %v", nm)
			}
		}
		rec.Release()
	}
	if _, err := d.Take(ctx, []uint64{1<<32 | 2}, nil); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("deleted row: %v", err)
	}
	if _, err := d.Take(ctx, []uint64{9 << 32}, nil); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("missing fragment: %v", err)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	d = mustAppend(t, d, idBatch(mem, 0, 10))
	v2 := d.Version()
	d, err := d.UpdateSchemaMetadata(ctx, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	d = mustAppend(t, d, idBatch(mem, 10, 5))
	r, err := d.Restore(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version() != d.Version()+1 || r.CountRows() != 10 || len(r.SchemaMetadata()) != 0 {
		t.Fatalf("restored: v%d %d rows %v", r.Version(), r.CountRows(), r.SchemaMetadata())
	}
	r2 := mustAppend(t, r, idBatch(mem, 100, 1))
	for _, f := range r2.Fragments() {
		if f.ID == 1 && f.PhysicalRows == 1 {
			t.Fatal("restore let a new fragment reuse an old id")
		}
	}
	if _, err := d.Restore(ctx, 99); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("bad version: %v", err)
	}
}
