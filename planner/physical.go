package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// pnode is a physical plan node: an operator with its arguments chosen and
// its expressions lowered to column positions. open makes a fresh operator
// each time, so a plan (or a correlated subquery's plan) can run many times.
type pnode struct {
	name     string
	detail   string
	children []*pnode
	layout   []int // column id at each output position
	schema   *arrow.Schema
	open     func(env *executor.Env, kids []executor.Operator) (executor.Operator, error)
	// exprs are the node's expressions (for EXPLAIN of subqueries)
	exprs []expr.Expr
	// variant: the node reads an outer query's current row (so a
	// correlated subquery cannot reuse its output across outer rows)
	variant bool
	// lazyChildren: open builds the children itself (Materialize).
	lazyChildren bool
}

// build opens the operator tree for p. A panic in an operator constructor
// (an unfinished operator, a bug) becomes an error.
func (p *pnode) build(env *executor.Env) (op executor.Operator, err error) {
	kids := make([]executor.Operator, 0, len(p.children))
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.ErrNotSupported, "cannot run %s: %v", p.name, r)
			op = nil
		}
		if err != nil {
			for _, k := range kids {
				k.Close()
			}
		}
	}()
	if !p.lazyChildren {
		for _, c := range p.children {
			k, err := c.build(env)
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		}
	}
	return p.open(env, kids)
}

func (p *pnode) explain(sb *strings.Builder, depth int) {
	sb.WriteString(strings.Repeat("  ", depth))
	sb.WriteString(p.name)
	if p.detail != "" {
		sb.WriteString(" ")
		sb.WriteString(p.detail)
	}
	sb.WriteByte('\n')
	for _, c := range p.children {
		c.explain(sb, depth+1)
	}
}

// slot holds the current value of an outer column while a correlated
// subquery runs.
type slot struct {
	id  int
	val arrow.Array // one-row array, or nil
}

// physBuilder lowers logical plans.
type physBuilder struct {
	b     *binder
	slots map[int]*slot // outer columns visible to the plan being lowered
	subs  []*subqueryRunner
	// usedSlot is set while lowering when an expression reads a slot.
	usedSlot bool
}

func layoutIndex(layout []int) map[int]int {
	m := make(map[int]int, len(layout))
	for i, id := range layout {
		m[id] = i
	}
	return m
}

func (pb *physBuilder) lower(e lexpr, layout []int) (expr.Expr, error) {
	return lowerExprWith(e, layoutIndex(layout), pb.slots, pb)
}

// lowerExpr lowers e over the given column positions (nil: no columns).
func lowerExpr(e lexpr, pos map[int]int, slots map[int]*slot) (expr.Expr, error) {
	return lowerExprWith(e, pos, slots, nil)
}

func lowerExprWith(e lexpr, pos map[int]int, slots map[int]*slot, pb *physBuilder) (expr.Expr, error) {
	switch x := e.(type) {
	case *colRef:
		if i, ok := pos[x.id]; ok {
			return &expr.ColumnRef{Index: i, Name: x.name, T: x.t}, nil
		}
		if s, ok := slots[x.id]; ok {
			if pb != nil {
				pb.usedSlot = true
			}
			return &outerRef{s: s, name: x.name, t: x.t}, nil
		}
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: column %s is not available here", x)
	case *constExpr:
		return &expr.Literal{Value: x.v}, nil
	case *castExpr:
		a, err := lowerExprWith(x.arg, pos, slots, pb)
		if err != nil {
			return nil, err
		}
		return expr.NewCast(a, x.to), nil
	case *callExpr:
		args := make([]expr.Expr, len(x.args))
		for i, a := range x.args {
			l, err := lowerExprWith(a, pos, slots, pb)
			if err != nil {
				return nil, err
			}
			args[i] = l
		}
		return expr.NewCall(x.fn, args), nil
	case *aggExpr:
		return nil, sqlerr.New(sqlerr.ErrInvalidGroupFunc, "Invalid use of group function")
	case *subqExpr:
		if pb == nil {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: subquery in a constant")
		}
		return pb.lowerSubquery(x, pos)
	}
	return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: cannot lower %T", e)
}

