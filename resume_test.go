package genevasql_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/udf"
)

// flaky is flaky(x BIGINT) = x+1, registered on h, that fails on its
// failAt-th call and counts the rows of the calls that succeed.
type flaky struct {
	rows, calls, failAt atomic.Int64
}

func newFlaky(t *testing.T, h *harness, failAt int64) *flaky {
	f := &flaky{}
	f.failAt.Store(failAt)
	err := h.db.RegisterFunction(udf.Vectorized("flaky", []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64,
		func(ec *functions.EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
			if f.calls.Add(1) == f.failAt.Load() {
				return nil, os.ErrDeadlineExceeded
			}
			f.rows.Add(int64(n))
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(ec.Mem)
			defer b.Release()
			for i := 0; i < n; i++ {
				b.Append(in.Value(i) + 1)
			}
			return b.NewArray(), nil
		}, udf.WithVersion("1")))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A refresh that fails part-way keeps the tasks it finished as checkpoints
// (data files written ahead of the commit); the next run reuses those whose
// files are whole and computes again a task whose file was damaged, as a
// machine crash could leave an unflushed file.
func TestRefreshResumeVerifiesCheckpoints(t *testing.T) {
	h := newHarness(t)
	f := newFlaky(t, h, 6)
	rows, failAt := &f.rows, &f.failAt
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 1000)
	const q = "SELECT id, flaky(id) AS f FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	if _, err := h.db.Exec(h.ctx, "REFRESH MATERIALIZED VIEW v WITH (workers = 1, batch_size = 100)"); err == nil {
		t.Fatal("refresh with a failing function succeeded")
	}
	if n := rows.Swap(0); n != 500 {
		t.Fatalf("first run computed %d rows before failing, want 500", n)
	}
	if got := h.one("SELECT COUNT(*) FROM v"); got != "0" {
		t.Fatalf("a failed refresh committed rows: %s", got)
	}
	// Damage the file of one checkpointed task (one line per task in the
	// worker's checkpoint log).
	logs, _ := filepath.Glob(filepath.Join(h.dir, "_genevasql", "checkpoints", "mv-v", "*.log"))
	if len(logs) != 1 {
		t.Fatalf("want one checkpoint log (one worker), found %v", logs)
	}
	b, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 checkpoints after 5 finished tasks, found %d", len(lines))
	}
	var cp struct{ Files []struct{ Path string } }
	if err := json.Unmarshal([]byte(lines[2]), &cp); err != nil || len(cp.Files) != 1 {
		t.Fatalf("checkpoint %s (%v)", lines[2], err)
	}
	if err := os.Truncate(filepath.Join(h.dir, "v.lance", "data", cp.Files[0].Path), 7); err != nil {
		t.Fatal(err)
	}
	// A torn last line (a machine crash in the middle of a write) is skipped.
	if err := os.WriteFile(logs[0], append(b, []byte(`{"key":"abc","fi`)...), 0o644); err != nil {
		t.Fatal(err)
	}
	failAt.Store(-1)
	res := h.exec("REFRESH MATERIALIZED VIEW v WITH (workers = 1, batch_size = 100)")
	if n := rows.Swap(0); n != 600 {
		t.Fatalf("resumed run computed %d rows, want 600 (500 left + 100 of the damaged task)", n)
	}
	if res.Message == "" {
		t.Fatal("no message")
	}
	h.sameAsQuery("v", q)
	if left, _ := filepath.Glob(filepath.Join(h.dir, "_genevasql", "checkpoints", "mv-v", "*.log")); len(left) != 0 {
		t.Fatalf("checkpoints left after a successful refresh: %v", left)
	}
}

// Without batch_size, tasks adapt their size; a resumed run reuses the
// ranges the failed run checkpointed and computes exactly the rest.
func TestRefreshResumeAdaptiveTasks(t *testing.T) {
	h := newHarness(t)
	f := newFlaky(t, h, 4)
	rows, failAt := &f.rows, &f.failAt
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 20000)
	const q = "SELECT id, flaky(id) AS f FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	if _, err := h.db.Exec(h.ctx, "REFRESH MATERIALIZED VIEW v WITH (workers = 1)"); err == nil {
		t.Fatal("refresh with a failing function succeeded")
	}
	// What the failed run checkpointed, from its log.
	logs, _ := filepath.Glob(filepath.Join(h.dir, "_genevasql", "checkpoints", "mv-v", "*.log"))
	var saved int64
	var sizes []int64
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var cp struct{ Start, End int64 }
			if err := json.Unmarshal([]byte(line), &cp); err != nil {
				t.Fatal(err)
			}
			saved += cp.End - cp.Start
			sizes = append(sizes, cp.End-cp.Start)
		}
	}
	// (The pool cuts the next task while a worker is busy, so growth
	// shows from the third task.)
	if len(sizes) != 3 || sizes[2] <= sizes[0] {
		t.Fatalf("three tasks, growing, should be checkpointed before the failure, got %v", sizes)
	}
	if n := rows.Swap(0); n != saved {
		t.Fatalf("the failed run computed %d rows and checkpointed %d", n, saved)
	}
	failAt.Store(-1)
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := rows.Swap(0); n != 20000-saved {
		t.Fatalf("resumed run computed %d rows, want %d", n, 20000-saved)
	}
	h.sameAsQuery("v", q)
}
