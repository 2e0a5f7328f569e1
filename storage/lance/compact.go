package lance

import (
	"context"
	"errors"
	"io"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/sqlerr"
)

// CompactOptions configures Compact.
type CompactOptions struct {
	// TargetRowsPerFragment is the size of rewritten fragments (default:
	// the dataset's MaxRowsPerFile). Fragments with fewer live rows are
	// merged with their neighbours.
	TargetRowsPerFragment int
	// MaxDeletedFraction: a fragment with a larger share of deleted rows is
	// rewritten to drop them (default 0.1).
	MaxDeletedFraction float64
}

// CompactResult describes a compaction.
type CompactResult struct {
	FragmentsRemoved int
	FragmentsAdded   int
	RowsRewritten    int64
	// Map maps row addresses of the compacted version to the new version.
	Map *RowAddrMap
}

// RowAddrMap maps row addresses across rewrites (compactions by GenevaSQL
// or by LanceDB): rows keep their order, deleted rows are dropped, and the
// survivors of a group of old fragments are laid out in new fragments.
type RowAddrMap struct {
	steps []map[uint64]*rewriteGroup // by old fragment id, oldest first
}

type rewriteGroup struct {
	old     []uint64
	idx     map[uint64]int // position of each old fragment in old
	oldDel  []*roaring.Bitmap
	oldBase []int64 // index of each old fragment's first live row in the group
	newIDs  []uint64
	newEnd  []int64 // cumulative live rows up to and including each new fragment
}

// Map returns the address a row has after the rewrites, and false if the row
// was deleted (dropped by the rewrite). Rows of fragments that were not
// rewritten keep their address.
func (r *RowAddrMap) Map(addr uint64) (uint64, bool) {
	if r == nil {
		return addr, true
	}
	for _, step := range r.steps {
		g, ok := step[addr>>32]
		if !ok {
			continue
		}
		frag, off := addr>>32, uint32(addr)
		i := g.idx[frag]
		del := g.oldDel[i]
		k := g.oldBase[i] + int64(off)
		if del != nil {
			if del.Contains(off) {
				return 0, false
			}
			k -= int64(del.Rank(off))
		}
		j := sort.Search(len(g.newEnd), func(j int) bool { return g.newEnd[j] > k })
		if j == len(g.newEnd) {
			return 0, false
		}
		start := int64(0)
		if j > 0 {
			start = g.newEnd[j-1]
		}
		addr = g.newIDs[j]<<32 | uint64(k-start)
	}
	return addr, true
}

// Rewrites reports how many rewrites the map spans.
func (r *RowAddrMap) Rewrites() int {
	if r == nil {
		return 0
	}
	return len(r.steps)
}

func newRewriteGroup(old []*fragment, dels []*roaring.Bitmap, news []*fragment) *rewriteGroup {
	g := &rewriteGroup{oldDel: dels, idx: map[uint64]int{}}
	var base int64
	for i, f := range old {
		g.idx[f.ID] = len(g.old)
		g.old = append(g.old, f.ID)
		g.oldBase = append(g.oldBase, base)
		n := int64(f.PhysicalRows)
		if dels[i] != nil {
			n -= int64(dels[i].GetCardinality())
		}
		base += n
	}
	var end int64
	for _, f := range news {
		end += int64(f.PhysicalRows) - f.numDeleted()
		g.newIDs = append(g.newIDs, f.ID)
		g.newEnd = append(g.newEnd, end)
	}
	return g
}

type rewriteOp struct {
	groups [][2][]*fragment // old, new
	old    map[uint64]bool
}

func (o *rewriteOp) opCode() int { return opRewrite }

func (o *rewriteOp) apply(m *manifest) error {
	next := m.nextFragmentID()
	first := map[uint64]int{} // first old fragment id -> group
	for gi, g := range o.groups {
		first[g[0][0].ID] = gi
		for _, f := range g[1] {
			f.ID = next
			next++
		}
	}
	seen := 0
	var out []*fragment
	for _, f := range m.Fragments {
		if !o.old[f.ID] {
			out = append(out, f)
			continue
		}
		seen++
		if gi, ok := first[f.ID]; ok {
			out = append(out, o.groups[gi][1]...)
		}
	}
	if seen != len(o.old) {
		return conflictf("Compact: fragments it rewrites were removed concurrently; retry")
	}
	m.Fragments = out
	m.IndexSection = pruneIndexFragments(m.IndexSection, o.old)
	return nil
}

func (o *rewriteOp) body() []byte {
	var b []byte
	for _, g := range o.groups {
		var gb []byte
		gb = encodeFragments(gb, 1, g[0])
		gb = encodeFragments(gb, 2, g[1])
		b = putBytes(b, 3, gb)
	}
	return b
}

