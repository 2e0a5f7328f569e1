package functions

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/genevasql/genevasql/sqlerr"
)

// arithClass is the type family an arithmetic operator computes in.
type arithClass int

const (
	acInt arithClass = iota
	acUint
	acDecimal
	acFloat
)

func operandClass(t arrow.DataType) arithClass {
	switch {
	case IsNull(t), IsSigned(t), t.ID() == arrow.BOOL, IsTemporal(t):
		return acInt
	case IsUnsigned(t):
		return acUint
	case IsDecimal(t):
		return acDecimal
	}
	return acFloat // DOUBLE, and strings/others converted as DOUBLE like MySQL
}

func arithClassOf(a, b arrow.DataType) arithClass {
	return max(operandClass(a), operandClass(b))
}

// decOperand is the DECIMAL an operand is cast to for decimal arithmetic.
func decOperand(t arrow.DataType) arrow.DataType {
	if IsDecimal(t) {
		p, s := decimalPS(t)
		return Decimal(p, s)
	}
	return intDecimalType(t)
}

type arithOp int

const (
	aPlus arithOp = iota
	aMinus
	aMul
	aDiv
	aIntDiv
	aMod
)

var arithSym = [...]string{"+", "-", "*", "/", "DIV", "%"}

// DivPrecisionIncrement is MySQL's div_precision_increment: the scale `/` adds.
const DivPrecisionIncrement = 4

func arithResolver(name string, op arithOp) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) != 2 {
			return nil, ErrWrongArgCount(name)
		}
		a, b := args[0], args[1]
		if !arithOperandOK(a) || !arithOperandOK(b) {
			return nil, ErrWrongArgTypes(name, args)
		}
		c := arithClassOf(a, b)
		if op == aDiv && c <= acUint {
			c = acDecimal // int / int gives DECIMAL in MySQL
		}
		if c == acUint && operandClass(a) != operandClass(b) && !IsNull(a) && !IsNull(b) {
			// Signed with unsigned: exact 128-bit arithmetic, then the result must
			// fit BIGINT UNSIGNED (CAST(5 AS UNSIGNED) + -1 = 4).
			ta, tb := Int64, Int64
			if operandClass(a) == acUint {
				ta = Uint64
			} else {
				tb = Uint64
			}
			return bound(name, []arrow.DataType{ta, tb}, Uint64, Immutable, mixedArithKernel(op)), nil
		}
		switch c {
		case acInt, acUint:
			t := Int64
			if c == acUint {
				t = Uint64
			}
			return bound(name, []arrow.DataType{t, t}, t, Immutable, intArithKernel(op, c == acUint)), nil
		case acDecimal:
			da, db := decOperand(a), decOperand(b)
			if op == aIntDiv {
				return bound(name, []arrow.DataType{da, db}, Int64, Immutable, decArithKernel(op, Int64)), nil
			}
			rt := decimalResultType(op, da, db)
			return bound(name, []arrow.DataType{da, db}, rt, Immutable, decArithKernel(op, rt)), nil
		}
		if op == aIntDiv {
			return bound(name, []arrow.DataType{Float64, Float64}, Int64, Immutable, floatIntDivKernel), nil
		}
		return bound(name, []arrow.DataType{Float64, Float64}, Float64, Immutable, floatArithKernel(op)), nil
	}
}

func arithOperandOK(t arrow.DataType) bool {
	return IsNull(t) || IsNumeric(t) || IsString(t) || IsBinary(t) || IsTemporal(t)
}

// decimalResultType applies MySQL's precision/scale rules.
func decimalResultType(op arithOp, a, b arrow.DataType) arrow.DataType {
	pa, sa := decimalPS(a)
	pb, sb := decimalPS(b)
	switch op {
	case aPlus, aMinus:
		s := max(sa, sb)
		return Decimal(max(pa-sa, pb-sb)+s+1, s)
	case aMul:
		return Decimal(pa+pb, sa+sb)
	case aDiv:
		s := sa + DivPrecisionIncrement
		return Decimal(pa-sa+sb+s, s)
	}
	return Decimal(max(pa-sa, pb-sb)+max(sa, sb), max(sa, sb)) // mod
}

