package lance

import (
	"context"
	"reflect"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// All oracle column types (nulls included) survive a Go write and read over
// several fragments and both deletion file kinds, for each data format the
// format package supports. Runs without Node.
func TestRoundTripAllTypes(t *testing.T) {
	for _, fv := range []string{"2.0", "2.1"} {
		t.Run(fv, func(t *testing.T) {
			needFormat(t, fv)
			ctx := context.Background()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			d, err := Create(ctx, t.TempDir()+"/t.lance", oracleSchema, CreateOptions{DataFormat: fv, MaxRowsPerFile: 70, Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			recs := []arrow.RecordBatch{oracleBatch(mem, 0, 100), oracleBatch(mem, 100, 90)}
			want := map[string]map[string]any{}
			for _, r := range recs {
				for i := 0; i < int(r.NumRows()); i++ {
					row := map[string]any{}
					for c, f := range r.Schema().Fields() {
						row[f.Name] = jsonValue(r.Column(c), i)
					}
					want[row["id"].(string)] = row
				}
			}
			rdr := recordReader(t, recs...)
			d, err = d.Append(ctx, rdr)
			rdr.Release()
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Fragments()) != 3 {
				t.Fatalf("%d fragments", len(d.Fragments()))
			}
			if d, err = d.Delete(ctx, []uint64{0, 69, 1<<32 | 3}); err != nil {
				t.Fatal(err)
			}
			d.arrowDeletions = true
			if d, err = d.Delete(ctx, []uint64{2<<32 | 0, 2<<32 | 49}); err != nil {
				t.Fatal(err)
			}
			for _, id := range []int{0, 69, 73, 140, 189} {
				delete(want, strconv.Itoa(id))
			}
			got := rowsJSON(t, d, mem)
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for _, row := range got {
				exp := want[row["id"].(string)]
				if !reflect.DeepEqual(normalize(t, row), normalize(t, exp)) {
					t.Fatalf("row %v\nwant %v", row, exp)
				}
			}
		})
	}
}
