package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/charset"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/pingcap/tidb/pkg/parser/types"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// exprCtx says where an expression appears.
type exprCtx struct {
	clause   string
	allowAgg bool
	inAgg    bool
}

var binaryOps = map[opcode.Op]string{
	opcode.LogicAnd: ast.LogicAnd, opcode.LogicOr: ast.LogicOr, opcode.LogicXor: ast.LogicXor,
	opcode.GE: ast.GE, opcode.LE: ast.LE, opcode.EQ: ast.EQ, opcode.NE: ast.NE, opcode.LT: ast.LT,
	opcode.GT: ast.GT, opcode.Plus: ast.Plus, opcode.Minus: ast.Minus, opcode.And: ast.And,
	opcode.Or: ast.Or, opcode.Xor: ast.Xor, opcode.Mod: ast.Mod, opcode.Div: ast.Div,
	opcode.Mul: ast.Mul, opcode.IntDiv: ast.IntDiv, opcode.NullEQ: ast.NullEQ,
	opcode.LeftShift: ast.LeftShift, opcode.RightShift: ast.RightShift,
}

// bindExpr binds an AST expression in scope sc.
func (b *binder) bindExpr(n ast.ExprNode, sc *scope, ec exprCtx) (lexpr, error) {
	switch x := n.(type) {
	case *test_driver.ParamMarkerExpr:
		if x.Order < 0 || x.Order >= len(b.params) {
			return nil, b.errAt(n, sqlerr.ErrWrongArguments, "Incorrect arguments: statement has %d parameters, %d values given", x.Order+1, len(b.params))
		}
		s, err := goValueScalar(b.params[x.Order])
		if err != nil {
			return nil, b.errAt(n, sqlerr.ErrWrongArguments, "parameter %d: %v", x.Order+1, err)
		}
		return &constExpr{v: s}, nil
	case *ast.GetFormatSelectorExpr:
		// GET_FORMAT(DATE|TIME|DATETIME, …): the selector is a word
		return &constExpr{v: scalar.NewStringScalar(x.Selector.String())}, nil
	case *test_driver.ValueExpr:
		s, err := datumScalar(&x.Datum)
		if err != nil {
			return nil, b.errAt(n, sqlerr.ErrNotSupported, "%v", err)
		}
		return &constExpr{v: s}, nil
	case *ast.ColumnNameExpr:
		return b.resolveColumn(sc, x, ec.clause)
	case *ast.ParenthesesExpr:
		return b.bindExpr(x.Expr, sc, ec)
	case *ast.SetCollationExpr:
		return b.bindExpr(x.Expr, sc, ec)
	case *ast.BinaryOperationExpr:
		if lr, ok := x.L.(*ast.RowExpr); ok {
			if rr, ok := x.R.(*ast.RowExpr); ok {
				return b.bindRowCompare(x.Op, lr.Values, rr.Values, sc, ec, n)
			}
		}
		name, ok := binaryOps[x.Op]
		if !ok {
			return nil, b.errAt(n, sqlerr.ErrNotSupported, "operator %s is not supported", x.Op)
		}
		l, err := b.bindOperand(x.L, x.Op, sc, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.bindOperand(x.R, x.Op, sc, ec)
		if err != nil {
			return nil, err
		}
		return b.call(name, []lexpr{l, r}, n)
	case *ast.UnaryOperationExpr:
		v, err := b.bindExpr(x.V, sc, ec)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case opcode.Plus:
			return v, nil
		case opcode.Minus:
			return b.call(ast.UnaryMinus, []lexpr{v}, n)
		case opcode.Not, opcode.Not2:
			return b.call(ast.UnaryNot, []lexpr{v}, n)
		case opcode.BitNeg:
			return b.call(ast.BitNeg, []lexpr{v}, n)
		}
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "unary operator %s is not supported", x.Op)
	case *ast.IsNullExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		return b.maybeNot(x.Not, ast.IsNull, []lexpr{v}, n)
	case *ast.IsTruthExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		fn := ast.IsTruthWithoutNull
		if x.True == 0 {
			fn = ast.IsFalsity
		}
		return b.maybeNot(x.Not, fn, []lexpr{v}, n)
	case *ast.BetweenExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		lo, err := b.bindExpr(x.Left, sc, ec)
		if err != nil {
			return nil, err
		}
		hi, err := b.bindExpr(x.Right, sc, ec)
		if err != nil {
			return nil, err
		}
		ge, err := b.call(ast.GE, []lexpr{v, lo}, n)
		if err != nil {
			return nil, err
		}
		le, err := b.call(ast.LE, []lexpr{v, hi}, n)
		if err != nil {
			return nil, err
		}
		return b.maybeNot(x.Not, ast.LogicAnd, []lexpr{ge, le}, n)
	case *ast.PatternInExpr:
		var v lexpr
		if _, isRow := x.Expr.(*ast.RowExpr); !isRow || x.Sel != nil {
			e, err := b.bindExpr(x.Expr, sc, ec)
			if err != nil {
				return nil, err
			}
			v = e
		}
		if x.Sel != nil {
			sq, err := b.bindQuantified(v, opcode.EQ, false, x.Sel, sc, n)
			if err != nil {
				return nil, err
			}
			if x.Not {
				return b.call(ast.UnaryNot, []lexpr{sq}, n)
			}
			return sq, nil
		}
		if row, ok := x.Expr.(*ast.RowExpr); ok {
			// (a, b) IN ((1, 2), (3, 4)): an OR of row equalities
			var out lexpr
			for _, it := range x.List {
				r, ok := it.(*ast.RowExpr)
				if !ok {
					return nil, b.errAt(it, sqlerr.ErrOperandColumns, "Operand should contain %d column(s)", len(row.Values))
				}
				eq, err := b.bindRowCompare(opcode.EQ, row.Values, r.Values, sc, ec, n)
				if err != nil {
					return nil, err
				}
				if out == nil {
					out = eq
				} else if out, err = b.call(ast.LogicOr, []lexpr{out, eq}, n); err != nil {
					return nil, err
				}
			}
			if x.Not {
				return b.call(ast.UnaryNot, []lexpr{out}, n)
			}
			return out, nil
		}
		args := []lexpr{v}
		for _, it := range x.List {
			a, err := b.bindExpr(it, sc, ec)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return b.maybeNot(x.Not, ast.In, args, n)
	case *ast.PatternLikeOrIlikeExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		p, err := b.bindExpr(x.Pattern, sc, ec)
		if err != nil {
			return nil, err
		}
		esc := x.Escape
		if esc == 0 {
			esc = '\\'
		}
		fn := ast.Like
		if !x.IsLike {
			fn = ast.Ilike
		}
		return b.maybeNot(x.Not, fn, []lexpr{v, p, &constExpr{v: scalar.NewStringScalar(string(esc))}}, n)
	case *ast.PatternRegexpExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		p, err := b.bindExpr(x.Pattern, sc, ec)
		if err != nil {
			return nil, err
		}
		return b.maybeNot(x.Not, ast.Regexp, []lexpr{v, p}, n)
	case *ast.CaseExpr:
		return b.bindCase(x, sc, ec)
	case *ast.FuncCastExpr:
		v, err := b.bindExpr(x.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		t, err := fieldTypeToArrow(x.Tp)
		if err != nil {
			return nil, b.errAt(n, sqlerr.ErrNotSupported, "%v", err)
		}
		return b.cast(v, t), nil
	case *ast.FuncCallExpr:
		return b.bindFuncCall(x, sc, ec)
	case *ast.AggregateFuncExpr:
		return b.bindAggregate(x, sc, ec)
	case *ast.TimeUnitExpr:
		return &constExpr{v: scalar.NewStringScalar(x.Unit.String())}, nil
	case *ast.TrimDirectionExpr:
		return &constExpr{v: scalar.NewStringScalar(x.Direction.String())}, nil
	case *ast.SubqueryExpr:
		return b.bindScalarSubquery(x, sc, n)
	case *ast.ExistsSubqueryExpr:
		sq, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.errAt(n, sqlerr.ErrNotSupported, "EXISTS needs a subquery")
		}
		plan, outer, err := b.bindSubqueryPlan(sq.Query, sc)
		if err != nil {
			return nil, err
		}
		e := &subqExpr{kind: subqExists, plan: plan, outer: outer, t: arrow.FixedWidthTypes.Boolean, id: b.subID()}
		if x.Not {
			return b.call(ast.UnaryNot, []lexpr{e}, n)
		}
		return e, nil
	case *ast.CompareSubqueryExpr:
		l, err := b.bindExpr(x.L, sc, ec)
		if err != nil {
			return nil, err
		}
		return b.bindQuantified(l, x.Op, x.All, x.R, sc, n)
	case *ast.DefaultExpr:
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "DEFAULT is only supported in INSERT values")
	case *ast.WindowFuncExpr:
		return b.bindWindowFunc(x, sc, ec)
	case *ast.VariableExpr:
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "variables are not supported")
	case *ast.RowExpr:
		return nil, b.errAt(n, sqlerr.ErrOperandColumns, "Operand should contain 1 column(s)")
	}
	return nil, b.errAt(n, sqlerr.ErrNotSupported, "expression %T is not supported", n)
}