func overflowErr(typ string, a, b any, op arithOp) error {
	return sqlerr.New(sqlerr.ErrDataOutOfRange, "%s value is out of range in '(%v %s %v)'", typ, a, arithSym[op], b)
}

func divZero(ec *EvalContext) error {
	return ec.dataError(sqlerr.ErrDivisionByZero, "Division by 0")
}

func intArithKernel(op arithOp, unsigned bool) Kernel {
	if unsigned {
		return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
			out := NewFixedOut[uint64](ec.mem(), Uint64, nrows)
			out.InheritNulls(args[0], args[1])
			av, bv := Values[uint64](args[0]), Values[uint64](args[1])
			for i := 0; i < nrows; i++ {
				if out.IsNull(i) {
					continue
				}
				x, y := av[i], bv[i]
				var r uint64
				switch op {
				case aPlus:
					var c uint64
					r, c = bits.Add64(x, y, 0)
					if c != 0 {
						out.Release()
						return nil, overflowErr("BIGINT UNSIGNED", x, y, op)
					}
				case aMinus:
					var bw uint64
					r, bw = bits.Sub64(x, y, 0)
					if bw != 0 {
						out.Release()
						return nil, overflowErr("BIGINT UNSIGNED", x, y, op)
					}
				case aMul:
					hi, lo := bits.Mul64(x, y)
					if hi != 0 {
						out.Release()
						return nil, overflowErr("BIGINT UNSIGNED", x, y, op)
					}
					r = lo
				case aIntDiv, aMod:
					if y == 0 {
						if err := divZero(ec); err != nil {
							out.Release()
							return nil, err
						}
						out.SetNull(i)
						continue
					}
					if op == aIntDiv {
						r = x / y
					} else {
						r = x % y
					}
				}
				out.Values[i] = r
			}
			return out.Finish(), nil
		}
	}
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		out := NewFixedOut[int64](ec.mem(), Int64, nrows)
		out.InheritNulls(args[0], args[1])
		av, bv := Values[int64](args[0]), Values[int64](args[1])
		dst := out.Values
		switch op {
		case aPlus:
			for i := range dst {
				x, y := av[i], bv[i]
				r := x + y
				if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) && !out.IsNull(i) {
					out.Release()
					return nil, overflowErr("BIGINT", x, y, op)
				}
				dst[i] = r
			}
		case aMinus:
			for i := range dst {
				x, y := av[i], bv[i]
				r := x - y
				if (x >= 0) != (y >= 0) && (r >= 0) != (x >= 0) && !out.IsNull(i) {
					out.Release()
					return nil, overflowErr("BIGINT", x, y, op)
				}
				dst[i] = r
			}
		case aMul:
			for i := range dst {
				x, y := av[i], bv[i]
				r := x * y
				if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) && !out.IsNull(i) {
					out.Release()
					return nil, overflowErr("BIGINT", x, y, op)
				}
				dst[i] = x * y
			}
		case aIntDiv, aMod:
			for i := range dst {
				if out.IsNull(i) {
					continue
				}
				x, y := av[i], bv[i]
				if y == 0 {
					if err := divZero(ec); err != nil {
						out.Release()
						return nil, err
					}
					out.SetNull(i)
					continue
				}
				if y == -1 {
					if op == aMod {
						dst[i] = 0
						continue
					}
					if x == math.MinInt64 {
						out.Release()
						return nil, overflowErr("BIGINT", x, y, op)
					}
					dst[i] = -x
					continue
				}
				if op == aIntDiv {
					dst[i] = x / y
				} else {
					dst[i] = x % y
				}
			}
		}
		return out.Finish(), nil
	}
}

