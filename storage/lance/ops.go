package lance

import (
	"context"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
)

// ---- Delete / Update ----

// deletion is the effect of deleting rows: fragments that get a new deletion
// file and fragments that lose all rows.
type deletion struct {
	updated map[uint64]*fragment
	removed []uint64
	touched map[uint64]bool
	count   int64 // rows newly deleted
}

// planDeletion groups row addresses by fragment and writes new deletion files.
func (d *Dataset) planDeletion(ctx context.Context, rowAddrs []uint64) (*deletion, error) {
	byID := make(map[uint64]*fragment, len(d.m.Fragments))
	for _, f := range d.m.Fragments {
		byID[f.ID] = f
	}
	perFrag := map[uint64][]uint32{}
	for _, a := range rowAddrs {
		id, off := a>>32, uint32(a)
		f, ok := byID[id]
		if !ok || uint64(off) >= f.PhysicalRows {
			return nil, errf(sqlerr.ErrWrongArguments, "row address %d (fragment %d, offset %d) does not exist in version %d of %s", a, id, off, d.m.Version, d.uri)
		}
		perFrag[id] = append(perFrag[id], off)
	}
	del := &deletion{updated: map[uint64]*fragment{}, touched: map[uint64]bool{}}
	ids := make([]uint64, 0, len(perFrag))
	for id := range perFrag {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		f := byID[id]
		old, err := d.deletedRows(ctx, f)
		if err != nil {
			return nil, err
		}
		bm := roaring.New()
		if old != nil {
			bm = old.Clone()
		}
		before := bm.GetCardinality()
		bm.AddMany(perFrag[id])
		added := bm.GetCardinality() - before
		if added == 0 {
			continue
		}
		del.count += int64(added)
		del.touched[id] = true
		if bm.GetCardinality() >= f.PhysicalRows {
			del.removed = append(del.removed, id)
			continue
		}
		write := d.writeDeletionFile
		if d.arrowDeletions {
			write = d.writeArrowDeletionFile
		}
		df, err := write(ctx, id, bm)
		if err != nil {
			return nil, err
		}
		nf := f.clone()
		nf.Deletion = df
		del.updated[id] = nf
	}
	return del, nil
}

// applyTo replaces or removes the touched fragments of m.
func (del *deletion) applyTo(m *manifest, what string) error {
	seen := 0
	out := m.Fragments[:0:0]
	removed := map[uint64]bool{}
	for _, id := range del.removed {
		removed[id] = true
	}
	for _, f := range m.Fragments {
		switch {
		case removed[f.ID]:
			seen++
		case del.updated[f.ID] != nil:
			seen++
			out = append(out, del.updated[f.ID])
		default:
			out = append(out, f)
		}
	}
	if seen != len(del.touched) {
		return conflictf("%s: fragments it changes were removed concurrently; re-read the table and retry", what)
	}
	m.Fragments = out
	return nil
}

func (del *deletion) sortedUpdated() []*fragment {
	out := make([]*fragment, 0, len(del.updated))
	for _, f := range del.updated {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type deleteOp struct{ del *deletion }

func (o *deleteOp) opCode() int             { return opDelete }
func (o *deleteOp) apply(m *manifest) error { return o.del.applyTo(m, "Delete") }
func (o *deleteOp) body() []byte {
	b := encodeFragments(nil, 1, o.del.sortedUpdated())
	return putPackedUint64(b, 2, o.del.removed)
}
func (o *deleteOp) conflicts(t *txnInfo) error {
	if structural(t.Op) || touchesAny(t, o.del.touched) {
		return conflictErr("", "Delete", t)
	}
	return nil
}

// Delete marks the rows at the given addresses (fragment id << 32 | offset,
// as returned by a scan WithRowAddr of this version) as deleted and returns
// the new version. Addresses already deleted are ignored.
func (d *Dataset) Delete(ctx context.Context, rowAddrs []uint64) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if len(rowAddrs) == 0 {
		return d, nil
	}
	del, err := d.planDeletion(ctx, rowAddrs)
	if err != nil {
		return nil, err
	}
	if del.count == 0 {
		return d, nil
	}
	return d.commit(ctx, &deleteOp{del: del})
}

type updateOp struct {
	del   *deletion
	frags []*fragment
}

func (o *updateOp) opCode() int { return opUpdate }
func (o *updateOp) apply(m *manifest) error {
	if err := o.del.applyTo(m, "Update"); err != nil {
		return err
	}
	return (&appendOp{frags: o.frags}).apply(m)
}
func (o *updateOp) body() []byte {
	b := putPackedUint64(nil, 1, o.del.removed)
	b = encodeFragments(b, 2, o.del.sortedUpdated())
	return encodeFragments(b, 3, o.frags)
}
func (o *updateOp) conflicts(t *txnInfo) error {
	if structural(t.Op) || touchesAny(t, o.del.touched) {
		return conflictErr("", "Update", t)
	}
	return nil
}

// Update replaces the rows at rowAddrs by newRows in one commit (Lance's
// Update operation: the old rows are deleted, the new ones appended).
func (d *Dataset) Update(ctx context.Context, rowAddrs []uint64, newRows array.RecordReader) (_ *Dataset, err error) {
	defer recoverErr(&err)
	w, err := d.writeAll(ctx, newRows, d.m.Fields, d.schema)
	if err != nil {
		return nil, err
	}
	del, err := d.planDeletion(ctx, rowAddrs)
	if err != nil {
		w.abort(ctx)
		return nil, err
	}
	if del.count == 0 && len(w.frags) == 0 {
		return d, nil
	}
	nd, err := d.commit(ctx, &updateOp{del: del, frags: w.frags})
	if err != nil {
		w.abort(ctx)
	}
	return nd, err
}

// ---- schema metadata ----

type configOp struct {
	kv map[string]string // "" removes
}

func (o *configOp) opCode() int { return opUpdateConfig }
func (o *configOp) apply(m *manifest) error {
	for k, v := range o.kv {
		if v == "" {
			delete(m.SchemaMeta, k)
		} else {
			m.SchemaMeta[k] = v
		}
	}
	return nil
}
func (o *configOp) body() []byte {
	keys := make([]string, 0, len(o.kv))
	for k := range o.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var um []byte
	for _, k := range keys {
		var e []byte
		e = putBytes(e, 1, []byte(k))
		if v := o.kv[k]; v != "" {
			e = putBytes(e, 2, []byte(v))
		}
		um = putBytes(um, 1, e)
	}
	return putBytes(nil, 8, um) // schema_metadata_updates
}
func (o *configOp) conflicts(t *txnInfo) error {
	if structural(t.Op) {
		return conflictErr("", "UpdateSchemaMetadata", t)
	}
	return nil
}

// UpdateSchemaMetadata upserts schema metadata keys in one commit; an empty
// value removes the key. Other keys, including those written by LanceDB,
// are kept.
func (d *Dataset) UpdateSchemaMetadata(ctx context.Context, kv map[string]string) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if len(kv) == 0 {
		return d, nil
	}
	cp := make(map[string]string, len(kv))
	for k, v := range kv {
		cp[k] = v
	}
	return d.commit(ctx, &configOp{kv: cp})
}