func (o *rewriteOp) conflicts(t *txnInfo) error {
	if structural(t.Op) || t.Op == opCreateIndex || touchesAny(t, o.old) {
		return conflictErr("", "Compact", t)
	}
	return nil
}

// pruneIndexFragments removes rewritten fragments from each index's
// fragment_bitmap, so that Lance treats the new fragments as unindexed
// instead of trusting index entries that point at old row addresses. Every
// other byte of the index section is kept as is.
func pruneIndexFragments(section []byte, removed map[uint64]bool) []byte {
	if len(section) == 0 {
		return section
	}
	var out []byte
	err := walkMsg(section, func(num protowire.Number, typ protowire.Type, _ uint64, idx, raw []byte) error {
		if num != 1 || typ != protowire.BytesType {
			out = append(out, raw...)
			return nil
		}
		var entry []byte
		err := walkMsg(idx, func(n protowire.Number, ty protowire.Type, _ uint64, bm, r []byte) error {
			if n != 5 || ty != protowire.BytesType {
				entry = append(entry, r...)
				return nil
			}
			b := roaring.New()
			if err := b.UnmarshalBinary(bm); err != nil {
				return err
			}
			for id := range removed {
				b.Remove(uint32(id))
			}
			nb, err := b.ToBytes()
			if err != nil {
				return err
			}
			entry = putBytes(entry, 5, nb)
			return nil
		})
		if err != nil {
			return err
		}
		out = putBytes(out, 1, entry)
		return nil
	})
	if err != nil {
		return section // unreadable: keep it rather than lose it
	}
	return out
}

// Compact merges small fragments and drops deleted rows in one commit (a
// Lance Rewrite). Row addresses of rewritten fragments change; the result's
// Map translates them.
func (d *Dataset) Compact(ctx context.Context, opts CompactOptions) (_ *Dataset, _ CompactResult, err error) {
	defer recoverErr(&err)
	target := int64(opts.TargetRowsPerFragment)
	if target <= 0 {
		target = int64(d.maxRowsPerFile)
	}
	maxDel := opts.MaxDeletedFraction
	if maxDel <= 0 {
		maxDel = 0.1
	}
	candidate := func(f *fragment) bool {
		live := int64(f.PhysicalRows) - f.numDeleted()
		return live < target || float64(f.numDeleted()) > maxDel*float64(f.PhysicalRows)
	}
	// Each run of adjacent candidates is one group, rewritten into fragments
	// of target rows (the last one may be smaller); a lone fragment is only
	// worth rewriting to drop deleted rows.
	var groups [][]*fragment
	var cur []*fragment
	flush := func() {
		if len(cur) > 1 || (len(cur) == 1 && cur[0].Deletion != nil) {
			groups = append(groups, cur)
		}
		cur = nil
	}
	for _, f := range d.m.Fragments {
		if !candidate(f) {
			flush()
			continue
		}
		cur = append(cur, f)
	}
	flush()
	res := CompactResult{}
	if len(groups) == 0 {
		return d, res, nil
	}
	op := &rewriteOp{old: map[uint64]bool{}}
	var writers []*fragmentWriter
	abort := func() {
		for _, w := range writers {
			w.abort(ctx)
		}
	}
	var dels [][]*roaring.Bitmap
	for _, g := range groups {
		w, gd, err := d.rewriteGroup(ctx, g, target)
		if w != nil {
			writers = append(writers, w)
		}
		if err != nil {
			abort()
			return nil, res, err
		}
		for _, f := range g {
			op.old[f.ID] = true
		}
		op.groups = append(op.groups, [2][]*fragment{g, w.frags})
		dels = append(dels, gd)
		res.FragmentsRemoved += len(g)
		res.FragmentsAdded += len(w.frags)
		for _, f := range w.frags {
			res.RowsRewritten += int64(f.PhysicalRows)
		}
	}
	nd, err := d.commit(ctx, op)
	if err != nil {
		abort()
		return nil, res, err
	}
	step := map[uint64]*rewriteGroup{}
	for i, g := range op.groups {
		rg := newRewriteGroup(g[0], dels[i], g[1])
		for _, id := range rg.old {
			step[id] = rg
		}
	}
	res.Map = &RowAddrMap{steps: []map[uint64]*rewriteGroup{step}}
	return nd, res, nil
}

