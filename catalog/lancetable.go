package catalog

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// LanceTable is a table stored as a Lance dataset, pinned at the version it
// was opened at: every scan of one statement sees the same snapshot.
type LanceTable struct {
	name string
	path string
	ds   *lance.Dataset
	mem  memory.Allocator
}

func (t *LanceTable) Name() string { return t.name }

// Path is the dataset folder.
func (t *LanceTable) Path() string { return t.path }

// Dataset is the pinned snapshot.
func (t *LanceTable) Dataset() *lance.Dataset { return t.ds }

// Schema is the table's visible columns: hidden bookkeeping columns (names
// starting with "__", such as a view's source row address) are left out.
func (t *LanceTable) Schema() *arrow.Schema {
	s := t.ds.Schema()
	for _, f := range s.Fields() {
		if strings.HasPrefix(f.Name, "__") {
			return visibleSchema(s)
		}
	}
	return s
}

func visibleSchema(s *arrow.Schema) *arrow.Schema {
	var fs []arrow.Field
	for _, f := range s.Fields() {
		if !strings.HasPrefix(f.Name, "__") {
			fs = append(fs, f)
		}
	}
	md := s.Metadata()
	return arrow.NewSchema(fs, &md)
}

// IsMaterializedView reports whether the dataset is a materialized view.
func (t *LanceTable) IsMaterializedView() bool {
	return t.ds.SchemaMetadata()[MetaKind] == "materialized_view"
}

// Scan implements Table.
func (t *LanceTable) Scan(ctx context.Context, req ScanRequest) (RecordStream, error) {
	opts := lance.ScanOptions{WithRowAddr: req.WithRowAddr, Fragments: req.Fragments, BatchSize: req.BatchSize}
	if req.Columns != nil {
		fields := t.Schema().Fields()
		opts.Columns = make([]string, len(req.Columns))
		for i, c := range req.Columns {
			opts.Columns[i] = fields[c].Name
		}
		if len(opts.Columns) == 0 {
			opts.Columns = []string{}
		}
	}
	sc, err := t.ds.Scan(ctx, opts)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot scan table '%s': %v", t.name, err)
	}
	return sc, nil
}

// Insert implements MutableTable.
func (t *LanceTable) Insert(ctx context.Context, rows RecordStream) (int64, error) {
	rdr := &streamReader{ctx: ctx, s: rows}
	rdr.refs.Store(1)
	ds, err := t.ds.Append(ctx, rdr)
	if rdr.err != nil {
		return 0, rdr.err
	}
	if err != nil {
		return 0, commitError(t.name, err)
	}
	n := ds.CountRows() - t.ds.CountRows()
	if n < 0 || rdr.rows != n {
		n = rdr.rows
	}
	t.ds = ds
	return n, nil
}

// Delete implements MutableTable.
func (t *LanceTable) Delete(ctx context.Context, rowAddrs []uint64) (int64, error) {
	if len(rowAddrs) == 0 {
		return 0, nil
	}
	ds, err := t.ds.Delete(ctx, rowAddrs)
	if err != nil {
		return 0, commitError(t.name, err)
	}
	t.ds = ds
	return int64(len(rowAddrs)), nil
}

// Update implements MutableTable.
func (t *LanceTable) Update(ctx context.Context, rowAddrs []uint64, newRows RecordStream) (int64, error) {
	rdr := &streamReader{ctx: ctx, s: newRows}
	rdr.refs.Store(1)
	if len(rowAddrs) == 0 {
		newRows.Close()
		return 0, nil
	}
	ds, err := t.ds.Update(ctx, rowAddrs, rdr)
	if rdr.err != nil {
		return 0, rdr.err
	}
	if err != nil {
		return 0, commitError(t.name, err)
	}
	t.ds = ds
	return int64(len(rowAddrs)), nil
}

func commitError(name string, err error) error {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, lance.ErrConflict) {
		return &sqlerr.Error{Code: sqlerr.ErrConflict, Msg: "table '" + name + "' was changed by a concurrent statement: " + err.Error(), Cause: err}
	}
	return &sqlerr.Error{Code: sqlerr.ErrUnknownSystem, Msg: "cannot write table '" + name + "': " + err.Error(), Cause: err}
}

// streamReader adapts a RecordStream to arrow's RecordReader, which the
// storage layer consumes; the first stream error is kept in err.
type streamReader struct {
	ctx  context.Context
	s    RecordStream
	cur  arrow.RecordBatch
	err  error
	rows int64
	refs refCount
}

func (r *streamReader) Retain() { r.refs.Add(1) }
func (r *streamReader) Release() {
	if r.refs.Add(-1) == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.s.Close()
	}
}
func (r *streamReader) Schema() *arrow.Schema { return r.s.Schema() }
func (r *streamReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil {
		return false
	}
	rec, err := r.s.Next(r.ctx)
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	r.cur = rec
	r.rows += rec.NumRows()
	return true
}
func (r *streamReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *streamReader) Record() arrow.RecordBatch      { return r.cur }
func (r *streamReader) Err() error                     { return r.err }

var _ array.RecordReader = (*streamReader)(nil)