// bindRowCompare binds (a, b) op (c, d) for =, <=> and <> / != as a
// conjunction (or, for <>, a disjunction) of column comparisons.
func (b *binder) bindRowCompare(op opcode.Op, l, r []ast.ExprNode, sc *scope, ec exprCtx, n ast.Node) (lexpr, error) {
	if len(l) != len(r) {
		return nil, b.errAt(n, sqlerr.ErrOperandColumns, "Operand should contain %d column(s)", len(l))
	}
	join := ast.LogicAnd
	switch op {
	case opcode.EQ, opcode.NullEQ:
	case opcode.NE:
		join = ast.LogicOr
	default:
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "row comparison with %s is not supported", op)
	}
	var out lexpr
	for i := range l {
		a, err := b.bindExpr(l[i], sc, ec)
		if err != nil {
			return nil, err
		}
		c, err := b.bindExpr(r[i], sc, ec)
		if err != nil {
			return nil, err
		}
		cmp, err := b.call(binaryOps[op], []lexpr{a, c}, n)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = cmp
		} else if out, err = b.call(join, []lexpr{out, cmp}, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *binder) maybeNot(not bool, name string, args []lexpr, n ast.Node) (lexpr, error) {
	e, err := b.call(name, args, n)
	if err != nil || !not {
		return e, err
	}
	return b.call(ast.UnaryNot, []lexpr{e}, n)
}

