package lance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Writers in separate processes race through the file system alone
// (link(2)-based put-if-absent): every row must land exactly once.
func TestCrossProcessAppends(t *testing.T) {
	if os.Getenv("GENEVASQL_LANCE_CHILD") != "" {
		t.Skip("running as a child")
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, path := newTestDataset(t, mem, 0)
	const procs, commits, per = 4, 3, 10
	cmds := make([]*exec.Cmd, procs)
	for p := 0; p < procs; p++ {
		cmds[p] = exec.Command(os.Args[0], "-test.run=^TestChildAppender$", "-test.count=1")
		cmds[p].Env = append(os.Environ(), "GENEVASQL_LANCE_CHILD="+path, fmt.Sprintf("GENEVASQL_LANCE_CHILD_ID=%d", p))
		if err := cmds[p].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for p, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child %d: %v", p, err)
		}
	}
	l, err := d.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.Version() != 1+procs*commits {
		t.Fatalf("version %d, want %d", l.Version(), 1+procs*commits)
	}
	names, _ := scanAll(t, l, ScanOptions{})
	if len(names) != procs*commits*per {
		t.Fatalf("%d rows", len(names))
	}
	for p := 0; p < procs; p++ {
		for c := 0; c < commits; c++ {
			for i := 0; i < per; i++ {
				if _, ok := names[int64(p*10000+c*100+i)]; !ok {
					t.Fatalf("row of process %d commit %d lost", p, c)
				}
			}
		}
	}
}

// TestChildAppender is the child side of TestCrossProcessAppends.
func TestChildAppender(t *testing.T) {
	path := os.Getenv("GENEVASQL_LANCE_CHILD")
	if path == "" {
		t.Skip("helper process for TestCrossProcessAppends")
	}
	id, _ := strconv.Atoi(os.Getenv("GENEVASQL_LANCE_CHILD_ID"))
	mem := memory.NewGoAllocator()
	d, err := Open(context.Background(), path, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		// Always from the version first opened, to force lost races.
		if _, err := d.Append(context.Background(), recordReader(t, idBatch(mem, id*10000+c*100, 10))); err != nil {
			t.Fatal(err)
		}
	}
}
