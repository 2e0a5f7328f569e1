package functions

import (
	"bytes"
	"cmp"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/genevasql/genevasql/sqlerr"
)

// CompareStrings compares two strings under the engine's default collation,
// an approximation of MySQL's utf8mb4_0900_ai_ci: case-insensitive, accents
// of Latin letters ignored ('résumé' = 'RESUME'), no padding. Multi-letter
// expansions (ß = ss, æ = ae) are not applied. The executor should use it for ORDER BY, GROUP BY
// and DISTINCT on strings so that they agree with =.
func CompareStrings(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if 'A' <= ca && ca <= 'Z' {
				ca += 'a' - 'A'
			}
			if 'A' <= cb && cb <= 'Z' {
				cb += 'a' - 'A'
			}
			if ca != cb {
				return cmp.Compare(ca, cb)
			}
			i++
			j++
			continue
		}
		ra, wa := utf8.DecodeRuneInString(a[i:])
		rb, wb := utf8.DecodeRuneInString(b[j:])
		ra, rb = foldRune(ra), foldRune(rb)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		i += wa
		j += wb
	}
	return cmp.Compare(len(a)-i, len(b)-j)
}

// FoldString returns the collation key of s: strings that compare equal under
// CompareStrings have equal keys (for hashing in GROUP BY, DISTINCT, joins).
func FoldString(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return foldSlow(s)
		}
	}
	return s
}

// AppendFold appends the collation key of s (as FoldString) to dst without
// allocating a string, for hashing keys in bulk.
func AppendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, foldRune(r))
		i += w
	}
	return dst
}

func foldSlow(s string) string {
	return string(AppendFold(make([]byte, 0, len(s)), s))
}

func cmpSlices[T cmp.Ordered](a, b []T, out []int8) {
	for i := range out {
		out[i] = int8(cmp.Compare(a[i], b[i]))
	}
}

// CompareArrays writes the comparison of a[i] with b[i] (-1, 0, 1) into
// out[i] for every row; both arrays must have the same canonical type (use
// CommonType and Cast first). Values under NULL slots compare arbitrarily.
func CompareArrays(a, b arrow.Array, out []int8) error {
	if !arrow.TypeEqual(a.DataType(), b.DataType()) && !(IsDecimal(a.DataType()) && IsDecimal(b.DataType())) {
		return sqlerr.New(sqlerr.ErrUnknownSystem, "internal: comparing %s with %s", TypeName(a.DataType()), TypeName(b.DataType()))
	}
	switch a.DataType().ID() {
	case arrow.NULL:
		return nil
	case arrow.INT64:
		cmpSlices(Values[int64](a), Values[int64](b), out)
	case arrow.UINT64:
		cmpSlices(Values[uint64](a), Values[uint64](b), out)
	case arrow.FLOAT64:
		cmpSlices(Values[float64](a), Values[float64](b), out)
	case arrow.FLOAT32:
		cmpSlices(Values[float32](a), Values[float32](b), out)
	case arrow.INT32:
		cmpSlices(Values[int32](a), Values[int32](b), out)
	case arrow.DATE32:
		cmpSlices(Values[arrow.Date32](a), Values[arrow.Date32](b), out)
	case arrow.TIMESTAMP:
		cmpSlices(Values[arrow.Timestamp](a), Values[arrow.Timestamp](b), out)
	case arrow.TIME64:
		cmpSlices(Values[arrow.Time64](a), Values[arrow.Time64](b), out)
	case arrow.BOOL:
		av, bv := BoolsOf(a), BoolsOf(b)
		for i := range out {
			x, y := av.Get(i), bv.Get(i)
			switch {
			case x == y:
				out[i] = 0
			case x:
				out[i] = 1
			default:
				out[i] = -1
			}
		}
	case arrow.DECIMAL128:
		_, sa := decimalPS(a.DataType())
		_, sb := decimalPS(b.DataType())
		av, bv := Values[decimal128.Num](a), Values[decimal128.Num](b)
		if sa == sb {
			for i := range out {
				out[i] = int8(av[i].Cmp(bv[i]))
			}
			break
		}
		for i := range out {
			x, okx := decRescale(av[i], sa, max(sa, sb))
			y, oky := decRescale(bv[i], sb, max(sa, sb))
			if okx && oky {
				out[i] = int8(x.Cmp(y))
			} else {
				out[i] = int8(cmp.Compare(decToFloat(av[i], sa), decToFloat(bv[i], sb)))
			}
		}
	case arrow.STRING, arrow.LARGE_STRING:
		as, bs := StringsOf(a), StringsOf(b)
		for i := range out {
			out[i] = int8(CompareStrings(as.Get(i), bs.Get(i)))
		}
	case arrow.BINARY:
		ab, bb := a.(*array.Binary), b.(*array.Binary)
		for i := range out {
			out[i] = int8(bytes.Compare(ab.Value(i), bb.Value(i)))
		}
	default:
		if IsVector(a.DataType()) {
			compareVectors(a, b, out)
			return nil
		}
		return sqlerr.New(sqlerr.ErrNotSupported, "comparison of %s values is not supported", TypeName(a.DataType()))
	}
	return nil
}

