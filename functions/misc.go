package functions

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
)

// ServerVersion is what VERSION() reports; MySQL clients parse the prefix.
const ServerVersion = "8.0.36-GenevaSQL"

func registerMisc(r *Registry) {
	r.Register(NewScalarEntry("substring_index", "SUBSTRING_INDEX(s, delim, count): text before the count-th delimiter (after, for negative count)", Immutable,
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv, dv, cv := StringsOf(a[0]), StringsOf(a[1]), Values[int64](a[2])
			return StringKernel(ec, a, n, func(i int) (string, bool) { return substringIndex(sv.Get(i), dv.Get(i), cv[i]), true }), nil
		}}))
	strFn(r, "to_base64", "base64 encoding", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) { return base64.StdEncoding.EncodeToString([]byte(sv.Get(i))), true }
	})
	strFn(r, "from_base64", "base64 decoding (NULL if invalid)", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) {
			b, err := base64.StdEncoding.DecodeString(sv.Get(i))
			return string(b), err == nil
		}
	})
	strFn(r, "bin", "binary text of an integer", i1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		v := Values[int64](a[0])
		return func(i int) (string, bool) { return strconv.FormatUint(uint64(v[i]), 2), true }
	})
	strFn(r, "oct", "octal text of an integer", i1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		v := Values[int64](a[0])
		return func(i int) (string, bool) { return strconv.FormatUint(uint64(v[i]), 8), true }
	})
	intFn(r, "ord", "code of the first character's bytes", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		sv := StringsOf(a[0])
		return func(i int) (int64, bool) {
			s := sv.Get(i)
			if s == "" {
				return 0, true
			}
			_, w := decodeRune(s, 0)
			var v int64
			for k := 0; k < w; k++ {
				v = v*256 + int64(s[k])
			}
			return v, true
		}
	})
	r.Register(NewScalarEntry("field", "FIELD(s, s1, s2, ...): 1-based index of s among the rest, 0 if absent", Immutable,
		Overload{Args: s2, Variadic: Utf8, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			views := make([]StringView, len(a))
			valid := make([]Validity, len(a))
			for j := range a {
				views[j], valid[j] = StringsOf(a[j]), ValidityOf(a[j])
			}
			out := NewFixedOut[int64](ec.mem(), Int64, n)
			for i := 0; i < n; i++ {
				if !valid[0].Valid(i) {
					continue // FIELD(NULL, ...) is 0
				}
				for j := 1; j < len(a); j++ {
					if valid[j].Valid(i) && CompareStrings(views[0].Get(i), views[j].Get(i)) == 0 {
						out.Values[i] = int64(j)
						break
					}
				}
			}
			return out.Finish(), nil
		}}))
	r.Register(NewScalarEntry("elt", "ELT(n, s1, s2, ...): the n-th string, NULL if out of range", Immutable,
		Overload{Args: []arrow.DataType{Int64, Utf8}, Variadic: Utf8, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			idx := Values[int64](a[0])
			iv := ValidityOf(a[0])
			views := make([]StringView, len(a))
			valid := make([]Validity, len(a))
			for j := range a {
				views[j], valid[j] = StringsOf(a[j]), ValidityOf(a[j])
			}
			return StringKernel(ec, nil, n, func(i int) (string, bool) {
				if !iv.Valid(i) || idx[i] < 1 || idx[i] >= int64(len(a)) || !valid[idx[i]].Valid(i) {
					return "", false
				}
				return views[idx[i]].Get(i), true
			}), nil
		}}))
	r.Register(NewScalarEntry("uuid", "a random UUID (version 4)", Volatile, Overload{Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return StringKernel(ec, nil, n, func(int) (string, bool) { return uuid.NewString(), true }), nil
		}}))
	r.Register(NewScalarEntry("version", "server version", Immutable, Overload{Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return StringKernel(ec, nil, n, func(int) (string, bool) { return ServerVersion, true }), nil
		}}))
	r.Register(customEntry("between", "(x, lo, hi) -> BOOLEAN", "lo <= x AND x <= hi, compared in the common type", Immutable, 3, 3, betweenResolver))
	r.Register(NewScalarEntry("timestampadd", "TIMESTAMPADD(unit, n, d) = DATE_ADD(d, INTERVAL n unit)", Immutable,
		Overload{Args: []arrow.DataType{Utf8, Utf8, Datetime}, Return: Datetime, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return dateAddKernel(1, false)(ec, []arrow.Array{a[2], a[1], a[0]}, n)
		}}))
	r.Register(NewScalarEntry("makedate", "MAKEDATE(year, day_of_year)", Immutable,
		Overload{Args: []arrow.DataType{Int64, Int64}, Return: Date32, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return BinaryNullable[int64, int64, arrow.Date32](ec, a[0], a[1], Date32, func(y, d int64) (arrow.Date32, bool) {
				if d <= 0 || y < 0 || y > 9999 {
					return 0, false
				}
				if y < 70 {
					y += 2000
				} else if y < 100 {
					y += 1900
				}
				return arrow.Date32(daysFromCivil(y, 1, 1) + d - 1), true
			}), nil
		}}))
	// ILIKE is LIKE: the default collation is already case-insensitive.
	r.Register(customEntry("ilike", "(VARCHAR, VARCHAR[, VARCHAR]) -> BOOLEAN", "case-insensitive LIKE", Immutable, 2, 3, likeResolver))
	r.Register(NewScalarEntry("istrue_with_null", "x IS TRUE keeping NULL", Immutable, Overload{Args: []arrow.DataType{Bool}, Return: Bool,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { a[0].Retain(); return a[0], nil }}))
}

// substringIndex implements SUBSTRING_INDEX (delimiter matched case-sensitively, as MySQL does).
func substringIndex(s, delim string, count int64) string {
	if delim == "" || count == 0 {
		return ""
	}
	if count > 0 {
		idx := 0
		for k := int64(0); k < count; k++ {
			j := strings.Index(s[idx:], delim)
			if j < 0 {
				return s
			}
			idx += j + len(delim)
		}
		return s[:idx-len(delim)]
	}
	end := len(s)
	for k := int64(0); k < -count; k++ {
		j := strings.LastIndex(s[:end], delim)
		if j < 0 {
			return s
		}
		end = j
	}
	return s[end+len(delim):]
}

func betweenResolver(args []arrow.DataType) (*Bound, error) {
	ct, err := CommonTypeOf(args)
	if err != nil {
		return nil, err
	}
	return bound("between", repeatType(ct, 3), Bool, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		lo, hi := make([]int8, n), make([]int8, n)
		if err := CompareArrays(a[0], a[1], lo); err != nil {
			return nil, err
		}
		if err := CompareArrays(a[0], a[2], hi); err != nil {
			return nil, err
		}
		// Three-valued: FALSE if either bound is known to fail, even if the other is NULL.
		out := NewBoolOut(ec.mem(), n)
		vx, vl, vh := ValidityOf(a[0]), ValidityOf(a[1]), ValidityOf(a[2])
		for i := 0; i < n; i++ {
			if !vx.Valid(i) {
				out.SetNull(i)
				continue
			}
			geLo := triNull
			if vl.Valid(i) {
				geLo = boolTri(lo[i] >= 0)
			}
			leHi := triNull
			if vh.Valid(i) {
				leHi = boolTri(hi[i] <= 0)
			}
			switch triAnd(geLo, leHi) {
			case triTrue:
				out.Set(i, true)
			case triNull:
				out.SetNull(i)
			}
		}
		return out.Finish(), nil
	}), nil
}

func boolTri(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}
