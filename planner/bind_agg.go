package planner

import (
	"errors"
	"github.com/apache/arrow-go/v18/arrow"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/genevasql/genevasql/sqlerr"
)

// aggBuilder builds the aggregate node of a query block and rewrites the
// expressions above it to read its output.
type aggBuilder struct {
	b        *binder
	node     *lAgg
	groupKey map[string]*colRef
	aggKey   map[string]*colRef
	pre      map[int]bool // ids of the columns below the aggregate
}

func (b *binder) newAgg(child lnode, groups []lexpr, sc *scope) *aggBuilder {
	a := &aggBuilder{b: b, node: &lAgg{child: child}, groupKey: map[string]*colRef{}, aggKey: map[string]*colRef{}, pre: map[int]bool{}}
	for _, c := range sc.cols {
		a.pre[c.id] = true
	}
	for _, g := range groups {
		k := g.String()
		if _, dup := a.groupKey[k]; dup {
			continue
		}
		var c column
		if r, ok := g.(*colRef); ok {
			// a grouped column keeps its id, so references to it (also from
			// correlated subqueries) stay valid above the aggregate
			c = column{id: r.id, name: r.name, t: r.t}
		} else {
			c = b.newCol(g.String(), "", g.Type())
		}
		a.node.groups = append(a.node.groups, g)
		a.node.gcols = append(a.node.gcols, c)
		a.groupKey[k] = c.ref()
	}
	return a
}

// collect registers the aggregate calls in e.
func (a *aggBuilder) collect(e lexpr) {
	walkExpr(e, func(x lexpr) {
		ag, ok := x.(*aggExpr)
		if !ok {
			return
		}
		k := ag.String()
		if _, dup := a.aggKey[k]; dup {
			return
		}
		c := a.b.newCol(k, "", ag.Type())
		a.node.aggs = append(a.node.aggs, aggCall{agg: ag, col: c})
		a.aggKey[k] = c.ref()
	})
}

// errNotGrouped names a column used outside GROUP BY and aggregates.
type errNotGrouped struct{ col string }

func (e *errNotGrouped) Error() string { return e.col }

// rewrite replaces grouped expressions and aggregate calls by references to
// the aggregate's output (top-down, so the largest grouped expression wins).
func (a *aggBuilder) rewrite(e lexpr) (lexpr, error) {
	if r, ok := a.groupKey[e.String()]; ok {
		return r, nil
	}
	switch x := e.(type) {
	case *aggExpr:
		return a.aggKey[x.String()], nil
	case *colRef:
		if a.pre[x.id] {
			if err := a.anyValue(x); err != nil {
				return nil, err
			}
		}
		return x, nil // an outer query's column: constant here
	case *callExpr:
		args := make([]lexpr, len(x.args))
		for i, arg := range x.args {
			r, err := a.rewrite(arg)
			if err != nil {
				return nil, err
			}
			args[i] = r
		}
		return &callExpr{fn: x.fn, args: args}, nil
	case *castExpr:
		r, err := a.rewrite(x.arg)
		if err != nil {
			return nil, err
		}
		return &castExpr{arg: r, to: x.to}, nil
	case *subqExpr:
		c := *x
		if x.lhs != nil {
			l, err := a.rewrite(x.lhs)
			if err != nil {
				return nil, err
			}
			c.lhs = l
		}
		for _, o := range x.outer {
			if a.pre[o.id] {
				if _, ok := a.groupKey[o.String()]; !ok {
					if err := a.anyValue(o); err != nil {
						return nil, err
					}
				}
			}
		}
		return &c, nil
	}
	return e, nil
}

// anyValue handles a column used outside GROUP BY: an error under
// ONLY_FULL_GROUP_BY, otherwise ANY_VALUE(column) under the column's own id
// (so every reference to it, from subqueries too, reads the group's value).
func (a *aggBuilder) anyValue(c *colRef) error {
	if !a.b.looseGroupBy {
		return &errNotGrouped{col: c.name}
	}
	k := "any_value(" + c.String() + ")"
	if _, ok := a.aggKey[k]; ok {
		return nil
	}
	fn, err := a.b.reg.ResolveAggregate("any_value", []arrow.DataType{c.t}, false)
	if err != nil {
		return err
	}
	col := column{id: c.id, name: c.name, t: fn.ReturnType}
	var arg lexpr = c
	if len(fn.ArgTypes) == 1 && fn.ArgTypes[0] != nil {
		arg = a.b.cast(c, fn.ArgTypes[0])
	}
	a.node.aggs = append(a.node.aggs, aggCall{agg: &aggExpr{fn: fn, args: []lexpr{arg}}, col: col})
	a.aggKey[k] = col.ref()
	return nil
}

func (b *binder) groupError(n ast.Node, err error, where string, idx int, groups []lexpr) error {
	var ng *errNotGrouped
	if errors.As(err, &ng) {
		if len(groups) == 0 {
			return b.errAtWord(ng.col, 1140,
				"In aggregated query without GROUP BY, expression #%d of %s contains nonaggregated column '%s'; this is incompatible with sql_mode=only_full_group_by",
				idx+1, where, ng.col)
		}
		return b.errAtWord(ng.col, sqlerr.ErrWrongFieldGroup,
			"Expression #%d of %s is not in GROUP BY clause and contains nonaggregated column '%s' which is not functionally dependent on columns in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by",
			idx+1, where, ng.col)
	}
	return err
}

func newRestoreCtx(w *strings.Builder) *format.RestoreCtx {
	return format.NewRestoreCtx(format.DefaultRestoreFlags, w)
}
