// Package engine runs statements against a database folder: it parses each
// statement, dispatches DDL to the catalog, plans and executes queries and DML
// through the planner and executor, and runs refresh and backfill jobs.
package engine

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/jobs"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/udf"
)

// Config holds the options of an open database.
type Config struct {
	AllowExternal bool
	Mem           memory.Allocator
	Progress      func(Progress)
	// BatchSize is the number of rows per batch in query execution.
	BatchSize int
}

// DefaultConfig is what Open uses without options.
func DefaultConfig() Config {
	return Config{AllowExternal: true, Mem: memory.DefaultAllocator, BatchSize: 4096}
}

// Progress is a report from a running job.
type Progress struct {
	JobID     string
	Kind      string // "refresh", "backfill"
	Target    string
	RowsDone  int64
	RowsTotal int64
	Elapsed   time.Duration
	Done      bool
}

// Result is the outcome of one statement.
type Result struct {
	// Reader holds the rows of a statement that returns rows (nil otherwise);
	// the caller must Release it.
	Reader array.RecordReader
	// RowsAffected counts rows inserted, updated or deleted.
	RowsAffected int64
	// Message is a short human note ("refreshed 3 fragments").
	Message string
}

// Engine is an open database.
type Engine struct {
	dir string
	cfg Config
	fns *functions.Registry
	cat *catalog.Catalog

	jobs   *jobs.Store
	errlog *jobs.ErrorLog

	// looseGroupBy is sql_mode without ONLY_FULL_GROUP_BY (SET sql_mode).
	looseGroupBy atomic.Bool
	// What LAST_INSERT_ID() and ROW_COUNT() report. The engine is one
	// session: connections that share it (database/sql) share these too.
	lastInsertID atomic.Int64
	rowCount     atomic.Int64
}

// Open opens (creating if needed) the database folder dir.
func Open(dir string, cfg Config) (*Engine, error) {
	if cfg.Mem == nil {
		cfg.Mem = memory.DefaultAllocator
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 4096
	}
	fns := functions.NewBuiltinRegistry().NewChild()
	cat, err := catalog.Open(dir, cfg.Mem, fns)
	if err != nil {
		return nil, err
	}
	js, err := jobs.NewStore(cat.SystemPath())
	if err != nil {
		return nil, err
	}
	el, err := jobs.NewErrorLog(cat.SystemPath())
	if err != nil {
		return nil, err
	}
	e := &Engine{dir: dir, cfg: cfg, fns: fns, cat: cat, jobs: js, errlog: el}
	cat.AddSystemTables(e.systemTables)
	if err := e.loadFunctions(); err != nil {
		return nil, err
	}
	return e, nil
}

