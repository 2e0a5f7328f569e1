package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// MySQL's window error numbers.
const (
	errWindowNoSuchName   = 3579 // ER_WINDOW_NO_SUCH_WINDOW
	errWindowFrameStart   = 3584 // ER_WINDOW_FRAME_START_ILLEGAL
	errWindowFrameEnd     = 3585 // ER_WINDOW_FRAME_END_ILLEGAL
	errWindowFrameIllegal = 3586 // ER_WINDOW_FRAME_ILLEGAL
	errWindowRangeOrder   = 3587 // ER_WINDOW_RANGE_FRAME_ORDER_TYPE
	errWindowCircular     = 3580 // ER_WINDOW_CIRCULARITY_IN_WINDOW_GRAPH
	errWindowDupName      = 3591 // ER_WINDOW_DUPLICATE_NAME
	errWindowInvalidUse   = 3593 // ER_WINDOW_INVALID_WINDOW_FUNC_USE
	errWindowAliasUse     = 3594 // ER_WINDOW_INVALID_WINDOW_FUNC_ALIAS_USE
	errWindowNoRedefOrder = 3582 // ER_WINDOW_NO_REDEFINE_ORDER_BY
	errWindowNoChildPart  = 3581 // ER_WINDOW_NO_CHILD_PARTITIONING
	errWindowFrameInherit = 3592 // ER_WINDOW_NO_INHERIT_FRAME
)

// winExpr is a window function call. Like aggExpr it lives only between
// binding and the creation of the Window node, which replaces it by a
// column reference.
type winExpr struct {
	kind      executor.WindowFuncKind
	name      string
	args      []lexpr
	agg       *functions.BoundAggregate
	n         int64
	partition []lexpr
	order     []sortKey
	frame     executor.WindowFrame
	t         arrow.DataType
}

func (w *winExpr) Type() arrow.DataType { return w.t }
func (w *winExpr) String() string {
	s := w.name + "(" + joinExprs(w.args, ", ")
	if w.kind == executor.WinNtile || w.kind == executor.WinNthValue || ((w.kind == executor.WinLag || w.kind == executor.WinLead) && len(w.args) > 0) {
		s += fmt.Sprintf(" n=%d", w.n)
	}
	return s + ") OVER (" + w.specString() + " " + w.frame.String() + ")"
}

// specString identifies the window's partitioning and ordering: calls with
// the same one share a Window node (one sort).
func (w *winExpr) specString() string {
	var parts []string
	if len(w.partition) > 0 {
		parts = append(parts, "PARTITION BY "+joinExprs(w.partition, ", "))
	}
	if len(w.order) > 0 {
		parts = append(parts, "ORDER BY "+sortKeysString(w.order))
	}
	return strings.Join(parts, " ")
}

var rankingFuncs = map[string]executor.WindowFuncKind{
	ast.WindowFuncRowNumber:   executor.WinRowNumber,
	ast.WindowFuncRank:        executor.WinRank,
	ast.WindowFuncDenseRank:   executor.WinDenseRank,
	ast.WindowFuncPercentRank: executor.WinPercentRank,
	ast.WindowFuncCumeDist:    executor.WinCumeDist,
}

// notWindowAggregates are the aggregates MySQL does not run over windows.
var notWindowAggregates = map[string]bool{"group_concat": true}

func windowName(spec *ast.WindowSpec) string {
	if spec.Name.O != "" {
		return spec.Name.O
	}
	return "<unnamed window>"
}

