package planner

import (
	"github.com/genevasql/genevasql/executor"
)

// optimize applies the logical rewrite rules to one query block tree.
// Column pruning runs separately over the whole statement (pruneColumns)
// because subqueries read columns of their outer queries.
func (b *binder) optimize(n lnode) lnode {
	n = b.decorrelateScalars(n)
	n = decorrelate(n)
	n = pushDown(n, nil)
	n = reorderJoins(n)
	return n
}

func idSet(cols []column) map[int]bool {
	s := make(map[int]bool, len(cols))
	for _, c := range cols {
		s[c.id] = true
	}
	return s
}

// localCols is the set of n's own columns that e reads (outer references
// of a correlated subquery count as constants).
func localCols(e lexpr, scope map[int]bool) map[int]bool {
	out := map[int]bool{}
	for id := range colsOf(e) {
		if scope[id] {
			out[id] = true
		}
	}
	return out
}

func wrapFilter(n lnode, preds []lexpr) lnode {
	if len(preds) == 0 {
		return n
	}
	if f, ok := n.(*lFilter); ok {
		f.conds = append(f.conds, preds...)
		return f
	}
	return &lFilter{child: n, conds: preds}
}

// pushDown moves predicates as close to the scans as they can go: through
// projections (substituting the projected expressions), sorts, DISTINCT,
// grouping columns, and into the sides of joins; equalities across the
// sides of an inner join become its join conditions.
func pushDown(n lnode, preds []lexpr) lnode {
	return (&pusher{ids: map[lnode]map[int]bool{}}).push(n, preds)
}

// pusher remembers the column ids under each node: asking a join for its
// columns copies those of its whole subtree, which made pushing through a
// 64-table comma join cubic.
type pusher struct {
	ids map[lnode]map[int]bool
}

// idsOf is the set of column ids n outputs. The sets are shared: callers
// must not modify them.
func (pd *pusher) idsOf(n lnode) map[int]bool {
	if s, ok := pd.ids[n]; ok {
		return s
	}
	var s map[int]bool
	switch x := n.(type) {
	case *lJoin:
		if x.kind == executor.SemiJoin || x.kind == executor.AntiJoin || x.kind == executor.NullAwareAntiJoin {
			s = pd.idsOf(x.left)
		} else {
			s = unionSets(pd.idsOf(x.left), pd.idsOf(x.right))
		}
	case *lFilter:
		s = pd.idsOf(x.child)
	default:
		s = idSet(n.cols())
	}
	pd.ids[n] = s
	return s
}

