package functions

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

// Canonical engine types. Kernels compute in these; the planner casts narrower
// inputs (int32, float32, large_utf8, ...) to them through ArgTypes.
var (
	Int64     arrow.DataType = arrow.PrimitiveTypes.Int64
	Uint64    arrow.DataType = arrow.PrimitiveTypes.Uint64
	Float64   arrow.DataType = arrow.PrimitiveTypes.Float64
	Float32   arrow.DataType = arrow.PrimitiveTypes.Float32
	Utf8      arrow.DataType = arrow.BinaryTypes.String
	Varbinary arrow.DataType = arrow.BinaryTypes.Binary
	Bool      arrow.DataType = arrow.FixedWidthTypes.Boolean
	Date32    arrow.DataType = arrow.FixedWidthTypes.Date32
	// Datetime is DATETIME/TIMESTAMP: microseconds since the epoch, no zone.
	Datetime arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}
	Null     arrow.DataType = arrow.Null
	// Time is TIME: microseconds, may be negative or above 24 hours like MySQL's.
	Time arrow.DataType = arrow.FixedWidthTypes.Time64us
)

// MaxDecimalPrecision is the widest decimal the engine holds (Arrow Decimal128).
const MaxDecimalPrecision = 38

// MaxDecimalScale is MySQL's largest DECIMAL scale.
const MaxDecimalScale = 30

// Decimal returns DECIMAL(p,s), clamping p and s to what Decimal128 holds.
func Decimal(p, s int32) arrow.DataType {
	if s > MaxDecimalScale {
		s = MaxDecimalScale
	}
	if p > MaxDecimalPrecision {
		p = MaxDecimalPrecision
	}
	if p < s {
		p = s
	}
	if p < 1 {
		p = 1
	}
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// Vector returns VECTOR(n): fixed_size_list<float32>.
func Vector(n int32) arrow.DataType {
	return arrow.FixedSizeListOf(n, arrow.PrimitiveTypes.Float32)
}

// IsSigned reports a signed integer type.
func IsSigned(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

// IsUnsigned reports an unsigned integer type.
func IsUnsigned(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// IsInteger reports any integer type (BOOLEAN counts: MySQL's TRUE is 1).
func IsInteger(t arrow.DataType) bool {
	return IsSigned(t) || IsUnsigned(t) || t.ID() == arrow.BOOL
}

// IsFloat reports FLOAT or DOUBLE.
func IsFloat(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

// IsDecimal reports a DECIMAL type.
func IsDecimal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DECIMAL128, arrow.DECIMAL256, arrow.DECIMAL32, arrow.DECIMAL64:
		return true
	}
	return false
}

// IsNumeric reports integers, decimals and floats.
func IsNumeric(t arrow.DataType) bool { return IsInteger(t) || IsFloat(t) || IsDecimal(t) }

// IsString reports utf8 or large_utf8 (also string views).
func IsString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// IsBinary reports binary types (BLOB, VARBINARY).
func IsBinary(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY, arrow.BINARY_VIEW:
		return true
	}
	return false
}

// IsTemporal reports DATE, DATETIME/TIMESTAMP and TIME types.
func IsTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64:
		return true
	}
	return false
}

// IsNull reports the type of the NULL literal.
func IsNull(t arrow.DataType) bool { return t == nil || t.ID() == arrow.NULL }

// IsVector reports VECTOR(n) (fixed_size_list<float32>).
func IsVector(t arrow.DataType) bool {
	if f, ok := t.(*arrow.FixedSizeListType); ok {
		return f.Elem().ID() == arrow.FLOAT32
	}
	return false
}

// decimalPS returns precision and scale of a decimal type.
func decimalPS(t arrow.DataType) (int32, int32) {
	if d, ok := t.(arrow.DecimalType); ok {
		return d.GetPrecision(), d.GetScale()
	}
	return 0, 0
}

