package lance

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/objstore"
)

// Everything goes through objstore.Store: a dataset lives entirely in an
// in-memory store and nothing touches the local path.
func TestInMemoryStore(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	st := objstore.NewMemory()
	path := filepath.Join(t.TempDir(), "never-created.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{Store: st, Mem: mem, MaxRowsPerFile: 8})
	if err != nil {
		t.Fatal(err)
	}
	d = mustAppend(t, d, idBatch(mem, 0, 20))
	_, addrs := scanAll(t, d, ScanOptions{})
	if d, err = d.Delete(ctx, []uint64{addrs[3]}); err != nil {
		t.Fatal(err)
	}
	if d, _, err = d.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, path, WithStore(st), WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := scanAll(t, o, ScanOptions{})
	if o.Version() != d.Version() || len(names) != 19 {
		t.Fatalf("v%d with %d rows", o.Version(), len(names))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("local path touched: %v", err)
	}
	objs, _ := st.List(ctx, "data/")
	if len(objs) == 0 {
		t.Fatal("no data files in the store")
	}
}