func (pd *pusher) push(n lnode, preds []lexpr) lnode {
	pushDown := pd.push
	switch x := n.(type) {
	case *lFilter:
		return pushDown(x.child, append(preds, x.conds...))
	case *lJoin:
		lids, rids := pd.idsOf(x.left), pd.idsOf(x.right)
		var all map[int]bool
		switch x.kind {
		case executor.SemiJoin, executor.AntiJoin, executor.NullAwareAntiJoin:
			all = unionSets(lids, rids)
		default:
			all = pd.idsOf(x)
		}
		var lp, rp, above, conds []lexpr
		switch x.kind {
		case executor.InnerJoin, executor.CrossJoin:
			for _, p := range append(preds, x.conds...) {
				u := localCols(p, all)
				switch {
				case isVolatile(p):
					conds = append(conds, p)
				case subset(u, lids):
					lp = append(lp, p)
				case subset(u, rids):
					rp = append(rp, p)
				default:
					conds = append(conds, p)
				}
			}
			if len(conds) > 0 {
				x.kind = executor.InnerJoin
			}
		case executor.LeftJoin:
			for _, p := range preds {
				if u := localCols(p, all); subset(u, lids) && !isVolatile(p) {
					lp = append(lp, p)
				} else {
					above = append(above, p)
				}
			}
			for _, c := range x.conds {
				if u := localCols(c, all); len(u) > 0 && subset(u, rids) && !isVolatile(c) {
					rp = append(rp, c)
				} else {
					conds = append(conds, c)
				}
			}
		default: // semi, anti: only the left side's columns are visible above
			for _, p := range preds {
				if u := localCols(p, all); subset(u, lids) && !isVolatile(p) {
					lp = append(lp, p)
				} else {
					above = append(above, p)
				}
			}
			conds = x.conds
		}
		x.conds = conds
		x.left = pushDown(x.left, lp)
		x.right = pushDown(x.right, rp)
		return wrapFilter(x, above)
	case *lProject:
		var below, above []lexpr
		defs := map[int]lexpr{}
		for i, c := range x.out {
			defs[c.id] = x.exprs[i]
		}
		for _, p := range preds {
			if sub, ok := substitute(p, defs); ok {
				below = append(below, sub)
			} else {
				above = append(above, p)
			}
		}
		x.child = pushDown(x.child, below)
		return wrapFilter(x, above)
	case *lSort:
		x.child = pushDown(x.child, preds)
		return x
	case *lDistinct:
		var below, above []lexpr
		for _, p := range preds {
			if isVolatile(p) {
				above = append(above, p)
			} else {
				below = append(below, p)
			}
		}
		x.child = pushDown(x.child, below)
		return wrapFilter(x, above)
	case *lAgg:
		// predicates on grouping columns that pass a child column through
		// can be applied before grouping
		pass := map[int]bool{}
		for i, g := range x.groups {
			if r, ok := g.(*colRef); ok && r.id == x.gcols[i].id {
				pass[r.id] = true
			}
		}
		own := idSet(x.cols())
		var below, above []lexpr
		for _, p := range preds {
			u := localCols(p, own)
			if len(u) > 0 && subset(u, pass) && !isVolatile(p) && !hasSubquery(p) {
				below = append(below, p)
			} else {
				above = append(above, p)
			}
		}
		x.child = pushDown(x.child, below)
		return wrapFilter(x, above)
	case *lWindow:
		below, above := x.splitPushable(preds)
		x.child = pushDown(x.child, below)
		return wrapFilter(x, above)
	}
	kids := n.children()
	if len(kids) > 0 {
		nk := make([]lnode, len(kids))
		for i, k := range kids {
			nk[i] = pushDown(k, nil)
		}
		n.setChildren(nk)
	}
	return wrapFilter(n, preds)
}

// substitute rewrites p over a projection's input by replacing references
// to projected columns with their expressions; it refuses when that would
// duplicate a subquery, aggregate or volatile call.
func substitute(p lexpr, defs map[int]lexpr) (lexpr, bool) {
	if hasSubquery(p) || isVolatile(p) {
		return nil, false
	}
	ok := true
	out, _ := mapExpr(p, func(e lexpr) (lexpr, error) {
		if c, isRef := e.(*colRef); isRef {
			if d, found := defs[c.id]; found {
				if hasSubquery(d) || isVolatile(d) || hasAgg(d) {
					ok = false
				}
				return d, nil
			}
		}
		return e, nil
	})
	return out, ok
}