// bindCase rewrites simple CASE (CASE v WHEN x ...) to searched CASE and
// binds it as case(cond1, val1, ..., [else]).
func (b *binder) bindCase(x *ast.CaseExpr, sc *scope, ec exprCtx) (lexpr, error) {
	var val lexpr
	if x.Value != nil {
		v, err := b.bindExpr(x.Value, sc, ec)
		if err != nil {
			return nil, err
		}
		val = v
	}
	var args []lexpr
	for _, w := range x.WhenClauses {
		c, err := b.bindExpr(w.Expr, sc, ec)
		if err != nil {
			return nil, err
		}
		if val != nil {
			if c, err = b.call(ast.EQ, []lexpr{val, c}, w.Expr); err != nil {
				return nil, err
			}
		}
		r, err := b.bindExpr(w.Result, sc, ec)
		if err != nil {
			return nil, err
		}
		args = append(args, c, r)
	}
	if x.ElseClause != nil {
		e, err := b.bindExpr(x.ElseClause, sc, ec)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return b.call(ast.Case, args, x)
}

// numericOps are the operators whose operands are numbers: a hex or bit
// literal there is the unsigned number its bytes spell, as in MySQL
// (0xa + 0 = 10), not the binary string it is elsewhere.
var numericOps = map[opcode.Op]bool{
	opcode.Plus: true, opcode.Minus: true, opcode.Mul: true, opcode.Div: true, opcode.IntDiv: true, opcode.Mod: true,
	opcode.And: true, opcode.Or: true, opcode.Xor: true, opcode.LeftShift: true, opcode.RightShift: true,
}

// bindOperand binds an operand of op.
func (b *binder) bindOperand(e ast.ExprNode, op opcode.Op, sc *scope, ec exprCtx) (lexpr, error) {
	if v, ok := e.(*test_driver.ValueExpr); ok && numericOps[op] && v.Kind() == test_driver.KindBinaryLiteral {
		if bs := []byte(v.GetBinaryLiteral()); len(bs) <= 8 {
			var u uint64
			for _, c := range bs {
				u = u<<8 | uint64(c)
			}
			return &constExpr{v: scalar.NewUint64Scalar(u)}, nil
		}
	}
	return b.bindExpr(e, sc, ec)
}

// jsonValueArgs are the JSON functions' value positions: a JSON document
// there (JSON_OBJECT(…) inside JSON_ARRAY(…)) nests as a value instead of
// becoming a string.
var jsonValueArgs = map[string]func(i int) bool{
	"json_array":        func(int) bool { return true },
	"json_object":       func(i int) bool { return i%2 == 1 },
	"json_set":          func(i int) bool { return i > 0 && i%2 == 0 },
	"json_insert":       func(i int) bool { return i > 0 && i%2 == 0 },
	"json_replace":      func(i int) bool { return i > 0 && i%2 == 0 },
	"json_array_append": func(i int) bool { return i > 0 && i%2 == 0 },
	"json_array_insert": func(i int) bool { return i > 0 && i%2 == 0 },
	"json_memberof":     func(i int) bool { return i == 0 },
	"json_arrayagg":     func(i int) bool { return i == 0 },
	"json_objectagg":    func(i int) bool { return i == 1 },
}

// jsonDocFuncs return JSON documents.
var jsonDocFuncs = map[string]bool{
	"json_object": true, "json_array": true, "json_extract": true, "cast_json": true, "json_set": true,
	"json_insert": true, "json_replace": true, "json_remove": true, "json_array_append": true,
	"json_array_insert": true, "json_merge_patch": true, "json_merge_preserve": true, "json_merge": true,
	"json_keys": true, "json_search": true, "json_arrayagg": true, "json_objectagg": true,
}

// markJSONValues wraps JSON-document arguments in value positions of a
// JSON function in json_doc, which tells the function they are documents.
// The test is on the syntax (nodes), since a constant call is already
// folded to its text, or on the column for a JSON table column.
func (b *binder) markJSONValues(name string, args []lexpr, nodes []ast.ExprNode) error {
	isValue, ok := jsonValueArgs[name]
	if !ok || len(nodes) != len(args) {
		return nil
	}
	for i, a := range args {
		if r, ok := a.(*colRef); !isValue(i) || !(isJSONDocNode(nodes[i]) || ok && b.jsonCols[r.id]) {
			continue
		}
		d, err := b.call("json_doc", []lexpr{a}, nil)
		if err != nil {
			return err
		}
		args[i] = d
	}
	return nil
}

// isJSONDocNode says whether an expression is a JSON document: a call of
// a JSON function that returns one (-> included) or CAST(… AS JSON).
func isJSONDocNode(n ast.ExprNode) bool {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		return jsonDocFuncs[x.FnName.L]
	case *ast.AggregateFuncExpr:
		return jsonDocFuncs[strings.ToLower(x.F)]
	case *ast.FuncCastExpr:
		return x.Tp != nil && x.Tp.GetType() == mysql.TypeJSON
	case *ast.ParenthesesExpr:
		return isJSONDocNode(x.Expr)
	}
	return false
}

