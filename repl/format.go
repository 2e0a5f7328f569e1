package repl

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/genevasql/genevasql/functions"
)

// Format is an output format of result sets.
type Format int

const (
	// FormatTable prints aligned tables with +---+ borders, like the mysql client.
	FormatTable Format = iota
	// FormatCSV prints RFC 4180 CSV with a header row. NULL is an empty
	// unquoted field; an empty string is written as "".
	FormatCSV
	// FormatTSV prints tab-separated values like `mysql --batch`: a header
	// row, NULL as NULL, and \t \n \\ \0 escaped with a backslash.
	FormatTSV
	// FormatJSON prints each result set as one JSON array of objects (one
	// object per row, one row per line). Several result sets are several
	// arrays in sequence, which encoding/json's Decoder reads one by one.
	FormatJSON
)

// ParseFormat maps a --format value to a Format.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "table", "":
		return FormatTable, nil
	case "csv":
		return FormatCSV, nil
	case "tsv":
		return FormatTSV, nil
	case "json":
		return FormatJSON, nil
	}
	return 0, fmt.Errorf("unknown output format %q (want table, csv, tsv or json)", s)
}

func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatTSV:
		return "tsv"
	case FormatJSON:
		return "json"
	}
	return "table"
}

// textFn renders row i of an array as text; the caller has checked IsNull.
type textFn func(i int) string

// appendJSONFn appends row i of an array as a JSON value; the caller has
// checked IsNull.
type appendJSONFn = appendFn

// TextFormatter returns a function that renders non-null values of arr the
// way the mysql client shows them: booleans as 1/0, floats in their shortest
// form, decimals with their scale, timestamps as 2006-01-02 15:04:05[.ffffff],
// vectors as [0.1,0.2] and binary as 0x-prefixed hex. It is built once per
// column and batch so that the per-row work is a type-specific closure.
func TextFormatter(arr arrow.Array) func(i int) string {
	return textFormatter(arr)
}

func textFormatter(arr arrow.Array) textFn {
	switch a := arr.(type) {
	case *array.String:
		return a.Value // no copy: the value lives as long as the batch
	case *array.LargeString:
		return a.Value
	case *array.StringView:
		return a.Value
	case *array.Dictionary:
		inner := textFormatter(a.Dictionary())
		return func(i int) string { return inner(a.GetValueIndex(i)) }
	case array.ExtensionArray:
		return textFormatter(a.Storage())
	}
	app := textAppender(arr)
	return func(i int) string { return string(app(nil, i)) }
}

// appendFn appends the text of non-null row i to b.
type appendFn func(b []byte, i int) []byte

