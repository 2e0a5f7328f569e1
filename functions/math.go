package functions

import (
	"hash/crc32"
	"math"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/genevasql/genevasql/sqlerr"
)

// floatFn registers a DOUBLE → DOUBLE function; ok=false from f gives NULL.
func floatFn(r *Registry, name, desc string, f func(float64) (float64, bool)) {
	r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: []arrow.DataType{Float64}, Return: Float64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return UnaryNullable[float64, float64](ec, a[0], Float64, f), nil
		}}))
}

func always(f func(float64) float64) func(float64) (float64, bool) {
	return func(x float64) (float64, bool) {
		v := f(x)
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	}
}

// logFn makes a logarithm that is NULL (with MySQL's warning 3020) for x <= 0.
func logFn(ec *EvalContext, f func(float64) float64) func(float64) (float64, bool) {
	return func(x float64) (float64, bool) {
		if x <= 0 {
			ec.warn(3020, "Invalid argument for logarithm")
			return 0, false
		}
		return f(x), true
	}
}

// exactUnary resolves a function keeping the operand's exact class: BIGINT,
// BIGINT UNSIGNED, DECIMAL, or DOUBLE for everything else.
func exactUnary(name string, ki func(int64) (int64, error), ku func(uint64) uint64, kd func(decimal128.Num, int32) decimal128.Num, dType func(p, s int32) arrow.DataType, kf func(float64) float64) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) != 1 {
			return nil, ErrWrongArgCount(name)
		}
		switch operandClass(args[0]) {
		case acInt:
			return bound(name, []arrow.DataType{Int64}, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				out := NewFixedOut[int64](ec.mem(), Int64, n)
				out.InheritNulls(a[0])
				for i, v := range Values[int64](a[0]) {
					r, err := ki(v)
					if err != nil && !out.IsNull(i) {
						out.Release()
						return nil, err
					}
					out.Values[i] = r
				}
				return out.Finish(), nil
			}), nil
		case acUint:
			return bound(name, []arrow.DataType{Uint64}, Uint64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return Unary[uint64, uint64](ec, a[0], Uint64, ku), nil
			}), nil
		case acDecimal:
			p, s := decimalPS(args[0])
			in := Decimal(p, s)
			rt := dType(p, s)
			_, rs := decimalPS(rt)
			return bound(name, []arrow.DataType{in}, rt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return Unary[decimal128.Num, decimal128.Num](ec, a[0], rt, func(v decimal128.Num) decimal128.Num {
					r := kd(v, s)
					if rs < s {
						r = decTruncDown(r, s-rs) // kd already made the dropped digits zero
					}
					return r
				}), nil
			}), nil
		}
		return bound(name, []arrow.DataType{Float64}, Float64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[float64, float64](ec, a[0], Float64, kf), nil
		}), nil
	}
}

// decCeilFloor rounds a decimal at scale s to an integer (still at scale s).
func decCeilFloor(v decimal128.Num, s int32, up bool) decimal128.Num {
	if s <= 0 {
		return v
	}
	t := decTruncDown(v, s) // toward zero
	back, _ := decScaleUp(t, s)
	if back.Cmp(v) != 0 {
		if up && v.Sign() > 0 {
			t = t.Add(decimal128.FromI64(1))
		} else if !up && v.Sign() < 0 {
			t = t.Sub(decimal128.FromI64(1))
		}
	}
	r, _ := decScaleUp(t, s)
	return r
}

func roundResolver(name string, trunc bool) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < 1 || len(args) > 2 {
			return nil, ErrWrongArgCount(name)
		}
		want := []arrow.DataType{nil, Int64}[:len(args)]
		c := operandClass(args[0])
		var rt arrow.DataType
		switch {
		case c == acInt || c == acUint:
			want[0], rt = Int64, Int64
		case c == acDecimal && len(args) == 1:
			p, s := decimalPS(args[0])
			want[0], rt = Decimal(p, s), Decimal(p-s+1, 0)
		case c == acDecimal:
			// The result scale depends on the digits argument, which is not
			// known at bind time: round exactly in DECIMAL, return DOUBLE.
			p, s := decimalPS(args[0])
			want[0], rt = Decimal(p, s), Float64
		default:
			want[0], rt = Float64, Float64
		}
		return bound(name, want, rt, Immutable, roundKernel(trunc, rt)), nil
	}
}

