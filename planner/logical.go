package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
)

// column is one output column of a logical node.
type column struct {
	id    int
	name  string
	table string // qualifier (table alias) for name resolution
	t     arrow.DataType
	// hidden columns (_rowaddr) are found by name but not by *.
	hidden bool
	// noUnqualified: the right-hand copy of a USING column, reachable only
	// as t.col.
	noUnqualified bool
}

func (c column) ref() *colRef { return &colRef{id: c.id, name: c.name, t: c.t} }

// lnode is a logical plan node.
type lnode interface {
	cols() []column
	children() []lnode
	setChildren([]lnode)
	// describe is the node's one-line EXPLAIN text.
	describe() string
}

type lScan struct {
	tbl    catalog.Table
	alias  string
	asOf   *catalog.AsOf
	colIdx []int    // table column indexes read
	out    []column // one per colIdx, then _rowaddr if rowAddr
	// rowAddrCol is the hidden _rowaddr column; it is read only if used.
	rowAddrCol column
	rowAddr    bool
}

func (n *lScan) cols() []column {
	if n.rowAddr {
		return append(append([]column(nil), n.out...), n.rowAddrCol)
	}
	return n.out
}
func (n *lScan) children() []lnode   { return nil }
func (n *lScan) setChildren([]lnode) {}
func (n *lScan) describe() string {
	var names []string
	for _, c := range n.cols() {
		names = append(names, fmt.Sprintf("%s#%d", c.name, c.id))
	}
	s := "Scan " + n.tbl.Name()
	if n.alias != "" && !strings.EqualFold(n.alias, n.tbl.Name()) {
		s += " AS " + n.alias
	}
	if n.asOf != nil {
		if n.asOf.Version != 0 {
			s += fmt.Sprintf(" AS OF VERSION %d", n.asOf.Version)
		} else {
			s += " AS OF TIMESTAMP " + n.asOf.Timestamp.UTC().Format("2006-01-02 15:04:05.999999")
		}
	}
	return s + " [" + strings.Join(names, ", ") + "]"
}

// lValues produces literal rows (SELECT without FROM is one empty row).
type lValues struct {
	out  []column
	rows [][]lexpr
	// strict evaluates in MySQL strict mode (INSERT values)
	strict bool
}

func (n *lValues) cols() []column      { return n.out }
func (n *lValues) children() []lnode   { return nil }
func (n *lValues) setChildren([]lnode) {}
func (n *lValues) describe() string {
	return fmt.Sprintf("Values %d rows x %d columns", len(n.rows), len(n.out))
}

type lFilter struct {
	child lnode
	conds []lexpr
}

func (n *lFilter) cols() []column        { return n.child.cols() }
func (n *lFilter) children() []lnode     { return []lnode{n.child} }
func (n *lFilter) setChildren(c []lnode) { n.child = c[0] }
func (n *lFilter) describe() string      { return "Filter " + joinExprs(n.conds, " AND ") }

type lProject struct {
	child lnode
	exprs []lexpr
	out   []column
	// strict evaluates in MySQL strict mode (values written by DML)
	strict bool
}

func (n *lProject) cols() []column        { return n.out }
func (n *lProject) children() []lnode     { return []lnode{n.child} }
func (n *lProject) setChildren(c []lnode) { n.child = c[0] }
func (n *lProject) describe() string {
	parts := make([]string, len(n.exprs))
	for i, e := range n.exprs {
		parts[i] = fmt.Sprintf("%s AS %s#%d", e, n.out[i].name, n.out[i].id)
	}
	return "Project " + strings.Join(parts, ", ")
}

type aggCall struct {
	agg *aggExpr
	col column
}

type lAgg struct {
	child  lnode
	groups []lexpr
	gcols  []column
	aggs   []aggCall
}

func (n *lAgg) cols() []column {
	out := append([]column(nil), n.gcols...)
	for _, a := range n.aggs {
		out = append(out, a.col)
	}
	return out
}
func (n *lAgg) children() []lnode     { return []lnode{n.child} }
func (n *lAgg) setChildren(c []lnode) { n.child = c[0] }
func (n *lAgg) describe() string {
	var aggs []string
	for _, a := range n.aggs {
		aggs = append(aggs, fmt.Sprintf("%s AS #%d", a.agg, a.col.id))
	}
	return fmt.Sprintf("Aggregate group by [%s] aggregates [%s]", joinExprs(n.groups, ", "), strings.Join(aggs, ", "))
}

type lJoin struct {
	left, right lnode
	kind        executor.JoinKind
	conds       []lexpr
}

func (n *lJoin) cols() []column {
	if n.kind == executor.SemiJoin || n.kind == executor.AntiJoin || n.kind == executor.NullAwareAntiJoin {
		return n.left.cols()
	}
	return append(append([]column(nil), n.left.cols()...), n.right.cols()...)
}
func (n *lJoin) children() []lnode     { return []lnode{n.left, n.right} }
func (n *lJoin) setChildren(c []lnode) { n.left, n.right = c[0], c[1] }
func (n *lJoin) describe() string {
	s := joinKindName(n.kind) + " Join"
	if len(n.conds) > 0 {
		s += " on " + joinExprs(n.conds, " AND ")
	}
	return s
}

