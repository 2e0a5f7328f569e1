package functions

import (
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Decimal helpers with fast paths for values that fit in int64; the
// decimal128 package goes through math/big for division and rescaling.

func decIsI64(n decimal128.Num) bool {
	return (n.HighBits() == 0 && n.LowBits() <= math.MaxInt64) || (n.HighBits() == -1 && n.LowBits() >= 1<<63)
}

var pow10i64 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < 19; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decScaleUp multiplies n by 10^k; ok=false when the result would not fit in
// 38 digits.
func decScaleUp(n decimal128.Num, k int32) (decimal128.Num, bool) {
	if k <= 0 {
		return n, true
	}
	if k > 38 || !n.FitsInPrecision(38-k) {
		return n, false
	}
	return n.Mul(decimal128.GetScaleMultiplier(int(k))), true
}

// decScaleDown divides n by 10^k rounding half away from zero (MySQL's rule).
func decScaleDown(n decimal128.Num, k int32) decimal128.Num {
	if k <= 0 {
		return n
	}
	if k > 38 {
		return decimal128.Num{}
	}
	if decIsI64(n) && k < 19 {
		v := int64(n.LowBits())
		p := pow10i64[k]
		q, r := v/p, v%p
		if r < 0 {
			r = -r
		}
		if r*2 >= p {
			if v < 0 {
				q--
			} else {
				q++
			}
		}
		return decimal128.FromI64(q)
	}
	return n.ReduceScaleBy(k, true)
}

// decTruncDown divides n by 10^k truncating toward zero.
func decTruncDown(n decimal128.Num, k int32) decimal128.Num {
	if k <= 0 {
		return n
	}
	if decIsI64(n) && k < 19 {
		return decimal128.FromI64(int64(n.LowBits()) / pow10i64[k])
	}
	return n.ReduceScaleBy(k, false)
}

// decRescale converts n from scale `from` to scale `to` (rounding when
// reducing); ok=false on overflow of 38 digits.
func decRescale(n decimal128.Num, from, to int32) (decimal128.Num, bool) {
	if to >= from {
		return decScaleUp(n, to-from)
	}
	return decScaleDown(n, from-to), true
}

// decAdd adds with overflow detection.
func decAdd(a, b decimal128.Num) (decimal128.Num, bool) {
	r := a.Add(b)
	if (a.Sign() >= 0) == (b.Sign() >= 0) && (r.Sign() >= 0) != (a.Sign() >= 0) {
		return r, false
	}
	return r, r.FitsInPrecision(38)
}

// decMul multiplies (scales add) with overflow detection.
func decMul(a, b decimal128.Num) (decimal128.Num, bool) {
	if decIsI64(a) && decIsI64(b) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		if x == 0 || y == 0 {
			return decimal128.Num{}, true
		}
		p := x * y
		if p/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
			return decimal128.FromI64(p), true
		}
	}
	r := new(big.Int).Mul(a.BigInt(), b.BigInt())
	if r.BitLen() > 127 {
		return decimal128.Num{}, false
	}
	n := decimal128.FromBigInt(r)
	return n, n.FitsInPrecision(38)
}

// decDivRound computes a/b rounded half away from zero at integer precision.
func decDivRound(a, b decimal128.Num) decimal128.Num {
	if decIsI64(a) && decIsI64(b) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		if !(x == math.MinInt64 && y == -1) {
			q, r := x/y, x%y
			if r != 0 {
				ar, ay := r, y
				if ar < 0 {
					ar = -ar
				}
				if ay < 0 {
					ay = -ay
				}
				if ar >= ay-ar {
					if (x < 0) != (y < 0) {
						q--
					} else {
						q++
					}
				}
			}
			return decimal128.FromI64(q)
		}
	}
	bx, by := a.BigInt(), b.BigInt()
	q, r := new(big.Int).QuoRem(bx, by, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(by)) >= 0 {
		if bx.Sign()*by.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return decimal128.FromBigInt(q)
}

