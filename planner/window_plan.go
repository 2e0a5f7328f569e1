package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/expr"
)

// lWindow computes window functions that share one partitioning and
// ordering; its columns are the child's then one per call.
type lWindow struct {
	child     lnode
	partition []lexpr
	order     []sortKey
	calls     []*winExpr
	out       []column
}

func (n *lWindow) cols() []column        { return append(append([]column(nil), n.child.cols()...), n.out...) }
func (n *lWindow) children() []lnode     { return []lnode{n.child} }
func (n *lWindow) setChildren(c []lnode) { n.child = c[0] }
func (n *lWindow) describe() string {
	parts := make([]string, len(n.calls))
	for i, c := range n.calls {
		parts[i] = fmt.Sprintf("%s AS #%d", c, n.out[i].id)
	}
	return "Window " + strings.Join(parts, ", ")
}

// exprs lists what the node reads (for column pruning and EXPLAIN).
func (n *lWindow) exprs() []lexpr {
	out := append([]lexpr(nil), n.partition...)
	for _, k := range n.order {
		out = append(out, k.e)
	}
	for _, c := range n.calls {
		out = append(out, c.args...)
	}
	return out
}

// splitPushable splits predicates above the node into those that may run
// below it (they read only plain-column PARTITION BY keys, so they keep or
// drop whole partitions and change no window result) and the others.
func (n *lWindow) splitPushable(preds []lexpr) (below, above []lexpr) {
	keys := map[int]bool{}
	for _, p := range n.partition {
		if r, ok := p.(*colRef); ok {
			keys[r.id] = true
		}
	}
	own := idSet(n.cols())
	for _, p := range preds {
		if u := localCols(p, own); len(u) > 0 && subset(u, keys) && !isVolatile(p) && !hasSubquery(p) {
			below = append(below, p)
		} else {
			above = append(above, p)
		}
	}
	return below, above
}

// windowSet collects the window calls of one query block while the select
// list and ORDER BY are rewritten to read their columns.
type windowSet struct {
	calls []*winExpr
	cols  []column
	seen  map[string]int
}

// extract replaces the window calls in e by references to their columns.
func (ws *windowSet) extract(b *binder, e lexpr) lexpr {
	if e == nil || !hasWindow(e) {
		return e // untouched: most expressions have no window call
	}
	out, _ := mapExpr(e, func(x lexpr) (lexpr, error) {
		w, ok := x.(*winExpr)
		if !ok {
			return x, nil
		}
		k := w.String()
		if i, ok := ws.seen[k]; ok {
			return ws.cols[i].ref(), nil
		}
		if ws.seen == nil {
			ws.seen = map[string]int{}
		}
		c := b.newCol(k, "", w.t)
		ws.seen[k] = len(ws.calls)
		ws.calls = append(ws.calls, w)
		ws.cols = append(ws.cols, c)
		return c.ref(), nil
	})
	return out
}

// inner lists the expressions inside the calls (arguments, PARTITION BY,
// ORDER BY), which may hold aggregates of a grouped query.
func (ws *windowSet) inner() []lexpr {
	var out []lexpr
	for _, c := range ws.calls {
		out = append(out, c.args...)
		out = append(out, c.partition...)
		for _, k := range c.order {
			out = append(out, k.e)
		}
	}
	return out
}

// rewrite maps every inner expression (after GROUP BY, to read the
// aggregate's output).
func (ws *windowSet) rewrite(fn func(lexpr) (lexpr, error)) error {
	for _, c := range ws.calls {
		for _, list := range [][]lexpr{c.args, c.partition} {
			for i := range list {
				e, err := fn(list[i])
				if err != nil {
					return err
				}
				list[i] = e
			}
		}
		for i := range c.order {
			e, err := fn(c.order[i].e)
			if err != nil {
				return err
			}
			c.order[i].e = e
		}
	}
	return nil
}

// build stacks one Window node per distinct (PARTITION BY, ORDER BY).
func (ws *windowSet) build(child lnode) lnode {
	plan := child
	done := make([]bool, len(ws.calls))
	for i, c := range ws.calls {
		if done[i] {
			continue
		}
		n := &lWindow{child: plan, partition: c.partition, order: c.order}
		spec := c.specString()
		for j := i; j < len(ws.calls); j++ {
			if !done[j] && ws.calls[j].specString() == spec {
				done[j] = true
				n.calls = append(n.calls, ws.calls[j])
				n.out = append(n.out, ws.cols[j])
			}
		}
		plan = n
	}
	return plan
}

