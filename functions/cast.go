package functions

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

// CanCast reports whether Cast supports converting from → to.
func CanCast(from, to arrow.DataType) bool {
	if IsNull(from) || arrow.TypeEqual(from, to) {
		return true
	}
	f, t := castClass(from), castClass(to)
	if f == clsNone || t == clsNone {
		return false
	}
	switch {
	case f == clsVector || t == clsVector:
		return f == t || f == clsString || t == clsString || f == clsBinary
	case t == clsNull:
		return true
	}
	return true
}

type cls int

const (
	clsNone cls = iota
	clsNull
	clsBool
	clsInt
	clsUint
	clsFloat
	clsDecimal
	clsString
	clsBinary
	clsDate
	clsDatetime
	clsVector
	clsTime
)

func castClass(t arrow.DataType) cls {
	switch {
	case IsNull(t):
		return clsNull
	case t.ID() == arrow.BOOL:
		return clsBool
	case IsSigned(t):
		return clsInt
	case IsUnsigned(t):
		return clsUint
	case IsFloat(t):
		return clsFloat
	case t.ID() == arrow.DECIMAL128:
		return clsDecimal
	case IsString(t):
		return clsString
	case t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_BINARY:
		return clsBinary
	case t.ID() == arrow.DATE32:
		return clsDate
	case t.ID() == arrow.TIMESTAMP:
		return clsDatetime
	case t.ID() == arrow.TIME32 || t.ID() == arrow.TIME64:
		return clsTime
	case IsVector(t):
		return clsVector
	}
	return clsNone
}

// Cast converts arr to type `to` with MySQL's conversion rules. With
// ec.Strict unset, bad input becomes NULL or 0 with a warning (MySQL's
// non-strict mode, CAST('abc' AS SIGNED) = 0); with ec.Strict set (INSERT,
// UPDATE) it fails with 1292 or 1690 naming the value. The caller releases
// the result; casting to the same type returns arr retained.
func Cast(ec *EvalContext, arr arrow.Array, to arrow.DataType) (res arrow.Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			res = nil
			err = sqlerr.New(sqlerr.ErrUnknownSystem, "internal error casting %s to %s: %v", TypeName(arr.DataType()), TypeName(to), r)
		}
	}()
	from := arr.DataType()
	if arrow.TypeEqual(from, to) && !(to == AnyVector) {
		arr.Retain()
		return arr, nil
	}
	n := arr.Len()
	mem := ec.mem()
	if IsNull(from) {
		if to == AnyVector {
			to = Vector(1)
		}
		return NullArray(mem, to, n), nil
	}
	if IsNull(to) {
		return array.NewNull(n), nil
	}
	if !CanCast(from, to) {
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to %s", TypeName(from), TypeName(to))
	}
	if from.ID() == arrow.FLOAT32 && to.ID() == arrow.STRING {
		// FLOAT prints with float32's shortest digits (0.1, not 0.10000000149011612).
		vals := Values[float32](arr)
		var buf []byte
		return StringKernel(ec, []arrow.Array{arr}, n, func(i int) (string, bool) {
			buf = appendFloat(buf[:0], float64(vals[i]), 32)
			return string(buf), true
		}), nil
	}
	src, err := normalizeSource(ec, arr)
	if err != nil {
		return nil, err
	}
	defer src.Release()
	if arrow.TypeEqual(src.DataType(), to) {
		src.Retain()
		return src, nil
	}
	switch t := to.(type) {
	case *arrow.Int64Type:
		return castToInt64(ec, src)
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type:
		wide, err := castToInt64(ec, src)
		if err != nil {
			return nil, err
		}
		defer wide.Release()
		return narrowInt(ec, wide, to)
	case *arrow.Uint64Type:
		return castToUint64(ec, src)
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type:
		wide, err := castToUint64(ec, src)
		if err != nil {
			return nil, err
		}
		defer wide.Release()
		return narrowUint(ec, wide, to)
	case *arrow.Float64Type:
		return castToFloat64(ec, src)
	case *arrow.Float32Type:
		wide, err := castToFloat64(ec, src)
		if err != nil {
			return nil, err
		}
		defer wide.Release()
		return Unary[float64, float32](ec, wide, to, func(v float64) float32 { return float32(v) }), nil
	case *arrow.Decimal128Type:
		return castToDecimal(ec, src, t.Precision, t.Scale)
	case *arrow.BooleanType:
		return castToBool(ec, src)
	case *arrow.StringType:
		return castToString(ec, src)
	case *arrow.LargeStringType:
		s, err := castToString(ec, src)
		if err != nil {
			return nil, err
		}
		defer s.Release()
		return toLargeString(ec, s), nil
	case *arrow.BinaryType:
		if src.DataType().ID() == arrow.STRING {
			return stringToBinary(src), nil
		}
		s, err := castToString(ec, src)
		if err != nil {
			return nil, err
		}
		defer s.Release()
		return stringToBinary(s), nil
	case *arrow.Date32Type:
		return castToDate(ec, src)
	case *arrow.TimestampType:
		us, err := castToDatetime(ec, src)
		if err != nil {
			return nil, err
		}
		if t.Unit == arrow.Microsecond {
			if t.TimeZone == "" {
				return us, nil
			}
			defer us.Release()
			return retype(us, to), nil
		}
		defer us.Release()
		return rescaleTimestamp(ec, us, t), nil
	case *arrow.FixedSizeListType:
		return castToVector(ec, src, t)
	case *arrow.Time64Type:
		us, err := castToTime(ec, src)
		if err != nil || t.Unit == arrow.Microsecond {
			return us, err
		}
		defer us.Release()
		return Unary[arrow.Time64, arrow.Time64](ec, us, to, func(v arrow.Time64) arrow.Time64 { return v * 1000 }), nil
	case *arrow.Time32Type:
		us, err := castToTime(ec, src)
		if err != nil {
			return nil, err
		}
		defer us.Release()
		div := int64(1_000_000)
		if t.Unit == arrow.Millisecond {
			div = 1000
		}
		return Unary[arrow.Time64, arrow.Time32](ec, us, to, func(v arrow.Time64) arrow.Time32 { return arrow.Time32(int64(v) / div) }), nil
	}
	return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to %s", TypeName(from), TypeName(to))
}

