package functions

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

// aggState is the inner, selection-aware half of an accumulator: update
// folds the rows listed in sel (every row when sel is nil) into their groups.
type aggState interface {
	grow(ngroups int)
	update(groups []uint32, args []arrow.Array, sel []int32) error
	finish(mem memory.Allocator, ngroups int) (arrow.Array, error)
}

// accumulator adapts an aggState to the Accumulator interface and applies
// DISTINCT by filtering out (group, value) pairs already seen.
type accumulator struct {
	st       aggState
	distinct map[string]struct{}
	key      []byte
	sel      []int32
	// nvals, when > 0, limits DISTINCT (and its NULL test) to the first
	// nvals arguments: GROUP_CONCAT's ORDER BY keys follow its values.
	nvals int
}

func newAccumulator(st aggState, distinct bool) *accumulator {
	a := &accumulator{st: st}
	if distinct {
		a.distinct = map[string]struct{}{}
	}
	return a
}

func (a *accumulator) Update(groups []uint32, ngroups int, args []arrow.Array) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.ErrUnknownSystem, "internal error in aggregate: %v", r)
		}
	}()
	a.st.grow(ngroups)
	if a.distinct == nil {
		return a.st.update(groups, args, nil)
	}
	a.sel = a.sel[:0]
	vals := args
	if a.nvals > 0 && a.nvals < len(args) {
		vals = args[:a.nvals]
	}
	valid := make([]Validity, len(vals))
	for j, arg := range vals {
		valid[j] = ValidityOf(arg)
	}
rows:
	for i, g := range groups {
		for j := range valid {
			if !valid[j].Valid(i) {
				continue rows // aggregates ignore NULLs, so DISTINCT does too
			}
		}
		a.key = binary.LittleEndian.AppendUint32(a.key[:0], g)
		for _, arg := range vals {
			a.key = appendKey(a.key, arg, i)
		}
		if _, seen := a.distinct[string(a.key)]; seen {
			continue
		}
		a.distinct[string(a.key)] = struct{}{}
		a.sel = append(a.sel, int32(i))
	}
	if len(a.sel) == 0 {
		return nil
	}
	return a.st.update(groups, args, a.sel)
}

// appendKey appends a value's identity for DISTINCT: raw bits for fixed-width
// types, the collation key for strings (so 'a' and 'A' are one value).
func appendKey(dst []byte, a arrow.Array, i int) []byte {
	switch a.DataType().ID() {
	case arrow.INT64:
		return binary.LittleEndian.AppendUint64(dst, uint64(Values[int64](a)[i]))
	case arrow.UINT64:
		return binary.LittleEndian.AppendUint64(dst, Values[uint64](a)[i])
	case arrow.FLOAT64:
		f := Values[float64](a)[i]
		if f == 0 {
			f = 0 // -0 and 0 are one value
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	case arrow.DECIMAL128:
		d := Values[decimal128.Num](a)[i]
		dst = binary.LittleEndian.AppendUint64(dst, d.LowBits())
		return binary.LittleEndian.AppendUint64(dst, uint64(d.HighBits()))
	case arrow.DATE32:
		return binary.LittleEndian.AppendUint32(dst, uint32(Values[arrow.Date32](a)[i]))
	case arrow.TIMESTAMP:
		return binary.LittleEndian.AppendUint64(dst, uint64(Values[arrow.Timestamp](a)[i]))
	case arrow.TIME64:
		return binary.LittleEndian.AppendUint64(dst, uint64(Values[arrow.Time64](a)[i]))
	case arrow.BOOL:
		if BoolsOf(a).Get(i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case arrow.STRING, arrow.LARGE_STRING:
		s := FoldString(StringsOf(a).Get(i))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)))
		return append(dst, s...)
	case arrow.BINARY:
		s := StringsOf(a).Get(i)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)))
		return append(dst, s...)
	}
	if IsVector(a.DataType()) {
		v, d := vectorData(a)
		for _, f := range v[i*d : (i+1)*d] {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
		}
	}
	return dst
}

func (a *accumulator) Finish(mem memory.Allocator, ngroups int) (res arrow.Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error in aggregate: %v", r)
		}
	}()
	a.st.grow(ngroups)
	return a.st.finish(mem, ngroups)
}

