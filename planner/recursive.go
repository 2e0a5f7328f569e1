package planner

import (
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/sqlerr"
)

// MySQL's recursive CTE error numbers.
const (
	errCTENoUnion      = 3573 // ER_CTE_RECURSIVE_REQUIRES_UNION
	errCTENoAnchor     = 3574 // ER_CTE_RECURSIVE_REQUIRES_NONRECURSIVE_FIRST
	errCTERefOnce      = 3577 // ER_CTE_RECURSIVE_REFERENCED_MORE_THAN_ONCE
	errViewColumnCount = 1353
)

// lRecursive is WITH RECURSIVE: the anchor's rows, then the step run over
// the previous iteration's rows (read through lWorkTable) until it
// produces none.
type lRecursive struct {
	name         string
	anchor, step lnode
	out          []column
	distinct     bool
	work         *workHolder
}

func (n *lRecursive) cols() []column        { return n.out }
func (n *lRecursive) children() []lnode     { return []lnode{n.anchor, n.step} }
func (n *lRecursive) setChildren(c []lnode) { n.anchor, n.step = c[0], c[1] }
func (n *lRecursive) describe() string {
	u := "UNION ALL"
	if n.distinct {
		u = "UNION"
	}
	return fmt.Sprintf("RecursiveCTE %s (%s)", n.name, u)
}

// lWorkTable reads the rows of the running iteration of a recursive CTE.
type lWorkTable struct {
	name string
	work *workHolder
	out  []column
}

func (n *lWorkTable) cols() []column      { return n.out }
func (n *lWorkTable) children() []lnode   { return nil }
func (n *lWorkTable) setChildren([]lnode) {}
func (n *lWorkTable) describe() string    { return "WorkTable " + n.name }

// workHolder passes an iteration's rows to the work-table scans of the
// step being opened; mu is held from setting them to the end of the open,
// so concurrent runs of one plan do not mix their rows.
type workHolder struct {
	mu      sync.Mutex
	batches []arrow.RecordBatch
}

// recRef describes a recursive CTE while its recursive part is bound.
type recRef struct {
	work  *workHolder
	names []string
	types []arrow.DataType
	refs  int
}

// recursiveRefs maps the stand-in CTE entries that name a recursive CTE
// inside its own definition to what a reference there reads. Keys are
// fresh nodes per binding, so concurrent planners never share one.
var recursiveRefs sync.Map // *ast.CommonTableExpression -> *recRef

// bindRecursiveRef binds a reference to cte when it is a recursive CTE
// (ok=true): inside its own recursive part it reads the work table,
// elsewhere it is the whole recursive computation.
func (b *binder) bindRecursiveRef(cte *ast.CommonTableExpression, alias string, idx int) (lnode, []column, bool, error) {
	if v, ok := recursiveRefs.Load(cte); ok {
		rr := v.(*recRef)
		rr.refs++
		wt := &lWorkTable{name: cte.Name.O, work: rr.work}
		for i, t := range rr.types {
			wt.out = append(wt.out, b.newCol(rr.names[i], alias, t))
		}
		return wt, wt.out, true, nil
	}
	if !cte.IsRecursive || !refersToTable(cte.Query.Query, cte.Name.L) {
		return nil, nil, false, nil
	}
	n, cols, err := b.bindRecursiveCTE(cte, alias, idx)
	return n, cols, true, err
}

func (b *binder) bindRecursiveCTE(cte *ast.CommonTableExpression, alias string, idx int) (lnode, []column, error) {
	name := cte.Name.O
	q, ok := cte.Query.Query.(*ast.SetOprStmt)
	if !ok || q.SelectList == nil {
		return nil, nil, b.errAtWord(name, errCTENoUnion, "Recursive Common Table Expression '%s' should contain a UNION", name)
	}
	if q.OrderBy != nil {
		return nil, nil, b.errAtWord(name, sqlerr.ErrNotSupported, "This version of MySQL doesn't yet support 'ORDER BY over UNION in recursive Common Table Expression'")
	}
	sels := q.SelectList.Selects
	k := -1
	for i, s := range sels {
		refers := refersToTable(s, cte.Name.L)
		if refers && k < 0 {
			k = i
		}
		if !refers && k >= 0 || (refers && i == 0) {
			return nil, nil, b.errAtWord(name, errCTENoAnchor, "Recursive Common Table Expression '%s' should have one or more non-recursive query blocks followed by one or more recursive ones", name)
		}
	}
	distinct := true
	if op := setOperatorOf(sels[k]); op != nil {
		switch *op {
		case ast.UnionAll:
			distinct = false
		case ast.Union:
		default:
			return nil, nil, b.errAtWord(name, errCTENoUnion, "Recursive Common Table Expression '%s' should contain a UNION", name)
		}
	}
	saved := b.ctes
	b.ctes = b.ctes[:idx:idx]
	b.views++
	defer func() { b.ctes = saved; b.views-- }()
	if b.views > 32 {
		return nil, nil, b.errAtWord(name, sqlerr.ErrNotSupported, "common table expression '%s' nests too deeply", name)
	}
	anchor, err := b.bindSetOprList(&ast.SetOprSelectList{Selects: sels[:k]}, &scope{})
	if err != nil {
		return nil, nil, err
	}
	acols := anchor.cols()
	if len(cte.ColNameList) > 0 && len(cte.ColNameList) != len(acols) {
		return nil, nil, b.errAtWord(name, errViewColumnCount, "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts")
	}
	rr := &recRef{work: &workHolder{}}
	for i, c := range acols {
		n := c.name
		if i < len(cte.ColNameList) {
			n = cte.ColNameList[i].O
		}
		rr.names = append(rr.names, n)
		rr.types = append(rr.types, c.t)
	}
	stand := &ast.CommonTableExpression{Name: cte.Name}
	recursiveRefs.Store(stand, rr)
	defer recursiveRefs.Delete(stand)
	b.ctes = append(b.ctes[:idx:idx], stand)
	step, err := b.bindSetOprList(&ast.SetOprSelectList{Selects: sels[k:]}, &scope{})
	if err != nil {
		return nil, nil, err
	}
	if rr.refs != 1 || refersInSubquery(sels[k:], cte.Name.L) {
		return nil, nil, b.errAtWord(name, errCTERefOnce, "In recursive query block of Recursive Common Table Expression '%s', the recursive table must be referenced only once, and not in any subquery", name)
	}
	if len(step.cols()) != len(acols) {
		return nil, nil, b.errAtWord(name, 1222, "The used SELECT statements have a different number of columns")
	}
	// The anchor decides the column types, as in MySQL.
	n := &lRecursive{name: name, anchor: anchor, step: b.castColumns(step, rr.types), distinct: distinct, work: rr.work}
	for i, t := range rr.types {
		n.out = append(n.out, b.newCol(rr.names[i], "", t))
	}
	if q.Limit != nil {
		// LIMIT on a recursive CTE stops the recursion once that many rows
		// are produced (the operator streams, so a limit above it does).
		l, err := b.bindLimit(q.Limit, n)
		if err != nil {
			return nil, nil, err
		}
		return l, requalify(l.cols(), alias, cte.ColNameList), nil
	}
	return n, requalify(n.out, alias, cte.ColNameList), nil
}

