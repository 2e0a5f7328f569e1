package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/genevasql/genevasql/sqlerr"
)

// fixture: t1 like sqllogictest's select1 (a..e), t2 for joins.
func fixture(t *testing.T) *memCatalog {
	c := newCatalog(t)
	c.addTable("t1", i64("a"), i64("b"), i64("c"), i64("d"), i64("e"))
	c.addTable("t2", i64("x"), str("name"))
	c.addTable("t3", i64("y"), f64("v"))
	c.mustExec(t, "INSERT INTO t1(e,c,b,d,a) VALUES(103,102,100,101,104)")
	c.mustExec(t, "INSERT INTO t1(a,c,d,e,b) VALUES(107,106,108,109,105)")
	c.mustExec(t, "INSERT INTO t1 VALUES(111,112,113,114,110), (115,118,119,116,117), (NULL,124,123,122,120)")
	c.mustExec(t, "INSERT INTO t2 VALUES (104, 'alpha'), (107, 'beta'), (111, 'gamma'), (999, NULL)")
	c.mustExec(t, "INSERT INTO t3 (y, v) VALUES (1, 1.5), (2, 2.5), (2, 3.5), (NULL, 4)")
	return c
}

type qcase struct {
	sql    string
	want   []string // rows in order (sorted queries) — nil means expect an error
	code   int      // expected error code
	sorted bool     // compare as multisets
}