func (a *accumulator) Release() { a.distinct = nil }

// forRows calls f for each selected row index.
func forRows(n int, sel []int32, f func(i int)) {
	if sel == nil {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	for _, i := range sel {
		f(int(i))
	}
}

func growSlice[T any](s []T, n int, zero T) []T {
	for len(s) < n {
		s = append(s, zero)
	}
	return s
}

// ---- COUNT ----

type countState struct{ n []int64 }

func (s *countState) grow(g int) { s.n = growSlice(s.n, g, 0) }
func (s *countState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	if len(args) == 0 { // COUNT(*)
		if sel == nil {
			for _, g := range groups {
				s.n[g]++
			}
			return nil
		}
		for _, i := range sel {
			s.n[groups[i]]++
		}
		return nil
	}
	valid := make([]Validity, len(args))
	allValid := true
	for j, a := range args {
		valid[j] = ValidityOf(a)
		allValid = allValid && valid[j].AllValid()
	}
	if allValid && sel == nil {
		for _, g := range groups {
			s.n[g]++
		}
		return nil
	}
	forRows(len(groups), sel, func(i int) {
		for j := range valid {
			if !valid[j].Valid(i) {
				return
			}
		}
		s.n[groups[i]]++
	})
	return nil
}
func (s *countState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[int64](mem, Int64, g)
	copy(out.Values, s.n[:g])
	return out.Finish(), nil
}

// ---- SUM / AVG over exact numbers (DECIMAL state) ----

type decSumState struct {
	sum   []decimal128.Num
	cnt   []int64
	isInt bool // argument is BIGINT (summed as DECIMAL scale 0)
	scale int32
	avg   bool
	ret   arrow.DataType
}

func (s *decSumState) grow(g int) {
	s.sum = growSlice(s.sum, g, decimal128.Num{})
	s.cnt = growSlice(s.cnt, g, 0)
}

func (s *decSumState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	a := args[0]
	valid := ValidityOf(a)
	var err error
	if s.isInt {
		vals := Values[int64](a)
		forRows(len(groups), sel, func(i int) {
			if err != nil || !valid.Valid(i) {
				return
			}
			g := groups[i]
			r, ok := decAdd(s.sum[g], decimal128.FromI64(vals[i]))
			if !ok {
				err = sqlerr.New(sqlerr.ErrDataOutOfRange, "DECIMAL value is out of range in 'sum'")
			}
			s.sum[g] = r
			s.cnt[g]++
		})
		return err
	}
	vals := Values[decimal128.Num](a)
	forRows(len(groups), sel, func(i int) {
		if err != nil || !valid.Valid(i) {
			return
		}
		g := groups[i]
		r, ok := decAdd(s.sum[g], vals[i])
		if !ok {
			err = sqlerr.New(sqlerr.ErrDataOutOfRange, "DECIMAL value is out of range in 'sum'")
		}
		s.sum[g] = r
		s.cnt[g]++
	})
	return err
}

func (s *decSumState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[decimal128.Num](mem, s.ret, g)
	_, rs := decimalPS(s.ret)
	for i := 0; i < g; i++ {
		if s.cnt[i] == 0 {
			out.SetNull(i)
			continue
		}
		if !s.avg {
			out.Values[i] = s.sum[i]
			continue
		}
		num, ok := decScaleUp(s.sum[i], rs-s.scale)
		if !ok {
			out.Release()
			return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "DECIMAL value is out of range in 'avg'")
		}
		out.Values[i] = decDivRound(num, decimal128.FromI64(s.cnt[i]))
	}
	return out.Finish(), nil
}

// ---- SUM / AVG / STDDEV / VARIANCE over DOUBLE ----

type floatAggKind int

const (
	fSum floatAggKind = iota
	fAvg
	fVarPop
	fVarSamp
	fStdPop
	fStdSamp
)

type floatState struct {
	kind  floatAggKind
	cnt   []int64
	mean  []float64 // sum for fSum; running mean otherwise
	m2    []float64
	doubl bool
}

func (s *floatState) grow(g int) {
	s.cnt = growSlice(s.cnt, g, 0)
	s.mean = growSlice(s.mean, g, 0)
	s.m2 = growSlice(s.m2, g, 0)
}

