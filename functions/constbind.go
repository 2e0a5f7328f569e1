package functions

import (
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// A few MySQL functions choose their result type from the value of a
// constant argument: ROUND(d, 2) is DECIMAL(.., 2), DATE_ADD(date, INTERVAL 1
// DAY) is a DATE but with INTERVAL 1 HOUR a DATETIME, STR_TO_DATE gives a
// DATE or a DATETIME by its format, VEC_FROM_TEXT a VECTOR of the text's
// dimension. ResolveScalar cannot see values, so it binds these to a type
// that is right for every value (DOUBLE, VARCHAR, ...); planners that know
// the constants call ResolveScalarConst to get MySQL's exact type.

// constRefiner binds a call given its constant arguments (consts[i] is a
// 1-row array of type args[i], or nil when argument i is not constant). It
// returns nil to fall back to the plain resolver.
type constRefiner func(args []arrow.DataType, consts []arrow.Array) (*Bound, error)

var constRefiners sync.Map // *Entry → constRefiner

// ResolveScalarConst is ResolveScalar for callers that know the values of
// constant arguments: consts[i] is a 1-row array holding argument i when it
// is a constant (of type args[i]), or nil. The result's argument types may
// differ from ResolveScalar's; cast to them as usual.
func (r *Registry) ResolveScalarConst(name string, args []arrow.DataType, consts []arrow.Array) (*Bound, error) {
	if e, ok := r.Lookup(name); ok && len(consts) == len(args) {
		if f, ok := constRefiners.Load(e); ok {
			b, err := f.(constRefiner)(args, consts)
			if err != nil {
				return nil, userError(name, args, err)
			}
			if b != nil {
				return b, nil
			}
		}
	}
	return r.ResolveScalar(name, args)
}

func registerRefiner(r *Registry, name string, f constRefiner) {
	if e, ok := r.Lookup(name); ok {
		constRefiners.Store(e, f)
	}
}

// constInt64 reads a constant integer argument.
func constInt64(a arrow.Array) (int64, bool) {
	if a == nil || a.Len() != 1 || a.IsNull(0) {
		return 0, false
	}
	ec := &EvalContext{}
	c, err := Cast(ec, a, Int64)
	if err != nil {
		return 0, false
	}
	defer c.Release()
	if c.IsNull(0) {
		return 0, false
	}
	return Values[int64](c)[0], true
}

// constString reads a constant string argument.
func constString(a arrow.Array) (string, bool) {
	if a == nil || a.Len() != 1 || a.IsNull(0) || !IsString(a.DataType()) {
		return "", false
	}
	return strings.Clone(StringsOf(a).Get(0)), true
}

func registerConstRefiners(r *Registry) {
	for _, name := range []string{"round", "truncate"} {
		trunc := name == "truncate"
		registerRefiner(r, name, func(args []arrow.DataType, consts []arrow.Array) (*Bound, error) {
			if len(args) != 2 || !IsDecimal(args[0]) {
				return nil, nil
			}
			d, ok := constInt64(consts[1])
			if !ok {
				return nil, nil
			}
			p, s := decimalPS(args[0])
			in := Decimal(p, s)
			rs := int32(max(min(d, int64(s)), 0))
			rt := Decimal(p-s+rs+1, rs)
			k := int32(max(min(d, 30), -30))
			return bound(name, []arrow.DataType{in, Int64}, rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return Unary[decimal128.Num, decimal128.Num](ec, a[0], rt, func(v decimal128.Num) decimal128.Num {
					if k >= s {
						return v
					}
					var r decimal128.Num
					if trunc {
						r = decTruncDown(v, s-k)
					} else {
						r = decScaleDown(v, s-k)
					}
					if k < 0 {
						r, _ = decScaleUp(r, -k) // back to scale 0
						return r
					}
					return r // now at scale k == rs
				}), nil
			}), nil
		})
	}
	for _, x := range []struct {
		name string
		sign int64
	}{{"date_add", 1}, {"adddate", 1}, {"date_sub", -1}, {"subdate", -1}} {
		name, sign := x.name, x.sign
		registerRefiner(r, name, func(args []arrow.DataType, consts []arrow.Array) (*Bound, error) {
			if len(args) != 3 || args[0].ID() != arrow.DATE32 {
				return nil, nil
			}
			unit, ok := constString(consts[2])
			if !ok {
				return nil, nil
			}
			want := []arrow.DataType{Datetime, Utf8, Utf8}
			k := dateAddKernel(sign, false)
			if !isDateOnlyUnit(strings.ToUpper(strings.TrimSpace(unit))) {
				return bound(name, want, Datetime, Immutable, k), nil
			}
			return bound(name, want, Date32, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				dt, err := k(ec, a, n)
				if err != nil {
					return nil, err
				}
				defer dt.Release()
				return castToDate(ec, dt)
			}), nil
		})
	}
	registerRefiner(r, "str_to_date", func(args []arrow.DataType, consts []arrow.Array) (*Bound, error) {
		if len(args) != 2 {
			return nil, nil
		}
		format, ok := constString(consts[1])
		if !ok {
			return nil, nil
		}
		rt := Date32
		if formatHasTime(format) {
			rt = Datetime
		}
		return bound("str_to_date", []arrow.DataType{Utf8, Utf8}, rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv, fv := StringsOf(a[0]), StringsOf(a[1])
			out := NewFixedOut[arrow.Timestamp](ec.mem(), Datetime, n)
			out.InheritNulls(a...)
			for i := 0; i < n; i++ {
				if out.IsNull(i) {
					continue
				}
				us, _, ok := StrToDate(sv.Get(i), fv.Get(i))
				if !ok {
					if ec.reports() {
						if err := ec.dataError(1411, "Incorrect datetime value: '%s' for function str_to_date", sv.Get(i)); err != nil {
							out.Release()
							return nil, err
						}
					}
					out.SetNull(i)
					continue
				}
				out.Values[i] = arrow.Timestamp(us)
			}
			res := out.Finish()
			if rt == Datetime {
				return res, nil
			}
			defer res.Release()
			return castToDate(ec, res)
		}), nil
	})
	registerRefiner(r, "vec_from_text", func(args []arrow.DataType, consts []arrow.Array) (*Bound, error) {
		text, ok := constString(consts[0])
		if !ok {
			return nil, nil
		}
		v, err := ParseVector(text, nil)
		if err != nil {
			return nil, err
		}
		rt := Vector(int32(max(len(v), 1)))
		return bound("vec_from_text", []arrow.DataType{Utf8}, rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Cast(ec, a[0], rt)
		}), nil
	})
}

// formatHasTime reports whether a DATE_FORMAT-style format sets time fields.
func formatHasTime(format string) bool {
	for i := 0; i+1 < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		switch format[i] {
		case 'H', 'k', 'h', 'I', 'l', 'i', 'S', 's', 'f', 'p', 'T', 'r':
			return true
		}
	}
	return false
}
