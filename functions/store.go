package functions

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// ColumnTarget is the table column a written value (INSERT, UPDATE) goes to.
type ColumnTarget struct {
	Name string
	Type arrow.DataType
	// JSON columns hold JSON text: values are checked and stored normalized.
	JSON bool
}

// CastForColumn converts values being written to a column with MySQL's
// strict-mode rules, and names the column and row in errors as MySQL does:
// 1366 (incorrect integer or decimal value), 1265 (data truncated), 1264
// (out of range), 1292 (incorrect date/time value) and 3140 (invalid JSON).
// firstRow is the 1-based row number of src's first row. The caller
// releases the result.
func CastForColumn(ec *EvalContext, src arrow.Array, col ColumnTarget, firstRow int) (arrow.Array, error) {
	if IsNull(src.DataType()) {
		return array.MakeArrayOfNull(ec.mem(), col.Type, src.Len()), nil
	}
	if col.JSON && IsString(col.Type) {
		return storeJSON(ec, src, col, firstRow)
	}
	sec := strictOf(ec)
	out, err := Cast(sec, src, col.Type)
	if err == nil {
		return out, nil
	}
	code := sqlerr.Wrap(err).Code
	if code != sqlerr.ErrTruncatedValue && code != sqlerr.ErrDataOutOfRange && code != ErrIncorrectValue {
		return nil, err
	}
	row := firstBadRow(sec, src, col.Type)
	at := firstRow + row
	if code == sqlerr.ErrDataOutOfRange {
		return nil, sqlerr.New(ErrOutOfRangeColumn, "Out of range value for column '%s' at row %d", col.Name, at)
	}
	val := src.ValueStr(row)
	t := col.Type
	switch {
	case IsSigned(t) || IsUnsigned(t) || IsDecimal(t):
		if IsString(src.DataType()) && hasNumberPrefix(val) {
			return nil, sqlerr.New(ErrDataTruncatedColumn, "Data truncated for column '%s' at row %d", col.Name, at)
		}
		kind := "integer"
		if IsDecimal(t) {
			kind = "decimal"
		}
		return nil, sqlerr.New(ErrIncorrectValue, "Incorrect %s value: '%s' for column '%s' at row %d", kind, val, col.Name, at)
	case IsFloat(t):
		return nil, sqlerr.New(ErrDataTruncatedColumn, "Data truncated for column '%s' at row %d", col.Name, at)
	case t.ID() == arrow.DATE32:
		return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "Incorrect date value: '%s' for column '%s' at row %d", val, col.Name, at)
	case t.ID() == arrow.TIMESTAMP:
		return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "Incorrect datetime value: '%s' for column '%s' at row %d", val, col.Name, at)
	case t.ID() == arrow.TIME64:
		return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "Incorrect time value: '%s' for column '%s' at row %d", val, col.Name, at)
	}
	e := *sqlerr.Wrap(err)
	e.Msg = strings.TrimSuffix(e.Msg, ".") + " for column '" + col.Name + "'"
	return nil, &e
}

// MySQL error numbers of column conversions.
const (
	ErrIncorrectValue      = 1366
	ErrOutOfRangeColumn    = 1264
	ErrDataTruncatedColumn = 1265
	ErrInvalidJSONColumn   = 3140
)

// strictOf is ec in strict mode without warnings: bad values fail.
func strictOf(ec *EvalContext) *EvalContext {
	c := EvalContext{}
	if ec != nil {
		c = *ec
	}
	c.Strict, c.Warn = true, nil
	return &c
}

// firstBadRow finds the first row of src that does not convert to t by
// bisection: about 2n converted rows in all, and only on the error path.
func firstBadRow(ec *EvalContext, src arrow.Array, t arrow.DataType) int {
	lo, hi := 0, src.Len() // the first failure is in [lo, hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		part := array.NewSlice(src, int64(lo), int64(mid))
		out, err := Cast(ec, part, t)
		part.Release()
		if err != nil {
			hi = mid
			continue
		}
		out.Release()
		lo = mid
	}
	return lo
}

// hasNumberPrefix reports whether s starts (after spaces) with a number,
// so that a conversion truncated it rather than found no number at all.
func hasNumberPrefix(s string) bool {
	s = strings.TrimLeft(s, " \t\n\r")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
	}
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// storeJSON checks and normalizes JSON text for a JSON column; other
// values (numbers, booleans) become JSON scalars as CAST(… AS JSON) does.
func storeJSON(ec *EvalContext, src arrow.Array, col ColumnTarget, firstRow int) (arrow.Array, error) {
	if !IsString(src.DataType()) {
		b, err := castJSONResolver([]arrow.DataType{src.DataType()})
		if err != nil {
			return nil, err
		}
		in := src
		if !arrow.TypeEqual(src.DataType(), b.ArgTypes[0]) {
			if in, err = Cast(strictOf(ec), src, b.ArgTypes[0]); err != nil {
				return nil, err
			}
			defer in.Release()
		}
		return b.Kernel(ec, []arrow.Array{in}, in.Len())
	}
	sv := StringsOf(src)
	var ferr error
	var buf bytes.Buffer
	res := StringKernel(ec, []arrow.Array{src}, src.Len(), func(i int) (string, bool) {
		if ferr != nil {
			return "", false
		}
		text := sv.Get(i)
		v, err := parseJSON(text)
		if err != nil {
			ferr = sqlerr.New(ErrInvalidJSONColumn, "Invalid JSON text: %q at position %d in value for column '%s' at row %d.",
				jsonErrReason(err), jsonErrPos(err, text), col.Name, firstRow+i)
			return "", false
		}
		buf.Reset()
		WriteJSON(&buf, v)
		return buf.String(), true
	})
	if ferr != nil {
		res.Release()
		return nil, ferr
	}
	return res, nil
}

// jsonErrReason is a decoder error without Go's "json: " prefix.
func jsonErrReason(err error) string {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se.Msg
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "The document is empty or ends too early."
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonErrPos is the byte offset the decoder stopped at.
func jsonErrPos(err error, text string) int {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return max(int(se.Offset)-1, 0)
	}
	return len(text)
}
