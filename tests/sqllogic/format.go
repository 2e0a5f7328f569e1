package sqllogic

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Null and Empty are how NULL and the empty string are written in results.
const (
	Null  = "NULL"
	Empty = "(empty)"
)

// TypeLetter is the sqllogictest type letter MySQL's harness would give a
// column of type dt: integers and booleans are I, floats and decimals R,
// everything else T. The null type (an all-NULL column) gets 0: any letter.
func TypeLetter(dt arrow.DataType) byte {
	switch dt.ID() {
	case arrow.NULL:
		return 0
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return 'I'
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL32, arrow.DECIMAL64,
		arrow.DECIMAL128, arrow.DECIMAL256:
		return 'R'
	case arrow.DICTIONARY:
		return TypeLetter(dt.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return TypeLetter(dt.(arrow.ExtensionType).StorageType())
	}
	return 'T'
}

// compatibleLetters reports whether a column of actual letter got may stand
// for expected letter want. As in the harness that generated the corpus,
// integers and reals are interchangeable (MySQL's choice between BIGINT and
// DECIMAL is not something to replicate); text is not.
func compatibleLetters(want, got byte) bool {
	if got == 0 || got == '?' || want == got {
		return true
	}
	return (want == 'I' || want == 'R') && (got == 'I' || got == 'R')
}

// valueFormatter formats row i of one column.
type valueFormatter func(i int) string

// newFormatter picks, once per column, the function that formats its values
// as the column's expected type letter asks.
func newFormatter(arr arrow.Array, letter byte) valueFormatter {
	nullable := func(f valueFormatter) valueFormatter {
		if arr.NullN() == 0 {
			return f
		}
		return func(i int) string {
			if arr.IsNull(i) {
				return Null
			}
			return f(i)
		}
	}
	switch a := arr.(type) {
	case *array.Null:
		return func(int) string { return Null }
	case *array.Boolean:
		return nullable(func(i int) string {
			v := int64(0)
			if a.Value(i) {
				v = 1
			}
			return formatInt(v, letter)
		})
	case *array.Int8:
		return nullable(func(i int) string { return formatInt(int64(a.Value(i)), letter) })
	case *array.Int16:
		return nullable(func(i int) string { return formatInt(int64(a.Value(i)), letter) })
	case *array.Int32:
		return nullable(func(i int) string { return formatInt(int64(a.Value(i)), letter) })
	case *array.Int64:
		return nullable(func(i int) string { return formatInt(a.Value(i), letter) })
	case *array.Uint8:
		return nullable(func(i int) string { return formatUint(uint64(a.Value(i)), letter) })
	case *array.Uint16:
		return nullable(func(i int) string { return formatUint(uint64(a.Value(i)), letter) })
	case *array.Uint32:
		return nullable(func(i int) string { return formatUint(uint64(a.Value(i)), letter) })
	case *array.Uint64:
		return nullable(func(i int) string { return formatUint(a.Value(i), letter) })
	case *array.Float16:
		return nullable(func(i int) string { return formatFloat(float64(a.Value(i).Float32()), 32, letter) })
	case *array.Float32:
		return nullable(func(i int) string { return formatFloat(float64(a.Value(i)), 32, letter) })
	case *array.Float64:
		return nullable(func(i int) string { return formatFloat(a.Value(i), 64, letter) })
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return nullable(func(i int) string { return formatDecimal(a.Value(i).BigInt(), scale, letter) })
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		return nullable(func(i int) string { return formatDecimal(a.Value(i).BigInt(), scale, letter) })
	case *array.String:
		return nullable(func(i int) string { return formatText(a.Value(i)) })
	case *array.LargeString:
		return nullable(func(i int) string { return formatText(a.Value(i)) })
	case *array.StringView:
		return nullable(func(i int) string { return formatText(a.Value(i)) })
	case *array.Binary:
		return nullable(func(i int) string { return formatText(string(a.Value(i))) })
	case *array.LargeBinary:
		return nullable(func(i int) string { return formatText(string(a.Value(i))) })
	case *array.BinaryView:
		return nullable(func(i int) string { return formatText(string(a.Value(i))) })
	case *array.FixedSizeBinary:
		return nullable(func(i int) string { return formatText(string(a.Value(i))) })
	case *array.Date32:
		return nullable(func(i int) string { return a.Value(i).ToTime().Format(time.DateOnly) })
	case *array.Date64:
		return nullable(func(i int) string { return a.Value(i).ToTime().Format(time.DateOnly) })
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return nullable(func(i int) string { return formatDateTime(a.Value(i).ToTime(unit), unit) })
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return nullable(func(i int) string { return formatTimeOfDay(int64(a.Value(i)), unit) })
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return nullable(func(i int) string { return formatTimeOfDay(int64(a.Value(i)), unit) })
	case array.ListLike:
		// Vectors (fixed_size_list<float32>) and other lists print as TiDB
		// prints vectors: [1,2.5,3] without spaces.
		vals := newFormatter(a.ListValues(), 'T')
		return nullable(func(i int) string {
			start, end := a.ValueOffsets(i)
			var sb strings.Builder
			sb.WriteByte('[')
			for j := start; j < end; j++ {
				if j > start {
					sb.WriteByte(',')
				}
				sb.WriteString(vals(int(j)))
			}
			sb.WriteByte(']')
			return sb.String()
		})
	case *array.Dictionary:
		vals := newFormatter(a.Dictionary(), letter)
		return nullable(func(i int) string { return vals(a.GetValueIndex(i)) })
	case array.ExtensionArray:
		return newFormatter(a.Storage(), letter)
	}
	return nullable(func(i int) string { return formatText(arr.ValueStr(i)) })
}

func formatInt(v int64, letter byte) string {
	s := strconv.FormatInt(v, 10)
	if letter == 'R' {
		s += ".000"
	}
	return s
}

func formatUint(v uint64, letter byte) string {
	s := strconv.FormatUint(v, 10)
	if letter == 'R' {
		s += ".000"
	}
	return s
}

// formatFloat prints a whole number in an I column as an integer, other
// numbers in I and R columns as "%.3f" (as the harness did for MySQL's DOUBLE
// and DECIMAL), and T in the shortest form that reads back to the same value.
func formatFloat(v float64, bits int, letter byte) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case letter == 'I' && v == 0:
		return "0" // not "-0"
	case letter == 'I' && v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case letter == 'R' || letter == 'I':
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

// formatDecimal prints an unscaled decimal: R as "%.3f" of its float value
// (what the harness printed for MySQL DECIMAL), a whole value in an I column
// as an integer, and T as MySQL shows it, with all scale digits.
func formatDecimal(unscaled *big.Int, scale int32, letter byte) string {
	exact := decimalString(unscaled, scale)
	switch letter {
	case 'R':
		f, err := strconv.ParseFloat(exact, 64)
		if err != nil {
			return exact
		}
		return strconv.FormatFloat(f, 'f', 3, 64)
	case 'I':
		if i := strings.IndexByte(exact, '.'); i >= 0 && strings.Trim(exact[i+1:], "0") == "" {
			exact = exact[:i]
			if exact == "-0" {
				exact = "0"
			}
		}
	}
	return exact
}

func decimalString(unscaled *big.Int, scale int32) string {
	neg := unscaled.Sign() < 0
	digits := new(big.Int).Abs(unscaled).String()
	if scale > 0 {
		if len(digits) <= int(scale) {
			digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	} else if scale < 0 {
		digits += strings.Repeat("0", int(-scale))
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

// formatText writes the empty string as (empty) and control characters as
// '@', as sqllogictest does, so that every value stays on one line.
func formatText(s string) string {
	if s == "" {
		return Empty
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 {
			return '@'
		}
		return r
	}, s)
}

// formatDateTime prints MySQL's DATETIME form in UTC; fractional seconds
// appear only when non-zero, with the digits of the column's unit.
func formatDateTime(t time.Time, unit arrow.TimeUnit) string {
	t = t.UTC()
	s := t.Format(time.DateTime)
	if ns := t.Nanosecond(); ns != 0 {
		digits := [...]int{arrow.Second: 0, arrow.Millisecond: 3, arrow.Microsecond: 6, arrow.Nanosecond: 9}[unit]
		if digits > 0 {
			frac := fmt.Sprintf("%09d", ns)[:digits]
			s += "." + frac
		}
	}
	return s
}

func formatTimeOfDay(v int64, unit arrow.TimeUnit) string {
	d := time.Duration(v) * unit.Multiplier()
	neg := d < 0
	if neg {
		d = -d
	}
	h := int64(d / time.Hour)
	m := int64(d/time.Minute) % 60
	sec := int64(d/time.Second) % 60
	s := fmt.Sprintf("%02d:%02d:%02d", h, m, sec)
	if ns := int64(d % time.Second); ns != 0 {
		digits := [...]int{arrow.Second: 0, arrow.Millisecond: 3, arrow.Microsecond: 6, arrow.Nanosecond: 9}[unit]
		if digits > 0 {
			s += "." + fmt.Sprintf("%09d", ns)[:digits]
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatBatch appends the values of rec to out row by row, formatting column
// j as types[j] asks (a missing letter formats as T).
func FormatBatch(out []string, rec arrow.RecordBatch, types string) []string {
	ncols := int(rec.NumCols())
	fmts := make([]valueFormatter, ncols)
	for j := 0; j < ncols; j++ {
		letter := byte('T')
		if j < len(types) {
			letter = types[j]
		}
		fmts[j] = newFormatter(rec.Column(j), letter)
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		for j := 0; j < ncols; j++ {
			out = append(out, fmts[j](i))
		}
	}
	return out
}
