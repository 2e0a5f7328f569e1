package catalog

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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

	// The visible schema, derived from ds on first use; a refresh's workers
	// plan against one table from several goroutines, hence the lock.
	schemaMu sync.Mutex
	schema   *arrow.Schema
	schemaOf *lance.Dataset
}

func (t *LanceTable) Name() string { return t.name }

// Path is the dataset folder.
func (t *LanceTable) Path() string { return t.path }

// Dataset is the pinned snapshot.
func (t *LanceTable) Dataset() *lance.Dataset { return t.ds }

// Schema is the table's visible columns: hidden bookkeeping columns (names
// starting with "__", such as a view's source row address) are left out, and
// computed columns not yet backfilled are added (they read as NULL).
func (t *LanceTable) Schema() *arrow.Schema {
	t.schemaMu.Lock()
	defer t.schemaMu.Unlock()
	if t.schema == nil || t.schemaOf != t.ds {
		t.schema, t.schemaOf = visibleSchema(t.ds), t.ds
	}
	return t.schema
}

func visibleSchema(ds *lance.Dataset) *arrow.Schema {
	s := ds.Schema()
	var fs []arrow.Field
	have := map[string]bool{}
	for _, f := range s.Fields() {
		if !strings.HasPrefix(f.Name, "__") {
			fs = append(fs, f)
			have[strings.ToLower(f.Name)] = true
		}
	}
	comp := ComputedColumns(ds.SchemaMetadata())
	names := make([]string, 0, len(comp))
	for n := range comp {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if have[n] {
			continue
		}
		if f, err := SQLTypeField(comp[n].Name, comp[n].SQLType); err == nil {
			fs = append(fs, f)
		}
	}
	md := s.Metadata()
	return arrow.NewSchema(fs, &md)
}

// CountRows is the number of live rows of the pinned version.
func (t *LanceTable) CountRows() int64 { return t.ds.CountRows() }

// IsMaterializedView reports whether the dataset is a materialized view.
func (t *LanceTable) IsMaterializedView() bool {
	return t.ds.SchemaMetadata()[MetaKind] == "materialized_view"
}

// Scan implements Table. Computed columns not yet stored come back NULL.
func (t *LanceTable) Scan(ctx context.Context, req ScanRequest) (RecordStream, error) {
	fields := t.Schema().Fields()
	cols := req.Columns
	if cols == nil {
		cols = make([]int, len(fields))
		for i := range cols {
			cols[i] = i
		}
	}
	opts := lance.ScanOptions{WithRowAddr: req.WithRowAddr, Fragments: req.Fragments, BatchSize: req.BatchSize, Columns: []string{}}
	stored := t.ds.Schema()
	var missing []int // positions in the output that are not stored
	for i, c := range cols {
		name := fields[c].Name
		if len(stored.FieldIndices(name)) == 0 {
			missing = append(missing, i)
			continue
		}
		opts.Columns = append(opts.Columns, name)
	}
	sc, err := t.ds.Scan(ctx, opts)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot scan table '%s': %v", t.name, err)
	}
	if len(missing) == 0 {
		return sc, nil
	}
	out := make([]arrow.Field, 0, len(cols)+1)
	for _, c := range cols {
		out = append(out, fields[c])
	}
	if req.WithRowAddr {
		out = append(out, arrow.Field{Name: RowAddrColumn, Type: arrow.PrimitiveTypes.Uint64})
	}
	return &nullFill{in: sc, schema: arrow.NewSchema(out, nil), missing: missing, mem: t.mem}, nil
}

// nullFill inserts all-NULL columns at the missing output positions.
type nullFill struct {
	in      RecordStream
	schema  *arrow.Schema
	missing []int
	mem     memory.Allocator
}

func (n *nullFill) Schema() *arrow.Schema { return n.schema }
func (n *nullFill) Close() error          { return n.in.Close() }
func (n *nullFill) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := n.in.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	cols := make([]arrow.Array, len(n.schema.Fields()))
	var made []arrow.Array
	src, mi := 0, 0
	for i := range cols {
		if mi < len(n.missing) && n.missing[mi] == i {
			a := array.MakeArrayOfNull(n.mem, n.schema.Field(i).Type, int(rec.NumRows()))
			made = append(made, a)
			cols[i] = a
			mi++
			continue
		}
		cols[i] = rec.Column(src)
		src++
	}
	out := array.NewRecordBatch(n.schema, cols, rec.NumRows())
	for _, a := range made {
		a.Release()
	}
	return out, nil
}

