package planner

import (
	"strings"
	"testing"
)

func TestExplainShape(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		sql  string
		want []string // substrings of the physical plan, in order
		not  []string
	}{
		// predicate and projection pushdown: the filter sits on the scan,
		// which reads only a and b
		{"SELECT a FROM (SELECT a, b FROM t1) s WHERE s.b > 3", []string{"Project", "Filter gt(b#", "Scan t1 [a#1, b#2]"}, nil},
		// comma join + WHERE equality: hash join, single-table predicate
		// below it
		{"SELECT a, name FROM t1, t2 WHERE a = x AND name = 'beta'", []string{"HashJoin Inner on a#", "Filter eq(name#", "Scan t2"}, []string{"NestedLoopJoin"}},
		// three tables, joined along the equalities rather than crossing
		{"SELECT 1 FROM t1, t3, t2 WHERE t2.x = t1.a AND t3.y = t2.x", []string{"HashJoin", "HashJoin"}, []string{"NestedLoopJoin", "Cross"}},
		// a derived table computes only the columns the query reads
		{"SELECT a FROM (SELECT a, b * 2 AS bb, c FROM t1) s WHERE c > 1", []string{"Project a#", "Filter gt(c#", "Scan t1 [a#1, c#3]"}, []string{"mul("}},
		// LIMIT over ORDER BY is a top-N
		{"SELECT a FROM t1 ORDER BY b LIMIT 3", []string{"TopN", "offset=0 limit=3"}, []string{"Sort "}},
		// constant folding
		{"SELECT a FROM t1 WHERE a > 1 + 2 * 3", []string{"gt(a#0, 7)"}, nil},
		// _rowaddr is read only when named
		{"SELECT _rowaddr FROM t1", []string{"_rowaddr#"}, nil},
		{"SELECT a FROM t1", nil, []string{"_rowaddr"}},
		// decorrelation: IN and EXISTS in WHERE become semi/anti joins
		{"SELECT a FROM t1 WHERE b IN (SELECT x FROM t2 WHERE x = t1.c)", []string{"HashJoin Semi on"}, []string{"subquery"}},
		{"SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE x = t1.c AND name > 'a')", []string{"HashJoin Anti on", "Filter gt(name#"}, []string{"subquery"}},
		{"SELECT a FROM t1 WHERE a NOT IN (SELECT x FROM t2)", []string{"HashJoin NullAwareAnti on"}, []string{"subquery"}},
		{"SELECT a, (SELECT count(*) FROM t2 WHERE x = t1.a) FROM t1", []string{"coalesce(", "HashJoin Left on a#0 = key#0", "HashAggregate group by [x#0]"}, []string{"subquery"}},
		// what cannot be decorrelated runs per outer value
		{"SELECT a, (SELECT name FROM t2 WHERE x = t1.a) FROM t1", []string{"subquery#1 on a#0", "subquery#1:", "Filter eq(x#0, outer(a#"}, nil},
		{"DELETE FROM t1 WHERE a = 1", []string{"Delete t1", "Filter", "_rowaddr"}, nil},
	} {
		pl, err := c.plan(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		text := pl.Explain()
		phys := text[strings.Index(text, "physical plan:"):]
		rest := phys
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q not found (in order) in\n%s", tc.sql, w, text)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, w := range tc.not {
			if strings.Contains(phys, w) {
				t.Errorf("%s: %q should not appear in\n%s", tc.sql, w, text)
			}
		}
	}
}

func TestExplainStatement(t *testing.T) {
	c := fixture(t)
	rows, schema, err := c.query("EXPLAIN SELECT a FROM t1 WHERE a > 5")
	if err != nil {
		t.Fatal(err)
	}
	if schema.NumFields() != 1 || schema.Field(0).Name != "plan" {
		t.Fatalf("schema %s", schema)
	}
	all := strings.Join(rows, "\n")
	if !strings.Contains(all, "logical plan:") || !strings.Contains(all, "physical plan:") || !strings.Contains(all, "Scan t1") {
		t.Errorf("EXPLAIN output:\n%s", all)
	}
	// EXPLAIN of DML plans but does not change the table
	if _, _, err := c.query("EXPLAIN DELETE FROM t1"); err != nil {
		t.Fatal(err)
	}
	got, _, _ := c.query("SELECT count(*) FROM t1")
	if got[0] != "5" {
		t.Errorf("EXPLAIN DELETE deleted rows: count %v", got)
	}
	c.check(t)
}

// A correlated subquery re-runs per outer value, but its scan runs once.
func TestCorrelatedScanOnce(t *testing.T) {
	c := fixture(t)
	t1 := c.tables["t1"].(*memTable)
	t1.reqs = nil
	got, _, err := c.query("SELECT b, (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1 ORDER BY b")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "100 0|105 1|112 2|118 3|124 4" {
		t.Errorf("got %q", got)
	}
	if len(t1.reqs) != 2 {
		t.Errorf("t1 scanned %d times, want 2 (outer query and the materialized inner scan)", len(t1.reqs))
	}
	pl, err := c.plan("SELECT b, (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pl.Explain(), "Materialize") {
		t.Errorf("no Materialize in\n%s", pl.Explain())
	}
	c.check(t)
}