// retype shares a's buffers under another, layout-compatible type.
func retype(a arrow.Array, to arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(to, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// normalizeSource widens the source to the canonical type of its class:
// int64, uint64, float64, utf8, binary, date32, timestamp(us).
func normalizeSource(ec *EvalContext, a arrow.Array) (arrow.Array, error) {
	switch a.DataType().ID() {
	case arrow.INT8:
		return Unary[int8, int64](ec, a, Int64, func(v int8) int64 { return int64(v) }), nil
	case arrow.INT16:
		return Unary[int16, int64](ec, a, Int64, func(v int16) int64 { return int64(v) }), nil
	case arrow.INT32:
		return Unary[int32, int64](ec, a, Int64, func(v int32) int64 { return int64(v) }), nil
	case arrow.UINT8:
		return Unary[uint8, uint64](ec, a, Uint64, func(v uint8) uint64 { return uint64(v) }), nil
	case arrow.UINT16:
		return Unary[uint16, uint64](ec, a, Uint64, func(v uint16) uint64 { return uint64(v) }), nil
	case arrow.UINT32:
		return Unary[uint32, uint64](ec, a, Uint64, func(v uint32) uint64 { return uint64(v) }), nil
	case arrow.FLOAT32:
		return Unary[float32, float64](ec, a, Float64, func(v float32) float64 { return float64(v) }), nil
	case arrow.FLOAT16:
		return Unary[float16.Num, float64](ec, a, Float64, func(v float16.Num) float64 { return float64(v.Float32()) }), nil
	case arrow.LARGE_STRING, arrow.STRING_VIEW:
		sv := StringsOf(a)
		return StringKernel(ec, []arrow.Array{a}, a.Len(), func(i int) (string, bool) { return sv.Get(i), true }), nil
	case arrow.LARGE_BINARY:
		la := a.(*array.LargeBinary)
		b := array.NewBinaryBuilder(ec.mem(), arrow.BinaryTypes.Binary)
		defer b.Release()
		for i := 0; i < a.Len(); i++ {
			if la.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(la.Value(i))
			}
		}
		return b.NewArray(), nil
	case arrow.TIME32:
		mul := int64(1_000_000)
		if a.DataType().(*arrow.Time32Type).Unit == arrow.Millisecond {
			mul = 1000
		}
		return Unary[arrow.Time32, arrow.Time64](ec, a, Time, func(v arrow.Time32) arrow.Time64 { return arrow.Time64(int64(v) * mul) }), nil
	case arrow.TIME64:
		if a.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			return Unary[arrow.Time64, arrow.Time64](ec, a, Time, func(v arrow.Time64) arrow.Time64 { return v / 1000 }), nil
		}
		a.Retain()
		return a, nil
	case arrow.TIMESTAMP:
		t := a.DataType().(*arrow.TimestampType)
		if t.Unit == arrow.Microsecond {
			if t.TimeZone == "" {
				a.Retain()
				return a, nil
			}
			return retype(a, Datetime), nil
		}
		return rescaleTimestamp(ec, a, Datetime.(*arrow.TimestampType)), nil
	}
	a.Retain()
	return a, nil
}

func rescaleTimestamp(ec *EvalContext, a arrow.Array, to *arrow.TimestampType) arrow.Array {
	from := a.DataType().(*arrow.TimestampType)
	fm, tm := unitNanos(from.Unit), unitNanos(to.Unit)
	if fm >= tm {
		k := fm / tm
		return Unary[arrow.Timestamp, arrow.Timestamp](ec, a, to, func(v arrow.Timestamp) arrow.Timestamp { return v * arrow.Timestamp(k) })
	}
	k := tm / fm
	return Unary[arrow.Timestamp, arrow.Timestamp](ec, a, to, func(v arrow.Timestamp) arrow.Timestamp { return floorDiv(v, arrow.Timestamp(k)) })
}

func floorDiv[T ~int64 | ~int32](a, b T) T {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func unitNanos(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1e9
	case arrow.Millisecond:
		return 1e6
	case arrow.Microsecond:
		return 1e3
	}
	return 1
}

// ---- to integers ----

const (
	usPerDay = int64(86400_000_000)
)

func castToInt64(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	n := src.Len()
	switch src.DataType().ID() {
	case arrow.INT64:
		src.Retain()
		return src, nil
	case arrow.BOOL:
		bv := BoolsOf(src)
		out := NewFixedOut[int64](ec.mem(), Int64, n)
		out.InheritNulls(src)
		for i := range out.Values {
			if bv.Get(i) {
				out.Values[i] = 1
			}
		}
		return out.Finish(), nil
	case arrow.UINT64:
		// MySQL reinterprets: CAST(18446744073709551615 AS SIGNED) = -1.
		return Unary[uint64, int64](ec, src, Int64, func(v uint64) int64 { return int64(v) }), nil
	case arrow.FLOAT64:
		vals := Values[float64](src)
		valid := ValidityOf(src)
		return rowsInt64(ec, src, func(i int) (int64, bool, error) {
			if !valid.Valid(i) {
				return 0, false, nil
			}
			v := math.Round(vals[i])
			if v >= 9223372036854775807 || v < -9223372036854775808 || math.IsNaN(v) {
				if err := ec.dataError(sqlerr.ErrDataOutOfRange, "BIGINT value is out of range in '%s'", formatFloat(vals[i])); err != nil {
					return 0, false, err
				}
				if v < 0 {
					return math.MinInt64, true, nil
				}
				return math.MaxInt64, true, nil
			}
			return int64(v), true, nil
		})
	case arrow.DECIMAL128:
		_, s := decimalPS(src.DataType())
		vals := Values[decimal128.Num](src)
		valid := ValidityOf(src)
		return rowsInt64(ec, src, func(i int) (int64, bool, error) {
			if !valid.Valid(i) {
				return 0, false, nil
			}
			r := decScaleDown(vals[i], s)
			if !decIsI64(r) {
				if err := ec.dataError(sqlerr.ErrDataOutOfRange, "BIGINT value is out of range in '%s'", FormatDecimal(vals[i], s)); err != nil {
					return 0, false, err
				}
				if r.Sign() < 0 {
					return math.MinInt64, true, nil
				}
				return math.MaxInt64, true, nil
			}
			return int64(r.LowBits()), true, nil
		})
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		valid := ValidityOf(src)
		return rowsInt64(ec, src, func(i int) (int64, bool, error) {
			if !valid.Valid(i) {
				return 0, false, nil
			}
			v, err := stringToInt64(ec, sv.Get(i))
			return v, true, err
		})
	case arrow.DATE32:
		return Unary[arrow.Date32, int64](ec, src, Int64, func(d arrow.Date32) int64 {
			y, m, dd := civil(int64(d))
			return y*10000 + m*100 + dd
		}), nil
	case arrow.TIMESTAMP:
		return Unary[arrow.Timestamp, int64](ec, src, Int64, func(t arrow.Timestamp) int64 {
			y, mo, d, h, mi, s, _ := splitMicros(int64(t))
			return ((y*10000+mo*100+d)*100+h)*10000 + mi*100 + s
		}), nil
	case arrow.TIME64:
		return Unary[arrow.Time64, int64](ec, src, Int64, func(t arrow.Time64) int64 {
			neg, h, m, s, _ := splitTime(int64(t))
			v := h*10000 + m*100 + s
			if neg {
				return -v
			}
			return v
		}), nil
	}
	return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to BIGINT", TypeName(src.DataType()))
}

