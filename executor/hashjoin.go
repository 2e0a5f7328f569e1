package executor

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/sqlerr"
)

func (k JoinKind) String() string {
	switch k {
	case InnerJoin:
		return "INNER"
	case LeftJoin:
		return "LEFT"
	case RightJoin:
		return "RIGHT"
	case FullJoin:
		return "FULL"
	case SemiJoin:
		return "SEMI"
	case AntiJoin:
		return "ANTI"
	case NullAwareAntiJoin:
		return "NULL-AWARE ANTI"
	case CrossJoin:
		return "CROSS"
	}
	return fmt.Sprintf("JoinKind(%d)", int(k))
}

// leftOnly reports kinds that emit only the left (probe) columns.
func (k JoinKind) leftOnly() bool {
	return k == SemiJoin || k == AntiJoin || k == NullAwareAntiJoin
}

// joinSchemas returns the output schema and the schema of left+right rows
// the residual condition sees.
func joinSchemas(kind JoinKind, l, r *arrow.Schema) (out, both *arrow.Schema) {
	lf, rf := l.Fields(), r.Fields()
	if kind == RightJoin || kind == FullJoin {
		lf = nullableFields(l)
	}
	if kind == LeftJoin || kind == FullJoin {
		rf = nullableFields(r)
	}
	both = arrow.NewSchema(append(append([]arrow.Field{}, lf...), rf...), nil)
	if kind.leftOnly() {
		return l, both
	}
	return both, both
}

// joinBuild is the right side of a join held in memory: all its rows in one
// batch, with hash chains from key group to rows.
type joinBuild struct {
	rec     arrow.RecordBatch
	table   *groupTable
	head    []int32 // per group: first build row
	next    []int32 // per build row: next row of the same key, -1 at the end
	matched []bool  // per build row, for RIGHT/FULL
	hasNull bool    // some build row has a NULL key (NOT IN)
}

type hashJoinOp struct {
	env         *Env
	left, right Operator
	kind        JoinKind
	leftKeys    []expr.Expr
	rightKeys   []expr.Expr
	residual    expr.Expr
	schema      *arrow.Schema
	both        *arrow.Schema

	build *joinBuild

	// probe state: the current left batch and where pair generation stopped.
	probe    arrow.RecordBatch
	pgids    []uint32
	prow     int
	cur      int32 // next build row in the chain of probe row prow; -2: not started
	pmatched []bool

	li, ri     []int32
	outq       []arrow.RecordBatch
	unmatchPos int // RIGHT/FULL: next build row to consider after probing
	probeDone  bool
	done       bool
	// nestedLoop: no keys; for NOT IN a NULL condition counts as a match.
	nestedLoop bool
}

// NewHashJoin joins left and right on leftKeys = rightKeys (SQL equality:
// NULL never matches; strings compare case-insensitively) with an optional
// residual condition over left+right columns. It builds a hash table on the
// right side. Output: left columns then right columns (nullable on the outer
// side); SEMI/ANTI/NULL-AWARE ANTI emit left columns only. Row order is not
// preserved.
func NewHashJoin(env *Env, left, right Operator, kind JoinKind, leftKeys, rightKeys []expr.Expr, residual expr.Expr) Operator {
	if kind == CrossJoin {
		kind = InnerJoin // with keys, a "cross" join is an inner join on them
	}
	out, both := joinSchemas(kind, left.Schema(), right.Schema())
	return &hashJoinOp{env: env, left: left, right: right, kind: kind, leftKeys: leftKeys, rightKeys: rightKeys,
		residual: residual, schema: out, both: both, cur: -2}
}

func (j *hashJoinOp) Schema() *arrow.Schema { return j.schema }

