package executor

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// Window functions, computed the way DuckDB's and DataFusion's window
// operators do: buffer the input, sort it once by (partition keys, order
// keys), find partition and peer-group boundaries with one pass over the
// sorted keys, turn every frame into a [start, end) range of sorted
// positions, and evaluate each function over whole Arrow arrays.

// FrameUnit is ROWS or RANGE.
type FrameUnit int

const (
	FrameRows FrameUnit = iota
	FrameRange
)

// BoundKind is where a frame starts or ends.
type BoundKind int

const (
	UnboundedPreceding BoundKind = iota
	OffsetPreceding              // N PRECEDING
	CurrentRow
	OffsetFollowing // N FOLLOWING
	UnboundedFollowing
)

// FrameBound is one end of a frame. N is the offset of a ROWS frame; V the
// offset of a RANGE frame, applied to the single ORDER BY key as a DOUBLE;
// Interval (RANGE INTERVAL n unit) the offset of a DATE or DATETIME key,
// with IntervalText its SQL for EXPLAIN.
type FrameBound struct {
	Kind         BoundKind
	N            int64
	V            float64
	Interval     *functions.Interval
	IntervalText string
}

// WindowFrame is a frame clause. The zero value is RANGE-less ROWS
// UNBOUNDED PRECEDING to UNBOUNDED PRECEDING, so callers always set it.
type WindowFrame struct {
	Unit       FrameUnit
	Start, End FrameBound
}

func (b FrameBound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case OffsetPreceding:
		return fmt.Sprintf("%s PRECEDING", b.offset())
	case CurrentRow:
		return "CURRENT ROW"
	case OffsetFollowing:
		return fmt.Sprintf("%s FOLLOWING", b.offset())
	}
	return "UNBOUNDED FOLLOWING"
}

func (b FrameBound) offset() string {
	if b.Interval != nil {
		return "INTERVAL " + b.IntervalText
	}
	if b.V != 0 {
		return fmt.Sprint(b.V)
	}
	return fmt.Sprint(b.N)
}

func (f WindowFrame) String() string {
	u := "ROWS"
	if f.Unit == FrameRange {
		u = "RANGE"
	}
	return fmt.Sprintf("%s BETWEEN %s AND %s", u, f.Start, f.End)
}

// WindowFuncKind selects a window function.
type WindowFuncKind int

const (
	WinRowNumber WindowFuncKind = iota
	WinRank
	WinDenseRank
	WinPercentRank
	WinCumeDist
	WinNtile // N buckets
	WinLag   // Args[0] value, Args[1] default (optional); N offset
	WinLead  // as WinLag
	WinFirstValue
	WinLastValue
	WinNthValue // N: 1-based position in the frame
	WinAggregate
)

// WindowCall is one window function over the operator's window.
type WindowCall struct {
	Kind WindowFuncKind
	// Agg is the aggregate of WinAggregate (sum, count, avg, min, max),
	// resolved as for GROUP BY so the result types match; Args are cast to
	// its ArgTypes.
	Agg   *functions.BoundAggregate
	Args  []expr.Expr
	N     int64
	Frame WindowFrame
	Type  arrow.DataType
	Name  string
}

// NewWindow evaluates calls over the rows of child, partitioned by
// partitionBy and ordered by orderBy within each partition. Output: the
// child's columns then one column per call, rows in (partition, order)
// order. A RANGE frame with an offset needs exactly one numeric orderBy key.
func NewWindow(env *Env, child Operator, partitionBy []expr.Expr, orderBy []SortKey, calls []WindowCall) Operator {
	fields := append([]arrow.Field(nil), child.Schema().Fields()...)
	for _, c := range calls {
		fields = append(fields, arrow.Field{Name: c.Name, Type: c.Type, Nullable: true})
	}
	return &windowOp{env: env, child: child, part: partitionBy, order: orderBy, calls: calls, schema: arrow.NewSchema(fields, nil)}
}

type windowOp struct {
	env    *Env
	child  Operator
	part   []expr.Expr
	order  []SortKey
	calls  []WindowCall
	schema *arrow.Schema

	in      arrow.RecordBatch // every input row, in arrival order
	perm    []int32           // sorted position -> input row
	results []arrow.Array     // per call, in sorted order
	pos     int
	built   bool
	done    bool
}

func (w *windowOp) Schema() *arrow.Schema { return w.schema }

