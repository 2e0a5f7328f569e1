package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// bindSetOprList binds UNION/EXCEPT/INTERSECT; INTERSECT binds tighter
// than UNION and EXCEPT, which associate left to right.
func (b *binder) bindSetOprList(list *ast.SetOprSelectList, sc *scope) (lnode, error) {
	if list.With != nil {
		return nil, b.errAt(list, sqlerr.ErrNotSupported, "WITH (common table expressions) is not supported yet")
	}
	var plans []lnode
	var ops []ast.SetOprType
	for i, s := range list.Selects {
		branch := &scope{parent: sc.parent}
		var p lnode
		var err error
		var op *ast.SetOprType
		switch x := s.(type) {
		case *ast.SelectStmt:
			p, err = b.bindSelect(x, branch)
			op = x.AfterSetOperator
		case *ast.SetOprSelectList:
			p, err = b.bindSetOprList(x, branch)
			if err == nil {
				p, err = b.bindSetOrderLimit(p, x.OrderBy, x.Limit, branch)
			}
			op = x.AfterSetOperator
		default:
			return nil, b.errAt(list, sqlerr.ErrNotSupported, "set operand %T is not supported", s)
		}
		if err != nil {
			return nil, err
		}
		for _, o := range branch.outer {
			sc.addOuter(o)
		}
		plans = append(plans, p)
		if i > 0 {
			if op == nil {
				u := ast.Union
				op = &u
			}
			ops = append(ops, *op)
		}
	}
	// INTERSECT first.
	for i := 0; i < len(ops); {
		if ops[i] == ast.Intersect || ops[i] == ast.IntersectAll {
			n, err := b.setOp(plans[i], plans[i+1], ops[i], list)
			if err != nil {
				return nil, err
			}
			plans = append(append(plans[:i], n), plans[i+2:]...)
			ops = append(ops[:i], ops[i+1:]...)
			continue
		}
		i++
	}
	out := plans[0]
	for i, op := range ops {
		n, err := b.setOp(out, plans[i+1], op, list)
		if err != nil {
			return nil, err
		}
		out = n
	}
	return out, nil
}

func (b *binder) setOp(l, r lnode, op ast.SetOprType, at ast.Node) (lnode, error) {
	lc, rc := l.cols(), r.cols()
	if len(lc) != len(rc) {
		return nil, b.errAt(at, 1222, "The used SELECT statements have a different number of columns")
	}
	n := &lSetOp{}
	switch op {
	case ast.Union:
		n.kind = executor.Union
	case ast.UnionAll:
		n.kind, n.all = executor.Union, true
	case ast.Except:
		n.kind = executor.Except
	case ast.ExceptAll:
		n.kind, n.all = executor.Except, true
	case ast.Intersect:
		n.kind = executor.Intersect
	case ast.IntersectAll:
		n.kind, n.all = executor.Intersect, true
	}
	types := make([]arrow.DataType, len(lc))
	for i := range lc {
		t, err := CommonType(lc[i].t, rc[i].t)
		if err != nil {
			return nil, b.errAt(at, sqlerr.ErrWrongArguments, "column %d of the set operation: %v", i+1, err)
		}
		types[i] = t
	}
	n.left = b.castColumns(l, types)
	n.right = b.castColumns(r, types)
	for i, c := range lc {
		n.out = append(n.out, b.newCol(c.name, "", types[i]))
	}
	return n, nil
}

// castColumns projects n's columns to the given types, if they differ.
func (b *binder) castColumns(n lnode, types []arrow.DataType) lnode {
	cols := n.cols()
	same := true
	for i, c := range cols {
		if !arrow.TypeEqual(c.t, types[i]) {
			same = false
		}
	}
	if same {
		return n
	}
	p := &lProject{child: n}
	for i, c := range cols {
		p.exprs = append(p.exprs, b.cast(c.ref(), types[i]))
		p.out = append(p.out, b.newCol(c.name, "", types[i]))
	}
	return p
}

// bindSetOrderLimit applies ORDER BY and LIMIT to a set operation's result;
// ORDER BY names and ordinals refer to its output columns.
func (b *binder) bindSetOrderLimit(n lnode, ob *ast.OrderByClause, lim *ast.Limit, parent *scope) (lnode, error) {
	if ob != nil {
		cols := n.cols()
		sc := &scope{cols: cols, parent: parent.parent}
		var keys []sortKey
		for _, it := range ob.Items {
			if p, ok := it.Expr.(*ast.PositionExpr); ok {
				i, err := b.position(p, len(cols), "order clause")
				if err != nil {
					return nil, err
				}
				keys = append(keys, sortKey{e: cols[i].ref(), desc: it.Desc})
				continue
			}
			e, err := b.bindExpr(it.Expr, sc, exprCtx{clause: inOrder})
			if err != nil {
				return nil, err
			}
			keys = append(keys, sortKey{e: e, desc: it.Desc})
		}
		for _, o := range sc.outer {
			parent.addOuter(o)
		}
		n = &lSort{child: n, keys: keys}
	}
	if lim != nil {
		return b.bindLimit(lim, n)
	}
	return n, nil
}

// CommonType is the type two values are combined in (UNION columns).
var CommonType = functions.CommonType
