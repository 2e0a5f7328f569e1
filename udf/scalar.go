package udf

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// anyVector stands for "VECTOR of any dimension" in a []float32
// parameter's declared type; resolution binds the actual dimension.
var anyVector arrow.DataType = arrow.ListOf(arrow.PrimitiveTypes.Float32)

var (
	errType  = reflect.TypeFor[error]()
	timeType = reflect.TypeFor[time.Time]()
	f32Slice = reflect.TypeFor[[]float32]()
	byteType = reflect.TypeFor[[]byte]()
)

// Scalar makes a function from a typed Go func called once per row. fn's
// parameters and result may be int64, int, int32, float64, float32, string,
// []byte, bool, time.Time or []float32 (a VECTOR), or a pointer to one of
// them; fn may also return a second result of type error.
//
// NULLs: a pointer parameter receives nil for NULL; when a non-pointer
// parameter's argument is NULL the row's result is NULL without calling fn
// (SQL's RETURNS NULL ON NULL INPUT). A nil pointer result, a nil []byte and
// a nil []float32 are NULL.
//
// SQL types follow the Go types (int64 → BIGINT, int32 → INT, float32 →
// FLOAT, string → TEXT, []byte → BLOB, time.Time → DATETIME, …). A []float32
// parameter accepts a VECTOR of any dimension; a []float32 result needs
// WithReturnType(Vector(n)). WithArgTypes and WithReturnType override the
// defaults (e.g. TIMESTAMP for a time.Time).
//
// An error returned by fn, or a panic, fails the row (see the error policy).
func Scalar(name string, fn any, opts ...Option) (*functions.Entry, error) {
	c := newConfig(opts)
	fv := reflect.ValueOf(fn)
	if !fv.IsValid() || fv.Kind() != reflect.Func || fv.IsNil() {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "function %s: Scalar needs a Go func, got %T", name, fn)
	}
	ft := fv.Type()
	if ft.IsVariadic() {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "function %s: variadic Go funcs are not supported", name)
	}
	bad := func(format string, args ...any) error {
		return sqlerr.New(sqlerr.ErrWrongArguments, "function %s: %s", name, fmt.Sprintf(format, args...))
	}
	// Result.
	switch {
	case ft.NumOut() == 1 && ft.Out(0) != errType:
	case ft.NumOut() == 2 && ft.Out(1) == errType:
	default:
		return nil, bad("the Go func must return one value, or a value and an error; got %s", ft)
	}
	rt := ft.Out(0)
	ret := c.retType
	if ret == nil {
		var ok bool
		if ret, ok = defaultType(rt); !ok {
			if baseType(rt) == f32Slice {
				return nil, bad("a []float32 result needs WithReturnType(udf.Vector(n)) to give the dimension")
			}
			return nil, bad("unsupported result type %s", rt)
		}
	}
	if !canWrite(rt, ret) {
		return nil, bad("cannot return Go %s as %s", rt, TypeName(ret))
	}
	// Parameters.
	n := ft.NumIn()
	if c.argTypes != nil && len(c.argTypes) != n {
		return nil, bad("WithArgTypes gives %d types for %d parameters", len(c.argTypes), n)
	}
	declared := make([]arrow.DataType, n)
	for i := 0; i < n; i++ {
		pt := ft.In(i)
		if c.argTypes != nil {
			declared[i] = c.argTypes[i]
		} else if t, ok := defaultType(pt); ok {
			declared[i] = t
		} else if baseType(pt) == f32Slice {
			declared[i] = anyVector // any dimension; bound to the actual one
		} else {
			return nil, bad("unsupported parameter type %s (parameter %d)", pt, i+1)
		}
		if !canRead(pt, declared[i]) && !(baseType(pt) == f32Slice && c.argTypes == nil) {
			return nil, bad("cannot pass %s to Go parameter %d of type %s", TypeName(declared[i]), i+1, pt)
		}
	}
	sig := &scalarSig{name: name, fn: fv, ft: ft, ret: ret, hasErr: ft.NumOut() == 2, fast: pickFast(fn)}
	return NewEntry(Def{
		Name: name, Kind: "go", Args: declared, Return: ret,
		Volatility: c.volatility, Version: c.version, Description: c.description, Policy: c.policy,
		Cheap: true,
		Bind: func(actual []arrow.DataType) ([]arrow.DataType, func(context.Context) (functions.Instance, error), error) {
			args := make([]arrow.DataType, n)
			for i := range declared {
				args[i] = declared[i]
				pt := ft.In(i)
				// Adapt flexible parameters to what the caller has, to avoid a cast.
				if c.argTypes == nil {
					switch baseType(pt) {
					case f32Slice:
						if l, ok := actual[i].(*arrow.FixedSizeListType); ok && l.Elem().ID() == arrow.FLOAT32 {
							args[i] = actual[i]
						} else {
							return nil, nil, sqlerr.New(sqlerr.ErrWrongArguments,
								"Incorrect arguments to %s: argument %d is %s but the function takes a vector",
								name, i+1, TypeName(actual[i]))
						}
						continue
					case timeType:
						if actual[i].ID() == arrow.TIMESTAMP {
							args[i] = actual[i]
						}
					}
				}
			}
			for i := range args {
				if actual[i] == nil || !fits(actual[i], args[i]) {
					return nil, nil, MatchArgs(name, args, actual)
				}
			}
			return args, func(context.Context) (functions.Instance, error) {
				return &scalarInstance{sig: sig, argTypes: args}, nil
			}, nil
		},
	})
}