func schemaOf(cols []column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.name, Type: c.t, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

func layoutOf(cols []column) []int {
	l := make([]int, len(cols))
	for i, c := range cols {
		l[i] = c.id
	}
	return l
}

func exprStrings(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// plan lowers a logical node to a physical one, noting whether the result
// depends on outer values.
func (pb *physBuilder) plan(n lnode) (*pnode, error) {
	saved := pb.usedSlot
	pb.usedSlot = false
	p, err := pb.plan0(n)
	if p != nil {
		p.variant = pb.usedSlot
	}
	pb.usedSlot = saved || pb.usedSlot
	return p, err
}

func (pb *physBuilder) plan0(n lnode) (*pnode, error) {
	switch x := n.(type) {
	case *lScan:
		req := catalog.ScanRequest{Columns: append([]int{}, x.colIdx...), WithRowAddr: x.rowAddr}
		tbl := x.tbl
		cols := x.cols()
		return &pnode{name: "Scan", detail: strings.TrimPrefix(x.describe(), "Scan "), layout: layoutOf(cols), schema: schemaOf(cols),
			open: func(env *executor.Env, _ []executor.Operator) (executor.Operator, error) {
				r := req
				r.BatchSize = env.BatchSize
				op, err := executor.NewScan(tbl, r)
				if err != nil {
					return nil, err
				}
				return newCoalesce(env, op), nil
			}}, nil
	case *lValues:
		return pb.planValues(x, nil)
	case *lFilter:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		preds := make([]expr.Expr, len(x.conds))
		for i, c := range x.conds {
			if preds[i], err = pb.lower(c, child.layout); err != nil {
				return nil, err
			}
		}
		return &pnode{name: "Filter", detail: strings.Join(strs(preds), " AND "), children: []*pnode{child}, layout: child.layout, schema: child.schema, exprs: preds,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				op := kids[0]
				for _, p := range preds {
					op = executor.NewFilter(env, op, p)
				}
				return op, nil
			}}, nil
	case *lProject:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		exprs := make([]expr.Expr, len(x.exprs))
		names := make([]string, len(x.exprs))
		for i, e := range x.exprs {
			if exprs[i], err = pb.lower(e, child.layout); err != nil {
				return nil, err
			}
			names[i] = x.out[i].name
		}
		strict := x.strict
		return &pnode{name: "Project", detail: exprStrings(exprs), children: []*pnode{child}, layout: layoutOf(x.out), schema: schemaOf(x.out), exprs: exprs,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				if strict {
					env = strictEnv(env)
				}
				return executor.NewProject(env, kids[0], exprs, names), nil
			}}, nil
	case *lAgg:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		groups := make([]expr.Expr, len(x.groups))
		gnames := make([]string, len(x.groups))
		for i, g := range x.groups {
			if groups[i], err = pb.lower(g, child.layout); err != nil {
				return nil, err
			}
			gnames[i] = x.gcols[i].name
		}
		aggs := make([]executor.AggregateCall, len(x.aggs))
		var descr []string
		for i, a := range x.aggs {
			args := make([]expr.Expr, len(a.agg.args))
			for j, arg := range a.agg.args {
				if args[j], err = pb.lower(arg, child.layout); err != nil {
					return nil, err
				}
			}
			aggs[i] = executor.AggregateCall{Fn: a.agg.fn, Args: args, Opts: a.agg.opts, Name: a.col.name}
			d := ""
			if a.agg.distinct {
				d = "DISTINCT "
			}
			descr = append(descr, fmt.Sprintf("%s(%s%s)", a.agg.fn.Name, d, exprStrings(args)))
		}
		cols := x.cols()
		return &pnode{name: "HashAggregate", detail: fmt.Sprintf("group by [%s] aggregates [%s]", exprStrings(groups), strings.Join(descr, ", ")),
			children: []*pnode{child}, layout: layoutOf(cols), schema: schemaOf(cols), exprs: groups,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewHashAggregate(env, kids[0], groups, gnames, aggs), nil
			}}, nil
	case *lJoin:
		return pb.planJoin(x)
	case *lWindow:
		return pb.planWindow(x)
	case *lRecursive:
		return pb.planRecursive(x)
	case *lWorkTable:
		return pb.planWorkTable(x)
	case *lSort:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		keys, err := pb.sortKeys(x.keys, child.layout)
		if err != nil {
			return nil, err
		}
		return &pnode{name: "Sort", detail: sortKeyStrings(keys), children: []*pnode{child}, layout: child.layout, schema: child.schema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewSort(env, kids[0], keys), nil
			}}, nil
	case *lLimit:
		// LIMIT over ORDER BY is a top-N: no full sort.
		if s, ok := x.child.(*lSort); ok && x.count >= 0 {
			child, err := pb.plan(s.child)
			if err != nil {
				return nil, err
			}
			keys, err := pb.sortKeys(s.keys, child.layout)
			if err != nil {
				return nil, err
			}
			off, cnt := x.offset, x.count
			return &pnode{name: "TopN", detail: fmt.Sprintf("%s offset=%d limit=%d", sortKeyStrings(keys), off, cnt), children: []*pnode{child}, layout: child.layout, schema: child.schema,
				open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
					return executor.NewTopN(env, kids[0], keys, off, cnt), nil
				}}, nil
		}
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		off, cnt := x.offset, x.count
		return &pnode{name: "Limit", detail: fmt.Sprintf("offset=%d limit=%d", off, cnt), children: []*pnode{child}, layout: child.layout, schema: child.schema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewLimit(kids[0], off, cnt), nil
			}}, nil
	case *lDistinct:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		return &pnode{name: "Distinct", children: []*pnode{child}, layout: child.layout, schema: child.schema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewDistinct(env, kids[0]), nil
			}}, nil
	case *lSetOp:
		l, err := pb.plan(x.left)
		if err != nil {
			return nil, err
		}
		r, err := pb.plan(x.right)
		if err != nil {
			return nil, err
		}
		kind, all := x.kind, x.all
		schema := schemaOf(x.out)
		return &pnode{name: x.describe(), children: []*pnode{l, r}, layout: layoutOf(x.out), schema: schema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				left := kids[0]
				if !sameNames(left.Schema(), schema) {
					left = renameOp(env, left, schema)
				}
				if kind == executor.Union && all {
					return executor.NewUnionAll(left, kids[1]), nil
				}
				return executor.NewSetOp(env, kind, all, left, kids[1]), nil
			}}, nil
	case *lInsert:
		return pb.planInsert(x)
	case *lDelete:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		idx := layoutIndex(child.layout)[x.rowAddr]
		tbl := x.tbl
		return &pnode{name: "Delete", detail: tbl.Name(), children: []*pnode{child}, schema: dmlSchema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewDelete(strictEnv(env), tbl, kids[0], idx), nil
			}}, nil
	case *lUpdate:
		child, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		pos := layoutIndex(child.layout)
		idx := pos[x.rowAddr]
		newCols := make([]int, len(x.newCols))
		for i, id := range x.newCols {
			newCols[i] = pos[id]
		}
		tbl := x.tbl
		storeCasts(child, tbl.Schema(), newCols)
		return &pnode{name: "Update", detail: tbl.Name(), children: []*pnode{child}, schema: dmlSchema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewUpdate(strictEnv(env), tbl, kids[0], idx, newCols), nil
			}}, nil
	}
	return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: no physical plan for %T", n)
}