func roundKernel(trunc bool, rt arrow.DataType) Kernel {
	return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		var digits []int64
		if len(a) == 2 {
			digits = Values[int64](a[1])
		}
		d := func(i int) int64 {
			if digits == nil {
				return 0
			}
			return max(min(digits[i], 30), -30)
		}
		switch a[0].DataType().ID() {
		case arrow.INT64:
			vals := Values[int64](a[0])
			return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				k := d(i)
				if k >= 0 {
					return vals[i], true
				}
				if k <= -19 {
					return 0, true
				}
				p := pow10i64[-k]
				q, r := vals[i]/p, vals[i]%p
				if !trunc && (r >= p-r && r > 0 || -r >= p+r && r < 0) {
					if r > 0 {
						q++
					} else {
						q--
					}
				}
				return q * p, true
			}), nil
		case arrow.FLOAT64:
			vals := Values[float64](a[0])
			return RowKernel[float64](ec, Float64, a, n, func(i int) (float64, bool) {
				k := d(i)
				scale := math.Pow10(int(k))
				x := vals[i] * scale
				if trunc {
					x = math.Trunc(x)
				} else {
					x = math.RoundToEven(x)
				}
				return x / scale, true
			}), nil
		case arrow.DECIMAL128:
			_, s := decimalPS(a[0].DataType())
			vals := Values[decimal128.Num](a[0])
			if rt.ID() == arrow.DECIMAL128 {
				return Unary[decimal128.Num, decimal128.Num](ec, a[0], rt, func(v decimal128.Num) decimal128.Num {
					if trunc {
						return decTruncDown(v, s)
					}
					return decScaleDown(v, s)
				}), nil
			}
			return RowKernel[float64](ec, Float64, a, n, func(i int) (float64, bool) {
				k := int32(d(i))
				if k >= s {
					return decToFloat(vals[i], s), true
				}
				drop := s - k
				var r decimal128.Num
				if trunc {
					r = decTruncDown(vals[i], drop)
				} else {
					r = decScaleDown(vals[i], drop)
				}
				if k < 0 {
					up, _ := decScaleUp(r, -k)
					return decToFloat(up, 0), true
				}
				return decToFloat(r, k), true
			}), nil
		}
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal: round of %s", a[0].DataType())
	}
}

func signResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 1 {
		return nil, ErrWrongArgCount("sign")
	}
	c := operandClass(args[0])
	switch c {
	case acInt:
		return bound("sign", []arrow.DataType{Int64}, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[int64, int64](ec, a[0], Int64, func(v int64) int64 { return int64(cmpSign(v)) }), nil
		}), nil
	case acUint, acDecimal:
		dt := decOperand(args[0])
		return bound("sign", []arrow.DataType{dt}, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[decimal128.Num, int64](ec, a[0], Int64, func(v decimal128.Num) int64 { return int64(v.Sign()) }), nil
		}), nil
	}
	return bound("sign", []arrow.DataType{Float64}, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		return Unary[float64, int64](ec, a[0], Int64, func(v float64) int64 { return int64(cmpSign(v)) }), nil
	}), nil
}

func cmpSign[T int64 | float64](v T) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// mysqlRand reproduces MySQL's RAND(seed) sequence (my_rnd), so seeded
// shuffles match MySQL. The sequence restarts in every batch.
type mysqlRand struct{ s1, s2 uint64 }

const randMax = 0x3FFFFFFF

func newMySQLRand(seed int64) *mysqlRand {
	u := uint64(uint32(seed))
	return &mysqlRand{s1: (u*0x10001 + 55555555) % randMax, s2: (u * 0x10000001) % randMax}
}

func (r *mysqlRand) next() float64 {
	r.s1 = (r.s1*3 + r.s2) % randMax
	r.s2 = (r.s1 + r.s2 + 33) % randMax
	return float64(r.s1) / float64(randMax)
}

func randKernel(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
	out := NewFixedOut[float64](ec.mem(), Float64, n)
	if len(a) == 0 {
		for i := range out.Values {
			out.Values[i] = rand.Float64()
		}
		return out.Finish(), nil
	}
	seeds := Values[int64](a[0])
	valid := ValidityOf(a[0])
	var g *mysqlRand
	for i := range out.Values {
		if g == nil {
			s := int64(0)
			if valid.Valid(i) {
				s = seeds[i]
			}
			g = newMySQLRand(s)
		}
		out.Values[i] = g.next()
	}
	return out.Finish(), nil
}

