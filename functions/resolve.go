package functions

import (
	"errors"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// ResolveScalar looks a scalar function up and binds it to argument types,
// turning every failure into a user-facing sqlerr.Error.
func (r *Registry) ResolveScalar(name string, args []arrow.DataType) (*Bound, error) {
	e, ok := r.Lookup(name)
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrNoSuchFunction, "FUNCTION %s does not exist", strings.ToLower(name))
	}
	if e.Scalar == nil {
		if e.Aggregate != nil {
			return nil, sqlerr.New(sqlerr.ErrInvalidGroupFunc, "Invalid use of group function %s", strings.ToLower(name))
		}
		return nil, sqlerr.New(sqlerr.ErrNoSuchFunction, "FUNCTION %s does not exist", strings.ToLower(name))
	}
	b, err := e.Scalar(args)
	if err != nil {
		return nil, userError(name, args, err)
	}
	if b.Name == "" {
		b.Name = strings.ToLower(name)
	}
	return b, nil
}

// ResolveAggregate looks an aggregate up and binds it to argument types.
func (r *Registry) ResolveAggregate(name string, args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
	e, ok := r.Lookup(name)
	if !ok || e.Aggregate == nil {
		return nil, sqlerr.New(sqlerr.ErrNoSuchFunction, "FUNCTION %s does not exist", strings.ToLower(name))
	}
	b, err := e.Aggregate(args, distinct)
	if err != nil {
		return nil, userError(name, args, err)
	}
	return b, nil
}

// IsAggregate reports whether name is an aggregate function in r.
func IsAggregate(r *Registry, name string) bool {
	e, ok := r.Lookup(name)
	return ok && e.Aggregate != nil
}

func userError(name string, args []arrow.DataType, err error) error {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se
	}
	return &sqlerr.Error{Code: sqlerr.ErrWrongArguments, Msg: "Incorrect arguments to " + strings.ToLower(name) + ": " + err.Error(), Cause: err}
}

// Overload is one concrete signature of a function.
type Overload struct {
	Args []arrow.DataType
	// Variadic, if set, lets any number of extra arguments of this type follow Args.
	Variadic arrow.DataType
	// Return is the result type; ReturnFn, if set, computes it from the actual
	// argument types instead (e.g. DECIMAL scale rules).
	Return   arrow.DataType
	ReturnFn func(args []arrow.DataType) arrow.DataType
	Kernel   Kernel
}

// CastCost is the price of an implicit cast from one type to another when
// choosing among overloads; lower is better, -1 means not implicitly castable.
// Exact match is free, widening within a family is cheap, crossing families
// (string to number) is expensive, as in DuckDB.
func CastCost(from, to arrow.DataType) int {
	if arrow.TypeEqual(from, to) {
		return 0
	}
	if IsNull(from) {
		return 1
	}
	if to.ID() == arrow.BOOL {
		switch {
		case IsInteger(from):
			return 2
		case IsFloat(from), IsDecimal(from):
			return 3
		case IsString(from), IsTemporal(from):
			return 10
		}
		return -1
	}
	switch {
	case IsSigned(from) || from.ID() == arrow.BOOL:
		switch {
		case IsSigned(to):
			return 1
		case IsUnsigned(to):
			return 4
		case IsDecimal(to):
			return 3
		case IsFloat(to):
			return 5
		case IsString(to):
			return 20
		}
	case IsUnsigned(from):
		switch {
		case IsUnsigned(to):
			return 1
		case IsSigned(to):
			return 2
		case IsDecimal(to):
			return 3
		case IsFloat(to):
			return 5
		case IsString(to):
			return 20
		}
	case IsDecimal(from):
		switch {
		case IsDecimal(to):
			return 1
		case IsFloat(to):
			return 4
		case IsString(to):
			return 20
		case IsInteger(to):
			return 30
		}
	case IsFloat(from):
		switch {
		case IsFloat(to):
			return 1
		case IsDecimal(to):
			return 25
		case IsString(to):
			return 20
		case IsInteger(to):
			return 30
		}
	case IsString(from):
		switch {
		case IsString(to):
			return 1
		case IsTemporal(to):
			return 6
		case IsFloat(to):
			return 10
		case IsDecimal(to):
			return 12
		case IsInteger(to):
			return 14
		case IsBinary(to):
			return 8
		case IsVector(to):
			return 9
		}
	case IsBinary(from):
		switch {
		case IsBinary(to):
			return 1
		case IsString(to):
			return 5
		}
	case IsTemporal(from):
		switch {
		case from.ID() == arrow.DATE32 && to.ID() == arrow.TIMESTAMP:
			return 2
		case IsTemporal(to):
			return 3
		case IsString(to):
			return 10
		case IsInteger(to):
			return 15
		case IsFloat(to), IsDecimal(to):
			return 16
		}
	case IsVector(from):
		switch {
		case IsVector(to):
			return 2
		case IsString(to):
			return 20
		}
	}
	return -1
}

