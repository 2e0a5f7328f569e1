package udf

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/functions"
)

// Fast paths for the most common Scalar signatures: one or two parameters of
// type int64, float64, string or bool (no pointers), any of those results,
// optionally with an error. They call the Go func directly instead of through
// reflect (about 10x faster per row). Anything else, or arrays of other
// types (WithArgTypes/WithReturnType overrides), takes the reflect path.

// fastRunner computes a batch; handled=false means "use the reflect path".
type fastRunner func(s *scalarSig, ec *functions.EvalContext, args []arrow.Array, nrows int, tolerant bool) (out arrow.Array, rows []RowError, err error, handled bool)

type fastT interface {
	int64 | float64 | string | bool
}

func pickFast(fn any) fastRunner {
	switch f := fn.(type) {
	case func(int64) int64:
		return fast1(noErr1(f))
	case func(int64) (int64, error):
		return fast1(f)
	case func(int64) float64:
		return fast1(noErr1(f))
	case func(int64) (float64, error):
		return fast1(f)
	case func(int64) string:
		return fast1(noErr1(f))
	case func(int64) (string, error):
		return fast1(f)
	case func(int64) bool:
		return fast1(noErr1(f))
	case func(int64) (bool, error):
		return fast1(f)
	case func(float64) int64:
		return fast1(noErr1(f))
	case func(float64) (int64, error):
		return fast1(f)
	case func(float64) float64:
		return fast1(noErr1(f))
	case func(float64) (float64, error):
		return fast1(f)
	case func(float64) string:
		return fast1(noErr1(f))
	case func(float64) (string, error):
		return fast1(f)
	case func(float64) bool:
		return fast1(noErr1(f))
	case func(float64) (bool, error):
		return fast1(f)
	case func(string) int64:
		return fast1(noErr1(f))
	case func(string) (int64, error):
		return fast1(f)
	case func(string) float64:
		return fast1(noErr1(f))
	case func(string) (float64, error):
		return fast1(f)
	case func(string) string:
		return fast1(noErr1(f))
	case func(string) (string, error):
		return fast1(f)
	case func(string) bool:
		return fast1(noErr1(f))
	case func(string) (bool, error):
		return fast1(f)
	case func(bool) int64:
		return fast1(noErr1(f))
	case func(bool) (int64, error):
		return fast1(f)
	case func(bool) float64:
		return fast1(noErr1(f))
	case func(bool) (float64, error):
		return fast1(f)
	case func(bool) string:
		return fast1(noErr1(f))
	case func(bool) (string, error):
		return fast1(f)
	case func(bool) bool:
		return fast1(noErr1(f))
	case func(bool) (bool, error):
		return fast1(f)
	case func(int64, int64) int64:
		return fast2(noErr2(f))
	case func(int64, int64) (int64, error):
		return fast2(f)
	case func(int64, int64) float64:
		return fast2(noErr2(f))
	case func(int64, int64) (float64, error):
		return fast2(f)
	case func(int64, int64) string:
		return fast2(noErr2(f))
	case func(int64, int64) (string, error):
		return fast2(f)
	case func(int64, int64) bool:
		return fast2(noErr2(f))
	case func(int64, int64) (bool, error):
		return fast2(f)
	case func(int64, float64) int64:
		return fast2(noErr2(f))
	case func(int64, float64) (int64, error):
		return fast2(f)
	case func(int64, float64) float64:
		return fast2(noErr2(f))
	case func(int64, float64) (float64, error):
		return fast2(f)
	case func(int64, float64) string:
		return fast2(noErr2(f))
	case func(int64, float64) (string, error):
		return fast2(f)
	case func(int64, float64) bool:
		return fast2(noErr2(f))
	case func(int64, float64) (bool, error):
		return fast2(f)
	case func(int64, string) int64:
		return fast2(noErr2(f))
	case func(int64, string) (int64, error):
		return fast2(f)
	case func(int64, string) float64:
		return fast2(noErr2(f))
	case func(int64, string) (float64, error):
		return fast2(f)
	case func(int64, string) string:
		return fast2(noErr2(f))
	case func(int64, string) (string, error):
		return fast2(f)
	case func(int64, string) bool:
		return fast2(noErr2(f))
	case func(int64, string) (bool, error):
		return fast2(f)
	case func(float64, int64) int64:
		return fast2(noErr2(f))
	case func(float64, int64) (int64, error):
		return fast2(f)
	case func(float64, int64) float64:
		return fast2(noErr2(f))
	case func(float64, int64) (float64, error):
		return fast2(f)
	case func(float64, int64) string:
		return fast2(noErr2(f))
	case func(float64, int64) (string, error):
		return fast2(f)
	case func(float64, int64) bool:
		return fast2(noErr2(f))
	case func(float64, int64) (bool, error):
		return fast2(f)
	case func(float64, float64) int64:
		return fast2(noErr2(f))
	case func(float64, float64) (int64, error):
		return fast2(f)
	case func(float64, float64) float64:
		return fast2(noErr2(f))
	case func(float64, float64) (float64, error):
		return fast2(f)
	case func(float64, float64) string:
		return fast2(noErr2(f))
	case func(float64, float64) (string, error):
		return fast2(f)
	case func(float64, float64) bool:
		return fast2(noErr2(f))
	case func(float64, float64) (bool, error):
		return fast2(f)
	case func(float64, string) int64:
		return fast2(noErr2(f))
	case func(float64, string) (int64, error):
		return fast2(f)
	case func(float64, string) float64:
		return fast2(noErr2(f))
	case func(float64, string) (float64, error):
		return fast2(f)
	case func(float64, string) string:
		return fast2(noErr2(f))
	case func(float64, string) (string, error):
		return fast2(f)
	case func(float64, string) bool:
		return fast2(noErr2(f))
	case func(float64, string) (bool, error):
		return fast2(f)
	case func(string, int64) int64:
		return fast2(noErr2(f))
	case func(string, int64) (int64, error):
		return fast2(f)
	case func(string, int64) float64:
		return fast2(noErr2(f))
	case func(string, int64) (float64, error):
		return fast2(f)
	case func(string, int64) string:
		return fast2(noErr2(f))
	case func(string, int64) (string, error):
		return fast2(f)
	case func(string, int64) bool:
		return fast2(noErr2(f))
	case func(string, int64) (bool, error):
		return fast2(f)
	case func(string, float64) int64:
		return fast2(noErr2(f))
	case func(string, float64) (int64, error):
		return fast2(f)
	case func(string, float64) float64:
		return fast2(noErr2(f))
	case func(string, float64) (float64, error):
		return fast2(f)
	case func(string, float64) string:
		return fast2(noErr2(f))
	case func(string, float64) (string, error):
		return fast2(f)
	case func(string, float64) bool:
		return fast2(noErr2(f))
	case func(string, float64) (bool, error):
		return fast2(f)
	case func(string, string) int64:
		return fast2(noErr2(f))
	case func(string, string) (int64, error):
		return fast2(f)
	case func(string, string) float64:
		return fast2(noErr2(f))
	case func(string, string) (float64, error):
		return fast2(f)
	case func(string, string) string:
		return fast2(noErr2(f))
	case func(string, string) (string, error):
		return fast2(f)
	case func(string, string) bool:
		return fast2(noErr2(f))
	case func(string, string) (bool, error):
		return fast2(f)
	}
	return nil
}

