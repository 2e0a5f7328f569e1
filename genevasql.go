// Package genevasql embeds the GenevaSQL engine in a Go program: open a
// database folder, run SQL, read results as Arrow record batches, and register
// Go functions that SQL (and materialized views) can call.
//
//	db, err := genevasql.Open("./genevasql.db")
//	defer db.Close()
//	_, err = db.Exec(ctx, "CREATE TABLE t (id INT, name VARCHAR(20))")
//	rdr, err := db.Query(ctx, "SELECT * FROM t WHERE id > ?", 10)
package genevasql

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/engine"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
)

// DB is an open database folder. It is safe for concurrent use.
type DB struct {
	eng *engine.Engine
}

// Option configures Open.
type Option func(*engine.Config)

// WithExternalFunctions allows or forbids CREATE FUNCTION … LANGUAGE EXTERNAL
// and calling such functions. External functions run programs with this
// process's rights, so embedding programs may turn them off. Default: allowed.
func WithExternalFunctions(allow bool) Option {
	return func(c *engine.Config) { c.AllowExternal = allow }
}

// WithAllocator sets the Arrow allocator used for query memory.
func WithAllocator(mem memory.Allocator) Option {
	return func(c *engine.Config) { c.Mem = mem }
}

// WithProgress receives progress reports of long jobs (refresh, backfill).
func WithProgress(fn func(engine.Progress)) Option {
	return func(c *engine.Config) { c.Progress = fn }
}

// Open opens the database folder dir, creating it if needed.
func Open(dir string, opts ...Option) (*DB, error) {
	cfg := engine.DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	e, err := engine.Open(dir, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{eng: e}, nil
}

// Close releases the database. Running statements are cancelled.
func (db *DB) Close() error { return db.eng.Close() }

// Result is the outcome of one statement.
type Result = engine.Result

// Statement is one statement of a script, with its position in the script.
type Statement = parser.Statement

// Split cuts a script into statements at top-level semicolons (a semicolon in
// a string, identifier or comment does not end a statement). A syntax error
// that prevents splitting (an unterminated string) is returned with its line
// and column.
func Split(script string) ([]Statement, error) { return parser.Split(script) }

// Run executes one statement. Errors carry the statement's line and column in
// the script it was split from. If the result has a Reader, the caller must
// read or Release it before running the next statement on the same session.
func (db *DB) Run(ctx context.Context, stmt Statement, args ...any) (*Result, error) {
	return db.eng.Run(ctx, stmt, args...)
}

// Exec runs every statement in sql, in order, stopping at the first error; rows
// that statements return are discarded. It returns the last statement's result
// (without rows).
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (*Result, error) {
	stmts, err := parser.Split(sql)
	if err != nil {
		return nil, err
	}
	last := &Result{}
	for _, s := range stmts {
		res, err := db.eng.Run(ctx, s, args...)
		if err != nil {
			return nil, err
		}
		if res.Reader != nil {
			for res.Reader.Next() {
			}
			err := res.Reader.Err()
			res.Reader.Release()
			res.Reader = nil
			if err != nil {
				return nil, err
			}
		}
		last = res
	}
	return last, nil
}

// Query runs one statement that returns rows and returns them as an Arrow
// record reader, which the caller must Release.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (array.RecordReader, error) {
	stmts, err := parser.Split(sql)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, errOneStatement(len(stmts))
	}
	res, err := db.eng.Run(ctx, stmts[0], args...)
	if err != nil {
		return nil, err
	}
	if res.Reader == nil {
		return array.NewRecordReader(arrow.NewSchema(nil, nil), nil)
	}
	return res.Reader, nil
}

// RegisterFunction adds a Go function (see the functions package for the
// constructors of scalar, vectorized and stateful functions) to this
// database's registry, replacing one of the same name.
func (db *DB) RegisterFunction(e *functions.Entry) error { return db.eng.RegisterFunction(e) }

// Functions returns the database's function registry.
func (db *DB) Functions() *functions.Registry { return db.eng.Functions() }