func (s *floatState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	vals := Values[float64](args[0])
	valid := ValidityOf(args[0])
	if s.kind == fSum || s.kind == fAvg {
		forRows(len(groups), sel, func(i int) {
			if valid.Valid(i) {
				g := groups[i]
				s.mean[g] += vals[i]
				s.cnt[g]++
			}
		})
		return nil
	}
	// Welford's update keeps the variance numerically stable.
	forRows(len(groups), sel, func(i int) {
		if !valid.Valid(i) {
			return
		}
		g := groups[i]
		s.cnt[g]++
		d := vals[i] - s.mean[g]
		s.mean[g] += d / float64(s.cnt[g])
		s.m2[g] += d * (vals[i] - s.mean[g])
	})
	return nil
}

func (s *floatState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[float64](mem, Float64, g)
	for i := 0; i < g; i++ {
		n := float64(s.cnt[i])
		if s.cnt[i] == 0 || ((s.kind == fVarSamp || s.kind == fStdSamp) && s.cnt[i] < 2) {
			out.SetNull(i)
			continue
		}
		switch s.kind {
		case fSum:
			out.Values[i] = s.mean[i]
		case fAvg:
			out.Values[i] = s.mean[i] / n
		case fVarPop:
			out.Values[i] = s.m2[i] / n
		case fVarSamp:
			out.Values[i] = s.m2[i] / (n - 1)
		case fStdPop:
			out.Values[i] = math.Sqrt(s.m2[i] / n)
		case fStdSamp:
			out.Values[i] = math.Sqrt(s.m2[i] / (n - 1))
		}
	}
	return out.Finish(), nil
}

// ---- MIN / MAX ----

type ordered interface {
	~int64 | ~uint64 | ~float64 | ~int32
}

type minMaxState[T ordered] struct {
	vals []T
	has  []bool
	max  bool
	typ  arrow.DataType
}

func (s *minMaxState[T]) grow(g int) {
	var z T
	s.vals = growSlice(s.vals, g, z)
	s.has = growSlice(s.has, g, false)
}

func (s *minMaxState[T]) update(groups []uint32, args []arrow.Array, sel []int32) error {
	vals := Values[T](args[0])
	valid := ValidityOf(args[0])
	if s.max {
		forRows(len(groups), sel, func(i int) {
			if g := groups[i]; valid.Valid(i) && (!s.has[g] || vals[i] > s.vals[g]) {
				s.vals[g], s.has[g] = vals[i], true
			}
		})
	} else {
		forRows(len(groups), sel, func(i int) {
			if g := groups[i]; valid.Valid(i) && (!s.has[g] || vals[i] < s.vals[g]) {
				s.vals[g], s.has[g] = vals[i], true
			}
		})
	}
	return nil
}

func (s *minMaxState[T]) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[T](mem, s.typ, g)
	for i := 0; i < g; i++ {
		if !s.has[i] {
			out.SetNull(i)
		} else {
			out.Values[i] = s.vals[i]
		}
	}
	return out.Finish(), nil
}

type minMaxDec struct {
	vals []decimal128.Num
	has  []bool
	max  bool
	typ  arrow.DataType
}

func (s *minMaxDec) grow(g int) {
	s.vals = growSlice(s.vals, g, decimal128.Num{})
	s.has = growSlice(s.has, g, false)
}

func (s *minMaxDec) update(groups []uint32, args []arrow.Array, sel []int32) error {
	vals := Values[decimal128.Num](args[0])
	valid := ValidityOf(args[0])
	want := -1
	if s.max {
		want = 1
	}
	forRows(len(groups), sel, func(i int) {
		if g := groups[i]; valid.Valid(i) && (!s.has[g] || vals[i].Cmp(s.vals[g]) == want) {
			s.vals[g], s.has[g] = vals[i], true
		}
	})
	return nil
}

func (s *minMaxDec) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[decimal128.Num](mem, s.typ, g)
	for i := 0; i < g; i++ {
		if !s.has[i] {
			out.SetNull(i)
		} else {
			out.Values[i] = s.vals[i]
		}
	}
	return out.Finish(), nil
}

