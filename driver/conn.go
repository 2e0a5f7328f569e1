package driver

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/sqlerr"
)

// conn is one database/sql connection. Connections of one folder share the
// engine; a connection only holds a reference.
type conn struct {
	db     *genevasql.DB
	key    string
	owned  bool // release the shared DB on Close
	closed bool
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext checks that query splits; planning happens when it runs.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.closed {
		return nil, errClosed
	}
	if _, err := genevasql.Split(query); err != nil {
		return nil, err
	}
	return &stmt{c: c, query: query}, nil
}

func (c *conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if c.owned {
		return release(c.key)
	}
	return nil
}

var errNoTx = sqlerr.New(sqlerr.ErrNotSupported, "transactions are not supported by GenevaSQL: each statement commits on its own")

// Begin fails: GenevaSQL has no multi-statement transactions.
func (c *conn) Begin() (driver.Tx, error) { return nil, errNoTx }

// BeginTx fails: GenevaSQL has no multi-statement transactions.
func (c *conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return nil, errNoTx }

func (c *conn) Ping(ctx context.Context) error {
	if c.closed {
		return errClosed
	}
	return ctx.Err()
}

func (c *conn) IsValid() bool { return !c.closed }

// CheckNamedValue lets float vectors through as they are (the engine binds
// them to VECTOR columns) and leaves everything else to database/sql's
// default conversion.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch nv.Value.(type) {
	case []float32, []float64:
		return nil
	}
	return driver.ErrSkip
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (res driver.Result, err error) {
	if c.closed {
		return nil, errClosed
	}
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	defer recoverInto(&err)
	r, err := c.db.Exec(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	return result{rows: r.RowsAffected}, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (rs driver.Rows, err error) {
	if c.closed {
		return nil, errClosed
	}
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	defer recoverInto(&err)
	rdr, err := c.db.Query(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	return newRows(rdr), nil
}

// recoverInto turns a panic below the driver into an error: database/sql
// callers must never see a panic from a query.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: %v", r)
	}
}

// positional converts database/sql arguments to the engine's ? values.
func positional(args []driver.NamedValue) ([]any, error) {
	vals := make([]any, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "named parameter %q: GenevaSQL takes ? placeholders only", a.Name)
		}
		vals[i] = a.Value
	}
	return vals, nil
}

type stmt struct {
	c     *conn
	query string
}

var (
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
)

func (s *stmt) Close() error { return nil }

// NumInput is -1: the engine checks the number of arguments.
func (s *stmt) NumInput() int { return -1 }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

type result struct{ rows int64 }

func (r result) LastInsertId() (int64, error) {
	return 0, fmt.Errorf("genevasql: LastInsertId is not supported (tables have no auto-increment)")
}

func (r result) RowsAffected() (int64, error) { return r.rows, nil }