// reorderJoins rebuilds each cluster of inner joins left-deep, joining next
// a relation connected to what is already joined by an equality, so that
// comma joins with WHERE equalities become hash joins instead of cross
// products.
func reorderJoins(n lnode) lnode {
	j, ok := n.(*lJoin)
	if !ok || (j.kind != executor.InnerJoin && j.kind != executor.CrossJoin) {
		kids := n.children()
		if len(kids) > 0 {
			nk := make([]lnode, len(kids))
			for i, k := range kids {
				nk[i] = reorderJoins(k)
			}
			n.setChildren(nk)
		}
		return n
	}
	var rels []lnode
	var conds []lexpr
	var flatten func(n lnode)
	flatten = func(n lnode) {
		if j, ok := n.(*lJoin); ok && (j.kind == executor.InnerJoin || j.kind == executor.CrossJoin) {
			flatten(j.left)
			flatten(j.right)
			conds = append(conds, j.conds...)
			return
		}
		rels = append(rels, reorderJoins(n))
	}
	flatten(j)
	// Start from the largest input: each relation joined next becomes a
	// hash-join build side, so the big table streams through as the probe
	// side instead of being built into a hash table.
	big := 0
	for i := range rels {
		if estimateRows(rels[i]) > estimateRows(rels[big]) {
			big = i
		}
	}
	rels[0], rels[big] = rels[big], rels[0]
	// Which relations each condition reads; conditions are then tracked by
	// how many of their relations are not joined yet, which keeps choosing
	// the next relation linear in the conditions (a 64-table comma join was
	// cubic with column-id sets).
	relOf := map[int]int{}
	for i, r := range rels {
		for _, c := range r.cols() {
			relOf[c.id] = i
		}
	}
	condRels := make([][]int, len(conds))
	pending := make([]int, len(conds))
	for ci, c := range conds {
		seen := map[int]bool{}
		for id := range colsOf(c) {
			if r, ok := relOf[id]; ok && !seen[r] {
				seen[r] = true
				condRels[ci] = append(condRels[ci], r)
			}
		}
		pending[ci] = len(condRels[ci])
	}
	done := make([]bool, len(rels))
	used := make([]bool, len(conds))
	join := func(r int) {
		done[r] = true
		for ci, rs := range condRels {
			for _, x := range rs {
				if x == r {
					pending[ci]--
				}
			}
		}
	}
	join(0)
	cur := rels[0]
	score := make([]int, len(rels))
	for step := 1; step < len(rels); step++ {
		// A condition counts for the one relation it still waits for when
		// it also reads what is already joined; equalities count most.
		clear(score)
		for ci, rs := range condRels {
			if used[ci] || pending[ci] != 1 || len(rs) < 2 {
				continue
			}
			for _, r := range rs {
				if !done[r] {
					score[r]++
					if isEquality(conds[ci]) {
						score[r] += 10
					}
				}
			}
		}
		pick := -1
		for i := range rels {
			if !done[i] && (pick < 0 || score[i] > score[pick]) {
				pick = i
			}
		}
		join(pick)
		var jc []lexpr
		for ci, c := range conds {
			if !used[ci] && pending[ci] == 0 {
				used[ci] = true
				jc = append(jc, c)
			}
		}
		kind := executor.InnerJoin
		if len(jc) == 0 {
			kind = executor.CrossJoin
		}
		cur = &lJoin{left: cur, right: rels[pick], kind: kind, conds: jc}
	}
	var rest []lexpr
	for ci, c := range conds {
		if !used[ci] {
			rest = append(rest, c)
		}
	}
	return wrapFilter(cur, rest)
}

func touches(a, b map[int]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

func isEquality(e lexpr) bool {
	c, ok := e.(*callExpr)
	return ok && c.fn.Name == "eq" && len(c.args) == 2
}

// pruneColumns makes every scan read only the columns the statement uses
// (projection pushdown), including the hidden _rowaddr.
func pruneColumns(root lnode) {
	used := map[int]bool{}
	var scans []*lScan
	var visit func(n lnode)
	seen := map[lnode]bool{}
	visit = func(n lnode) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, e := range nodeExprs(n) {
			usedCols(e, used)
			walkExpr(e, func(x lexpr) {
				if s, ok := x.(*subqExpr); ok {
					visit(s.plan)
					for _, c := range s.plan.cols() {
						used[c.id] = true
					}
				}
			})
		}
		switch x := n.(type) {
		case *lScan:
			scans = append(scans, x)
		case *lSetOp:
			for _, c := range x.left.cols() {
				used[c.id] = true
			}
			for _, c := range x.right.cols() {
				used[c.id] = true
			}
		case *lDistinct:
			for _, c := range x.cols() {
				used[c.id] = true
			}
		case *lDelete:
			used[x.rowAddr] = true
		case *lUpdate:
			used[x.rowAddr] = true
			for _, id := range x.newCols {
				used[id] = true
			}
		case *lInsert:
			for _, c := range x.child.cols() {
				used[c.id] = true
			}
		}
		for _, c := range n.children() {
			visit(c)
		}
	}
	visit(root)
	for _, c := range root.cols() {
		used[c.id] = true
	}
	for _, s := range scans {
		var idx []int
		var out []column
		for i, c := range s.out {
			if used[c.id] {
				idx = append(idx, s.colIdx[i])
				out = append(out, c)
			}
		}
		s.rowAddr = used[s.rowAddrCol.id]
		if len(out) == 0 && !s.rowAddr && len(s.out) > 0 {
			// keep one column so the scan still reports its row count
			idx, out = s.colIdx[:1], s.out[:1]
		}
		s.colIdx, s.out = idx, out
	}
}