// textAppender is textFormatter for streaming writers: it appends to a
// reused buffer, so numbers, dates and strings cost no allocation per cell.
func textAppender(arr arrow.Array) appendFn {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(b []byte, i int) []byte {
			if a.Value(i) {
				return append(b, '1')
			}
			return append(b, '0')
		}
	case *array.Int8:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }
	case *array.Int16:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }
	case *array.Int32:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }
	case *array.Int64:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, a.Value(i), 10) }
	case *array.Uint8:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }
	case *array.Uint16:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }
	case *array.Uint32:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }
	case *array.Uint64:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, a.Value(i), 10) }
	case *array.Float16:
		return func(b []byte, i int) []byte { return appendFloat(b, float64(a.Value(i).Float32()), 32) }
	case *array.Float32:
		return func(b []byte, i int) []byte { return appendFloat(b, float64(a.Value(i)), 32) }
	case *array.Float64:
		return func(b []byte, i int) []byte { return appendFloat(b, a.Value(i), 64) }
	case *array.Decimal32:
		return decimalText(a, a.DataType().(*arrow.Decimal32Type).Scale)
	case *array.Decimal64:
		return decimalText(a, a.DataType().(*arrow.Decimal64Type).Scale)
	case *array.Decimal128:
		return decimalText(a, a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		return decimalText(a, a.DataType().(*arrow.Decimal256Type).Scale)
	case *array.String:
		return func(b []byte, i int) []byte { return append(b, a.Value(i)...) }
	case *array.LargeString:
		return func(b []byte, i int) []byte { return append(b, a.Value(i)...) }
	case *array.StringView:
		return func(b []byte, i int) []byte { return append(b, a.Value(i)...) }
	case *array.Binary:
		return func(b []byte, i int) []byte { return appendHex(b, a.Value(i)) }
	case *array.LargeBinary:
		return func(b []byte, i int) []byte { return appendHex(b, a.Value(i)) }
	case *array.BinaryView:
		return func(b []byte, i int) []byte { return appendHex(b, a.Value(i)) }
	case *array.FixedSizeBinary:
		return func(b []byte, i int) []byte { return appendHex(b, a.Value(i)) }
	case *array.Date32:
		return func(b []byte, i int) []byte { return a.Value(i).ToTime().AppendFormat(b, "2006-01-02") }
	case *array.Date64:
		return func(b []byte, i int) []byte { return a.Value(i).ToTime().AppendFormat(b, "2006-01-02") }
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(b []byte, i int) []byte {
			return appendTime(b, a.Value(i).ToTime(unit).UTC(), "2006-01-02 15:04:05")
		}
	case *array.Time32:
		// MySQL's TIME is a duration too: hours past 24, negative values.
		mult := int64(a.DataType().(*arrow.Time32Type).Unit.Multiplier())
		return func(b []byte, i int) []byte { return functions.AppendTime(b, int64(a.Value(i))*mult/1000) }
	case *array.Time64:
		mult := int64(a.DataType().(*arrow.Time64Type).Unit.Multiplier())
		return func(b []byte, i int) []byte { return functions.AppendTime(b, int64(a.Value(i))*mult/1000) }
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return func(b []byte, i int) []byte {
			return append(b, formatDuration(time.Duration(int64(a.Value(i))*int64(unit.Multiplier())))...)
		}
	case *array.FixedSizeList:
		n := int(a.DataType().(*arrow.FixedSizeListType).Len())
		return listText(a.ListValues(), func(i int) (int, int) {
			start := (a.Data().Offset() + i) * n
			return start, start + n
		})
	case *array.List:
		return listText(a.ListValues(), func(i int) (int, int) {
			s, e := a.ValueOffsets(i)
			return int(s), int(e)
		})
	case *array.LargeList:
		return listText(a.ListValues(), func(i int) (int, int) {
			s, e := a.ValueOffsets(i)
			return int(s), int(e)
		})
	case *array.Dictionary:
		inner := textAppender(a.Dictionary())
		return func(b []byte, i int) []byte { return inner(b, a.GetValueIndex(i)) }
	case array.ExtensionArray:
		return textAppender(a.Storage())
	case *array.Null:
		return func(b []byte, _ int) []byte { return append(b, "NULL"...) }
	}
	// Anything else (structs, maps, unions) uses Arrow's own rendering.
	return func(b []byte, i int) []byte { return append(b, arr.ValueStr(i)...) }
}

func decimalText[T interface {
	decimal.DecimalTypes
	decimal.Num[T]
}](a interface{ Value(int) T }, scale int32) appendFn {
	return func(b []byte, i int) []byte { return append(b, a.Value(i).ToString(scale)...) }
}

// listText renders list-like values as [v1,v2], NULL elements as null.
func listText(values arrow.Array, bounds func(i int) (int, int)) appendFn {
	elem := textAppender(values)
	return func(b []byte, i int) []byte {
		s, e := bounds(i)
		b = append(b, '[')
		for j := s; j < e; j++ {
			if j > s {
				b = append(b, ',')
			}
			if values.IsNull(j) {
				b = append(b, "null"...)
			} else {
				b = elem(b, j)
			}
		}
		return append(b, ']')
	}
}

func appendHex(b, v []byte) []byte {
	b = append(b, '0', 'x')
	return hex.AppendEncode(b, v)
}

// FormatTime renders a timestamp as MySQL does: the date and time, then the
// fractional seconds only when they are not zero (microseconds, or
// nanoseconds when the value has them). Timestamps are shown in UTC.
func FormatTime(t time.Time) string {
	return string(appendTime(nil, t.UTC(), "2006-01-02 15:04:05"))
}

// appendTime appends t in layout plus the fractional seconds that are not
// zero: six digits, or nine when the value has nanoseconds.
func appendTime(b []byte, t time.Time, layout string) []byte {
	b = t.AppendFormat(b, layout)
	switch ns := t.Nanosecond(); {
	case ns == 0:
	case ns%1000 == 0:
		b = append(b, '.')
		b = appendPadded(b, ns/1000, 6)
	default:
		b = append(b, '.')
		b = appendPadded(b, ns, 9)
	}
	return b
}

func appendPadded(b []byte, v, width int) []byte {
	var tmp [9]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

// formatDuration renders a duration as MySQL shows TIME: [-]HH:MM:SS with
// hours beyond 24 allowed and fractional seconds when not zero.
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, rem := d/time.Hour, d%time.Hour
	m, rem := rem/time.Minute, rem%time.Minute
	sec, ns := rem/time.Second, rem%time.Second
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, sec)
	switch {
	case ns == 0:
	case ns%1000 == 0:
		s += fmt.Sprintf(".%06d", ns/1000)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s
}

