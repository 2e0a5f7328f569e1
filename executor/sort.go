package executor

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// keyCmp compares two non-NULL rows of one sort key: by w when the type has
// an order-preserving uint64 encoding (direction folded in), else by cmp.
type keyCmp struct {
	w          []uint64
	cmp        func(i, j int) int
	valid      []bool // nil when the key has no NULLs
	desc       bool
	nullsFirst bool
}

func ordered[T cmp.Ordered](v []T) func(i, j int) int {
	return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
}

// varBytes returns offsets and data of a string/binary array.
func varBytes(a arrow.Array) (offs []int64, data []byte, ok bool) {
	var v keyVec
	switch a.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		v.load(a)
		return v.offs, v.data, true
	}
	return nil, nil, false
}

// comparator orders values of a; strings compare case-insensitively (see
// collate.go), NaN sorts before every other float.
func comparator(a arrow.Array) (func(i, j int) int, error) {
	switch a := a.(type) {
	case *array.Int8:
		return ordered(a.Int8Values()), nil
	case *array.Int16:
		return ordered(a.Int16Values()), nil
	case *array.Int32:
		return ordered(a.Int32Values()), nil
	case *array.Int64:
		return ordered(a.Int64Values()), nil
	case *array.Uint8:
		return ordered(a.Uint8Values()), nil
	case *array.Uint16:
		return ordered(a.Uint16Values()), nil
	case *array.Uint32:
		return ordered(a.Uint32Values()), nil
	case *array.Uint64:
		return ordered(a.Uint64Values()), nil
	case *array.Float32:
		return ordered(a.Float32Values()), nil
	case *array.Float64:
		return ordered(a.Float64Values()), nil
	case *array.Boolean:
		return func(i, j int) int {
			x, y := a.Value(i), a.Value(j)
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}, nil
	case *array.Decimal128:
		return func(i, j int) int { return a.Value(i).Cmp(a.Value(j)) }, nil
	case *array.Null:
		return func(i, j int) int { return 0 }, nil
	case *array.String, *array.LargeString:
		offs, data, _ := varBytes(a)
		return func(i, j int) int {
			return compareFolded(data[offs[i]:offs[i+1]], data[offs[j]:offs[j+1]])
		}, nil
	case *array.Binary, *array.LargeBinary:
		offs, data, _ := varBytes(a)
		return func(i, j int) int {
			return bytes.Compare(data[offs[i]:offs[i+1]], data[offs[j]:offs[j+1]])
		}, nil
	}
	// Temporal types: compare their integer representation.
	if f, ok := a.(*array.Float16); ok {
		return func(i, j int) int { return cmp.Compare(f.Value(i).Float32(), f.Value(j).Float32()) }, nil
	}
	switch a.DataType().ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		w := make([]uint64, a.Len())
		loadWords(w, a)
		return func(i, j int) int { return cmp.Compare(int64(w[i]), int64(w[j])) }, nil
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "executor: cannot order by a value of type %s", a.DataType())
}

// sortWords encodes fixed-width values as uint64s whose unsigned order is
// the values' order (descending when desc); ok is false for other types.
func sortWords(a arrow.Array, desc bool) (w []uint64, ok bool) {
	const sign = uint64(1) << 63
	id := a.DataType().ID()
	switch id {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DATE32, arrow.DATE64,
		arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		w = make([]uint64, a.Len())
		loadWords(w, a)
		for i := range w {
			w[i] ^= sign
		}
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.BOOL:
		w = make([]uint64, a.Len())
		loadWords(w, a)
	case arrow.FLOAT32, arrow.FLOAT64:
		w = make([]uint64, a.Len())
		loadWords(w, a) // -0 is 0; NaN canonical (sorts above +Inf here)
		for i, x := range w {
			if x&sign != 0 {
				w[i] = ^x
			} else {
				w[i] = x | sign
			}
		}
	default:
		return nil, false
	}
	if desc {
		for i := range w {
			w[i] = ^w[i]
		}
	}
	return w, true
}

func newKeyCmps(arrs []arrow.Array, keys []SortKey) ([]keyCmp, error) {
	out := make([]keyCmp, len(arrs))
	for i, a := range arrs {
		k := keyCmp{desc: keys[i].Desc, nullsFirst: keys[i].NullsFirst}
		if w, ok := sortWords(a, k.desc); ok {
			k.w = w
		} else {
			c, err := comparator(a)
			if err != nil {
				return nil, err
			}
			k.cmp = c
		}
		if a.NullN() > 0 || a.DataType().ID() == arrow.NULL {
			k.valid = validBools(a, nil)
		}
		out[i] = k
	}
	return out, nil
}

