package expr

import (
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

func mem(ec *functions.EvalContext) memory.Allocator {
	if ec != nil && ec.Mem != nil {
		return ec.Mem
	}
	return memory.DefaultAllocator
}

// ColumnRef reads column Index of the input batch.
type ColumnRef struct {
	Index int
	Name  string
	T     arrow.DataType
}

func (c *ColumnRef) Type() arrow.DataType { return c.T }
func (c *ColumnRef) String() string {
	if c.Name != "" {
		return fmt.Sprintf("%s#%d", c.Name, c.Index)
	}
	return fmt.Sprintf("#%d", c.Index)
}

func (c *ColumnRef) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	if c.Index < 0 || c.Index >= int(batch.NumCols()) {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: column %s out of range (batch has %d columns)", c, batch.NumCols())
	}
	col := batch.Column(c.Index)
	col.Retain()
	return col, nil
}

// Literal is a constant broadcast to the batch's row count.
type Literal struct {
	Value scalar.Scalar
}

// NewNull returns a NULL literal of type t.
func NewNull(t arrow.DataType) *Literal { return &Literal{Value: scalar.MakeNullScalar(t)} }

func (l *Literal) Type() arrow.DataType { return l.Value.DataType() }
func (l *Literal) String() string       { return FormatScalar(l.Value) }

func (l *Literal) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	return Broadcast(ec, l.Value, int(batch.NumRows()))
}

// Broadcast makes an array of n copies of s.
func Broadcast(ec *functions.EvalContext, s scalar.Scalar, n int) (arrow.Array, error) {
	if !s.IsValid() {
		return scalar.MakeArrayOfNull(s.DataType(), n, mem(ec)), nil
	}
	return scalar.MakeArrayFromScalar(s, n, mem(ec))
}

// FormatScalar renders a constant the way SQL would write it.
func FormatScalar(s scalar.Scalar) string {
	if s == nil || !s.IsValid() {
		return "NULL"
	}
	switch v := s.(type) {
	case *scalar.String:
		return "'" + strings.ReplaceAll(v.String(), "'", "''") + "'"
	case *scalar.Binary:
		return fmt.Sprintf("x'%x'", v.Data())
	case *scalar.Boolean:
		if v.Value {
			return "TRUE"
		}
		return "FALSE"
	}
	return s.String()
}

// Call applies a bound scalar function. Arguments must already have the
// types in Fn.ArgTypes (the planner inserts Cast nodes).
type Call struct {
	Fn   *functions.Bound
	Args []Expr

	mu   sync.Mutex
	inst functions.Instance
}

// NewCall builds a call, casting arguments whose type differs from the
// function's declared argument types.
func NewCall(fn *functions.Bound, args []Expr) *Call {
	cargs := make([]Expr, len(args))
	for i, a := range args {
		cargs[i] = a
		if i < len(fn.ArgTypes) && fn.ArgTypes[i] != nil && !arrow.TypeEqual(a.Type(), fn.ArgTypes[i]) {
			cargs[i] = NewCast(a, fn.ArgTypes[i])
		}
	}
	return &Call{Fn: fn, Args: cargs}
}

func (c *Call) Type() arrow.DataType { return c.Fn.ReturnType }

func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return c.Fn.Name + "(" + strings.Join(parts, ", ") + ")"
}