func rowsInt64(ec *EvalContext, src arrow.Array, f func(i int) (int64, bool, error)) (arrow.Array, error) {
	n := src.Len()
	out := NewFixedOut[int64](ec.mem(), Int64, n)
	for i := 0; i < n; i++ {
		v, ok, err := f(i)
		if err != nil {
			out.Release()
			return nil, err
		}
		out.Values[i] = v
		if !ok {
			out.SetNull(i)
		}
	}
	return out.Finish(), nil
}

// stringToInt64 implements CAST('...' AS SIGNED): the integer prefix, with a
// warning (or strict error) when text is ignored. A complete decimal number
// ('1.9', '1e3') is rounded in strict mode, as storing into an INT column does.
func stringToInt64(ec *EvalContext, s string) (int64, error) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	over := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			over = true
		} else {
			u = u*10 + d
		}
		i++
	}
	j := i
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	if j == len(s) && i > start && !over {
		if neg {
			if u > 1<<63 {
				over = true
			} else {
				return -int64(u), nil
			}
		} else if u > math.MaxInt64 {
			return int64(u), nil // MySQL wraps an unsigned-looking literal
		} else {
			return int64(u), nil
		}
	}
	if over {
		if err := ec.dataError(sqlerr.ErrDataOutOfRange, "BIGINT value is out of range in '%s'", s); err != nil {
			return 0, err
		}
		if neg {
			return math.MinInt64, nil
		}
		return math.MaxInt64, nil
	}
	// Not a plain integer: a full decimal/float number rounds in strict mode.
	if ec != nil && ec.Strict {
		if d, found, trailing, of := parseDecimalPrefix(s, 0); found && !trailing && !of && decIsI64(d) {
			return int64(d.LowBits()), nil
		}
	}
	if ec.reports() {
		if err := ec.dataError(sqlerr.ErrTruncatedValue, "Truncated incorrect INTEGER value: '%s'", s); err != nil {
			return 0, err
		}
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

func castToUint64(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	if src.DataType().ID() == arrow.UINT64 {
		src.Retain()
		return src, nil
	}
	if src.DataType().ID() == arrow.INT64 {
		// CAST(-1 AS UNSIGNED) = 18446744073709551615 in MySQL.
		return Unary[int64, uint64](ec, src, Uint64, func(v int64) uint64 { return uint64(v) }), nil
	}
	if src.DataType().ID() == arrow.FLOAT64 {
		vals := Values[float64](src)
		out := NewFixedOut[uint64](ec.mem(), Uint64, src.Len())
		out.InheritNulls(src)
		for i, f := range vals {
			if out.IsNull(i) {
				continue
			}
			v := math.Round(f)
			switch {
			case v < 0:
				out.Values[i] = uint64(int64(v))
			case v >= 18446744073709551615.0:
				if err := ec.dataError(sqlerr.ErrDataOutOfRange, "BIGINT UNSIGNED value is out of range in '%s'", formatFloat(f)); err != nil {
					out.Release()
					return nil, err
				}
				out.Values[i] = math.MaxUint64
			default:
				out.Values[i] = uint64(v)
			}
		}
		return out.Finish(), nil
	}
	if src.DataType().ID() == arrow.STRING {
		sv := StringsOf(src)
		out := NewFixedOut[uint64](ec.mem(), Uint64, src.Len())
		out.InheritNulls(src)
		for i := range out.Values {
			if out.IsNull(i) {
				continue
			}
			s := sv.Get(i)
			u, err := strconv.ParseUint(trimSpaces(s), 10, 64)
			if err != nil {
				v, err2 := stringToInt64(ec, s)
				if err2 != nil {
					out.Release()
					return nil, err2
				}
				u = uint64(v)
			}
			out.Values[i] = u
		}
		return out.Finish(), nil
	}
	if src.DataType().ID() == arrow.DECIMAL128 {
		_, s := decimalPS(src.DataType())
		vals := Values[decimal128.Num](src)
		out := NewFixedOut[uint64](ec.mem(), Uint64, src.Len())
		out.InheritNulls(src)
		for i := range out.Values {
			if out.IsNull(i) {
				continue
			}
			r := decScaleDown(vals[i], s)
			if r.HighBits() != 0 {
				if err := ec.dataError(sqlerr.ErrDataOutOfRange, "BIGINT UNSIGNED value is out of range in '%s'", FormatDecimal(vals[i], s)); err != nil {
					out.Release()
					return nil, err
				}
				if r.Sign() < 0 {
					out.Values[i] = 0
				} else {
					out.Values[i] = math.MaxUint64
				}
				continue
			}
			out.Values[i] = r.LowBits()
		}
		return out.Finish(), nil
	}
	i64, err := castToInt64(ec, src)
	if err != nil {
		return nil, err
	}
	defer i64.Release()
	return Unary[int64, uint64](ec, i64, Uint64, func(v int64) uint64 { return uint64(v) }), nil
}

func trimSpaces(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func narrowInt(ec *EvalContext, wide arrow.Array, to arrow.DataType) (arrow.Array, error) {
	var lo, hi int64
	switch to.ID() {
	case arrow.INT8:
		lo, hi = math.MinInt8, math.MaxInt8
	case arrow.INT16:
		lo, hi = math.MinInt16, math.MaxInt16
	default:
		lo, hi = math.MinInt32, math.MaxInt32
	}
	vals := Values[int64](wide)
	for i, v := range vals {
		if (v < lo || v > hi) && wide.IsValid(i) {
			if err := ec.dataError(sqlerr.ErrDataOutOfRange, "%s value is out of range: %d", TypeName(to), v); err != nil {
				return nil, err
			}
		}
	}
	c := func(v int64) int64 { return min(max(v, lo), hi) }
	switch to.ID() {
	case arrow.INT8:
		return Unary[int64, int8](ec, wide, to, func(v int64) int8 { return int8(c(v)) }), nil
	case arrow.INT16:
		return Unary[int64, int16](ec, wide, to, func(v int64) int16 { return int16(c(v)) }), nil
	}
	return Unary[int64, int32](ec, wide, to, func(v int64) int32 { return int32(c(v)) }), nil
}

func narrowUint(ec *EvalContext, wide arrow.Array, to arrow.DataType) (arrow.Array, error) {
	var hi uint64
	switch to.ID() {
	case arrow.UINT8:
		hi = math.MaxUint8
	case arrow.UINT16:
		hi = math.MaxUint16
	default:
		hi = math.MaxUint32
	}
	vals := Values[uint64](wide)
	for i, v := range vals {
		if v > hi && wide.IsValid(i) {
			if err := ec.dataError(sqlerr.ErrDataOutOfRange, "%s value is out of range: %d", TypeName(to), v); err != nil {
				return nil, err
			}
		}
	}
	c := func(v uint64) uint64 { return min(v, hi) }
	switch to.ID() {
	case arrow.UINT8:
		return Unary[uint64, uint8](ec, wide, to, func(v uint64) uint8 { return uint8(c(v)) }), nil
	case arrow.UINT16:
		return Unary[uint64, uint16](ec, wide, to, func(v uint64) uint16 { return uint16(c(v)) }), nil
	}
	return Unary[uint64, uint32](ec, wide, to, func(v uint64) uint32 { return uint32(c(v)) }), nil
}

// ---- to DOUBLE ----

func castToFloat64(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	switch src.DataType().ID() {
	case arrow.FLOAT64:
		src.Retain()
		return src, nil
	case arrow.INT64:
		return Unary[int64, float64](ec, src, Float64, func(v int64) float64 { return float64(v) }), nil
	case arrow.UINT64:
		return Unary[uint64, float64](ec, src, Float64, func(v uint64) float64 { return float64(v) }), nil
	case arrow.DECIMAL128:
		_, s := decimalPS(src.DataType())
		return Unary[decimal128.Num, float64](ec, src, Float64, func(v decimal128.Num) float64 { return decToFloat(v, s) }), nil
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		out := NewFixedOut[float64](ec.mem(), Float64, src.Len())
		out.InheritNulls(src)
		for i := range out.Values {
			if out.IsNull(i) {
				continue
			}
			v, err := stringToFloat64(ec, sv.Get(i))
			if err != nil {
				out.Release()
				return nil, err
			}
			out.Values[i] = v
		}
		return out.Finish(), nil
	case arrow.BOOL, arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		i64, err := castToInt64(ec, src)
		if err != nil {
			return nil, err
		}
		defer i64.Release()
		return castToFloat64(ec, i64)
	}
	return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to DOUBLE", TypeName(src.DataType()))
}

func decToFloat(v decimal128.Num, s int32) float64 {
	if decIsI64(v) {
		f := float64(int64(v.LowBits()))
		if s > 0 {
			return f / math.Pow10(int(s))
		}
		return f
	}
	return v.ToFloat64(s)
}

// stringToFloat64 converts the longest numeric prefix, as MySQL does when a
// string meets a number ('3abc' + 1 = 4, with a warning).
func stringToFloat64(ec *EvalContext, s string) (float64, error) {
	end := floatPrefixLen(s)
	num := trimSpaces(s[:end])
	var v float64
	if num != "" {
		var perr error
		// A range error still yields ±Inf or 0, which MySQL would clip too.
		v, perr = strconv.ParseFloat(num, 64)
		_ = perr
	}
	if (num == "" || trimSpaces(s[end:]) != "") && ec.reports() {
		if err := ec.dataError(sqlerr.ErrTruncatedValue, "Truncated incorrect DOUBLE value: '%s'", s); err != nil {
			return 0, err
		}
	}
	return v, nil
}

// floatPrefixLen returns the length of the longest prefix of s that is a
// number (leading spaces included).
func floatPrefixLen(s string) int {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		fd := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			fd++
		}
		if digits > 0 || fd > 0 {
			i = j
			digits += fd
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return i
}

// ---- to DECIMAL ----

func castToDecimal(ec *EvalContext, src arrow.Array, p, s int32) (arrow.Array, error) {
	to := &arrow.Decimal128Type{Precision: p, Scale: s}
	n := src.Len()
	out := NewFixedOut[decimal128.Num](ec.mem(), to, n)
	out.InheritNulls(src)
	maxv := decMaxValue(p)
	minv := maxv.Negate()
	// fit clips an out-of-range value to DECIMAL(p,s)'s limits like MySQL.
	fit := func(i int, v decimal128.Num, ok bool, text func() string) error {
		if ok && v.FitsInPrecision(p) {
			out.Values[i] = v
			return nil
		}
		if err := ec.dataError(sqlerr.ErrDataOutOfRange, "DECIMAL value is out of range in '%s'", text()); err != nil {
			return err
		}
		if v.Sign() < 0 {
			out.Values[i] = minv
		} else {
			out.Values[i] = maxv
		}
		return nil
	}
	var err error
	switch src.DataType().ID() {
	case arrow.INT64:
		vals := Values[int64](src)
		for i, v := range vals {
			if out.IsNull(i) {
				continue
			}
			d, ok := decScaleUp(decimal128.FromI64(v), s)
			if err = fit(i, d, ok, func() string { return strconv.FormatInt(v, 10) }); err != nil {
				break
			}
		}
	case arrow.UINT64:
		vals := Values[uint64](src)
		for i, v := range vals {
			if out.IsNull(i) {
				continue
			}
			d, ok := decScaleUp(decimal128.FromU64(v), s)
			if err = fit(i, d, ok, func() string { return strconv.FormatUint(v, 10) }); err != nil {
				break
			}
		}
	case arrow.BOOL:
		bv := BoolsOf(src)
		for i := 0; i < n; i++ {
			if bv.Get(i) {
				d, ok := decScaleUp(decimal128.FromI64(1), s)
				if err = fit(i, d, ok, func() string { return "1" }); err != nil {
					break
				}
			}
		}
	case arrow.FLOAT64:
		vals := Values[float64](src)
		for i, v := range vals {
			if out.IsNull(i) {
				continue
			}
			d, ok := decFromFloat(v, s)
			if math.IsNaN(v) {
				out.SetNull(i)
				continue
			}
			if !ok && v < 0 {
				d = minv
			}
			if err = fit(i, d, ok, func() string { return formatFloat(v) }); err != nil {
				break
			}
		}
	case arrow.DECIMAL128:
		_, fs := decimalPS(src.DataType())
		vals := Values[decimal128.Num](src)
		for i, v := range vals {
			if out.IsNull(i) {
				continue
			}
			d, ok := decRescale(v, fs, s)
			if !ok && v.Sign() < 0 {
				d = minv
			}
			if err = fit(i, d, ok, func() string { return FormatDecimal(v, fs) }); err != nil {
				break
			}
		}
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		for i := 0; i < n; i++ {
			if out.IsNull(i) {
				continue
			}
			str := sv.Get(i)
			d, found, trailing, of := parseDecimalPrefix(str, s)
			if !found || trailing {
				if err = ec.dataError(sqlerr.ErrTruncatedValue, "Truncated incorrect DECIMAL value: '%s'", str); err != nil {
					break
				}
			}
			if err = fit(i, d, !of, func() string { return str }); err != nil {
				break
			}
		}
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		out.Release()
		i64, err := castToInt64(ec, src)
		if err != nil {
			return nil, err
		}
		defer i64.Release()
		return castToDecimal(ec, i64, p, s)
	default:
		out.Release()
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to %s", TypeName(src.DataType()), TypeName(to))
	}
	if err != nil {
		out.Release()
		return nil, err
	}
	return out.Finish(), nil
}

// ---- to BOOLEAN ----

func castToBool(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	n := src.Len()
	out := NewBoolOut(ec.mem(), n)
	out.InheritNulls(src)
	switch src.DataType().ID() {
	case arrow.INT64:
		for i, v := range Values[int64](src) {
			out.Set(i, v != 0)
		}
	case arrow.UINT64:
		for i, v := range Values[uint64](src) {
			out.Set(i, v != 0)
		}
	case arrow.FLOAT64:
		for i, v := range Values[float64](src) {
			out.Set(i, v != 0)
		}
	case arrow.DECIMAL128:
		for i, v := range Values[decimal128.Num](src) {
			out.Set(i, v.Sign() != 0)
		}
	case arrow.DATE32, arrow.TIMESTAMP:
		for i := 0; i < n; i++ {
			out.Set(i, true)
		}
	case arrow.TIME64:
		for i, v := range Values[arrow.Time64](src) {
			out.Set(i, v != 0)
		}
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		valid := ValidityOf(src)
		for i := 0; i < n; i++ {
			if !valid.Valid(i) {
				continue
			}
			v, err := stringToFloat64(ec, sv.Get(i))
			if err != nil {
				out.Release()
				return nil, err
			}
			out.Set(i, v != 0)
		}
	default:
		out.Release()
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to BOOLEAN", TypeName(src.DataType()))
	}
	return out.Finish(), nil
}

// ---- to strings ----

func castToString(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	n := src.Len()
	b := array.NewStringBuilder(ec.mem())
	defer b.Release()
	b.Reserve(n)
	valid := ValidityOf(src)
	var buf []byte
	emit := func(i int, f func([]byte) []byte) {
		if !valid.Valid(i) {
			b.AppendNull()
			return
		}
		buf = f(buf[:0])
		b.BinaryBuilder.Append(buf)
	}
	switch src.DataType().ID() {
	case arrow.INT64:
		vals := Values[int64](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return strconv.AppendInt(d, vals[i], 10) })
		}
	case arrow.UINT64:
		vals := Values[uint64](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return strconv.AppendUint(d, vals[i], 10) })
		}
	case arrow.BOOL:
		bv := BoolsOf(src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte {
				if bv.Get(i) {
					return append(d, '1')
				}
				return append(d, '0')
			})
		}
	case arrow.FLOAT64:
		vals := Values[float64](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return appendFloat(d, vals[i], 64) })
		}
	case arrow.DECIMAL128:
		_, s := decimalPS(src.DataType())
		vals := Values[decimal128.Num](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return appendDecimal(d, vals[i], s) })
		}
	case arrow.BINARY, arrow.STRING:
		sv := StringsOf(src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return append(d, sv.Get(i)...) })
		}
	case arrow.DATE32:
		vals := Values[arrow.Date32](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return appendDate(d, int64(vals[i])) })
		}
	case arrow.TIMESTAMP:
		vals := Values[arrow.Timestamp](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return appendDatetime(d, int64(vals[i])) })
		}
	case arrow.TIME64:
		vals := Values[arrow.Time64](src)
		for i := 0; i < n; i++ {
			emit(i, func(d []byte) []byte { return appendTime(d, int64(vals[i])) })
		}
	default:
		if IsVector(src.DataType()) {
			fl := src.(*array.FixedSizeList)
			sz := int(src.DataType().(*arrow.FixedSizeListType).Len())
			elems := Values[float32](fl.ListValues())
			off := fl.Data().Offset() * sz
			for i := 0; i < n; i++ {
				emit(i, func(d []byte) []byte { return appendVector(d, elems[off+i*sz:off+(i+1)*sz]) })
			}
			break
		}
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to VARCHAR", TypeName(src.DataType()))
	}
	return b.NewArray(), nil
}

