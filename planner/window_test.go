package planner

import (
	"strings"
	"testing"
)

func TestWindowQueries(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		// t1.a: NULL, 104, 107, 111, 115; t3 (y, v): (1, 1.5), (2, 2.5), (2, 3.5), (NULL, 4)
		{sql: "SELECT a, ROW_NUMBER() OVER (ORDER BY a DESC) FROM t1 ORDER BY a", want: []string{"NULL 5", "104 4", "107 3", "111 2", "115 1"}},
		{sql: "SELECT y, SUM(v) OVER (PARTITION BY y), COUNT(*) OVER (ORDER BY y) FROM t3 ORDER BY y, v", want: []string{"NULL 4 1", "1 1.5 2", "2 6 4", "2 6 4"}},
		// two windows with different orderings: two Window nodes, one result
		{sql: "SELECT y, RANK() OVER (ORDER BY y), RANK() OVER (ORDER BY v DESC) FROM t3 ORDER BY v", want: []string{"1 2 4", "2 3 3", "2 3 2", "NULL 1 1"}},
		{sql: "SELECT y, SUM(v) OVER w, MAX(v) OVER (w ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t3 WINDOW w AS (ORDER BY v) ORDER BY v", want: []string{"1 1.5 2.5", "2 4 3.5", "2 7.5 4", "NULL 11.5 4"}},
		{sql: "SELECT y, COUNT(*), SUM(COUNT(*)) OVER (ORDER BY y) FROM t3 GROUP BY y ORDER BY y", want: []string{"NULL 1 1", "1 1 2", "2 2 4"}},
		// BY 1 in a window is a constant: every row is a peer
		{sql: "SELECT a, RANK() OVER (PARTITION BY 1 ORDER BY 1) FROM t1 WHERE a > 110 ORDER BY a", want: []string{"111 1", "115 1"}},
		// the same call twice is computed once and read twice
		{sql: "SELECT ROW_NUMBER() OVER (ORDER BY a) AS r, ROW_NUMBER() OVER (ORDER BY a) + 10 FROM t1 WHERE a > 110 ORDER BY r", want: []string{"1 11", "2 12"}},
		// errors
		{sql: "SELECT a FROM t1 WHERE RANK() OVER () = 1", code: errWindowInvalidUse},
		{sql: "SELECT a FROM t1 GROUP BY a HAVING RANK() OVER () = 1", code: errWindowInvalidUse},
		{sql: "SELECT 1 FROM t1 JOIN t2 ON ROW_NUMBER() OVER () = x", code: errWindowInvalidUse},
		{sql: "SELECT SUM(ROW_NUMBER() OVER ()) FROM t1", code: errWindowInvalidUse},
		{sql: "SELECT LAG(ROW_NUMBER() OVER ()) OVER () FROM t1", code: errWindowInvalidUse},
		{sql: "SELECT RANK() OVER w FROM t1", code: errWindowNoSuchName},
		{sql: "SELECT b, RANK() OVER (ORDER BY b) AS r FROM t1 GROUP BY b HAVING r > 1", code: errWindowAliasUse},
		{sql: "SELECT RANK() OVER (ORDER BY a) AS r, COUNT(*) FROM t1 GROUP BY r", code: errWindowAliasUse},
		{sql: "SELECT RANK() OVER w FROM t1 WINDOW w AS (), w AS ()", code: errWindowDupName},
		{sql: "SELECT RANK() OVER (w PARTITION BY b) FROM t1 WINDOW w AS (ORDER BY a)", code: errWindowNoChildPart},
		{sql: "SELECT RANK() OVER (w ORDER BY b) FROM t1 WINDOW w AS (ORDER BY a)", code: errWindowNoRedefOrder},
		{sql: "SELECT RANK() OVER (w ORDER BY b) FROM t1 WINDOW w AS (ROWS UNBOUNDED PRECEDING)", code: errWindowFrameInherit},
		{sql: "SELECT RANK() OVER w FROM t1 WINDOW w AS (v), v AS (w)", code: errWindowCircular},
		{sql: "SELECT NTILE(0) OVER () FROM t1", code: 1210},
		{sql: "SELECT NTH_VALUE(a, 0) OVER () FROM t1", code: 1210},
		{sql: "SELECT SUM(a) OVER (ORDER BY a, b RANGE 1 PRECEDING) FROM t1", code: errWindowRangeOrder},
		{sql: "SELECT SUM(a) OVER (ORDER BY name RANGE 1 PRECEDING) FROM t2, t1", code: errWindowRangeOrder},
		{sql: "SELECT SUM(DISTINCT a) OVER () FROM t1", code: 1235},
		{sql: "SELECT GROUP_CONCAT(a) OVER () FROM t1", code: 1064},
	})
	c.check(t)
}