func runCases(t *testing.T, c *memCatalog, cases []qcase) {
	t.Helper()
	for _, tc := range cases {
		got, _, err := c.query(tc.sql)
		if tc.code != 0 {
			var se *sqlerr.Error
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Errorf("%s: want error %d, got %v (rows %v)", tc.sql, tc.code, err, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if tc.sorted {
			got = sortedCopy(got)
			tc.want = sortedCopy(tc.want)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSelectSingleTable(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "SELECT a, b FROM t1 ORDER BY a", want: []string{"NULL 124", "104 100", "107 105", "111 112", "115 118"}},
		{sql: "SELECT a+b*2 AS x FROM t1 WHERE a > 105 ORDER BY x DESC", want: []string{"351", "335", "317"}},
		{sql: "SELECT a FROM t1 WHERE a BETWEEN 105 AND 112 ORDER BY 1", want: []string{"107", "111"}},
		{sql: "SELECT a FROM t1 WHERE a NOT BETWEEN 105 AND 112 ORDER BY 1", want: []string{"104", "115"}},
		{sql: "SELECT a FROM t1 WHERE a IN (104, 115, NULL) ORDER BY a", want: []string{"104", "115"}},
		{sql: "SELECT b FROM t1 WHERE a IS NULL", want: []string{"124"}},
		{sql: "SELECT count(*) FROM t1 WHERE a IS NOT NULL", want: []string{"4"}},
		{sql: "SELECT a FROM t1 ORDER BY a DESC LIMIT 2", want: []string{"115", "111"}},
		{sql: "SELECT a FROM t1 ORDER BY a LIMIT 2 OFFSET 1", want: []string{"104", "107"}},
		{sql: "SELECT a FROM t1 ORDER BY a LIMIT 1, 2", want: []string{"104", "107"}},
		{sql: "SELECT a FROM t1 ORDER BY b + c DESC LIMIT 1", want: []string{"NULL"}},
		{sql: "SELECT CASE WHEN a < 107 THEN 'lo' WHEN a < 112 THEN 'mid' ELSE 'hi' END FROM t1 ORDER BY b", want: []string{"lo", "mid", "mid", "hi", "hi"}},
		{sql: "SELECT CASE a WHEN 104 THEN 1 WHEN 107 THEN 2 END FROM t1 ORDER BY b", want: []string{"1", "2", "NULL", "NULL", "NULL"}},
		{sql: "SELECT ALL 13 * 21 AS col2", want: []string{"273"}},
		{sql: "SELECT 1 + 2, 'x'", want: []string{"3 x"}},
		{sql: "SELECT DISTINCT a > 106 FROM t1 WHERE a IS NOT NULL ORDER BY 1", want: []string{"false", "true"}},
		{sql: "SELECT t.a FROM t1 AS t WHERE t.b = 105", want: []string{"107"}},
		{sql: "SELECT A FROM T1 WHERE B = 105", want: []string{"107"}},
		{sql: "SELECT CAST(a AS CHAR) FROM t1 WHERE b = 100", want: []string{"104"}},
		{sql: "SELECT coalesce(a, -1) FROM t1 ORDER BY b DESC LIMIT 1", want: []string{"-1"}},
		{sql: "SELECT nosuch FROM t1", code: sqlerr.ErrBadField},
		{sql: "SELECT a FROM nosuch", code: sqlerr.ErrNoSuchTable},
		{sql: "SELECT nosuchfn(a) FROM t1", code: sqlerr.ErrNoSuchFunction},
		{sql: "SELECT a FROM t1 WHERE count(*) > 1", code: sqlerr.ErrInvalidGroupFunc},
		{sql: "SELECT * FROM t1 WHERE a = 104", want: []string{"104 100 102 101 103"}},
		{sql: "SELECT a FROM t1 WHERE (a, b) = (104, 100)", want: []string{"104"}},
		{sql: "SELECT a FROM t1 WHERE (a, b) IN ((104, 100), (107, 105), (111, 1)) ORDER BY a", want: []string{"104", "107"}},
		{sql: "SELECT a FROM t1 WHERE (a, b) <> (104, 100) ORDER BY a", want: []string{"NULL", "107", "111", "115"}},
		{sql: "SELECT a FROM t1 WHERE (a, b) = (1, 2, 3)", code: sqlerr.ErrOperandColumns},
	})
	c.check(t)
}

func TestColumnNames(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		sql   string
		names string
	}{
		{"SELECT a, b AS bee, a+b*2, count(*) FROM t1 GROUP BY a, b", "a,bee,a+b*2,count(*)"},
		{"SELECT * FROM t2", "x,name"},
		{"SELECT t1.* FROM t1 WHERE a = 1", "a,b,c,d,e"},
		{"SELECT ALL - 14 + 42 AS col1", "col1"},
	} {
		pl, err := c.plan(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		var names []string
		for _, f := range pl.Schema().Fields() {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ","); got != tc.names {
			t.Errorf("%s: names %s, want %s", tc.sql, got, tc.names)
		}
	}
}

func TestGroupBy(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "SELECT y, count(*), sum(v) FROM t3 GROUP BY y", sorted: true, want: []string{"1 1 1.5", "2 2 6", "NULL 1 4"}},
		{sql: "SELECT y, count(*) AS n FROM t3 GROUP BY y HAVING n > 1", want: []string{"2 2"}},
		{sql: "SELECT y, count(*) FROM t3 GROUP BY y HAVING count(*) > 1", want: []string{"2 2"}},
		{sql: "SELECT y FROM t3 GROUP BY 1 ORDER BY count(*) DESC, y LIMIT 1", want: []string{"2"}},
		{sql: "SELECT y*10+1, max(v) - min(v) FROM t3 WHERE y IS NOT NULL GROUP BY y*10+1 ORDER BY 1", want: []string{"11 0", "21 1"}},
		{sql: "SELECT count(*), count(y), count(DISTINCT y) FROM t3", want: []string{"4 3 2"}},
		{sql: "SELECT count(*) FROM t3 WHERE y > 100", want: []string{"0"}},
		{sql: "SELECT sum(y) FROM t3 WHERE y > 100", want: []string{"NULL"}},
		{sql: "SELECT - count(*) + 54 AS col2", want: []string{"53"}},
		{sql: "SELECT DISTINCT y FROM t3 ORDER BY y", want: []string{"NULL", "1", "2"}},
		{sql: "SELECT y, v FROM t3 GROUP BY y", code: sqlerr.ErrWrongFieldGroup},
		{sql: "SELECT y, count(*) FROM t3", code: 1140},
		{sql: "SELECT y, count(*) FROM t3 GROUP BY count(*)", code: 1056},
		{sql: "SELECT sum(count(*)) FROM t3", code: sqlerr.ErrInvalidGroupFunc},
	})
	c.check(t)
}

func TestLooseGroupBy(t *testing.T) {
	c := fixture(t)
	c.loose = true
	runCases(t, c, []qcase{
		{sql: "SELECT y, v FROM t3 WHERE y = 1 GROUP BY y", want: []string{"1 1.5"}},
		{sql: "SELECT y, v + 1, count(*) FROM t3 WHERE y <> 2 GROUP BY y ORDER BY y", want: []string{"1 2.5 1"}},
		{sql: "SELECT y, (SELECT count(*) FROM t3 AS z WHERE z.v < t3.v) FROM t3 WHERE y = 1 GROUP BY y", want: []string{"1 0"}},
	})
	c.check(t)
}