func toLargeString(ec *EvalContext, s arrow.Array) arrow.Array {
	sv := StringsOf(s)
	b := array.NewLargeStringBuilder(ec.mem())
	defer b.Release()
	for i := 0; i < s.Len(); i++ {
		if s.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(sv.Get(i))
		}
	}
	return b.NewArray()
}

// stringToBinary reinterprets utf8 as binary (same layout).
func stringToBinary(s arrow.Array) arrow.Array { return retype(s, Varbinary) }

// formatFloat renders a DOUBLE the way MySQL prints it: shortest round-trip
// digits, plain notation for moderate magnitudes, 1e20 style otherwise.
func formatFloat(f float64) string { return string(appendFloat(nil, f, 64)) }

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	}
	if f == 0 {
		return append(dst, '0')
	}
	// Like C's %g: exponent form below 1e-4; MySQL keeps 15 integer digits.
	a := math.Abs(f)
	if a >= 1e-4 && a < 1e15 {
		return strconv.AppendFloat(dst, f, 'f', -1, bits)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, bits)
	// Go writes 1e+20 and 1e-07; MySQL writes 1e20 and 1e-7.
	for i := start; i < len(dst); i++ {
		if dst[i] == 'e' {
			j := i + 1
			k := j
			if dst[k] == '+' {
				k++
			} else if dst[k] == '-' {
				j++
				k++
			}
			for k < len(dst)-1 && dst[k] == '0' {
				k++
			}
			dst = append(dst[:j], dst[k:]...)
			break
		}
	}
	return dst
}