func registerMath(r *Registry) {
	r.Register(customEntry("abs", "(number) -> number", "absolute value", Immutable, 1, 1, exactUnary("abs",
		func(v int64) (int64, error) {
			if v == math.MinInt64 {
				return 0, sqlerr.New(sqlerr.ErrDataOutOfRange, "BIGINT value is out of range in 'abs(%d)'", v)
			}
			if v < 0 {
				return -v, nil
			}
			return v, nil
		},
		func(v uint64) uint64 { return v },
		func(v decimal128.Num, _ int32) decimal128.Num { return v.Abs() },
		func(p, s int32) arrow.DataType { return Decimal(p, s) },
		math.Abs)))
	intID := func(v int64) (int64, error) { return v, nil }
	uintID := func(v uint64) uint64 { return v }
	ceilT := func(p, s int32) arrow.DataType { return Decimal(p-s+1, 0) }
	for _, name := range []string{"ceil", "ceiling"} {
		r.Register(customEntry(name, "(number) -> number", "smallest integer >= x", Immutable, 1, 1, exactUnary(name, intID, uintID,
			func(v decimal128.Num, s int32) decimal128.Num { return decCeilFloor(v, s, true) }, ceilT, math.Ceil)))
	}
	r.Register(customEntry("floor", "(number) -> number", "largest integer <= x", Immutable, 1, 1, exactUnary("floor", intID, uintID,
		func(v decimal128.Num, s int32) decimal128.Num { return decCeilFloor(v, s, false) }, ceilT, math.Floor)))
	r.Register(customEntry("round", "(number[, BIGINT]) -> number", "round half away from zero (DOUBLE: to even)", Immutable, 1, 2, roundResolver("round", false)))
	r.Register(customEntry("truncate", "(number, BIGINT) -> number", "truncate to d decimals", Immutable, 2, 2, roundResolver("truncate", true)))
	r.Register(customEntry("sign", "(number) -> BIGINT", "-1, 0 or 1", Immutable, 1, 1, signResolver))

	floatFn(r, "sqrt", "square root (NULL for negative x)", func(x float64) (float64, bool) { return math.Sqrt(x), x >= 0 })
	floatFn(r, "exp", "e^x", always(math.Exp))
	floatFn(r, "sin", "sine", always(math.Sin))
	floatFn(r, "cos", "cosine", always(math.Cos))
	floatFn(r, "tan", "tangent", always(math.Tan))
	floatFn(r, "asin", "arc sine (NULL outside [-1,1])", always(math.Asin))
	floatFn(r, "acos", "arc cosine (NULL outside [-1,1])", always(math.Acos))
	floatFn(r, "cot", "cotangent", always(func(x float64) float64 { return 1 / math.Tan(x) }))
	floatFn(r, "degrees", "radians to degrees", always(func(x float64) float64 { return x * 180 / math.Pi }))
	floatFn(r, "radians", "degrees to radians", always(func(x float64) float64 { return x * math.Pi / 180 }))

	f1 := []arrow.DataType{Float64}
	f2 := []arrow.DataType{Float64, Float64}
	for _, l := range []struct {
		name string
		f    func(float64) float64
	}{{"ln", math.Log}, {"log2", math.Log2}, {"log10", math.Log10}} {
		f := l.f
		r.Register(NewScalarEntry(l.name, "logarithm (NULL for x <= 0)", Immutable, Overload{Args: f1, Return: Float64,
			Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return UnaryNullable[float64, float64](ec, a[0], Float64, logFn(ec, f)), nil
			}}))
	}
	r.Register(NewScalarEntry("log", "LOG(x) natural log, LOG(b, x) log base b", Immutable,
		Overload{Args: f1, Return: Float64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return UnaryNullable[float64, float64](ec, a[0], Float64, logFn(ec, math.Log)), nil
		}},
		Overload{Args: f2, Return: Float64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return BinaryNullable[float64, float64, float64](ec, a[0], a[1], Float64, func(b, x float64) (float64, bool) {
				if x <= 0 || b <= 0 || b == 1 {
					ec.warn(3020, "Invalid argument for logarithm")
					return 0, false
				}
				return math.Log(x) / math.Log(b), true
			}), nil
		}}))
	powK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		av, bv := Values[float64](a[0]), Values[float64](a[1])
		out := NewFixedOut[float64](ec.mem(), Float64, n)
		out.InheritNulls(a[0], a[1])
		for i := range out.Values {
			v := math.Pow(av[i], bv[i])
			if (math.IsInf(v, 0) || math.IsNaN(v)) && !out.IsNull(i) {
				out.Release()
				return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "DOUBLE value is out of range in 'pow(%s,%s)'", formatFloat(av[i]), formatFloat(bv[i]))
			}
			out.Values[i] = v
		}
		return out.Finish(), nil
	}
	for _, name := range []string{"pow", "power"} {
		r.Register(NewScalarEntry(name, "x raised to the power y", Immutable, Overload{Args: f2, Return: Float64, Kernel: powK}))
	}
	atan2 := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		return Binary[float64, float64, float64](ec, a[0], a[1], Float64, math.Atan2), nil
	}
	r.Register(NewScalarEntry("atan", "arc tangent; ATAN(y, x) = ATAN2(y, x)", Immutable,
		Overload{Args: f1, Return: Float64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[float64, float64](ec, a[0], Float64, math.Atan), nil
		}},
		Overload{Args: f2, Return: Float64, Kernel: atan2}))
	r.Register(NewScalarEntry("atan2", "arc tangent of y/x", Immutable, Overload{Args: f2, Return: Float64, Kernel: atan2}))
	r.Register(NewScalarEntry("pi", "π", Immutable, Overload{Return: Float64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		out := NewFixedOut[float64](ec.mem(), Float64, n)
		for i := range out.Values {
			out.Values[i] = math.Pi
		}
		return out.Finish(), nil
	}}))
	r.Register(NewScalarEntry("rand", "random DOUBLE in [0,1); RAND(seed) repeats MySQL's sequence", Volatile,
		Overload{Return: Float64, Kernel: randKernel},
		Overload{Args: []arrow.DataType{Int64}, Return: Float64, Kernel: randKernel}))
	r.Register(NewScalarEntry("crc32", "CRC-32 checksum of a string", Immutable, Overload{Args: []arrow.DataType{Utf8}, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv := StringsOf(a[0])
			return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				return int64(crc32.ChecksumIEEE([]byte(sv.Get(i)))), true
			}), nil
		}}))
}