// parserFuncNames maps the names TiDB's parser gives some functions (a
// keyword used as a function name) to the names they are registered under.
var parserFuncNames = map[string]string{ast.CharFunc: "char", ast.InsertFunc: "insert"}

func (b *binder) bindFuncCall(x *ast.FuncCallExpr, sc *scope, ec exprCtx) (lexpr, error) {
	name := x.FnName.L
	if n, ok := parserFuncNames[name]; ok {
		name = n
	}
	if name == "any_value" {
		// TiDB parses ANY_VALUE as a plain function call; it is an aggregate
		agg := &ast.AggregateFuncExpr{F: name, Args: x.Args}
		agg.SetOriginTextPosition(x.OriginTextPosition())
		return b.bindAggregate(agg, sc, ec)
	}
	args := make([]lexpr, 0, len(x.Args))
	for _, a := range x.Args {
		if v, ok := a.(*test_driver.ValueExpr); ok && strings.HasPrefix(name, "json_") && mysql.HasIsBooleanFlag(v.Type.GetFlag()) {
			// TRUE and FALSE are 1 and 0 except in JSON, where they are
			// true and false (JSON_ARRAY(TRUE) is [true])
			args = append(args, &constExpr{v: scalar.NewBooleanScalar(v.GetInt64() != 0)})
			continue
		}
		v, err := b.bindExpr(a, sc, ec)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if err := b.markJSONValues(name, args, x.Args); err != nil {
		return nil, b.withPos(err, x)
	}
	// DATE '…', TIMESTAMP '…' and TIME '…' literals: a cast of the string.
	switch name {
	case ast.DateLiteral, ast.TimestampLiteral, ast.TimeLiteral:
		if len(args) == 1 {
			to := map[string]arrow.DataType{ast.DateLiteral: functions.Date32, ast.TimestampLiteral: functions.Datetime, ast.TimeLiteral: functions.Time}[name]
			return b.fold(b.cast(args[0], to))
		}
	}
	return b.call(name, args, x)
}

func (b *binder) bindAggregate(x *ast.AggregateFuncExpr, sc *scope, ec exprCtx) (lexpr, error) {
	name := strings.ToLower(x.F)
	if !ec.allowAgg {
		return nil, b.errAt(x, sqlerr.ErrInvalidGroupFunc, "Invalid use of group function")
	}
	if ec.inAgg {
		return nil, b.errAt(x, sqlerr.ErrInvalidGroupFunc, "Invalid use of group function")
	}
	argNodes := x.Args
	var opts functions.AggOptions
	opts.Separator = ","
	if name == "group_concat" && len(argNodes) > 1 {
		if v, ok := argNodes[len(argNodes)-1].(*test_driver.ValueExpr); ok {
			opts.Separator = v.GetString()
			argNodes = argNodes[:len(argNodes)-1]
		}
	}
	inner := ec
	inner.inAgg = true
	var args []lexpr
	for _, a := range argNodes {
		v, err := b.bindExpr(a, sc, inner)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if err := b.markJSONValues(name, args, argNodes); err != nil {
		return nil, b.withPos(err, x)
	}
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.Type()
	}
	fn, err := b.reg.ResolveAggregate(name, types, x.Distinct)
	if err != nil {
		return nil, b.withPos(err, x)
	}
	for i := range args {
		if i < len(fn.ArgTypes) && fn.ArgTypes[i] != nil {
			args[i] = b.cast(args[i], fn.ArgTypes[i])
		}
	}
	if name == "group_concat" && x.Order != nil {
		// the sort keys follow the values as extra arguments
		for _, it := range x.Order.Items {
			var k lexpr
			if p, ok := it.Expr.(*ast.PositionExpr); ok && p.P == nil {
				// ORDER BY n names the n-th value
				n := p.N
				if n < 1 || n > len(argNodes) {
					return nil, b.errAt(it.Expr, sqlerr.ErrBadField, "Unknown column '%d' in 'order clause'", n)
				}
				k = args[n-1]
			} else {
				e, err := b.bindExpr(it.Expr, sc, inner)
				if err != nil {
					return nil, err
				}
				k = b.cast(e, functions.CanonicalType(e.Type()))
			}
			args = append(args, k)
			opts.OrderBy = append(opts.OrderBy, it.Desc)
		}
	}
	return &aggExpr{fn: fn, args: args, distinct: x.Distinct, opts: opts}, nil
}

// call resolves a scalar function for the arguments' types, casts the
// arguments to what the function expects, and folds it when every argument
// is a constant and the function is immutable.
func (b *binder) call(name string, args []lexpr, n ast.Node) (lexpr, error) {
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.Type()
	}
	fn, err := b.reg.ResolveScalar(name, types)
	if err != nil {
		return nil, b.withPos(err, n)
	}
	if fn == nil {
		return nil, b.errAt(n, sqlerr.ErrWrongArguments, "Incorrect arguments to %s", name)
	}
	cargs := make([]lexpr, len(args))
	allConst := true
	for i, a := range args {
		if i < len(fn.ArgTypes) && fn.ArgTypes[i] != nil {
			a = b.cast(a, fn.ArgTypes[i])
		}
		cargs[i] = a
		if _, ok := a.(*constExpr); !ok {
			allConst = false
		}
	}
	c := &callExpr{fn: fn, args: cargs}
	if allConst && fn.Volatility == functions.Immutable {
		if v, err := b.fold(c); err == nil {
			return v, nil
		}
	}
	return c, nil
}

