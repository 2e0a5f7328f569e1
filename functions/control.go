package functions

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

// SelectRows builds an array of type typ whose row i is row i of
// srcs[pick[i]], or NULL when pick[i] < 0. All srcs have type typ. It is the
// kernel behind CASE, IF, COALESCE, GREATEST and LEAST.
func SelectRows(ec *EvalContext, typ arrow.DataType, srcs []arrow.Array, pick []int32) (arrow.Array, error) {
	n := len(pick)
	mem := ec.mem()
	switch typ.ID() {
	case arrow.NULL:
		return array.NewNull(n), nil
	case arrow.INT64:
		return selectFixed[int64](mem, typ, srcs, pick), nil
	case arrow.UINT64:
		return selectFixed[uint64](mem, typ, srcs, pick), nil
	case arrow.FLOAT64:
		return selectFixed[float64](mem, typ, srcs, pick), nil
	case arrow.INT32:
		return selectFixed[int32](mem, typ, srcs, pick), nil
	case arrow.FLOAT32:
		return selectFixed[float32](mem, typ, srcs, pick), nil
	case arrow.DATE32:
		return selectFixed[arrow.Date32](mem, typ, srcs, pick), nil
	case arrow.TIMESTAMP:
		return selectFixed[arrow.Timestamp](mem, typ, srcs, pick), nil
	case arrow.TIME64:
		return selectFixed[arrow.Time64](mem, typ, srcs, pick), nil
	case arrow.DECIMAL128:
		return selectFixed[decimal128.Num](mem, typ, srcs, pick), nil
	case arrow.BOOL:
		out := NewBoolOut(mem, n)
		vals := make([]BoolValues, len(srcs))
		valid := make([]Validity, len(srcs))
		for k, s := range srcs {
			vals[k], valid[k] = BoolsOf(s), ValidityOf(s)
		}
		for i, p := range pick {
			if p < 0 || !valid[p].Valid(i) {
				out.SetNull(i)
				continue
			}
			out.Set(i, vals[p].Get(i))
		}
		return out.Finish(), nil
	case arrow.STRING, arrow.BINARY:
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		b.Reserve(n)
		views := make([]StringView, len(srcs))
		valid := make([]Validity, len(srcs))
		for k, s := range srcs {
			views[k], valid[k] = StringsOf(s), ValidityOf(s)
		}
		sb, isStr := b.(*array.StringBuilder)
		bb, _ := b.(*array.BinaryBuilder)
		for i, p := range pick {
			if p < 0 || !valid[p].Valid(i) {
				b.AppendNull()
				continue
			}
			if isStr {
				sb.Append(views[p].Get(i))
			} else {
				bb.AppendString(views[p].Get(i))
			}
		}
		return b.NewArray(), nil
	}
	if IsVector(typ) {
		dim := int(typ.(*arrow.FixedSizeListType).Len())
		flat := make([]float32, n*dim)
		data := make([][]float32, len(srcs))
		valid := make([]Validity, len(srcs))
		for k, s := range srcs {
			data[k], _ = vectorData(s)
			valid[k] = ValidityOf(s)
		}
		nulls := NewBoolOut(mem, n)
		defer nulls.Release()
		for i, p := range pick {
			if p < 0 || !valid[p].Valid(i) {
				nulls.Set(i, false)
				continue
			}
			nulls.Set(i, true)
			copy(flat[i*dim:(i+1)*dim], data[p][i*dim:(i+1)*dim])
		}
		mask := nulls.Finish()
		defer mask.Release()
		valuesAsValidity := boolToValidity(ec, mask)
		defer valuesAsValidity.Release()
		return buildVectors(ec, int32(dim), flat, valuesAsValidity), nil
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "values of type %s are not supported here", TypeName(typ))
}

// boolToValidity returns an array that is NULL where b is false (used to
// carry a computed null mask into buildVectors).
func boolToValidity(ec *EvalContext, b arrow.Array) arrow.Array {
	out := NewFixedOut[int8](ec.mem(), arrow.PrimitiveTypes.Int8, b.Len())
	bv := BoolsOf(b)
	for i := 0; i < b.Len(); i++ {
		if !bv.Get(i) {
			out.SetNull(i)
		}
	}
	return out.Finish()
}

func selectFixed[T arrow.FixedWidthType](mem memory.Allocator, typ arrow.DataType, srcs []arrow.Array, pick []int32) arrow.Array {
	n := len(pick)
	out := NewFixedOut[T](mem, typ, n)
	vals := make([][]T, len(srcs))
	valid := make([]Validity, len(srcs))
	for k, s := range srcs {
		if s.DataType().ID() != arrow.NULL {
			vals[k] = Values[T](s)
		}
		valid[k] = ValidityOf(s)
	}
	for i, p := range pick {
		if p < 0 || !valid[p].Valid(i) {
			out.SetNull(i)
			continue
		}
		out.Values[i] = vals[p][i]
	}
	return out.Finish()
}

