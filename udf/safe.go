package udf

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
)

// safeInstance guards a user instance: panics become errors naming the
// function, and a result of the wrong length or type is rejected (and
// released) instead of corrupting the batch downstream.
type safeInstance struct {
	name string
	ret  arrow.DataType
	in   functions.Instance
}

func wrapInstance(name string, ret arrow.DataType, in functions.Instance) functions.Instance {
	if s, ok := in.(*safeInstance); ok {
		return s
	}
	s := &safeInstance{name: name, ret: ret, in: in}
	if _, ok := in.(RowTolerant); ok {
		return &safeRowInstance{s}
	}
	return s
}

func (s *safeInstance) ReturnType() arrow.DataType { return s.ret }

// Unwrap returns the user's instance (to reach optional methods such as an
// external program's Stderr).
func (s *safeInstance) Unwrap() functions.Instance { return s.in }

func (s *safeInstance) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (out arrow.Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			if out != nil {
				out.Release()
			}
			out, err = nil, panicError(s.name, -1, r)
		}
	}()
	out, err = s.in.Call(ec, args, nrows)
	if err != nil {
		if out != nil {
			out.Release()
		}
		return nil, s.wrapErr(err)
	}
	return s.check(ec, out, nrows)
}

func (s *safeInstance) check(ec *functions.EvalContext, out arrow.Array, nrows int) (arrow.Array, error) {
	if out == nil {
		return nil, NewError(s.name, -1, -1, nil, "returned no result")
	}
	if out.Len() != nrows {
		n := out.Len()
		out.Release()
		return nil, NewError(s.name, -1, -1, nil, "returned %d rows for %d input rows", n, nrows)
	}
	if !arrow.TypeEqual(out.DataType(), s.ret) && out.DataType().ID() != arrow.NULL {
		t := out.DataType()
		out.Release()
		return nil, NewError(s.name, -1, -1, nil, "returned type %s, declared %s", TypeName(t), TypeName(s.ret))
	}
	if out.DataType().ID() == arrow.NULL && s.ret.ID() != arrow.NULL {
		// An all-NULL answer of Arrow's null type: give it the declared type.
		n := out.Len()
		out.Release()
		return nullArray(mem(ec), s.ret, n), nil
	}
	return out, nil
}

// wrapErr makes sure an error names the function.
func (s *safeInstance) wrapErr(err error) error {
	var fe *FuncError
	if asFuncError(err, &fe) {
		return err
	}
	if isCtxErr(err) {
		return err
	}
	return NewError(s.name, -1, -1, err, "%v", err)
}

func (s *safeInstance) Close() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(s.name, -1, r)
		}
	}()
	return s.in.Close()
}

// safeRowInstance also passes CallRows through.
type safeRowInstance struct{ *safeInstance }

func (s *safeRowInstance) CallRows(ec *functions.EvalContext, args []arrow.Array, nrows int) (out arrow.Array, rows []RowError, err error) {
	defer func() {
		if r := recover(); r != nil {
			if out != nil {
				out.Release()
			}
			out, rows, err = nil, nil, panicError(s.name, -1, r)
		}
	}()
	out, rows, err = s.in.(RowTolerant).CallRows(ec, args, nrows)
	if err != nil {
		if out != nil {
			out.Release()
		}
		return nil, nil, s.wrapErr(err)
	}
	out, err = s.check(ec, out, nrows)
	if err != nil {
		return nil, nil, err
	}
	return out, rows, nil
}