func noErr1[A, R fastT](f func(A) R) func(A) (R, error) {
	return func(a A) (R, error) { return f(a), nil }
}

func noErr2[A, B, R fastT](f func(A, B) R) func(A, B) (R, error) {
	return func(a A, b B) (R, error) { return f(a, b), nil }
}

// getter returns the typed Value method of a when its Go type is T.
func getter[T fastT](a arrow.Array) func(int) T {
	var g any
	switch arr := a.(type) {
	case *array.Int64:
		g = arr.Value
	case *array.Float64:
		g = arr.Value
	case *array.String:
		g = arr.Value
	case *array.Boolean:
		g = arr.Value
	}
	f, _ := g.(func(int) T)
	return f
}

// putter returns the typed Append method of b when its Go type is T.
func putter[T fastT](b array.Builder) func(T) {
	var p any
	switch bb := b.(type) {
	case *array.Int64Builder:
		p = bb.Append
	case *array.Float64Builder:
		p = bb.Append
	case *array.StringBuilder:
		p = bb.Append
	case *array.BooleanBuilder:
		p = bb.Append
	}
	f, _ := p.(func(T))
	return f
}

func fast1[A, R fastT](f func(A) (R, error)) fastRunner {
	return func(s *scalarSig, ec *functions.EvalContext, args []arrow.Array, nrows int, tolerant bool) (arrow.Array, []RowError, error, bool) {
		get := getter[A](args[0])
		if get == nil {
			return nil, nil, nil, false
		}
		a0 := args[0]
		return runFast(s, ec, nrows, tolerant, func(b array.Builder) func(r int) (bool, error) {
			put := putter[R](b)
			if put == nil {
				return nil
			}
			return func(r int) (bool, error) {
				if a0.IsNull(r) {
					return false, nil
				}
				v, err := f(get(r))
				if err == nil {
					put(v)
				}
				return true, err
			}
		})
	}
}