// cast converts e to t, folding casts of constants.
func (b *binder) cast(e lexpr, t arrow.DataType) lexpr {
	if arrow.TypeEqual(e.Type(), t) {
		return e
	}
	if c, ok := e.(*constExpr); ok {
		if !c.v.IsValid() {
			return &constExpr{v: scalar.MakeNullScalar(t)}
		}
		if v, err := b.fold(&castExpr{arg: c, to: t}); err == nil {
			return v
		}
	}
	return &castExpr{arg: e, to: t}
}

// fold evaluates a constant expression at plan time.
func (b *binder) fold(e lexpr) (lexpr, error) {
	pe, err := lowerExpr(e, nil, nil)
	if err != nil {
		return nil, err
	}
	s, err := expr.EvalScalar(b.ec, pe)
	if err != nil {
		return nil, err
	}
	return &constExpr{v: s}, nil
}

// toPredicate makes e usable as a filter: booleans stay, other values are
// tested for truth as MySQL does (non-zero is true).
func (b *binder) toPredicate(e lexpr, n ast.Node) (lexpr, error) {
	if e.Type().ID() == arrow.BOOL {
		return e, nil
	}
	if e.Type().ID() == arrow.NULL {
		return &constExpr{v: scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean)}, nil
	}
	if _, ok := b.reg.Lookup(ast.IsTruthWithoutNull); ok {
		return b.call(ast.IsTruthWithoutNull, []lexpr{e}, n)
	}
	return b.cast(e, arrow.FixedWidthTypes.Boolean), nil
}

