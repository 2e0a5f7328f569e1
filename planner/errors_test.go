package planner

import (
	"errors"
	"testing"
	"time"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestErrorPositions(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		sql       string
		code      int
		msg       string
		line, col int
	}{
		{"SELECT a,\n  nosuch FROM t1", sqlerr.ErrBadField, "Unknown column 'nosuch' in 'field list'", 2, 3},
		{"SELECT a FROM t1 WHERE t1.zz = 1", sqlerr.ErrBadField, "Unknown column 't1.zz' in 'where clause'", 1, 24},
		{"SELECT a FROM t1\nJOIN missing ON 1", sqlerr.ErrNoSuchTable, "Table 'missing' doesn't exist", 2, 6},
		{"SELECT a FROM t1 p, t1 q WHERE a = 1", sqlerr.ErrNonUniqField, "Column 'a' in where clause is ambiguous", 1, 32},
		{"SELECT 1 FROM t1 ORDER BY nosuch", sqlerr.ErrBadField, "Unknown column 'nosuch' in 'order clause'", 1, 27},
		{"SELECT 1 FROM t1 WHERE foo(a) = 1", sqlerr.ErrNoSuchFunction, "FUNCTION foo does not exist", 1, 24},
		{"SELECT b, count(*) FROM t1 GROUP BY a", sqlerr.ErrWrongFieldGroup, "", 1, 8},
	} {
		_, err := c.plan(tc.sql)
		var se *sqlerr.Error
		if !errors.As(err, &se) {
			t.Errorf("%q: want sqlerr, got %v", tc.sql, err)
			continue
		}
		if se.Code != tc.code || (tc.msg != "" && se.Msg != tc.msg) || se.Line != tc.line || se.Column != tc.col {
			t.Errorf("%q: got %d %q at %d:%d, want %d %q at %d:%d", tc.sql, se.Code, se.Msg, se.Line, se.Column, tc.code, tc.msg, tc.line, tc.col)
		}
	}
}

func TestViewsParamsTimeTravel(t *testing.T) {
	c := fixture(t)
	c.addView("big", "SELECT a, b AS bee FROM t1 WHERE a > 106")
	c.addView("bigger", "SELECT a FROM big WHERE bee > 110")
	runCases(t, c, []qcase{
		{sql: "SELECT a, bee FROM big ORDER BY a", want: []string{"107 105", "111 112", "115 118"}},
		{sql: "SELECT v.a FROM bigger AS v ORDER BY 1", want: []string{"111", "115"}},
		{sql: "SELECT count(*) FROM big p, big q WHERE p.a = q.a", want: []string{"3"}},
	})
	got, _, err := c.query("SELECT a FROM t1 WHERE a > ? AND b < ? ORDER BY a", int64(104), 113.5)
	if err != nil || len(got) != 2 || got[0] != "107" || got[1] != "111" {
		t.Errorf("params: %v %v", got, err)
	}
	if _, _, err := c.query("SELECT ? + 1"); err == nil {
		t.Errorf("missing parameter value accepted")
	}
	if _, err := c.plan("SELECT a FROM t1 AS OF TIMESTAMP '2024-05-01 10:00:00'"); err != nil {
		t.Fatal(err)
	}
	if c.asOf == nil || !c.asOf.Timestamp.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("AS OF passed %+v", c.asOf)
	}
	c.check(t)
}
