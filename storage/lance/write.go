package lance

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
	"github.com/genevasql/genevasql/storage/objstore"
)

// fileWriter writes one data file (one fragment's worth of rows).
type fileWriter struct {
	name string
	ow   objstore.Writer
	fw   *format.Writer
	rows int64
	sum  *checksumWriter // pending files only
}

// fragmentWriter splits a stream of batches into data files of at most
// maxRows rows, each becoming a new fragment (ids assigned at commit).
type fragmentWriter struct {
	d       *Dataset
	fields  []format.Field
	schema  *arrow.Schema
	maxRows int64
	cur     *fileWriter
	frags   []*fragment
	written []string // data files written, removed again on failure
	// pending: files are written for a later commit (WriteFragments), not
	// flushed one by one, and checksummed so a resumed job can verify them.
	pending bool
	sums    []uint32
}

func (d *Dataset) newFragmentWriter(fields []format.Field, schema *arrow.Schema) *fragmentWriter {
	return &fragmentWriter{d: d, fields: fields, schema: schema, maxRows: int64(d.maxRowsPerFile)}
}

func (w *fragmentWriter) open(ctx context.Context) error {
	name := uuid.NewString() + ".lance"
	var ow objstore.Writer
	var err error
	if w.pending {
		ow, err = objstore.CreateDeferred(ctx, w.d.store, "data/"+name)
	} else {
		ow, err = w.d.store.Create(ctx, "data/"+name)
	}
	if err != nil {
		return err
	}
	cur := &fileWriter{name: name, ow: ow}
	var dst io.Writer = ow
	if w.pending {
		cur.sum = newChecksumWriter(ow)
		dst = cur.sum
	}
	fw, err := format.NewWriter(dst, w.fields, format.WriterOptions{Version: w.d.format, Mem: w.d.mem})
	if err != nil {
		ow.Abort()
		return err
	}
	cur.fw = fw
	w.cur = cur
	return nil
}

func (w *fragmentWriter) finishFile() error {
	c := w.cur
	w.cur = nil
	st, err := c.fw.Finish()
	if err != nil {
		c.ow.Abort()
		return err
	}
	if err := c.ow.Close(); err != nil {
		return err
	}
	w.written = append(w.written, "data/"+c.name)
	if c.sum != nil {
		w.sums = append(w.sums, c.sum.Sum())
	}
	if st.NumRows != c.rows {
		return fmt.Errorf("data file %s holds %d rows, wrote %d", c.name, st.NumRows, c.rows)
	}
	w.frags = append(w.frags, &fragment{
		PhysicalRows: uint64(c.rows),
		Files: []*dataFile{{
			Path: c.name, Fields: st.FieldIDs, ColumnIndices: st.ColumnIndices,
			Major: uint32(w.d.format.Major), Minor: uint32(w.d.format.Minor), SizeBytes: uint64(st.SizeBytes),
		}},
	})
	return nil
}