// bindWindowFunc binds f(args) OVER (spec), allowed only in the select list
// and ORDER BY, as in MySQL.
func (b *binder) bindWindowFunc(x *ast.WindowFuncExpr, sc *scope, ec exprCtx) (lexpr, error) {
	name := strings.ToLower(x.Name)
	if (ec.clause != inFieldList && ec.clause != inOrder) || ec.inAgg {
		return nil, b.errAt(x, errWindowInvalidUse, "You cannot use the window function '%s' in this context.'", name)
	}
	if x.IgnoreNull || x.FromLast {
		return nil, b.errAt(x, sqlerr.ErrNotSupported, "This version of MySQL doesn't yet support 'IGNORE NULLS' or 'FROM LAST' in %s", name)
	}
	if x.Distinct {
		return nil, b.errAt(x, sqlerr.ErrNotSupported, "This version of MySQL doesn't yet support '<window function>(DISTINCT ..)'")
	}
	inner := exprCtx{clause: ec.clause, allowAgg: ec.allowAgg}
	w := &winExpr{name: name}
	for _, a := range x.Args {
		e, err := b.bindExpr(a, sc, inner)
		if err != nil {
			return nil, err
		}
		w.args = append(w.args, e)
	}
	spec := &x.Spec
	for _, p := range specPartition(spec) {
		if _, ok := p.Expr.(*ast.PositionExpr); ok {
			continue // a window's BY 1 is the constant 1, not a column position
		}
		e, err := b.bindExpr(p.Expr, sc, inner)
		if err != nil {
			return nil, err
		}
		if !isConstant(e) {
			w.partition = append(w.partition, e)
		}
	}
	for _, o := range specOrder(spec) {
		if _, ok := o.Expr.(*ast.PositionExpr); ok {
			continue
		}
		e, err := b.bindExpr(o.Expr, sc, inner)
		if err != nil {
			return nil, err
		}
		if !isConstant(e) {
			w.order = append(w.order, sortKey{e: e, desc: o.Desc})
		}
	}
	for _, e := range append(append([]lexpr(nil), w.args...), w.partition...) {
		if hasWindow(e) {
			return nil, b.errAt(x, errWindowInvalidUse, "You cannot use the window function '%s' in this context.'", name)
		}
	}
	for _, k := range w.order {
		if hasWindow(k.e) {
			return nil, b.errAt(x, errWindowInvalidUse, "You cannot use the window function '%s' in this context.'", name)
		}
	}
	hasOrder := len(specOrder(spec)) > 0
	if err := b.bindFuncKind(x, w); err != nil {
		return nil, err
	}
	frame, err := b.bindFrame(spec, hasOrder, w.order)
	if err != nil {
		return nil, err
	}
	w.frame = frame
	return w, nil
}

// hasWindow reports whether e contains a window function call.
func hasWindow(e lexpr) bool {
	found := false
	walkExpr(e, func(x lexpr) {
		if _, ok := x.(*winExpr); ok {
			found = true
		}
	})
	return found
}

func specPartition(s *ast.WindowSpec) []*ast.ByItem {
	if s.PartitionBy == nil {
		return nil
	}
	return s.PartitionBy.Items
}

func specOrder(s *ast.WindowSpec) []*ast.ByItem {
	if s.OrderBy == nil {
		return nil
	}
	return s.OrderBy.Items
}