// MatchOverload picks the overload needing the cheapest implicit casts for
// args. It returns 1582 when no overload has the right arity and 1210 when the
// arity fits but the types do not.
func MatchOverload(name string, overloads []Overload, args []arrow.DataType) (*Overload, []arrow.DataType, error) {
	best, bestCost := -1, 0
	var bestArgs []arrow.DataType
	arityOK := false
	for i := range overloads {
		o := &overloads[i]
		if len(args) < len(o.Args) || (o.Variadic == nil && len(args) != len(o.Args)) {
			continue
		}
		arityOK = true
		want := make([]arrow.DataType, len(args))
		cost := 0
		ok := true
		for j, a := range args {
			w := o.Variadic
			if j < len(o.Args) {
				w = o.Args[j]
			}
			w = concreteFor(w, a)
			c := CastCost(a, w)
			if c < 0 {
				ok = false
				break
			}
			want[j] = w
			cost += c
		}
		if ok && (best < 0 || cost < bestCost) {
			best, bestCost, bestArgs = i, cost, want
		}
	}
	if best < 0 {
		if !arityOK {
			return nil, nil, ErrWrongArgCount(name)
		}
		return nil, nil, ErrWrongArgTypes(name, args)
	}
	return &overloads[best], bestArgs, nil
}

// AnyDecimal, used as an overload argument type, accepts a decimal of any
// precision and scale without casting (integers are cast to DECIMAL(p,0)).
var AnyDecimal arrow.DataType = &arrow.Decimal128Type{Precision: 0, Scale: -1}

// AnyVector accepts VECTOR(n) of any dimension.
// It is a sentinel compared by identity; never build arrays of it.
var AnyVector arrow.DataType = arrow.FixedSizeListOf(1<<30, arrow.PrimitiveTypes.Float32)

// concreteFor turns the placeholder types AnyDecimal/AnyVector into the concrete
// type the actual argument should be cast to.
func concreteFor(want, actual arrow.DataType) arrow.DataType {
	if want == AnyDecimal {
		switch {
		case IsDecimal(actual):
			p, s := decimalPS(actual)
			return Decimal(p, s)
		case IsInteger(actual), IsNull(actual):
			return intDecimalType(actual)
		default:
			return Decimal(MaxDecimalPrecision, 4)
		}
	}
	if want == AnyVector {
		if IsVector(actual) {
			return actual
		}
		if IsNull(actual) {
			// A NULL literal must not become a placeholder-sized vector.
			return Vector(1)
		}
		return AnyVector
	}
	return want
}

// intDecimalType is the DECIMAL an integer type converts to losslessly.
func intDecimalType(t arrow.DataType) arrow.DataType {
	switch t.ID() {
	case arrow.INT8, arrow.UINT8, arrow.BOOL:
		return Decimal(3, 0)
	case arrow.INT16, arrow.UINT16:
		return Decimal(5, 0)
	case arrow.INT32, arrow.UINT32:
		return Decimal(10, 0)
	case arrow.UINT64:
		return Decimal(20, 0)
	case arrow.NULL:
		return Decimal(1, 0)
	}
	return Decimal(19, 0)
}

