package lance

import (
	"context"

	"github.com/genevasql/genevasql/sqlerr"
)

type restoreOp struct{ old *manifest }

func (o *restoreOp) opCode() int { return opRestore }

func (o *restoreOp) apply(m *manifest) error {
	// The restored version's content with the current bookkeeping (fragment
	// ids never go backwards, so later appends cannot reuse an id).
	m.Fields = o.old.Fields
	m.SchemaMeta = make(map[string]string, len(o.old.SchemaMeta))
	for k, v := range o.old.SchemaMeta {
		m.SchemaMeta[k] = v
	}
	m.Fragments = append([]*fragment(nil), o.old.Fragments...)
	m.IndexSection = o.old.IndexSection
	m.extra = o.old.extra
	m.FormatVersion = o.old.FormatVersion
	return nil
}

func (o *restoreOp) body() []byte { return putVarint(nil, 1, o.old.Version) }

func (o *restoreOp) conflicts(*txnInfo) error { return nil }

// Restore commits a new version whose content is that of an earlier version
// (Lance's Restore): time travel made permanent. The history stays.
func (d *Dataset) Restore(ctx context.Context, version uint64) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if version == 0 || version > d.m.Version {
		return nil, errf(sqlerr.ErrWrongArguments, "cannot restore %s to version %d (current is %d)", d.uri, version, d.m.Version)
	}
	old, err := Open(ctx, d.uri, WithVersion(version), WithStore(d.store), WithAllocator(d.mem))
	if err != nil {
		return nil, err
	}
	return d.commit(ctx, &restoreOp{old: old.m})
}
