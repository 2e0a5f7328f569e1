package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/executor"
)

// decorrelate turns WHERE conjuncts of the form [NOT] EXISTS (subquery) and
// x [NOT] IN (subquery) into semi and anti joins, so the subquery runs once
// as a join input instead of once per outer row. Conjuncts it cannot
// rewrite stay subquery expressions (run per distinct outer value).
func decorrelate(n lnode) lnode {
	for i, c := range n.children() {
		nc := decorrelate(c)
		if nc != c {
			kids := n.children()
			kids[i] = nc
			n.setChildren(kids)
		}
	}
	f, ok := n.(*lFilter)
	if !ok {
		return n
	}
	var keep []lexpr
	for _, c := range f.conds {
		if j := semiJoinFor(f.child, c); j != nil {
			f.child = j
			continue
		}
		keep = append(keep, c)
	}
	if len(keep) == 0 {
		return f.child
	}
	f.conds = keep
	return f
}

// semiJoinFor rewrites cond over child as a semi/anti join, or returns nil.
func semiJoinFor(child lnode, cond lexpr) lnode {
	not := false
	e := cond
	if c, ok := e.(*callExpr); ok && c.fn.Name == "not" && len(c.args) == 1 {
		not, e = true, c.args[0]
	}
	sq, ok := e.(*subqExpr)
	if !ok {
		return nil
	}
	quant := sq.kind == subqQuantified
	if quant && (sq.cmp.Name != "eq" || sq.all) || (!quant && sq.kind != subqExists) {
		return nil
	}
	left := idSet(child.cols())
	for _, o := range sq.outer {
		if !left[o.id] {
			return nil // refers to a query further out
		}
	}
	if quant && hasSubquery(sq.lhs) {
		return nil
	}
	if len(sq.outer) == 0 {
		if !quant {
			return nil // uncorrelated EXISTS is evaluated once anyway
		}
		col := sq.plan.cols()[0]
		key := &callExpr{fn: sq.cmp, args: []lexpr{sq.lhs, castTo(col.ref(), sq.subCast)}}
		kind := executor.SemiJoin
		if not {
			kind = executor.NullAwareAntiJoin
		}
		return &lJoin{left: child, right: sq.plan, kind: kind, conds: []lexpr{key}}
	}
	if quant && not {
		return nil // correlated NOT IN: NULL semantics need the general path
	}
	// Correlated: the subquery must be [Project] over Filter over a part
	// that does not refer to the outer query; the filter's correlated terms
	// become join conditions.
	p := sq.plan
	var proj *lProject
	if pr, ok := p.(*lProject); ok {
		proj, p = pr, pr.child
	}
	filt, ok := p.(*lFilter)
	if !ok {
		return nil
	}
	below := filt.child
	if refersTo(below, left) {
		return nil
	}
	right := idSet(below.cols())
	var conds, local []lexpr
	for _, c := range filt.conds {
		u := colsOf(c)
		if touches(u, left) {
			if hasSubquery(c) || !subset(u, unionSets(left, right)) {
				return nil
			}
			conds = append(conds, c)
		} else {
			local = append(local, c)
		}
	}
	if quant {
		if proj == nil || len(proj.exprs) != 1 || hasSubquery(proj.exprs[0]) || hasAgg(proj.exprs[0]) || !subset(colsOf(proj.exprs[0]), right) {
			return nil
		}
		conds = append(conds, &callExpr{fn: sq.cmp, args: []lexpr{sq.lhs, castTo(proj.exprs[0], sq.subCast)}})
	}
	var r lnode = below
	if len(local) > 0 {
		r = &lFilter{child: below, conds: local}
	}
	kind := executor.SemiJoin
	if not {
		kind = executor.AntiJoin
	}
	return &lJoin{left: child, right: r, kind: kind, conds: conds}
}

// castTo casts e to t unless it already has that type.
func castTo(e lexpr, t arrow.DataType) lexpr {
	if t == nil || arrow.TypeEqual(e.Type(), t) {
		return e
	}
	return &castExpr{arg: e, to: t}
}

func unionSets(a, b map[int]bool) map[int]bool {
	u := make(map[int]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// refersTo reports whether any expression in the subtree (subquery plans
// included) reads one of the ids.
func refersTo(n lnode, ids map[int]bool) bool {
	found := false
	var visit func(n lnode)
	visit = func(n lnode) {
		for _, e := range nodeExprs(n) {
			if touches(colsOf(e), ids) {
				found = true
			}
			walkExpr(e, func(x lexpr) {
				if s, ok := x.(*subqExpr); ok {
					visit(s.plan)
				}
			})
		}
		for _, c := range n.children() {
			visit(c)
		}
	}
	visit(n)
	return found
}
