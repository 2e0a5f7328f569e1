package executor

import (
	"hash/maphash"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// Key columns for hashing (GROUP BY, DISTINCT, set operations, join keys) are
// first normalised per batch into one of a few shapes, so the hash table code
// is type-agnostic:
//   - fixed: every value becomes 1 or 2 uint64 words (integers sign- or
//     zero-extended, floats as bits with -0 and NaN canonicalised, decimal128
//     as two words, temporal types as their integer);
//   - folded: utf8 strings, compared case-insensitively (see collate.go);
//   - bytes: binary, compared bytewise; other types (lists, vectors, structs)
//     fall back to their printed form, compared bytewise;
//   - null: the null type, every value equal.

type keyShape uint8

const (
	shapeFixed keyShape = iota
	shapeFolded
	shapeBytes
	shapeNull
)

// keyClass groups types whose normalised values are comparable with each
// other (join keys from both sides must be in the same class).
func keyClass(t arrow.DataType) (shape keyShape, words int, class string) {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return shapeFixed, 1, "integer"
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return shapeFixed, 1, "float"
	case arrow.BOOL:
		return shapeFixed, 1, "bool"
	case arrow.DECIMAL128:
		return shapeFixed, 2, t.String()
	case arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return shapeFixed, 1, t.String()
	case arrow.STRING, arrow.LARGE_STRING:
		return shapeFolded, 0, "string"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY:
		return shapeBytes, 0, "binary"
	case arrow.NULL:
		return shapeNull, 0, "null"
	}
	return shapeBytes, 0, "other:" + t.String()
}

// keyVec is one key column of one batch in normalised form.
type keyVec struct {
	shape keyShape
	words int
	n     int
	w     []uint64 // shapeFixed: n*words
	valid []bool   // nil when no nulls
	offs  []int64  // shapeFolded/shapeBytes: n+1 offsets into data
	data  []byte
}

func (v *keyVec) isNull(i int) bool { return v.shape == shapeNull || (v.valid != nil && !v.valid[i]) }

func (v *keyVec) bytes(i int) []byte { return v.data[v.offs[i]:v.offs[i+1]] }

// load fills v from a (reusing v's slices).
func (v *keyVec) load(a arrow.Array) {
	shape, words, _ := keyClass(a.DataType())
	n := a.Len()
	v.shape, v.words, v.n = shape, words, n
	v.valid = v.valid[:0]
	if a.NullN() > 0 || shape == shapeNull {
		v.valid = validBools(a, v.valid)
	} else {
		v.valid = nil
	}
	switch shape {
	case shapeFixed:
		v.w = growU64(v.w, n*words)
		loadWords(v.w, a)
	case shapeFolded, shapeBytes:
		v.offs = growI64(v.offs, n+1)
		v.data = v.data[:0]
		if n == 0 {
			// Empty arrays may have no offsets buffer at all.
			v.offs[0] = 0
			return
		}
		switch a := a.(type) {
		case *array.String:
			o := a.ValueOffsets()
			v.data = a.ValueBytes()
			for i := range v.offs {
				v.offs[i] = int64(o[i] - o[0])
			}
		case *array.LargeString:
			o := a.ValueOffsets()
			v.data = a.ValueBytes()
			for i := range v.offs {
				v.offs[i] = o[i] - o[0]
			}
		case *array.Binary:
			o := a.ValueOffsets()
			v.data = a.ValueBytes()
			for i := range v.offs {
				v.offs[i] = int64(o[i] - o[0])
			}
		case *array.LargeBinary:
			o := a.ValueOffsets()
			v.data = a.ValueBytes()
			for i := range v.offs {
				v.offs[i] = o[i] - o[0]
			}
		default:
			// Fixed-size binary and nested types: printed form. Slow but
			// only used for unusual keys such as DISTINCT over vectors.
			var buf []byte
			v.offs[0] = 0
			valid := validBools(a, nil)
			for i := 0; i < n; i++ {
				if valid[i] {
					buf = append(buf, a.ValueStr(i)...)
				}
				v.offs[i+1] = int64(len(buf))
			}
			v.data = buf
		}
	}
}

func growU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}
func growI64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}
func growBools(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}
func growU32(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n)
	}
	return s[:n]
}
func growI32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func signed[T ~int8 | ~int16 | ~int32 | ~int64](dst []uint64, src []T) {
	for i, x := range src {
		dst[i] = uint64(int64(x))
	}
}

func unsigned[T uint8 | uint16 | uint32 | uint64](dst []uint64, src []T) {
	for i, x := range src {
		dst[i] = uint64(x)
	}
}