type minMaxStr struct {
	vals []string
	has  []bool
	max  bool
	bin  bool
}

func (s *minMaxStr) grow(g int) {
	s.vals = growSlice(s.vals, g, "")
	s.has = growSlice(s.has, g, false)
}

func (s *minMaxStr) update(groups []uint32, args []arrow.Array, sel []int32) error {
	sv := StringsOf(args[0])
	valid := ValidityOf(args[0])
	want := -1
	if s.max {
		want = 1
	}
	forRows(len(groups), sel, func(i int) {
		if !valid.Valid(i) {
			return
		}
		g := groups[i]
		v := sv.Get(i)
		var c int
		if s.has[g] {
			if s.bin {
				c = strings.Compare(v, s.vals[g])
			} else {
				c = CompareStrings(v, s.vals[g])
			}
		}
		if !s.has[g] || c == want {
			s.vals[g], s.has[g] = strings.Clone(v), true // the batch's memory goes away
		}
	})
	return nil
}

func (s *minMaxStr) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	typ := Utf8
	if s.bin {
		typ = Varbinary
	}
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for i := 0; i < g; i++ {
		if !s.has[i] {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.StringBuilder:
			bb.Append(s.vals[i])
		case *array.BinaryBuilder:
			bb.AppendString(s.vals[i])
		}
	}
	return b.NewArray(), nil
}

// minMaxBool keeps MIN/MAX of BOOLEAN (FALSE < TRUE).
type minMaxBool struct {
	vals []bool
	has  []bool
	max  bool
}

func (s *minMaxBool) grow(g int) {
	s.vals = growSlice(s.vals, g, false)
	s.has = growSlice(s.has, g, false)
}

func (s *minMaxBool) update(groups []uint32, args []arrow.Array, sel []int32) error {
	bv := BoolsOf(args[0])
	valid := ValidityOf(args[0])
	forRows(len(groups), sel, func(i int) {
		if !valid.Valid(i) {
			return
		}
		g, v := groups[i], bv.Get(i)
		if !s.has[g] || (s.max && v && !s.vals[g]) || (!s.max && !v && s.vals[g]) {
			s.vals[g], s.has[g] = v, true
		}
	})
	return nil
}

func (s *minMaxBool) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewBoolOut(mem, g)
	for i := 0; i < g; i++ {
		if !s.has[i] {
			out.SetNull(i)
		} else {
			out.Set(i, s.vals[i])
		}
	}
	return out.Finish(), nil
}

// ---- GROUP_CONCAT ----

type groupConcatState struct {
	buf []([]byte)
	has []bool
	sep string
}

func (s *groupConcatState) grow(g int) {
	s.buf = growSlice(s.buf, g, nil)
	s.has = growSlice(s.has, g, false)
}

func (s *groupConcatState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	views := make([]StringView, len(args))
	valid := make([]Validity, len(args))
	for j, a := range args {
		views[j], valid[j] = StringsOf(a), ValidityOf(a)
	}
	forRows(len(groups), sel, func(i int) {
		for j := range valid {
			if !valid[j].Valid(i) {
				return // a row with any NULL argument is skipped, as in MySQL
			}
		}
		g := groups[i]
		if s.has[g] {
			s.buf[g] = append(s.buf[g], s.sep...)
		}
		s.has[g] = true
		for j := range views {
			s.buf[g] = append(s.buf[g], views[j].Get(i)...)
		}
	})
	return nil
}

func (s *groupConcatState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := 0; i < g; i++ {
		if !s.has[i] {
			b.AppendNull()
		} else {
			b.BinaryBuilder.Append(s.buf[i])
		}
	}
	return b.NewArray(), nil
}

// ---- BIT_AND / BIT_OR / BIT_XOR ----

type bitState struct {
	vals []uint64
	op   int // 0 and, 1 or, 2 xor
}

func (s *bitState) grow(g int) {
	init := uint64(0)
	if s.op == 0 {
		init = math.MaxUint64
	}
	s.vals = growSlice(s.vals, g, init)
}

