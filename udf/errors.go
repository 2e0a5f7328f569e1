package udf

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/genevasql/genevasql/sqlerr"
)

// ErrTimeout is the cause of a failure because a function (an external
// program) did not answer in time; errors.Is(err, ErrTimeout) finds it.
var ErrTimeout = errors.New("timed out")

// FuncError is a failure inside a user function. It reaches SQL users wrapped
// in a *sqlerr.Error (code 1105), so errors.As finds it through Unwrap.
type FuncError struct {
	// Func is the function's name.
	Func string
	// Batch is the number of the request to an external program, -1 if none.
	Batch int64
	// Row is the failing row within the call's arguments, -1 for the whole batch.
	Row int
	// Msg says what went wrong.
	Msg string
	// Cause is the underlying error, if any.
	Cause error
}

func (e *FuncError) Error() string {
	var b strings.Builder
	b.WriteString("function ")
	b.WriteString(e.Func)
	if e.Batch >= 0 {
		fmt.Fprintf(&b, ", batch %d", e.Batch)
	}
	if e.Row >= 0 {
		fmt.Fprintf(&b, ", row %d", e.Row)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func (e *FuncError) Unwrap() error { return e.Cause }

// NewError returns a user-facing error for function name at row (-1: the whole
// call). Other packages (udf/external) use it so that every UDF failure has the
// same shape.
func NewError(name string, batch int64, row int, cause error, format string, args ...any) error {
	fe := &FuncError{Func: name, Batch: batch, Row: row, Msg: fmt.Sprintf(format, args...), Cause: cause}
	return &sqlerr.Error{Code: sqlerr.ErrUnknownSystem, Msg: fe.Error(), Cause: fe}
}

// errorMessage is the bare message of err for a per-row report: the FuncError
// text without the function/row prefix when there is one.
func errorMessage(err error) string {
	var fe *FuncError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}

// panicError turns a recovered panic value into an error naming the function,
// with the frames of the panicking code (trimmed) for debugging.
func panicError(name string, row int, v any) error {
	stack := string(debug.Stack())
	// Keep the stack short: enough to find the user's line.
	if len(stack) > 2048 {
		stack = stack[:2048] + "…"
	}
	cause := fmt.Errorf("panic: %v\n%s", v, stack)
	return NewError(name, -1, row, cause, "panic: %v", v)
}
