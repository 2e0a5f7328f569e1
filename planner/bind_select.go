package planner

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/sqlerr"
)

// bindResultSet binds a query (SELECT or set operation) in scope sc, whose
// parent (if any) is the enclosing query for correlated names.
func (b *binder) bindResultSet(q ast.ResultSetNode, sc *scope) (lnode, error) {
	switch x := q.(type) {
	case *ast.SelectStmt:
		return b.bindSelect(x, sc)
	case *ast.SetOprStmt:
		if x.With != nil {
			pop, err := b.pushWith(x.With)
			if err != nil {
				return nil, err
			}
			defer pop()
		}
		n, err := b.bindSetOprList(x.SelectList, sc)
		if err != nil {
			return nil, err
		}
		return b.bindSetOrderLimit(n, x.OrderBy, x.Limit, sc)
	}
	return nil, b.errAt(q, sqlerr.ErrNotSupported, "query %T is not supported", q)
}

type field struct {
	e    lexpr
	name string
}

func (b *binder) bindSelect(sel *ast.SelectStmt, sc *scope) (lnode, error) {
	if sel.With != nil {
		pop, err := b.pushWith(sel.With)
		if err != nil {
			return nil, err
		}
		defer pop()
	}
	if sel.Kind != ast.SelectStmtKindSelect {
		return nil, b.errAt(sel, sqlerr.ErrNotSupported, "%s statements are not supported yet", sel.Kind.String())
	}
	if err := b.resolveWindowNames(sel); err != nil {
		return nil, err
	}
	var plan lnode
	if sel.From == nil || sel.From.TableRefs == nil {
		plan = &lValues{rows: [][]lexpr{{}}}
	} else {
		p, cols, err := b.bindFrom(sel.From.TableRefs, sc)
		if err != nil {
			return nil, err
		}
		plan, sc.cols = p, cols
	}
	if sel.Where != nil {
		w, err := b.bindExpr(sel.Where, sc, exprCtx{clause: inWhere})
		if err != nil {
			return nil, err
		}
		if w, err = b.toPredicate(w, sel.Where); err != nil {
			return nil, err
		}
		plan = &lFilter{child: plan, conds: splitAnd(w, nil)}
	}

	// Select list.
	var fields []field
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			tbl := f.WildCard.Table.O
			n := 0
			for _, c := range sc.cols {
				if c.hidden || (tbl == "" && c.noUnqualified) {
					continue
				}
				if tbl != "" && !strings.EqualFold(c.table, tbl) {
					continue
				}
				fields = append(fields, field{e: c.ref(), name: c.name})
				n++
			}
			if tbl != "" && n == 0 {
				return nil, b.errAtWord(tbl, sqlerr.ErrBadTable, "Unknown table '%s'", tbl)
			}
			if tbl == "" && sel.From == nil {
				return nil, b.errAt(sel, 1096, "No tables used")
			}
			continue
		}
		e, err := b.bindExpr(f.Expr, sc, exprCtx{clause: inFieldList, allowAgg: true})
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{e: e, name: fieldName(f)})
	}
	for _, f := range fields {
		sc.aliases = append(sc.aliases, alias{name: f.name, e: f.e})
	}

	// GROUP BY: FROM columns first, then select-list names (MySQL's order).
	var groups []lexpr
	if sel.GroupBy != nil {
		if sel.GroupBy.Rollup {
			return nil, b.errAt(sel, sqlerr.ErrNotSupported, "WITH ROLLUP is not supported yet")
		}
		for _, it := range sel.GroupBy.Items {
			var g lexpr
			if p, ok := it.Expr.(*ast.PositionExpr); ok {
				i, err := b.position(p, len(fields), "group statement")
				if err != nil {
					return nil, err
				}
				g = fields[i].e
			} else {
				e, err := b.bindExpr(it.Expr, sc, exprCtx{clause: inGroup, allowAgg: true})
				if err != nil {
					return nil, err
				}
				g = e
			}
			if hasAgg(g) {
				return nil, b.errAt(it.Expr, 1056, "Can't group on '%s'", g)
			}
			groups = append(groups, g)
		}
	}
	var having lexpr
	if sel.Having != nil {
		h, err := b.bindExpr(sel.Having.Expr, sc, exprCtx{clause: inHaving, allowAgg: true})
		if err != nil {
			return nil, err
		}
		if h, err = b.toPredicate(h, sel.Having.Expr); err != nil {
			return nil, err
		}
		having = h
	}
	// ORDER BY: select-list names first.
	type orderItem struct {
		e     lexpr
		field int // index into fields, or -1
		desc  bool
	}
	var order []orderItem
	if sel.OrderBy != nil {
		sc.preferAlias = true
		for _, it := range sel.OrderBy.Items {
			oi := orderItem{field: -1, desc: it.Desc}
			if p, ok := it.Expr.(*ast.PositionExpr); ok {
				i, err := b.position(p, len(fields), "order clause")
				if err != nil {
					sc.preferAlias = false
					return nil, err
				}
				oi.field = i
			} else {
				e, err := b.bindExpr(it.Expr, sc, exprCtx{clause: inOrder, allowAgg: true})
				if err != nil {
					sc.preferAlias = false
					return nil, err
				}
				oi.e = e
				for i, f := range fields {
					if f.e == e || f.e.String() == e.String() {
						oi.field = i
						break
					}
				}
				if isConstant(e) && oi.field < 0 {
					continue // ORDER BY a constant orders nothing
				}
			}
			order = append(order, oi)
		}
		sc.preferAlias = false
	}

	// Window functions become columns of Window nodes placed after grouping.
	if err := b.checkWindowAliases(sel, sc, groups, having); err != nil {
		return nil, err
	}
	wins := &windowSet{}
	for i := range fields {
		fields[i].e = wins.extract(b, fields[i].e)
	}
	for i := range order {
		order[i].e = wins.extract(b, order[i].e)
	}

	// Aggregation.
	aggregated := len(groups) > 0 || having != nil && hasAgg(having)
	for _, f := range fields {
		aggregated = aggregated || hasAgg(f.e)
	}
	for _, e := range wins.inner() {
		aggregated = aggregated || hasAgg(e)
	}
	for _, o := range order {
		aggregated = aggregated || (o.e != nil && hasAgg(o.e))
	}
	if aggregated {
		agg := b.newAgg(plan, groups, sc)
		for _, f := range fields {
			agg.collect(f.e)
		}
		if having != nil {
			agg.collect(having)
		}
		for _, e := range wins.inner() {
			agg.collect(e)
		}
		for _, o := range order {
			if o.e != nil {
				agg.collect(o.e)
			}
		}
		plan = agg.node
		for i := range fields {
			e, err := agg.rewrite(fields[i].e)
			if err != nil {
				return nil, b.groupError(sel, err, "SELECT list", i, groups)
			}
			fields[i].e = e
		}
		if err := wins.rewrite(agg.rewrite); err != nil {
			return nil, b.groupError(sel, err, "SELECT list", 0, groups)
		}
		if having != nil {
			e, err := agg.rewrite(having)
			if err != nil {
				return nil, b.groupError(sel, err, "HAVING clause", 0, groups)
			}
			having = e
		}
		for i := range order {
			if order[i].e != nil && order[i].field < 0 {
				e, err := agg.rewrite(order[i].e)
				if err != nil {
					return nil, b.groupError(sel, err, "ORDER BY clause", i, groups)
				}
				order[i].e = e
			}
		}
	}
	if having != nil {
		plan = &lFilter{child: plan, conds: splitAnd(having, nil)}
	}
	plan = wins.build(plan)

	// Projection, with hidden columns for ORDER BY expressions not selected.
	proj := &lProject{child: plan}
	for _, f := range fields {
		proj.exprs = append(proj.exprs, f.e)
		proj.out = append(proj.out, b.newCol(f.name, "", f.e.Type()))
	}
	nvisible := len(fields)
	var keys []sortKey
	for _, o := range order {
		idx := o.field
		if idx < 0 {
			if sel.Distinct {
				return nil, b.errAt(sel.OrderBy, sqlerr.ErrNotSupported, "Expression of ORDER BY clause is not in SELECT list; this is incompatible with DISTINCT")
			}
			idx = len(proj.exprs)
			proj.exprs = append(proj.exprs, o.e)
			proj.out = append(proj.out, b.newCol("__order", "", o.e.Type()))
		}
		keys = append(keys, sortKey{e: proj.out[idx].ref(), desc: o.desc})
	}
	plan = proj
	if sel.Distinct {
		plan = &lDistinct{child: plan}
	}
	if len(keys) > 0 {
		plan = &lSort{child: plan, keys: keys}
	}
	if sel.Limit != nil {
		l, err := b.bindLimit(sel.Limit, plan)
		if err != nil {
			return nil, err
		}
		plan = l
	}
	if len(proj.out) > nvisible {
		trim := &lProject{child: plan}
		for _, c := range proj.out[:nvisible] {
			trim.exprs = append(trim.exprs, c.ref())
			trim.out = append(trim.out, b.newCol(c.name, "", c.t))
		}
		plan = trim
	}
	return plan, nil
}

