package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

type aggCase struct {
	fn       string
	distinct bool
	sep      string // "" means the default ","
	noSep    bool   // SEPARATOR ''
	// Two batches: groups and argument columns for each.
	groups  [2][]uint32
	args    [2][]arg
	ngroups int
	want    string
	typ     string
	errCode int
}

func TestAggregates(t *testing.T) {
	g1 := []uint32{0, 1, 0, 1}
	g2 := []uint32{2, 0, 1}
	cases := []aggCase{
		{fn: "count", groups: [2][]uint32{g1, g2}, ngroups: 3, want: "3|3|1", typ: "BIGINT"},
		{fn: "count", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, nil, 2, 3)}, {I(nil, 5, 6)}}, ngroups: 3, want: "3|2|0"},
		{fn: "count", distinct: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 1, 1, 2)}, {I(9, 1, 2)}}, ngroups: 3, want: "1|2|1"},
		{fn: "count", distinct: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{S("a", "x", "A", "x")}, {S("q", "b", nil)}}, ngroups: 3, want: "2|1|1"},
		{fn: "count", distinct: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 1, 1, 1), S("a", "a", "b", "a")}, {I(1, 1, 1), S("a", "a", "a")}}, ngroups: 3, want: "2|1|1"},
		{fn: "sum", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 3, 4)}, {I(nil, 10, nil)}}, ngroups: 3, want: "14|6|NULL", typ: "DECIMAL(38,0)"},
		{fn: "sum", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(9223372036854775807, 0, 9223372036854775807, 0)}, {I(1, 1, 1)}}, ngroups: 3, want: "18446744073709551615|1|1"},
		{fn: "sum", distinct: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(5, 2, 5, 2)}, {I(1, 5, 3)}}, ngroups: 3, want: "5|5|1"},
		{fn: "sum", groups: [2][]uint32{g1, g2}, args: [2][]arg{{F(0.5, 1.0, 0.25, nil)}, {F(1.0, 1.0, nil)}}, ngroups: 3, want: "1.75|1|1", typ: "DOUBLE"},
		{fn: "sum", groups: [2][]uint32{g1, g2}, args: [2][]arg{{D(4, 2, "1.25", "1.00", "2.50", nil)}, {D(4, 2, "0.01", "0.01", "0.01")}}, ngroups: 3, want: "3.76|1.01|0.01", typ: "DECIMAL(26,2)"},
		{fn: "avg", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 2, 4)}, {I(nil, 1, nil)}}, ngroups: 3, want: "1.3333|3.0000|NULL", typ: "DECIMAL(38,4)"},
		{fn: "avg", groups: [2][]uint32{g1, g2}, args: [2][]arg{{F(1.0, 2.0, 2.0, 4.0)}, {F(nil, 1.0, nil)}}, ngroups: 3, want: "1.3333333333333333|3|NULL"},
		{fn: "avg", groups: [2][]uint32{g1, g2}, args: [2][]arg{{D(4, 2, "1.00", "2.00", "2.00", "4.00")}, {D(4, 2, nil, "1.00", nil)}}, ngroups: 3, want: "1.333333|3.000000|NULL", typ: "DECIMAL(30,6)"},
		{fn: "min", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(5, 2, 3, nil)}, {I(7, 9, 1)}}, ngroups: 3, want: "3|1|7", typ: "BIGINT"},
		{fn: "max", groups: [2][]uint32{g1, g2}, args: [2][]arg{{S("b", "x", "A", "Y")}, {S(nil, "C", "a")}}, ngroups: 3, want: "C|Y|NULL"},
		{fn: "min", groups: [2][]uint32{g1, g2}, args: [2][]arg{{S("b", "x", "A", "Y")}, {S(nil, "C", "a")}}, ngroups: 3, want: "A|a|NULL"},
		{fn: "max", groups: [2][]uint32{g1, g2}, args: [2][]arg{{D(4, 2, "1.25", "-1.00", "2.50", nil)}, {D(4, 2, "0.01", "0.01", "0.01")}}, ngroups: 3, want: "2.50|0.01|0.01"},
		{fn: "max", groups: [2][]uint32{g1, g2}, args: [2][]arg{{DT("2024-01-02", "2020-01-01", "2023-05-05", nil)}, {DT(nil, nil, "2021-01-01")}}, ngroups: 3, want: "2024-01-02|2021-01-01|NULL"},
		{fn: "min", groups: [2][]uint32{g1, g2}, args: [2][]arg{{B(true, true, false, true)}, {B(nil, true, nil)}}, ngroups: 3, want: "0|1|NULL"},
		{fn: "group_concat", groups: [2][]uint32{g1, g2}, args: [2][]arg{{S("a", "b", "c", nil)}, {S("d", "e", "f")}}, ngroups: 3, want: "a,c,e|b,f|d", typ: "VARCHAR"},
		{fn: "group_concat", sep: "-", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 3, 4)}, {I(5, 6, 7)}}, ngroups: 3, want: "1-3-6|2-4-7|5"},
		{fn: "group_concat", noSep: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 3, 4)}, {I(5, 6, 7)}}, ngroups: 3, want: "136|247|5"},
		{fn: "group_concat", distinct: true, groups: [2][]uint32{g1, g2}, args: [2][]arg{{S("a", "b", "a", "b")}, {S("x", "a", "c")}}, ngroups: 4, want: "a|b,c|x|NULL"},
		{fn: "bit_and", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(7, 12, 5, 10)}, {I(1, nil, nil)}}, ngroups: 3, want: "5|8|1"},
		{fn: "bit_or", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 4, 8)}, {I(nil, 16, nil)}}, ngroups: 3, want: "21|10|0"},
		{fn: "bit_xor", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(3, 1, 1, 1)}, {I(nil, 0, nil)}}, ngroups: 3, want: "2|0|0"},
		{fn: "var_pop", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 3, 4)}, {I(5, 5, nil)}}, ngroups: 3, want: "2.6666666666666665|1|0"},
		{fn: "stddev_samp", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(2, 1, 4, 1)}, {I(5, 6, nil)}}, ngroups: 3, want: "2|0|NULL"},
		{fn: "any_value", groups: [2][]uint32{g1, g2}, args: [2][]arg{{S(nil, "b", "c", "d")}, {S("e", "f", "g")}}, ngroups: 4, want: "c|b|e|NULL"},
		{fn: "any_value", groups: [2][]uint32{g1, g2}, args: [2][]arg{{arg{Vector(2), []any{nil, "[1,2]", "[3,4]", "[5,6]"}}}, {arg{Vector(2), []any{"[7,8]", "[9,9]", nil}}}}, ngroups: 4, want: "[3,4]|[1,2]|[7,8]|NULL"},
		{fn: "sum", groups: [2][]uint32{g1, g2}, args: [2][]arg{{I(1, 2, 3, 4), I(1, 2, 3, 4)}, {}}, ngroups: 3, errCode: 1582},
		{fn: "count", distinct: true, groups: [2][]uint32{g1, g2}, ngroups: 3, errCode: 1582},
	}
	for _, c := range cases {
		name := c.fn
		if c.distinct {
			name += "_distinct"
		}
		t.Run(name, func(t *testing.T) {
			mem := newMem(t)
			ec, _ := newEC(mem)
			var types []arrow.DataType
			for _, a := range c.args[0] {
				types = append(types, a.typ)
			}
			ba, err := builtins.ResolveAggregate(c.fn, types, c.distinct)
			if c.errCode != 0 {
				if errCode(err) != c.errCode {
					t.Fatalf("want error %d, got %v", c.errCode, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sep := c.sep
			if sep == "" {
				sep = DefaultSeparator
			}
			if c.noSep {
				sep = ""
			}
			acc, err := ba.New(mem, AggOptions{Separator: sep})
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Release()
			seen := 0
			for b := 0; b < 2; b++ {
				for _, g := range c.groups[b] {
					seen = max(seen, int(g)+1)
				}
				var cols []arrow.Array
				for k, a := range c.args[b] {
					if a.typ == nil { // shorthand: same type as the first batch
						a.typ = c.args[0][k].typ
					}
					raw := col(t, mem, a.typ, a.vals...)
					cc, err := Cast(ec, raw, ba.ArgTypes[k])
					raw.Release()
					if err != nil {
						t.Fatal(err)
					}
					cols = append(cols, cc)
				}
				if err := acc.Update(c.groups[b], seen, cols); err != nil {
					t.Fatal(err)
				}
				for _, cc := range cols {
					cc.Release()
				}
			}
			res, err := acc.Finish(mem, c.ngroups)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			if !arrow.TypeEqual(res.DataType(), ba.ReturnType) {
				t.Fatalf("result type %s, bound %s", res.DataType(), ba.ReturnType)
			}
			if got := joined(render(t, ec, res)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			if c.typ != "" && TypeName(ba.ReturnType) != c.typ {
				t.Errorf("type %s, want %s", TypeName(ba.ReturnType), c.typ)
			}
		})
	}
	if !IsAggregate(builtins, "COUNT") || IsAggregate(builtins, "abs") {
		t.Error("IsAggregate is wrong")
	}
}
