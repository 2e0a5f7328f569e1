// Package planner turns parsed statements into executable plans: it binds
// TiDB ASTs to a logical plan (names resolved to column ids, functions to
// bound kernels), applies rewrite rules (constant folding, predicate and
// projection pushdown, join ordering, top-N), lowers the result to a
// physical plan, and opens it as a tree of executor operators.
package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/sqlerr"
)

// Planner plans statements against a catalog.
type Planner struct {
	Catalog catalog.Resolver
	// LooseGroupBy turns off MySQL's ONLY_FULL_GROUP_BY: a column that is
	// neither grouped nor aggregated takes some value of its group
	// (ANY_VALUE) instead of failing with error 1055.
	LooseGroupBy bool
}

// Plan is a planned statement, ready to open.
type Plan struct {
	logical lnode
	root    *pnode
	subs    []*subqueryRunner
	schema  *arrow.Schema
	dml     bool
	// explain is set for EXPLAIN: the plan's output is this text.
	explain   bool
	inner     *Plan
	innerText string
}

// Plan binds and optimizes one statement: SELECT, set operations, INSERT
// (VALUES and SELECT), UPDATE, DELETE, and EXPLAIN of any of these. params
// are the values of `?` markers (nil, int64, float64, string, []byte, bool,
// time.Time). Errors are *sqlerr.Error positioned relative to the
// statement's text.
func (p *Planner) Plan(ctx context.Context, stmt ast.StmtNode, params []any) (pl *Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			pl, err = nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal planner error: %v", r)
		}
	}()
	numberParams(stmt)
	if ex, ok := stmt.(*ast.ExplainStmt); ok {
		if ex.Analyze {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "EXPLAIN ANALYZE is not supported yet").At(1, 1)
		}
		inner, err := p.plan(ctx, ex.Stmt, stmtText(stmt), params)
		if err != nil {
			return nil, err
		}
		return &Plan{explain: true, inner: inner, schema: explainSchema, innerText: inner.Explain()}, nil
	}
	return p.plan(ctx, stmt, stmtText(stmt), params)
}

var explainSchema = arrow.NewSchema([]arrow.Field{{Name: "plan", Type: arrow.BinaryTypes.String}}, nil)

func stmtText(stmt ast.StmtNode) string {
	if t := stmt.OriginalText(); t != "" {
		return t
	}
	return stmt.Text()
}

func (p *Planner) plan(ctx context.Context, stmt ast.StmtNode, text string, params []any) (*Plan, error) {
	if p.Catalog == nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "planner has no catalog")
	}
	b := newBinder(ctx, p.Catalog, text, params)
	b.looseGroupBy = p.LooseGroupBy
	var root lnode
	var err error
	dml := false
	switch s := stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		root, err = b.bindResultSet(s.(ast.ResultSetNode), &scope{})
	case *ast.InsertStmt:
		root, err = b.bindInsert(s)
		dml = true
	case *ast.DeleteStmt:
		root, err = b.bindDelete(s)
		dml = true
	case *ast.UpdateStmt:
		root, err = b.bindUpdate(s)
		dml = true
	default:
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "statement %T cannot be planned", stmt).At(1, 1)
	}
	if err != nil {
		return nil, err
	}
	root = b.optimize(root)
	pruneProjections(root, idSet(root.cols()))
	pruneColumns(root)
	pb := &physBuilder{b: b}
	phys, err := pb.plan(root)
	if err != nil {
		return nil, err
	}
	schema := phys.schema
	if dml {
		schema = dmlSchema
	}
	return &Plan{logical: root, root: phys, subs: pb.subs, schema: schema, dml: dml}, nil
}

// Schema is the statement's output columns; DML returns one int64 column
// rows_affected, EXPLAIN one string column plan.
func (pl *Plan) Schema() *arrow.Schema { return pl.schema }

// IsDML reports whether the statement changes a table.
func (pl *Plan) IsDML() bool {
	if pl.explain {
		return false
	}
	return pl.dml
}