func isConstant(e lexpr) bool { _, ok := e.(*constExpr); return ok }

func hasAgg(e lexpr) bool {
	found := false
	walkExpr(e, func(x lexpr) {
		if _, ok := x.(*aggExpr); ok {
			found = true
		}
	})
	return found
}

// position checks an ordinal (ORDER BY 2) against the select list.
func (b *binder) position(p *ast.PositionExpr, n int, clause string) (int, error) {
	i := p.N
	if p.P != nil {
		e, err := b.bindExpr(p.P, &scope{}, exprCtx{clause: clause})
		if err != nil {
			return 0, err
		}
		v, ok := constInt(e)
		if !ok {
			return 0, b.errAt(p, sqlerr.ErrWrongArguments, "position must be an integer")
		}
		i = int(v)
	}
	if i < 1 || i > n {
		return 0, b.errAt(p, sqlerr.ErrBadField, "Unknown column '%d' in '%s'", i, clause)
	}
	return i - 1, nil
}

func constInt(e lexpr) (int64, bool) {
	c, ok := e.(*constExpr)
	if !ok || !c.v.IsValid() {
		return 0, false
	}
	switch v := c.v.(type) {
	case *scalar.Int64:
		return v.Value, true
	case *scalar.Uint64:
		return int64(v.Value), true
	case *scalar.Int32:
		return int64(v.Value), true
	}
	return 0, false
}

