package lance

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Dense deletions make LanceDB write a Roaring .bin deletion file; we must
// read it.
func TestOracleLanceDBBitmapDeletions(t *testing.T) {
	dir := t.TempDir()
	runOracle(t, "lancedb_dense_delete.js", dir, "t")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, err := Open(context.Background(), filepath.Join(dir, "t.lance"), WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	frags := d.Fragments()
	if len(frags) != 1 || !strings.HasSuffix(frags[0].DeletionFileID, ".bin") {
		t.Fatalf("expected one fragment with a .bin deletion file: %+v", frags)
	}
	names, _ := scanAll(t, d, ScanOptions{Columns: []string{"id"}})
	if len(names) != 20000 || d.CountRows() != 20000 {
		t.Fatalf("%d rows scanned, CountRows %d", len(names), d.CountRows())
	}
	for id := range names {
		if id < 30000 || id%3 == 0 {
			t.Fatalf("deleted id %d returned", id)
		}
	}
}
