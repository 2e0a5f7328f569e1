package genevasql_test

// Tests of the refresh guarantees of design.md §4, through the public API.
// Incrementality is asserted by counting the rows a user function is called
// on; correctness by comparing each view with its SELECT run directly.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/storage/lance"
	"github.com/genevasql/genevasql/udf"
)

// counter is a vectorized user function score(x BIGINT) = x*10 that counts
// the rows it is called on, optionally sleeping per batch.
type counter struct {
	rows  atomic.Int64
	calls atomic.Int64
	sleep time.Duration
}

func (c *counter) entry(name string) *functions.Entry {
	return udf.Vectorized(name, []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64,
		func(ec *functions.EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
			c.rows.Add(int64(n))
			c.calls.Add(1)
			if c.sleep > 0 {
				time.Sleep(c.sleep)
			}
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(ec.Mem)
			defer b.Release()
			for i := 0; i < n; i++ {
				if in.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(in.Value(i) * 10)
				}
			}
			return b.NewArray(), nil
		}, udf.WithVersion("1"))
}

func (c *counter) take() int64 { return c.rows.Swap(0) }

type harness struct {
	t   *testing.T
	dir string
	db  *genevasql.DB
	ctx context.Context
}

func newHarness(t *testing.T, opts ...genevasql.Option) *harness {
	t.Helper()
	dir := t.TempDir()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	db, err := genevasql.Open(dir, append([]genevasql.Option{genevasql.WithAllocator(mem)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &harness{t: t, dir: dir, db: db, ctx: context.Background()}
}

func (h *harness) exec(sql string) *genevasql.Result {
	h.t.Helper()
	res, err := h.db.Exec(h.ctx, sql)
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return res
}

// rows returns a query's rows as strings, sorted.
func (h *harness) rows(sql string) []string {
	h.t.Helper()
	rdr, err := h.db.Query(h.ctx, sql)
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]string, rec.NumCols())
			for c := range vals {
				vals[c] = rec.Column(c).ValueStr(i)
			}
			out = append(out, strings.Join(vals, "|"))
		}
	}
	if err := rdr.Err(); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	sort.Strings(out)
	return out
}

func (h *harness) one(sql string) string {
	h.t.Helper()
	r := h.rows(sql)
	if len(r) != 1 {
		h.t.Fatalf("%s: want one row, got %v", sql, r)
	}
	return r[0]
}

// viewVersion reads the Lance version of a table's dataset.
func (h *harness) version(name string) uint64 {
	h.t.Helper()
	ds, err := lance.Open(h.ctx, filepath.Join(h.dir, name+".lance"))
	if err != nil {
		h.t.Fatal(err)
	}
	return ds.Version()
}

func (h *harness) sameAsQuery(view, query string) {
	h.t.Helper()
	got, want := h.rows("SELECT * FROM "+view), h.rows(query)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Fatalf("view %s differs from its query:\n view: %v\nquery: %v", view, got, want)
	}
}

func insertRange(h *harness, table string, from, to int) {
	var vals []string
	for i := from; i < to; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'name%d')", i, i))
	}
	h.exec("INSERT INTO " + table + " VALUES " + strings.Join(vals, ","))
}

func TestRefreshIsIncremental(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	if err := h.db.RegisterFunction(c.entry("score")); err != nil {
		t.Fatal(err)
	}
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 60)
	insertRange(h, "src", 60, 100)
	const q = "SELECT id, name, score(id) AS s FROM src WHERE id % 2 = 0"
	h.exec("CREATE MATERIALIZED VIEW v WITH (workers = 2) AS " + q)
	if n := c.take(); n != 0 {
		t.Fatalf("CREATE MATERIALIZED VIEW computed %d rows; it must compute nothing", n)
	}
	if got := h.rows("SELECT COUNT(*) FROM v"); got[0] != "0" {
		t.Fatalf("view has rows before its first refresh: %v", got)
	}

	steps := []struct {
		name      string
		change    string
		wantCalls int64
	}{
		{"first refresh computes the rows the filter keeps", "", 50},
		{"no change computes nothing", "", 0},
		{"append k rows computes k", "INSERT INTO src VALUES (100, 'x'), (102, 'y'), (104, 'z'), (105, 'odd')", 3},
		{"delete computes nothing", "DELETE FROM src WHERE id < 10", 0},
		{"update k rows recomputes k", "UPDATE src SET name = 'renamed' WHERE id IN (20, 22, 23)", 2},
		{"delete everything in a fragment", "DELETE FROM src WHERE id >= 60 AND id < 100", 0},
	}
	for _, st := range steps {
		if st.change != "" {
			h.exec(st.change)
		}
		before := h.version("v")
		c.take() // forget calls made by earlier direct queries
		h.exec("REFRESH MATERIALIZED VIEW v WITH (batch_size = 16)")
		if n := c.take(); n != st.wantCalls {
			t.Fatalf("%s: function called on %d rows, want %d", st.name, n, st.wantCalls)
		}
		if st.wantCalls == 0 && st.change == "" && h.version("v") != before {
			t.Fatalf("%s: a refresh with no source change committed a new version", st.name)
		}
		h.sameAsQuery("v", q)
	}
	// REFRESH FULL recomputes everything.
	c.take()
	h.exec("REFRESH MATERIALIZED VIEW v FULL")
	want := h.rows("SELECT COUNT(*) FROM src WHERE id % 2 = 0")[0]
	if n := c.take(); fmt.Sprint(n) != want {
		t.Fatalf("REFRESH FULL called the function on %d rows, want %s", n, want)
	}
	h.sameAsQuery("v", q)
}