// Close releases the engine: user functions' instances (external
// processes, loaded models) are stopped.
func (e *Engine) Close() error {
	var first error
	for _, f := range e.fns.List() {
		if f.Builtin {
			continue
		}
		if ent, ok := e.fns.Lookup(f.Name); ok {
			if err := udf.Release(ent); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Functions is the database's function registry.
func (e *Engine) Functions() *functions.Registry { return e.fns }

// Catalog is the database's catalog.
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// RegisterFunction adds a user function.
func (e *Engine) RegisterFunction(f *functions.Entry) error {
	if f == nil || f.Info.Name == "" {
		return sqlerr.New(sqlerr.ErrWrongArguments, "RegisterFunction: the function has no name")
	}
	e.fns.Register(f)
	return nil
}

// Run executes one statement. Errors are positioned in the coordinates of
// the script the statement came from. A panic anywhere below becomes an
// error: no panic reaches the caller.
func (e *Engine) Run(ctx context.Context, stmt parser.Statement, args ...any) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res = nil
			err = parser.Shift(sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: %v\n%s", r, debug.Stack()), stmt)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	p, err := parser.Parse(stmt.Text)
	if err != nil {
		return nil, parser.Shift(err, stmt)
	}
	s := &session{e: e, ctx: ctx, stmt: stmt, params: args}
	if p.Own != nil {
		res, err = s.runOwn(p.Own)
	} else {
		res, err = s.runAST(p.AST)
	}
	switch {
	case err != nil:
	case res.Reader != nil:
		e.rowCount.Store(-1)
	default:
		e.rowCount.Store(res.RowsAffected)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, parser.Shift(canceled(ctx.Err()), stmt)
		}
		return nil, parser.Shift(err, stmt)
	}
	return res, nil
}

func canceled(err error) error {
	return &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: "Query execution was interrupted", Cause: err}
}

// session is the state of one running statement.
type session struct {
	e      *Engine
	ctx    context.Context
	stmt   parser.Statement
	params []any
	now    time.Time
	// mem, if set, replaces the engine's allocator for small results.
	mem memory.Allocator
	// trig is set while a statement fires triggers (trigger.go).
	trig *trigState
}

func (s *session) evalContext(strict bool) *functions.EvalContext {
	if s.now.IsZero() {
		s.now = time.Now()
	}
	return &functions.EvalContext{Ctx: s.ctx, Mem: s.e.cfg.Mem, Now: s.now, Strict: strict, Session: &functions.Session{
		Database: filepath.Base(s.e.dir), User: "genevasql@localhost", ConnectionID: 1,
		LastInsertID: s.e.lastInsertID.Load(), RowCount: s.e.rowCount.Load(),
	}}
}

func (s *session) env(strict bool) *executor.Env {
	return &executor.Env{Eval: s.evalContext(strict), BatchSize: s.e.cfg.BatchSize}
}

func (s *session) runAST(node ast.StmtNode) (*Result, error) {
	switch n := node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		return s.query(n)
	case *ast.ExplainStmt:
		if show, ok := n.Stmt.(*ast.ShowStmt); ok { // DESCRIBE t
			return s.show(show)
		}
		return s.query(n)
	case *ast.CreateTableStmt:
		return s.createTable(n)
	case *ast.DropTableStmt:
		return s.dropTable(n)
	case *ast.CreateViewStmt:
		return s.createView(n)
	case *ast.ShowStmt:
		return s.show(n)
	case *ast.AlterTableStmt:
		return s.alterTable(n)
	case *ast.LoadDataStmt:
		return s.loadData(n)
	case *ast.ImportIntoStmt:
		return s.importInto(n)
	case *ast.CreateIndexStmt:
		return s.createIndex(n)
	case *ast.DropIndexStmt:
		return s.dropIndex(n)
	case *ast.AnalyzeTableStmt:
		return &Result{}, nil
	case *ast.OptimizeTableStmt:
		return s.optimizeTable(n)
	case *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt:
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "transactions are not supported: every statement commits on its own")
	case *ast.SetStmt:
		if loose, ok := planner.SQLModeChange(n, s.e.looseGroupBy.Load()); ok {
			s.e.looseGroupBy.Store(loose)
			return &Result{}, nil
		}
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "SET is supported only for sql_mode (ONLY_FULL_GROUP_BY)")
	case *ast.UseStmt:
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "USE is not supported: a GenevaSQL database is one folder (--db DIR)")
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "statement not supported: %s", stmtKind(node))
}

func stmtKind(node ast.StmtNode) string {
	t := fmt.Sprintf("%T", node)
	if len(t) > 5 && t[:5] == "*ast." {
		t = t[5:]
	}
	return t
}

// query plans and runs SELECT, set operations, DML and EXPLAIN.
func (s *session) query(node ast.StmtNode) (*Result, error) {
	if _, ok := node.(*ast.InsertStmt); ok {
		// LAST_INSERT_ID() is the first value the INSERT numbers.
		s.ctx = catalog.WithInsertIDSink(s.ctx, func(id int64) { s.e.lastInsertID.Store(id) })
	}
	pl := &planner.Planner{Catalog: s.dmlResolver(node), LooseGroupBy: s.e.looseGroupBy.Load()}
	plan, err := pl.Plan(s.ctx, node, s.params)
	if err != nil {
		return nil, err
	}
	env := s.env(plan.IsDML())
	op, err := plan.Open(s.ctx, env)
	if err != nil {
		return nil, err
	}
	if plan.IsDML() {
		n, err := drainCount(s.ctx, op)
		if err != nil {
			return nil, err
		}
		return &Result{RowsAffected: n}, nil
	}
	return &Result{Reader: executor.NewRecordReader(s.ctx, op)}, nil
}

// drainCount runs a DML operator and sums its rows_affected column.
func drainCount(ctx context.Context, op executor.Operator) (int64, error) {
	defer op.Close()
	var n int64
	for {
		rec, err := op.Next(ctx)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if rec.NumCols() > 0 {
			if c, ok := rec.Column(0).(*array.Int64); ok {
				for i := 0; i < c.Len(); i++ {
					n += c.Value(i)
				}
			}
		}
		rec.Release()
	}
}

// rowsResult builds a small result (SHOW, DESCRIBE) from Go values.
func (s *session) rowsResult(schema *arrow.Schema, rows [][]any) (*Result, error) {
	mem := s.mem
	if mem == nil {
		mem = s.e.cfg.Mem
	}
	rec, err := buildRecord(mem, schema, rows)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		return nil, err
	}
	return &Result{Reader: rdr}, nil
}
