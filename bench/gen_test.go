package main

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
)

// The generated tables land as Lance datasets the engine finds, with the
// row counts asked for, the same rows on every run, and TPC-H's invariants.
func TestGenerateAndQuery(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	dir := t.TempDir()
	s := scaleFor(2000)
	for _, tb := range tablesFor(s) {
		if err := writeTable(ctx, mem, dir, tb); err != nil {
			t.Fatal(err)
		}
	}
	db, err := genevasql.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checks := []struct {
		sql  string
		want Rows
	}{
		{"SELECT COUNT(*) FROM lineitem", Rows{{2000.0}}},
		{"SELECT COUNT(*) FROM orders", Rows{{500.0}}},
		{"SELECT COUNT(*) FROM nation", Rows{{25.0}}},
		// every line item belongs to an order and ships after it was placed
		{"SELECT COUNT(*) FROM lineitem, orders WHERE l_orderkey = o_orderkey AND l_shipdate > o_orderdate", Rows{{2000.0}}},
		{"SELECT COUNT(*) FROM lineitem WHERE l_receiptdate <= l_shipdate OR l_discount > 0.1 OR l_quantity > 50", Rows{{0.0}}},
		{"SELECT MIN(id), MAX(id) FROM points", Rows{{0.0, 1999.0}}},
	}
	for _, c := range checks {
		rdr, err := db.Query(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		got, err := drain(rdr)
		rdr.Release()
		if err != nil {
			t.Fatal(err)
		}
		if diff := compareRows(got, c.want); diff != "" {
			t.Errorf("%s: %s", c.sql, diff)
		}
	}
	// Determinism: the same range generates the same values.
	a := genRows(t, mem, tablesFor(s)[0], 100)
	b := genRows(t, mem, tablesFor(s)[0], 100)
	if diff := compareRows(a, b); diff != "" {
		t.Errorf("lineitem generation is not deterministic: %s", diff)
	}
}

func genRows(t *testing.T, mem memory.Allocator, tb tableSpec, n int64) Rows {
	t.Helper()
	var rdr array.RecordReader = newGenReader(mem, tb.schema, n, tb.fill)
	defer rdr.Release()
	rows, err := drain(rdr)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Every benchmark query runs on GenevaSQL (DuckDB needs cgo and is checked by
// the harness itself, which compares the two answers before timing).
func TestQueriesRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := scaleFor(4000)
	for _, tb := range tablesFor(s) {
		if err := writeTable(ctx, memory.NewGoAllocator(), dir, tb); err != nil {
			t.Fatal(err)
		}
	}
	db, err := genevasql.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range benchQueries(s) {
		rdr, err := db.Query(ctx, q.SQL)
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
			continue
		}
		rows, err := drain(rdr)
		rdr.Release()
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
		if q.Name == "point" && len(rows) != 1 {
			t.Errorf("point filter found %d rows, want 1", len(rows))
		}
	}
}