func (c *Call) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (out arrow.Array, err error) {
	args := make([]arrow.Array, len(c.Args))
	defer func() {
		for _, a := range args {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range c.Args {
		if args[i], err = a.Eval(ec, batch); err != nil {
			return nil, err
		}
	}
	n := int(batch.NumRows())
	defer func() {
		// A kernel bug must not crash the process: report it as an error.
		if r := recover(); r != nil {
			out, err = nil, sqlerr.New(sqlerr.ErrUnknownSystem, "function %s failed: %v", c.Fn.Name, r)
		}
	}()
	if c.Fn.NewInstance != nil {
		// Stateful and user functions: one instance per Call node, so one per
		// plan (per statement, or per job worker).
		inst, ierr := c.instance(ec)
		if ierr != nil {
			return nil, ierr
		}
		out, err = inst.Call(withRowAddrs(ec, batch), args, n)
	} else if c.Fn.Kernel != nil {
		out, err = c.Fn.Kernel(ec, args, n)
	} else {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "function %s has no implementation", c.Fn.Name)
	}
	if err != nil {
		return nil, err
	}
	if out.Len() != n {
		l := out.Len()
		out.Release()
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "function %s returned %d rows for %d", c.Fn.Name, l, n)
	}
	return out, nil
}

// instance creates the stateful function's instance on first use.
func (c *Call) instance(ec *functions.EvalContext) (functions.Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inst != nil {
		return c.inst, nil
	}
	inst, err := c.Fn.NewInstance(ec.Ctx)
	if err != nil {
		return nil, err
	}
	c.inst = inst
	return inst, nil
}

// Close releases stateful function instances held by e and its children.
func Close(e Expr) error {
	var first error
	Walk(e, func(x Expr) {
		if c, ok := x.(*Call); ok {
			c.mu.Lock()
			if c.inst != nil {
				if err := c.inst.Close(); err != nil && first == nil {
					first = err
				}
				c.inst = nil
			}
			c.mu.Unlock()
		}
	})
	return first
}

// Walk calls fn on e and every sub-expression.
func Walk(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Cast:
		Walk(x.Arg, fn)
	case *StoreCast:
		Walk(x.Arg, fn)
	}
}

// CastFunc converts an array to another type with MySQL's rules (strict
// or not per ec.Strict). It is a variable so tests can observe casts.
var CastFunc = functions.Cast

// Cast converts its argument to type To.
type Cast struct {
	Arg Expr
	To  arrow.DataType
}

// NewCast returns Arg cast to to (Arg itself when the types already match).
func NewCast(arg Expr, to arrow.DataType) Expr {
	if arrow.TypeEqual(arg.Type(), to) {
		return arg
	}
	return &Cast{Arg: arg, To: to}
}

func (c *Cast) Type() arrow.DataType { return c.To }
func (c *Cast) String() string       { return fmt.Sprintf("CAST(%s AS %s)", c.Arg, c.To) }

func (c *Cast) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (out arrow.Array, err error) {
	in, err := c.Arg.Eval(ec, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	if arrow.TypeEqual(in.DataType(), c.To) {
		in.Retain()
		return in, nil
	}
	if in.DataType().ID() == arrow.NULL {
		return scalar.MakeArrayOfNull(c.To, in.Len(), mem(ec)), nil
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cast to %s failed: %v", c.To, r)
		}
	}()
	return CastFunc(ec, in, c.To)
}

// EvalScalar evaluates an expression that uses no columns (a constant
// expression) to a single value.
func EvalScalar(ec *functions.EvalContext, e Expr) (scalar.Scalar, error) {
	batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer batch.Release()
	arr, err := e.Eval(ec, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	return scalar.GetScalar(arr, 0)
}

// withRowAddrs lets a function's error policy name the row address of a
// failed row when the batch carries one (a _rowaddr column).
func withRowAddrs(ec *functions.EvalContext, batch arrow.RecordBatch) *functions.EvalContext {
	if ec == nil || ec.OnRowError == nil {
		return ec
	}
	fields := batch.Schema().Fields()
	for i := len(fields) - 1; i >= 0; i-- {
		if strings.HasSuffix(fields[i].Name, "_rowaddr") {
			if col, ok := batch.Column(i).(*array.Uint64); ok {
				c := *ec
				c.RowAddr = func(row int) (uint64, bool) {
					if row < 0 || row >= col.Len() {
						return 0, false
					}
					return col.Value(row), true
				}
				return &c
			}
		}
	}
	return ec
}