// TypeName renders a type the way SQL users know it (for errors and SHOW).
func TypeName(t arrow.DataType) string {
	if t == nil {
		return "NULL"
	}
	switch t.ID() {
	case arrow.NULL:
		return "NULL"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.INT8:
		return "TINYINT"
	case arrow.INT16:
		return "SMALLINT"
	case arrow.INT32:
		return "INT"
	case arrow.INT64:
		return "BIGINT"
	case arrow.UINT8:
		return "TINYINT UNSIGNED"
	case arrow.UINT16:
		return "SMALLINT UNSIGNED"
	case arrow.UINT32:
		return "INT UNSIGNED"
	case arrow.UINT64:
		return "BIGINT UNSIGNED"
	case arrow.FLOAT16, arrow.FLOAT32:
		return "FLOAT"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "VARCHAR"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY, arrow.BINARY_VIEW:
		return "VARBINARY"
	case arrow.DATE32, arrow.DATE64:
		return "DATE"
	case arrow.TIMESTAMP:
		return "DATETIME"
	case arrow.TIME32, arrow.TIME64:
		return "TIME"
	}
	if IsDecimal(t) {
		p, s := decimalPS(t)
		return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
	}
	if f, ok := t.(*arrow.FixedSizeListType); ok && IsVector(t) {
		return fmt.Sprintf("VECTOR(%d)", f.Len())
	}
	return t.String()
}

// ---- errors ----

// ErrWrongArgCount is MySQL's 1582 for a function called with the wrong number of arguments.
func ErrWrongArgCount(name string) error {
	return sqlerr.New(sqlerr.ErrWrongParamCount, "Incorrect parameter count in the call to native function '%s'", name)
}

// ErrWrongArgTypes reports argument types a function does not accept (1210).
func ErrWrongArgTypes(name string, args []arrow.DataType) error {
	return sqlerr.New(sqlerr.ErrWrongArguments, "Incorrect arguments to %s: no overload accepts (%s)", name, typeList(args))
}

func typeList(args []arrow.DataType) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += TypeName(a)
	}
	return s
}

// warn records a warning if the context has a sink.
func (ec *EvalContext) warn(code int, format string, args ...any) {
	if ec != nil && ec.Warn != nil {
		ec.Warn(code, fmt.Sprintf(format, args...))
	}
}

// dataError is a row-level data problem: an error in strict mode, otherwise a
// warning (the caller then stores NULL or a clipped value).
func (ec *EvalContext) dataError(code int, format string, args ...any) error {
	if ec != nil && ec.Strict {
		return sqlerr.New(code, format, args...)
	}
	ec.warn(code, format, args...)
	return nil
}

// reports says whether data errors are observed at all; hot loops check it
// before formatting a message, so that bad rows cost no allocations when
// nobody listens.
func (ec *EvalContext) reports() bool { return ec != nil && (ec.Strict || ec.Warn != nil) }

func (ec *EvalContext) mem() memory.Allocator {
	if ec == nil || ec.Mem == nil {
		return memory.DefaultAllocator
	}
	return ec.Mem
}

// ---- reading arrays ----

