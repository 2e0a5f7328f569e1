package genevasql_test

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/genevasql/genevasql"
)

// External functions inside a refresh: the 'skip' policy turns failed rows
// into NULLs recorded in the errors table with their row address, 'fail'
// fails the job with the function, the message and the job id.
func TestExternalFunctionPoliciesInRefresh(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	h := newHarness(t)
	h.exec("CREATE TABLE src (id BIGINT)")
	var vals []string
	for i := 1; i <= 30; i++ {
		vals = append(vals, "("+strconv.Itoa(i)+")")
	}
	h.exec("INSERT INTO src VALUES " + strings.Join(vals, ","))
	h.exec(`CREATE FUNCTION dbl(x BIGINT) RETURNS BIGINT LANGUAGE EXTERNAL AS 'python3 testdata/flaky_jsonl.py'
		WITH (protocol = 'jsonl', on_error = 'skip')`)
	h.exec("CREATE MATERIALIZED VIEW v AS SELECT id, dbl(id) AS d FROM src")
	h.exec("REFRESH MATERIALIZED VIEW v WITH (batch_size = 8, workers = 2)")
	if got := h.one("SELECT COUNT(*) FROM v WHERE d IS NULL"); got != "4" {
		t.Fatalf("want the 4 multiples of 7 skipped (NULL), got %s", got)
	}
	if got := h.one("SELECT COUNT(*) FROM v WHERE d = id * 2"); got != "26" {
		t.Fatalf("want 26 computed rows, got %s", got)
	}
	errs := h.rows("SELECT function, row_addr, message FROM system.errors")
	if len(errs) != 4 || !strings.Contains(errs[0], "dbl|") || !strings.Contains(strings.Join(errs, "\n"), "multiple of 7: 14") {
		t.Fatalf("errors table: %v", errs)
	}
	// Row addresses name the source rows: id 7 is at offset 6 of fragment 0.
	if !strings.Contains(strings.Join(errs, "\n"), "dbl|6|multiple of 7: 7") {
		t.Fatalf("errors table does not give the row address of id 7: %v", errs)
	}
	if jobs := strings.Join(h.rows("SHOW ERRORS"), "\n"); !strings.Contains(jobs, "multiple of 7") {
		t.Fatalf("SHOW ERRORS: %s", jobs)
	}

	// The 'fail' policy: a failed batch fails the job, clearly.
	h.exec(`CREATE OR REPLACE FUNCTION dbl(x BIGINT) RETURNS BIGINT LANGUAGE EXTERNAL AS 'python3 testdata/flaky_jsonl.py'
		WITH (protocol = 'jsonl')`)
	h.exec("INSERT INTO src VALUES (999)")
	_, err := h.db.Exec(context.Background(), "REFRESH MATERIALIZED VIEW v")
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "dbl") || !strings.Contains(err.Error(), "refusing 999") || !strings.Contains(err.Error(), "job-") {
		t.Fatalf("want a failed refresh naming the function, the message and the job, got %v", err)
	}
	if jobs := strings.Join(h.rows("SHOW JOBS"), "\n"); !strings.Contains(jobs, "FAILED") {
		t.Fatalf("SHOW JOBS: %s", jobs)
	}
}

func TestExternalFunctionsCanBeTurnedOff(t *testing.T) {
	dir := t.TempDir()
	db, err := genevasql.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE FUNCTION f(x BIGINT) RETURNS BIGINT LANGUAGE EXTERNAL AS 'cat'"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = genevasql.Open(dir, genevasql.WithExternalFunctions(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE FUNCTION g(x BIGINT) RETURNS BIGINT LANGUAGE EXTERNAL AS 'cat'"); err == nil || !strings.Contains(err.Error(), "turned off") {
		t.Fatalf("CREATE FUNCTION with external functions off: %v", err)
	}
	if _, err := db.Exec(ctx, "SELECT f(1)"); err == nil || !strings.Contains(err.Error(), "turned off") {
		t.Fatalf("calling a stored external function with them off: %v", err)
	}
	rdr, err := db.Query(ctx, "SHOW FUNCTIONS LIKE 'f'")
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() || rdr.RecordBatch().NumRows() != 1 {
		t.Fatal("the stored definition should still be listed")
	}
}
