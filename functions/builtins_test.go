package functions

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// TestCanonicalNames checks that every name the planner maps SQL operators
// and built-ins to is registered, with the info SHOW FUNCTIONS displays.
func TestCanonicalNames(t *testing.T) {
	ops := []string{ast.Plus, ast.Minus, ast.Mul, ast.Div, ast.IntDiv, ast.Mod, ast.EQ, ast.NE, ast.LT, ast.LE,
		ast.GT, ast.GE, ast.NullEQ, ast.LogicAnd, ast.LogicOr, ast.LogicXor, ast.UnaryNot, ast.UnaryMinus,
		ast.UnaryPlus, ast.BitNeg, ast.And, ast.Or, ast.Xor, ast.LeftShift, ast.RightShift, ast.IsNull,
		ast.IsTruthWithoutNull, ast.IsTruthWithNull, ast.IsFalsity, ast.In, ast.Like, ast.Ilike, ast.Case,
		ast.Regexp, ast.RegexpLike, ast.Coalesce, ast.Greatest, ast.Least, "if", "ifnull", "nullif"}
	for _, name := range ops {
		if _, ok := builtins.Lookup(name); !ok {
			t.Errorf("operator %q is not registered", name)
		}
	}
	for _, name := range []string{"count", "sum", "avg", "min", "max", "group_concat", "bit_and", "bit_or",
		"bit_xor", "std", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "any_value"} {
		if !IsAggregate(builtins, name) {
			t.Errorf("aggregate %q is not registered", name)
		}
	}
	for _, info := range builtins.List() {
		if info.Description == "" || info.Signature == "" || !info.Builtin || info.Version == "" {
			t.Errorf("%s: incomplete info %+v", info.Name, info)
		}
		if info.Kind != "scalar" && info.Kind != "aggregate" {
			t.Errorf("%s: kind %q", info.Name, info.Kind)
		}
	}
	n := len(builtins.List())
	t.Logf("%d built-in functions", n)
	if n < 200 {
		t.Errorf("only %d built-ins registered", n)
	}
}