// Values returns the typed values of a fixed-width array, with its offset applied.
// Values under NULL slots are unspecified.
func Values[T arrow.FixedWidthType](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil
	}
	return arrow.GetData[T](bufs[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

// Validity is a read-only view of an array's null bitmap.
type Validity struct {
	bits   []byte
	off    int
	allOK  bool
	allBad bool
}

// ValidityOf returns a's validity view.
func ValidityOf(a arrow.Array) Validity {
	if a.DataType().ID() == arrow.NULL {
		return Validity{allBad: true}
	}
	if a.NullN() == 0 {
		return Validity{allOK: true}
	}
	d := a.Data()
	b := d.Buffers()[0]
	if b == nil {
		return Validity{allOK: true}
	}
	return Validity{bits: b.Bytes(), off: d.Offset()}
}

// Valid reports whether row i is not NULL.
func (v Validity) Valid(i int) bool {
	if v.allOK {
		return true
	}
	if v.allBad {
		return false
	}
	return bitutil.BitIsSet(v.bits, v.off+i)
}

// AllValid reports that the array has no NULLs.
func (v Validity) AllValid() bool { return v.allOK }

// BoolValues is a view of a Boolean array's value bits.
type BoolValues struct {
	bits []byte
	off  int
}

// BoolsOf returns the value bits of a Boolean array.
func BoolsOf(a arrow.Array) BoolValues {
	d := a.Data()
	if d.Buffers()[1] == nil {
		return BoolValues{}
	}
	return BoolValues{bits: d.Buffers()[1].Bytes(), off: d.Offset()}
}

// Get returns the value of row i.
func (b BoolValues) Get(i int) bool { return b.bits != nil && bitutil.BitIsSet(b.bits, b.off+i) }

// ---- building arrays ----

// FixedOut builds an n-row fixed-width result in place: kernels write Values[i]
// directly and mark NULLs, which keeps hot loops free of builder calls.
type FixedOut[T arrow.FixedWidthType] struct {
	Values []T
	typ    arrow.DataType
	n      int
	vals   *memory.Buffer
	valid  *memory.Buffer
	bits   []byte
}

// NewFixedOut allocates an n-row output of type typ with every row valid.
func NewFixedOut[T arrow.FixedWidthType](mem memory.Allocator, typ arrow.DataType, n int) *FixedOut[T] {
	var zero T
	size := int(sizeOf(zero))
	vals := memory.NewResizableBuffer(mem)
	vals.Resize(n * size)
	valid := memory.NewResizableBuffer(mem)
	valid.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := valid.Bytes()
	for i := range bits {
		bits[i] = 0xff
	}
	o := &FixedOut[T]{typ: typ, n: n, vals: vals, valid: valid, bits: bits}
	if n > 0 {
		o.Values = arrow.GetData[T](vals.Bytes())[:n]
	}
	return o
}

func sizeOf[T arrow.FixedWidthType](v T) uintptr {
	return uintptr(len(arrow.GetBytes([]T{v})))
}

// SetNull marks row i NULL.
func (o *FixedOut[T]) SetNull(i int) { bitutil.ClearBit(o.bits, i) }

// IsNull reports whether row i is marked NULL.
func (o *FixedOut[T]) IsNull(i int) bool { return bitutil.BitIsNotSet(o.bits, i) }

// InheritNulls marks NULL every row that is NULL in any of arrs.
func (o *FixedOut[T]) InheritNulls(arrs ...arrow.Array) { andValidity(o.bits, o.n, arrs) }

// Finish returns the array and gives up ownership of the buffers.
func (o *FixedOut[T]) Finish() arrow.Array {
	return finishData(o.typ, o.n, o.valid, o.vals, o.bits)
}

// Release frees the buffers of an unfinished output (error paths).
func (o *FixedOut[T]) Release() {
	o.vals.Release()
	o.valid.Release()
}

func finishData(typ arrow.DataType, n int, valid, vals *memory.Buffer, bits []byte) arrow.Array {
	nulls := n - bitutil.CountSetBits(bits, 0, n)
	d := array.NewData(typ, n, []*memory.Buffer{valid, vals}, nil, nulls, 0)
	valid.Release()
	vals.Release()
	a := array.MakeFromData(d)
	d.Release()
	return a
}

func andValidity(bits []byte, n int, arrs []arrow.Array) {
	for _, a := range arrs {
		if a.NullN() == 0 {
			continue
		}
		if a.DataType().ID() == arrow.NULL || a.NullN() == a.Len() {
			for i := range bits {
				bits[i] = 0
			}
			return
		}
		d := a.Data()
		bitutil.BitmapAnd(bits, d.Buffers()[0].Bytes(), 0, int64(d.Offset()), bits, 0, int64(n))
	}
}

// BoolOut builds an n-row Boolean result in place.
type BoolOut struct {
	n     int
	vals  *memory.Buffer
	valid *memory.Buffer
	vbits []byte
	nbits []byte
}

// NewBoolOut allocates an n-row Boolean output, all valid and false.
func NewBoolOut(mem memory.Allocator, n int) *BoolOut {
	nb := int(bitutil.BytesForBits(int64(n)))
	vals := memory.NewResizableBuffer(mem)
	vals.Resize(nb)
	vb := vals.Bytes()
	for i := range vb {
		vb[i] = 0
	}
	valid := memory.NewResizableBuffer(mem)
	valid.Resize(nb)
	nbits := valid.Bytes()
	for i := range nbits {
		nbits[i] = 0xff
	}
	return &BoolOut{n: n, vals: vals, valid: valid, vbits: vb, nbits: nbits}
}

// Set stores v in row i.
func (o *BoolOut) Set(i int, v bool) {
	if v {
		bitutil.SetBit(o.vbits, i)
	} else {
		bitutil.ClearBit(o.vbits, i)
	}
}

// SetNull marks row i NULL.
func (o *BoolOut) SetNull(i int) { bitutil.ClearBit(o.nbits, i) }

// InheritNulls marks NULL every row that is NULL in any of arrs.
func (o *BoolOut) InheritNulls(arrs ...arrow.Array) { andValidity(o.nbits, o.n, arrs) }

// Finish returns the Boolean array.
func (o *BoolOut) Finish() arrow.Array { return finishData(Bool, o.n, o.valid, o.vals, o.nbits) }

// Release frees an unfinished output.
func (o *BoolOut) Release() {
	o.vals.Release()
	o.valid.Release()
}

// NullArray returns an n-row array of type typ that is entirely NULL.
func NullArray(mem memory.Allocator, typ arrow.DataType, n int) arrow.Array {
	if IsNull(typ) {
		return array.NewNull(n)
	}
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	b.AppendNulls(n)
	return b.NewArray()
}

// ---- generic kernel helpers ----

// Unary applies f to every non-NULL row of in (NULL in, NULL out). It is the
// building block for numeric functions: Unary[float64, float64](ec, a, Float64, math.Sqrt).
func Unary[I, O arrow.FixedWidthType](ec *EvalContext, in arrow.Array, outType arrow.DataType, f func(I) O) arrow.Array {
	n := in.Len()
	out := NewFixedOut[O](ec.mem(), outType, n)
	out.InheritNulls(in)
	src := Values[I](in)
	dst := out.Values
	for i := range dst {
		dst[i] = f(src[i])
	}
	return out.Finish()
}

// UnaryNullable is Unary where f may also return ok=false to make the row NULL
// (sqrt(-1), ln(0)).
func UnaryNullable[I, O arrow.FixedWidthType](ec *EvalContext, in arrow.Array, outType arrow.DataType, f func(I) (O, bool)) arrow.Array {
	n := in.Len()
	out := NewFixedOut[O](ec.mem(), outType, n)
	out.InheritNulls(in)
	src := Values[I](in)
	for i := 0; i < n; i++ {
		v, ok := f(src[i])
		out.Values[i] = v
		if !ok {
			out.SetNull(i)
		}
	}
	return out.Finish()
}

// Binary applies f row-wise to two equal-length arrays (NULL if either is NULL).
func Binary[A, B, O arrow.FixedWidthType](ec *EvalContext, a, b arrow.Array, outType arrow.DataType, f func(A, B) O) arrow.Array {
	n := a.Len()
	out := NewFixedOut[O](ec.mem(), outType, n)
	out.InheritNulls(a, b)
	av, bv := Values[A](a), Values[B](b)
	dst := out.Values
	for i := range dst {
		dst[i] = f(av[i], bv[i])
	}
	return out.Finish()
}

// BinaryNullable is Binary where f may return ok=false to make the row NULL.
func BinaryNullable[A, B, O arrow.FixedWidthType](ec *EvalContext, a, b arrow.Array, outType arrow.DataType, f func(A, B) (O, bool)) arrow.Array {
	n := a.Len()
	out := NewFixedOut[O](ec.mem(), outType, n)
	out.InheritNulls(a, b)
	av, bv := Values[A](a), Values[B](b)
	for i := 0; i < n; i++ {
		v, ok := f(av[i], bv[i])
		out.Values[i] = v
		if !ok {
			out.SetNull(i)
		}
	}
	return out.Finish()
}

// StringView gives allocation-free access to a utf8 or large_utf8 array.
type StringView struct {
	s  *array.String
	ls *array.LargeString
	v  *array.StringView
	b  *array.Binary
}

// StringsOf returns a view of a string (or binary) array.
func StringsOf(a arrow.Array) StringView {
	switch x := a.(type) {
	case *array.String:
		return StringView{s: x}
	case *array.LargeString:
		return StringView{ls: x}
	case *array.StringView:
		return StringView{v: x}
	case *array.Binary:
		return StringView{b: x}
	}
	return StringView{}
}

// Get returns row i (the string shares the array's memory; copy to keep it).
func (v StringView) Get(i int) string {
	switch {
	case v.s != nil:
		return v.s.Value(i)
	case v.ls != nil:
		return v.ls.Value(i)
	case v.v != nil:
		return v.v.Value(i)
	case v.b != nil:
		return v.b.ValueString(i)
	}
	return ""
}

// UnaryString maps each non-NULL string row through f into a new utf8 array.
func UnaryString(ec *EvalContext, in arrow.Array, f func(string) string) arrow.Array {
	n := in.Len()
	b := array.NewStringBuilder(ec.mem())
	defer b.Release()
	b.Reserve(n)
	sv := StringsOf(in)
	valid := ValidityOf(in)
	for i := 0; i < n; i++ {
		if !valid.Valid(i) {
			b.AppendNull()
			continue
		}
		b.Append(f(sv.Get(i)))
	}
	return b.NewArray()
}

// StringKernel builds a utf8 result row by row from any number of arguments:
// f gets the row index and returns the value or ok=false for NULL. Rows where
// any argument is NULL are NULL without calling f.
func StringKernel(ec *EvalContext, args []arrow.Array, nrows int, f func(i int) (string, bool)) arrow.Array {
	b := array.NewStringBuilder(ec.mem())
	defer b.Release()
	b.Reserve(nrows)
	vals := make([]Validity, len(args))
	for j, a := range args {
		vals[j] = ValidityOf(a)
	}
rows:
	for i := 0; i < nrows; i++ {
		for j := range vals {
			if !vals[j].Valid(i) {
				b.AppendNull()
				continue rows
			}
		}
		s, ok := f(i)
		if !ok {
			b.AppendNull()
			continue
		}
		b.Append(s)
	}
	return b.NewArray()
}

// RowKernel builds a fixed-width result row by row from any number of
// arguments; rows with a NULL argument are NULL without calling f.
func RowKernel[O arrow.FixedWidthType](ec *EvalContext, outType arrow.DataType, args []arrow.Array, nrows int, f func(i int) (O, bool)) arrow.Array {
	out := NewFixedOut[O](ec.mem(), outType, nrows)
	out.InheritNulls(args...)
	for i := 0; i < nrows; i++ {
		if out.IsNull(i) {
			continue
		}
		v, ok := f(i)
		out.Values[i] = v
		if !ok {
			out.SetNull(i)
		}
	}
	return out.Finish()
}

// SafeKernel wraps a kernel so that a panic becomes an error instead of
// crashing the engine.
func SafeKernel(name string, k Kernel) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (res arrow.Array, err error) {
		defer func() {
			if r := recover(); r != nil {
				res = nil
				err = sqlerr.New(sqlerr.ErrUnknownSystem, "internal error in function %s: %v", name, r)
			}
		}()
		return k(ec, args, nrows)
	}
}