var dmlSchema = arrow.NewSchema([]arrow.Field{{Name: "rows_affected", Type: arrow.PrimitiveTypes.Int64}}, nil)

func strs(es []expr.Expr) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

func sameNames(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := 0; i < a.NumFields(); i++ {
		if a.Field(i).Name != b.Field(i).Name {
			return false
		}
	}
	return true
}

// renameOp gives an operator's columns the names of schema.
func renameOp(env *executor.Env, op executor.Operator, schema *arrow.Schema) executor.Operator {
	exprs := make([]expr.Expr, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		exprs[i] = &expr.ColumnRef{Index: i, Name: f.Name, T: op.Schema().Field(i).Type}
		names[i] = f.Name
	}
	return executor.NewProject(env, op, exprs, names)
}

func (pb *physBuilder) sortKeys(keys []sortKey, layout []int) ([]executor.SortKey, error) {
	out := make([]executor.SortKey, len(keys))
	for i, k := range keys {
		e, err := pb.lower(k.e, layout)
		if err != nil {
			return nil, err
		}
		// MySQL orders NULLs first ascending and last descending.
		out[i] = executor.SortKey{Expr: e, Desc: k.desc, NullsFirst: !k.desc}
	}
	return out, nil
}

func sortKeyStrings(keys []executor.SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Expr.String()
		if k.Desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

// planJoin picks a hash join when the condition has equalities between
// the two sides, else a nested-loop join.
func (pb *physBuilder) planJoin(x *lJoin) (*pnode, error) {
	l, err := pb.plan(x.left)
	if err != nil {
		return nil, err
	}
	r, err := pb.plan(x.right)
	if err != nil {
		return nil, err
	}
	lids, rids := map[int]bool{}, map[int]bool{}
	for _, id := range l.layout {
		lids[id] = true
	}
	for _, id := range r.layout {
		rids[id] = true
	}
	both := append(append([]int{}, l.layout...), r.layout...)
	all := map[int]bool{}
	for _, id := range both {
		all[id] = true
	}
	var lkeys, rkeys, residual []expr.Expr
	var keyText []string
	for _, c := range x.conds {
		if call, ok := c.(*callExpr); ok && isEquality(c) && !hasSubquery(c) && !isVolatile(c) {
			a, b := call.args[0], call.args[1]
			ua, ub := localCols(a, all), localCols(b, all)
			if len(ua) > 0 && len(ub) > 0 {
				if subset(ub, lids) && subset(ua, rids) {
					a, b, ua, ub = b, a, ub, ua
				}
				if subset(ua, lids) && subset(ub, rids) {
					le, err := pb.lower(a, l.layout)
					if err != nil {
						return nil, err
					}
					re, err := pb.lower(b, r.layout)
					if err != nil {
						return nil, err
					}
					lkeys, rkeys = append(lkeys, le), append(rkeys, re)
					keyText = append(keyText, le.String()+" = "+re.String())
					continue
				}
			}
		}
		e, err := pb.lower(c, both)
		if err != nil {
			return nil, err
		}
		residual = append(residual, e)
	}
	kind := x.kind
	var layout []int
	if kind == executor.SemiJoin || kind == executor.AntiJoin || kind == executor.NullAwareAntiJoin {
		layout = l.layout
	} else {
		layout = both
	}
	fields := append([]arrow.Field{}, l.schema.Fields()...)
	if len(layout) > len(l.layout) {
		fields = append(fields, r.schema.Fields()...)
	}
	schema := arrow.NewSchema(fields, nil)
	cond, err := pb.conjunction(residual)
	if err != nil {
		return nil, err
	}
	condText := ""
	if cond != nil {
		condText = " residual " + cond.String()
	}
	if len(lkeys) > 0 {
		if kind == executor.CrossJoin {
			kind = executor.InnerJoin
		}
		return &pnode{name: "HashJoin", detail: fmt.Sprintf("%s on %s%s", joinKindName(kind), strings.Join(keyText, " AND "), condText),
			children: []*pnode{l, r}, layout: layout, schema: schema,
			open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
				return executor.NewHashJoin(env, kids[0], kids[1], kind, lkeys, rkeys, cond), nil
			}}, nil
	}
	if cond == nil && kind == executor.InnerJoin {
		kind = executor.CrossJoin
	}
	return &pnode{name: "NestedLoopJoin", detail: joinKindName(kind) + condText, children: []*pnode{l, r}, layout: layout, schema: schema,
		open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
			return executor.NewNestedLoopJoin(env, kids[0], kids[1], kind, cond), nil
		}}, nil
}