func TestJoins(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "SELECT a, name FROM t1, t2 WHERE a = x ORDER BY a", want: []string{"104 alpha", "107 beta", "111 gamma"}},
		{sql: "SELECT a, name FROM t1 JOIN t2 ON t1.a = t2.x AND t2.name <> 'beta' ORDER BY a", want: []string{"104 alpha", "111 gamma"}},
		{sql: "SELECT x, a FROM t2 LEFT JOIN t1 ON a = x ORDER BY x", want: []string{"104 104", "107 107", "111 111", "999 NULL"}},
		{sql: "SELECT x, a FROM t1 RIGHT JOIN t2 ON a = x ORDER BY x", want: []string{"104 104", "107 107", "111 111", "999 NULL"}},
		{sql: "SELECT count(*) FROM t1, t2", want: []string{"20"}},
		{sql: "SELECT count(*) FROM t1 AS p, t1 AS q WHERE p.a < q.a", want: []string{"6"}},
		{sql: "SELECT p.a, q.name, r.y FROM t1 p, t2 q, t3 r WHERE q.x = p.a AND r.y + 103 = p.a", sorted: true, want: []string{"104 alpha 1"}},
		{sql: "SELECT a FROM t1, t2 WHERE b = 105 AND x = 999", want: []string{"107"}},
		{sql: "SELECT x FROM t1, t2 WHERE a = 104 AND x > a", sorted: true, want: []string{"107", "111", "999"}},
		{sql: "SELECT a FROM t1 JOIN t2 USING (a)", code: sqlerr.ErrBadField},
		{sql: "SELECT a FROM t1 p, t1 q", code: sqlerr.ErrNonUniqField},
	})
	c.check(t)
}

func TestSubqueries(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "SELECT a FROM t1 WHERE a > (SELECT avg(a) FROM t1) ORDER BY a", want: []string{"111", "115"}},
		{sql: "SELECT CASE WHEN c>(SELECT avg(c) FROM t1) THEN a*2 ELSE b*10 END FROM t1 ORDER BY 1", want: []string{"NULL", "222", "230", "1000", "1050"}},
		{sql: "SELECT a, (SELECT name FROM t2 WHERE x = t1.a) FROM t1 ORDER BY a", want: []string{"NULL NULL", "104 alpha", "107 beta", "111 gamma", "115 NULL"}},
		{sql: "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE x = a) ORDER BY a", want: []string{"104", "107", "111"}},
		{sql: "SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE x = a) ORDER BY a", want: []string{"NULL", "115"}},
		{sql: "SELECT a FROM t1 WHERE a IN (SELECT x FROM t2) ORDER BY a", want: []string{"104", "107", "111"}},
		{sql: "SELECT a FROM t1 WHERE a NOT IN (SELECT x FROM t2) ORDER BY a", want: []string{"115"}},
		{sql: "SELECT a FROM t1 WHERE a NOT IN (SELECT y FROM t3)", want: nil},
		{sql: "SELECT a FROM t1 WHERE a > ALL (SELECT x FROM t2 WHERE x < 200) ORDER BY a", want: []string{"115"}},
		{sql: "SELECT a FROM t1 WHERE a < ANY (SELECT x FROM t2 WHERE x < 200) ORDER BY a", want: []string{"104", "107"}},
		{sql: "SELECT (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) AS r, b FROM t1 ORDER BY b", want: []string{"0 100", "1 105", "2 112", "3 118", "4 124"}},
		{sql: "SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE x = a AND name < 'beta') ORDER BY a", want: []string{"NULL", "107", "111", "115"}},
		{sql: "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE x > a) AND b < 110 ORDER BY a", want: []string{"104", "107"}},
		{sql: "SELECT a FROM t1 WHERE a IN (SELECT x FROM t2 WHERE name <> t1.b) ORDER BY a", want: []string{"104", "107", "111"}},
		{sql: "SELECT a FROM t1 WHERE a NOT IN (SELECT x FROM t2 WHERE name IS NOT NULL AND x <> t1.a) ORDER BY a", want: []string{"NULL", "104", "107", "111", "115"}},
		{sql: "SELECT a FROM t1 WHERE a IN (SELECT max(x) FROM t2 WHERE x < 110)", want: []string{"107"}},
		{sql: "SELECT a FROM t1 WHERE b = 100 OR a IN (SELECT x FROM t2 WHERE x > 105) ORDER BY a", want: []string{"104", "107", "111"}},
		// correlated aggregates become a left join with a grouped subquery
		{sql: "SELECT a, (SELECT count(*) FROM t2 WHERE x = t1.a) FROM t1 ORDER BY a", want: []string{"NULL 0", "104 1", "107 1", "111 1", "115 0"}},
		{sql: "SELECT a, (SELECT count(*) + 10 * max(v) FROM t3 WHERE y + 103 = t1.a) FROM t1 ORDER BY a", want: []string{"NULL NULL", "104 16", "107 NULL", "111 NULL", "115 NULL"}},
		{sql: "SELECT a FROM t1 WHERE (SELECT count(*) FROM t2 WHERE x = t1.a AND name <> 'beta') = 0 ORDER BY a", want: []string{"NULL", "107", "115"}},
		{sql: "SELECT a, (SELECT count(*) FROM t2 WHERE x = t1.a) AS n FROM t1 GROUP BY a HAVING n > 0 ORDER BY a", want: []string{"104 1", "107 1", "111 1"}},
		{sql: "SELECT (SELECT x FROM t2)", code: sqlerr.ErrSubqueryNRows},
		{sql: "SELECT a FROM t1 WHERE a = (SELECT x, name FROM t2)", code: sqlerr.ErrOperandColumns},
		{sql: "SELECT s.a FROM (SELECT a, b FROM t1 WHERE b > 104) AS s WHERE s.a < 112 ORDER BY 1", want: []string{"107", "111"}},
		{sql: "WITH s AS (SELECT a, b FROM t1 WHERE b > 104), u (k) AS (SELECT a FROM s WHERE a < 112) SELECT p.k, q.k FROM u p, u q WHERE p.k < q.k", want: []string{"107 111"}},
		{sql: "WITH s AS (SELECT 1 AS one) SELECT one FROM s UNION SELECT 2 ORDER BY 1", want: []string{"1", "2"}},
		{sql: "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", want: []string{"1"}}, // RECURSIVE without a self-reference is a plain CTE
	})
	c.check(t)
}