// ---- dates and times ----

// civil converts days since 1970-01-01 to year, month, day (proleptic Gregorian).
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func splitMicros(us int64) (y, mo, d, h, mi, s, frac int64) {
	days := floorDiv(us, usPerDay)
	rem := us - days*usPerDay
	y, mo, d = civil(days)
	frac = rem % 1_000_000
	secs := rem / 1_000_000
	h, mi, s = secs/3600, secs/60%60, secs%60
	return
}

func appendNum(dst []byte, v int64, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func appendDate(dst []byte, days int64) []byte {
	y, m, d := civil(days)
	dst = appendNum(dst, y, 4)
	dst = append(dst, '-')
	dst = appendNum(dst, m, 2)
	dst = append(dst, '-')
	return appendNum(dst, d, 2)
}

func appendDatetime(dst []byte, us int64) []byte {
	y, mo, d, h, mi, s, frac := splitMicros(us)
	dst = appendNum(dst, y, 4)
	dst = append(dst, '-')
	dst = appendNum(dst, mo, 2)
	dst = append(dst, '-')
	dst = appendNum(dst, d, 2)
	dst = append(dst, ' ')
	dst = appendNum(dst, h, 2)
	dst = append(dst, ':')
	dst = appendNum(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendNum(dst, s, 2)
	if frac != 0 {
		dst = append(dst, '.')
		dst = appendNum(dst, frac, 6)
	}
	return dst
}

func daysInMonth(y, m int64) int64 {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// ParseDatetime parses MySQL date/datetime text ('2024-01-31', '2024-01-31
// 10:20:30.5', '20240131', '2024/1/31T10:20') into microseconds since the
// epoch; hasTime reports whether a time part was present.
func ParseDatetime(s string) (us int64, hasTime bool, ok bool) {
	s = trimSpaces(s)
	if s == "" {
		return 0, false, false
	}
	var f [7]int64
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if s[i] == '.' {
				continue
			}
			allDigits = false
			break
		}
	}
	if allDigits {
		main := s
		frac := ""
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				main, frac = s[:i], s[i+1:]
				break
			}
		}
		var ok bool
		f, hasTime, ok = packedDigits(main)
		if !ok {
			return 0, false, false
		}
		if frac != "" && hasTime {
			f[6] = fracMicros(frac)
		}
	} else {
		// Delimited: year, month, day, then optional hour, minute, second, fraction.
		i, k := 0, 0
		yearDigits := 0
		for k < 7 && i < len(s) {
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i {
				return 0, false, false
			}
			if k == 6 {
				f[6] = fracMicros(s[i:j])
			} else {
				v, err := strconv.ParseInt(s[i:j], 10, 64)
				if err != nil {
					return 0, false, false
				}
				f[k] = v
			}
			if k == 0 {
				yearDigits = j - i
			}
			k++
			i = j
			if i >= len(s) {
				break
			}
			// Separators: any run of punctuation; 'T' or spaces between date and time;
			// only '.' may introduce the fraction.
			if k == 3 {
				if s[i] != 'T' && s[i] != ' ' {
					return 0, false, false
				}
				for i < len(s) && (s[i] == ' ' || s[i] == 'T') {
					i++
				}
				continue
			}
			if k == 6 {
				if s[i] != '.' {
					return 0, false, false
				}
				i++
				continue
			}
			if s[i] == ' ' || (s[i] >= '0' && s[i] <= '9') || s[i] >= 0x80 {
				return 0, false, false
			}
			i++
		}
		if k < 3 || i < len(s) {
			return 0, false, false
		}
		hasTime = k > 3
		if yearDigits <= 2 {
			if f[0] < 70 {
				f[0] += 2000
			} else {
				f[0] += 1900
			}
		}
	}
	y, mo, d, h, mi, sec := f[0], f[1], f[2], f[3], f[4], f[5]
	if mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59 || y > 9999 {
		return 0, false, false
	}
	days := daysFromCivil(y, mo, d)
	return days*usPerDay + ((h*60+mi)*60+sec)*1_000_000 + f[6], hasTime, true
}