// Explain renders the logical and physical plans.
func (pl *Plan) Explain() string {
	if pl.explain {
		return pl.innerText
	}
	var sb strings.Builder
	sb.WriteString("logical plan:\n")
	for _, l := range strings.Split(strings.TrimRight(explainLogical(pl.logical), "\n"), "\n") {
		sb.WriteString("  " + l + "\n")
	}
	sb.WriteString("physical plan:\n")
	var ps strings.Builder
	pl.root.explain(&ps, 1)
	sb.WriteString(ps.String())
	for _, s := range pl.subs {
		fmt.Fprintf(&sb, "  subquery#%d:\n", s.id)
		var ss strings.Builder
		s.plan.explain(&ss, 2)
		sb.WriteString(ss.String())
	}
	return sb.String()
}

// Open starts the plan. The caller reads the operator to the end (or not)
// and closes it.
func (pl *Plan) Open(ctx context.Context, env *executor.Env) (executor.Operator, error) {
	if env == nil {
		env = &executor.Env{}
	}
	if env.BatchSize <= 0 {
		e := *env
		e.BatchSize = 4096
		env = &e
	}
	if pl.explain {
		return pl.openExplain(env)
	}
	op, err := pl.root.build(env)
	if err != nil {
		return nil, err
	}
	return &planOp{Operator: op, plan: pl, keep: env.KeepInstances}, nil
}

// Close releases what runs of the plan kept: stateful function instances
// of runs opened with Env.KeepInstances.
func (pl *Plan) Close() error {
	if pl.root == nil {
		return nil
	}
	var err error
	closeAll := func(e expr.Expr) {
		if cerr := expr.Close(e); cerr != nil && err == nil {
			err = cerr
		}
	}
	pl.root.walkExprs(closeAll)
	for _, s := range pl.subs {
		s.plan.walkExprs(closeAll)
	}
	return err
}

func (pl *Plan) openExplain(env *executor.Env) (op executor.Operator, err error) {
	mem := memory.Allocator(memory.DefaultAllocator)
	if env.Eval != nil && env.Eval.Mem != nil {
		mem = env.Eval.Mem
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, l := range strings.Split(strings.TrimRight(pl.innerText, "\n"), "\n") {
		b.Append(l)
	}
	col := b.NewArray()
	batch := array.NewRecordBatch(explainSchema, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	defer func() {
		if r := recover(); r != nil {
			batch.Release()
			op, err = nil, sqlerr.New(sqlerr.ErrNotSupported, "cannot run EXPLAIN: %v", r)
		}
	}()
	return executor.NewValues(explainSchema, []arrow.RecordBatch{batch}), nil
}

// planOp releases the plan's per-run state (subquery caches, stateful
// function instances) when the statement's operator is closed.
type planOp struct {
	executor.Operator
	plan   *Plan
	closed bool
	keep   bool
}

func (o *planOp) Close() error {
	err := o.Operator.Close()
	if !o.closed {
		o.closed = true
		for _, s := range o.plan.subs {
			s.reset()
		}
		if !o.keep {
			if cerr := o.plan.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}
	return err
}

func (p *pnode) walkExprs(fn func(expr.Expr)) {
	for _, e := range p.exprs {
		fn(e)
	}
	for _, c := range p.children {
		c.walkExprs(fn)
	}
}

// numberParams gives each `?` its index in text order (the parser leaves
// them unnumbered).
func numberParams(stmt ast.StmtNode) {
	var ps []*test_driver.ParamMarkerExpr
	stmt.Accept(&paramCollector{out: &ps})
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Offset < ps[j].Offset })
	for i, p := range ps {
		p.SetOrder(i)
	}
}

type paramCollector struct {
	out *[]*test_driver.ParamMarkerExpr
}

func (c *paramCollector) Enter(n ast.Node) (ast.Node, bool) {
	if p, ok := n.(*test_driver.ParamMarkerExpr); ok {
		*c.out = append(*c.out, p)
	}
	return n, false
}

func (c *paramCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
