package genevasql_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/udf"
)

// loggedScore is score(x) = x*10 that appends the number of rows of every
// call to a file, so that calls made by a process that is then killed are
// still counted.
func loggedScore(logPath string, sleep time.Duration) *functions.Entry {
	var mu sync.Mutex
	return udf.Vectorized("score", []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64,
		func(ec *functions.EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
			time.Sleep(sleep)
			mu.Lock()
			f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err == nil {
				fmt.Fprintf(f, "%d\n", n)
				f.Close()
			}
			mu.Unlock()
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(ec.Mem)
			defer b.Release()
			for i := 0; i < n; i++ {
				b.Append(in.Value(i) * 10)
			}
			return b.NewArray(), nil
		}, udf.WithVersion("1"))
}

func loggedRows(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, l := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(l)
		total += n
	}
	return total
}

const (
	crashWorkers = 2
	crashBatch   = 10
	crashRows    = 400
)

// TestRefreshKillChild is the child process of TestRefreshSurvivesKill.
func TestRefreshKillChild(t *testing.T) {
	dir := os.Getenv("GENEVASQL_KILL_CHILD_DIR")
	if dir == "" {
		t.Skip("run by TestRefreshSurvivesKill")
	}
	db, err := genevasql.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.RegisterFunction(loggedScore(filepath.Join(dir, "calls-child.log"), 30*time.Millisecond))
	_, err = db.Exec(context.Background(), fmt.Sprintf("REFRESH MATERIALIZED VIEW v WITH (workers = %d, batch_size = %d, commit_every = 1)", crashWorkers, crashBatch))
	t.Fatalf("the refresh was meant to be killed, it ended with %v", err)
}

func TestRefreshSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	ctx := context.Background()
	db, err := genevasql.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, dir: dir, db: db, ctx: ctx}
	parentLog := filepath.Join(dir, "calls-parent.log")
	db.RegisterFunction(loggedScore(parentLog, 0))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	for i := 0; i < crashRows; i += 100 {
		insertRange(h, "src", i, i+100)
	}
	h.exec("CREATE MATERIALIZED VIEW v AS SELECT id, score(id) AS s FROM src")

	cmd := exec.Command(os.Args[0], "-test.run=^TestRefreshKillChild$", "-test.v")
	cmd.Env = append(os.Environ(), "GENEVASQL_KILL_CHILD_DIR="+dir)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has done part of the work, in the middle of a commit
	// group, with SIGKILL: no chance to clean up.
	childLog := filepath.Join(dir, "calls-child.log")
	deadline := time.Now().Add(60 * time.Second)
	for loggedRows(t, childLog) < 150 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the child did not get going: %s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	childRows := loggedRows(t, childLog)

	// The view is readable at its last committed version: whole fragments.
	n, _ := strconv.Atoi(h.one("SELECT COUNT(*) FROM v"))
	if n%100 != 0 || n >= crashRows {
		t.Fatalf("after the kill the view has %d rows, want a whole number of committed fragments below %d", n, crashRows)
	}
	jobs := strings.Join(h.rows("SHOW JOBS"), "\n")
	if !strings.Contains(jobs, "FAILED") {
		t.Errorf("SHOW JOBS does not report the killed job as FAILED:\n%s", jobs)
	}

	res := h.exec("REFRESH MATERIALIZED VIEW v WITH (workers = 2, batch_size = 10)")
	parentRows := loggedRows(t, parentLog)
	repeated := childRows + parentRows - crashRows
	t.Logf("child computed %d rows (view had %d committed), the re-run %d: %d repeated; %s", childRows, n, parentRows, repeated, res.Message)
	if repeated < 0 {
		t.Fatalf("rows were never computed: child %d + re-run %d < %d", childRows, parentRows, crashRows)
	}
	if repeated > crashWorkers*crashBatch {
		t.Fatalf("the re-run repeated %d rows; at most one batch per worker (%d) may be repeated", repeated, crashWorkers*crashBatch)
	}
	h.sameAsQuery("v", "SELECT id, id * 10 FROM src")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
