package lance

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
)

// ReplaceColumns writes new values of existing top-level columns for some
// fragments, in one commit, without rewriting the other columns: each listed
// fragment gets a new data file holding the columns, and the columns' field
// ids are tombstoned (-2) in the fragment's older data files, which is how
// Lance replaces a column in place. values returns one row per physical row
// or per live row of the fragment (deleted offsets then get nulls), as for
// AddColumns. Fragments not listed keep their values.
func (d *Dataset) ReplaceColumns(ctx context.Context, names []string, frags []uint64,
	values func(ctx context.Context, frag Fragment) (array.RecordReader, error)) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if len(names) == 0 || len(frags) == 0 {
		return d, nil
	}
	ids := map[int32]bool{}
	fields := make([]arrow.Field, len(names))
	var lfields []format.Field
	for i, n := range names {
		idx, err := d.columnIndex(n)
		if err != nil {
			return nil, err
		}
		id := d.topIDs[idx]
		ids[id] = true
		fields[i] = d.schema.Field(idx)
		for _, f := range d.m.Fields {
			if f.ID == id || f.ParentID == id {
				lfields = append(lfields, f)
			}
		}
	}
	for _, f := range lfields {
		if f.ParentID >= 0 && !ids[f.ParentID] {
			return nil, errf(sqlerr.ErrNotSupported, "ReplaceColumns: nested column %q is not supported", f.Name)
		}
	}
	schema := arrow.NewSchema(fields, nil)
	want := map[uint64]bool{}
	for _, id := range frags {
		want[id] = true
	}
	op := &mergeOp{fields: d.m.Fields}
	var written []*fragmentWriter
	abort := func() {
		for _, w := range written {
			w.abort(ctx)
		}
	}
	found := 0
	for _, f := range d.m.Fragments {
		if !want[f.ID] {
			op.frags = append(op.frags, f)
			continue
		}
		found++
		nf, w, err := d.addColumnsToFragment(ctx, f, lfields, schema, values)
		if w != nil {
			written = append(written, w)
		}
		if err != nil {
			abort()
			return nil, err
		}
		// Tombstone the replaced ids in the older files (all but the new last one).
		for i := 0; i < len(nf.Files)-1; i++ {
			df := *nf.Files[i]
			df.Fields = append([]int32(nil), df.Fields...)
			changed := false
			for j, id := range df.Fields {
				if ids[id] {
					df.Fields[j] = -2
					changed = true
				}
			}
			if changed {
				nf.Files[i] = &df
			}
		}
		op.frags = append(op.frags, nf)
	}
	if found != len(want) {
		abort()
		return nil, errf(sqlerr.ErrWrongArguments, "ReplaceColumns: %d of the %d fragments are not in version %d", len(want)-found, len(want), d.m.Version)
	}
	nd, err := d.commit(ctx, op)
	if err != nil {
		abort()
	}
	return nd, err
}