// compareVectors orders vectors element by element (TiDB's rule).
func compareVectors(a, b arrow.Array, out []int8) {
	av, ad := vectorData(a)
	bv, _ := vectorData(b)
	for i := range out {
		out[i] = 0
		for k := 0; k < ad; k++ {
			if c := cmp.Compare(av[i*ad+k], bv[i*ad+k]); c != 0 {
				out[i] = int8(c)
				break
			}
		}
	}
}

// vectorData returns the flat float32 values of a VECTOR array (row i is
// vals[i*dim:(i+1)*dim]) and its dimension.
func vectorData(a arrow.Array) ([]float32, int) {
	fl := a.(*array.FixedSizeList)
	dim := int(a.DataType().(*arrow.FixedSizeListType).Len())
	vals := Values[float32](fl.ListValues())
	off := fl.Data().Offset() * dim
	return vals[off : off+a.Len()*dim], dim
}

type cmpOp int

const (
	opEQ cmpOp = iota
	opNE
	opLT
	opLE
	opGT
	opGE
	opNullEQ
)

func (op cmpOp) test(c int8) bool {
	switch op {
	case opEQ, opNullEQ:
		return c == 0
	case opNE:
		return c != 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	}
	return c >= 0
}

func compareKernel(op cmpOp) Kernel {
	return func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
		a, b := args[0], args[1]
		out := NewBoolOut(ec.mem(), nrows)
		scratch := make([]int8, nrows)
		if err := CompareArrays(a, b, scratch); err != nil {
			out.Release()
			return nil, err
		}
		for i, c := range scratch {
			out.Set(i, op.test(c))
		}
		if op == opNullEQ {
			// <=> never yields NULL: NULL <=> NULL is true, NULL <=> x false.
			va, vb := ValidityOf(a), ValidityOf(b)
			if !va.AllValid() || !vb.AllValid() {
				for i := 0; i < nrows; i++ {
					x, y := va.Valid(i), vb.Valid(i)
					if !x || !y {
						out.Set(i, x == y)
					}
				}
			}
		} else {
			out.InheritNulls(a, b)
		}
		return out.Finish(), nil
	}
}

// compareResolver casts both operands to their CommonType.
func compareResolver(name string, op cmpOp) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) != 2 {
			return nil, ErrWrongArgCount(name)
		}
		ct, err := CommonType(args[0], args[1])
		if err != nil {
			return nil, err
		}
		return bound(name, []arrow.DataType{ct, ct}, Bool, Immutable, compareKernel(op)), nil
	}
}

// ---- IN ----

func inResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) < 2 {
		return nil, ErrWrongArgCount("in")
	}
	ct, err := CommonTypeOf(args)
	if err != nil {
		return nil, err
	}
	return bound("in", repeatType(ct, len(args)), Bool, Immutable, inKernel), nil
}

// inKernel: TRUE if some item equals the value; else NULL if the value or any
// item is NULL; else FALSE (SQL three-valued logic).
func inKernel(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	v := args[0]
	found := make([]bool, nrows)
	sawNull := make([]bool, nrows)
	vv := ValidityOf(v)
	for i := range sawNull {
		sawNull[i] = !vv.Valid(i)
	}
	scratch := make([]int8, nrows)
	for _, item := range args[1:] {
		if err := CompareArrays(v, item, scratch); err != nil {
			return nil, err
		}
		iv := ValidityOf(item)
		for i, c := range scratch {
			if !iv.Valid(i) {
				sawNull[i] = true
			} else if c == 0 && vv.Valid(i) {
				found[i] = true
			}
		}
	}
	out := NewBoolOut(ec.mem(), nrows)
	for i := 0; i < nrows; i++ {
		switch {
		case found[i]:
			out.Set(i, true)
		case sawNull[i]:
			out.SetNull(i)
		}
	}
	return out.Finish(), nil
}