// bindScalarSubquery binds (SELECT ...) used as a value.
func (b *binder) bindScalarSubquery(x *ast.SubqueryExpr, sc *scope, n ast.Node) (lexpr, error) {
	plan, outer, err := b.bindSubqueryPlan(x.Query, sc)
	if err != nil {
		return nil, err
	}
	cols := plan.cols()
	if len(cols) != 1 {
		return nil, b.errAt(n, sqlerr.ErrOperandColumns, "Operand should contain 1 column(s)")
	}
	return &subqExpr{kind: subqScalar, plan: plan, outer: outer, t: cols[0].t, id: b.subID()}, nil
}

// bindQuantified binds lhs op ANY/ALL (subquery); IN is = ANY.
func (b *binder) bindQuantified(lhs lexpr, op opcode.Op, all bool, sub ast.ExprNode, sc *scope, n ast.Node) (lexpr, error) {
	sq, ok := sub.(*ast.SubqueryExpr)
	if !ok {
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "expected a subquery")
	}
	plan, outer, err := b.bindSubqueryPlan(sq.Query, sc)
	if err != nil {
		return nil, err
	}
	cols := plan.cols()
	if len(cols) != 1 {
		return nil, b.errAt(n, sqlerr.ErrOperandColumns, "Operand should contain 1 column(s)")
	}
	name, ok := binaryOps[op]
	if !ok {
		return nil, b.errAt(n, sqlerr.ErrNotSupported, "operator %s is not supported with ANY/ALL", op)
	}
	fn, err := b.reg.ResolveScalar(name, []arrow.DataType{lhs.Type(), cols[0].t})
	if err != nil {
		return nil, b.withPos(err, n)
	}
	l := lhs
	subT := cols[0].t
	if len(fn.ArgTypes) == 2 {
		l = b.cast(lhs, fn.ArgTypes[0])
		subT = fn.ArgTypes[1]
	}
	return &subqExpr{kind: subqQuantified, plan: plan, outer: outer, t: arrow.FixedWidthTypes.Boolean,
		lhs: l, cmp: fn, all: all, subCast: subT, id: b.subID()}, nil
}

// bindSubqueryPlan binds a nested query whose names may refer to sc.
func (b *binder) bindSubqueryPlan(q ast.ResultSetNode, sc *scope) (lnode, []*colRef, error) {
	inner := &scope{parent: sc}
	plan, err := b.bindResultSet(q, inner)
	if err != nil {
		return nil, nil, err
	}
	plan = b.optimize(plan)
	return plan, inner.outer, nil
}

// datumScalar converts a parsed literal.
func datumScalar(d *test_driver.Datum) (scalar.Scalar, error) {
	switch d.Kind() {
	case test_driver.KindNull:
		return scalar.MakeNullScalar(arrow.Null), nil
	case test_driver.KindInt64:
		return scalar.NewInt64Scalar(d.GetInt64()), nil
	case test_driver.KindUint64:
		return scalar.NewUint64Scalar(d.GetUint64()), nil
	case test_driver.KindFloat32:
		return scalar.NewFloat64Scalar(float64(d.GetFloat32())), nil
	case test_driver.KindFloat64:
		return scalar.NewFloat64Scalar(d.GetFloat64()), nil
	case test_driver.KindString:
		return scalar.NewStringScalar(d.GetString()), nil
	case test_driver.KindBytes:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(d.GetBytes()), arrow.BinaryTypes.Binary), nil
	case test_driver.KindBinaryLiteral:
		return scalar.NewBinaryScalar(memory.NewBufferBytes([]byte(d.GetBinaryLiteral())), arrow.BinaryTypes.Binary), nil
	case test_driver.KindMysqlDecimal:
		return decimalScalar(d.GetMysqlDecimal().String())
	}
	return nil, fmt.Errorf("literal of kind %d is not supported", d.Kind())
}