func (w *windowOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if w.done {
		return nil, io.EOF
	}
	if !w.built {
		if err := w.build(ctx); err != nil {
			return nil, err
		}
		w.built = true
	}
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if w.pos >= len(w.perm) {
		w.done = true
		w.release()
		return nil, io.EOF
	}
	end := min(len(w.perm), w.pos+w.env.batchSize())
	cols, err := takeColumns(ctx, w.env.mem(), w.in.Columns(), w.perm[w.pos:end])
	if err != nil {
		return nil, err
	}
	for _, r := range w.results {
		cols = append(cols, array.NewSlice(r, int64(w.pos), int64(end)))
	}
	defer releaseArrays(cols)
	b := array.NewRecordBatch(w.schema, cols, int64(end-w.pos))
	w.pos = end
	return b, nil
}

// winLayout is what the frames of every row are computed from: per sorted
// position, its partition's and its peer group's [start, end).
type winLayout struct {
	n              int
	pstart, pend   []int32
	gstart, gend   []int32
	orderKey       arrow.Array // first ORDER BY key, sorted (RANGE offsets)
	orderDesc      bool
	orderNullFirst bool
}

func (w *windowOp) build(ctx context.Context) error {
	var bufs []arrow.RecordBatch
	defer func() { releaseBatches(bufs) }()
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		b, err := w.child.Next(ctx)
		if err != nil {
			if isEOF(err) {
				if err := w.child.Close(); err != nil {
					return err
				}
				break
			}
			return err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		bufs = append(bufs, b)
	}
	in, err := concatBatches(w.env.mem(), w.child.Schema(), bufs)
	if err != nil {
		return err
	}
	w.in = in
	n := int(in.NumRows())
	keys := make([]SortKey, 0, len(w.part)+len(w.order))
	for _, p := range w.part {
		keys = append(keys, SortKey{Expr: p, NullsFirst: true})
	}
	keys = append(keys, w.order...)
	if len(keys) > 0 && n > 1 {
		if w.perm, err = windowOrder(w.env, ctx, in, keys); err != nil {
			return err
		}
	} else {
		w.perm = make([]int32, n)
		for i := range w.perm {
			w.perm[i] = int32(i)
		}
	}
	lay, err := w.layout(ctx, n)
	if err != nil {
		return err
	}
	defer func() {
		if lay.orderKey != nil {
			lay.orderKey.Release()
		}
	}()
	frames := map[WindowFrame][2][]int32{}
	for _, c := range w.calls {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		r, err := w.compute(ctx, c, lay, frames)
		if err != nil {
			return err
		}
		if !arrow.TypeEqual(r.DataType(), c.Type) {
			r.Release()
			return sqlerr.New(sqlerr.ErrUnknownSystem, "executor: window function %s returned %s, declared %s", c.Name, r.DataType(), c.Type)
		}
		w.results = append(w.results, r)
	}
	return nil
}

// sortedArrays evaluates exprs over the input and puts them in sorted order.
func (w *windowOp) sortedArrays(ctx context.Context, exprs []expr.Expr) ([]arrow.Array, error) {
	arrs, err := evalAll(w.env.evalCtx(ctx), exprs, w.in)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(arrs)
	return takeColumns(ctx, w.env.mem(), arrs, w.perm)
}

// layout finds partition and peer boundaries by comparing neighbouring
// sorted rows (the same comparison the sort used, so strings compare
// case-insensitively as MySQL's collation does).
func (w *windowOp) layout(ctx context.Context, n int) (*winLayout, error) {
	lay := &winLayout{n: n, pstart: make([]int32, n), pend: make([]int32, n), gstart: make([]int32, n), gend: make([]int32, n)}
	exprs := make([]expr.Expr, 0, len(w.part)+len(w.order))
	keys := make([]SortKey, 0, cap(exprs))
	for _, p := range w.part {
		exprs = append(exprs, p)
		keys = append(keys, SortKey{Expr: p, NullsFirst: true})
	}
	for _, o := range w.order {
		exprs = append(exprs, o.Expr)
		keys = append(keys, o)
	}
	arrs, err := w.sortedArrays(ctx, exprs)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(arrs)
	np := len(w.part)
	pk, err := newKeyCmps(arrs[:np], keys[:np])
	if err != nil {
		return nil, err
	}
	ok, err := newKeyCmps(arrs[np:], keys[np:])
	if err != nil {
		return nil, err
	}
	ps, gs := int32(0), int32(0)
	for i := 0; i < n; i++ {
		if i > 0 {
			if len(pk) > 0 && compareRows(pk, i-1, i) != 0 {
				ps, gs = int32(i), int32(i)
			} else if len(ok) > 0 && compareRows(ok, i-1, i) != 0 {
				gs = int32(i)
			}
		}
		lay.pstart[i], lay.gstart[i] = ps, gs
	}
	pe, ge := int32(n), int32(n)
	for i := n - 1; i >= 0; i-- {
		lay.pend[i], lay.gend[i] = pe, ge
		if lay.pstart[i] == int32(i) {
			pe = int32(i)
		}
		if lay.gstart[i] == int32(i) {
			ge = int32(i)
		}
	}
	if len(w.order) > 0 {
		lay.orderKey = arrs[np]
		lay.orderKey.Retain()
		lay.orderDesc, lay.orderNullFirst = w.order[0].Desc, w.order[0].NullsFirst
	}
	return lay, nil
}