func (b *binder) bindLimit(l *ast.Limit, child lnode) (lnode, error) {
	out := &lLimit{child: child, count: -1}
	if l.Count != nil {
		e, err := b.bindExpr(l.Count, &scope{}, exprCtx{clause: "limit"})
		if err != nil {
			return nil, err
		}
		v, ok := constInt(e)
		if !ok || v < 0 {
			return nil, b.errAt(l.Count, sqlerr.ErrWrongArguments, "Incorrect arguments to LIMIT")
		}
		out.count = v
	}
	if l.Offset != nil {
		e, err := b.bindExpr(l.Offset, &scope{}, exprCtx{clause: "limit"})
		if err != nil {
			return nil, err
		}
		v, ok := constInt(e)
		if !ok || v < 0 {
			return nil, b.errAt(l.Offset, sqlerr.ErrWrongArguments, "Incorrect arguments to LIMIT")
		}
		out.offset = v
	}
	return out, nil
}

// fieldName is MySQL's name for a select-list column.
func fieldName(f *ast.SelectField) string {
	if f.AsName.O != "" {
		return f.AsName.O
	}
	if c, ok := f.Expr.(*ast.ColumnNameExpr); ok {
		return c.Name.Name.O
	}
	if t := strings.TrimSpace(f.Text()); t != "" {
		return t
	}
	var sb strings.Builder
	if err := f.Expr.Restore(newRestoreCtx(&sb)); err == nil {
		return sb.String()
	}
	return "?"
}