func TestSetOps(t *testing.T) {
	c := fixture(t)
	runCases(t, c, []qcase{
		{sql: "SELECT y FROM t3 UNION SELECT 1 ORDER BY 1", want: []string{"NULL", "1", "2"}},
		{sql: "SELECT y FROM t3 UNION ALL SELECT 1 ORDER BY 1", want: []string{"NULL", "1", "1", "2", "2"}},
		{sql: "SELECT y FROM t3 EXCEPT SELECT 2", sorted: true, want: []string{"1", "NULL"}},
		{sql: "SELECT y FROM t3 INTERSECT SELECT 2", want: []string{"2"}},
		{sql: "SELECT y AS k FROM t3 UNION SELECT v FROM t3 ORDER BY k DESC LIMIT 2", want: []string{"4", "3.5"}},
		{sql: "SELECT 1 UNION SELECT 1, 2", code: 1222},
	})
	c.check(t)
}

func TestDML(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		sql      string
		affected string
		check    string
		want     []string
	}{
		{"INSERT INTO t2 (name, x) VALUES ('delta', 5), ('eps', 6)", "2", "SELECT x, name FROM t2 WHERE x < 10 ORDER BY x", []string{"5 delta", "6 eps"}},
		{"INSERT INTO t2 (x) SELECT y FROM t3 WHERE y = 1", "1", "SELECT x, name FROM t2 WHERE x < 5", []string{"1 NULL"}},
		{"UPDATE t2 SET name = CASE WHEN name IS NULL THEN 'none' ELSE name END, x = x + 1 WHERE x < 10", "3", "SELECT x, name FROM t2 WHERE x < 10 ORDER BY x", []string{"2 none", "6 delta", "7 eps"}},
		{"DELETE FROM t2 WHERE x < 10", "3", "SELECT count(*) FROM t2", []string{"4"}},
		{"INSERT INTO t3 VALUES (7, '2.25')", "1", "SELECT v FROM t3 WHERE y = 7", []string{"2.25"}},
		// the WHERE of DML converts leniently ('gamma' + 0 is 0); only the
		// written values are strict
		{"UPDATE t2 SET x = x WHERE name + 0 = 0 AND x = 111", "1", "SELECT x FROM t2 WHERE x = 111", []string{"111"}},
		// assignments apply left to right, as in MySQL
		{"UPDATE t3 SET y = y + 1, v = y * 10 WHERE y = 7", "1", "SELECT y, v FROM t3 WHERE y > 5", []string{"8 80"}},
	} {
		got, schema, err := c.query(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if schema.Field(0).Name != "rows_affected" || len(got) != 1 || got[0] != tc.affected {
			t.Errorf("%s: got %v (%s), want %s rows affected", tc.sql, got, schema, tc.affected)
		}
		rows, _, err := c.query(tc.check)
		if err != nil {
			t.Fatalf("%s: %v", tc.check, err)
		}
		if strings.Join(rows, "|") != strings.Join(tc.want, "|") {
			t.Errorf("after %s: %s gave %q, want %q", tc.sql, tc.check, rows, tc.want)
		}
	}
	runCases(t, c, []qcase{
		{sql: "INSERT INTO t2 (x, x) VALUES (1, 2)", code: 1110},
		{sql: "INSERT INTO t2 (nope) VALUES (1)", code: sqlerr.ErrBadField},
		{sql: "INSERT INTO t2 VALUES (1)", code: sqlerr.ErrWrongValueCount},
		{sql: "INSERT INTO t2 (x) VALUES ('abc')", code: 1366}, // incorrect integer value for the column
		{sql: "UPDATE t2 SET nope = 1", code: sqlerr.ErrBadField},
		{sql: "UPDATE t2 SET x = 'zz' WHERE x = 104", code: 1366},
	})
	c.check(t)
}