func floatArithKernel(op arithOp) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		out := NewFixedOut[float64](ec.mem(), Float64, nrows)
		out.InheritNulls(args[0], args[1])
		av, bv := Values[float64](args[0]), Values[float64](args[1])
		dst := out.Values
		switch op {
		case aPlus:
			for i := range dst {
				dst[i] = av[i] + bv[i]
			}
		case aMinus:
			for i := range dst {
				dst[i] = av[i] - bv[i]
			}
		case aMul:
			for i := range dst {
				dst[i] = av[i] * bv[i]
			}
		case aDiv, aMod:
			for i := range dst {
				if bv[i] == 0 {
					if !out.IsNull(i) {
						if err := divZero(ec); err != nil {
							out.Release()
							return nil, err
						}
					}
					out.SetNull(i)
					continue
				}
				if op == aDiv {
					dst[i] = av[i] / bv[i]
				} else {
					dst[i] = math.Mod(av[i], bv[i])
				}
			}
		}
		for i, r := range dst {
			if math.IsInf(r, 0) && !out.IsNull(i) {
				out.Release()
				return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "DOUBLE value is out of range in '(%s %s %s)'", formatFloat(av[i]), arithSym[op], formatFloat(bv[i]))
			}
		}
		return out.Finish(), nil
	}
}

func floatIntDivKernel(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	out := NewFixedOut[int64](ec.mem(), Int64, nrows)
	out.InheritNulls(args[0], args[1])
	av, bv := Values[float64](args[0]), Values[float64](args[1])
	for i := range out.Values {
		if out.IsNull(i) {
			continue
		}
		if bv[i] == 0 {
			if err := divZero(ec); err != nil {
				out.Release()
				return nil, err
			}
			out.SetNull(i)
			continue
		}
		q := math.Trunc(av[i] / bv[i])
		if q >= 9223372036854775807 || q < -9223372036854775808 || math.IsNaN(q) {
			out.Release()
			return nil, overflowErr("BIGINT", formatFloat(av[i]), formatFloat(bv[i]), aIntDiv)
		}
		out.Values[i] = int64(q)
	}
	return out.Finish(), nil
}

