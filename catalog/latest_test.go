package catalog

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance"
)

// appendRows adds n rows to the dataset at path through a handle of its
// own, as another process would.
func appendRows(t *testing.T, path string, n int) {
	t.Helper()
	ctx := context.Background()
	ds, err := lance.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		b.Append(int64(i))
	}
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(ds.Schema(), []arrow.Array{col}, int64(n))
	col.Release()
	rdr, err := array.NewRecordReader(ds.Schema(), []arrow.RecordBatch{rec})
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if _, err := ds.Append(ctx, rdr); err != nil {
		t.Fatal(err)
	}
}

func TestOpenTableFollowsOtherWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	c, err := Open(dir, memory.DefaultAllocator, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(dir, memory.DefaultAllocator, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateTable(ctx, "t", schema, false); err != nil {
		t.Fatal(err)
	}
	rows := func() int64 {
		t.Helper()
		tbl, err := c.OpenTable(ctx, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		return tbl.CountRows()
	}
	a, _ := c.OpenTable(ctx, "t", nil)
	b, _ := c.OpenTable(ctx, "t", nil)
	if a.Dataset() != b.Dataset() {
		t.Error("an unchanged table was opened anew")
	}
	path := a.Path()
	steps := []struct {
		name string
		do   func()
		want int64
	}{
		{"another handle appends", func() { appendRows(t, path, 3) }, 3},
		{"two more commits", func() { appendRows(t, path, 1); appendRows(t, path, 2) }, 6},
		{"dropped and created again here", func() {
			if _, err := c.DropTable(ctx, "t", false); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.CreateTable(ctx, "t", schema, false); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"written again", func() { appendRows(t, path, 5); appendRows(t, path, 1); appendRows(t, path, 1) }, 7},
		// Another catalog (process) replaces the table: same path, same
		// version number (4), other rows.
		{"replaced by another catalog", func() {
			if _, err := other.DropTable(ctx, "t", false); err != nil {
				t.Fatal(err)
			}
			if _, _, err := other.CreateTable(ctx, "t", schema, false); err != nil {
				t.Fatal(err)
			}
			appendRows(t, path, 2)
			appendRows(t, path, 2)
			appendRows(t, path, 4)
		}, 8},
	}
	for _, s := range steps {
		s.do()
		if got := rows(); got != s.want {
			t.Errorf("%s: %d rows, want %d", s.name, got, s.want)
		}
	}
	if _, err := other.DropTable(ctx, "t", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OpenTable(ctx, "t", nil); err == nil {
		t.Error("a table dropped by another catalog still opens")
	}
}