func fracMicros(s string) int64 {
	var v int64
	for i := 0; i < 6; i++ {
		v *= 10
		if i < len(s) {
			v += int64(s[i] - '0')
		}
	}
	if len(s) > 6 && s[6] >= '5' {
		v++
	}
	return v
}

// packedDigits reads YYYYMMDD[hhmmss] or YYMMDD[hhmmss].
func packedDigits(s string) (f [7]int64, hasTime bool, ok bool) {
	num := func(a, b int) int64 {
		v, _ := strconv.ParseInt(s[a:b], 10, 64)
		return v
	}
	switch len(s) {
	case 8, 14:
		f[0], f[1], f[2] = num(0, 4), num(4, 6), num(6, 8)
		if len(s) == 14 {
			f[3], f[4], f[5] = num(8, 10), num(10, 12), num(12, 14)
			hasTime = true
		}
	case 6, 12:
		f[0], f[1], f[2] = num(0, 2), num(2, 4), num(4, 6)
		if f[0] < 70 {
			f[0] += 2000
		} else {
			f[0] += 1900
		}
		if len(s) == 12 {
			f[3], f[4], f[5] = num(6, 8), num(8, 10), num(10, 12)
			hasTime = true
		}
	default:
		return f, false, false
	}
	return f, hasTime, true
}