func (d *Dataset) rewriteGroup(ctx context.Context, g []*fragment, target int64) (*fragmentWriter, []*roaring.Bitmap, error) {
	dels := make([]*roaring.Bitmap, len(g))
	ids := make([]uint64, len(g))
	for i, f := range g {
		ids[i] = f.ID
		var err error
		if dels[i], err = d.deletedRows(ctx, f); err != nil {
			return nil, nil, err
		}
	}
	sc, err := d.Scan(ctx, ScanOptions{Fragments: ids})
	if err != nil {
		return nil, nil, err
	}
	defer sc.Close()
	w := d.newFragmentWriter(d.m.Fields, d.schema)
	w.maxRows = target
	for {
		rec, err := sc.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return w, nil, err
		}
		err = w.write(ctx, rec)
		rec.Release()
		if err != nil {
			return w, nil, err
		}
	}
	if _, err := w.finish(); err != nil {
		return w, nil, err
	}
	return w, dels, nil
}

// RewriteMap maps row addresses of version sinceVersion to this version
// across every Rewrite (compaction) committed in between, by GenevaSQL or
// LanceDB. Other operations do not move rows, except Update, which deletes
// and re-appends them: those rows map to their old address, which is then
// deleted. It fails if a transaction in between cannot be read or the table
// was overwritten.
func (d *Dataset) RewriteMap(ctx context.Context, sinceVersion uint64) (_ *RowAddrMap, err error) {
	defer recoverErr(&err)
	if sinceVersion > d.m.Version {
		return nil, errf(sqlerr.ErrWrongArguments, "version %d is newer than %d", sinceVersion, d.m.Version)
	}
	vers, err := listVersions(ctx, d.store)
	if err != nil {
		return nil, err
	}
	byVersion := map[uint64]string{}
	for _, v := range vers {
		byVersion[v.version] = v.name
	}
	r := &RowAddrMap{}
	for v := sinceVersion + 1; v <= d.m.Version; v++ {
		name, ok := byVersion[v]
		if !ok {
			return nil, errf(sqlerr.ErrUnknownSystem, "version %d of %s was cleaned up; row addresses cannot be mapped", v, d.uri)
		}
		m, err := readManifest(ctx, d.store, name)
		if err != nil {
			return nil, err
		}
		t, err := d.readTxn(ctx, m)
		if err != nil || t == nil {
			return nil, errf(sqlerr.ErrUnknownSystem, "version %d of %s has no readable transaction; row addresses cannot be mapped", v, d.uri)
		}
		switch t.Op {
		case opRewrite:
			step, err := d.rewriteStep(ctx, t, m)
			if err != nil {
				return nil, err
			}
			r.steps = append(r.steps, step)
		case opOverwrite, opRestore, opClone:
			return nil, errf(sqlerr.ErrUnknownSystem, "version %d of %s replaced the table (%s); row addresses cannot be mapped", v, d.uri, opName(t.Op))
		}
	}
	return r, nil
}

// rewriteStep rebuilds the row mapping of one Rewrite transaction. New
// fragment ids are taken from the manifest it produced (the transaction may
// predate their assignment).
func (d *Dataset) rewriteStep(ctx context.Context, t *txnInfo, m *manifest) (map[uint64]*rewriteGroup, error) {
	step := map[uint64]*rewriteGroup{}
	present := map[string]*fragment{}
	for _, f := range m.Fragments {
		if len(f.Files) > 0 {
			present[f.Files[0].Path] = f
		}
	}
	var legacyOld, legacyNew []*fragment
	addGroup := func(old, news []*fragment) error {
		dels := make([]*roaring.Bitmap, len(old))
		for i, f := range old {
			var err error
			if dels[i], err = d.deletedRows(ctx, f); err != nil {
				return err
			}
		}
		for i, nf := range news {
			if len(nf.Files) > 0 {
				if cur, ok := present[nf.Files[0].Path]; ok {
					news[i] = cur
				}
			}
		}
		g := newRewriteGroup(old, dels, news)
		for _, id := range g.old {
			step[id] = g
		}
		return nil
	}
	err := walkMsg(t.body, func(num protowire.Number, _ protowire.Type, _ uint64, buf, _ []byte) error {
		switch num {
		case 1, 2:
			f, err := decodeFragment(buf)
			if err != nil {
				return err
			}
			if num == 1 {
				legacyOld = append(legacyOld, f)
			} else {
				legacyNew = append(legacyNew, f)
			}
		case 3:
			var old, news []*fragment
			err := walkMsg(buf, func(n protowire.Number, _ protowire.Type, _ uint64, fb, _ []byte) error {
				f, err := decodeFragment(fb)
				if err != nil {
					return err
				}
				if n == 1 {
					old = append(old, f)
				} else if n == 2 {
					news = append(news, f)
				}
				return nil
			})
			if err != nil {
				return err
			}
			return addGroup(old, news)
		}
		return nil
	})
	if err == nil && len(legacyOld) > 0 {
		err = addGroup(legacyOld, legacyNew)
	}
	if err != nil {
		return nil, errf(sqlerr.ErrUnknownSystem, "reading rewrite of version %d: %v", m.Version, err)
	}
	return step, nil
}