func decArithKernel(op arithOp, rt arrow.DataType) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		_, sa := decimalPS(args[0].DataType())
		_, sb := decimalPS(args[1].DataType())
		av, bv := Values[decimal128.Num](args[0]), Values[decimal128.Num](args[1])
		if op == aIntDiv {
			out := NewFixedOut[int64](ec.mem(), Int64, nrows)
			out.InheritNulls(args[0], args[1])
			s := max(sa, sb)
			for i := range out.Values {
				if out.IsNull(i) {
					continue
				}
				x, ok1 := decRescale(av[i], sa, s)
				y, ok2 := decRescale(bv[i], sb, s)
				if y.Sign() == 0 {
					if err := divZero(ec); err != nil {
						out.Release()
						return nil, err
					}
					out.SetNull(i)
					continue
				}
				q := new(big.Int).Quo(x.BigInt(), y.BigInt())
				if !ok1 || !ok2 || !q.IsInt64() {
					out.Release()
					return nil, overflowErr("BIGINT", FormatDecimal(av[i], sa), FormatDecimal(bv[i], sb), op)
				}
				out.Values[i] = q.Int64()
			}
			return out.Finish(), nil
		}
		rp, rs := decimalPS(rt)
		out := NewFixedOut[decimal128.Num](ec.mem(), rt, nrows)
		out.InheritNulls(args[0], args[1])
		fail := func(i int) (arrow.Array, error) {
			out.Release()
			return nil, overflowErr("DECIMAL", FormatDecimal(av[i], sa), FormatDecimal(bv[i], sb), op)
		}
		for i := range out.Values {
			if out.IsNull(i) {
				continue
			}
			x, y := av[i], bv[i]
			var r decimal128.Num
			ok := true
			switch op {
			case aPlus, aMinus, aMod:
				s := max(sa, sb)
				var ok1, ok2 bool
				x, ok1 = decScaleUp(x, s-sa)
				y, ok2 = decScaleUp(y, s-sb)
				if !ok1 || !ok2 {
					return fail(i)
				}
				switch op {
				case aPlus:
					r, ok = decAdd(x, y)
				case aMinus:
					r, ok = decAdd(x, y.Negate())
				default:
					if y.Sign() == 0 {
						if err := divZero(ec); err != nil {
							out.Release()
							return nil, err
						}
						out.SetNull(i)
						continue
					}
					_, r = x.Div(y)
				}
				if ok {
					r, ok = decRescale(r, s, rs)
				}
			case aMul:
				r, ok = decMul(x, y)
				if ok && sa+sb != rs {
					r, ok = decRescale(r, sa+sb, rs)
				}
			case aDiv:
				if y.Sign() == 0 {
					if err := divZero(ec); err != nil {
						out.Release()
						return nil, err
					}
					out.SetNull(i)
					continue
				}
				// x/10^sa ÷ y/10^sb at scale rs: (x * 10^(rs - sa + sb)) / y.
				k := rs - sa + sb
				if k >= 0 {
					xs, ok1 := decScaleUp(x, k)
					if ok1 {
						r = decDivRound(xs, y)
					} else {
						// x * 10^k exceeds 128 bits: divide in big integers.
						bx := new(big.Int).Mul(x.BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil))
						by := y.BigInt()
						q, rem := new(big.Int).QuoRem(bx, by, new(big.Int))
						if rem.Abs(rem).Lsh(rem, 1).Cmp(new(big.Int).Abs(by)) >= 0 {
							q.Add(q, big.NewInt(int64(bx.Sign()*by.Sign())))
						}
						if q.BitLen() > 126 {
							return fail(i)
						}
						r = decimal128.FromBigInt(q)
					}
				} else {
					ys, ok1 := decScaleUp(y, -k)
					if !ok1 {
						r = decimal128.Num{}
					} else {
						r = decDivRound(x, ys)
					}
				}
			}
			if !ok || !r.FitsInPrecision(rp) {
				return fail(i)
			}
			out.Values[i] = r
		}
		return out.Finish(), nil
	}
}

// ---- unary minus, bit operations ----

func negResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 1 {
		return nil, ErrWrongArgCount("unaryminus")
	}
	t := args[0]
	switch operandClass(t) {
	case acInt:
		return bound("unaryminus", []arrow.DataType{Int64}, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			out := NewFixedOut[int64](ec.mem(), Int64, n)
			out.InheritNulls(a[0])
			for i, v := range Values[int64](a[0]) {
				if v == math.MinInt64 && !out.IsNull(i) {
					out.Release()
					return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "BIGINT value is out of range in '-(%d)'", v)
				}
				out.Values[i] = -v
			}
			return out.Finish(), nil
		}), nil
	case acUint, acDecimal:
		dt := decOperand(t)
		return bound("unaryminus", []arrow.DataType{dt}, dt, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[decimal128.Num, decimal128.Num](ec, a[0], dt, decimal128.Num.Negate), nil
		}), nil
	}
	return bound("unaryminus", []arrow.DataType{Float64}, Float64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		return Unary[float64, float64](ec, a[0], Float64, func(v float64) float64 { return -v }), nil
	}), nil
}

func plusResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 1 {
		return nil, ErrWrongArgCount("unaryplus")
	}
	t := CanonicalType(args[0])
	return bound("unaryplus", []arrow.DataType{t}, t, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		a[0].Retain()
		return a[0], nil
	}), nil
}