func setOperatorOf(n ast.Node) *ast.SetOprType {
	switch x := n.(type) {
	case *ast.SelectStmt:
		return x.AfterSetOperator
	case *ast.SetOprSelectList:
		return x.AfterSetOperator
	}
	return nil
}

// refersToTable reports whether n reads a table of that (lower-case) name
// without a schema qualifier.
func refersToTable(n ast.Node, name string) bool {
	v := &tableRefFinder{name: name}
	n.Accept(v)
	return v.found
}

// refersInSubquery reports whether a subquery expression inside nodes
// reads the table name: such a subquery runs after the step's work table
// is gone, which is why MySQL forbids it in a recursive query block.
func refersInSubquery(nodes []ast.Node, name string) bool {
	for _, n := range nodes {
		v := &subqueryRefFinder{name: name}
		n.Accept(v)
		if v.found {
			return true
		}
	}
	return false
}

type subqueryRefFinder struct {
	name  string
	found bool
}

func (v *subqueryRefFinder) Enter(n ast.Node) (ast.Node, bool) {
	if sq, ok := n.(*ast.SubqueryExpr); ok && refersToTable(sq, v.name) {
		v.found = true
	}
	return n, v.found
}

func (v *subqueryRefFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

type tableRefFinder struct {
	name  string
	found bool
}

func (v *tableRefFinder) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok && t.Schema.L == "" && t.Name.L == v.name {
		v.found = true
	}
	return n, v.found
}

func (v *tableRefFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (pb *physBuilder) planRecursive(x *lRecursive) (*pnode, error) {
	anchor, err := pb.plan(x.anchor)
	if err != nil {
		return nil, err
	}
	step, err := pb.plan(x.step)
	if err != nil {
		return nil, err
	}
	schema := schemaOf(x.out)
	work, distinct := x.work, x.distinct
	u := "UNION ALL"
	if distinct {
		u = "UNION"
	}
	return &pnode{name: "RecursiveCTE", detail: fmt.Sprintf("%s %s max depth %d", x.name, u, executor.DefaultMaxRecursion),
		children: []*pnode{anchor, step}, layout: layoutOf(x.out), schema: schema, lazyChildren: true,
		open: func(env *executor.Env, _ []executor.Operator) (executor.Operator, error) {
			a, err := anchor.build(env)
			if err != nil {
				return nil, err
			}
			next := func(rows []arrow.RecordBatch) (executor.Operator, error) {
				work.mu.Lock()
				defer work.mu.Unlock()
				work.batches = rows
				defer func() { work.batches = nil }()
				return step.build(env)
			}
			return executor.NewRecursiveCTE(env, schema, a, next, distinct, executor.DefaultMaxRecursion), nil
		}}, nil
}

func (pb *physBuilder) planWorkTable(x *lWorkTable) (*pnode, error) {
	schema := schemaOf(x.out)
	work := x.work
	names := make([]string, len(x.out))
	for i, c := range x.out {
		names[i] = c.name
	}
	return &pnode{name: "WorkTable", detail: x.name + " [" + strings.Join(names, ", ") + "]", layout: layoutOf(x.out), schema: schema,
		open: func(env *executor.Env, _ []executor.Operator) (executor.Operator, error) {
			// called while the recursive operator holds work.mu
			bs := make([]arrow.RecordBatch, len(work.batches))
			for i, b := range work.batches {
				bs[i] = array.NewRecordBatch(schema, b.Columns(), b.NumRows())
			}
			return executor.NewValues(schema, bs), nil
		}}, nil
}
