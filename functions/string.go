package functions

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// MaxStringResult bounds REPEAT/LPAD/SPACE results (MySQL's max_allowed_packet
// default, 64 MiB); larger results are NULL with a warning, as in MySQL.
const MaxStringResult = 64 << 20

func tooBig(ec *EvalContext, name string, n int64) bool {
	if n > MaxStringResult {
		ec.warn(1301, "Result of %s() was larger than max_allowed_packet (%d) - truncated", name, MaxStringResult)
		return true
	}
	return false
}

// strFn registers a function whose arguments are VARCHAR/BIGINT per sig and
// whose kernel builds a VARCHAR row by row; rows with a NULL argument are NULL.
func strFn(r *Registry, name, desc string, sig []arrow.DataType, f func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool)) {
	r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: sig, Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return StringKernel(ec, a, n, f(ec, a)), nil
		}}))
}

// intFn registers a function returning BIGINT computed row by row.
func intFn(r *Registry, name, desc string, sig []arrow.DataType, f func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool)) {
	r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: sig, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return RowKernel[int64](ec, Int64, a, n, f(ec, a)), nil
		}}))
}

var (
	s1  = []arrow.DataType{Utf8}
	s2  = []arrow.DataType{Utf8, Utf8}
	s3  = []arrow.DataType{Utf8, Utf8, Utf8}
	si  = []arrow.DataType{Utf8, Int64}
	sii = []arrow.DataType{Utf8, Int64, Int64}
	sis = []arrow.DataType{Utf8, Int64, Utf8}
	ssi = []arrow.DataType{Utf8, Utf8, Int64}
	i1  = []arrow.DataType{Int64}
)

// runeIndex returns the byte offset of the n-th rune (0-based) of s, or len(s).
func runeIndex(s string, n int64) int {
	if n <= 0 {
		return 0
	}
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func runeLen(s string) int64 {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return int64(utf8.RuneCountInString(s))
		}
	}
	return int64(len(s))
}

// substr implements SUBSTRING(s, pos[, len]) with MySQL's 1-based and
// negative positions.
func substr(s string, pos, n int64) string {
	l := runeLen(s)
	switch {
	case pos > 0:
		pos--
	case pos < 0:
		pos += l
		if pos < 0 {
			return ""
		}
	default:
		return ""
	}
	if pos >= l || n <= 0 {
		return ""
	}
	start := runeIndex(s, pos)
	rest := s[start:]
	if n >= l-pos {
		return rest
	}
	return rest[:runeIndex(rest, n)]
}

// locate finds sub in s (case-insensitively, like the default collation)
// starting at 1-based rune position from; 0 if absent.
func locate(sub, s string, from int64) int64 {
	if from < 1 {
		return 0
	}
	l := runeLen(s)
	if from > l+1 {
		return 0
	}
	start := runeIndex(s, from-1)
	hay := s[start:]
	if sub == "" {
		return from
	}
	subLen := runeLen(sub)
	pos := from
	for i := 0; i <= len(hay); {
		if i+len(sub) <= len(hay) && strings.EqualFold(hay[i:i+len(sub)], sub) {
			return pos
		}
		if runeLen(hay[i:]) < subLen {
			return 0
		}
		// Fall back to rune-wise comparison for case folds that change byte length.
		if hay[i] >= utf8.RuneSelf {
			cand := hay[i:]
			if CompareStrings(cand[:runeIndex(cand, subLen)], sub) == 0 {
				return pos
			}
		}
		_, w := utf8.DecodeRuneInString(hay[i:])
		if w == 0 {
			break
		}
		i += w
		pos++
	}
	return 0
}

func pad(s string, n int64, p string, left bool) (string, bool) {
	if n < 0 {
		return "", false
	}
	l := runeLen(s)
	if n <= l {
		return s[:runeIndex(s, n)], true
	}
	if p == "" {
		return "", false
	}
	need := n - l
	var b strings.Builder
	pl := runeLen(p)
	full := need / pl
	part := need % pl
	if !left {
		b.WriteString(s)
	}
	for k := int64(0); k < full; k++ {
		b.WriteString(p)
	}
	b.WriteString(p[:runeIndex(p, part)])
	if left {
		b.WriteString(s)
	}
	return b.String(), true
}

