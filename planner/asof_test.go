package planner

import (
	"errors"
	"testing"

	"github.com/genevasql/genevasql/sqlerr"
)

// AS OF takes its version from an uncorrelated subquery, run once at plan
// time; a subquery that cannot give one value fails with MySQL's errors.
func TestAsOfSubquery(t *testing.T) {
	for _, tc := range []struct {
		sql     string
		version uint64
		code    int
	}{
		{sql: "SELECT a FROM t1 AS OF TIMESTAMP (SELECT MIN(y) FROM t3)", version: 1},
		{sql: "SELECT a FROM t1 AS OF TIMESTAMP (SELECT MAX(y) + 1 FROM t3 WHERE v < 3)", version: 3},
		{sql: "SELECT a FROM t1 AS OF TIMESTAMP (SELECT y FROM t3)", code: sqlerr.ErrSubqueryNRows},
		{sql: "SELECT a FROM t1 AS OF TIMESTAMP (SELECT y FROM t3 WHERE y > 100)", code: sqlerr.ErrWrongArguments},
		{sql: "SELECT a FROM t1 AS OF TIMESTAMP (SELECT y, v FROM t3)", code: sqlerr.ErrOperandColumns},
	} {
		c := fixture(t)
		_, err := c.plan(tc.sql)
		if tc.code != 0 {
			var se *sqlerr.Error
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Errorf("%s: want error %d, got %v", tc.sql, tc.code, err)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
		} else if c.asOf == nil || c.asOf.Version != tc.version {
			t.Errorf("%s: AS OF passed %+v, want version %d", tc.sql, c.asOf, tc.version)
		}
		c.check(t)
	}
}