// bindFrom binds a FROM clause item, returning its plan and visible columns.
func (b *binder) bindFrom(n ast.ResultSetNode, sc *scope) (lnode, []column, error) {
	switch x := n.(type) {
	case *ast.Join:
		return b.bindJoin(x, sc)
	case *ast.TableSource:
		alias := x.AsName.O
		switch src := x.Source.(type) {
		case *ast.TableName:
			return b.bindTable(src, alias, sc)
		case *ast.SelectStmt, *ast.SetOprStmt:
			if alias == "" {
				return nil, nil, b.errAt(x, 1248, "Every derived table must have its own alias")
			}
			plan, err := b.bindResultSet(src, &scope{})
			if err != nil {
				return nil, nil, err
			}
			return plan, requalify(plan.cols(), alias, x.ColumnNames), nil
		case *ast.Join:
			return b.bindJoin(src, sc)
		}
		return nil, nil, b.errAt(x, sqlerr.ErrNotSupported, "FROM item %T is not supported", x.Source)
	case *ast.TableName:
		return b.bindTable(x, "", sc)
	}
	return nil, nil, b.errAt(n, sqlerr.ErrNotSupported, "FROM item %T is not supported", n)
}

// requalify names a derived table's columns after its alias.
func requalify(cols []column, alias string, names []ast.CIStr) []column {
	out := make([]column, len(cols))
	for i, c := range cols {
		c.table = alias
		c.hidden = false
		c.noUnqualified = false
		if i < len(names) && names[i].O != "" {
			c.name = names[i].O
		}
		out[i] = c
	}
	return out
}

func (b *binder) bindJoin(j *ast.Join, sc *scope) (lnode, []column, error) {
	left, lcols, err := b.bindFrom(j.Left, sc)
	if err != nil {
		return nil, nil, err
	}
	if j.Right == nil {
		return left, lcols, nil
	}
	right, rcols, err := b.bindFrom(j.Right, sc)
	if err != nil {
		return nil, nil, err
	}
	kind := executor.InnerJoin
	switch j.Tp {
	case ast.LeftJoin:
		kind = executor.LeftJoin
	case ast.RightJoin:
		kind = executor.RightJoin
	}
	cols := append(append([]column(nil), lcols...), rcols...)
	var conds []lexpr
	using := j.Using
	if j.NaturalJoin {
		for _, l := range lcols {
			for _, r := range rcols {
				if !l.hidden && !r.hidden && strings.EqualFold(l.name, r.name) {
					using = append(using, &ast.ColumnName{Name: ast.NewCIStr(l.name)})
				}
			}
		}
	}
	for _, u := range using {
		li, ri := findCol(lcols, u.Name.O), findCol(rcols, u.Name.O)
		if li < 0 || ri < 0 {
			return nil, nil, b.errAtWord(u.Name.O, sqlerr.ErrBadField, "Unknown column '%s' in 'from clause'", u.Name.O)
		}
		eq, err := b.call(ast.EQ, []lexpr{lcols[li].ref(), rcols[ri].ref()}, j)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, eq)
		// the USING column is found unqualified once (the left copy, or
		// the right one for RIGHT JOIN)
		hide := len(lcols) + ri
		if kind == executor.RightJoin {
			hide = li
		}
		cols[hide].noUnqualified = true
	}
	if j.On != nil {
		on := &scope{cols: cols, parent: sc.parent}
		e, err := b.bindExpr(j.On.Expr, on, exprCtx{clause: inOn})
		if err != nil {
			return nil, nil, err
		}
		for _, o := range on.outer {
			sc.addOuter(o)
		}
		if e, err = b.toPredicate(e, j.On.Expr); err != nil {
			return nil, nil, err
		}
		conds = append(conds, splitAnd(e, nil)...)
	}
	if kind == executor.RightJoin {
		// a RIGHT JOIN is a LEFT JOIN with the sides swapped; the scope
		// keeps the written column order.
		return &lJoin{left: right, right: left, kind: executor.LeftJoin, conds: conds}, cols, nil
	}
	return &lJoin{left: left, right: right, kind: kind, conds: conds}, cols, nil
}