// trimDir: 0/1 both, 2 leading, 3 trailing (TiDB's ast.TrimDirectionType).
func trimRemstr(s, rem string, dir int64) string {
	if rem == "" {
		return s
	}
	if dir != 3 {
		for strings.HasPrefix(s, rem) {
			s = s[len(rem):]
		}
	}
	if dir != 2 {
		for strings.HasSuffix(s, rem) {
			s = s[:len(s)-len(rem)]
		}
	}
	return s
}

func trimDirFromString(d string) int64 {
	switch strings.ToUpper(strings.TrimSpace(d)) {
	case "LEADING":
		return 2
	case "TRAILING":
		return 3
	}
	return 1
}

// formatNumber implements FORMAT(x, d): rounded to d decimals with thousands
// separators ('1,234.57').
func formatNumber(x float64, d int64) string {
	d = max(min(d, 30), 0)
	s := strconv.FormatFloat(x, 'f', int(d), 64)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	return b.String()
}

// regexCache compiles each distinct pattern once per kernel call (patterns
// are almost always constants).
type regexCache struct {
	pat, flags string
	re         *regexp.Regexp
	err        error
}

func (c *regexCache) get(pat, flags string) (*regexp.Regexp, error) {
	if c.re != nil && pat == c.pat && flags == c.flags {
		return c.re, nil
	}
	prefix := "(?i)" // default collation is case-insensitive
	for _, f := range flags {
		switch f {
		case 'c':
			prefix = ""
		case 'i':
			prefix = "(?i)"
		case 'm':
			prefix += "(?m)"
		case 'n':
			prefix += "(?s)"
		}
	}
	re, err := regexp.Compile(prefix + pat)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "Invalid regular expression '%s': %v", pat, err)
	}
	c.pat, c.flags, c.re = pat, flags, re
	return re, nil
}

func regexpLikeKernel(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
	sv, pv := StringsOf(a[0]), StringsOf(a[1])
	var fv StringView
	if len(a) > 2 {
		fv = StringsOf(a[2])
	}
	out := NewBoolOut(ec.mem(), n)
	out.InheritNulls(a...)
	var cache regexCache
	valid := make([]Validity, len(a))
	for j := range a {
		valid[j] = ValidityOf(a[j])
	}
rows:
	for i := 0; i < n; i++ {
		for j := range valid {
			if !valid[j].Valid(i) {
				continue rows
			}
		}
		flags := ""
		if len(a) > 2 {
			flags = fv.Get(i)
		}
		re, err := cache.get(pv.Get(i), flags)
		if err != nil {
			out.Release()
			return nil, err
		}
		out.Set(i, re.MatchString(sv.Get(i)))
	}
	return out.Finish(), nil
}

func hashHex(s string, algo int) (string, bool) {
	switch algo {
	case 1:
		h := md5.Sum([]byte(s))
		return hex.EncodeToString(h[:]), true
	case 2:
		h := sha1.Sum([]byte(s))
		return hex.EncodeToString(h[:]), true
	case 224:
		h := sha256.Sum224([]byte(s))
		return hex.EncodeToString(h[:]), true
	case 0, 256:
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:]), true
	case 384:
		h := sha512.Sum384([]byte(s))
		return hex.EncodeToString(h[:]), true
	case 512:
		h := sha512.Sum512([]byte(s))
		return hex.EncodeToString(h[:]), true
	}
	return "", false
}