func registerArith(r *Registry) {
	for _, x := range []struct {
		name string
		op   arithOp
		desc string
	}{
		{"plus", aPlus, "a + b"},
		{"minus", aMinus, "a - b"},
		{"mul", aMul, "a * b"},
		{"div", aDiv, "a / b (DECIMAL for exact operands; NULL on division by zero)"},
		{"intdiv", aIntDiv, "a DIV b (integer division)"},
		{"mod", aMod, "a % b, MOD(a, b)"},
	} {
		r.Register(customEntry(x.name, "(number, number) -> number", x.desc, Immutable, 2, 2, arithResolver(x.name, x.op)))
	}
	r.Register(customEntry("unaryminus", "(number) -> number", "-x", Immutable, 1, 1, negResolver))
	r.Register(customEntry("unaryplus", "(number) -> number", "+x", Immutable, 1, 1, plusResolver))

	u1 := []arrow.DataType{Uint64}
	u2 := []arrow.DataType{Uint64, Uint64}
	bin := func(f func(a, b uint64) uint64) Kernel {
		return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Binary[uint64, uint64, uint64](ec, a[0], a[1], Uint64, f), nil
		}
	}
	r.Register(NewScalarEntry("bitand", "a & b", Immutable, Overload{Args: u2, Return: Uint64, Kernel: bin(func(a, b uint64) uint64 { return a & b })}))
	r.Register(NewScalarEntry("bitor", "a | b", Immutable, Overload{Args: u2, Return: Uint64, Kernel: bin(func(a, b uint64) uint64 { return a | b })}))
	r.Register(NewScalarEntry("bitxor", "a ^ b", Immutable, Overload{Args: u2, Return: Uint64, Kernel: bin(func(a, b uint64) uint64 { return a ^ b })}))
	r.Register(NewScalarEntry("leftshift", "a << b", Immutable, Overload{Args: u2, Return: Uint64, Kernel: bin(func(a, b uint64) uint64 {
		if b >= 64 {
			return 0
		}
		return a << b
	})}))
	r.Register(NewScalarEntry("rightshift", "a >> b", Immutable, Overload{Args: u2, Return: Uint64, Kernel: bin(func(a, b uint64) uint64 {
		if b >= 64 {
			return 0
		}
		return a >> b
	})}))
	r.Register(NewScalarEntry("bitneg", "~a", Immutable, Overload{Args: u1, Return: Uint64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		return Unary[uint64, uint64](ec, a[0], Uint64, func(v uint64) uint64 { return ^v }), nil
	}}))
	r.Register(NewScalarEntry("bit_count", "number of set bits", Immutable, Overload{Args: u1, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		return Unary[uint64, int64](ec, a[0], Int64, func(v uint64) int64 { return int64(bits.OnesCount64(v)) }), nil
	}}))
}

// mixedArithKernel computes one signed and one unsigned operand exactly and
// checks that the result fits BIGINT UNSIGNED, as MySQL does.
func mixedArithKernel(op arithOp) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		num := func(a arrow.Array) func(i int) decimal128.Num {
			if a.DataType().ID() == arrow.UINT64 {
				v := Values[uint64](a)
				return func(i int) decimal128.Num { return decimal128.FromU64(v[i]) }
			}
			v := Values[int64](a)
			return func(i int) decimal128.Num { return decimal128.FromI64(v[i]) }
		}
		x, y := num(args[0]), num(args[1])
		out := NewFixedOut[uint64](ec.mem(), Uint64, nrows)
		out.InheritNulls(args[0], args[1])
		for i := 0; i < nrows; i++ {
			if out.IsNull(i) {
				continue
			}
			a, b := x(i), y(i)
			var r decimal128.Num
			ok := true
			switch op {
			case aPlus:
				r, ok = decAdd(a, b)
			case aMinus:
				r, ok = decAdd(a, b.Negate())
			case aMul:
				r, ok = decMul(a, b)
			case aIntDiv, aMod:
				if b.Sign() == 0 {
					if err := divZero(ec); err != nil {
						out.Release()
						return nil, err
					}
					out.SetNull(i)
					continue
				}
				q, rem := a.Div(b)
				r = q
				if op == aMod {
					r = rem
				}
			}
			if !ok || r.Sign() < 0 || r.HighBits() != 0 {
				out.Release()
				return nil, overflowErr("BIGINT UNSIGNED", FormatDecimal(a, 0), FormatDecimal(b, 0), op)
			}
			out.Values[i] = r.LowBits()
		}
		return out.Finish(), nil
	}
}