func castToDate(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	switch src.DataType().ID() {
	case arrow.TIMESTAMP:
		return Unary[arrow.Timestamp, arrow.Date32](ec, src, Date32, func(t arrow.Timestamp) arrow.Date32 {
			return arrow.Date32(floorDiv(int64(t), usPerDay))
		}), nil
	}
	us, err := castToDatetime(ec, src)
	if err != nil {
		return nil, err
	}
	defer us.Release()
	return castToDate(ec, us)
}

func castToDatetime(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	n := src.Len()
	switch src.DataType().ID() {
	case arrow.DATE32:
		return Unary[arrow.Date32, arrow.Timestamp](ec, src, Datetime, func(d arrow.Date32) arrow.Timestamp {
			return arrow.Timestamp(int64(d) * usPerDay)
		}), nil
	case arrow.TIME64:
		// MySQL puts a TIME on the current date.
		today := int64(0)
		if ec != nil && !ec.Now.IsZero() {
			today = floorDiv(ec.Now.UnixMicro(), usPerDay) * usPerDay
		}
		return Unary[arrow.Time64, arrow.Timestamp](ec, src, Datetime, func(t arrow.Time64) arrow.Timestamp {
			return arrow.Timestamp(today + int64(t))
		}), nil
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		out := NewFixedOut[arrow.Timestamp](ec.mem(), Datetime, n)
		out.InheritNulls(src)
		for i := 0; i < n; i++ {
			if out.IsNull(i) {
				continue
			}
			s := sv.Get(i)
			us, _, ok := ParseDatetime(s)
			if !ok {
				if ec.reports() {
					if err := ec.dataError(sqlerr.ErrTruncatedValue, "Incorrect datetime value: '%s'", s); err != nil {
						out.Release()
						return nil, err
					}
				}
				out.SetNull(i)
				continue
			}
			out.Values[i] = arrow.Timestamp(us)
		}
		return out.Finish(), nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DECIMAL128, arrow.BOOL:
		i64, err := castToInt64(ec, src)
		if err != nil {
			return nil, err
		}
		defer i64.Release()
		vals := Values[int64](i64)
		out := NewFixedOut[arrow.Timestamp](ec.mem(), Datetime, n)
		out.InheritNulls(i64)
		var buf []byte
		for i, v := range vals {
			if out.IsNull(i) {
				continue
			}
			buf = strconv.AppendInt(buf[:0], v, 10)
			us, ok := int64(0), false
			if f, _, pok := packedDigits(string(buf)); pok && v > 0 {
				ok = f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[2] <= daysInMonth(f[0], f[1]) && f[3] < 24 && f[4] < 60 && f[5] < 60
				us = daysFromCivil(f[0], f[1], f[2])*usPerDay + ((f[3]*60+f[4])*60+f[5])*1_000_000
			}
			if !ok {
				if err := ec.dataError(sqlerr.ErrTruncatedValue, "Incorrect datetime value: '%d'", v); err != nil {
					out.Release()
					return nil, err
				}
				out.SetNull(i)
				continue
			}
			out.Values[i] = arrow.Timestamp(us)
		}
		return out.Finish(), nil
	}
	return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to DATETIME", TypeName(src.DataType()))
}

// TimeOf converts a DATETIME value to a Go time (UTC).
func TimeOf(us int64) time.Time { return time.UnixMicro(us).UTC() }

// ---- to VECTOR ----

func castToVector(ec *EvalContext, src arrow.Array, to *arrow.FixedSizeListType) (arrow.Array, error) {
	if IsVector(src.DataType()) {
		st := src.DataType().(*arrow.FixedSizeListType)
		if to == AnyVector || st.Len() == to.Len() {
			if arrow.TypeEqual(st, to) || to == AnyVector {
				src.Retain()
				return src, nil
			}
			return retype(src, to), nil
		}
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "vector has %d dimensions, does not fit VECTOR(%d)", st.Len(), to.Len())
	}
	if src.DataType().ID() != arrow.STRING && src.DataType().ID() != arrow.BINARY {
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "cannot convert %s to %s", TypeName(src.DataType()), TypeName(to))
	}
	sv := StringsOf(src)
	valid := ValidityOf(src)
	n := src.Len()
	dim := int(to.Len())
	if to == AnyVector {
		dim = 1 // only kept if every row is NULL
	}
	var vals []float32
	var scratch []float32
	for i := 0; i < n; i++ {
		if !valid.Valid(i) {
			continue
		}
		var err error
		scratch, err = ParseVector(sv.Get(i), scratch[:0])
		if err != nil {
			return nil, err
		}
		if to == AnyVector && vals == nil {
			dim = max(len(scratch), 1)
			vals = make([]float32, n*dim)
		}
		if len(scratch) != dim {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "vector has %d dimensions, does not fit VECTOR(%d)", len(scratch), dim)
		}
		if vals == nil {
			vals = make([]float32, n*dim)
		}
		copy(vals[i*dim:], scratch)
	}
	if vals == nil {
		vals = make([]float32, n*dim)
	}
	return buildVectors(ec, int32(dim), vals, src), nil
}