// baseType strips one pointer.
func baseType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

func defaultType(t reflect.Type) (arrow.DataType, bool) {
	b := baseType(t)
	switch b {
	case timeType:
		return Datetime, true
	case byteType:
		return arrow.BinaryTypes.Binary, true
	}
	switch b.Kind() {
	case reflect.Int64, reflect.Int:
		return arrow.PrimitiveTypes.Int64, true
	case reflect.Int32:
		return arrow.PrimitiveTypes.Int32, true
	case reflect.Float64:
		return arrow.PrimitiveTypes.Float64, true
	case reflect.Float32:
		return arrow.PrimitiveTypes.Float32, true
	case reflect.String:
		return arrow.BinaryTypes.String, true
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean, true
	}
	return nil, false
}

// canRead reports whether values of dt can be read into Go type t.
func canRead(t reflect.Type, dt arrow.DataType) bool {
	b := baseType(t)
	switch b {
	case timeType:
		return dt.ID() == arrow.TIMESTAMP || dt.ID() == arrow.DATE32
	case byteType:
		return dt.ID() == arrow.BINARY || dt.ID() == arrow.STRING
	case f32Slice:
		if l, ok := dt.(arrow.ListLikeType); ok {
			return l.Elem().ID() == arrow.FLOAT32
		}
		return false
	}
	switch b.Kind() {
	case reflect.Int64, reflect.Int, reflect.Int32:
		return functionsIsSigned(dt)
	case reflect.Float64, reflect.Float32:
		return dt.ID() == arrow.FLOAT64 || dt.ID() == arrow.FLOAT32
	case reflect.String:
		return dt.ID() == arrow.STRING || dt.ID() == arrow.BINARY
	case reflect.Bool:
		return dt.ID() == arrow.BOOL
	}
	return false
}

// canWrite reports whether Go values of type t can be stored as dt.
func canWrite(t reflect.Type, dt arrow.DataType) bool {
	b := baseType(t)
	if b == f32Slice {
		l, ok := dt.(*arrow.FixedSizeListType)
		return ok && l.Elem().ID() == arrow.FLOAT32 && l.Len() > 0
	}
	return canRead(t, dt)
}

func functionsIsSigned(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

// scalarSig is what every instance of one Scalar function shares.
type scalarSig struct {
	name   string
	fn     reflect.Value
	ft     reflect.Type
	ret    arrow.DataType
	hasErr bool
	fast   fastRunner // nil: reflect only
}

// scalarInstance calls the Go func row by row. It is stateless, so the
// Kernel makes one per call.
type scalarInstance struct {
	sig      *scalarSig
	argTypes []arrow.DataType
}

func (s *scalarInstance) ReturnType() arrow.DataType { return s.sig.ret }
func (s *scalarInstance) Close() error               { return nil }

func (s *scalarInstance) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	out, _, err := s.run(ec, args, nrows, false)
	return out, err
}

func (s *scalarInstance) CallRows(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, []RowError, error) {
	return s.run(ec, args, nrows, true)
}