func fast2[A, B, R fastT](f func(A, B) (R, error)) fastRunner {
	return func(s *scalarSig, ec *functions.EvalContext, args []arrow.Array, nrows int, tolerant bool) (arrow.Array, []RowError, error, bool) {
		getA, getB := getter[A](args[0]), getter[B](args[1])
		if getA == nil || getB == nil {
			return nil, nil, nil, false
		}
		a0, a1 := args[0], args[1]
		return runFast(s, ec, nrows, tolerant, func(b array.Builder) func(r int) (bool, error) {
			put := putter[R](b)
			if put == nil {
				return nil
			}
			return func(r int) (bool, error) {
				if a0.IsNull(r) || a1.IsNull(r) {
					return false, nil
				}
				v, err := f(getA(r), getB(r))
				if err == nil {
					put(v)
				}
				return true, err
			}
		})
	}
}

// runFast drives a row function over the batch. row(r) appends row r's
// value and returns true, or returns false for a NULL input (the caller
// appends NULL), or an error. A panic in the user's func is recovered once
// per panicking row, not paid for on every row.
func runFast(s *scalarSig, ec *functions.EvalContext, nrows int, tolerant bool,
	mk func(b array.Builder) func(r int) (bool, error)) (arrow.Array, []RowError, error, bool) {
	b := array.NewBuilder(mem(ec), s.ret)
	defer b.Release()
	row := mk(b)
	if row == nil {
		return nil, nil, nil, false
	}
	b.Reserve(nrows)
	var rowErrs []RowError
	fail := func(r int, err error) error {
		if !tolerant {
			return err
		}
		rowErrs = append(rowErrs, RowError{Row: r, Msg: errorMessage(err)})
		b.AppendNull()
		return nil
	}
	r := 0
	for r < nrows {
		pv, panicked, err := runRows(row, b, &r, nrows)
		switch {
		case panicked:
			err = panicError(s.name, r, pv)
		case err != nil:
			err = NewError(s.name, -1, r, err, "%v", err)
		default:
			continue
		}
		if err := fail(r, err); err != nil {
			return nil, nil, err, true
		}
		r++
	}
	return b.NewArray(), rowErrs, nil, true
}

// runRows runs rows from *r on; it stops at the first failing row (leaving
// *r on it) with the panic value or the error.
func runRows(row func(int) (bool, error), b array.Builder, r *int, nrows int) (pv any, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			pv, panicked = p, true
		}
	}()
	for ; *r < nrows; *r++ {
		ok, err := row(*r)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			b.AppendNull()
		}
	}
	return nil, false, nil
}