// bindFuncKind checks the arguments of each function and sets its kind and
// result type.
func (b *binder) bindFuncKind(x *ast.WindowFuncExpr, w *winExpr) error {
	name := w.name
	wrongArgs := func() error {
		return b.errAt(x, sqlerr.ErrWrongArguments, "Incorrect arguments to %s", name)
	}
	argCount := func(lo, hi int) error {
		if len(w.args) < lo || len(w.args) > hi {
			return b.errAt(x, sqlerr.ErrWrongParamCount, "Incorrect parameter count in the call to native function '%s'", name)
		}
		return nil
	}
	if k, ok := rankingFuncs[name]; ok {
		if err := argCount(0, 0); err != nil {
			return err
		}
		w.kind, w.t = k, arrow.PrimitiveTypes.Int64
		if k == executor.WinPercentRank || k == executor.WinCumeDist {
			w.t = arrow.PrimitiveTypes.Float64
		}
		return nil
	}
	switch name {
	case ast.WindowFuncNtile:
		if err := argCount(1, 1); err != nil {
			return err
		}
		n, ok := constInt(w.args[0])
		if !ok || n <= 0 {
			return wrongArgs()
		}
		w.kind, w.n, w.t, w.args = executor.WinNtile, n, arrow.PrimitiveTypes.Int64, nil
		return nil
	case ast.WindowFuncLag, ast.WindowFuncLead:
		if err := argCount(1, 3); err != nil {
			return err
		}
		w.kind, w.n = executor.WinLag, 1
		if name == ast.WindowFuncLead {
			w.kind = executor.WinLead
		}
		if len(w.args) > 1 {
			n, ok := constInt(w.args[1])
			if !ok || n < 0 {
				return wrongArgs()
			}
			w.n = n
		}
		w.t = w.args[0].Type()
		args := []lexpr{w.args[0]}
		if len(w.args) == 3 {
			t, err := functions.UnionType(w.args[0].Type(), w.args[2].Type())
			if err != nil {
				return b.withPos(err, x)
			}
			w.t = t
			args = []lexpr{b.cast(w.args[0], t), b.cast(w.args[2], t)}
		}
		w.args = args
		return nil
	case ast.WindowFuncFirstValue, ast.WindowFuncLastValue:
		if err := argCount(1, 1); err != nil {
			return err
		}
		w.kind, w.t = executor.WinFirstValue, w.args[0].Type()
		if name == ast.WindowFuncLastValue {
			w.kind = executor.WinLastValue
		}
		return nil
	case ast.WindowFuncNthValue:
		if err := argCount(2, 2); err != nil {
			return err
		}
		n, ok := constInt(w.args[1])
		if !ok || n <= 0 {
			return wrongArgs()
		}
		w.kind, w.n, w.t, w.args = executor.WinNthValue, n, w.args[0].Type(), w.args[:1]
		return nil
	}
	if !functions.IsAggregate(b.reg, name) {
		return b.errAt(x, sqlerr.ErrNoSuchFunction, "FUNCTION %s does not exist", name)
	}
	if notWindowAggregates[name] {
		// MySQL's grammar has no OVER after these: a syntax error there
		return b.errAt(x, sqlerr.ErrParse, "You have an error in your SQL syntax: %s cannot be used as a window function", strings.ToUpper(name))
	}
	types := make([]arrow.DataType, len(w.args))
	for i, a := range w.args {
		types[i] = a.Type()
	}
	fn, err := b.reg.ResolveAggregate(name, types, false)
	if err != nil {
		return b.withPos(err, x)
	}
	for i := range w.args {
		if i < len(fn.ArgTypes) && fn.ArgTypes[i] != nil {
			w.args[i] = b.cast(w.args[i], fn.ArgTypes[i])
		}
	}
	w.kind, w.agg, w.t = executor.WinAggregate, fn, fn.ReturnType
	return nil
}