func (j *hashJoinOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	for {
		if len(j.outq) > 0 {
			b := j.outq[0]
			j.outq = j.outq[1:]
			return b, nil
		}
		if j.done {
			return nil, io.EOF
		}
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		if j.build == nil {
			if err := j.buildSide(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if !j.probeDone {
			if err := j.step(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err := j.emitBuildUnmatched(ctx); err != nil {
			return nil, err
		}
	}
}

func exprTypes(es []expr.Expr) []arrow.DataType {
	t := make([]arrow.DataType, len(es))
	for i, e := range es {
		t[i] = e.Type()
	}
	return t
}

func (j *hashJoinOp) buildSide(ctx context.Context) error {
	if err := checkKeyTypes(exprTypes(j.leftKeys), exprTypes(j.rightKeys)); err != nil {
		return err
	}
	var batches []arrow.RecordBatch
	defer func() { releaseBatches(batches) }()
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		b, err := j.right.Next(ctx)
		if err != nil {
			if isEOF(err) {
				break
			}
			return err
		}
		batches = append(batches, b)
	}
	// The right input is exhausted: free its resources (scans, files) now
	// rather than at the end of the whole join.
	if err := j.right.Close(); err != nil {
		return err
	}
	rec, err := concatBatches(j.env.mem(), j.right.Schema(), batches)
	if err != nil {
		return err
	}
	jb, err := newJoinBuild(j.env, ctx, rec, j.rightKeys)
	if err != nil {
		rec.Release()
		return err
	}
	if j.kind == RightJoin || j.kind == FullJoin {
		jb.matched = make([]bool, rec.NumRows())
	}
	j.build = jb
	if rec.NumRows() == 0 && (j.kind == InnerJoin || j.kind == SemiJoin || j.kind == RightJoin) {
		// Nothing can match: do not read the left side at all.
		j.done = true
		j.release()
	}
	return nil
}

// newJoinBuild hashes the build rows by key; it takes ownership of rec.
func newJoinBuild(env *Env, ctx context.Context, rec arrow.RecordBatch, keys []expr.Expr) (*joinBuild, error) {
	n := rec.NumRows()
	if n > math.MaxInt32 {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "executor: hash join build side has %d rows; at most %d are supported", n, math.MaxInt32)
	}
	jb := &joinBuild{rec: rec, next: make([]int32, n)}
	gids := make([]uint32, n)
	if len(keys) > 0 {
		karr, err := evalAll(env.evalCtx(ctx), keys, rec)
		if err != nil {
			return nil, err
		}
		jb.table = newGroupTable(exprTypes(keys))
		jb.table.insert(karr, gids, true)
		releaseArrays(karr)
	}
	ngroups := 1
	if jb.table != nil {
		ngroups = jb.table.n
	}
	jb.head = make([]int32, ngroups)
	tail := make([]int32, ngroups)
	for i := range jb.head {
		jb.head[i], tail[i] = -1, -1
	}
	// Chains run in build order so output is deterministic.
	for r, g := range gids {
		jb.next[r] = -1
		if g == noGroup {
			jb.hasNull = true
			continue
		}
		if tail[g] < 0 {
			jb.head[g] = int32(r)
		} else {
			jb.next[tail[g]] = int32(r)
		}
		tail[g] = int32(r)
	}
	return jb, nil
}

func (jb *joinBuild) release() {
	if jb != nil && jb.rec != nil {
		jb.rec.Release()
		jb.rec = nil
	}
}

// probeGroups finds each left row's build group (noGroup: no match).
func (jb *joinBuild) probeGroups(env *Env, ctx context.Context, keys []expr.Expr, b arrow.RecordBatch, out []uint32) error {
	n := int(b.NumRows())
	if jb.table == nil { // no keys: every row matches every build row
		g := uint32(0)
		if jb.rec.NumRows() == 0 {
			g = noGroup
		}
		for i := 0; i < n; i++ {
			out[i] = g
		}
		return nil
	}
	karr, err := evalAll(env.evalCtx(ctx), keys, b)
	if err != nil {
		return err
	}
	defer releaseArrays(karr)
	jb.table.lookup(karr, out, true)
	return nil
}

// step advances the probe: loads a left batch or emits one chunk of pairs.
func (j *hashJoinOp) step(ctx context.Context) error {
	if j.probe == nil {
		b, err := j.left.Next(ctx)
		if err != nil {
			if isEOF(err) {
				j.probeDone = true
				if j.kind != RightJoin && j.kind != FullJoin {
					j.done = true
					j.release()
				}
				return nil
			}
			return err
		}
		n := int(b.NumRows())
		j.probe = b
		j.pgids = growU32(j.pgids, n)
		if err := j.build.probeGroups(j.env, ctx, j.leftKeys, b, j.pgids); err != nil {
			return err
		}
		j.prow, j.cur = 0, -2
		j.pmatched = growBools(j.pmatched, n)
		for i := range j.pmatched {
			j.pmatched[i] = false
		}
		if j.kind.leftOnly() && j.residual == nil {
			return j.finishProbe(ctx)
		}
	}
	// Generate up to a batch of (left row, right row) pairs.
	bs := j.env.batchSize()
	j.li, j.ri = j.li[:0], j.ri[:0]
	n := int(j.probe.NumRows())
	for j.prow < n && len(j.li) < bs {
		g := j.pgids[j.prow]
		if g == noGroup {
			j.prow++
			continue
		}
		if j.cur == -2 {
			j.cur = j.build.head[g]
		}
		for j.cur >= 0 && len(j.li) < bs {
			j.li = append(j.li, int32(j.prow))
			j.ri = append(j.ri, j.cur)
			j.cur = j.build.next[j.cur]
		}
		if j.cur < 0 {
			j.prow++
			j.cur = -2
		}
	}
	if len(j.li) > 0 {
		if err := j.emitPairs(ctx); err != nil {
			return err
		}
	}
	if j.prow >= n {
		return j.finishProbe(ctx)
	}
	return nil
}

// emitPairs builds the joined rows for the current pairs, applies the
// residual and records matches.
func (j *hashJoinOp) emitPairs(ctx context.Context) error {
	mem := j.env.mem()
	lcols, err := gatherColumns(ctx, mem, j.probe.Columns(), j.li)
	if err != nil {
		return err
	}
	rcols, err := gatherColumns(ctx, mem, j.build.rec.Columns(), j.ri)
	if err != nil {
		releaseArrays(lcols)
		return err
	}
	rec := array.NewRecordBatch(j.both, append(lcols, rcols...), int64(len(j.li)))
	releaseArrays(lcols)
	releaseArrays(rcols)
	if j.residual == nil {
		for _, l := range j.li {
			j.pmatched[l] = true
		}
		if j.build.matched != nil {
			for _, r := range j.ri {
				j.build.matched[r] = true
			}
		}
		if j.kind.leftOnly() {
			rec.Release()
			return nil
		}
		j.outq = append(j.outq, rec)
		return nil
	}
	defer rec.Release()
	m, err := j.residual.Eval(j.env.evalCtx(ctx), rec)
	if err != nil {
		return err
	}
	defer m.Release()
	nullMatches := j.nestedLoop && j.kind == NullAwareAntiJoin
	if m.DataType().ID() == arrow.NULL {
		// ON NULL: no pair matches, but for NOT IN an unknown drops the row.
		if nullMatches {
			for _, l := range j.li {
				j.pmatched[l] = true
			}
		}
		return nil
	}
	mask, ok := m.(*array.Boolean)
	if !ok {
		return fmt.Errorf("executor: join condition %s is %s, not boolean", j.residual, m.DataType())
	}
	kept := 0
	for i := range j.li {
		if (mask.IsValid(i) && mask.Value(i)) || (nullMatches && mask.IsNull(i)) {
			kept++
			j.pmatched[j.li[i]] = true
			if j.build.matched != nil {
				j.build.matched[j.ri[i]] = true
			}
		}
	}
	if kept == 0 || j.kind.leftOnly() {
		return nil
	}
	if kept == len(j.li) {
		rec.Retain()
		j.outq = append(j.outq, rec)
		return nil
	}
	out, err := compute.FilterRecordBatch(computeCtx(ctx, mem), rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return err
	}
	j.outq = append(j.outq, out)
	return nil
}

// finishProbe emits the left rows a kind wants once all of a left batch's
// matches are known, then drops the batch.
func (j *hashJoinOp) finishProbe(ctx context.Context) error {
	defer func() {
		j.probe.Release()
		j.probe = nil
	}()
	n := int(j.probe.NumRows())
	if j.residual == nil {
		for i := 0; i < n; i++ {
			j.pmatched[i] = j.pgids[i] != noGroup
		}
	}
	sel := j.li[:0]
	switch j.kind {
	case SemiJoin:
		for i := 0; i < n; i++ {
			if j.pmatched[i] {
				sel = append(sel, int32(i))
			}
		}
	case AntiJoin, LeftJoin, FullJoin:
		for i := 0; i < n; i++ {
			if !j.pmatched[i] {
				sel = append(sel, int32(i))
			}
		}
	case NullAwareAntiJoin:
		if j.nestedLoop {
			// cond TRUE or NULL for some right row dropped the row.
			for i := 0; i < n; i++ {
				if !j.pmatched[i] {
					sel = append(sel, int32(i))
				}
			}
			break
		}
		// x NOT IN (build): empty build keeps every row; a NULL in the build
		// keys makes every comparison unknown; a NULL probe key is unknown.
		empty := j.build.rec.NumRows() == 0
		if !empty && j.build.hasNull {
			break
		}
		var kn []bool
		if !empty {
			var err error
			if kn, err = j.probeKeyNulls(ctx); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			if empty || (!j.pmatched[i] && !kn[i]) {
				sel = append(sel, int32(i))
			}
		}
	default:
		return nil
	}
	j.li = sel
	if len(sel) == 0 {
		return nil
	}
	mem := j.env.mem()
	if j.kind.leftOnly() {
		if len(sel) == n {
			j.probe.Retain()
			j.outq = append(j.outq, j.probe)
			return nil
		}
		b, err := takeBatch(ctx, mem, j.schema, j.probe, sel)
		if err != nil {
			return err
		}
		j.outq = append(j.outq, b)
		return nil
	}
	// LEFT/FULL: unmatched left rows with NULL right columns.
	lcols, err := takeColumns(ctx, mem, j.probe.Columns(), sel)
	if err != nil {
		return err
	}
	cols := lcols
	for _, f := range j.right.Schema().Fields() {
		cols = append(cols, array.MakeArrayOfNull(mem, f.Type, len(sel)))
	}
	j.outq = append(j.outq, array.NewRecordBatch(j.schema, cols, int64(len(sel))))
	releaseArrays(cols)
	return nil
}

// probeKeyNulls reports, per current probe row, whether any key is NULL.
func (j *hashJoinOp) probeKeyNulls(ctx context.Context) ([]bool, error) {
	karr, err := evalAll(j.env.evalCtx(ctx), j.leftKeys, j.probe)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(karr)
	out := make([]bool, j.probe.NumRows())
	var valid []bool
	for _, a := range karr {
		if a.NullN() == 0 && a.DataType().ID() != arrow.NULL {
			continue
		}
		valid = validBools(a, valid)
		for i, ok := range valid {
			if !ok {
				out[i] = true
			}
		}
	}
	return out, nil
}

// emitBuildUnmatched emits, for RIGHT/FULL, build rows that never matched.
func (j *hashJoinOp) emitBuildUnmatched(ctx context.Context) error {
	n := len(j.build.matched)
	bs := j.env.batchSize()
	sel := j.ri[:0]
	for j.unmatchPos < n && len(sel) < bs {
		if !j.build.matched[j.unmatchPos] {
			sel = append(sel, int32(j.unmatchPos))
		}
		j.unmatchPos++
	}
	j.ri = sel
	if len(sel) > 0 {
		mem := j.env.mem()
		var cols []arrow.Array
		for _, f := range j.left.Schema().Fields() {
			cols = append(cols, array.MakeArrayOfNull(mem, f.Type, len(sel)))
		}
		rcols, err := takeColumns(ctx, mem, j.build.rec.Columns(), sel)
		if err != nil {
			releaseArrays(cols)
			return err
		}
		cols = append(cols, rcols...)
		j.outq = append(j.outq, array.NewRecordBatch(j.schema, cols, int64(len(sel))))
		releaseArrays(cols)
	}
	if j.unmatchPos >= n {
		j.done = true
		j.release()
	}
	return nil
}

func (j *hashJoinOp) release() {
	j.build.release()
	if j.probe != nil {
		j.probe.Release()
		j.probe = nil
	}
}

func (j *hashJoinOp) Close() error {
	j.done = true
	j.release()
	releaseBatches(j.outq)
	j.outq = nil
	return closeAll(j.left, j.right)
}

// gatherColumns is takeColumns for a join's pairs (every index valid). Joins
// emit every column of both sides for each chunk of pairs, so a many-table
// join gathers hundreds of short columns per chunk; the common types are
// copied here straight from the Arrow buffers, without the compute
// kernel's per-call setup, and others go through takeColumns.
func gatherColumns(ctx context.Context, mem memory.Allocator, cols []arrow.Array, idx []int32) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(cols))
	var rest []int // columns left to takeColumns
	for i, c := range cols {
		if a := gather(mem, c, idx); a != nil {
			out[i] = a
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	sub := make([]arrow.Array, len(rest))
	for k, i := range rest {
		sub[k] = cols[i]
	}
	taken, err := takeColumns(ctx, mem, sub, idx)
	if err != nil {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
		return nil, err
	}
	for k, i := range rest {
		out[i] = taken[k]
	}
	return out, nil
}

// gather copies rows idx of a into a new array, or returns nil for a type
// it does not handle.
func gather(mem memory.Allocator, a arrow.Array, idx []int32) arrow.Array {
	d := a.Data()
	if a.DataType().ID() == arrow.DICTIONARY || a.DataType().ID() == arrow.EXTENSION {
		return nil
	}
	var values, offsets *memory.Buffer
	switch dt := a.DataType().(type) {
	case *arrow.StringType, *arrow.BinaryType:
		offsets, values = gatherBinary(mem, d, idx)
	case arrow.FixedWidthDataType:
		w := dt.BitWidth()
		if w == 1 && dt.ID() == arrow.BOOL {
			values = gatherBits(mem, d.Buffers()[1], d.Offset(), idx)
		} else if w >= 8 && w%8 == 0 && len(d.Buffers()) == 2 {
			values = gatherFixed(mem, d, w/8, idx)
		}
	}
	if values == nil {
		return nil
	}
	var valid *memory.Buffer
	nulls := 0
	if a.NullN() > 0 {
		valid = gatherBits(mem, d.Buffers()[0], d.Offset(), idx)
		nulls = len(idx) - bitutil.CountSetBits(valid.Bytes(), 0, len(idx))
	}
	bufs := []*memory.Buffer{valid, values}
	if offsets != nil {
		bufs = []*memory.Buffer{valid, offsets, values}
	}
	out := array.NewData(a.DataType(), len(idx), bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	defer out.Release()
	return array.MakeFromData(out)
}

func newBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// gatherBits gathers bits (a validity bitmap or boolean values) starting at
// bit offset off.
func gatherBits(mem memory.Allocator, src *memory.Buffer, off int, idx []int32) *memory.Buffer {
	b := newBuf(mem, int(bitutil.BytesForBits(int64(len(idx)))))
	out := b.Bytes()
	clear(out)
	in := src.Bytes()
	for i, r := range idx {
		if bitutil.BitIsSet(in, off+int(r)) {
			bitutil.SetBit(out, i)
		}
	}
	return b
}

// gatherFixed gathers values of w bytes each.
func gatherFixed(mem memory.Allocator, d arrow.ArrayData, w int, idx []int32) *memory.Buffer {
	b := newBuf(mem, len(idx)*w)
	in := d.Buffers()[1].Bytes()[d.Offset()*w:]
	out := b.Bytes()
	switch w {
	case 8:
		src, dst := arrow.Uint64Traits.CastFromBytes(in), arrow.Uint64Traits.CastFromBytes(out)
		for i, r := range idx {
			dst[i] = src[r]
		}
	case 4:
		src, dst := arrow.Uint32Traits.CastFromBytes(in), arrow.Uint32Traits.CastFromBytes(out)
		for i, r := range idx {
			dst[i] = src[r]
		}
	case 2:
		src, dst := arrow.Uint16Traits.CastFromBytes(in), arrow.Uint16Traits.CastFromBytes(out)
		for i, r := range idx {
			dst[i] = src[r]
		}
	default:
		for i, r := range idx {
			copy(out[i*w:(i+1)*w], in[int(r)*w:])
		}
	}
	return b
}

// gatherBinary gathers variable-length values with 32-bit offsets.
func gatherBinary(mem memory.Allocator, d arrow.ArrayData, idx []int32) (offsets, values *memory.Buffer) {
	offs := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset():]
	var data []byte
	if buf := d.Buffers()[2]; buf != nil {
		data = buf.Bytes()
	}
	total := 0
	for _, r := range idx {
		total += int(offs[r+1] - offs[r])
	}
	offsets = newBuf(mem, (len(idx)+1)*4)
	values = newBuf(mem, total)
	oo := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	vo := values.Bytes()
	pos := int32(0)
	for i, r := range idx {
		oo[i] = pos
		pos += int32(copy(vo[pos:], data[offs[r]:offs[r+1]]))
	}
	oo[len(idx)] = pos
	return offsets, values
}
