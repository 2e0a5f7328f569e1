package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SQLModeChange reads SET [SESSION|GLOBAL] sql_mode = ... and reports
// whether the new mode drops ONLY_FULL_GROUP_BY (for Planner.LooseGroupBy).
// ok is false when stmt does not set sql_mode. It understands a literal
// mode list and the common idiom
// SET sql_mode = (SELECT REPLACE(@@sql_mode, 'ONLY_FULL_GROUP_BY', empty)),
// with empty the empty string literal.
func SQLModeChange(stmt *ast.SetStmt, current bool) (loose bool, ok bool) {
	loose = current
	for _, v := range stmt.Variables {
		if v == nil || !strings.EqualFold(v.Name, "sql_mode") || v.Value == nil {
			continue
		}
		var sb strings.Builder
		if err := v.Value.Restore(newRestoreCtx(&sb)); err != nil {
			continue
		}
		text := strings.ToUpper(sb.String())
		ok = true
		switch {
		case strings.Contains(text, "REPLACE(") && strings.Contains(text, "ONLY_FULL_GROUP_BY"):
			loose = true // removing the flag from the current mode
		case strings.Contains(text, "@@"):
			// another expression over the current mode: keep it
		default:
			loose = !strings.Contains(text, "ONLY_FULL_GROUP_BY")
		}
	}
	return loose, ok
}