func (pb *physBuilder) planInsert(x *lInsert) (*pnode, error) {
	tbl := x.tbl
	var child *pnode
	if v, ok := x.child.(*lValues); ok {
		// literal rows are built directly in the table's schema (types and
		// NOT NULL), cast with strict mode
		c, err := pb.planValues(v, x.tbl.Schema())
		if err != nil {
			return nil, err
		}
		child = c
	} else {
		c, err := pb.plan(x.child)
		if err != nil {
			return nil, err
		}
		child = c
		storeCasts(child, x.tbl.Schema(), nil)
	}
	return &pnode{name: "Insert", detail: tbl.Name(), children: []*pnode{child}, schema: dmlSchema,
		open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
			return executor.NewInsert(env, tbl, kids[0]), nil
		}}, nil
}

// conjunction ANDs physical predicates together.
func (pb *physBuilder) conjunction(es []expr.Expr) (expr.Expr, error) {
	if len(es) == 0 {
		return nil, nil
	}
	out := es[0]
	for _, e := range es[1:] {
		fn, err := pb.b.reg.ResolveScalar("and", []arrow.DataType{out.Type(), e.Type()})
		if err != nil {
			return nil, err
		}
		out = expr.NewCall(fn, []expr.Expr{out, e})
	}
	return out, nil
}

// planValues evaluates literal rows when the plan is opened.
func (pb *physBuilder) planValues(x *lValues, schema *arrow.Schema) (*pnode, error) {
	rows := make([][]expr.Expr, len(x.rows))
	for i, r := range x.rows {
		rows[i] = make([]expr.Expr, len(r))
		for j, e := range r {
			l, err := pb.lower(e, nil)
			if err != nil {
				return nil, err
			}
			rows[i][j] = l
		}
	}
	forTable := schema != nil // rows for a table's columns: MySQL's column errors
	if schema == nil {
		schema = schemaOf(x.out)
	}
	return &pnode{name: "Values", detail: fmt.Sprintf("%d rows", len(rows)), layout: layoutOf(x.out), schema: schema,
		open: func(env *executor.Env, _ []executor.Operator) (executor.Operator, error) {
			if x.strict {
				env = strictEnv(env)
			}
			b, err := evalRows(env.Eval, schema, rows, forTable)
			if err != nil {
				return nil, err
			}
			return executor.NewValues(schema, []arrow.RecordBatch{b}), nil
		}}, nil
}

