package functions

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// tri is a three-valued truth value: 0 false, 1 true, 2 unknown (NULL).
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull
)

func triAt(v Validity, b BoolValues, i int) tri {
	if !v.Valid(i) {
		return triNull
	}
	if b.Get(i) {
		return triTrue
	}
	return triFalse
}

func logicKernel(f func(a, b tri) tri) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		out := NewBoolOut(ec.mem(), nrows)
		va, ba := ValidityOf(args[0]), BoolsOf(args[0])
		vb, bb := ValidityOf(args[1]), BoolsOf(args[1])
		for i := 0; i < nrows; i++ {
			switch f(triAt(va, ba, i), triAt(vb, bb, i)) {
			case triTrue:
				out.Set(i, true)
			case triNull:
				out.SetNull(i)
			}
		}
		return out.Finish(), nil
	}
}

func triAnd(a, b tri) tri {
	switch {
	case a == triFalse || b == triFalse:
		return triFalse
	case a == triNull || b == triNull:
		return triNull
	}
	return triTrue
}

func triOr(a, b tri) tri {
	switch {
	case a == triTrue || b == triTrue:
		return triTrue
	case a == triNull || b == triNull:
		return triNull
	}
	return triFalse
}

func triXor(a, b tri) tri {
	if a == triNull || b == triNull {
		return triNull
	}
	if a != b {
		return triTrue
	}
	return triFalse
}

func notKernel(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	out := NewBoolOut(ec.mem(), nrows)
	out.InheritNulls(args[0])
	b := BoolsOf(args[0])
	for i := 0; i < nrows; i++ {
		out.Set(i, !b.Get(i))
	}
	return out.Finish(), nil
}

// truthKernel implements IS TRUE / IS FALSE: never NULL.
func truthKernel(want bool) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		out := NewBoolOut(ec.mem(), nrows)
		v, b := ValidityOf(args[0]), BoolsOf(args[0])
		for i := 0; i < nrows; i++ {
			out.Set(i, v.Valid(i) && b.Get(i) == want)
		}
		return out.Finish(), nil
	}
}

// isNullResolver accepts any type unchanged: only validity matters.
func isNullResolver(name string, negate bool) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) != 1 {
			return nil, ErrWrongArgCount(name)
		}
		return bound(name, []arrow.DataType{args[0]}, Bool, Immutable, func(ec *EvalContext, a []arrow.Array, nrows int) (arrow.Array, error) {
			out := NewBoolOut(ec.mem(), nrows)
			v := ValidityOf(a[0])
			for i := 0; i < nrows; i++ {
				out.Set(i, v.Valid(i) == negate)
			}
			return out.Finish(), nil
		}), nil
	}
}

func registerLogic(r *Registry) {
	b2 := []arrow.DataType{Bool, Bool}
	r.Register(NewScalarEntry("and", "logical AND (three-valued)", Immutable, Overload{Args: b2, Return: Bool, Kernel: logicKernel(triAnd)}))
	r.Register(NewScalarEntry("or", "logical OR (three-valued)", Immutable, Overload{Args: b2, Return: Bool, Kernel: logicKernel(triOr)}))
	r.Register(NewScalarEntry("xor", "logical XOR", Immutable, Overload{Args: b2, Return: Bool, Kernel: logicKernel(triXor)}))
	r.Register(NewScalarEntry("not", "logical NOT", Immutable, Overload{Args: []arrow.DataType{Bool}, Return: Bool, Kernel: notKernel}))
	r.Register(NewScalarEntry("istrue", "x IS TRUE", Immutable, Overload{Args: []arrow.DataType{Bool}, Return: Bool, Kernel: truthKernel(true)}))
	r.Register(NewScalarEntry("isfalse", "x IS FALSE", Immutable, Overload{Args: []arrow.DataType{Bool}, Return: Bool, Kernel: truthKernel(false)}))
	r.Register(customEntry("isnull", "(any) -> BOOLEAN", "x IS NULL; also ISNULL(x)", Immutable, 1, 1, isNullResolver("isnull", false)))
	r.Register(customEntry("isnotnull", "(any) -> BOOLEAN", "x IS NOT NULL", Immutable, 1, 1, isNullResolver("isnotnull", true)))
}