// buildVectors makes a VECTOR(dim) array from flat values, NULL where nullsFrom is NULL.
func buildVectors(ec *EvalContext, dim int32, flat []float32, nullsFrom arrow.Array) arrow.Array {
	n := nullsFrom.Len()
	typ := Vector(dim)
	child := NewFixedOut[float32](ec.mem(), Float32, len(flat))
	copy(child.Values, flat)
	ca := child.Finish()
	defer ca.Release()
	parent := NewBoolOut(ec.mem(), n) // only its validity bitmap is used
	parent.InheritNulls(nullsFrom)
	nulls := n - bitutil.CountSetBits(parent.nbits, 0, n)
	d := array.NewData(typ, n, []*memory.Buffer{parent.valid}, []arrow.ArrayData{ca.Data()}, nulls, 0)
	parent.valid.Release()
	parent.vals.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

// ---- TIME ----

// maxTimeMicros is MySQL's TIME limit, 838:59:59.
const maxTimeMicros = (838*3600 + 59*60 + 59) * 1_000_000

func splitTime(us int64) (neg bool, h, m, s, frac int64) {
	if us < 0 {
		neg, us = true, -us
	}
	frac = us % 1_000_000
	secs := us / 1_000_000
	return neg, secs / 3600, secs / 60 % 60, secs % 60, frac
}

// AppendTime appends a TIME (microseconds) as MySQL prints it: hours may
// exceed 24 and the value may be negative ('-838:59:59.000000'); clients
// that format TIME columns should use it rather than a time of day.
func AppendTime(dst []byte, us int64) []byte { return appendTime(dst, us) }

func appendTime(dst []byte, us int64) []byte {
	neg, h, m, s, frac := splitTime(us)
	if neg {
		dst = append(dst, '-')
	}
	dst = appendNum(dst, h, 2)
	dst = append(dst, ':')
	dst = appendNum(dst, m, 2)
	dst = append(dst, ':')
	dst = appendNum(dst, s, 2)
	if frac != 0 {
		dst = append(dst, '.')
		dst = appendNum(dst, frac, 6)
	}
	return dst
}

// ParseTime parses MySQL TIME text: '[-][D ]hh:mm[:ss[.frac]]', packed
// 'hhmmss[.frac]' (or 'mmss', 'ss'), or a date and time (the time part).
func ParseTime(s string) (int64, bool) {
	s = trimSpaces(s)
	if s == "" {
		return 0, false
	}
	if looksLikeDate(s) {
		if us, hasTime, ok := ParseDatetime(s); ok && hasTime {
			return us - floorDiv(us, usPerDay)*usPerDay, true
		}
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	var days, h, m, sec, frac int64
	main, fracText := s, ""
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		main, fracText = s[:i], s[i+1:]
		for k := 0; k < len(fracText); k++ {
			if fracText[k] < '0' || fracText[k] > '9' {
				return 0, false
			}
		}
		frac = fracMicros(fracText)
	}
	if sp := strings.IndexByte(main, ' '); sp >= 0 {
		d, err := strconv.ParseInt(main[:sp], 10, 64)
		if err != nil {
			return 0, false
		}
		days, main = d, trimSpaces(main[sp+1:])
	}
	if strings.Contains(main, ":") {
		parts := strings.Split(main, ":")
		if len(parts) > 3 {
			return 0, false
		}
		vals := make([]int64, 3)
		for k, p := range parts {
			v, err := strconv.ParseInt(p, 10, 64)
			if err != nil || v < 0 {
				return 0, false
			}
			vals[k] = v
		}
		h, m, sec = vals[0], vals[1], vals[2]
	} else {
		v, err := strconv.ParseInt(main, 10, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		h, m, sec = v/10000, v/100%100, v%100
	}
	if m > 59 || sec > 59 {
		return 0, false
	}
	us := (((days*24+h)*60+m)*60+sec)*1_000_000 + frac
	if us > maxTimeMicros {
		return 0, false
	}
	if neg {
		us = -us
	}
	return us, true
}

// looksLikeDate says whether TIME text starts with a date: a delimited
// part before a space, a '-' or '/' before the first ':' (not a leading
// sign), or a packed
// YYYYMMDDhhmmss number. '272:59:59' and '3 10:00' are times.
func looksLikeDate(s string) bool {
	if sp := strings.IndexByte(s, ' '); sp > 0 && strings.ContainsAny(s[:sp], "-/:.") {
		return true // a date part with any delimiter, then the time ('2000:01:01 00:00:00')
	}
	head := strings.TrimPrefix(s, "-")
	if i := strings.IndexByte(head, ':'); i >= 0 {
		head = head[:i]
	}
	if strings.ContainsAny(head, "-/") {
		return true
	}
	digits := head
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		digits = digits[:i]
	}
	return !strings.Contains(s, ":") && len(digits) >= 12
}

func castToTime(ec *EvalContext, src arrow.Array) (arrow.Array, error) {
	n := src.Len()
	switch src.DataType().ID() {
	case arrow.TIME64:
		src.Retain()
		return src, nil
	case arrow.TIMESTAMP:
		return Unary[arrow.Timestamp, arrow.Time64](ec, src, Time, func(t arrow.Timestamp) arrow.Time64 {
			return arrow.Time64(int64(t) - floorDiv(int64(t), usPerDay)*usPerDay)
		}), nil
	case arrow.DATE32:
		return Unary[arrow.Date32, arrow.Time64](ec, src, Time, func(arrow.Date32) arrow.Time64 { return 0 }), nil
	case arrow.STRING, arrow.BINARY:
		sv := StringsOf(src)
		out := NewFixedOut[arrow.Time64](ec.mem(), Time, n)
		out.InheritNulls(src)
		for i := 0; i < n; i++ {
			if out.IsNull(i) {
				continue
			}
			us, ok := ParseTime(sv.Get(i))
			if !ok {
				if ec.reports() {
					if err := ec.dataError(sqlerr.ErrTruncatedValue, "Incorrect time value: '%s'", sv.Get(i)); err != nil {
						out.Release()
						return nil, err
					}
				}
				out.SetNull(i)
				continue
			}
			out.Values[i] = arrow.Time64(us)
		}
		return out.Finish(), nil
	}
	// Numbers: hhmmss.
	s, err := castToString(ec, src)
	if err != nil {
		return nil, err
	}
	defer s.Release()
	return castToTime(ec, s)
}