func registerString(r *Registry) {
	concat := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		views := make([]StringView, len(a))
		for j := range a {
			views[j] = StringsOf(a[j])
		}
		var buf []byte
		b := array.NewStringBuilder(ec.mem())
		defer b.Release()
		valid := make([]Validity, len(a))
		for j := range a {
			valid[j] = ValidityOf(a[j])
		}
	rows:
		for i := 0; i < n; i++ {
			buf = buf[:0]
			for j := range views {
				if !valid[j].Valid(i) {
					b.AppendNull()
					continue rows
				}
				buf = append(buf, views[j].Get(i)...)
			}
			b.BinaryBuilder.Append(buf)
		}
		return b.NewArray(), nil
	}
	r.Register(NewScalarEntry("concat", "concatenation (NULL if any argument is NULL)", Immutable, Overload{Args: s1, Variadic: Utf8, Return: Utf8, Kernel: concat}))
	r.Register(NewScalarEntry("concat_ws", "concatenation with separator, skipping NULLs", Immutable, Overload{Args: s2, Variadic: Utf8, Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			views := make([]StringView, len(a))
			valid := make([]Validity, len(a))
			for j := range a {
				views[j], valid[j] = StringsOf(a[j]), ValidityOf(a[j])
			}
			var buf []byte
			b := array.NewStringBuilder(ec.mem())
			defer b.Release()
			for i := 0; i < n; i++ {
				if !valid[0].Valid(i) {
					b.AppendNull()
					continue
				}
				sep := views[0].Get(i)
				buf = buf[:0]
				first := true
				for j := 1; j < len(a); j++ {
					if !valid[j].Valid(i) {
						continue
					}
					if !first {
						buf = append(buf, sep...)
					}
					first = false
					buf = append(buf, views[j].Get(i)...)
				}
				b.BinaryBuilder.Append(buf)
			}
			return b.NewArray(), nil
		}}))
	lenFn := func(chars bool) func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		return func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
			sv := StringsOf(a[0])
			return func(i int) (int64, bool) {
				if chars {
					return runeLen(sv.Get(i)), true
				}
				return int64(len(sv.Get(i))), true
			}
		}
	}
	intFn(r, "length", "length in bytes", s1, lenFn(false))
	intFn(r, "octet_length", "length in bytes", s1, lenFn(false))
	intFn(r, "char_length", "length in characters", s1, lenFn(true))
	intFn(r, "character_length", "length in characters", s1, lenFn(true))
	unary := func(f func(string) string) func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		return func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
			sv := StringsOf(a[0])
			return func(i int) (string, bool) { return f(sv.Get(i)), true }
		}
	}
	for _, n := range []string{"lower", "lcase"} {
		strFn(r, n, "lower case", s1, unary(strings.ToLower))
	}
	for _, n := range []string{"upper", "ucase"} {
		strFn(r, n, "upper case", s1, unary(strings.ToUpper))
	}
	strFn(r, "reverse", "characters in reverse order", s1, unary(func(s string) string {
		rs := []rune(s)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs)
	}))
	strFn(r, "ltrim", "remove leading spaces", s1, unary(func(s string) string { return strings.TrimLeft(s, " ") }))
	strFn(r, "rtrim", "remove trailing spaces", s1, unary(func(s string) string { return strings.TrimRight(s, " ") }))

	trimK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sv := StringsOf(a[0])
		var rv StringView
		if len(a) > 1 {
			rv = StringsOf(a[1])
		}
		var dirs []int64
		var dirStr StringView
		if len(a) > 2 {
			if a[2].DataType().ID() == arrow.INT64 {
				dirs = Values[int64](a[2])
			} else {
				dirStr = StringsOf(a[2])
			}
		}
		return StringKernel(ec, a, n, func(i int) (string, bool) {
			rem := " "
			if len(a) > 1 {
				rem = rv.Get(i)
			}
			dir := int64(1)
			if dirs != nil {
				dir = dirs[i]
			} else if len(a) > 2 {
				dir = trimDirFromString(dirStr.Get(i))
			}
			return trimRemstr(sv.Get(i), rem, dir), true
		}), nil
	}
	r.Register(NewScalarEntry("trim", "TRIM([BOTH|LEADING|TRAILING] [remstr] FROM s): args (s[, remstr[, direction]])", Immutable,
		Overload{Args: s1, Return: Utf8, Kernel: trimK},
		Overload{Args: s2, Return: Utf8, Kernel: trimK},
		Overload{Args: ssi, Return: Utf8, Kernel: trimK},
		Overload{Args: s3, Return: Utf8, Kernel: trimK}))

	subK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sv := StringsOf(a[0])
		pos := Values[int64](a[1])
		var ln []int64
		if len(a) > 2 {
			ln = Values[int64](a[2])
		}
		return StringKernel(ec, a, n, func(i int) (string, bool) {
			l := int64(math.MaxInt64)
			if ln != nil {
				l = ln[i]
			}
			return substr(sv.Get(i), pos[i], l), true
		}), nil
	}
	for _, name := range []string{"substring", "substr", "mid"} {
		r.Register(NewScalarEntry(name, "SUBSTRING(s, pos[, len]), 1-based, negative pos counts from the end", Immutable,
			Overload{Args: si, Return: Utf8, Kernel: subK}, Overload{Args: sii, Return: Utf8, Kernel: subK}))
	}
	strFn(r, "left", "leftmost n characters", si, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv, nv := StringsOf(a[0]), Values[int64](a[1])
		return func(i int) (string, bool) {
			s := sv.Get(i)
			return s[:runeIndex(s, nv[i])], true
		}
	})
	strFn(r, "right", "rightmost n characters", si, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv, nv := StringsOf(a[0]), Values[int64](a[1])
		return func(i int) (string, bool) {
			s := sv.Get(i)
			if nv[i] <= 0 {
				return "", true
			}
			l := runeLen(s)
			if nv[i] >= l {
				return s, true
			}
			return s[runeIndex(s, l-nv[i]):], true
		}
	})
	strFn(r, "replace", "replace every occurrence of from with to (case-sensitive)", s3, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv, fv, tv := StringsOf(a[0]), StringsOf(a[1]), StringsOf(a[2])
		return func(i int) (string, bool) {
			f := fv.Get(i)
			if f == "" {
				return sv.Get(i), true
			}
			return strings.ReplaceAll(sv.Get(i), f, tv.Get(i)), true
		}
	})
	strFn(r, "repeat", "s repeated n times", si, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv, nv := StringsOf(a[0]), Values[int64](a[1])
		return func(i int) (string, bool) {
			s := sv.Get(i)
			if nv[i] <= 0 || s == "" {
				return "", true
			}
			if nv[i] > MaxStringResult || tooBig(ec, "repeat", int64(len(s))*nv[i]) {
				return "", false
			}
			return strings.Repeat(s, int(nv[i])), true
		}
	})
	strFn(r, "space", "n spaces", i1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		nv := Values[int64](a[0])
		return func(i int) (string, bool) {
			if nv[i] <= 0 {
				return "", true
			}
			if tooBig(ec, "space", nv[i]) {
				return "", false
			}
			return strings.Repeat(" ", int(nv[i])), true
		}
	})
	padFn := func(left bool) func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		name := "rpad"
		if left {
			name = "lpad"
		}
		return func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
			sv, nv, pv := StringsOf(a[0]), Values[int64](a[1]), StringsOf(a[2])
			return func(i int) (string, bool) {
				if nv[i] > MaxStringResult || tooBig(ec, name, nv[i]*4) {
					return "", false
				}
				return pad(sv.Get(i), nv[i], pv.Get(i), left)
			}
		}
	}
	strFn(r, "lpad", "left-pad s to n characters with pad", sis, padFn(true))
	strFn(r, "rpad", "right-pad s to n characters with pad", sis, padFn(false))

	locK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sub, s := StringsOf(a[0]), StringsOf(a[1])
		var from []int64
		if len(a) > 2 {
			from = Values[int64](a[2])
		}
		return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
			f := int64(1)
			if from != nil {
				f = from[i]
			}
			return locate(sub.Get(i), s.Get(i), f), true
		}), nil
	}
	r.Register(NewScalarEntry("locate", "LOCATE(sub, s[, pos]): 1-based position of sub in s, 0 if absent", Immutable,
		Overload{Args: s2, Return: Int64, Kernel: locK}, Overload{Args: ssi, Return: Int64, Kernel: locK}))
	r.Register(NewScalarEntry("position", "POSITION(sub IN s)", Immutable, Overload{Args: s2, Return: Int64, Kernel: locK}))
	r.Register(NewScalarEntry("instr", "INSTR(s, sub): 1-based position of sub in s", Immutable, Overload{Args: s2, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return locK(ec, []arrow.Array{a[1], a[0]}, n)
		}}))
	intFn(r, "ascii", "code of the first byte (0 for '')", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		sv := StringsOf(a[0])
		return func(i int) (int64, bool) {
			s := sv.Get(i)
			if s == "" {
				return 0, true
			}
			return int64(s[0]), true
		}
	})
	intFn(r, "strcmp", "-1, 0 or 1 comparing under the default collation", s2, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		x, y := StringsOf(a[0]), StringsOf(a[1])
		return func(i int) (int64, bool) { return int64(CompareStrings(x.Get(i), y.Get(i))), true }
	})
	intFn(r, "find_in_set", "1-based index of s in a comma-separated list, 0 if absent", s2, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		x, y := StringsOf(a[0]), StringsOf(a[1])
		return func(i int) (int64, bool) {
			s, list := x.Get(i), y.Get(i)
			if list == "" {
				return 0, true
			}
			for k, item := range strings.Split(list, ",") {
				if CompareStrings(item, s) == 0 {
					return int64(k + 1), true
				}
			}
			return 0, true
		}
	})
	hexStr := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sv := StringsOf(a[0])
		return StringKernel(ec, a, n, func(i int) (string, bool) { return strings.ToUpper(hex.EncodeToString([]byte(sv.Get(i)))), true }), nil
	}
	hexInt := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		vals := Values[int64](a[0])
		return StringKernel(ec, a, n, func(i int) (string, bool) { return strings.ToUpper(strconv.FormatUint(uint64(vals[i]), 16)), true }), nil
	}
	r.Register(NewScalarEntry("hex", "hexadecimal text of a string's bytes or of an integer", Immutable,
		Overload{Args: s1, Return: Utf8, Kernel: hexStr}, Overload{Args: i1, Return: Utf8, Kernel: hexInt}))
	strFn(r, "unhex", "bytes from hexadecimal text (NULL if invalid)", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) {
			s := sv.Get(i)
			if len(s)%2 == 1 {
				s = "0" + s
			}
			b, err := hex.DecodeString(s)
			return string(b), err == nil
		}
	})
	r.Register(NewScalarEntry("format", "FORMAT(x, d): x rounded to d decimals with thousands separators", Immutable,
		Overload{Args: []arrow.DataType{Float64, Int64}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			x, d := Values[float64](a[0]), Values[int64](a[1])
			return StringKernel(ec, a, n, func(i int) (string, bool) { return formatNumber(x[i], d[i]), true }), nil
		}}))
	for _, name := range []string{"regexp_like", "regexp"} {
		r.Register(NewScalarEntry(name, "REGEXP_LIKE(s, pattern[, flags]): case-insensitive unless flags has 'c'", Immutable,
			Overload{Args: s2, Return: Bool, Kernel: regexpLikeKernel}, Overload{Args: s3, Return: Bool, Kernel: regexpLikeKernel}))
	}
	registerRegexpPositional(r)
	strFn(r, "md5", "MD5 digest as hex", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) { return hashHex(sv.Get(i), 1) }
	})
	for _, name := range []string{"sha1", "sha"} {
		strFn(r, name, "SHA-1 digest as hex", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
			sv := StringsOf(a[0])
			return func(i int) (string, bool) { return hashHex(sv.Get(i), 2) }
		})
	}
	strFn(r, "sha2", "SHA-2 digest as hex (bits 224, 256, 384, 512; 0 = 256)", si, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv, bits := StringsOf(a[0]), Values[int64](a[1])
		return func(i int) (string, bool) { return hashHex(sv.Get(i), int(bits[i])) }
	})
}