func (w *windowOp) compute(ctx context.Context, c WindowCall, lay *winLayout, frames map[WindowFrame][2][]int32) (arrow.Array, error) {
	mem := w.env.mem()
	n := lay.n
	switch c.Kind {
	case WinRowNumber, WinRank, WinDenseRank, WinNtile:
		out := functions.NewFixedOut[int64](mem, arrow.PrimitiveTypes.Int64, n)
		v := out.Values
		switch c.Kind {
		case WinRowNumber:
			for i := range v {
				v[i] = int64(int32(i)-lay.pstart[i]) + 1
			}
		case WinRank:
			for i := range v {
				v[i] = int64(lay.gstart[i]-lay.pstart[i]) + 1
			}
		case WinDenseRank:
			var d int64
			for i := range v {
				if lay.pstart[i] == int32(i) {
					d = 0
				}
				if lay.gstart[i] == int32(i) {
					d++
				}
				v[i] = d
			}
		case WinNtile:
			ntile(v, lay, c.N)
		}
		return out.Finish(), nil
	case WinPercentRank, WinCumeDist:
		out := functions.NewFixedOut[float64](mem, arrow.PrimitiveTypes.Float64, n)
		v := out.Values
		for i := range v {
			size := float64(lay.pend[i] - lay.pstart[i])
			if c.Kind == WinCumeDist {
				v[i] = float64(lay.gend[i]-lay.pstart[i]) / size
			} else if size > 1 {
				v[i] = float64(lay.gstart[i]-lay.pstart[i]) / (size - 1)
			}
		}
		return out.Finish(), nil
	case WinLag, WinLead:
		return w.lagLead(ctx, c, lay)
	}
	fr, ok := frames[c.Frame]
	if !ok {
		fs, fe, err := frameBounds(w.env.evalCtx(ctx), c.Frame, lay)
		if err != nil {
			return nil, err
		}
		fr = [2][]int32{fs, fe}
		frames[c.Frame] = fr
	}
	fs, fe := fr[0], fr[1]
	args, err := w.sortedArrays(ctx, c.Args)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(args)
	switch c.Kind {
	case WinFirstValue, WinLastValue, WinNthValue:
		idx := make([]int32, n)
		for i := range idx {
			p := int64(fs[i])
			switch c.Kind {
			case WinLastValue:
				p = int64(fe[i]) - 1
			case WinNthValue:
				p += c.N - 1
			}
			if p < int64(fs[i]) || p >= int64(fe[i]) {
				p = -1
			}
			idx[i] = int32(p)
		}
		return w.gather(ctx, args[0], idx, c.Type)
	case WinAggregate:
		return w.aggregate(ctx, c, args, lay, fs, fe)
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "window function %s is not supported", c.Name)
}

// gather takes rows idx (-1: NULL) of a and casts to typ when needed.
func (w *windowOp) gather(ctx context.Context, a arrow.Array, idx []int32, typ arrow.DataType) (arrow.Array, error) {
	out, err := takeColumns(ctx, w.env.mem(), []arrow.Array{a}, idx)
	if err != nil {
		return nil, err
	}
	if arrow.TypeEqual(out[0].DataType(), typ) {
		return out[0], nil
	}
	defer out[0].Release()
	return functions.Cast(w.env.evalCtx(ctx), out[0], typ)
}

// ntile splits each partition into n buckets whose sizes differ by at most
// one, the larger buckets first.
func ntile(v []int64, lay *winLayout, n int64) {
	for i := range v {
		size := int64(lay.pend[i] - lay.pstart[i])
		r := int64(int32(i) - lay.pstart[i])
		base, rem := size/n, size%n
		if r < rem*(base+1) {
			v[i] = r/(base+1) + 1
		} else {
			v[i] = rem + (r-rem*(base+1))/base + 1
		}
	}
}

