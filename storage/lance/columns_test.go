package lance

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestReplaceColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	ds, err := Create(ctx, filepath.Join(t.TempDir(), "t.lance"), schema, CreateOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	batch := func(from, n int, bval func(i int) string) array.RecordReader {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		for i := from; i < from+n; i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(bval(i))
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		rdr, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		return rdr
	}
	orig := func(i int) string { return fmt.Sprintf("v%d", i) }
	for _, from := range []int{0, 10} {
		rdr := batch(from, 10, orig)
		if ds, err = ds.Append(ctx, rdr); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
	}
	// Delete a row of fragment 0 so values may come per live row.
	if ds, err = ds.Delete(ctx, []uint64{3}); err != nil {
		t.Fatal(err)
	}
	frag0 := ds.Fragments()[0].ID
	bOnly := arrow.NewSchema([]arrow.Field{schema.Field(1)}, nil)
	nd, err := ds.ReplaceColumns(ctx, []string{"b"}, []uint64{frag0}, func(ctx context.Context, f Fragment) (array.RecordReader, error) {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := int64(0); i < f.PhysicalRows-f.DeletedRows; i++ {
			b.Append(fmt.Sprintf("new%d", i))
		}
		col := b.NewArray()
		defer col.Release()
		rec := array.NewRecordBatch(bOnly, []arrow.Array{col}, int64(col.Len()))
		defer rec.Release()
		return array.NewRecordReader(bOnly, []arrow.RecordBatch{rec})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	sc, err := nd.Scan(ctx, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		a, b := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String)
		for i := 0; i < a.Len(); i++ {
			got[a.Value(i)] = b.Value(i)
		}
		rec.Release()
	}
	sc.Close()
	// Fragment 0 rows 0..9 without 3 got new0..new8 in order; fragment 1 kept its values.
	k := 0
	for i := int64(0); i < 20; i++ {
		want := orig(int(i))
		if i < 10 {
			if i == 3 {
				if _, ok := got[i]; ok {
					t.Errorf("deleted row 3 is back")
				}
				continue
			}
			want = fmt.Sprintf("new%d", k)
			k++
		}
		if got[i] != want {
			t.Errorf("row %d: b = %q, want %q", i, got[i], want)
		}
	}
	// The old file no longer claims column b in fragment 0.
	for _, f := range nd.Fragments() {
		if f.ID != frag0 {
			continue
		}
		if len(f.DataFiles) != 2 || f.DataFiles[0].FieldIDs[1] != -2 {
			t.Errorf("fragment 0 files: %+v, want the old file's b tombstoned", f.DataFiles)
		}
	}
	if _, err := nd.ReplaceColumns(ctx, []string{"nope"}, []uint64{frag0}, nil); err == nil {
		t.Error("replacing an unknown column should fail")
	}
}