func (s *bitState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	vals := Values[uint64](args[0])
	valid := ValidityOf(args[0])
	forRows(len(groups), sel, func(i int) {
		if !valid.Valid(i) {
			return
		}
		g := groups[i]
		switch s.op {
		case 0:
			s.vals[g] &= vals[i]
		case 1:
			s.vals[g] |= vals[i]
		default:
			s.vals[g] ^= vals[i]
		}
	})
	return nil
}

func (s *bitState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	out := NewFixedOut[uint64](mem, Uint64, g)
	copy(out.Values, s.vals[:g])
	return out.Finish(), nil
}

// ---- ANY_VALUE ----

// anyValueState keeps the first non-NULL value per group by remembering
// which rows to take; values are copied at finish through SelectRows.
type anyValueState struct {
	typ   arrow.DataType
	parts []arrow.Array // one retained single-row slice per group's first value
}

func (s *anyValueState) grow(g int) { s.parts = growSlice(s.parts, g, nil) }

func (s *anyValueState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	valid := ValidityOf(args[0])
	forRows(len(groups), sel, func(i int) {
		if g := groups[i]; s.parts[g] == nil && valid.Valid(i) {
			s.parts[g] = array.NewSlice(args[0], int64(i), int64(i+1))
		}
	})
	return nil
}

func (s *anyValueState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	ec := &EvalContext{Mem: mem}
	var chunks []arrow.Array
	for i := 0; i < g; i++ {
		if s.parts[i] != nil {
			chunks = append(chunks, s.parts[i])
		} else {
			chunks = append(chunks, NullArray(mem, s.typ, 1))
		}
	}
	defer func() {
		for i, c := range chunks {
			if s.parts[i] == nil {
				c.Release()
			}
		}
	}()
	if len(chunks) == 0 {
		return NullArray(ec.mem(), s.typ, 0), nil
	}
	return array.Concatenate(chunks, mem)
}

func (s *anyValueState) release() {
	for _, p := range s.parts {
		if p != nil {
			p.Release()
		}
	}
	s.parts = nil
}

// releasingAccumulator also frees state that holds Arrow memory.
type releasingAccumulator struct {
	*accumulator
	free func()
}

func (r releasingAccumulator) Release() {
	r.accumulator.Release()
	r.free()
}

// ---- resolvers ----

func aggEntry(name, sig, desc string, r AggregateResolver) *Entry {
	return &Entry{Info: Info{Name: name, Kind: "aggregate", Signature: sig, Version: "builtin", Description: desc, Builtin: true}, Aggregate: r}
}

func oneArg(name string, args []arrow.DataType) error {
	if len(args) != 1 {
		return ErrWrongArgCount(name)
	}
	return nil
}

func newAgg(name string, argTypes []arrow.DataType, ret arrow.DataType, distinct bool, mk func(opts AggOptions) aggState) *BoundAggregate {
	return &BoundAggregate{Name: name, ArgTypes: argTypes, ReturnType: ret, Distinct: distinct,
		New: func(mem memory.Allocator, opts AggOptions) (Accumulator, error) {
			st := mk(opts)
			acc := newAccumulator(st, distinct)
			if av, ok := st.(*anyValueState); ok {
				return releasingAccumulator{acc, av.release}, nil
			}
			return acc, nil
		}}
}

func countResolver(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
	if len(args) == 0 && distinct {
		return nil, ErrWrongArgCount("count")
	}
	want := make([]arrow.DataType, len(args))
	for i, a := range args {
		want[i] = CanonicalType(a)
	}
	return newAgg("count", want, Int64, distinct, func(AggOptions) aggState { return &countState{} }), nil
}