// ---- AddColumns / DropColumns ----

type mergeOp struct {
	fields []format.Field
	frags  []*fragment // every fragment of the version read, with the new file
}

func (o *mergeOp) opCode() int { return opMerge }
func (o *mergeOp) apply(m *manifest) error {
	m.Fields = o.fields
	m.Fragments = o.frags
	return nil
}
func (o *mergeOp) body() []byte {
	b := encodeFragments(nil, 1, o.frags)
	for i := range o.fields {
		b = putBytes(b, 2, format.EncodeField(&o.fields[i]))
	}
	return b
}
func (o *mergeOp) conflicts(t *txnInfo) error {
	switch t.Op {
	case opCreateIndex, opReserveFragments, opUpdateConfig, opUpdateMemWal, opAppendFRI:
		if t.Op == opUpdateConfig {
			// Our field list would overwrite its field metadata changes.
			return conflictErr("", "AddColumns", t)
		}
		return nil
	}
	return conflictErr("", "AddColumns", t)
}

// AddColumns adds columns without rewriting existing data: for each fragment,
// values returns the new columns' rows, which are written to one new data
// file of that fragment. values may return either one row per physical row
// (Fragment.PhysicalRows, in offset order, deleted ones included) or one row
// per live row (PhysicalRows - DeletedRows, in offset order); in the latter
// case deleted offsets get nulls.
func (d *Dataset) AddColumns(ctx context.Context, fields []arrow.Field,
	values func(ctx context.Context, frag Fragment) (array.RecordReader, error)) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if len(fields) == 0 {
		return d, nil
	}
	for _, f := range fields {
		if idx := d.schema.FieldIndices(f.Name); len(idx) > 0 {
			return nil, errf(sqlerr.ErrWrongArguments, "Duplicate column name '%s'", f.Name)
		}
	}
	// New ids must not collide with dropped columns still stored in old data
	// files, so look at the files too, not only the schema.
	next := int32(0)
	for _, f := range d.m.Fields {
		if f.ID >= next {
			next = f.ID + 1
		}
	}
	for _, fr := range d.m.Fragments {
		for _, df := range fr.Files {
			for _, id := range df.Fields {
				if id >= next {
					next = id + 1
				}
			}
		}
	}
	newSchema := arrow.NewSchema(fields, nil)
	newFields, _, err := format.FromArrow(newSchema, next)
	if err != nil {
		return nil, err
	}
	op := &mergeOp{fields: append(append([]format.Field(nil), d.m.Fields...), newFields...)}
	var written []*fragmentWriter
	abort := func() {
		for _, w := range written {
			w.abort(ctx)
		}
	}
	for _, f := range d.m.Fragments {
		nf, w, err := d.addColumnsToFragment(ctx, f, newFields, newSchema, values)
		if w != nil {
			written = append(written, w)
		}
		if err != nil {
			abort()
			return nil, err
		}
		op.frags = append(op.frags, nf)
	}
	nd, err := d.commit(ctx, op)
	if err != nil {
		abort()
	}
	return nd, err
}