// run calls the func on every row. With tolerant, a failing row (error or
// panic) becomes NULL and is reported; otherwise the first failure ends the
// call.
func (s *scalarInstance) run(ec *functions.EvalContext, args []arrow.Array, nrows int, tolerant bool) (arrow.Array, []RowError, error) {
	sig := s.sig
	if len(args) != sig.ft.NumIn() {
		return nil, nil, NewError(sig.name, -1, -1, nil, "called with %d arguments, takes %d", len(args), sig.ft.NumIn())
	}
	if sig.fast != nil {
		if out, rows, err, ok := sig.fast(sig, ec, args, nrows, tolerant); ok {
			return out, rows, err
		}
	}
	readers := make([]argReader, len(args))
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		r, err := newArgReader(sig.ft.In(i), a)
		if err != nil {
			return nil, nil, NewError(sig.name, -1, -1, err, "argument %d: %v", i+1, err)
		}
		readers[i] = r
	}
	b := array.NewBuilder(mem(ec), sig.ret)
	defer b.Release()
	b.Reserve(nrows)
	w, err := newResultWriter(sig.ft.Out(0), b)
	if err != nil {
		return nil, nil, NewError(sig.name, -1, -1, err, "%v", err)
	}
	var rowErrs []RowError
	for r := 0; r < nrows; r++ {
		null := false
		for i, rd := range readers {
			v, isNull := rd(r)
			if isNull {
				null = true
				break
			}
			in[i] = v
		}
		if null {
			b.AppendNull()
			continue
		}
		res, err := s.callOne(in, r)
		if err == nil {
			err = w(res)
		}
		if err != nil {
			if !tolerant {
				return nil, nil, err
			}
			rowErrs = append(rowErrs, RowError{Row: r, Msg: errorMessage(err)})
			b.AppendNull()
		}
	}
	return b.NewArray(), rowErrs, nil
}

// callOne calls the func on one row, turning an error result or a panic into
// an error naming the function and the row.
func (s *scalarInstance) callOne(in []reflect.Value, row int) (res reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(s.sig.name, row, p)
		}
	}()
	out := s.sig.fn.Call(in)
	if s.sig.hasErr && !out[1].IsNil() {
		e := out[1].Interface().(error)
		return reflect.Value{}, NewError(s.sig.name, -1, row, e, "%v", e)
	}
	return out[0], nil
}

// argReader returns row r's value as the Go parameter type. isNull is set
// only for a NULL passed to a non-pointer parameter (a pointer gets nil).
type argReader func(r int) (v reflect.Value, isNull bool)

func newArgReader(pt reflect.Type, a arrow.Array) (argReader, error) {
	ptr := pt.Kind() == reflect.Pointer
	bt := baseType(pt)
	get, err := valueGetter(bt, a)
	if err != nil {
		return nil, err
	}
	if !ptr {
		return func(r int) (reflect.Value, bool) {
			if a.IsNull(r) {
				return reflect.Value{}, true
			}
			return get(r), false
		}, nil
	}
	nilPtr := reflect.Zero(pt)
	return func(r int) (reflect.Value, bool) {
		if a.IsNull(r) {
			return nilPtr, false
		}
		p := reflect.New(bt)
		p.Elem().Set(get(r))
		return p, false
	}, nil
}

// valueGetter reads row r of a as a reflect.Value of Go type bt.
func valueGetter(bt reflect.Type, a arrow.Array) (func(r int) reflect.Value, error) {
	switch bt {
	case timeType:
		switch arr := a.(type) {
		case *array.Timestamp:
			unit := arr.DataType().(*arrow.TimestampType).Unit
			return func(r int) reflect.Value { return reflect.ValueOf(arr.Value(r).ToTime(unit)) }, nil
		case *array.Date32:
			return func(r int) reflect.Value { return reflect.ValueOf(arr.Value(r).ToTime()) }, nil
		}
	case byteType:
		switch arr := a.(type) {
		case *array.Binary:
			return func(r int) reflect.Value { return reflect.ValueOf(append([]byte(nil), arr.Value(r)...)) }, nil
		case *array.String:
			return func(r int) reflect.Value { return reflect.ValueOf([]byte(arr.Value(r))) }, nil
		}
	case f32Slice:
		if arr, ok := a.(*array.FixedSizeList); ok {
			vals, ok := arr.ListValues().(*array.Float32)
			if ok {
				fv := vals.Float32Values()
				return func(r int) reflect.Value {
					start, end := arr.ValueOffsets(r)
					return reflect.ValueOf(append([]float32(nil), fv[start:end]...))
				}, nil
			}
		}
	}
	conv := func(v reflect.Value) reflect.Value {
		if v.Type() != bt {
			return v.Convert(bt)
		}
		return v
	}
	switch bt.Kind() {
	case reflect.Int64, reflect.Int, reflect.Int32:
		var get func(r int) int64
		switch arr := a.(type) {
		case *array.Int64:
			get = func(r int) int64 { return arr.Value(r) }
		case *array.Int32:
			get = func(r int) int64 { return int64(arr.Value(r)) }
		case *array.Int16:
			get = func(r int) int64 { return int64(arr.Value(r)) }
		case *array.Int8:
			get = func(r int) int64 { return int64(arr.Value(r)) }
		}
		if get != nil {
			return func(r int) reflect.Value {
				v := reflect.New(bt).Elem()
				v.SetInt(get(r))
				return v
			}, nil
		}
	case reflect.Float64, reflect.Float32:
		switch arr := a.(type) {
		case *array.Float64:
			return func(r int) reflect.Value {
				v := reflect.New(bt).Elem()
				v.SetFloat(arr.Value(r))
				return v
			}, nil
		case *array.Float32:
			return func(r int) reflect.Value {
				v := reflect.New(bt).Elem()
				v.SetFloat(float64(arr.Value(r)))
				return v
			}, nil
		}
	case reflect.String:
		switch arr := a.(type) {
		case *array.String:
			return func(r int) reflect.Value { return conv(reflect.ValueOf(arr.Value(r))) }, nil
		case *array.Binary:
			return func(r int) reflect.Value { return conv(reflect.ValueOf(string(arr.Value(r)))) }, nil
		}
	case reflect.Bool:
		if arr, ok := a.(*array.Boolean); ok {
			return func(r int) reflect.Value { return conv(reflect.ValueOf(arr.Value(r))) }, nil
		}
	}
	return nil, fmt.Errorf("cannot read %s as Go %s", TypeName(a.DataType()), bt)
}

