package functions

import (
	"regexp"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// REGEXP_REPLACE, REGEXP_SUBSTR and REGEXP_INSTR with MySQL's optional
// arguments: the character position to start at, which occurrence, (for
// REGEXP_INSTR) whether to return the match's start or end, and match flags.

// regexpArgs reads the optional integer and flag arguments of a row.
type regexpArgs struct {
	ints  [][]int64 // pos, occurrence, return_option: as many as given
	flags StringView
	hasFl bool
}

func newRegexpArgs(a []arrow.Array, firstInt, nInts int) regexpArgs {
	var r regexpArgs
	for j := firstInt; j < len(a) && j < firstInt+nInts; j++ {
		r.ints = append(r.ints, Values[int64](a[j]))
	}
	if len(a) > firstInt+nInts {
		r.flags, r.hasFl = StringsOf(a[firstInt+nInts]), true
	}
	return r
}

// get returns optional integer k of row i, or def when it was not given.
func (r regexpArgs) get(k, i int, def int64) int64 {
	if k < len(r.ints) {
		return r.ints[k][i]
	}
	return def
}

func (r regexpArgs) flagsOf(i int) string {
	if r.hasFl {
		return r.flags.Get(i)
	}
	return ""
}

// byteOffset is the byte offset of 1-based character position pos in s
// (ok=false when pos is outside 1..len+1, MySQL's error 3685).
func byteOffset(s string, pos int64) (int, bool) {
	if pos < 1 {
		return 0, false
	}
	off := 0
	for k := int64(1); k < pos; k++ {
		if off >= len(s) {
			return 0, false
		}
		_, w := utf8.DecodeRuneInString(s[off:])
		off += w
	}
	return off, true
}

// nthMatch finds the occurrence-th match of re in s at or after byte from:
// its start and end, then its groups' (offsets into s).
func nthMatch(re *regexp.Regexp, s string, from int, occurrence int64) []int {
	if occurrence < 1 {
		occurrence = 1
	}
	all := re.FindAllStringSubmatchIndex(s[from:], int(occurrence))
	if int64(len(all)) < occurrence {
		return nil
	}
	m := append([]int(nil), all[occurrence-1]...)
	for k := range m {
		if m[k] >= 0 {
			m[k] += from
		}
	}
	return m
}

// regexpRows reads a regexp function's rows: its text, pattern (compiled
// with the row's flags) and start position.
type regexpRows struct {
	sv, pv StringView
	opt    regexpArgs
	cache  regexCache
	err    error
}

// first is the index of the first optional integer argument.
func newRegexpRows(a []arrow.Array, first, nInts int) *regexpRows {
	return &regexpRows{sv: StringsOf(a[0]), pv: StringsOf(a[1]), opt: newRegexpArgs(a, first, nInts)}
}

// row reads row i; after an error (kept in r.err) every row is NULL.
func (r *regexpRows) row(i int) (re *regexp.Regexp, s string, from int, ok bool) {
	if r.err != nil {
		return nil, "", 0, false
	}
	if re, r.err = r.cache.get(r.pv.Get(i), r.opt.flagsOf(i)); r.err != nil {
		return nil, "", 0, false
	}
	s = r.sv.Get(i)
	if from, ok = byteOffset(s, r.opt.get(0, i, 1)); !ok {
		r.err = errRegexpPos
	}
	return re, s, from, ok
}

// result returns res, or releases it and returns the error a row met.
func (r *regexpRows) result(res arrow.Array) (arrow.Array, error) {
	if r.err != nil {
		res.Release()
		return nil, r.err
	}
	return res, nil
}

var errRegexpPos = sqlerr.New(3685, "Index out of bounds in regular expression search.")

func registerRegexpPositional(r *Registry) {
	replaceK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		rows, rv := newRegexpRows(a, 3, 2), StringsOf(a[2])
		res := StringKernel(ec, a, n, func(i int) (string, bool) {
			re, s, from, ok := rows.row(i)
			if !ok {
				return "", false
			}
			occ := rows.opt.get(1, i, 0)
			if occ <= 0 { // every match from pos on
				return s[:from] + re.ReplaceAllString(s[from:], rv.Get(i)), true
			}
			m := nthMatch(re, s, from, occ)
			if m == nil {
				return s, true
			}
			dst := re.ExpandString(nil, rv.Get(i), s, m)
			return s[:m[0]] + string(dst) + s[m[1]:], true
		})
		return rows.result(res)
	}
	r.Register(NewScalarEntry("regexp_replace", "REGEXP_REPLACE(s, pattern, replacement[, pos[, occurrence[, flags]]]): matches replaced (occurrence 0: all; Go RE2 syntax, ${1} for groups)", Immutable,
		Overload{Args: s3, Return: Utf8, Kernel: replaceK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Utf8, Int64}, Return: Utf8, Kernel: replaceK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Utf8, Int64, Int64}, Return: Utf8, Kernel: replaceK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Utf8, Int64, Int64, Utf8}, Return: Utf8, Kernel: replaceK}))
	substrK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		rows := newRegexpRows(a, 2, 2)
		res := StringKernel(ec, a, n, func(i int) (string, bool) {
			re, s, from, ok := rows.row(i)
			if !ok {
				return "", false
			}
			m := nthMatch(re, s, from, rows.opt.get(1, i, 1))
			if m == nil {
				return "", false
			}
			return s[m[0]:m[1]], true
		})
		return rows.result(res)
	}
	r.Register(NewScalarEntry("regexp_substr", "REGEXP_SUBSTR(s, pattern[, pos[, occurrence[, flags]]]): the matching text, NULL if none", Immutable,
		Overload{Args: s2, Return: Utf8, Kernel: substrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64}, Return: Utf8, Kernel: substrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64, Int64}, Return: Utf8, Kernel: substrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64, Int64, Utf8}, Return: Utf8, Kernel: substrK}))
	instrK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		rows := newRegexpRows(a, 2, 3)
		res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
			re, s, from, ok := rows.row(i)
			if !ok {
				return 0, false
			}
			m := nthMatch(re, s, from, rows.opt.get(1, i, 1))
			if m == nil {
				return 0, true
			}
			at := m[0]
			if rows.opt.get(2, i, 0) != 0 {
				at = m[1] // return_option 1: the position after the match
			}
			return runeLen(s[:at]) + 1, true
		})
		return rows.result(res)
	}
	r.Register(NewScalarEntry("regexp_instr", "REGEXP_INSTR(s, pattern[, pos[, occurrence[, return_option[, flags]]]]): 1-based character position of the match (after it when return_option is 1), 0 if none", Immutable,
		Overload{Args: s2, Return: Int64, Kernel: instrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64}, Return: Int64, Kernel: instrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64, Int64}, Return: Int64, Kernel: instrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64, Int64, Int64}, Return: Int64, Kernel: instrK},
		Overload{Args: []arrow.DataType{Utf8, Utf8, Int64, Int64, Int64, Utf8}, Return: Int64, Kernel: instrK}))
}
