package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

// lexpr is a logical expression: like a physical expression, but columns are
// named by plan-wide ids instead of positions, so rewrite rules can move
// expressions between nodes without renumbering.
type lexpr interface {
	Type() arrow.DataType
	String() string
}

// colRef reads the column with the given id from the node's input (or, for a
// correlated subquery, from the outer query's current row).
type colRef struct {
	id   int
	name string
	t    arrow.DataType
}

func (c *colRef) Type() arrow.DataType { return c.t }
func (c *colRef) String() string       { return fmt.Sprintf("%s#%d", c.name, c.id) }

type constExpr struct{ v scalar.Scalar }

func (c *constExpr) Type() arrow.DataType { return c.v.DataType() }
func (c *constExpr) String() string       { return expr.FormatScalar(c.v) }

func isNullConst(e lexpr) bool {
	c, ok := e.(*constExpr)
	return ok && !c.v.IsValid()
}

// callExpr applies a bound scalar function; args already have fn.ArgTypes.
type callExpr struct {
	fn   *functions.Bound
	args []lexpr
}

func (c *callExpr) Type() arrow.DataType { return c.fn.ReturnType }
func (c *callExpr) String() string {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = a.String()
	}
	return c.fn.Name + "(" + strings.Join(parts, ", ") + ")"
}

type castExpr struct {
	arg lexpr
	to  arrow.DataType
}

func (c *castExpr) Type() arrow.DataType { return c.to }
func (c *castExpr) String() string       { return fmt.Sprintf("CAST(%s AS %s)", c.arg, c.to) }

// aggExpr is an aggregate call; it only lives between binding and the
// creation of the aggregate node, which replaces it by a column reference.
type aggExpr struct {
	fn       *functions.BoundAggregate
	args     []lexpr
	distinct bool
	opts     functions.AggOptions
}

func (a *aggExpr) Type() arrow.DataType { return a.fn.ReturnType }
func (a *aggExpr) String() string {
	parts := make([]string, len(a.args))
	for i, x := range a.args {
		parts[i] = x.String()
	}
	d := ""
	if a.distinct {
		d = "DISTINCT "
	}
	if a.fn.Name == "group_concat" && (len(a.opts.OrderBy) > 0 || a.opts.Separator != ",") {
		// calls that differ only in ORDER BY or SEPARATOR are different
		// aggregates; the sort keys are the last arguments
		n := len(a.opts.OrderBy)
		keys := parts[len(parts)-n:]
		for i := range keys {
			if a.opts.OrderBy[i] {
				keys[i] += " DESC"
			}
		}
		s := a.fn.Name + "(" + d + strings.Join(parts[:len(parts)-n], ", ")
		if n > 0 {
			s += " ORDER BY " + strings.Join(keys, ", ")
		}
		if a.opts.Separator != "," {
			s += " SEPARATOR " + strconv.Quote(a.opts.Separator)
		}
		return s + ")"
	}
	return a.fn.Name + "(" + d + strings.Join(parts, ", ") + ")"
}

type subqKind int

const (
	subqScalar subqKind = iota
	subqExists
	subqQuantified // lhs op ANY/ALL (sub); IN is = ANY
)

// subqExpr is a subquery used as a value. outer lists the columns of
// enclosing queries it reads (empty when uncorrelated).
type subqExpr struct {
	kind  subqKind
	plan  lnode
	outer []*colRef
	t     arrow.DataType
	// quantified comparison
	lhs lexpr
	cmp *functions.Bound // cmp(lhs, subquery column), both already cast
	all bool
	// subCast casts the subquery's column to cmp's second argument type
	subCast arrow.DataType
	id      int
}

func (s *subqExpr) Type() arrow.DataType { return s.t }
func (s *subqExpr) String() string {
	var o []string
	for _, c := range s.outer {
		o = append(o, c.String())
	}
	corr := ""
	if len(o) > 0 {
		corr = " correlated on " + strings.Join(o, ", ")
	}
	switch s.kind {
	case subqExists:
		return fmt.Sprintf("exists(subquery#%d%s)", s.id, corr)
	case subqQuantified:
		q := "any"
		if s.all {
			q = "all"
		}
		return fmt.Sprintf("%s %s %s(subquery#%d%s)", s.lhs, s.cmp.Name, q, s.id, corr)
	}
	return fmt.Sprintf("scalar(subquery#%d%s)", s.id, corr)
}

// walkExpr calls fn on e and its sub-expressions (not into subquery plans).
func walkExpr(e lexpr, fn func(lexpr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *callExpr:
		for _, a := range x.args {
			walkExpr(a, fn)
		}
	case *castExpr:
		walkExpr(x.arg, fn)
	case *aggExpr:
		for _, a := range x.args {
			walkExpr(a, fn)
		}
	case *subqExpr:
		if x.lhs != nil {
			walkExpr(x.lhs, fn)
		}
		for _, c := range x.outer {
			fn(c)
		}
	}
}

// usedCols adds the ids of the columns e reads (subqueries' outer references
// included) to set.
func usedCols(e lexpr, set map[int]bool) {
	walkExpr(e, func(x lexpr) {
		if c, ok := x.(*colRef); ok {
			set[c.id] = true
		}
	})
}

func colsOf(e lexpr) map[int]bool {
	s := map[int]bool{}
	usedCols(e, s)
	return s
}

func subset(a map[int]bool, b map[int]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func hasSubquery(e lexpr) bool {
	found := false
	walkExpr(e, func(x lexpr) {
		if _, ok := x.(*subqExpr); ok {
			found = true
		}
	})
	return found
}

// isVolatile reports whether e calls a function whose value may change per call.
func isVolatile(e lexpr) bool {
	v := false
	walkExpr(e, func(x lexpr) {
		if c, ok := x.(*callExpr); ok && c.fn.Volatility == functions.Volatile {
			v = true
		}
	})
	return v
}

// mapExpr rebuilds e bottom-up, replacing each node by fn's result (fn gets
// the node with already-mapped children). Subquery plans are not entered.
func mapExpr(e lexpr, fn func(lexpr) (lexpr, error)) (lexpr, error) {
	switch x := e.(type) {
	case *callExpr:
		args := make([]lexpr, len(x.args))
		for i, a := range x.args {
			m, err := mapExpr(a, fn)
			if err != nil {
				return nil, err
			}
			args[i] = m
		}
		return fn(&callExpr{fn: x.fn, args: args})
	case *castExpr:
		a, err := mapExpr(x.arg, fn)
		if err != nil {
			return nil, err
		}
		return fn(&castExpr{arg: a, to: x.to})
	case *aggExpr:
		return fn(x)
	case *subqExpr:
		c := *x
		if x.lhs != nil {
			l, err := mapExpr(x.lhs, fn)
			if err != nil {
				return nil, err
			}
			c.lhs = l
		}
		c.outer = make([]*colRef, len(x.outer))
		for i, o := range x.outer {
			m, err := fn(o)
			if err != nil {
				return nil, err
			}
			r, ok := m.(*colRef)
			if !ok {
				// the outer column became an expression; keep the reference
				// (the rewrite only renames columns)
				r = o
			}
			c.outer[i] = r
		}
		return fn(&c)
	}
	return fn(e)
}

// splitAnd flattens a conjunction into its terms.
func splitAnd(e lexpr, out []lexpr) []lexpr {
	if c, ok := e.(*callExpr); ok && c.fn.Name == "and" && len(c.args) == 2 {
		out = splitAnd(c.args[0], out)
		return splitAnd(c.args[1], out)
	}
	return append(out, e)
}