func findCol(cols []column, name string) int {
	for i, c := range cols {
		if !c.hidden && strings.EqualFold(c.name, name) {
			return i
		}
	}
	return -1
}

func (b *binder) bindTable(tn *ast.TableName, alias string, sc *scope) (lnode, []column, error) {
	name := tn.Name.O
	if alias == "" {
		alias = name
	}
	var asOf *catalog.AsOf
	if tn.AsOf != nil {
		a, err := b.bindAsOf(tn.AsOf)
		if err != nil {
			return nil, nil, err
		}
		asOf = a
	}
	if tn.Schema.O == "" {
		for i := len(b.ctes) - 1; i >= 0; i-- {
			if cte := b.ctes[i]; strings.EqualFold(cte.Name.O, name) {
				return b.bindCTE(cte, alias, i)
			}
		}
	}
	lookup := name
	if tn.Schema.O != "" {
		// The catalog resolves qualified names (system.jobs).
		lookup = tn.Schema.O + "." + name
	}
	t, err := b.cat.LookupTable(b.ctx, lookup, asOf)
	if err != nil {
		e := sqlerr.Wrap(err)
		if e.Line == 0 {
			return nil, nil, b.errAtWord(name, e.Code, "%s", e.Msg)
		}
		return nil, nil, e
	}
	if t == nil {
		return nil, nil, b.errAtWord(name, sqlerr.ErrNoSuchTable, "Table '%s' doesn't exist", name)
	}
	if v, ok := t.(*catalog.ViewDef); ok {
		return b.bindView(v, alias)
	}
	s := &lScan{tbl: t, alias: alias, asOf: asOf, rowAddr: true}
	var cols []column
	for i, f := range t.Schema().Fields() {
		c := b.newCol(f.Name, alias, f.Type)
		if _, ok := f.Metadata.GetValue(catalog.MetaJSON); ok {
			if b.jsonCols == nil {
				b.jsonCols = map[int]bool{}
			}
			b.jsonCols[c.id] = true
		}
		s.colIdx = append(s.colIdx, i)
		s.out = append(s.out, c)
		cols = append(cols, c)
	}
	s.rowAddrCol = b.newCol(catalog.RowAddrColumn, alias, arrow.PrimitiveTypes.Uint64)
	s.rowAddrCol.hidden = true
	cols = append(cols, s.rowAddrCol)
	return s, cols, nil
}

func (b *binder) bindView(v *catalog.ViewDef, alias string) (lnode, []column, error) {
	if b.views > 32 {
		return nil, nil, b.errAtWord(v.ViewName, sqlerr.ErrWrongObject, "View '%s' references itself or nests too deeply", v.ViewName)
	}
	stmts, _, err := parser.New().ParseSQL(v.SQL)
	if err != nil || len(stmts) != 1 {
		return nil, nil, b.errAtWord(v.ViewName, sqlerr.ErrWrongObject, "View '%s' has an invalid definition: %v", v.ViewName, err)
	}
	q, ok := stmts[0].(ast.ResultSetNode)
	if !ok {
		return nil, nil, b.errAtWord(v.ViewName, sqlerr.ErrWrongObject, "View '%s' is not a query", v.ViewName)
	}
	// the view's text is its own statement for error positions
	saved, savedCTEs := b.text, b.ctes
	b.text, b.ctes = v.SQL, nil // a view sees no CTEs of the query using it
	b.views++
	plan, err := b.bindResultSet(q, &scope{})
	b.views--
	b.text, b.ctes = saved, savedCTEs
	if err != nil {
		e := sqlerr.Wrap(err)
		return nil, nil, b.errAtWord(v.ViewName, e.Code, "in view '%s': %s", v.ViewName, e.Msg)
	}
	var names []ast.CIStr
	if v.Columns != nil && v.Columns.NumFields() == len(plan.cols()) {
		for _, f := range v.Columns.Fields() {
			names = append(names, ast.NewCIStr(f.Name))
		}
	}
	return plan, requalify(plan.cols(), alias, names), nil
}

