package genevasql_test

import (
	"strings"
	"testing"

	"github.com/genevasql/genevasql/storage/lance"
)

// OPTIMIZE TABLE merges small fragments of a table and of a materialized
// view; rows are unchanged, and later refreshes stay incremental: they
// follow the source's moved rows and write into the compacted view without
// calling the function again.
func TestOptimizeTable(t *testing.T) {
	h := newHarness(t)
	c := &counter{}
	if err := h.db.RegisterFunction(c.entry("score")); err != nil {
		t.Fatal(err)
	}
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	for i := 0; i < 100; i += 10 {
		insertRange(h, "src", i, i+10)
	}
	h.exec("DELETE FROM src WHERE id % 7 = 0")
	const q = "SELECT id, name, score(id) AS s FROM src"
	h.exec("CREATE MATERIALIZED VIEW v AS " + q)
	h.exec("REFRESH MATERIALIZED VIEW v WITH (batch_size = 4)")
	before := h.rows("SELECT * FROM src")
	fragments := func(name string) int {
		ds, err := lance.Open(h.ctx, h.dir+"/"+name+".lance")
		if err != nil {
			t.Fatal(err)
		}
		return len(ds.Fragments())
	}
	if n := fragments("src"); n != 10 {
		t.Fatalf("src has %d fragments before OPTIMIZE, want 10", n)
	}
	if n := fragments("v"); n < 20 {
		t.Fatalf("v has %d fragments before OPTIMIZE, want one per 4-row task", n)
	}
	got := h.rows("OPTIMIZE TABLE src, v")
	if len(got) != 2 || !strings.Contains(got[0], "optimize|status|OK: 10 fragments -> 1") || !strings.Contains(got[1], "optimize|status|OK:") {
		t.Fatalf("OPTIMIZE TABLE said %v", got)
	}
	if n := fragments("src"); n != 1 {
		t.Fatalf("src has %d fragments after OPTIMIZE, want 1", n)
	}
	if n := fragments("v"); n != 1 {
		t.Fatalf("v has %d fragments after OPTIMIZE, want 1", n)
	}
	if after := h.rows("SELECT * FROM src"); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("OPTIMIZE changed the rows:\n%v\n%v", before, after)
	}
	h.sameAsQuery("v", q)
	if got := h.rows("OPTIMIZE TABLE src"); len(got) != 1 || !strings.HasSuffix(got[0], "Table is already up to date") {
		t.Fatalf("second OPTIMIZE said %v", got)
	}
	c.take()
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := c.take(); n != 0 {
		t.Fatalf("refresh after OPTIMIZE called the function on %d rows, want 0", n)
	}
	h.sameAsQuery("v", q)
	insertRange(h, "src", 100, 105)
	c.take() // the direct query above called it
	h.exec("REFRESH MATERIALIZED VIEW v")
	if n := c.take(); n != 5 {
		t.Fatalf("refresh of 5 new rows after OPTIMIZE called the function on %d rows", n)
	}
	h.sameAsQuery("v", q)
	if _, err := h.db.Exec(h.ctx, "OPTIMIZE TABLE nosuch"); err == nil || !strings.Contains(err.Error(), "1146") {
		t.Fatalf("OPTIMIZE of a missing table: %v", err)
	}
}