// FormatFloat renders a float the way MySQL shows DOUBLE (bits=64) and FLOAT
// (bits=32) values: the shortest text that reads back to the same value,
// without trailing zeros, and in exponent form (1e15, 1.5e-20) only for very
// large or very small magnitudes.
func FormatFloat(f float64, bits int) string { return string(appendFloat(nil, f, bits)) }

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, bits)
	k := bytes.IndexByte(e, 'e')
	exp := 0
	for _, c := range e[k+2:] { // e[k+1] is the sign
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	if exp < -15 || exp >= 15 {
		// MySQL writes 1e15 and 1.5e-20: no plus sign, no leading zero.
		b = append(b, e[:k+1]...)
		return strconv.AppendInt(b, int64(exp), 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits)
}

// jsonFormatter returns a function appending non-null values of arr as JSON:
// numbers as numbers (decimals keep their scale), booleans as true/false,
// binary as base64, lists and vectors as arrays, everything else as strings
// in the same text as the table format.
func jsonFormatter(arr arrow.Array) appendJSONFn {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(b []byte, i int) []byte { return strconv.AppendBool(b, a.Value(i)) }
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64,
		*array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64,
		*array.Decimal32, *array.Decimal64, *array.Decimal128, *array.Decimal256:
		return textAppender(arr)
	case *array.Float16, *array.Float32, *array.Float64:
		app := textAppender(arr)
		return func(b []byte, i int) []byte {
			n := len(b)
			b = app(b, i)
			if c := b[n]; c == 'N' || c == 'I' || c == '-' && b[n+1] == 'I' {
				// JSON has no literal for NaN and infinities: quote them.
				b = append(b[:n+1], b[n:]...)
				b[n] = '"'
				b = append(b, '"')
			}
			return b
		}
	case *array.String:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }
	case *array.LargeString:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }
	case *array.StringView:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }
	case *array.Binary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }
	case *array.LargeBinary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }
	case *array.BinaryView:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }
	case *array.FixedSizeBinary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }
	case *array.FixedSizeList:
		n := int(a.DataType().(*arrow.FixedSizeListType).Len())
		return listJSON(a.ListValues(), func(i int) (int, int) {
			start := (a.Data().Offset() + i) * n
			return start, start + n
		})
	case *array.List:
		return listJSON(a.ListValues(), func(i int) (int, int) {
			s, e := a.ValueOffsets(i)
			return int(s), int(e)
		})
	case *array.LargeList:
		return listJSON(a.ListValues(), func(i int) (int, int) {
			s, e := a.ValueOffsets(i)
			return int(s), int(e)
		})
	case *array.Dictionary:
		inner := jsonFormatter(a.Dictionary())
		return func(b []byte, i int) []byte { return inner(b, a.GetValueIndex(i)) }
	case array.ExtensionArray:
		if a.ExtensionType().ExtensionName() == "arrow.json" {
			return rawJSONFormatter(a.Storage())
		}
		return jsonFormatter(a.Storage())
	case *array.Null:
		return func(b []byte, _ int) []byte { return append(b, "null"...) }
	}
	// Dates, times and the rest: their text, as a JSON string.
	app := textAppender(arr)
	var scratch []byte
	return func(b []byte, i int) []byte {
		scratch = app(scratch[:0], i)
		return appendJSONString(b, scratch)
	}
}

// rawJSONFormatter embeds the text of a JSON column as JSON (not as a string
// holding JSON); text that is not valid JSON stays a string.
func rawJSONFormatter(arr arrow.Array) appendJSONFn {
	app := textAppender(arr)
	var scratch []byte
	return func(b []byte, i int) []byte {
		scratch = app(scratch[:0], i)
		if json.Valid(scratch) {
			return append(b, scratch...)
		}
		return appendJSONString(b, scratch)
	}
}

// MetaSQLType is the field metadata key under which the catalog records a
// column's declared SQL type (catalog.MetaSQLType; repeated here so that
// the front ends do not depend on the catalog).
const MetaSQLType = "genevasql:sql_type"

// isJSONField says whether a result column was declared JSON.
func isJSONField(f arrow.Field) bool {
	if v, ok := f.Metadata.GetValue(MetaSQLType); ok {
		return strings.EqualFold(v, "json")
	}
	return false
}

func listJSON(values arrow.Array, bounds func(i int) (int, int)) appendJSONFn {
	elem := jsonFormatter(values)
	return func(b []byte, i int) []byte {
		s, e := bounds(i)
		b = append(b, '[')
		for j := s; j < e; j++ {
			if j > s {
				b = append(b, ',')
			}
			if values.IsNull(j) {
				b = append(b, "null"...)
			} else {
				b = elem(b, j)
			}
		}
		return append(b, ']')
	}
}

func appendBase64(b, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD
// so that the output always parses.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// isNumeric says whether a column is right-aligned in tables, as the mysql
// client does for numbers.
func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	case arrow.EXTENSION:
		return isNumeric(t.(arrow.ExtensionType).StorageType())
	}
	return false
}