// toStored converts batches of the visible schema to the stored schema:
// hidden columns and stored computed columns the batch lacks become NULL,
// computed columns not stored yet are dropped.
type toStored struct {
	in     RecordStream
	schema *arrow.Schema
	mem    memory.Allocator
	row    int64 // rows seen so far, for error messages
}

func (t *LanceTable) storedStream(in RecordStream) RecordStream {
	return &toStored{in: in, schema: t.ds.Schema(), mem: t.mem}
}

func (c *toStored) Schema() *arrow.Schema { return c.schema }
func (c *toStored) Close() error          { return c.in.Close() }
func (c *toStored) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := c.in.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	in := rec.Schema()
	if err := c.checkLengths(rec); err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(c.schema.Fields()))
	var made []arrow.Array
	for i, f := range c.schema.Fields() {
		if idx := in.FieldIndices(f.Name); len(idx) > 0 {
			cols[i] = rec.Column(idx[0])
			continue
		}
		a := array.MakeArrayOfNull(c.mem, f.Type, int(rec.NumRows()))
		made = append(made, a)
		cols[i] = a
	}
	out := array.NewRecordBatch(c.schema, cols, rec.NumRows())
	for _, a := range made {
		a.Release()
	}
	return out, nil
}

// Insert implements MutableTable.
func (t *LanceTable) Insert(ctx context.Context, rows RecordStream) (int64, error) {
	rows = t.withAutoIncrement(rows)
	if keys, err := t.uniqueKeys(); err != nil || len(keys) > 0 {
		if err != nil {
			return 0, err
		}
		return t.insertKeyed(ctx, rows, keys, ConflictError)
	}
	rdr := &streamReader{ctx: ctx, s: t.storedStream(rows)}
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
	rdr := &streamReader{ctx: ctx, s: t.storedStream(newRows)}
	rdr.refs.Store(1)
	if len(rowAddrs) == 0 {
		newRows.Close()
		return 0, nil
	}
	if keys, err := t.uniqueKeys(); err != nil || len(keys) > 0 {
		if err != nil {
			return 0, err
		}
		return t.updateKeyed(ctx, rowAddrs, newRows, keys)
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

// checkLengths enforces VARCHAR(n)/CHAR(n) as MySQL's strict mode does:
// a longer value is error 1406 naming the column and the row.
func (c *toStored) checkLengths(rec arrow.RecordBatch) error {
	in := rec.Schema()
	for i, f := range in.Fields() {
		col, ok := rec.Column(i).(*array.String)
		if !ok {
			continue
		}
		n := declaredLength(c.schema, f.Name)
		if n <= 0 {
			continue
		}
		for r := 0; r < col.Len(); r++ {
			if col.IsValid(r) {
				v := col.Value(r)
				if len(v) > n && utf8.RuneCountInString(v) > n {
					c.row += int64(r)
					return sqlerr.New(1406, "Data too long for column '%s' at row %d", f.Name, c.row+1)
				}
			}
		}
	}
	c.row += rec.NumRows()
	return nil
}

// declaredLength reads n from a stored column declared VARCHAR(n) or CHAR(n).
func declaredLength(schema *arrow.Schema, name string) int {
	idx := schema.FieldIndices(name)
	if len(idx) == 0 {
		return 0
	}
	t, ok := schema.Field(idx[0]).Metadata.GetValue(MetaSQLType)
	if !ok {
		return 0
	}
	t = strings.ToLower(t)
	if !strings.HasPrefix(t, "varchar(") && !strings.HasPrefix(t, "char(") {
		return 0
	}
	open, end := strings.IndexByte(t, '('), strings.IndexByte(t, ')')
	if end < open {
		return 0
	}
	n, err := strconv.Atoi(t[open+1 : end])
	if err != nil {
		return 0
	}
	return n
}
