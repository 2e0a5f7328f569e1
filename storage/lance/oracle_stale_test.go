package lance

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// LanceDB holding a stale handle commits after GenevaSQL did: it must read
// our transaction files to rebase, and the result must hold every row.
func TestOracleLanceDBRebasesOverOurCommits(t *testing.T) {
	node, modules := oracle(t)
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	d, err := Create(ctx, filepath.Join(dir, "t.lance"), testSchema, CreateOptions{MaxRowsPerFile: 20, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	d = mustAppend(t, d, idBatch(mem, 0, 40))
	cmd := exec.Command(node, filepath.Join("oracle", "lancedb_stale.js"), dir, "t", "id = 9002")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("oracle: %q %v", line, err)
	}
	// Our commits while LanceDB holds version 2: append, delete in fragment 0,
	// update in fragment 0, metadata, compaction.
	d = mustAppend(t, d, idBatch(mem, 100, 5))
	_, addrs := scanAll(t, d, ScanOptions{})
	if d, err = d.Delete(ctx, []uint64{addrs[1]}); err != nil {
		t.Fatal(err)
	}
	rdr := recordReader(t, idBatch(mem, 201, 1))
	d, err = d.Update(ctx, []uint64{addrs[2]}, rdr)
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	if d, err = d.UpdateSchemaMetadata(ctx, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	// And a compaction (Rewrite) of every fragment LanceDB's handle knew.
	if d, _, err = d.Compact(ctx, CompactOptions{TargetRowsPerFragment: 1000}); err != nil {
		t.Fatal(err)
	}
	if len(d.Fragments()) != 1 {
		t.Fatalf("%d fragments after compaction", len(d.Fragments()))
	}
	io.WriteString(stdin, "go\n")
	stdin.Close()
	b, err := io.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Start, Version uint64
		Count          int64
		Errors         []string
		Rows           []map[string]any
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("oracle output %q: %v", b, err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("LanceDB could not commit over our versions: %v", res.Errors)
	}
	// 40 + 5 - 1 (delete) - 1 + 1 (update) + 2 (LanceDB add) - 1 (LanceDB delete of its own 9002)
	if res.Start != 2 || res.Version != d.Version()+2 || res.Count != 45 {
		t.Fatalf("LanceDB: start v%d, end v%d (ours v%d), %d rows", res.Start, res.Version, d.Version(), res.Count)
	}
	l, err := d.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := scanAll(t, l, ScanOptions{})
	if len(names) != 45 || names[9001] != "x" || names[201] != "n201" {
		t.Fatalf("we read %d rows after LanceDB: 9001=%q 201=%q", len(names), names[9001], names[201])
	}
	for _, gone := range []int64{1, 2, 9002} {
		if _, ok := names[gone]; ok {
			t.Fatalf("row %d should be deleted", gone)
		}
	}
	if l.SchemaMetadata()["k"] != "v" {
		t.Fatalf("metadata lost: %v", l.SchemaMetadata())
	}
}
