package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestSlicedInputs runs kernels on arrays with a non-zero offset (as the
// executor produces after LIMIT or batch splitting) and checks they match
// the same rows built without an offset.
func TestSlicedInputs(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	type fn struct {
		name string
		args []arg
	}
	T, Fa := true, false
	cases := []fn{
		{"plus", []arg{I(1, nil, 3, 4, 5, 6, 7, 8, 9, 10, 11), I(1, 2, nil, 4, 5, 6, 7, 8, 9, 10, 11)}},
		{"eq", []arg{S("a", "B", nil, "d", "e", "f", "g", "h", "i", "j", "k"), S("A", "b", "c", nil, "x", "f", "g", "h", "i", "j", "k")}},
		{"and", []arg{B(T, Fa, nil, T, T, Fa, nil, T, T, Fa, T), B(T, T, T, nil, Fa, Fa, nil, T, Fa, T, T)}},
		{"case", []arg{B(T, Fa, nil, T, T, Fa, nil, T, T, Fa, T), S("a", "b", "c", "d", nil, "f", "g", "h", "i", "j", "k"), S("z", "y", "x", "w", "v", nil, "t", "s", "r", "q", "p")}},
		{"coalesce", []arg{D(5, 2, nil, "1.00", nil, "2.50", nil, "3", "4", nil, "5", "6", "7"), D(5, 2, "9", "9", "9", "9", "9", "9", "9", "9", "9", "9", "9")}},
		{"concat", []arg{S("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"), I(1, 2, 3, nil, 5, 6, 7, 8, 9, 10, 11)}},
		{"vec_l2_distance", []arg{arg{Vector(2), []any{"[0,0]", "[1,1]", nil, "[3,4]", "[0,0]", "[1,1]", "[2,2]", "[3,4]", "[0,0]", "[1,1]", "[5,5]"}}, arg{Vector(2), []any{"[3,4]", "[1,1]", "[1,1]", nil, "[0,1]", "[1,2]", "[2,3]", "[0,0]", "[6,8]", "[1,1]", "[5,6]"}}}},
		{"in", []arg{I(1, 2, 3, 4, nil, 6, 7, 8, 9, 10, 11), I(1, 1, 1, 1, 1, nil, 7, 7, 7, 7, 7), I(3, 3, 3, 3, 3, 3, 3, 3, 9, 9, 9)}},
		{"like", []arg{S("abc", "abd", "xbc", nil, "ab", "abcd", "a", "bc", "abc", "ABC", "aBc"), S("a%", "a%c", "_bc", "a%", "a_", "%d", "a", "%c", "abc", "abc", "a_c")}},
		{"year", []arg{TS("2024-01-01 00:00:00", "2023-01-01 00:00:00", nil, "2021-01-01 00:00:00", "2020-01-01 00:00:00", "2019-01-01 00:00:00", "2018-01-01 00:00:00", "2017-01-01 00:00:00", "2016-01-01 00:00:00", "2015-01-01 00:00:00", "2014-01-01 00:00:00")}},
	}
	for _, c := range cases {
		full := make([]arrow.Array, len(c.args))
		for i, a := range c.args {
			full[i] = col(t, mem, a.typ, a.vals...)
		}
		for _, off := range []int{1, 3, 9} {
			sliced := make([]arrow.Array, len(full))
			fresh := make([]arrow.Array, len(full))
			for i, a := range full {
				sliced[i] = array.NewSlice(a, int64(off), int64(a.Len()))
				fresh[i] = col(t, mem, c.args[i].typ, c.args[i].vals[off:]...)
			}
			got, _, err1 := call(t, ec, c.name, sliced...)
			want, _, err2 := call(t, ec, c.name, fresh...)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v / %v", c.name, err1, err2)
			}
			if joined(got) != joined(want) {
				t.Errorf("%s offset %d: got %s, want %s", c.name, off, joined(got), joined(want))
			}
			for i := range sliced {
				sliced[i].Release()
				fresh[i].Release()
			}
		}
		for _, a := range full {
			a.Release()
		}
	}
	// Casts of sliced arrays.
	s := col(t, mem, Utf8, "1", "x", nil, "4.5", "2024-01-01")
	defer s.Release()
	sl := array.NewSlice(s, 2, 5)
	defer sl.Release()
	for _, to := range []arrow.DataType{Int64, Float64, Decimal(5, 1), Bool, Date32} {
		out, err := Cast(ec, sl, to)
		if err != nil {
			t.Fatal(err)
		}
		if out.Len() != 3 || !out.IsNull(0) {
			t.Errorf("cast of slice to %s: %v", to, out)
		}
		out.Release()
	}
}