// appendDecimal formats n with scale s the way MySQL prints DECIMAL.
func appendDecimal(dst []byte, n decimal128.Num, s int32) []byte {
	var digits []byte
	neg := n.Sign() < 0
	if decIsI64(n) {
		v := int64(n.LowBits())
		if v == math.MinInt64 {
			digits = []byte("9223372036854775808")
		} else {
			if v < 0 {
				v = -v
			}
			var tmp [20]byte
			digits = strconv.AppendInt(tmp[:0], v, 10)
		}
	} else {
		digits = []byte(new(big.Int).Abs(n.BigInt()).String())
	}
	if neg {
		dst = append(dst, '-')
	}
	if s <= 0 {
		return append(dst, digits...)
	}
	sc := int(s)
	if len(digits) <= sc {
		dst = append(dst, '0', '.')
		for i := len(digits); i < sc; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	at := len(digits) - sc
	dst = append(dst, digits[:at]...)
	dst = append(dst, '.')
	return append(dst, digits[at:]...)
}

// FormatDecimal renders a decimal value with its scale ("-1.50").
func FormatDecimal(n decimal128.Num, scale int32) string {
	var buf [48]byte
	return string(appendDecimal(buf[:0], n, scale))
}

// parseDecimalPrefix parses the longest numeric prefix of s (after leading
// spaces) into a decimal of the given scale, rounding half away from zero.
// It reports whether any number was found, whether text was ignored after
// it, and whether the value overflowed 38 digits.
func parseDecimalPrefix(s string, scale int32) (n decimal128.Num, found, trailing, overflow bool) {
	if n, ok := parseDecimalFast(s, scale); ok {
		return n, true, false, false
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var mant big.Int
	var m decimal128.Num
	useBig := false
	ndig := 0
	fracDigits := int32(0)
	ten := decimal128.FromI64(10)
	addDigit := func(d byte) {
		ndig++
		if !useBig && ndig > 37 {
			useBig = true
			mant.Set(m.BigInt())
		}
		if useBig {
			mant.Mul(&mant, big.NewInt(10))
			mant.Add(&mant, big.NewInt(int64(d)))
		} else {
			m = m.Mul(ten).Add(decimal128.FromI64(int64(d)))
		}
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		addDigit(s[i] - '0')
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			addDigit(s[i] - '0')
			fracDigits++
			i++
		}
	}
	if i == start || (i == start+1 && s[start] == '.') {
		return decimal128.Num{}, false, len(s) > 0, false
	}
	exp := int32(0)
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		eneg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			eneg = s[j] == '-'
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			e := 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				if e < 10000 {
					e = e*10 + int(s[j]-'0')
				}
				j++
			}
			if eneg {
				e = -e
			}
			exp = int32(e)
			i = j
		}
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	trailing = i < len(s)
	// value = mant * 10^(exp - fracDigits); want value * 10^scale.
	shift := exp - fracDigits + scale
	if !useBig {
		mant.Set(m.BigInt())
	}
	if shift >= 0 {
		if shift > 80 {
			return n, true, trailing, mant.Sign() != 0
		}
		mant.Mul(&mant, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	} else {
		if -shift > 80 {
			mant.SetInt64(0)
		} else {
			d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-shift)), nil)
			q, r := new(big.Int).QuoRem(&mant, d, new(big.Int))
			if r.Lsh(r, 1).Cmp(d) >= 0 {
				q.Add(q, big.NewInt(1))
			}
			mant.Set(q)
		}
	}
	if neg {
		mant.Neg(&mant)
	}
	if mant.BitLen() > 126 {
		return n, true, trailing, true
	}
	n = decimal128.FromBigInt(&mant)
	return n, true, trailing, !n.FitsInPrecision(38)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// decFromFloat converts a double to a decimal at scale s. Like MySQL it
// rounds the shortest decimal text of the double (1.005e0 → 1.01 at scale 2),
// not its binary value (1.00499999...).
func decFromFloat(f float64, s int32) (decimal128.Num, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal128.Num{}, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 && s < 4 {
		return decScaleUp(decimal128.FromI64(int64(f)), s)
	}
	var buf [32]byte
	n, found, _, overflow := parseDecimalPrefix(string(strconv.AppendFloat(buf[:0], f, 'e', -1, 64)), s)
	return n, found && !overflow
}

// decMaxValue is the largest value of DECIMAL(p,s) (all nines).
func decMaxValue(p int32) decimal128.Num { return decimal128.GetMaxValue(p) }

// parseDecimalFast handles the common plain form ([-]digits[.digits], at most
// 18 digits, nothing else) without math/big; ok=false sends the caller to
// the general parser.
func parseDecimalFast(s string, scale int32) (decimal128.Num, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var v int64
	ndig, frac := 0, int32(0)
	seenDot := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			ndig++
			if ndig > 18 {
				return decimal128.Num{}, false
			}
			v = v*10 + int64(c-'0')
			if seenDot {
				frac++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return decimal128.Num{}, false
		}
	}
	if ndig == 0 {
		return decimal128.Num{}, false
	}
	if neg {
		v = -v
	}
	n := decimal128.FromI64(v)
	if scale >= frac {
		return decScaleUp(n, scale-frac)
	}
	return decScaleDown(n, frac-scale), true
}
