package planner

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

func TestSQLModeChange(t *testing.T) {
	for _, tc := range []struct {
		sql       string
		current   bool
		loose, ok bool
	}{
		{"SET SESSION sql_mode=(SELECT REPLACE(@@sql_mode,'ONLY_FULL_GROUP_BY',''))", false, true, true},
		{"SET sql_mode = 'STRICT_TRANS_TABLES'", false, true, true},
		{"SET sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES'", true, false, true},
		{"SET @@session.sql_mode = ''", false, true, true},
		{"SET autocommit = 1", false, false, false},
		{"SET sql_mode = CONCAT(@@sql_mode, ',ANSI')", true, true, true},
	} {
		stmts, _, err := parser.New().ParseSQL(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		loose, ok := SQLModeChange(stmts[0].(*ast.SetStmt), tc.current)
		if loose != tc.loose || ok != tc.ok {
			t.Errorf("%s: got loose=%v ok=%v, want %v %v", tc.sql, loose, ok, tc.loose, tc.ok)
		}
	}
}