func (pb *physBuilder) planWindow(x *lWindow) (*pnode, error) {
	child, err := pb.plan(x.child)
	if err != nil {
		return nil, err
	}
	var all []expr.Expr
	parts := make([]expr.Expr, len(x.partition))
	for i, p := range x.partition {
		if parts[i], err = pb.lower(p, child.layout); err != nil {
			return nil, err
		}
	}
	all = append(all, parts...)
	keys, err := pb.sortKeys(x.order, child.layout)
	if err != nil {
		return nil, err
	}
	calls := make([]executor.WindowCall, len(x.calls))
	descr := make([]string, len(x.calls))
	for i, c := range x.calls {
		args := make([]expr.Expr, len(c.args))
		for j, a := range c.args {
			if args[j], err = pb.lower(a, child.layout); err != nil {
				return nil, err
			}
		}
		all = append(all, args...)
		calls[i] = executor.WindowCall{Kind: c.kind, Agg: c.agg, Args: args, N: c.n, Frame: c.frame, Type: c.t, Name: x.out[i].name}
		d := c.name + "(" + exprStrings(args)
		if c.kind == executor.WinNtile || c.kind == executor.WinNthValue || c.kind == executor.WinLag || c.kind == executor.WinLead {
			d += fmt.Sprintf(", %d", c.n)
		}
		d += ")"
		if usesFrame(c.kind) {
			d += " " + c.frame.String()
		}
		descr[i] = d
	}
	for _, k := range keys {
		all = append(all, k.Expr)
	}
	detail := fmt.Sprintf("partition by [%s] order by [%s] functions [%s]", exprStrings(parts), sortKeyStrings(keys), strings.Join(descr, ", "))
	cols := x.cols()
	return &pnode{name: "Window", detail: detail, children: []*pnode{child}, layout: layoutOf(cols), schema: schemaOf(cols), exprs: all,
		open: func(env *executor.Env, kids []executor.Operator) (executor.Operator, error) {
			return executor.NewWindow(env, kids[0], parts, keys, calls), nil
		}}, nil
}

// usesFrame: ranking functions and LAG/LEAD ignore the frame, as in MySQL.
func usesFrame(k executor.WindowFuncKind) bool {
	return k == executor.WinAggregate || k == executor.WinFirstValue || k == executor.WinLastValue || k == executor.WinNthValue
}

// checkWindowAliases refuses GROUP BY and HAVING that name a select-list
// alias of a window function (they run before windows are computed).
func (b *binder) checkWindowAliases(sel *ast.SelectStmt, sc *scope, groups []lexpr, having lexpr) error {
	for _, a := range sc.aliases {
		if !hasWindow(a.e) {
			continue
		}
		used := false
		for _, e := range append(append([]lexpr(nil), groups...), having) {
			walkExpr(e, func(x lexpr) { used = used || x == a.e })
		}
		if used {
			return b.errAtWord(a.name, errWindowAliasUse, "You cannot use the alias '%s' of an expression containing a window function in this context.'", a.name)
		}
	}
	for _, e := range append(append([]lexpr(nil), groups...), having) {
		if hasWindow(e) {
			return b.errAt(sel, errWindowInvalidUse, "You cannot use the window function in this context.'")
		}
	}
	return nil
}

// resolveWindowNames replaces references to the WINDOW clause's named
// windows (OVER w, OVER (w ORDER BY …)) by the definitions they inherit,
// following MySQL's rules, so binding sees complete specifications. The
// rewrite is idempotent: a statement planned twice binds the same way.
func (b *binder) resolveWindowNames(sel *ast.SelectStmt) error {
	defs := map[string]*ast.WindowSpec{}
	for i := range sel.WindowSpecs {
		d := &sel.WindowSpecs[i]
		k := d.Name.L
		if _, dup := defs[k]; dup {
			return b.errAt(sel, errWindowDupName, "Window '%s' is defined twice.", d.Name.O)
		}
		defs[k] = d
	}
	resolved := map[string]bool{}
	var resolve func(spec *ast.WindowSpec, depth int) error
	resolve = func(spec *ast.WindowSpec, depth int) error {
		ref := spec.Ref
		if spec.OnlyAlias {
			ref = spec.Name
		}
		if ref.L == "" {
			return nil
		}
		if depth > len(defs) {
			return b.errAt(sel, errWindowCircular, "There is a circularity in the window dependency graph.")
		}
		base, ok := defs[ref.L]
		if !ok {
			return b.errAt(sel, errWindowNoSuchName, "Window name '%s' is not defined.", ref.O)
		}
		if !resolved[ref.L] {
			if err := resolve(base, depth+1); err != nil {
				return err
			}
			resolved[ref.L] = true
		}
		if spec.OnlyAlias {
			name := spec.Name
			*spec = *base
			spec.Name, spec.OnlyAlias, spec.Ref = name, false, ast.CIStr{}
			return nil
		}
		if spec.PartitionBy != nil {
			return b.errAt(sel, errWindowNoChildPart, "A window which depends on another cannot define partitioning.")
		}
		if spec.OrderBy != nil && base.OrderBy != nil {
			return b.errAt(sel, errWindowNoRedefOrder, "Window '%s' cannot inherit '%s' since both contain an ORDER BY clause.", windowName(spec), ref.O)
		}
		if base.Frame != nil {
			return b.errAt(sel, errWindowFrameInherit, "Window '%s' has a frame definition, so cannot be referenced by another window.", ref.O)
		}
		spec.PartitionBy = base.PartitionBy
		if spec.OrderBy == nil {
			spec.OrderBy = base.OrderBy
		}
		spec.Ref = ast.CIStr{}
		return nil
	}
	for _, d := range defs {
		if err := resolve(d, 0); err != nil {
			return err
		}
	}
	v := &windowRefVisitor{resolve: func(s *ast.WindowSpec) error { return resolve(s, 0) }}
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if sel.OrderBy != nil {
		sel.OrderBy.Accept(v)
	}
	return v.err
}

// windowRefVisitor resolves the window specifications of one query block
// (not of nested subqueries, which have their own WINDOW clause).
type windowRefVisitor struct {
	resolve func(*ast.WindowSpec) error
	err     error
}

func (v *windowRefVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SubqueryExpr:
		return n, true
	case *ast.WindowFuncExpr:
		if v.err == nil {
			v.err = v.resolve(&x.Spec)
		}
	}
	return n, false
}

func (v *windowRefVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