// compareRows orders rows i and j by all keys; NULL placement follows
// NullsFirst regardless of direction.
func compareRows(ks []keyCmp, i, j int) int {
	for k := range ks {
		c := &ks[k]
		if c.valid != nil {
			ni, nj := !c.valid[i], !c.valid[j]
			if ni || nj {
				if ni && nj {
					continue
				}
				if ni == c.nullsFirst {
					return -1
				}
				return 1
			}
		}
		if c.w != nil {
			if x, y := c.w[i], c.w[j]; x != y {
				if x < y {
					return -1
				}
				return 1
			}
			continue
		}
		r := c.cmp(i, j)
		if r != 0 {
			if c.desc {
				return -r
			}
			return r
		}
	}
	return 0
}

// sortedIndices evaluates keys over rec and returns its row order (stable).
func sortedIndices(env *Env, ctx context.Context, rec arrow.RecordBatch, keys []SortKey) ([]int32, error) {
	ec := env.evalCtx(ctx)
	arrs := make([]arrow.Array, len(keys))
	defer releaseArrays(arrs)
	for i, k := range keys {
		a, err := k.Expr.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		arrs[i] = a
	}
	ks, err := newKeyCmps(arrs, keys)
	if err != nil {
		return nil, err
	}
	idx := make([]int32, rec.NumRows())
	if len(ks) == 1 && ks[0].w != nil && ks[0].valid == nil {
		sortByWords(idx, ks[0].w)
		return idx, nil
	}
	for i := range idx {
		idx[i] = int32(i)
	}
	// Ties broken by row number make pdqsort stable, and it is much faster
	// than SortStableFunc's in-place merging.
	slices.SortFunc(idx, func(a, b int32) int {
		if c := compareRows(ks, int(a), int(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return idx, nil
}

type sortOp struct {
	env    *Env
	child  Operator
	keys   []SortKey
	topK   int64 // rows to keep (offset+limit); < 0 keeps all
	offset int64

	buf     []arrow.RecordBatch
	bufRows int64
	sorted  arrow.RecordBatch
	order   []int32
	pos     int
	done    bool
}

// NewSort orders all rows of child by keys (stable: ties keep input order).
// NULLs go first when a key's NullsFirst is set and last otherwise; strings
// compare case-insensitively.
func NewSort(env *Env, child Operator, keys []SortKey) Operator {
	return &sortOp{env: env, child: child, keys: keys, topK: -1}
}

// NewTopN is Sort followed by LIMIT offset, limit (limit < 0: no limit) but
// holds only about 2*(offset+limit) rows at a time.
func NewTopN(env *Env, child Operator, keys []SortKey, offset, limit int64) Operator {
	offset = max(offset, 0)
	k := int64(-1)
	if limit >= 0 {
		k = offset + limit
	}
	return &sortOp{env: env, child: child, keys: keys, topK: k, offset: offset}
}

func (s *sortOp) Schema() *arrow.Schema { return s.child.Schema() }

func (s *sortOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if s.done {
		return nil, io.EOF
	}
	if s.sorted == nil {
		if err := s.build(ctx); err != nil {
			return nil, err
		}
	}
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if s.pos >= len(s.order) {
		s.done = true
		s.release()
		return nil, io.EOF
	}
	end := min(len(s.order), s.pos+s.env.batchSize())
	b, err := takeBatch(ctx, s.env.mem(), s.Schema(), s.sorted, s.order[s.pos:end])
	s.pos = end
	return b, err
}

func (s *sortOp) build(ctx context.Context) error {
	if s.topK == 0 {
		cols := emptyColumns(s.env, s.Schema())
		s.sorted = array.NewRecordBatch(s.Schema(), cols, 0)
		releaseArrays(cols)
		s.buf = append(s.buf, s.sorted)
		return nil
	}
	// Compact when the buffer is twice what TopN keeps (amortised O(n log k)).
	threshold := int64(-1)
	if s.topK > 0 {
		threshold = max(2*s.topK, int64(s.env.batchSize()))
	}
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		b, err := s.child.Next(ctx)
		if err != nil {
			if isEOF(err) {
				// Free the input's state while we hold the sorted rows.
				if err := s.child.Close(); err != nil {
					return err
				}
				break
			}
			return err
		}
		if s.topK > 0 && s.sorted != nil && int64(len(s.order)) == s.topK {
			// Once topK rows are kept, only rows that beat the worst of them
			// can matter: drop the others before buffering, so most batches
			// cost one comparison per row instead of a sort.
			fb, err := s.beatWorst(ctx, b)
			b.Release()
			if err != nil {
				return err
			}
			if fb == nil {
				continue
			}
			b = fb
		}
		s.buf = append(s.buf, b)
		s.bufRows += b.NumRows()
		if threshold > 0 && s.bufRows >= threshold {
			if err := s.compact(ctx); err != nil {
				return err
			}
		}
	}
	if err := s.compact(ctx); err != nil {
		return err
	}
	if s.offset > 0 {
		s.order = s.order[min(int64(len(s.order)), s.offset):]
	}
	return nil
}

// beatWorst returns the rows of b that sort strictly before the worst kept
// row (nil if none). A tie does not beat it: the kept row arrived first.
func (s *sortOp) beatWorst(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	ec := s.env.evalCtx(ctx)
	w := int64(s.order[len(s.order)-1])
	worst := s.sorted.NewSlice(w, w+1)
	defer worst.Release()
	arrs := make([]arrow.Array, len(s.keys))
	defer releaseArrays(arrs)
	for i, k := range s.keys {
		wa, err := k.Expr.Eval(ec, worst)
		if err != nil {
			return nil, err
		}
		ba, err := k.Expr.Eval(ec, b)
		if err != nil {
			wa.Release()
			return nil, err
		}
		arrs[i], err = array.Concatenate([]arrow.Array{wa, ba}, s.env.mem())
		wa.Release()
		ba.Release()
		if err != nil {
			return nil, err
		}
	}
	ks, err := newKeyCmps(arrs, s.keys)
	if err != nil {
		return nil, err
	}
	var idx []int32
	for i := 1; i <= int(b.NumRows()); i++ {
		if compareRows(ks, i, 0) < 0 {
			idx = append(idx, int32(i-1))
		}
	}
	if len(idx) == 0 {
		return nil, nil
	}
	return takeBatch(ctx, s.env.mem(), s.Schema(), b, idx)
}

// compact sorts everything buffered into s.sorted/s.order, keeping topK rows
// when set.
func (s *sortOp) compact(ctx context.Context) error {
	all, err := concatBatches(s.env.mem(), s.Schema(), s.buf)
	if err != nil {
		return err
	}
	releaseBatches(s.buf)
	s.buf = s.buf[:0]
	order, err := sortedIndices(s.env, ctx, all, s.keys)
	if err != nil {
		all.Release()
		return err
	}
	if s.topK >= 0 && int64(len(order)) > s.topK {
		order = order[:s.topK]
		// Keep only the winners so memory stays bounded; they stay in
		// sorted order, so ties keep arrival order on the next round.
		kept, err := takeBatch(ctx, s.env.mem(), s.Schema(), all, order)
		all.Release()
		if err != nil {
			return err
		}
		all = kept
		order = order[:0]
		for i := 0; i < int(kept.NumRows()); i++ {
			order = append(order, int32(i))
		}
	}
	s.sorted, s.order = all, order
	s.buf = append(s.buf, all)
	s.bufRows = all.NumRows()
	return nil
}

func emptyColumns(env *Env, schema *arrow.Schema) []arrow.Array {
	cols := make([]arrow.Array, schema.NumFields())
	for i := range cols {
		cols[i] = array.MakeArrayOfNull(env.mem(), schema.Field(i).Type, 0)
	}
	return cols
}

func (s *sortOp) release() {
	releaseBatches(s.buf)
	s.buf = nil
	s.sorted = nil // owned through buf
	s.order = nil
}

func (s *sortOp) Close() error {
	s.done = true
	s.release()
	return s.child.Close()
}

// sortByWords is the common single fixed-width key without NULLs: an LSD
// radix sort of (key, row) pairs, stable by construction, skipping byte
// positions where every key agrees.
func sortByWords(idx []int32, w []uint64) {
	n := len(w)
	if n < 256 {
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(w[a], w[b]) })
		return
	}
	keys, tmpKeys := slices.Clone(w), make([]uint64, n)
	rows, tmpRows := idx, make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	var counts [8][256]int
	for _, k := range keys {
		for b := 0; b < 8; b++ {
			counts[b][byte(k>>(8*b))]++
		}
	}
	for b := 0; b < 8; b++ {
		c := &counts[b]
		if c[byte(keys[0]>>(8*b))] == n {
			continue // every key has the same byte here
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		shift := 8 * b
		for i, k := range keys {
			d := byte(k >> shift)
			p := c[d]
			c[d]++
			tmpKeys[p], tmpRows[p] = k, rows[i]
		}
		keys, tmpKeys = tmpKeys, keys
		rows, tmpRows = tmpRows, rows
	}
	if &rows[0] != &idx[0] {
		copy(idx, rows)
	}
}
