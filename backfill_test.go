package genevasql_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestBackfillComputesOnlyWhatIsMissing(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE t (id BIGINT, name VARCHAR(20))")
	insertRange(h, "t", 0, 30)
	insertRange(h, "t", 30, 50)
	h.exec("ALTER TABLE t ADD COLUMN s BIGINT AS (score(id)) VIRTUAL")
	if n := c.take(); n != 0 {
		t.Fatalf("ADD COLUMN … VIRTUAL computed %d rows; it must compute nothing", n)
	}
	if got := h.one("SELECT COUNT(*) FROM t WHERE s IS NULL"); got != "50" {
		t.Fatalf("before BACKFILL the column must read NULL, got %s non-null", got)
	}
	steps := []struct {
		name, sql string
		calls     int64
		nulls     string // rows of s still NULL afterwards
	}{
		{"a predicate computes the rows it selects", "BACKFILL t.s WHERE id < 10 WITH (batch_size = 4)", 10, "40"},
		{"without a predicate, only rows never computed", "BACKFILL t.s WITH (workers = 2, batch_size = 7, commit_every = 1)", 40, "0"},
		{"nothing left", "BACKFILL t.s", 0, "0"},
	}
	for _, st := range steps {
		c.take()
		h.exec(st.sql)
		if n := c.take(); n != st.calls {
			t.Fatalf("%s: %d calls, want %d", st.name, n, st.calls)
		}
		if got := h.one("SELECT COUNT(*) FROM t WHERE s IS NULL"); got != st.nulls {
			t.Fatalf("%s: %s NULL values, want %s", st.name, got, st.nulls)
		}
	}
	// Appended rows are not computed until the next BACKFILL, which computes only them.
	h.exec("INSERT INTO t (id, name) VALUES (100, 'x'), (101, 'y')")
	if got := h.one("SELECT COUNT(*) FROM t WHERE s IS NULL"); got != "2" {
		t.Fatalf("appended rows: %s NULL values, want 2", got)
	}
	c.take()
	h.exec("BACKFILL t.s")
	if n := c.take(); n != 2 {
		t.Fatalf("BACKFILL after an append computed %d rows, want 2", n)
	}
	// Every row holds its own value.
	if got := h.one("SELECT COUNT(*) FROM t WHERE s <> id * 10"); got != "0" {
		t.Fatalf("%s rows hold a wrong value", got)
	}
	// A NULL input computes to NULL, and that counts as computed.
	h.exec("INSERT INTO t (id, name) VALUES (NULL, 'n')")
	h.exec("BACKFILL t.s")
	c.take()
	h.exec("BACKFILL t.s")
	if n := c.take(); n != 0 {
		t.Fatalf("a row computed to NULL was computed again (%d calls)", n)
	}
	desc := strings.Join(h.rows("DESCRIBE t"), "\n")
	if !strings.Contains(strings.ToLower(desc), "virtual generated as (score(`id`))") {
		t.Errorf("DESCRIBE does not show the computed column's expression:\n%s", desc)
	}
	// Dropping a computed column drops its values, its flags and its
	// definition: the name can be declared again, and is computed afresh.
	h.exec("ALTER TABLE t DROP COLUMN s")
	if got := h.rows("DESCRIBE t"); len(got) != 2 {
		t.Fatalf("after DROP COLUMN: %v", got)
	}
	h.exec("ALTER TABLE t ADD COLUMN s BIGINT AS (score(id) + 1) VIRTUAL")
	c.take()
	h.exec("BACKFILL t.s")
	if n := c.take(); n != 53 {
		t.Fatalf("BACKFILL of a re-declared column computed %d rows, want 53", n)
	}
	if got := h.one("SELECT COUNT(*) FROM t WHERE s <> id * 10 + 1"); got != "0" {
		t.Fatalf("%s rows hold a wrong value after re-declaring", got)
	}
	// A declared column never backfilled drops too.
	h.exec("ALTER TABLE t ADD COLUMN u BIGINT AS (score(id)) VIRTUAL")
	h.exec("ALTER TABLE t DROP COLUMN u")
	h.exec("ALTER TABLE t ADD COLUMN u BIGINT AS (score(id)) VIRTUAL")
}

func TestBackfillErrors(t *testing.T) {
	h := newHarness(t)
	h.exec("CREATE TABLE t (id BIGINT)")
	cases := []struct{ sql, want string }{
		{"ALTER TABLE t ADD COLUMN c INT AS (nope + 1) VIRTUAL", "Unknown column 'nope'"},
		{"ALTER TABLE t ADD COLUMN id INT AS (1) VIRTUAL", "Duplicate column name"},
		{"BACKFILL t.id", "not a computed column"},
		{"BACKFILL missing.c", "doesn't exist"},
	}
	for _, c := range cases {
		if _, err := h.db.Exec(h.ctx, c.sql); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.sql, err, c.want)
		}
	}
}

// lancedbDump reads a table with official LanceDB (the Node oracle), or
// skips the test when the oracle is not installed.
func lancedbDump(t *testing.T, dbDir, table string) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("LanceDB oracle skipped: node is not installed")
	}
	modules, _ := filepath.Abs(filepath.Join("storage", "lance", "oracle", "node_modules"))
	if d := os.Getenv("GENEVASQL_LANCE_ORACLE"); d != "" {
		modules = filepath.Join(d, "node_modules")
	}
	if _, err := os.Stat(filepath.Join(modules, "@lancedb", "lancedb")); err != nil {
		t.Skip("LanceDB oracle skipped: run `npm ci` in storage/lance/oracle (make test does)")
	}
	cmd := exec.Command(node, filepath.Join("storage", "lance", "oracle", "lancedb_dump.js"), dbDir, table)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("LanceDB could not read %s: %v\n%s", table, err, msg)
	}
	var dump struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(out, &dump); err != nil {
		t.Fatal(err)
	}
	return dump.Rows
}

// Official LanceDB opens a refreshed view and a backfilled table and sees
// the same rows as GenevaSQL.
func TestLanceDBReadsViewsAndBackfills(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE t (id BIGINT, name VARCHAR(20))")
	insertRange(h, "t", 0, 20)
	insertRange(h, "t", 20, 30)
	h.exec("DELETE FROM t WHERE id = 5")
	h.exec("CREATE MATERIALIZED VIEW v AS SELECT id, score(id) AS s FROM t WHERE id > 2")
	h.exec("REFRESH MATERIALIZED VIEW v")
	h.exec("ALTER TABLE t ADD COLUMN s BIGINT AS (score(id)) VIRTUAL")
	h.exec("BACKFILL t.s WHERE id < 15")
	h.exec("BACKFILL t.s")

	for _, tc := range []struct{ table, query string }{
		{"v", "SELECT id, s FROM v"},
		{"t", "SELECT id, s FROM t"},
	} {
		rows := lancedbDump(t, h.dir, tc.table)
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%v|%v", r["id"], r["s"]))
		}
		sort.Strings(got)
		want := h.rows(tc.query)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: LanceDB reads\n%v\nGenevaSQL reads\n%v", tc.table, got, want)
		}
	}
}
