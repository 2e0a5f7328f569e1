package lance

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestApplyChange(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, _ := newTestDataset(t, mem, 0)
	d = mustAppend(t, d, idBatch(mem, 0, 10))
	_, addrs := scanAll(t, d, ScanOptions{})

	// Delete + append + metadata in one version.
	rdr := recordReader(t, idBatch(mem, 100, 3))
	d2, err := d.Apply(ctx, Change{Delete: []uint64{addrs[1], addrs[2]}, Append: rdr, SetMetadata: map[string]string{"wm": "1"}, BaseVersion: d.Version()})
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	if d2.Version() != d.Version()+1 || d2.CountRows() != 11 || d2.SchemaMetadata()["wm"] != "1" {
		t.Fatalf("v%d rows %d meta %v", d2.Version(), d2.CountRows(), d2.SchemaMetadata())
	}
	vs, _ := d2.Versions(ctx)
	if op := vs[len(vs)-1].Operation; op != "Update" {
		t.Fatalf("operation %s", op)
	}
	// A strict change from the old base conflicts even though it commutes.
	_, err = d.Apply(ctx, Change{SetMetadata: map[string]string{"wm": "2"}, BaseVersion: d.Version()})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("strict change over a concurrent commit: %v", err)
	}
	// Without BaseVersion it rebases.
	d3, err := d.Apply(ctx, Change{SetMetadata: map[string]string{"other": "x"}})
	if err != nil || d3.SchemaMetadata()["wm"] != "1" || d3.SchemaMetadata()["other"] != "x" {
		t.Fatalf("rebased change: %v %v", d3, err)
	}
	if _, err := d3.Apply(ctx, Change{BaseVersion: 1}); !isCode(err, sqlerr.ErrWrongArguments) {
		t.Fatalf("wrong base: %v", err)
	}
	// Overwrite + append + metadata.
	rdr = recordReader(t, idBatch(mem, 500, 4))
	d4, err := d3.Apply(ctx, Change{Overwrite: true, Append: rdr, SetMetadata: map[string]string{"wm": "full"}, BaseVersion: d3.Version()})
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := scanAll(t, d4, ScanOptions{})
	if len(names) != 4 || names[501] != "n501" || d4.SchemaMetadata()["wm"] != "full" || d4.SchemaMetadata()["other"] != "x" {
		t.Fatalf("overwrite change: %v %v", names, d4.SchemaMetadata())
	}
}
