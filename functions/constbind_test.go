package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestResolveScalarConst(t *testing.T) {
	cases := []struct {
		fn     string
		args   []arg
		consts []bool // which arguments are constants
		want   string
		typ    string
	}{
		{"round", []arg{D(6, 4, "1.2345", "-1.2355", "2.0000"), I(2, 2, 2)}, []bool{false, true}, "1.23|-1.24|2.00", "DECIMAL(5,2)"},
		{"round", []arg{D(8, 4, "1234.5678"), I(-2)}, []bool{false, true}, "1200", "DECIMAL(5,0)"},
		{"round", []arg{D(6, 2, "1.25"), I(5)}, []bool{false, true}, "1.25", "DECIMAL(7,2)"},
		{"truncate", []arg{D(6, 4, "1.2399"), I(2)}, []bool{false, true}, "1.23", "DECIMAL(5,2)"},
		{"round", []arg{D(6, 4, "1.2345"), I(2)}, []bool{false, false}, "1.23", "DOUBLE"},
		{"round", []arg{F(1.25), I(1)}, []bool{false, true}, "1.2", "DOUBLE"},
		{"date_add", []arg{DT("2024-01-31"), I(1), S("MONTH")}, []bool{false, true, true}, "2024-02-29", "DATE"},
		{"date_sub", []arg{DT("2024-01-31"), I(90), S("MINUTE")}, []bool{false, true, true}, "2024-01-30 22:30:00", "DATETIME"},
		{"date_add", []arg{DT("2024-01-31"), I(1), S("DAY")}, []bool{false, true, false}, "2024-02-01", "VARCHAR"},
		{"str_to_date", []arg{S("01,5,2013", "x"), S("%d,%m,%Y", "%d,%m,%Y")}, []bool{false, true}, "2013-05-01|NULL", "DATE"},
		{"vec_from_text", []arg{S("[1,2,3]")}, []bool{true}, "[1,2,3]", "VECTOR(3)"},
	}
	for _, c := range cases {
		if c.consts == nil {
			continue
		}
		t.Run(c.fn, func(t *testing.T) {
			mem := newMem(t)
			ec, _ := newEC(mem)
			arrs := make([]arrow.Array, len(c.args))
			types := make([]arrow.DataType, len(c.args))
			consts := make([]arrow.Array, len(c.args))
			for i, a := range c.args {
				arrs[i] = col(t, mem, a.typ, a.vals...)
				defer arrs[i].Release()
				types[i] = a.typ
				if c.consts[i] {
					consts[i] = col(t, mem, a.typ, a.vals[0])
					defer consts[i].Release()
				}
			}
			b, err := builtins.ResolveScalarConst(c.fn, types, consts)
			if err != nil {
				t.Fatal(err)
			}
			if TypeName(b.ReturnType) != c.typ {
				t.Errorf("type %s, want %s", TypeName(b.ReturnType), c.typ)
			}
			cast := make([]arrow.Array, len(arrs))
			for i, a := range arrs {
				if cast[i], err = Cast(ec, a, b.ArgTypes[i]); err != nil {
					t.Fatal(err)
				}
				defer cast[i].Release()
			}
			res, err := b.Kernel(ec, cast, arrs[0].Len())
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			if !arrow.TypeEqual(res.DataType(), b.ReturnType) {
				t.Errorf("kernel returned %s, bound %s", res.DataType(), b.ReturnType)
			}
			if got := joined(render(t, ec, res)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	// A user function of the same name in a child registry is not refined.
	child := builtins.NewChild()
	child.Register(NewScalarEntry("round", "user round", Immutable, Overload{Args: []arrow.DataType{Float64}, Return: Float64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { a[0].Retain(); return a[0], nil }}))
	b, err := child.ResolveScalarConst("round", []arrow.DataType{Decimal(5, 2)}, []arrow.Array{nil})
	if err != nil || TypeName(b.ReturnType) != "DOUBLE" {
		t.Errorf("shadowed round: %v %v", b, err)
	}
}
