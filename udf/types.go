package udf

import (
	"context"
	"errors"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// TypeName names an Arrow type the way SQL users write it, as the
// built-ins do in SHOW FUNCTIONS (BIGINT, VARCHAR, VECTOR(3), …).
func TypeName(dt arrow.DataType) string {
	switch t := dt.(type) {
	case nil:
		return "?"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP"
		}
	case *arrow.ListType:
		if t.Elem().ID() == arrow.FLOAT32 {
			return "VECTOR" // a []float32 parameter: any dimension
		}
	}
	return functions.TypeName(dt)
}

// family groups types between which the planner casts implicitly.
func family(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return "number"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return "binary"
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return "time"
	case arrow.FIXED_SIZE_LIST, arrow.LIST, arrow.LARGE_LIST:
		return "list"
	case arrow.NULL:
		return "null"
	}
	return dt.ID().String()
}

// fits reports whether an argument of type actual can be passed where
// declared is expected (the planner casts it): same type, NULL, numbers to
// numbers, text to anything (MySQL converts strings), anything to text,
// binary and text both ways, dates and times to each other, and vectors of
// the same dimension.
func fits(actual, declared arrow.DataType) bool {
	if arrow.TypeEqual(actual, declared) {
		return true
	}
	fa, fd := family(actual), family(declared)
	switch {
	case fa == "null", fd == "string", fa == "string":
		return true
	case fa == "binary" && fd == "binary":
		return true
	case fa == fd && fa == "number", fa == fd && fa == "time":
		return true
	case fa == "list" && fd == "list":
		la, okA := actual.(*arrow.FixedSizeListType)
		ld, okD := declared.(*arrow.FixedSizeListType)
		if okA && okD {
			return la.Len() == ld.Len()
		}
		return true
	}
	return false
}

// MatchArgs checks that actual argument types can be cast to a function's
// declared ones, with MySQL's error for a wrong count and a clear message
// naming both signatures for a wrong type.
func MatchArgs(name string, declared, actual []arrow.DataType) error {
	if len(declared) != len(actual) {
		return paramCountError(name, len(declared), len(actual))
	}
	for i := range declared {
		if actual[i] == nil || !fits(actual[i], declared[i]) {
			return sqlerr.New(sqlerr.ErrWrongArguments,
				"Incorrect arguments to %s: argument %d is %s but the function takes %s (signature %s)",
				name, i+1, TypeName(actual[i]), TypeName(declared[i]), argList(declared))
		}
	}
	return nil
}

func argList(ts []arrow.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = TypeName(t)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func paramCountError(name string, want, got int) error {
	return sqlerr.New(sqlerr.ErrWrongParamCount,
		"Incorrect parameter count in the call to function '%s': it takes %d argument%s, got %d",
		name, want, plural(want), got)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func nullArray(m memory.Allocator, dt arrow.DataType, n int) arrow.Array {
	return array.MakeArrayOfNull(m, dt, n)
}

func asFuncError(err error, fe **FuncError) bool { return errors.As(err, fe) }

func isCtxErr(err error) bool {
	var se *sqlerr.Error
	if errors.As(err, &se) && se.Code == sqlerr.ErrQueryCanceled {
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