func (w *windowOp) lagLead(ctx context.Context, c WindowCall, lay *winLayout) (arrow.Array, error) {
	args, err := w.sortedArrays(ctx, c.Args)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(args)
	idx := make([]int32, lay.n)
	off := int32(c.N)
	if c.N > int64(lay.n) {
		off = int32(lay.n) // beyond every partition either way
	}
	missing := false
	for i := range idx {
		p := int32(i) - off
		if c.Kind == WinLead {
			p = int32(i) + off
		}
		if p < lay.pstart[i] || p >= lay.pend[i] {
			p, missing = -1, true
		}
		idx[i] = p
	}
	val, err := w.gather(ctx, args[0], idx, c.Type)
	if err != nil || len(args) < 2 || !missing {
		return val, err
	}
	defer val.Release()
	def := args[1]
	if !arrow.TypeEqual(def.DataType(), c.Type) {
		if def, err = functions.Cast(w.env.evalCtx(ctx), def, c.Type); err != nil {
			return nil, err
		}
		defer def.Release()
	}
	pick := make([]int32, lay.n)
	for i, p := range idx {
		if p < 0 {
			pick[i] = 1
		}
	}
	return functions.SelectRows(w.env.evalCtx(ctx), c.Type, []arrow.Array{val, def}, pick)
}

// frameBounds turns a frame into per-row [start, end) sorted positions,
// clamped to the row's partition. Both ends never move backwards within a
// partition, which the sliding MIN/MAX relies on.
func frameBounds(ec *functions.EvalContext, f WindowFrame, lay *winLayout) (fs, fe []int32, err error) {
	n := lay.n
	fs, fe = make([]int32, n), make([]int32, n)
	var keys []float64
	var valid []bool
	if f.Unit == FrameRange && (isOffset(f.Start.Kind) || isOffset(f.End.Kind)) {
		if lay.orderKey == nil {
			return nil, nil, sqlerr.New(3587, "Window with RANGE N PRECEDING/FOLLOWING frame requires exactly one ORDER BY expression, of numeric or temporal type")
		}
		var err error
		if keys, valid, err = rangeKeys(ec, lay.orderKey, f); err != nil {
			return nil, nil, err
		}
	}
	bound := func(b FrameBound, i int, isEnd bool) int32 {
		ps, pe := lay.pstart[i], lay.pend[i]
		switch b.Kind {
		case UnboundedPreceding:
			return ps
		case UnboundedFollowing:
			return pe
		case CurrentRow:
			if f.Unit == FrameRange {
				if isEnd {
					return lay.gend[i]
				}
				return lay.gstart[i]
			}
			if isEnd {
				return int32(i) + 1
			}
			return int32(i)
		}
		if f.Unit == FrameRows {
			p := int64(i) - b.N
			if b.Kind == OffsetFollowing {
				p = int64(i) + b.N
			}
			if isEnd {
				p++
			}
			return int32(max(int64(ps), min(int64(pe), p)))
		}
		// RANGE with an offset: a NULL key's frame is its NULL peers.
		if !valid[i] {
			if isEnd {
				return lay.gend[i]
			}
			return lay.gstart[i]
		}
		target, ok := rangeTarget(keys[i], b, lay.orderDesc)
		if !ok {
			// beyond the DATETIME range: the frame runs to the partition's end
			if (b.Kind == OffsetFollowing) != lay.orderDesc {
				return pe
			}
			return ps
		}
		return rangeBound(keys, valid, ps, pe, target, isEnd, lay.orderDesc)
	}
	for i := 0; i < n; i++ {
		fs[i] = bound(f.Start, i, false)
		fe[i] = bound(f.End, i, true)
		if fe[i] < fs[i] {
			fe[i] = fs[i]
		}
	}
	return fs, fe, nil
}

func isOffset(k BoundKind) bool { return k == OffsetPreceding || k == OffsetFollowing }