func TestWindowExplain(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY a), SUM(c) OVER (PARTITION BY b ORDER BY a ROWS 2 PRECEDING) FROM t1",
			[]string{"Window partition by [b#", "order by [a#", "row_number()", "sum(", "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", "Scan t1"}},
		{"WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3) SELECT n FROM s",
			[]string{"RecursiveCTE s UNION ALL max depth 1000", "Values", "WorkTable s [n]"}},
	} {
		pl, err := c.plan(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		text := pl.Explain()
		rest := text[strings.Index(text, "physical plan:"):]
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Fatalf("%s: %q not found (in order) in\n%s", tc.sql, w, text)
			}
			rest = rest[i+len(w):]
		}
	}
	// calls sharing PARTITION BY and ORDER BY share one Window node (one sort)
	pl, err := c.plan("SELECT RANK() OVER (ORDER BY a), SUM(b) OVER (ORDER BY a), COUNT(*) OVER (ORDER BY b) FROM t1")
	if err != nil {
		t.Fatal(err)
	}
	phys := pl.Explain()[strings.Index(pl.Explain(), "physical plan:"):]
	if n := strings.Count(phys, "Window "); n != 2 {
		t.Fatalf("want 2 Window nodes, got %d:\n%s", n, phys)
	}
}

func TestRecursiveQueries(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n * 2 FROM s WHERE n < 100) SELECT n FROM s", want: []string{"1", "2", "4", "8", "16", "32", "64", "128"}},
		// the anchor reads a table; the step joins a table with the work table
		{sql: "WITH RECURSIVE r (k, d) AS (SELECT a, 0 FROM t1 WHERE a = 104 UNION ALL SELECT x, d + 1 FROM t2 JOIN r ON x = k + 3 WHERE d < 5) SELECT k, d FROM r", want: []string{"104 0", "107 1"}},
		// a CTE defined before the recursive one is visible in it
		{sql: "WITH RECURSIVE lim (m) AS (SELECT 3), s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s, lim WHERE n < m) SELECT COUNT(*) FROM s", want: []string{"3"}},
		{sql: "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT s.n + 1 FROM s, s AS s2) SELECT n FROM s", code: errCTERefOnce},
		{sql: "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s", code: 3636},
		{sql: "WITH RECURSIVE s (n, m) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s", code: errViewColumnCount},
		{sql: "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n, n FROM s) SELECT n FROM s", code: 1222},
	})
	c.check(t)
}

func TestWindowPrunesUnusedColumns(t *testing.T) {
	c := fixture(t)
	// the derived table's b * 7 is read by nobody: it is not computed
	pl, err := c.plan("SELECT a, ROW_NUMBER() OVER (ORDER BY c) FROM (SELECT a, b * 7 AS bb, c FROM t1) d")
	if err != nil {
		t.Fatal(err)
	}
	if text := pl.Explain(); strings.Contains(text, "mul(") {
		t.Fatalf("the unused column is still computed:\n%s", text)
	}
	runCases(t, c, []qcase{
		{sql: "SELECT a, bb, ROW_NUMBER() OVER (ORDER BY c) FROM (SELECT a, b * 7 AS bb, c FROM t1) d WHERE a > 110 ORDER BY a", want: []string{"111 784 1", "115 826 2"}},
	})
	c.check(t)
}

func TestWindowPushesPartitionFilters(t *testing.T) {
	c := fixture(t)
	// d.b is the partition key: filtering on it drops whole partitions, so
	// it runs under the window; the filter on the row number cannot.
	q := "SELECT a, rn FROM (SELECT a, b, ROW_NUMBER() OVER (PARTITION BY b ORDER BY a) AS rn, SUM(c) OVER (PARTITION BY b) AS s FROM t1) d WHERE b > 104 AND rn = 1 ORDER BY a"
	pl, err := c.plan(q)
	if err != nil {
		t.Fatal(err)
	}
	text := pl.Explain()
	phys := text[strings.Index(text, "physical plan:"):]
	w, f := strings.Index(phys, "Window"), strings.Index(phys, "Filter gt(b#")
	if w < 0 || f < w || !strings.Contains(phys[:w], "Filter eq(") {
		t.Fatalf("want the rn filter above the Window and the b filter below it:\n%s", text)
	}
	runCases(t, c, []qcase{
		{sql: q, want: []string{"NULL 1", "107 1", "111 1", "115 1"}},
		// a filter on the ordering column must stay above: it changes the numbering
		{sql: "SELECT a, rn FROM (SELECT a, ROW_NUMBER() OVER (ORDER BY a) AS rn FROM t1) d WHERE a > 107 ORDER BY a", want: []string{"111 4", "115 5"}},
	})
	c.check(t)
}