func sumAvgResolver(name string, avg bool) AggregateResolver {
	return func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if err := oneArg(name, args); err != nil {
			return nil, err
		}
		t := args[0]
		switch {
		case IsSigned(t) || t.ID() == arrow.BOOL || IsNull(t):
			ret := Decimal(MaxDecimalPrecision, 0)
			if avg {
				ret = Decimal(MaxDecimalPrecision, DivPrecisionIncrement)
			}
			return newAgg(name, []arrow.DataType{Int64}, ret, distinct, func(AggOptions) aggState {
				return &decSumState{isInt: true, avg: avg, ret: ret}
			}), nil
		case IsUnsigned(t) || IsDecimal(t):
			at := decOperand(t)
			p, s := decimalPS(at)
			ret := Decimal(min(p+22, MaxDecimalPrecision), s)
			if avg {
				ret = Decimal(min(p+DivPrecisionIncrement+22, MaxDecimalPrecision), s+DivPrecisionIncrement)
			}
			return newAgg(name, []arrow.DataType{at}, ret, distinct, func(AggOptions) aggState {
				return &decSumState{scale: s, avg: avg, ret: ret}
			}), nil
		case IsNumeric(t) || IsString(t) || IsTemporal(t) || IsBinary(t):
			kind := fSum
			if avg {
				kind = fAvg
			}
			return newAgg(name, []arrow.DataType{Float64}, Float64, distinct, func(AggOptions) aggState { return &floatState{kind: kind} }), nil
		}
		return nil, ErrWrongArgTypes(name, args)
	}
}

func statResolver(name string, kind floatAggKind) AggregateResolver {
	return func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if err := oneArg(name, args); err != nil {
			return nil, err
		}
		if !CanCast(args[0], Float64) || IsVector(args[0]) {
			return nil, ErrWrongArgTypes(name, args)
		}
		return newAgg(name, []arrow.DataType{Float64}, Float64, distinct, func(AggOptions) aggState { return &floatState{kind: kind} }), nil
	}
}

func minMaxResolver(name string, isMax bool) AggregateResolver {
	return func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if err := oneArg(name, args); err != nil {
			return nil, err
		}
		t := CanonicalType(args[0])
		var mk func(AggOptions) aggState
		switch t.ID() {
		case arrow.NULL:
			t = Int64
			mk = func(AggOptions) aggState { return &minMaxState[int64]{max: isMax, typ: Int64} }
		case arrow.INT64:
			mk = func(AggOptions) aggState { return &minMaxState[int64]{max: isMax, typ: t} }
		case arrow.UINT64:
			mk = func(AggOptions) aggState { return &minMaxState[uint64]{max: isMax, typ: t} }
		case arrow.FLOAT64:
			mk = func(AggOptions) aggState { return &minMaxState[float64]{max: isMax, typ: t} }
		case arrow.DATE32:
			mk = func(AggOptions) aggState { return &minMaxState[arrow.Date32]{max: isMax, typ: t} }
		case arrow.TIMESTAMP:
			mk = func(AggOptions) aggState { return &minMaxState[arrow.Timestamp]{max: isMax, typ: t} }
		case arrow.TIME64:
			mk = func(AggOptions) aggState { return &minMaxState[arrow.Time64]{max: isMax, typ: t} }
		case arrow.DECIMAL128:
			mk = func(AggOptions) aggState { return &minMaxDec{max: isMax, typ: t} }
		case arrow.STRING:
			mk = func(AggOptions) aggState { return &minMaxStr{max: isMax} }
		case arrow.BINARY:
			mk = func(AggOptions) aggState { return &minMaxStr{max: isMax, bin: true} }
		case arrow.BOOL:
			mk = func(AggOptions) aggState { return &minMaxBool{max: isMax} }
		default:
			return nil, ErrWrongArgTypes(name, args)
		}
		return newAgg(name, []arrow.DataType{t}, t, distinct, mk), nil
	}
}

func groupConcatResolver(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
	if len(args) == 0 {
		return nil, ErrWrongArgCount("group_concat")
	}
	for _, a := range args {
		if !CanCast(a, Utf8) {
			return nil, ErrWrongArgTypes("group_concat", args)
		}
	}
	b := newAgg("group_concat", repeatType(Utf8, len(args)), Utf8, distinct, func(o AggOptions) aggState {
		return &groupConcatState{sep: o.Separator}
	})
	b.New = func(mem memory.Allocator, o AggOptions) (Accumulator, error) {
		if len(o.OrderBy) == 0 {
			return newAccumulator(&groupConcatState{sep: o.Separator}, distinct), nil
		}
		st := &orderedConcatState{sep: o.Separator, nvals: len(args), desc: o.OrderBy}
		acc := newAccumulator(st, distinct)
		acc.nvals = len(args)
		return releasingAccumulator{acc, st.release}, nil
	}
	return b, nil
}

