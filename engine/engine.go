// Package engine runs statements against a database folder: it parses each
// statement, dispatches DDL to the catalog, plans and executes queries and DML,
// and runs refresh and backfill jobs.
package engine

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// Config holds the options of an open database.
type Config struct {
	AllowExternal bool
	Mem           memory.Allocator
	Progress      func(Progress)
}

// DefaultConfig is what Open uses without options.
func DefaultConfig() Config {
	return Config{AllowExternal: true, Mem: memory.DefaultAllocator}
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
	// Message is a short human note ("Query OK", "refreshed 3 fragments").
	Message string
}

// Engine is an open database.
type Engine struct {
	dir string
	cfg Config
	fns *functions.Registry
}

// Open opens (creating if needed) the database folder dir.
func Open(dir string, cfg Config) (*Engine, error) {
	return &Engine{dir: dir, cfg: cfg, fns: functions.NewRegistry()}, nil
}

// Close releases the engine.
func (e *Engine) Close() error { return nil }

// Functions is the database's function registry.
func (e *Engine) Functions() *functions.Registry { return e.fns }

// RegisterFunction adds a user function.
func (e *Engine) RegisterFunction(f *functions.Entry) error {
	e.fns.Register(f)
	return nil
}

// Run executes one statement.
func (e *Engine) Run(ctx context.Context, stmt parser.Statement, args ...any) (*Result, error) {
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "not implemented yet").At(stmt.Line, stmt.Column)
}