// ---- LIKE ----

func likeResolver(args []arrow.DataType) (*Bound, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, ErrWrongArgCount("like")
	}
	return bound("like", repeatType(Utf8, len(args)), Bool, Immutable, likeKernel), nil
}

func likeKernel(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	sv, pv := StringsOf(args[0]), StringsOf(args[1])
	out := NewBoolOut(ec.mem(), nrows)
	out.InheritNulls(args[0], args[1])
	var ev StringView
	var evalid Validity
	if len(args) == 3 {
		ev = StringsOf(args[2])
		evalid = ValidityOf(args[2])
	}
	for i := 0; i < nrows; i++ {
		esc := '\\'
		if len(args) == 3 && evalid.Valid(i) {
			e := ev.Get(i)
			if utf8.RuneCountInString(e) > 1 {
				out.Release()
				return nil, sqlerr.New(sqlerr.ErrWrongArguments, "Incorrect arguments to ESCAPE")
			}
			if e != "" {
				esc, _ = utf8.DecodeRuneInString(e)
			}
		}
		out.Set(i, LikeMatch(sv.Get(i), pv.Get(i), esc))
	}
	return out.Finish(), nil
}

// foldRune maps a rune to its collation key: lower case, and Latin letters
// with diacritics to their base letter.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r >= latinFoldBase && r < latinFoldBase+rune(len(latinFold)) {
		if b := latinFold[r-latinFoldBase]; b != 0 {
			return b
		}
	}
	return unicode.ToLower(r)
}

const latinFoldBase = 0xC0

// latinFold holds the base letter of every precomposed letter in Latin-1
// Supplement and Latin Extended-A that decomposes into a letter and
// combining marks (Ø, Ł, Đ and the like are distinct letters and stay).
var latinFold = func() (t [0x180 - latinFoldBase]rune) {
	for base, letters := range map[rune]string{
		'a': "ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'c': "ÇçĆćĈĉĊċČč", 'd': "Ďď", 'e': "ÈÉÊËèéêëĒēĔĕĖėĘęĚě",
		'g': "ĜĝĞğĠġĢģ", 'h': "Ĥĥ", 'i': "ÌÍÎÏìíîïĨĩĪīĬĭĮįİ", 'j': "Ĵĵ", 'k': "Ķķ", 'l': "ĹĺĻļĽľ",
		'n': "ÑñŃńŅņŇň", 'o': "ÒÓÔÕÖòóôõöŌōŎŏŐő", 'r': "ŔŕŖŗŘř", 's': "ŚśŜŝŞşŠš", 't': "ŢţŤť",
		'u': "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'w': "Ŵŵ", 'y': "ÝýÿŶŷŸ", 'z': "ŹźŻżŽž",
	} {
		for _, r := range letters {
			t[r-latinFoldBase] = base
		}
	}
	return t
}()

func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// LikeMatch reports whether s matches the SQL LIKE pattern p (% any run, _ one
// character, esc quoting the next character), case-insensitively.
func LikeMatch(s, p string, esc rune) bool {
	si, pi := 0, 0
	starP, starS := -1, -1
	for si < len(s) {
		if pi < len(p) {
			pc, pw := decodeRune(p, pi)
			switch {
			case pc == '%' && pc != esc:
				starP, starS = pi+pw, si
				pi += pw
				continue
			case pc == '_' && pc != esc:
				_, sw := decodeRune(s, si)
				si += sw
				pi += pw
				continue
			default:
				if pc == esc && pi+pw < len(p) {
					var lw int
					pc, lw = decodeRune(p, pi+pw)
					pw += lw
				}
				sc, sw := decodeRune(s, si)
				if foldRune(sc) == foldRune(pc) {
					si += sw
					pi += pw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := decodeRune(s, starS)
		starS += sw
		si, pi = starS, starP
	}
	for pi < len(p) {
		if p[pi] != '%' || esc == '%' {
			return false
		}
		pi++
	}
	return true
}
