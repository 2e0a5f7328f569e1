package lance

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// Change is several edits committed atomically as one version: for example a
// materialized view refresh that deletes stale rows, appends new ones and
// records its watermark in the schema metadata, all or nothing.
type Change struct {
	// Overwrite replaces every row (the schema is kept) before Append.
	Overwrite bool
	// Delete lists row addresses of the Dataset's version to delete.
	Delete []uint64
	// Append holds rows to add (nil: none).
	Append array.RecordReader
	// Fragments adds data files written ahead by WriteFragments, after
	// Append's rows. They stay on disk if the commit fails: they belong to
	// the caller (a job's checkpoints), not to this change.
	Fragments []PendingFragment
	// SetMetadata upserts schema metadata keys; an empty value removes one.
	SetMetadata map[string]string
	// BaseVersion, when non-zero, must equal the Dataset's version, and the
	// commit then fails with ErrConflict if any other commit landed after it
	// (no rebasing): for writers that must not interleave.
	BaseVersion uint64
}

type changeOp struct {
	del    *deletion // nil: no deletes
	frags  []*fragment
	meta   map[string]string
	strict bool
}

func (o *changeOp) opCode() int {
	switch {
	case o.del != nil && len(o.frags) > 0:
		return opUpdate
	case o.del != nil:
		return opDelete
	case len(o.frags) > 0:
		return opAppend
	}
	return opUpdateConfig
}

func (o *changeOp) apply(m *manifest) error {
	if o.del != nil {
		if err := o.del.applyTo(m, "commit"); err != nil {
			return err
		}
	}
	if err := (&appendOp{frags: o.frags}).apply(m); err != nil {
		return err
	}
	return (&configOp{kv: o.meta}).apply(m)
}

func (o *changeOp) body() []byte {
	switch o.opCode() {
	case opUpdate:
		return (&updateOp{del: o.del, frags: o.frags}).body()
	case opDelete:
		return (&deleteOp{del: o.del}).body()
	case opAppend:
		return (&appendOp{frags: o.frags}).body()
	}
	return (&configOp{kv: o.meta}).body()
}

func (o *changeOp) conflicts(t *txnInfo) error {
	if o.strict {
		return conflictf("a concurrent %s was committed (from version %d) after the version this change was based on", opName(t.Op), t.ReadVersion)
	}
	if structural(t.Op) || (o.del != nil && touchesAny(t, o.del.touched)) {
		return conflictErr("", opName(o.opCode()), t)
	}
	return nil
}

// Apply commits a Change as one new version.
func (d *Dataset) Apply(ctx context.Context, c Change) (nd *Dataset, err error) {
	defer recoverErr(&err)
	if c.BaseVersion != 0 && c.BaseVersion != d.m.Version {
		return nil, errf(sqlerr.ErrWrongArguments, "change based on version %d applied to version %d of %s", c.BaseVersion, d.m.Version, d.uri)
	}
	if c.Overwrite {
		if len(c.Delete) > 0 {
			return nil, errf(sqlerr.ErrWrongArguments, "a change cannot both overwrite and delete rows")
		}
		meta := d.SchemaMetadata()
		(&configOp{kv: c.SetMetadata}).apply(&manifest{SchemaMeta: meta})
		op := &overwriteOp{fields: d.m.Fields, meta: meta}
		w, frags, err := d.newFragments(ctx, c)
		if err != nil {
			return nil, err
		}
		op.frags = frags
		nd, err := d.commitStrict(ctx, op, c.BaseVersion != 0)
		if err != nil && w != nil {
			w.abort(ctx)
		}
		return nd, err
	}
	op := &changeOp{meta: c.SetMetadata, strict: c.BaseVersion != 0}
	w, frags, err := d.newFragments(ctx, c)
	if err != nil {
		return nil, err
	}
	op.frags = frags
	if len(c.Delete) > 0 {
		del, err := d.planDeletion(ctx, c.Delete)
		if err != nil {
			if w != nil {
				w.abort(ctx)
			}
			return nil, err
		}
		if del.count > 0 {
			op.del = del
		}
	}
	if op.del == nil && len(op.frags) == 0 && len(op.meta) == 0 {
		return d, nil
	}
	nd, err = d.commit(ctx, op)
	if err != nil && w != nil {
		w.abort(ctx)
	}
	return nd, err
}

// newFragments writes a change's Append rows and adds its pending files:
// the fragments it adds, and the writer whose files to remove if the commit
// fails (nil if none were written here).
func (d *Dataset) newFragments(ctx context.Context, c Change) (*fragmentWriter, []*fragment, error) {
	var w *fragmentWriter
	var frags []*fragment
	if c.Append != nil {
		var err error
		if w, err = d.writeAll(ctx, c.Append, d.m.Fields, d.schema); err != nil {
			return nil, nil, err
		}
		frags = w.frags
	}
	if len(c.Fragments) > 0 {
		pf, err := d.pendingFragments(ctx, c.Fragments)
		if err != nil {
			if w != nil {
				w.abort(ctx)
			}
			return nil, nil, err
		}
		frags = append(frags, pf...)
	}
	return w, frags, nil
}

// strictOp refuses to rebase over any concurrent commit.
type strictOp struct{ operation }

func (s strictOp) conflicts(t *txnInfo) error {
	return conflictf("a concurrent %s was committed (from version %d) after the version this change was based on", opName(t.Op), t.ReadVersion)
}

func (d *Dataset) commitStrict(ctx context.Context, op operation, strict bool) (*Dataset, error) {
	if strict {
		return d.commit(ctx, strictOp{op})
	}
	return d.commit(ctx, op)
}