// evalRows evaluates row expressions into one batch with schema's types.
func evalRows(ec *functions.EvalContext, schema *arrow.Schema, rows [][]expr.Expr, forTable bool) (arrow.RecordBatch, error) {
	mem := ec.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	ncol := schema.NumFields()
	if ncol == 0 {
		return array.NewRecordBatch(schema, nil, int64(len(rows))), nil
	}
	if len(rows) == 0 {
		cols := make([]arrow.Array, ncol)
		for j, f := range schema.Fields() {
			cols[j] = array.MakeArrayOfNull(mem, f.Type, 0)
		}
		b := array.NewRecordBatch(schema, cols, 0)
		for _, c := range cols {
			c.Release()
		}
		return b, nil
	}
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	parts := make([][]arrow.Array, ncol)
	defer func() {
		for _, p := range parts {
			for _, a := range p {
				a.Release()
			}
		}
	}()
	for ri, r := range rows {
		for j := 0; j < ncol; j++ {
			if forTable {
				v, err := r[j].Eval(ec, one)
				if err != nil {
					return nil, withRow(err, ri+1)
				}
				a, err := functions.CastForColumn(ec, v, columnTarget(schema.Field(j)), ri+1)
				v.Release()
				if err != nil {
					return nil, err
				}
				parts[j] = append(parts[j], a)
				continue
			}
			a, err := expr.NewCast(r[j], schema.Field(j).Type).Eval(ec, one)
			if err != nil {
				return nil, withRow(err, ri+1)
			}
			parts[j] = append(parts[j], a)
		}
	}
	cols := make([]arrow.Array, ncol)
	for j := range cols {
		c, err := array.Concatenate(parts[j], mem)
		if err != nil {
			for _, done := range cols[:j] {
				done.Release()
			}
			return nil, err
		}
		cols[j] = c
		// (An AUTO_INCREMENT column's NULLs are numbered when inserted.)
		if f := schema.Field(j); !f.Nullable && c.NullN() > 0 && !catalog.IsAutoIncrement(f) {
			for _, done := range cols[:j+1] {
				done.Release()
			}
			return nil, sqlerr.New(sqlerr.ErrBadNull, "Column '%s' cannot be null", f.Name)
		}
	}
	b := array.NewRecordBatch(schema, cols, int64(len(rows)))
	for _, c := range cols {
		c.Release()
	}
	return b, nil
}

func withRow(err error, row int) error {
	e := sqlerr.Wrap(err)
	if e.Code == sqlerr.ErrTruncatedValue || e.Code == sqlerr.ErrDataOutOfRange || e.Code == sqlerr.ErrBadNull {
		if !strings.Contains(e.Msg, " at row ") {
			c := *e
			c.Msg = fmt.Sprintf("%s at row %d", e.Msg, row)
			return &c
		}
	}
	return e
}

// strictEnv is env with MySQL's strict mode on, for values written by DML.
func strictEnv(env *executor.Env) *executor.Env {
	e := *env
	ec := functions.EvalContext{}
	if env.Eval != nil {
		ec = *env.Eval
	}
	ec.Strict = true
	e.Eval = &ec
	return &e
}

// columnTarget describes a table column for functions.CastForColumn.
func columnTarget(f arrow.Field) functions.ColumnTarget {
	_, isJSON := f.Metadata.GetValue(catalog.MetaJSON)
	return functions.ColumnTarget{Name: f.Name, Type: f.Type, JSON: isJSON}
}

// storeCasts makes the values a DML Project computes for a table's columns
// convert as writes do (expr.StoreCast: MySQL's column errors, JSON
// normalized). cols[i] is the Project output feeding table column i (nil:
// output i feeds column i). The Project's operator reads the same exprs
// slice, so replacing its elements takes effect.
func storeCasts(p *pnode, schema *arrow.Schema, cols []int) {
	if p.name != "Project" {
		return
	}
	for i, f := range schema.Fields() {
		k := i
		if cols != nil {
			if i >= len(cols) {
				return
			}
			k = cols[i]
		}
		if k < 0 || k >= len(p.exprs) || !arrow.TypeEqual(p.exprs[k].Type(), f.Type) {
			continue
		}
		arg := p.exprs[k]
		if _, ok := arg.(*expr.ColumnRef); ok && cols != nil {
			continue // UPDATE keeps this column's stored value
		}
		if c, ok := arg.(*expr.Cast); ok {
			arg = c.Arg // StoreCast converts, with the column's errors
		}
		p.exprs[k] = &expr.StoreCast{Arg: arg, Col: columnTarget(f)}
	}
}