// pruneProjections drops projected columns no parent reads, so a view or
// derived table computes (and calls functions for) only what the query
// uses. req holds the ids n's parent needs.
func pruneProjections(n lnode, req map[int]bool) {
	need := func(es ...lexpr) map[int]bool {
		out := map[int]bool{}
		for k := range req {
			out[k] = true
		}
		for _, e := range es {
			usedCols(e, out)
			walkExpr(e, func(x lexpr) {
				if s, ok := x.(*subqExpr); ok {
					pruneProjections(s.plan, idSet(s.plan.cols()))
				}
			})
		}
		return out
	}
	switch x := n.(type) {
	case *lProject:
		var exprs []lexpr
		var out []column
		for i, c := range x.out {
			if req[c.id] {
				exprs = append(exprs, x.exprs[i])
				out = append(out, c)
			}
		}
		if len(out) == 0 && len(x.out) > 0 {
			// keep one column: the row count must survive
			exprs, out = x.exprs[:1], x.out[:1]
		}
		x.exprs, x.out = exprs, out
		req = map[int]bool{}
		pruneProjections(x.child, need(exprs...))
	case *lFilter:
		pruneProjections(x.child, need(x.conds...))
	case *lSort:
		keys := make([]lexpr, len(x.keys))
		for i, k := range x.keys {
			keys[i] = k.e
		}
		pruneProjections(x.child, need(keys...))
	case *lLimit:
		pruneProjections(x.child, req)
	case *lAgg:
		req = map[int]bool{}
		pruneProjections(x.child, need(nodeExprs(x)...))
	case *lWindow:
		// passes its child's columns through: the child keeps those read
		// above and those the window functions read
		pruneProjections(x.child, need(x.exprs()...))
	case *lJoin:
		all := need(x.conds...)
		pruneProjections(x.left, all)
		pruneProjections(x.right, all)
	case *lValues:
		need(nodeExprs(x)...)
	default:
		// DISTINCT, set operations and DML read every column of their
		// inputs
		for _, c := range n.children() {
			pruneProjections(c, idSet(c.cols()))
		}
	}
}

// rowCounter is implemented by tables that know their row count cheaply
// (a Lance dataset's manifest records it).
type rowCounter interface{ CountRows() int64 }

// estimateRows is a rough row count for join ordering: a table's row count,
// halved per filter condition; unknown inputs count as 1000 rows.
func estimateRows(n lnode) int64 {
	switch x := n.(type) {
	case *lScan:
		if rc, ok := x.tbl.(rowCounter); ok {
			return rc.CountRows()
		}
		return 1000
	case *lFilter:
		est := estimateRows(x.child)
		for range x.conds {
			est /= 2
		}
		return max(est, 1)
	}
	var est int64
	for _, k := range n.children() {
		est = max(est, estimateRows(k))
	}
	if est == 0 {
		est = 1000
	}
	return est
}