// bindFrame binds the frame clause, or MySQL's default: with ORDER BY,
// RANGE from UNBOUNDED PRECEDING to CURRENT ROW (so peers are included);
// without, the whole partition.
func (b *binder) bindFrame(spec *ast.WindowSpec, hasOrder bool, order []sortKey) (executor.WindowFrame, error) {
	f := executor.WindowFrame{Unit: executor.FrameRange,
		Start: executor.FrameBound{Kind: executor.UnboundedPreceding},
		End:   executor.FrameBound{Kind: executor.UnboundedFollowing}}
	if spec.Frame == nil {
		if hasOrder {
			f.End.Kind = executor.CurrentRow
		}
		return f, nil
	}
	fc := spec.Frame
	wname := windowName(spec)
	switch fc.Type {
	case ast.Rows:
		f.Unit = executor.FrameRows
	case ast.Ranges:
		f.Unit = executor.FrameRange
	default:
		return f, b.errAt(fc, sqlerr.ErrNotSupported, "GROUPS frames are not supported")
	}
	var err error
	if f.Start, err = b.bindBound(&fc.Extent.Start, f.Unit, wname); err != nil {
		return f, err
	}
	if f.End, err = b.bindBound(&fc.Extent.End, f.Unit, wname); err != nil {
		return f, err
	}
	if f.Start.Kind == executor.UnboundedFollowing {
		return f, b.errAt(fc, errWindowFrameStart, "Window '%s': frame start cannot be UNBOUNDED FOLLOWING.", wname)
	}
	if f.End.Kind == executor.UnboundedPreceding {
		return f, b.errAt(fc, errWindowFrameEnd, "Window '%s': frame end cannot be UNBOUNDED PRECEDING.", wname)
	}
	if f.Unit == executor.FrameRange && (isOffsetBound(f.Start) || isOffsetBound(f.End)) {
		interval := f.Start.Interval != nil || f.End.Interval != nil
		if len(order) != 1 || (!interval && !functions.IsNumeric(order[0].e.Type())) || (interval && !functions.IsTemporal(order[0].e.Type())) {
			return f, b.errAt(fc, errWindowRangeOrder, "Window '%s' with RANGE N PRECEDING/FOLLOWING frame requires exactly one ORDER BY expression, of numeric or temporal type", wname)
		}
	}
	return f, nil
}

func isOffsetBound(fb executor.FrameBound) bool {
	return fb.Kind == executor.OffsetPreceding || fb.Kind == executor.OffsetFollowing
}

func (b *binder) bindBound(fb *ast.FrameBound, unit executor.FrameUnit, wname string) (executor.FrameBound, error) {
	var out executor.FrameBound
	switch {
	case fb.Type == ast.CurrentRow:
		out.Kind = executor.CurrentRow
		return out, nil
	case fb.UnBounded && fb.Type == ast.Preceding:
		out.Kind = executor.UnboundedPreceding
		return out, nil
	case fb.UnBounded:
		out.Kind = executor.UnboundedFollowing
		return out, nil
	}
	out.Kind = executor.OffsetPreceding
	if fb.Type == ast.Following {
		out.Kind = executor.OffsetFollowing
	}
	illegal := func() error {
		return b.errAt(fb.Expr, errWindowFrameIllegal, "Window '%s': frame start or end is negative, NULL or of non-integral type", wname)
	}
	e, err := b.bindExpr(fb.Expr, &scope{}, exprCtx{clause: "window frame"})
	if err != nil {
		return out, err
	}
	c, ok := e.(*constExpr)
	if !ok || !c.v.IsValid() {
		return out, illegal()
	}
	if fb.Unit != ast.TimeUnitInvalid {
		if unit == executor.FrameRows {
			return out, illegal()
		}
		text := strings.Trim(c.String(), "'")
		iv, err := functions.ParseInterval(text, fb.Unit.String())
		if err != nil || iv.Months < 0 || iv.Micros < 0 {
			return out, illegal()
		}
		out.Interval, out.IntervalText = &iv, text+" "+fb.Unit.String()
		return out, nil
	}
	if unit == executor.FrameRows {
		n, ok := constInt(e)
		if !ok || n < 0 {
			return out, illegal()
		}
		out.N = n
		return out, nil
	}
	v, ok := scalarFloat(c.v)
	if !ok || v < 0 {
		return out, illegal()
	}
	out.V = v
	return out, nil
}

func scalarFloat(s scalar.Scalar) (float64, bool) {
	switch v := s.(type) {
	case *scalar.Int64:
		return float64(v.Value), true
	case *scalar.Uint64:
		return float64(v.Value), true
	case *scalar.Float64:
		return v.Value, true
	case *scalar.Decimal128:
		return v.Value.ToFloat64(v.Type.(*arrow.Decimal128Type).Scale), true
	}
	return 0, false
}