func joinKindName(k executor.JoinKind) string {
	switch k {
	case executor.InnerJoin:
		return "Inner"
	case executor.LeftJoin:
		return "Left"
	case executor.RightJoin:
		return "Right"
	case executor.FullJoin:
		return "Full"
	case executor.SemiJoin:
		return "Semi"
	case executor.AntiJoin:
		return "Anti"
	case executor.NullAwareAntiJoin:
		return "NullAwareAnti"
	case executor.CrossJoin:
		return "Cross"
	}
	return "?"
}

type sortKey struct {
	e    lexpr
	desc bool
}

type lSort struct {
	child lnode
	keys  []sortKey
}

func (n *lSort) cols() []column        { return n.child.cols() }
func (n *lSort) children() []lnode     { return []lnode{n.child} }
func (n *lSort) setChildren(c []lnode) { n.child = c[0] }
func (n *lSort) describe() string      { return "Sort " + sortKeysString(n.keys) }

func sortKeysString(keys []sortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.e.String()
		if k.desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

type lLimit struct {
	child         lnode
	offset, count int64 // count < 0: no limit
}

func (n *lLimit) cols() []column        { return n.child.cols() }
func (n *lLimit) children() []lnode     { return []lnode{n.child} }
func (n *lLimit) setChildren(c []lnode) { n.child = c[0] }
func (n *lLimit) describe() string {
	return fmt.Sprintf("Limit offset=%d count=%d", n.offset, n.count)
}

type lDistinct struct{ child lnode }

func (n *lDistinct) cols() []column        { return n.child.cols() }
func (n *lDistinct) children() []lnode     { return []lnode{n.child} }
func (n *lDistinct) setChildren(c []lnode) { n.child = c[0] }
func (n *lDistinct) describe() string      { return "Distinct" }

type lSetOp struct {
	kind        executor.SetOpKind
	all         bool
	left, right lnode
	out         []column
}

func (n *lSetOp) cols() []column        { return n.out }
func (n *lSetOp) children() []lnode     { return []lnode{n.left, n.right} }
func (n *lSetOp) setChildren(c []lnode) { n.left, n.right = c[0], c[1] }
func (n *lSetOp) describe() string {
	s := [...]string{"Union", "Except", "Intersect"}[n.kind]
	if n.all {
		s += " All"
	}
	return s
}

// lInsert, lDelete and lUpdate are the DML roots.
type lInsert struct {
	tbl   catalog.MutableTable
	child lnode // produces the table's columns in order
}

func (n *lInsert) cols() []column        { return nil }
func (n *lInsert) children() []lnode     { return []lnode{n.child} }
func (n *lInsert) setChildren(c []lnode) { n.child = c[0] }
func (n *lInsert) describe() string      { return "Insert into " + n.tbl.Name() }

type lDelete struct {
	tbl     catalog.MutableTable
	child   lnode
	rowAddr int // column id of _rowaddr
}

func (n *lDelete) cols() []column        { return nil }
func (n *lDelete) children() []lnode     { return []lnode{n.child} }
func (n *lDelete) setChildren(c []lnode) { n.child = c[0] }
func (n *lDelete) describe() string      { return "Delete from " + n.tbl.Name() }

type lUpdate struct {
	tbl     catalog.MutableTable
	child   lnode // a projection: new values of every column, then _rowaddr
	rowAddr int
	newCols []int // ids of the new column values, in table order
}

func (n *lUpdate) cols() []column        { return nil }
func (n *lUpdate) children() []lnode     { return []lnode{n.child} }
func (n *lUpdate) setChildren(c []lnode) { n.child = c[0] }
func (n *lUpdate) describe() string      { return "Update " + n.tbl.Name() }

func joinExprs(es []lexpr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, sep)
}

// explainLogical renders a logical tree, including subquery plans.
func explainLogical(n lnode) string {
	var sb strings.Builder
	var subs []*subqExpr
	seen := map[int]bool{}
	var rec func(n lnode, depth int)
	rec = func(n lnode, depth int) {
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(n.describe())
		sb.WriteByte('\n')
		for _, e := range nodeExprs(n) {
			walkExpr(e, func(x lexpr) {
				if s, ok := x.(*subqExpr); ok && !seen[s.id] {
					seen[s.id] = true
					subs = append(subs, s)
				}
			})
		}
		for _, c := range n.children() {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	for i := 0; i < len(subs); i++ {
		fmt.Fprintf(&sb, "subquery#%d:\n", subs[i].id)
		rec(subs[i].plan, 1)
	}
	return sb.String()
}

// nodeExprs lists the expressions a node evaluates.
func nodeExprs(n lnode) []lexpr {
	switch x := n.(type) {
	case *lFilter:
		return x.conds
	case *lProject:
		return x.exprs
	case *lAgg:
		out := append([]lexpr(nil), x.groups...)
		for _, a := range x.aggs {
			out = append(out, a.agg.args...)
		}
		return out
	case *lJoin:
		return x.conds
	case *lSort:
		out := make([]lexpr, len(x.keys))
		for i, k := range x.keys {
			out[i] = k.e
		}
		return out
	case *lWindow:
		return x.exprs()
	case *lValues:
		var out []lexpr
		for _, r := range x.rows {
			out = append(out, r...)
		}
		return out
	}
	return nil
}
