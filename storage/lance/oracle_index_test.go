package lance

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

type indexReport struct {
	Version uint64
	Count   int64
	Indices []struct {
		Name      string
		Columns   []string
		Indexed   int64
		Unindexed int64
	}
	Lookups map[string][]*string
}

func indexOracle(t *testing.T, mode, dir string, ids ...int) indexReport {
	args := []string{mode, dir, "t"}
	for _, id := range ids {
		args = append(args, fmt.Sprint(id))
	}
	var r indexReport
	if err := json.Unmarshal(runOracle(t, "lancedb_index.js", args...), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// An index LanceDB built must survive GenevaSQL commits (append, delete,
// metadata update, compaction): still listed, new rows reported unindexed,
// and lookups through it still correct.
func TestOracleIndexSurvivesOurCommits(t *testing.T) {
	oracle(t)
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "t.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{MaxRowsPerFile: 50, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	d = mustAppend(t, d, idBatch(mem, 0, 100))
	r := indexOracle(t, "create", dir)
	if len(r.Indices) != 1 || r.Indices[0].Indexed != 100 {
		t.Fatalf("LanceDB index: %+v", r)
	}
	d, err = Open(ctx, path, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.m.IndexSection) == 0 {
		t.Fatal("index section not read")
	}
	d = mustAppend(t, d, idBatch(mem, 1000, 20))
	_, addrs := scanAll(t, d, ScanOptions{})
	if d, err = d.Delete(ctx, []uint64{addrs[5]}); err != nil {
		t.Fatal(err)
	}
	if d, err = d.UpdateSchemaMetadata(ctx, map[string]string{"genevasql.comment": "x"}); err != nil {
		t.Fatal(err)
	}
	r = indexOracle(t, "check", dir, 5, 6, 1011)
	if r.Version != d.Version() || r.Count != 119 || len(r.Indices) != 1 || r.Indices[0].Unindexed != 20 {
		t.Fatalf("after our commits LanceDB reports %+v", r)
	}
	if len(r.Lookups["5"]) != 0 || len(r.Lookups["6"]) != 1 || len(r.Lookups["1011"]) != 1 || *r.Lookups["1011"][0] != "n1011" {
		t.Fatalf("lookups %v", r.Lookups)
	}
	// Compaction rewrites indexed fragments: LanceDB must then treat them as
	// unindexed rather than follow stale addresses.
	c, res, err := d.Compact(ctx, CompactOptions{TargetRowsPerFragment: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.FragmentsRemoved == 0 {
		t.Fatalf("nothing compacted: %+v", res)
	}
	r = indexOracle(t, "check", dir, 5, 6, 99, 1011)
	if r.Version != c.Version() || r.Count != 119 || len(r.Indices) != 1 {
		t.Fatalf("after compaction LanceDB reports %+v", r)
	}
	if len(r.Lookups["5"]) != 0 || len(r.Lookups["6"]) != 1 || len(r.Lookups["99"]) != 1 || len(r.Lookups["1011"]) != 1 {
		t.Fatalf("lookups after compaction %v", r.Lookups)
	}
}