// OverloadResolver makes a ScalarResolver that picks among overloads by
// implicit-cast cost.
func OverloadResolver(name string, vol Volatility, overloads ...Overload) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		o, want, err := MatchOverload(name, overloads, args)
		if err != nil {
			return nil, err
		}
		ret := o.Return
		if o.ReturnFn != nil {
			ret = o.ReturnFn(want)
		}
		return &Bound{Name: name, ArgTypes: want, ReturnType: ret, Volatility: vol, Kernel: CheckedKernel(name, want, o.Kernel), Version: "builtin"}, nil
	}
}

// NewScalarEntry builds a registry entry for a scalar function from overloads.
func NewScalarEntry(name, desc string, vol Volatility, overloads ...Overload) *Entry {
	sig := ""
	for i, o := range overloads {
		if i > 0 {
			sig += "; "
		}
		sig += "(" + typeList(o.Args)
		if o.Variadic != nil {
			if len(o.Args) > 0 {
				sig += ", "
			}
			sig += TypeName(o.Variadic) + "..."
		}
		sig += ")"
		if o.Return != nil {
			sig += " -> " + TypeName(o.Return)
		}
	}
	return &Entry{
		Info:   Info{Name: name, Kind: "scalar", Signature: sig, Volatility: vol, Version: "builtin", Description: desc, Builtin: true},
		Scalar: OverloadResolver(name, vol, overloads...),
	}
}

// fixedArity wraps a custom resolver with an argument-count check.
func fixedArity(name string, min, max int, r ScalarResolver) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < min || (max >= 0 && len(args) > max) {
			return nil, ErrWrongArgCount(name)
		}
		return r(args)
	}
}

// customEntry registers a scalar with a hand-written resolver.
func customEntry(name, sig, desc string, vol Volatility, min, max int, r ScalarResolver) *Entry {
	return &Entry{
		Info:   Info{Name: name, Kind: "scalar", Signature: sig, Volatility: vol, Version: "builtin", Description: desc, Builtin: true},
		Scalar: fixedArity(name, min, max, r),
	}
}

// bound is a shorthand for a builtin Bound.
func bound(name string, args []arrow.DataType, ret arrow.DataType, vol Volatility, k Kernel) *Bound {
	return &Bound{Name: name, ArgTypes: args, ReturnType: ret, Volatility: vol, Kernel: CheckedKernel(name, args, k), Version: "builtin"}
}

func repeatType(t arrow.DataType, n int) []arrow.DataType {
	out := make([]arrow.DataType, n)
	for i := range out {
		out[i] = t
	}
	return out
}

// CheckedKernel wraps k so that arguments of the wrong type or length (a
// caller that skipped a cast) fail with a clear error instead of being
// misread, and panics become errors (SafeKernel).
func CheckedKernel(name string, argTypes []arrow.DataType, k Kernel) Kernel {
	safe := SafeKernel(name, k)
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		if len(args) != len(argTypes) {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal: %s called with %d arguments, bound for %d", name, len(args), len(argTypes))
		}
		for i, a := range args {
			if a.Len() != nrows {
				return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal: %s argument %d has %d rows, batch has %d", name, i+1, a.Len(), nrows)
			}
			if !argCompatible(a.DataType(), argTypes[i]) {
				return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal: %s argument %d is %s, bound for %s (missing cast)", name, i+1, a.DataType(), argTypes[i])
			}
		}
		return safe(ec, args, nrows)
	}
}

// argCompatible accepts the exact type, a decimal of the same scale (the
// precision only bounds values), or any string layout where VARCHAR is wanted.
func argCompatible(got, want arrow.DataType) bool {
	if arrow.TypeEqual(got, want) {
		return true
	}
	switch {
	case got.ID() == arrow.DECIMAL128 && want.ID() == arrow.DECIMAL128:
		_, gs := decimalPS(got)
		_, ws := decimalPS(want)
		return gs == ws
	case want.ID() == arrow.STRING:
		return IsString(got)
	case want == AnyVector:
		return IsVector(got)
	}
	return false
}