// rangeBound binary-searches the partition's non-NULL keys for the first
// row at or past target (in the sort direction): a start bound includes
// that row, an end bound includes every row up to it.
func rangeBound(keys []float64, valid []bool, ps, pe int32, target float64, isEnd, desc bool) int32 {
	// NULLs sit together at one end of the partition; skip them.
	lo, hi := int(ps), int(pe)
	for lo < hi && !valid[lo] {
		lo++
	}
	for hi > lo && !valid[hi-1] {
		hi--
	}
	before := func(x float64) bool { // x comes before target in sort order
		if desc {
			return x > target
		}
		return x < target
	}
	if !isEnd {
		return int32(lo + sort.Search(hi-lo, func(j int) bool { return !before(keys[lo+j]) }))
	}
	return int32(lo + sort.Search(hi-lo, func(j int) bool {
		x := keys[lo+j]
		return !before(x) && x != target
	}))
}

func (w *windowOp) release() {
	releaseArrays(w.results)
	w.results = nil
	if w.in != nil {
		w.in.Release()
		w.in = nil
	}
	w.perm = nil
}

func (w *windowOp) Close() error {
	w.done = true
	w.release()
	return w.child.Close()
}

// windowOrder sorts rows by keys, stably. When every key has an
// order-preserving word encoding (numbers, dates, times) it runs one stable
// radix pass per key from the last to the first (a NULL flag pass after a
// key with NULLs), which beats comparing rows through every key; other
// keys take the comparison sort.
func windowOrder(env *Env, ctx context.Context, rec arrow.RecordBatch, keys []SortKey) ([]int32, error) {
	arrs, err := evalAll(env.evalCtx(ctx), keyExprs(keys), rec)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(arrs)
	words := make([][]uint64, len(keys))
	for i, a := range arrs {
		w, ok := sortWords(a, keys[i].Desc)
		if !ok {
			return sortedIndices(env, ctx, rec, keys)
		}
		words[i] = w
	}
	n := int(rec.NumRows())
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	idx, next, tmp := make([]int32, n), make([]int32, n), make([]uint64, n)
	pass := func(w []uint64) {
		for i, p := range perm {
			tmp[i] = w[p]
		}
		sortByWords(idx, tmp)
		for i, j := range idx {
			next[i] = perm[j]
		}
		perm, next = next, perm
	}
	for k := len(keys) - 1; k >= 0; k-- {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		w, a := words[k], arrs[k]
		if a.NullN() == 0 {
			pass(w)
			continue
		}
		valid := validBools(a, nil)
		flag := make([]uint64, n)
		for i, ok := range valid {
			if !ok {
				w[i] = 0 // NULLs are peers whatever their slot holds
			}
			if ok == keys[k].NullsFirst {
				flag[i] = 1
			}
		}
		pass(w)
		pass(flag)
	}
	return perm, nil
}

func keyExprs(keys []SortKey) []expr.Expr {
	out := make([]expr.Expr, len(keys))
	for i, k := range keys {
		out[i] = k.Expr
	}
	return out
}

// rangeKeys reads the ORDER BY key of a RANGE frame as DOUBLEs: numbers as
// they are, DATE and DATETIME keys of INTERVAL offsets as microseconds.
func rangeKeys(ec *functions.EvalContext, key arrow.Array, f WindowFrame) ([]float64, []bool, error) {
	to := arrow.DataType(arrow.PrimitiveTypes.Float64)
	if f.Start.Interval != nil || f.End.Interval != nil {
		if !functions.IsTemporal(key.DataType()) {
			return nil, nil, sqlerr.New(3587, "Window with RANGE INTERVAL frame requires exactly one ORDER BY expression, of temporal type")
		}
		to = functions.Datetime
	}
	k, err := functions.Cast(ec, key, to)
	if err != nil {
		return nil, nil, err
	}
	defer k.Release()
	keys := make([]float64, k.Len())
	if to == functions.Datetime {
		for i, v := range functions.Values[arrow.Timestamp](k) {
			keys[i] = float64(v)
		}
	} else {
		copy(keys, functions.Values[float64](k))
	}
	return keys, validBools(k, nil), nil
}

// rangeTarget is the key a RANGE offset bound reaches from v: backwards
// along the sort order for PRECEDING, forwards for FOLLOWING.
func rangeTarget(v float64, b FrameBound, desc bool) (float64, bool) {
	forward := b.Kind == OffsetFollowing
	if desc {
		forward = !forward // DESC keys shrink along the order
	}
	if b.Interval == nil {
		if forward {
			return v + b.V, true
		}
		return v - b.V, true
	}
	iv := *b.Interval
	if !forward {
		iv.Months, iv.Micros = -iv.Months, -iv.Micros
	}
	us, ok := functions.AddInterval(int64(v), iv)
	return float64(us), ok
}