// bindAsOf evaluates AS OF TIMESTAMP: a timestamp, a date-time string, or an
// integer version number.
func (b *binder) bindAsOf(a *ast.AsOfClause) (*catalog.AsOf, error) {
	e, err := b.bindExpr(a.TsExpr, &scope{}, exprCtx{clause: "as of"})
	if err != nil {
		return nil, err
	}
	if _, ok := e.(*constExpr); !ok {
		// NOW(), other expressions without columns and uncorrelated
		// subqueries: evaluated once, at plan time, because the version
		// decides which schema the rest of the statement binds against.
		f, ferr := b.evalAtPlanTime(e)
		if ferr != nil {
			if sqlerr.Wrap(ferr).Code != sqlerr.ErrUnknownSystem {
				return nil, b.withPos(ferr, a.TsExpr)
			}
		} else {
			e = f
		}
	}
	c, ok := e.(*constExpr)
	if !ok || !c.v.IsValid() {
		return nil, b.errAt(a.TsExpr, sqlerr.ErrWrongArguments, "AS OF TIMESTAMP needs a time known before the query runs (a literal, a version number, NOW() or a subquery)")
	}
	switch v := c.v.(type) {
	case *scalar.String:
		s := v.String()
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return &catalog.AsOf{Timestamp: t}, nil
			}
		}
		return nil, b.errAt(a.TsExpr, sqlerr.ErrTruncatedValue, "Incorrect datetime value: '%s'", s)
	case *scalar.Timestamp:
		tt := v.Type.(*arrow.TimestampType)
		return &catalog.AsOf{Timestamp: v.Value.ToTime(tt.Unit).UTC()}, nil
	case *scalar.Int64:
		return &catalog.AsOf{Version: uint64(v.Value)}, nil
	case *scalar.Uint64:
		return &catalog.AsOf{Version: v.Value}, nil
	}
	return nil, b.errAt(a.TsExpr, sqlerr.ErrWrongArguments, "AS OF TIMESTAMP needs a time, got %s", c.v.DataType())
}

// evalAtPlanTime computes a column-free expression, which may contain
// uncorrelated subqueries, to a constant by running it now.
func (b *binder) evalAtPlanTime(e lexpr) (c lexpr, err error) {
	pb := &physBuilder{b: b}
	pe, err := lowerExprWith(e, nil, nil, pb)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range pb.subs {
			s.reset()
			s.plan.walkExprs(func(x expr.Expr) { _ = expr.Close(x) })
		}
		_ = expr.Close(pe)
	}()
	v, err := expr.EvalScalar(b.ec, pe)
	if err != nil {
		return nil, err
	}
	return &constExpr{v: v}, nil
}

// pushWith makes a WITH clause's names visible; pop removes them.
func (b *binder) pushWith(w *ast.WithClause) (func(), error) {
	n := len(b.ctes)
	b.ctes = append(b.ctes[:n:n], w.CTEs...)
	return func() { b.ctes = b.ctes[:n] }, nil
}

// bindCTE binds a common table expression where it is referenced, like a
// view: each reference gets its own plan. A CTE sees only the CTEs defined
// before it.
func (b *binder) bindCTE(cte *ast.CommonTableExpression, alias string, idx int) (lnode, []column, error) {
	if n, cols, ok, err := b.bindRecursiveRef(cte, alias, idx); ok {
		return n, cols, err
	}
	saved := b.ctes
	b.ctes = b.ctes[:idx:idx]
	defer func() { b.ctes = saved }()
	b.views++
	defer func() { b.views-- }()
	if b.views > 32 {
		return nil, nil, b.errAtWord(cte.Name.O, sqlerr.ErrNotSupported, "common table expression '%s' nests too deeply", cte.Name.O)
	}
	plan, err := b.bindResultSet(cte.Query.Query, &scope{})
	if err != nil {
		return nil, nil, err
	}
	if len(cte.ColNameList) > 0 && len(cte.ColNameList) != len(plan.cols()) {
		return nil, nil, b.errAtWord(cte.Name.O, 1353, "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts")
	}
	return plan, requalify(plan.cols(), alias, cte.ColNameList), nil
}
