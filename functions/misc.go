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