func TestRefreshAfterCompactionComputesNothing(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	for i := 0; i < 5; i++ {
		insertRange(h, "src", i*10, i*10+10)
	}
	const q = "SELECT id, score(id) AS s FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	h.exec("REFRESH MATERIALIZED VIEW v")
	c.take()
	h.exec("DELETE FROM src WHERE id IN (3, 14)")
	ds, err := lance.Open(h.ctx, filepath.Join(h.dir, "src.lance"))
	if err != nil {
		t.Fatal(err)
	}
	if _, res, err := ds.Compact(h.ctx, lance.CompactOptions{TargetRowsPerFragment: 1000}); err != nil || res.FragmentsRemoved == 0 {
		t.Fatalf("compaction did nothing: %+v, %v", res, err)
	}
	c.take()
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := c.take(); n != 0 {
		t.Fatalf("refresh after compaction called the function on %d rows, want 0", n)
	}
	h.sameAsQuery("v", q)
	// Rows appended after the compaction are still computed once.
	insertRange(h, "src", 100, 103)
	c.take()
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := c.take(); n != 3 {
		t.Fatalf("append after compaction: %d calls, want 3", n)
	}
	h.sameAsQuery("v", q)
}

func TestViewOverViewAndFullViews(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 20)
	h.exec("CREATE MATERIALIZED VIEW v1 AS SELECT id, score(id) AS s FROM src WHERE id > 4")
	h.exec("CREATE MATERIALIZED VIEW v2 AS SELECT id, s + 1 AS s1 FROM v1 WHERE id < 15")
	h.exec("CREATE MATERIALIZED VIEW agg AS SELECT COUNT(*) AS n, SUM(s) AS total FROM v1")
	for round := 0; round < 2; round++ {
		h.exec("REFRESH MATERIALIZED VIEW v1")
		h.exec("REFRESH MATERIALIZED VIEW v2")
		h.exec("REFRESH MATERIALIZED VIEW agg")
		h.sameAsQuery("v1", "SELECT id, score(id) AS s FROM src WHERE id > 4")
		h.sameAsQuery("v2", "SELECT id, score(id) + 1 FROM src WHERE id > 4 AND id < 15")
		h.sameAsQuery("agg", "SELECT COUNT(*), SUM(score(id)) FROM src WHERE id > 4")
		insertRange(h, "src", 20+round*5, 25+round*5)
		h.exec("DELETE FROM src WHERE id = " + fmt.Sprint(6+round))
	}
	desc := strings.Join(h.rows("DESCRIBE MATERIALIZED VIEW agg"), "\n")
	if !strings.Contains(desc, "kind|full (it aggregates)") {
		t.Fatalf("DESCRIBE does not say the aggregate view refreshes in full:\n%s", desc)
	}
	before := h.version("agg")
	h.exec("REFRESH MATERIALIZED VIEW v1")
	h.exec("REFRESH MATERIALIZED VIEW agg")
	h.exec("REFRESH MATERIALIZED VIEW agg")
	after := h.version("agg")
	if after != before+1 {
		t.Fatalf("full view: want exactly one new version for one source change, got %d -> %d", before, after)
	}
}

func TestRefreshPinsSourceWhileAppending(t *testing.T) {
	h := newHarness(t)
	c := &counter{sleep: 20 * time.Millisecond}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 200)
	const q = "SELECT id, score(id) AS s FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	done := make(chan error, 1)
	go func() {
		_, err := h.db.Exec(h.ctx, "REFRESH MATERIALIZED VIEW v WITH (batch_size = 10, workers = 2)")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	insertRange(h, "src", 1000, 1010)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The refresh pinned the version it started from: the new rows come next.
	if got := h.one("SELECT COUNT(*) FROM v"); got != "200" {
		t.Fatalf("view has %s rows after a refresh pinned at 200 source rows", got)
	}
	c.take()
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := c.take(); n != 10 {
		t.Fatalf("second refresh computed %d rows, want the 10 appended", n)
	}
	h.sameAsQuery("v", q)
}

func TestConcurrentRefreshesOfOneView(t *testing.T) {
	h := newHarness(t)
	c := &counter{sleep: 5 * time.Millisecond}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 100)
	const q = "SELECT id, score(id) AS s FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = h.db.Exec(h.ctx, "REFRESH MATERIALIZED VIEW v WITH (batch_size = 10)")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !strings.Contains(err.Error(), "refreshed by another job") {
			t.Fatalf("the losing refresh failed with an unclear error: %v", err)
		}
	}
	if ok == 0 {
		t.Fatalf("both refreshes failed: %v", errs)
	}
	h.exec("REFRESH MATERIALIZED VIEW v")
	h.sameAsQuery("v", q) // no row lost or doubled
}

func TestCreateMaterializedViewErrors(t *testing.T) {
	h := newHarness(t)
	h.exec("CREATE TABLE src (id BIGINT)")
	cases := []struct{ sql, want string }{
		{"CREATE MATERIALIZED VIEW v AS SELECT nope FROM src", "Unknown column 'nope'"},
		{"CREATE MATERIALIZED VIEW v AS SELECT id FROM missing", "doesn't exist"},
		{"REFRESH MATERIALIZED VIEW src", "not a materialized view"},
		{"REFRESH MATERIALIZED VIEW nothere", "doesn't exist"},
		{"REFRESH MATERIALIZED VIEW v WITH (workers = 0)", "positive integer"},
	}
	for _, c := range cases {
		_, err := h.db.Exec(h.ctx, c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.sql, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(h.dir, "v.lance")); err == nil {
		t.Errorf("a failed CREATE MATERIALIZED VIEW left a dataset behind")
	}
}
