package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

// RowsAffectedSchema is the output of the DML operators.
var RowsAffectedSchema = arrow.NewSchema([]arrow.Field{{Name: "rows_affected", Type: arrow.PrimitiveTypes.Int64}}, nil)

// dmlOp runs its statement on the first Next and emits one rows_affected
// batch.
type dmlOp struct {
	env   *Env
	child Operator
	run   func(ctx context.Context) (int64, error)
	done  bool
}

func (d *dmlOp) Schema() *arrow.Schema { return RowsAffectedSchema }

func (d *dmlOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if d.done {
		return nil, io.EOF
	}
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	d.done = true
	n, err := d.run(ctx)
	if err != nil {
		return nil, err
	}
	b := array.NewInt64Builder(d.env.mem())
	defer b.Release()
	b.Append(n)
	a := b.NewArray()
	defer a.Release()
	return array.NewRecordBatch(RowsAffectedSchema, []arrow.Array{a}, 1), nil
}

func (d *dmlOp) Close() error {
	d.done = true
	return d.child.Close()
}

// relabel is a stream that gives child's batches the table's schema (same
// types, the table's names and nullability).
type relabel struct {
	Operator
	schema *arrow.Schema
}

func (r relabel) Schema() *arrow.Schema { return r.schema }
func (r relabel) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	b, err := r.Operator.Next(ctx)
	if err != nil {
		return nil, err
	}
	return withSchema(r.schema, b)
}

func checkSameTypes(what string, got, want *arrow.Schema) error {
	if got.NumFields() != want.NumFields() {
		return sqlerr.New(sqlerr.ErrWrongValueCount, "Column count doesn't match value count: %s has %d columns, the table has %d", what, got.NumFields(), want.NumFields())
	}
	for i := range got.Fields() {
		if !arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type) {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "executor: %s column %d (%s) is %s but the table column is %s", what, i+1, want.Field(i).Name, got.Field(i).Type, want.Field(i).Type)
		}
	}
	return nil
}

// NewInsert writes every row of child into t (child's columns in t's column
// order and types) in one commit and emits rows_affected.
func NewInsert(env *Env, t catalog.MutableTable, child Operator) Operator {
	d := &dmlOp{env: env, child: child}
	d.run = func(ctx context.Context) (int64, error) {
		if err := checkSameTypes("INSERT", child.Schema(), t.Schema()); err != nil {
			return 0, err
		}
		return t.Insert(ctx, relabel{Operator: child, schema: t.Schema()})
	}
	return d
}

// rowAddrs reads the uint64 _rowaddr column of b.
func rowAddrs(b arrow.RecordBatch, col int) (*array.Uint64, error) {
	if col < 0 || col >= int(b.NumCols()) {
		return nil, sqlerr.New(sqlerr.ErrBadField, "executor: row address column #%d out of range", col)
	}
	a, ok := b.Column(col).(*array.Uint64)
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: row address column #%d is %s, not uint64", col, b.Column(col).DataType())
	}
	return a, nil
}

// NewDelete removes the rows whose addresses (uint64 column rowAddrCol of
// child) it reads, each once even if a join produced it several times, and
// emits rows_affected.
func NewDelete(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int) Operator {
	d := &dmlOp{env: env, child: child}
	d.run = func(ctx context.Context) (int64, error) {
		seen := map[uint64]struct{}{}
		var addrs []uint64
		for {
			if err := checkCtx(ctx); err != nil {
				return 0, err
			}
			b, err := child.Next(ctx)
			if err != nil {
				if isEOF(err) {
					break
				}
				return 0, err
			}
			a, err := rowAddrs(b, rowAddrCol)
			if err != nil {
				b.Release()
				return 0, err
			}
			for i, v := range a.Uint64Values() {
				if a.IsNull(i) {
					continue // the NULL side of an outer join: no row
				}
				if _, dup := seen[v]; !dup {
					seen[v] = struct{}{}
					addrs = append(addrs, v)
				}
			}
			b.Release()
		}
		if len(addrs) == 0 {
			return 0, nil
		}
		return t.Delete(ctx, addrs)
	}
	return d
}

// NewUpdate replaces rows: child carries each row's address (uint64 column
// rowAddrCol) and its new values (columns newCols, in t's column order). A
// row produced several times (by a join) is updated once, with its first
// values. Emits rows_affected.
func NewUpdate(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int, newCols []int) Operator {
	d := &dmlOp{env: env, child: child}
	d.run = func(ctx context.Context) (n int64, err error) {
		ts := t.Schema()
		if len(newCols) != ts.NumFields() {
			return 0, sqlerr.New(sqlerr.ErrWrongValueCount, "executor: UPDATE gives %d new columns, the table has %d", len(newCols), ts.NumFields())
		}
		cs := child.Schema()
		for i, c := range newCols {
			if c < 0 || c >= cs.NumFields() {
				return 0, sqlerr.New(sqlerr.ErrBadField, "executor: UPDATE column #%d out of range", c)
			}
			if !arrow.TypeEqual(cs.Field(c).Type, ts.Field(i).Type) {
				return 0, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: UPDATE value for %s is %s, the column is %s", ts.Field(i).Name, cs.Field(c).Type, ts.Field(i).Type)
			}
		}
		seen := map[uint64]struct{}{}
		var addrs []uint64
		var rows []arrow.RecordBatch
		defer func() { releaseBatches(rows) }()
		var sel []int32
		for {
			if err := checkCtx(ctx); err != nil {
				return 0, err
			}
			b, err := child.Next(ctx)
			if err != nil {
				if isEOF(err) {
					break
				}
				return 0, err
			}
			nb, err := updateRows(ctx, d.env, b, rowAddrCol, newCols, ts, seen, &addrs, sel[:0])
			b.Release()
			if err != nil {
				return 0, err
			}
			if nb != nil {
				rows = append(rows, nb)
			}
		}
		if len(addrs) == 0 {
			return 0, nil
		}
		vals := NewValues(ts, rows)
		rows = nil // owned by vals now
		defer vals.Close()
		return t.Update(ctx, addrs, vals)
	}
	return d
}

// updateRows picks the new-value columns of b's rows whose address was not
// seen, appending the addresses; nil when no row is new.
func updateRows(ctx context.Context, env *Env, b arrow.RecordBatch, rowAddrCol int, newCols []int, ts *arrow.Schema,
	seen map[uint64]struct{}, addrs *[]uint64, sel []int32) (arrow.RecordBatch, error) {
	a, err := rowAddrs(b, rowAddrCol)
	if err != nil {
		return nil, err
	}
	for i, v := range a.Uint64Values() {
		if a.IsNull(i) {
			continue
		}
		if _, dup := seen[v]; !dup {
			seen[v] = struct{}{}
			*addrs = append(*addrs, v)
			sel = append(sel, int32(i))
		}
	}
	if len(sel) == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, len(newCols))
	for i, c := range newCols {
		cols[i] = b.Column(c)
	}
	if len(sel) == int(b.NumRows()) {
		return array.NewRecordBatch(ts, cols, b.NumRows()), nil
	}
	picked, err := takeColumns(ctx, env.mem(), cols, sel)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(picked)
	return array.NewRecordBatch(ts, picked, int64(len(sel))), nil
}