// write adds one batch whose columns match w.schema.
func (w *fragmentWriter) write(ctx context.Context, rec arrow.RecordBatch) error {
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if w.cur == nil {
			if err := w.open(ctx); err != nil {
				return err
			}
		}
		take := min(n-off, w.maxRows-w.cur.rows)
		part := rec
		if off != 0 || take != n {
			part = rec.NewSlice(off, off+take)
		}
		err := w.cur.fw.Write(part)
		if part != rec {
			part.Release()
		}
		if err != nil {
			return err
		}
		w.cur.rows += take
		off += take
		if w.cur.rows >= w.maxRows {
			if err := w.finishFile(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *fragmentWriter) finish() ([]*fragment, error) {
	if w.cur != nil && w.cur.rows > 0 {
		if err := w.finishFile(); err != nil {
			return nil, err
		}
	} else if w.cur != nil {
		w.cur.fw.Abort()
		w.cur.ow.Abort()
		w.cur = nil
	}
	return w.frags, nil
}

// abort removes everything written; used when a write or commit fails.
func (w *fragmentWriter) abort(ctx context.Context) {
	if w.cur != nil {
		w.cur.fw.Abort() // release the rows it buffered
		w.cur.ow.Abort()
		w.cur = nil
	}
	for _, n := range w.written {
		_ = w.d.store.Delete(ctx, n)
	}
}

// conform checks that an incoming batch matches the table schema (names and
// types; nulls only where allowed) and returns it with the table's schema.
func conform(table *arrow.Schema, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if int(rec.NumCols()) != table.NumFields() {
		return nil, errf(sqlerr.ErrWrongValueCount, "rows have %d columns, the table has %d", rec.NumCols(), table.NumFields())
	}
	for i, f := range table.Fields() {
		c := rec.Column(i)
		if !arrow.TypeEqual(f.Type, c.DataType()) {
			return nil, errf(sqlerr.ErrUnsupportedType, "column %q is %s, rows give %s", f.Name, f.Type, c.DataType())
		}
		if !f.Nullable && c.NullN() > 0 {
			return nil, errf(sqlerr.ErrBadNull, "Column '%s' cannot be null", f.Name)
		}
	}
	return array.NewRecordBatch(table, rec.Columns(), rec.NumRows()), nil
}

// writeAll writes every batch of rdr as new fragments of this table.
func (d *Dataset) writeAll(ctx context.Context, rdr array.RecordReader, fields []format.Field, schema *arrow.Schema) (*fragmentWriter, error) {
	w := d.newFragmentWriter(fields, schema)
	err := func() error {
		for rdr.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, err := conform(schema, rdr.RecordBatch())
			if err != nil {
				return err
			}
			err = w.write(ctx, rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		_, err := w.finish()
		return err
	}()
	if err != nil {
		w.abort(ctx)
		return nil, err
	}
	return w, nil
}

// ---- Append ----

type appendOp struct{ frags []*fragment }

func (o *appendOp) opCode() int { return opAppend }

func (o *appendOp) apply(m *manifest) error {
	next := m.nextFragmentID()
	for i, f := range o.frags {
		f.ID = next + uint64(i)
		m.Fragments = append(m.Fragments, f)
	}
	return nil
}

func (o *appendOp) body() []byte { return encodeFragments(nil, 1, o.frags) }

func (o *appendOp) conflicts(t *txnInfo) error {
	if structural(t.Op) {
		return conflictErr("", "Append", t)
	}
	return nil
}

// Append commits the rows of rdr as new fragments and returns the new
// version. Columns are matched by position and must have the table's types
// (names are not compared); nulls in a NOT NULL column are refused. Each
// data file holds at most MaxRowsPerFile rows. Appending nothing returns d.
func (d *Dataset) Append(ctx context.Context, rdr array.RecordReader) (_ *Dataset, err error) {
	defer recoverErr(&err)
	w, err := d.writeAll(ctx, rdr, d.m.Fields, d.schema)
	if err != nil {
		return nil, err
	}
	if len(w.frags) == 0 {
		return d, nil
	}
	nd, err := d.commit(ctx, &appendOp{frags: w.frags})
	if err != nil {
		w.abort(ctx)
		return nil, err
	}
	return nd, nil
}

// Overwrite replaces the table's schema and rows in one commit. A nil schema
// keeps the current one; a nil rdr leaves the table empty.
func (d *Dataset) Overwrite(ctx context.Context, schema *arrow.Schema, rdr array.RecordReader) (_ *Dataset, err error) {
	defer recoverErr(&err)
	fields, meta := d.m.Fields, d.SchemaMetadata()
	tschema := d.schema
	if schema != nil {
		var err error
		if fields, _, err = format.FromArrow(schema, 0); err != nil {
			return nil, err
		}
		meta = map[string]string{}
		md := schema.Metadata()
		for i, k := range md.Keys() {
			meta[k] = md.Values()[i]
		}
		tschema = schema
	}
	op := &overwriteOp{fields: fields, meta: meta}
	var w *fragmentWriter
	if rdr != nil {
		var err error
		if w, err = d.writeAll(ctx, rdr, fields, tschema); err != nil {
			return nil, err
		}
		op.frags = w.frags
	}
	nd, err := d.commit(ctx, op)
	if err != nil && w != nil {
		w.abort(ctx)
	}
	return nd, err
}
