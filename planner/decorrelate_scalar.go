package planner

import (
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/executor"
)

// decorrelateScalars rewrites correlated scalar subqueries of the form
// (SELECT f(aggregates) FROM x WHERE inner = outer [AND local]) in
// projections and filters into a LEFT JOIN with x grouped by the inner
// keys: the subquery then runs once instead of once per outer value. COUNT
// of no rows is 0, not NULL, so references to COUNT become COALESCE(c, 0).
func (b *binder) decorrelateScalars(n lnode) lnode {
	kids := n.children()
	for i, c := range kids {
		kids[i] = b.decorrelateScalars(c)
	}
	if len(kids) > 0 {
		n.setChildren(kids)
	}
	var exprs []lexpr
	var child lnode
	switch x := n.(type) {
	case *lProject:
		exprs, child = x.exprs, x.child
	case *lFilter:
		exprs, child = x.conds, x.child
	default:
		return n
	}
	changed := false
	for i, e := range exprs {
		ne, err := mapExpr(e, func(y lexpr) (lexpr, error) {
			sq, ok := y.(*subqExpr)
			if !ok || sq.kind != subqScalar || len(sq.outer) == 0 {
				return y, nil
			}
			join, val := b.scalarJoin(child, sq)
			if join == nil {
				return y, nil
			}
			child = join
			changed = true
			return val, nil
		})
		if err == nil {
			exprs[i] = ne
		}
	}
	if !changed {
		return n
	}
	switch x := n.(type) {
	case *lProject:
		x.exprs, x.child = exprs, child
	case *lFilter:
		x.conds, x.child = exprs, child
	}
	return n
}

// scalarJoin builds child LEFT JOIN (grouped subquery) and the expression
// that reads the subquery's value, or returns nil when sq does not fit.
func (b *binder) scalarJoin(child lnode, sq *subqExpr) (lnode, lexpr) {
	left := idSet(child.cols())
	for _, o := range sq.outer {
		if !left[o.id] {
			return nil, nil
		}
	}
	proj, ok := sq.plan.(*lProject)
	if !ok || len(proj.exprs) != 1 || hasSubquery(proj.exprs[0]) {
		return nil, nil
	}
	agg, ok := proj.child.(*lAgg)
	if !ok || len(agg.groups) > 0 {
		return nil, nil
	}
	filt, ok := agg.child.(*lFilter)
	if !ok {
		return nil, nil
	}
	below := filt.child
	if refersTo(below, left) {
		return nil, nil
	}
	for _, a := range agg.aggs {
		if left[a.col.id] {
			return nil, nil // already joined below (the same subquery twice)
		}
		for _, arg := range a.agg.args {
			if touches(colsOf(arg), left) || hasSubquery(arg) {
				return nil, nil
			}
		}
	}
	right := idSet(below.cols())
	var local, conds []lexpr
	var groups []lexpr
	var gcols []column
	for _, c := range filt.conds {
		u := colsOf(c)
		if !touches(u, left) {
			local = append(local, c)
			continue
		}
		call, ok := c.(*callExpr)
		if !ok || !isEquality(c) || hasSubquery(c) {
			return nil, nil
		}
		in, out := 0, 1
		if !subset(colsOf(call.args[in]), right) {
			in, out = 1, 0
		}
		if !subset(colsOf(call.args[in]), right) || !subset(colsOf(call.args[out]), left) || len(colsOf(call.args[in])) == 0 {
			return nil, nil
		}
		g := b.newCol("key", "", call.args[in].Type())
		groups = append(groups, call.args[in])
		gcols = append(gcols, g)
		args := make([]lexpr, 2)
		args[in], args[out] = g.ref(), call.args[out]
		conds = append(conds, &callExpr{fn: call.fn, args: args})
	}
	if len(conds) == 0 {
		return nil, nil
	}
	var r lnode = below
	if len(local) > 0 {
		r = &lFilter{child: below, conds: local}
	}
	grouped := &lAgg{child: r, groups: groups, gcols: gcols, aggs: agg.aggs}
	// COUNT over no rows is 0: unmatched outer rows read NULL from the join
	counts := map[int]bool{}
	for _, a := range agg.aggs {
		if a.agg.fn.Name == "count" {
			counts[a.col.id] = true
		}
	}
	val, err := mapExpr(proj.exprs[0], func(y lexpr) (lexpr, error) {
		if c, ok := y.(*colRef); ok && counts[c.id] {
			zero := &constExpr{v: scalar.NewInt64Scalar(0)}
			return b.call("coalesce", []lexpr{c, b.cast(zero, c.t)}, nil)
		}
		return y, nil
	})
	if err != nil {
		return nil, nil
	}
	return &lJoin{left: child, right: grouped, kind: executor.LeftJoin, conds: conds}, val
}