// decimalScalar makes a DECIMAL literal with the precision and scale written.
func decimalScalar(s string) (scalar.Scalar, error) {
	digits := strings.TrimLeft(strings.TrimPrefix(s, "-"), "0")
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = len(s) - i - 1
	}
	prec := len(strings.ReplaceAll(digits, ".", ""))
	if prec < scale {
		prec = scale
	}
	if prec == 0 {
		prec = 1
	}
	if prec > 38 {
		// beyond DECIMAL128: MySQL allows 65 digits; fall back to DOUBLE.
		var f float64
		_, err := fmt.Sscan(s, &f)
		return scalar.NewFloat64Scalar(f), err
	}
	t := &arrow.Decimal128Type{Precision: int32(prec), Scale: int32(scale)}
	n, err := decimal128.FromString(s, t.Precision, t.Scale)
	if err != nil {
		return nil, err
	}
	return scalar.NewDecimal128Scalar(n, t), nil
}

// goValueScalar converts a `?` parameter value.
func goValueScalar(v any) (scalar.Scalar, error) {
	switch x := v.(type) {
	case nil:
		return scalar.MakeNullScalar(arrow.Null), nil
	case int64:
		return scalar.NewInt64Scalar(x), nil
	case int:
		return scalar.NewInt64Scalar(int64(x)), nil
	case int32:
		return scalar.NewInt64Scalar(int64(x)), nil
	case uint64:
		return scalar.NewUint64Scalar(x), nil
	case float64:
		return scalar.NewFloat64Scalar(x), nil
	case float32:
		return scalar.NewFloat64Scalar(float64(x)), nil
	case string:
		return scalar.NewStringScalar(x), nil
	case []byte:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(append([]byte(nil), x...)), arrow.BinaryTypes.Binary), nil
	case bool:
		return scalar.NewBooleanScalar(x), nil
	case time.Time:
		return scalar.NewTimestampScalar(arrow.Timestamp(x.UnixMicro()), &arrow.TimestampType{Unit: arrow.Microsecond}), nil
	}
	return nil, fmt.Errorf("unsupported parameter type %T", v)
}

// fieldTypeToArrow maps a CAST target type to an Arrow type.
func fieldTypeToArrow(ft *types.FieldType) (arrow.DataType, error) {
	unsigned := mysql.HasUnsignedFlag(ft.GetFlag())
	switch ft.GetType() {
	case mysql.TypeTiny, mysql.TypeShort, mysql.TypeInt24, mysql.TypeLong, mysql.TypeLonglong, mysql.TypeYear:
		if unsigned {
			return arrow.PrimitiveTypes.Uint64, nil
		}
		return arrow.PrimitiveTypes.Int64, nil
	case mysql.TypeFloat:
		return arrow.PrimitiveTypes.Float32, nil
	case mysql.TypeDouble:
		return arrow.PrimitiveTypes.Float64, nil
	case mysql.TypeNewDecimal:
		p, s := ft.GetFlen(), ft.GetDecimal()
		if p <= 0 {
			p = 10
		}
		if s < 0 {
			s = 0
		}
		if p > 38 {
			p = 38
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	case mysql.TypeVarchar, mysql.TypeVarString, mysql.TypeString, mysql.TypeBlob, mysql.TypeTinyBlob,
		mysql.TypeMediumBlob, mysql.TypeLongBlob:
		if ft.GetCharset() == charset.CharsetBin {
			return arrow.BinaryTypes.Binary, nil
		}
		return arrow.BinaryTypes.String, nil
	case mysql.TypeDate:
		return arrow.FixedWidthTypes.Date32, nil
	case mysql.TypeDatetime, mysql.TypeTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case mysql.TypeDuration:
		return arrow.FixedWidthTypes.Time64us, nil
	case mysql.TypeJSON:
		return arrow.BinaryTypes.String, nil
	}
	return nil, fmt.Errorf("CAST to %s is not supported", ft.String())
}
