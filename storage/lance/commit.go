package lance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
	"github.com/genevasql/genevasql/storage/objstore"
)

// operation is one kind of commit. apply builds the next manifest's content
// from a base (the version read, or after a lost race the version that won);
// conflicts says whether a transaction committed by another writer in between
// makes rebasing on it unsafe.
type operation interface {
	opCode() int
	apply(base *manifest) error
	body() []byte // the Transaction operation message
	conflicts(other *txnInfo) error
}

// maxCommitAttempts bounds retries; each retry means another writer won a
// race, so with N writers at most N-1 retries are needed per round.
const maxCommitAttempts = 64

// commit publishes op as the next version. On losing the race for a version
// number it re-reads the winner, checks that the winner's transaction
// commutes with op, re-applies op on top and retries.
func (d *Dataset) commit(ctx context.Context, op operation) (*Dataset, error) {
	if unk := d.m.WriterFlags &^ knownWriterFlags; unk != 0 {
		return nil, errf(sqlerr.ErrNotSupported, "dataset %s version %d needs Lance writer features GenevaSQL does not implement: %s; it is read-only here", d.uri, d.m.Version, flagNames(unk))
	}
	id := uuid.NewString()
	readVersion := d.m.Version
	txnName := fmt.Sprintf("%d-%s.txn", readVersion, id)
	if err := putFile(ctx, d.store, "_transactions/"+txnName, encodeTxn(readVersion, id, op.opCode(), op.body())); err != nil {
		return nil, err
	}
	base := d.m
	for attempt := 0; attempt < maxCommitAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nm := base.clone()
		if base.Version == 0 { // creating
			nm.Fragments = nil
		}
		if err := op.apply(nm); err != nil {
			return nil, err
		}
		nm.Version = base.Version + 1
		nm.TxnFile = txnName
		nm.Timestamp = time.Now().UTC()
		if !nm.Timestamp.After(base.Timestamp) { // keep time travel monotonic
			nm.Timestamp = base.Timestamp.Add(time.Microsecond)
		}
		nm.setFlags()
		if nm.FileFormat == "" {
			nm.FileFormat = "lance"
		}
		name := manifestName(nm.Version, d.v2names)
		err := d.store.PutIfAbsent(ctx, name, encodeManifestFile(nm))
		if err == nil {
			nm.path = name
			d.writeHint(ctx, nm.Version)
			return d.derive(nm)
		}
		if !errors.Is(err, objstore.ErrExists) {
			return nil, err
		}
		// Another writer published this version first.
		if base.Version == 0 {
			return nil, conflictf("another writer created the dataset at %s first", d.uri)
		}
		winner, err := readManifest(ctx, d.store, name)
		if err != nil {
			return nil, err
		}
		t, err := d.readTxn(ctx, winner)
		if err != nil {
			return nil, conflictf("version %d of %s was committed concurrently and its transaction cannot be read (%v); retry the statement", winner.Version, d.uri, err)
		}
		if t == nil {
			return nil, conflictf("version %d of %s was committed concurrently without a transaction record; retry the statement", winner.Version, d.uri)
		}
		if err := op.conflicts(t); err != nil {
			return nil, err
		}
		if unk := winner.WriterFlags &^ knownWriterFlags; unk != 0 {
			return nil, errf(sqlerr.ErrNotSupported, "dataset %s version %d needs Lance writer features GenevaSQL does not implement: %s", d.uri, winner.Version, flagNames(unk))
		}
		base = winner
	}
	return nil, conflictf("gave up committing to %s after %d attempts: too many concurrent writers", d.uri, maxCommitAttempts)
}

// setFlags derives feature flags: unknown-but-allowed ones are carried, the
// deletion-file flag follows the fragments.
func (m *manifest) setFlags() {
	hasDel := false
	for _, f := range m.Fragments {
		if f.Deletion != nil {
			hasDel = true
			break
		}
	}
	m.ReaderFlags &^= flagDeletionFiles
	m.WriterFlags &^= flagDeletionFiles
	if hasDel {
		m.ReaderFlags |= flagDeletionFiles
		m.WriterFlags |= flagDeletionFiles
	}
	if len(m.Fragments) > 0 {
		max := uint32(0)
		if m.HasMaxFragID {
			max = m.MaxFragmentID
		}
		for _, f := range m.Fragments {
			if uint32(f.ID) > max {
				max = uint32(f.ID)
			}
		}
		m.HasMaxFragID, m.MaxFragmentID = true, max
	}
}

// nextFragmentID is the first id never used by this dataset.
func (m *manifest) nextFragmentID() uint64 {
	next := uint64(0)
	if m.HasMaxFragID {
		next = uint64(m.MaxFragmentID) + 1
	}
	for _, f := range m.Fragments {
		if f.ID >= next {
			next = f.ID + 1
		}
	}
	return next
}

// putFile writes a whole object atomically.
func putFile(ctx context.Context, s objstore.Store, name string, data []byte) error {
	w, err := s.Create(ctx, name)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// Conflict rules shared by operations.

// structural ops change the schema or replace the whole table; nothing
// built on the old version can be rebased over them.
func structural(op int) bool {
	switch op {
	case opOverwrite, opRestore, opMerge, opProject, opClone, opUpdateBases, opDataOverlay:
		return true
	}
	return op < opAppend || op > opAppendFRI
}

func conflictErr(_ string, mine string, t *txnInfo) error {
	return conflictf("%s conflicts with a concurrent %s (committed from version %d); re-read the table and retry", mine, opName(t.Op), t.ReadVersion)
}

// touchesAny reports whether t changed any of the fragments in ids.
func touchesAny(t *txnInfo, ids map[uint64]bool) bool {
	for id := range t.Touched {
		if ids[id] {
			return true
		}
	}
	return false
}

// ---- Overwrite (also used by Create) ----

type overwriteOp struct {
	fields []format.Field
	meta   map[string]string
	frags  []*fragment // ids assigned by apply
}

func (o *overwriteOp) opCode() int { return opOverwrite }

func (o *overwriteOp) apply(m *manifest) error {
	next := m.nextFragmentID()
	m.Fields = o.fields
	m.SchemaMeta = o.meta
	m.Fragments = nil
	for i, f := range o.frags {
		f.ID = next + uint64(i)
		m.Fragments = append(m.Fragments, f)
	}
	// Indices describe the old data; an overwrite drops them as Lance does.
	m.IndexSection = nil
	return nil
}

func (o *overwriteOp) body() []byte {
	var b []byte
	b = encodeFragments(b, 1, o.frags)
	for i := range o.fields {
		b = putBytes(b, 2, format.EncodeField(&o.fields[i]))
	}
	return putStringMap(b, 3, o.meta)
}

func (o *overwriteOp) conflicts(*txnInfo) error { return nil }

// recoverErr turns a panic in a kernel (Arrow, data file codec) into an error
// at the API boundary, so no panic escapes to the caller.
func recoverErr(err *error) {
	if r := recover(); r != nil {
		*err = errf(sqlerr.ErrUnknownSystem, "internal error in Lance storage: %v", r)
	}
}