// floatWord canonicalises -0 to 0 and every NaN to one NaN so equal values
// have equal words.
func floatWord(f float64) uint64 {
	if f == 0 {
		return 0
	}
	if f != f {
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

func loadWords(dst []uint64, a arrow.Array) {
	switch a := a.(type) {
	case *array.Int8:
		signed(dst, a.Int8Values())
	case *array.Int16:
		signed(dst, a.Int16Values())
	case *array.Int32:
		signed(dst, a.Int32Values())
	case *array.Int64:
		signed(dst, a.Int64Values())
	case *array.Uint8:
		unsigned(dst, a.Uint8Values())
	case *array.Uint16:
		unsigned(dst, a.Uint16Values())
	case *array.Uint32:
		unsigned(dst, a.Uint32Values())
	case *array.Uint64:
		unsigned(dst, a.Uint64Values())
	case *array.Float16:
		for i, x := range a.Values() {
			dst[i] = floatWord(float64(x.Float32()))
		}
	case *array.Float32:
		for i, x := range a.Float32Values() {
			dst[i] = floatWord(float64(x))
		}
	case *array.Float64:
		for i, x := range a.Float64Values() {
			dst[i] = floatWord(x)
		}
	case *array.Boolean:
		for i := range dst {
			if a.Value(i) {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case *array.Decimal128:
		for i := 0; i < a.Len(); i++ {
			v := a.Value(i)
			dst[2*i], dst[2*i+1] = v.LowBits(), uint64(v.HighBits())
		}
	case *array.Date32:
		signed(dst, arrow.Date32Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	case *array.Date64:
		signed(dst, arrow.Date64Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	case *array.Time32:
		signed(dst, arrow.Time32Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	case *array.Time64:
		signed(dst, arrow.Time64Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	case *array.Timestamp:
		signed(dst, arrow.TimestampTraits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	case *array.Duration:
		signed(dst, arrow.DurationTraits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Data().Offset():][:a.Len()])
	default:
		panic("executor: no fixed key loader for " + a.DataType().String())
	}
	// Null slots may hold garbage; zero them so hashing sees one value.
	if a.NullN() > 0 {
		w := len(dst) / max(a.Len(), 1)
		valid := validBools(a, nil)
		for i, ok := range valid {
			if !ok {
				for k := 0; k < w; k++ {
					dst[i*w+k] = 0
				}
			}
		}
	}
}

var hashSeed = maphash.MakeSeed()

const nullHash = 0x9e3779b97f4a7c15

func mix(h, w uint64) uint64 {
	h ^= w + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// hashInto folds v's row hashes into h (len n).
func (v *keyVec) hashInto(h []uint64, scratch []byte) []byte {
	switch v.shape {
	case shapeNull:
		for i := range h {
			h[i] = mix(h[i], nullHash)
		}
	case shapeFixed:
		if v.words == 1 {
			for i := range h {
				h[i] = mix(h[i], v.w[i])
			}
		} else {
			for i := range h {
				h[i] = mix(mix(h[i], v.w[2*i]), v.w[2*i+1])
			}
		}
		if v.valid != nil {
			for i := range h {
				if !v.valid[i] {
					h[i] = mix(h[i], nullHash)
				}
			}
		}
	case shapeBytes, shapeFolded:
		// A NULL slot's bytes are unspecified, so NULLs hash by the marker
		// alone.
		for i := range h {
			if v.valid != nil && !v.valid[i] {
				h[i] = mix(h[i], nullHash)
				continue
			}
			b := v.bytes(i)
			if v.shape == shapeFolded {
				scratch = appendFolded(scratch[:0], b)
				b = scratch
			}
			h[i] = mix(h[i], maphash.Bytes(hashSeed, b))
		}
	}
	return scratch
}

// keyStore holds one key column's values per group, for equality checks.
type keyStore struct {
	shape   keyShape
	words   int
	hasNull bool // some stored key is NULL
	w       []uint64
	valid   []bool
	offs    []int64 // len groups+1
	data    []byte
}

func newKeyStore(t arrow.DataType) keyStore {
	shape, words, _ := keyClass(t)
	return keyStore{shape: shape, words: words, offs: []int64{0}}
}

// appendRows stores rows of v as new groups, in order.
func (s *keyStore) appendRows(v *keyVec, rows []int32) {
	for _, r := range rows {
		null := v.isNull(int(r))
		s.hasNull = s.hasNull || null
		s.valid = append(s.valid, !null)
	}
	switch s.shape {
	case shapeFixed:
		if s.words == 1 {
			for _, r := range rows {
				s.w = append(s.w, v.w[r])
			}
		} else {
			for _, r := range rows {
				s.w = append(s.w, v.w[2*r], v.w[2*r+1])
			}
		}
	case shapeFolded, shapeBytes:
		for _, r := range rows {
			s.data = append(s.data, v.bytes(int(r))...)
			s.offs = append(s.offs, int64(len(s.data)))
		}
	}
}

// verify clears ok[i] for rows[i] whose key differs from group cand[i]. The
// type switch is outside the loops so each loop is tight.
func (s *keyStore) verify(v *keyVec, rows []int32, cand []uint32, ok []bool) {
	if v.valid != nil || s.hasNull {
		for i, r := range rows {
			vn, sn := v.isNull(int(r)), !s.valid[cand[i]]
			if vn != sn {
				ok[i] = false
			}
		}
	}
	switch s.shape {
	case shapeFixed:
		if s.words == 1 {
			for i, r := range rows {
				if v.w[r] != s.w[cand[i]] {
					ok[i] = false
				}
			}
		} else {
			for i, r := range rows {
				g := cand[i]
				if v.w[2*r] != s.w[2*g] || v.w[2*r+1] != s.w[2*g+1] {
					ok[i] = false
				}
			}
		}
	case shapeBytes:
		for i, r := range rows {
			g := cand[i]
			if ok[i] && !v.isNull(int(r)) && string(v.bytes(int(r))) != string(s.data[s.offs[g]:s.offs[g+1]]) {
				ok[i] = false
			}
		}
	case shapeFolded:
		for i, r := range rows {
			g := cand[i]
			if ok[i] && !v.isNull(int(r)) && !equalFolded(v.bytes(int(r)), s.data[s.offs[g]:s.offs[g+1]]) {
				ok[i] = false
			}
		}
	}
}

func (s *keyStore) bytesSize() int {
	return 8*len(s.w) + len(s.valid) + 8*len(s.offs) + len(s.data)
}

// groupTable maps key tuples to dense group ids 0..n-1, in order of first
// appearance. It is an open-addressing table over full 64-bit hashes; keys
// are verified column by column after a whole batch is probed, so the inner
// loops stay typed and free of per-row interface calls.
type groupTable struct {
	stores []keyStore
	hashes []uint64 // per group
	// slots hold the hash next to the id so a probe touches one cache line.
	slots []slot
	mask  uint64
	n     int

	// per-batch scratch
	vecs    []keyVec
	h       []uint64
	pos     []uint64
	pending []int32
	cand    []uint32
	ok      []bool
	candIdx []int32
	newRows []int32
	retry   []int32
	scratch []byte
}

// checkKeyTypes reports an unsupported comparison between join key types.
func checkKeyTypes(left, right []arrow.DataType) error {
	if len(left) != len(right) {
		return sqlerr.New(sqlerr.ErrOperandColumns, "executor: %d left keys but %d right keys", len(left), len(right))
	}
	for i := range left {
		_, _, lc := keyClass(left[i])
		_, _, rc := keyClass(right[i])
		if lc != rc && lc != "null" && rc != "null" {
			return sqlerr.New(sqlerr.ErrWrongArguments, "executor: cannot compare key %d of type %s with type %s (the planner must cast both sides to one type)", i+1, left[i], right[i])
		}
	}
	return nil
}

func newGroupTable(types []arrow.DataType) *groupTable {
	g := &groupTable{stores: make([]keyStore, len(types)), vecs: make([]keyVec, len(types))}
	for i, t := range types {
		g.stores[i] = newKeyStore(t)
	}
	g.resize(1024)
	return g
}

type slot struct {
	h  uint64
	id uint32 // 0: empty, else group id + 1
}

func (g *groupTable) resize(capacity int) {
	g.slots = make([]slot, capacity)
	g.mask = uint64(capacity - 1)
	for gid, h := range g.hashes {
		p := h & g.mask
		for g.slots[p].id != 0 {
			p = (p + 1) & g.mask
		}
		g.slots[p] = slot{h: h, id: uint32(gid) + 1}
	}
}

// prepare loads the key columns and hashes them; it returns the number of
// rows.
func (g *groupTable) prepare(cols []arrow.Array) int {
	n := 0
	if len(cols) > 0 {
		n = cols[0].Len()
	}
	g.h = growU64(g.h, n)
	for i := range g.h {
		g.h[i] = 0
	}
	for i, c := range cols {
		g.vecs[i].load(c)
		g.scratch = g.vecs[i].hashInto(g.h, g.scratch)
	}
	if testConstHash {
		for i := range g.h {
			g.h[i] = 42
		}
	}
	return n
}

// anyNull reports whether row r has a NULL in some key column.
func (g *groupTable) anyNull(r int) bool {
	for i := range g.vecs {
		if g.vecs[i].isNull(r) {
			return true
		}
	}
	return false
}

// insert assigns a group id to every row of cols (creating groups for new
// keys) and writes them into out[:n]. With skipNull, rows with a NULL key get
// no group (out = noGroup). newRows lists rows that created groups, in order.
func (g *groupTable) insert(cols []arrow.Array, out []uint32, skipNull bool) (newRows []int32) {
	n := g.prepare(cols)
	if need := (g.n + n) * 2; need > len(g.slots) {
		c := len(g.slots)
		for c < need {
			c *= 2
		}
		g.resize(c)
	}
	g.pending = g.pending[:0]
	g.pos = growU64(g.pos, n)
	for r := 0; r < n; r++ {
		if skipNull && g.anyNull(r) {
			out[r] = noGroup
			continue
		}
		g.pending = append(g.pending, int32(r))
		g.pos[r] = g.h[r] & g.mask
	}
	g.newRows = g.newRows[:0]
	for len(g.pending) > 0 {
		g.cand, g.candIdx = g.cand[:0], g.candIdx[:0]
		firstNew := len(g.newRows)
		for _, r := range g.pending {
			h := g.h[r]
			p := g.pos[r]
			for {
				s := g.slots[p]
				if s.id == 0 {
					gid := uint32(g.n)
					g.n++
					g.slots[p] = slot{h: h, id: gid + 1}
					g.hashes = append(g.hashes, h)
					g.newRows = append(g.newRows, r)
					out[r] = gid
					break
				}
				if s.h == h {
					g.cand = append(g.cand, s.id-1)
					g.candIdx = append(g.candIdx, r)
					g.pos[r] = p
					break
				}
				p = (p + 1) & g.mask
			}
		}
		for i := range g.stores {
			g.stores[i].appendRows(&g.vecs[i], g.newRows[firstNew:])
		}
		g.retry = g.verify(g.candIdx, g.cand, out, g.retry[:0])
		g.pending, g.retry = g.retry, g.pending
	}
	return g.newRows
}

// verify checks candidates; matching rows get their group in out, others
// are returned (with pos advanced) for another probe round.
func (g *groupTable) verify(rows []int32, cand []uint32, out []uint32, retry []int32) []int32 {
	if len(rows) == 0 {
		return retry
	}
	g.ok = growBools(g.ok, len(rows))
	for i := range g.ok {
		g.ok[i] = true
	}
	for i := range g.stores {
		g.stores[i].verify(&g.vecs[i], rows, cand, g.ok)
	}
	for i, r := range rows {
		if g.ok[i] {
			out[r] = cand[i]
		} else {
			g.pos[r] = (g.pos[r] + 1) & g.mask
			retry = append(retry, r)
		}
	}
	return retry
}

// lookup finds the group of every row without inserting; out[r] = noGroup
// when the key is absent or (with skipNull) has a NULL.
func (g *groupTable) lookup(cols []arrow.Array, out []uint32, skipNull bool) {
	n := g.prepare(cols)
	g.pending = g.pending[:0]
	g.pos = growU64(g.pos, n)
	for r := 0; r < n; r++ {
		out[r] = noGroup
		if skipNull && g.anyNull(r) {
			continue
		}
		g.pending = append(g.pending, int32(r))
		g.pos[r] = g.h[r] & g.mask
	}
	for len(g.pending) > 0 {
		g.cand, g.candIdx = g.cand[:0], g.candIdx[:0]
		for _, r := range g.pending {
			h := g.h[r]
			p := g.pos[r]
			for {
				s := g.slots[p]
				if s.id == 0 {
					break
				}
				if s.h == h {
					g.cand = append(g.cand, s.id-1)
					g.candIdx = append(g.candIdx, r)
					g.pos[r] = p
					break
				}
				p = (p + 1) & g.mask
			}
		}
		g.retry = g.verify(g.candIdx, g.cand, out, g.retry[:0])
		g.pending, g.retry = g.retry, g.pending
	}
}

const noGroup = math.MaxUint32

// testConstHash makes every hash equal so tests exercise the key
// verification and collision paths.
var testConstHash = false
