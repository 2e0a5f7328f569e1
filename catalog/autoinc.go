package catalog

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// MetaAutoIncrement marks an AUTO_INCREMENT column (field metadata, "1").
const MetaAutoIncrement = "genevasql:auto_increment"

// IsAutoIncrement reports whether f was declared AUTO_INCREMENT.
func IsAutoIncrement(f arrow.Field) bool {
	v, ok := f.Metadata.GetValue(MetaAutoIncrement)
	return ok && v == "1"
}

// AutoIncrementType reports whether t can hold an AUTO_INCREMENT column.
func AutoIncrementType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT32, arrow.INT64, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

type insertIDKey struct{}

// WithInsertIDSink returns ctx carrying sink, which an INSERT under ctx
// calls once with the first AUTO_INCREMENT value it generates (MySQL's
// LAST_INSERT_ID()).
func WithInsertIDSink(ctx context.Context, sink func(id int64)) context.Context {
	return context.WithValue(ctx, insertIDKey{}, sink)
}

// autoIncrement numbers the rows an INSERT leaves NULL (or 0) in the
// table's AUTO_INCREMENT column, as MySQL does: from one past the largest
// value in the table (read when the first such row arrives), and past any
// larger value the INSERT gives explicitly.
type autoIncrement struct {
	in     RecordStream
	t      *LanceTable
	col    string
	mem    memory.Allocator
	next   int64
	loaded bool
	told   bool // the first generated value went to the context's sink
}

// generated reports a value numbered by this statement to the sink in ctx.
func (a *autoIncrement) generated(ctx context.Context, v int64) {
	if a.told {
		return
	}
	a.told = true
	if sink, ok := ctx.Value(insertIDKey{}).(func(int64)); ok {
		sink(v)
	}
}

// withAutoIncrement wraps rows if the table has an AUTO_INCREMENT column.
func (t *LanceTable) withAutoIncrement(rows RecordStream) RecordStream {
	for _, f := range t.ds.Schema().Fields() {
		if IsAutoIncrement(f) {
			return &autoIncrement{in: rows, t: t, col: f.Name, mem: t.mem, next: 1}
		}
	}
	return rows
}

func (a *autoIncrement) Schema() *arrow.Schema { return a.in.Schema() }
func (a *autoIncrement) Close() error          { return a.in.Close() }

func (a *autoIncrement) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := a.in.Next(ctx)
	if err != nil {
		return nil, err
	}
	idx := rec.Schema().FieldIndices(a.col)
	n := int(rec.NumRows())
	if len(idx) == 0 {
		// The column is not among the inserted ones: number every row.
		defer rec.Release()
		if err := a.load(ctx); err != nil {
			return nil, err
		}
		field, _ := a.t.ds.Schema().FieldsByName(a.col)
		col, err := a.number(ctx, field[0].Type, nil, n)
		if err != nil {
			return nil, err
		}
		defer col.Release()
		fields := append(append([]arrow.Field(nil), rec.Schema().Fields()...), field[0])
		cols := append(append([]arrow.Array(nil), rec.Columns()...), col)
		return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows()), nil
	}
	in := rec.Column(idx[0])
	if !needsNumbers(in) {
		a.pastGiven(in)
		return rec, nil
	}
	defer rec.Release()
	if err := a.load(ctx); err != nil {
		return nil, err
	}
	a.pastGiven(in)
	col, err := a.number(ctx, in.DataType(), in, n)
	if err != nil {
		return nil, err
	}
	defer col.Release()
	cols := append([]arrow.Array(nil), rec.Columns()...)
	cols[idx[0]] = col
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()), nil
}

// needsNumbers reports whether a column holds a NULL or a 0.
func needsNumbers(a arrow.Array) bool {
	if a.NullN() > 0 {
		return true
	}
	for i := 0; i < a.Len(); i++ {
		if intAt(a, i) == 0 {
			return true
		}
	}
	return false
}

func intAt(a arrow.Array, i int) int64 {
	switch c := a.(type) {
	case *array.Int32:
		return int64(c.Value(i))
	case *array.Int64:
		return c.Value(i)
	case *array.Uint32:
		return int64(c.Value(i))
	case *array.Uint64:
		return int64(c.Value(i))
	}
	return -1
}

// pastGiven moves the counter past explicit values.
func (a *autoIncrement) pastGiven(in arrow.Array) {
	for i := 0; i < in.Len(); i++ {
		if in.IsValid(i) {
			if v := intAt(in, i); v >= a.next {
				a.next = v + 1
			}
		}
	}
}

// load finds one past the table's largest value.
func (a *autoIncrement) load(ctx context.Context) error {
	if a.loaded {
		return nil
	}
	a.loaded = true
	sc, err := a.t.ds.Scan(ctx, lance.ScanOptions{Columns: []string{a.col}})
	if err != nil {
		return err
	}
	defer sc.Close()
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		c := rec.Column(0)
		for i := 0; i < c.Len(); i++ {
			if c.IsValid(i) {
				if v := intAt(c, i); v >= a.next {
					a.next = v + 1
				}
			}
		}
		rec.Release()
	}
}

// number returns in with its NULLs and zeros replaced by the next values
// (in nil: n new values).
func (a *autoIncrement) number(ctx context.Context, t arrow.DataType, in arrow.Array, n int) (arrow.Array, error) {
	b := array.NewBuilder(a.mem, t)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		v := int64(0)
		if in != nil && in.IsValid(i) {
			v = intAt(in, i)
		}
		if v == 0 {
			v = a.next
			a.next++
			a.generated(ctx, v)
		}
		switch x := b.(type) {
		case *array.Int32Builder:
			if v > 1<<31-1 {
				return nil, sqlerr.New(1467, "Failed to read auto-increment value from storage engine (column '%s' is full)", a.col)
			}
			x.UnsafeAppend(int32(v))
		case *array.Int64Builder:
			x.UnsafeAppend(v)
		case *array.Uint32Builder:
			if v > 1<<32-1 {
				return nil, sqlerr.New(1467, "Failed to read auto-increment value from storage engine (column '%s' is full)", a.col)
			}
			x.UnsafeAppend(uint32(v))
		case *array.Uint64Builder:
			x.UnsafeAppend(uint64(v))
		default:
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "AUTO_INCREMENT column '%s' must be INT or BIGINT", a.col)
		}
	}
	return b.NewArray(), nil
}