// caseResolver: args are cond1, val1, cond2, val2, ..., [else].
func caseResolver(name string) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < 2 {
			return nil, ErrWrongArgCount(name)
		}
		var vals []arrow.DataType
		for i := 1; i < len(args); i += 2 {
			vals = append(vals, args[i])
		}
		if len(args)%2 == 1 {
			vals = append(vals, args[len(args)-1])
		}
		rt, err := UnionTypeOf(vals)
		if err != nil {
			return nil, err
		}
		want := make([]arrow.DataType, len(args))
		for i := range args {
			if i%2 == 0 && i != len(args)-1 {
				want[i] = Bool
			} else {
				want[i] = rt
			}
		}
		if len(args)%2 == 1 {
			want[len(args)-1] = rt
		}
		return bound(name, want, rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			pick := make([]int32, n)
			for i := range pick {
				pick[i] = -1
			}
			srcs := make([]arrow.Array, 0, len(a)/2+1)
			for k := 0; k+1 < len(a); k += 2 {
				cv, cb := ValidityOf(a[k]), BoolsOf(a[k])
				idx := int32(len(srcs))
				srcs = append(srcs, a[k+1])
				for i := range pick {
					if pick[i] < 0 && cv.Valid(i) && cb.Get(i) {
						pick[i] = idx
					}
				}
			}
			if len(a)%2 == 1 {
				idx := int32(len(srcs))
				srcs = append(srcs, a[len(a)-1])
				for i := range pick {
					if pick[i] < 0 {
						pick[i] = idx
					}
				}
			}
			// A pick of -1 left here means no branch matched and there is no ELSE.
			return SelectRows(ec, rt, srcs, pick)
		}), nil
	}
}

func coalesceResolver(name string, min, max int) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < min || (max > 0 && len(args) > max) {
			return nil, ErrWrongArgCount(name)
		}
		rt, err := UnionTypeOf(args)
		if err != nil {
			return nil, err
		}
		return bound(name, repeatType(rt, len(args)), rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			pick := make([]int32, n)
			for i := range pick {
				pick[i] = -1
			}
			for k, arr := range a {
				v := ValidityOf(arr)
				for i := range pick {
					if pick[i] < 0 && v.Valid(i) {
						pick[i] = int32(k)
					}
				}
			}
			return SelectRows(ec, rt, a, pick)
		}), nil
	}
}

func nullifResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 2 {
		return nil, ErrWrongArgCount("nullif")
	}
	ct, err := CommonType(args[0], args[1])
	if err != nil {
		return nil, err
	}
	return bound("nullif", []arrow.DataType{ct, ct}, ct, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		c := make([]int8, n)
		if err := CompareArrays(a[0], a[1], c); err != nil {
			return nil, err
		}
		vb := ValidityOf(a[1])
		pick := make([]int32, n)
		for i := range pick {
			if vb.Valid(i) && c[i] == 0 {
				pick[i] = -1
			}
		}
		return SelectRows(ec, ct, a[:1], pick)
	}), nil
}

// extremeResolver implements GREATEST (sign 1) and LEAST (sign -1): NULL if
// any argument is NULL.
func extremeResolver(name string, sign int8) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < 2 {
			return nil, ErrWrongArgCount(name)
		}
		rt, err := UnionTypeOf(args)
		if err != nil {
			return nil, err
		}
		return bound(name, repeatType(rt, len(args)), rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			best := a[0]
			best.Retain()
			defer func() { best.Release() }()
			c := make([]int8, n)
			pick := make([]int32, n)
			for _, next := range a[1:] {
				if err := CompareArrays(next, best, c); err != nil {
					return nil, err
				}
				for i := range pick {
					pick[i] = 1
					if c[i]*sign > 0 {
						pick[i] = 0
					}
				}
				nb, err := SelectRows(ec, rt, []arrow.Array{next, best}, pick)
				if err != nil {
					return nil, err
				}
				best.Release()
				best = nb
			}
			// Any NULL argument makes the result NULL.
			for i := range pick {
				pick[i] = 0
			}
			for _, arr := range a {
				v := ValidityOf(arr)
				if v.AllValid() {
					continue
				}
				for i := range pick {
					if !v.Valid(i) {
						pick[i] = -1
					}
				}
			}
			return SelectRows(ec, rt, []arrow.Array{best}, pick)
		}), nil
	}
}

func ifResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 3 {
		return nil, ErrWrongArgCount("if")
	}
	return caseResolver("if")(args)
}

func registerControl(r *Registry) {
	r.Register(customEntry("case", "(cond, val, ..., [else]) -> any", "searched CASE WHEN", Immutable, 2, -1, caseResolver("case")))
	r.Register(customEntry("if", "(cond, a, b) -> any", "IF(cond, a, b)", Immutable, 3, 3, ifResolver))
	r.Register(customEntry("ifnull", "(a, b) -> any", "a if not NULL, else b", Immutable, 2, 2, coalesceResolver("ifnull", 2, 2)))
	r.Register(customEntry("coalesce", "(any, ...) -> any", "first non-NULL argument", Immutable, 1, -1, coalesceResolver("coalesce", 1, 0)))
	r.Register(customEntry("nullif", "(a, b) -> any", "NULL if a = b, else a", Immutable, 2, 2, nullifResolver))
	r.Register(customEntry("greatest", "(any, any, ...) -> any", "largest argument (NULL if any is NULL)", Immutable, 2, -1, extremeResolver("greatest", 1)))
	r.Register(customEntry("least", "(any, any, ...) -> any", "smallest argument (NULL if any is NULL)", Immutable, 2, -1, extremeResolver("least", -1)))
}
