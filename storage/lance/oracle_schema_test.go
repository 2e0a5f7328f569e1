package lance

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// LanceDB must read what our Update, AddColumns (a second data file per
// fragment), DropColumns (data files keep the dropped field) and Compact
// commits produce, row for row.
func TestOracleReadsSchemaEvolution(t *testing.T) {
	oracle(t)
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	d, err := Create(ctx, filepath.Join(dir, "t.lance"), testSchema, CreateOptions{MaxRowsPerFile: 30, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	d = mustAppend(t, d, idBatch(mem, 0, 70))
	_, addrs := scanAll(t, d, ScanOptions{})
	rdr := recordReader(t, idBatch(mem, 500, 2))
	d, err = d.Update(ctx, []uint64{addrs[3], addrs[40]}, rdr)
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	nf := arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	ns := arrow.NewSchema([]arrow.Field{nf}, nil)
	d, err = d.AddColumns(ctx, []arrow.Field{nf}, func(ctx context.Context, f Fragment) (array.RecordReader, error) {
		sc, err := d.Scan(ctx, ScanOptions{Columns: []string{"id"}, Fragments: []uint64{f.ID}})
		if err != nil {
			return nil, err
		}
		defer sc.Close()
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for {
			rec, err := sc.Next(ctx)
			if err != nil {
				break
			}
			for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
				if v%3 == 0 {
					b.AppendNull()
				} else {
					b.Append(v * 10)
				}
			}
			rec.Release()
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
	check := func(what string) {
		t.Helper()
		var got struct {
			Version uint64
			Count   int64
			Rows    []map[string]any
		}
		if err := json.Unmarshal(runOracle(t, "lancedb_dump.js", dir, "t"), &got); err != nil {
			t.Fatal(err)
		}
		want := normalize(t, rowsJSON(t, d, mem))
		if got.Version != d.Version() || got.Count != d.CountRows() || fmt.Sprint(normalize(t, got.Rows)) != fmt.Sprint(want) {
			t.Fatalf("after %s LanceDB reads v%d with %d rows:\n%.400v\nwant v%d with %d rows:\n%.400v", what, got.Version, got.Count, normalize(t, got.Rows), d.Version(), d.CountRows(), want)
		}
	}
	check("update and add column")
	if d, err = d.DropColumns(ctx, []string{"name"}); err != nil {
		t.Fatal(err)
	}
	check("drop column")
	if d, _, err = d.Compact(ctx, CompactOptions{TargetRowsPerFragment: 1000}); err != nil {
		t.Fatal(err)
	}
	if len(d.Fragments()) != 1 {
		t.Fatalf("%d fragments after compaction", len(d.Fragments()))
	}
	check("compaction")
}