// newResultWriter appends a Go result of type rt to b (whose type was
// checked by canWrite).
func newResultWriter(rt reflect.Type, b array.Builder) (func(v reflect.Value) error, error) {
	ptr := rt.Kind() == reflect.Pointer
	bt := baseType(rt)
	put, err := valuePutter(bt, b)
	if err != nil {
		return nil, err
	}
	nilable := ptr || bt == byteType || bt == f32Slice
	return func(v reflect.Value) error {
		if nilable && v.IsNil() {
			b.AppendNull()
			return nil
		}
		if ptr {
			v = v.Elem()
		}
		return put(v)
	}, nil
}

func valuePutter(bt reflect.Type, b array.Builder) (func(v reflect.Value) error, error) {
	switch bb := b.(type) {
	case *array.Int64Builder:
		return func(v reflect.Value) error { bb.Append(v.Int()); return nil }, nil
	case *array.Int32Builder:
		return func(v reflect.Value) error {
			x := v.Int()
			if int64(int32(x)) != x {
				return fmt.Errorf("result %d is out of range for INT", x)
			}
			bb.Append(int32(x))
			return nil
		}, nil
	case *array.Int16Builder:
		return func(v reflect.Value) error {
			x := v.Int()
			if int64(int16(x)) != x {
				return fmt.Errorf("result %d is out of range for SMALLINT", x)
			}
			bb.Append(int16(x))
			return nil
		}, nil
	case *array.Int8Builder:
		return func(v reflect.Value) error {
			x := v.Int()
			if int64(int8(x)) != x {
				return fmt.Errorf("result %d is out of range for TINYINT", x)
			}
			bb.Append(int8(x))
			return nil
		}, nil
	case *array.Float64Builder:
		return func(v reflect.Value) error { bb.Append(v.Float()); return nil }, nil
	case *array.Float32Builder:
		return func(v reflect.Value) error { bb.Append(float32(v.Float())); return nil }, nil
	case *array.StringBuilder:
		if bt == byteType {
			return func(v reflect.Value) error { bb.BinaryBuilder.Append(v.Bytes()); return nil }, nil
		}
		return func(v reflect.Value) error { bb.Append(v.String()); return nil }, nil
	case *array.BinaryBuilder:
		if bt == byteType {
			return func(v reflect.Value) error { bb.Append(v.Bytes()); return nil }, nil
		}
		return func(v reflect.Value) error { bb.AppendString(v.String()); return nil }, nil
	case *array.BooleanBuilder:
		return func(v reflect.Value) error { bb.Append(v.Bool()); return nil }, nil
	case *array.TimestampBuilder:
		unit := bb.Type().(*arrow.TimestampType).Unit
		return func(v reflect.Value) error {
			ts, err := arrow.TimestampFromTime(v.Interface().(time.Time), unit)
			if err != nil {
				return err
			}
			bb.Append(ts)
			return nil
		}, nil
	case *array.Date32Builder:
		return func(v reflect.Value) error { bb.Append(arrow.Date32FromTime(v.Interface().(time.Time))); return nil }, nil
	case *array.FixedSizeListBuilder:
		n := int(bb.Type().(*arrow.FixedSizeListType).Len())
		vb := bb.ValueBuilder().(*array.Float32Builder)
		return func(v reflect.Value) error {
			xs := v.Interface().([]float32)
			if len(xs) != n {
				return fmt.Errorf("result vector has %d dimensions, declared %d", len(xs), n)
			}
			bb.Append(true)
			vb.AppendValues(xs, nil)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("cannot build %s results", TypeName(b.Type()))
}