// DefaultSeparator is GROUP_CONCAT's separator when the query names none;
// callers put it in AggOptions.Separator (which is used verbatim, so that
// an empty SEPARATOR concatenates with nothing between values).
const DefaultSeparator = ","

func bitResolver(name string, op int) AggregateResolver {
	return func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if err := oneArg(name, args); err != nil {
			return nil, err
		}
		if !CanCast(args[0], Uint64) || IsVector(args[0]) {
			return nil, ErrWrongArgTypes(name, args)
		}
		return newAgg(name, []arrow.DataType{Uint64}, Uint64, distinct, func(AggOptions) aggState { return &bitState{op: op} }), nil
	}
}

func anyValueResolver(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
	if err := oneArg("any_value", args); err != nil {
		return nil, err
	}
	// Any value will do, and MIN keeps a copy instead of pinning whole input
	// batches; only types without an order (vectors) keep a slice of the row.
	if b, err := minMaxResolver("any_value", false)(args, distinct); err == nil {
		return keepType(b, args[0]), nil
	}
	t := CanonicalType(args[0])
	return newAgg("any_value", []arrow.DataType{t}, t, distinct, func(AggOptions) aggState { return &anyValueState{typ: t} }), nil
}

func registerAggregates(r *Registry) {
	r.Register(aggEntry("count", "(*) | (any, ...) -> BIGINT", "number of rows / non-NULL values", countResolver))
	r.Register(aggEntry("sum", "(number) -> DECIMAL | DOUBLE", "sum of non-NULL values", sumAvgResolver("sum", false)))
	r.Register(aggEntry("avg", "(number) -> DECIMAL | DOUBLE", "average of non-NULL values", sumAvgResolver("avg", true)))
	r.Register(aggEntry("min", "(any) -> same", "smallest value", minMaxResolver("min", false)))
	r.Register(aggEntry("max", "(any) -> same", "largest value", minMaxResolver("max", true)))
	r.Register(aggEntry("group_concat", "(any, ...) -> VARCHAR", "concatenation of values with a separator", groupConcatResolver))
	r.Register(aggEntry("bit_and", "(BIGINT UNSIGNED) -> BIGINT UNSIGNED", "bitwise AND of all values", bitResolver("bit_and", 0)))
	r.Register(aggEntry("bit_or", "(BIGINT UNSIGNED) -> BIGINT UNSIGNED", "bitwise OR of all values", bitResolver("bit_or", 1)))
	r.Register(aggEntry("bit_xor", "(BIGINT UNSIGNED) -> BIGINT UNSIGNED", "bitwise XOR of all values", bitResolver("bit_xor", 2)))
	for _, x := range []struct {
		name string
		kind floatAggKind
	}{
		{"std", fStdPop}, {"stddev", fStdPop}, {"stddev_pop", fStdPop}, {"stddev_samp", fStdSamp},
		{"variance", fVarPop}, {"var_pop", fVarPop}, {"var_samp", fVarSamp},
	} {
		r.Register(aggEntry(x.name, "(number) -> DOUBLE", "statistical aggregate", statResolver(x.name, x.kind)))
	}
	r.Register(aggEntry("any_value", "(any) -> same", "some non-NULL value of the group", anyValueResolver))
}

// keepType makes an aggregate that computes in a canonical type return its
// argument's own type (ANY_VALUE of an INT column is an INT), casting the
// finished values back; the planner can then substitute the aggregate for
// the column without changing its type.
func keepType(b *BoundAggregate, t arrow.DataType) *BoundAggregate {
	if arrow.TypeEqual(b.ReturnType, t) || !CanCast(b.ReturnType, t) {
		return b
	}
	inner := b.New
	out := *b
	out.ReturnType = t
	out.New = func(mem memory.Allocator, opts AggOptions) (Accumulator, error) {
		acc, err := inner(mem, opts)
		if err != nil {
			return nil, err
		}
		return &castAcc{Accumulator: acc, to: t}, nil
	}
	return &out
}

type castAcc struct {
	Accumulator
	to arrow.DataType
}

func (c *castAcc) Finish(mem memory.Allocator, ngroups int) (arrow.Array, error) {
	a, err := c.Accumulator.Finish(mem, ngroups)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return Cast(&EvalContext{Mem: mem}, a, c.to)
}