func (d *Dataset) addColumnsToFragment(ctx context.Context, f *fragment, newFields []format.Field, newSchema *arrow.Schema,
	values func(ctx context.Context, frag Fragment) (array.RecordReader, error)) (*fragment, *fragmentWriter, error) {
	pub := publicFragment(f)
	rdr, err := values(ctx, pub)
	if err != nil {
		return nil, nil, err
	}
	defer rdr.Release()
	del, err := d.deletedRows(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	// Buffer per fragment only as needed to decide live vs physical: we
	// collect batches, then write them (scattering nulls for deleted rows).
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var n int64
	for rdr.Next() {
		rec, err := conform(newSchema, rdr.RecordBatch())
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
		n += rec.NumRows()
	}
	if err := rdr.Err(); err != nil {
		return nil, nil, err
	}
	live := pub.PhysicalRows - pub.DeletedRows
	switch {
	case n == pub.PhysicalRows:
	case n == live && del != nil:
		scattered, err := scatterLive(d, recs, newSchema, del, pub.PhysicalRows)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range recs {
			r.Release()
		}
		recs = []arrow.RecordBatch{scattered}
	default:
		return nil, nil, errf(sqlerr.ErrWrongValueCount, "new column values for fragment %d have %d rows, want %d (physical) or %d (live)", f.ID, n, pub.PhysicalRows, live)
	}
	w := d.newFragmentWriter(newFields, newSchema)
	w.maxRows = int64(f.PhysicalRows) + 1 // one file for the whole fragment
	for _, r := range recs {
		if err := w.write(ctx, r); err != nil {
			w.abort(ctx)
			return nil, nil, err
		}
	}
	if _, err := w.finish(); err != nil {
		w.abort(ctx)
		return nil, nil, err
	}
	nf := f.clone()
	if len(w.frags) == 1 {
		nf.Files = append(nf.Files, w.frags[0].Files[0])
	}
	return nf, w, nil
}

// scatterLive places live-row values at their physical offsets, with nulls at
// deleted offsets.
func scatterLive(d *Dataset, recs []arrow.RecordBatch, schema *arrow.Schema, del *roaring.Bitmap, physical int64) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	for c := range cols {
		chunks := make([]arrow.Array, len(recs))
		for i, r := range recs {
			chunks[i] = r.Column(c)
		}
		liveCol, err := array.Concatenate(chunks, d.mem)
		if err != nil {
			return nil, err
		}
		runs, _ := keptRuns(del, 0, physical)
		var parts []arrow.Array
		pos, src := int64(0), int64(0)
		for _, r := range runs {
			if r[0] > pos {
				parts = append(parts, array.MakeArrayOfNull(d.mem, liveCol.DataType(), int(r[0]-pos)))
			}
			parts = append(parts, array.NewSlice(liveCol, src, src+r[1]-r[0]))
			src += r[1] - r[0]
			pos = r[1]
		}
		if pos < physical {
			parts = append(parts, array.MakeArrayOfNull(d.mem, liveCol.DataType(), int(physical-pos)))
		}
		cols[c], err = array.Concatenate(parts, d.mem)
		for _, p := range parts {
			p.Release()
		}
		liveCol.Release()
		if err != nil {
			for _, x := range cols[:c] {
				x.Release()
			}
			return nil, err
		}
	}
	rec := array.NewRecordBatch(schema, cols, physical)
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

type projectOp struct{ fields []format.Field }

func (o *projectOp) opCode() int { return opProject }
func (o *projectOp) apply(m *manifest) error {
	m.Fields = o.fields
	return nil
}
func (o *projectOp) body() []byte {
	var b []byte
	for i := range o.fields {
		b = putBytes(b, 1, format.EncodeField(&o.fields[i]))
	}
	return b
}
func (o *projectOp) conflicts(t *txnInfo) error {
	switch t.Op {
	case opAppend, opDelete, opUpdate, opReserveFragments, opUpdateMemWal, opAppendFRI, opRewrite:
		return nil
	}
	return conflictErr("", "DropColumns", t)
}

// DropColumns removes top-level columns (and their nested fields) from the
// schema in one commit. Data files are not rewritten.
func (d *Dataset) DropColumns(ctx context.Context, names []string) (_ *Dataset, err error) {
	defer recoverErr(&err)
	drop := map[int32]bool{}
	for _, n := range names {
		i, err := d.columnIndex(n)
		if err != nil {
			return nil, err
		}
		drop[d.topIDs[i]] = true
	}
	if len(drop) == 0 {
		return d, nil
	}
	if len(drop) == len(d.topIDs) {
		return nil, errf(sqlerr.ErrWrongArguments, "cannot drop every column of %s; drop the table instead", d.uri)
	}
	// Fields are listed parents first, so one pass drops whole subtrees.
	var kept []format.Field
	for _, f := range d.m.Fields {
		if drop[f.ID] || (f.ParentID >= 0 && drop[f.ParentID]) {
			drop[f.ID] = true
			continue
		}
		kept = append(kept, f)
	}
	return d.commit(ctx, &projectOp{fields: kept})
}
