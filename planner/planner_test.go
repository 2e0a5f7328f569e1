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
