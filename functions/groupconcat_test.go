package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// GROUP_CONCAT(v ORDER BY k…): the keys follow the values as arguments.
func TestGroupConcatOrderBy(t *testing.T) {
	g1 := []uint32{0, 1, 0, 1}
	g2 := []uint32{2, 0, 1}
	for _, c := range []struct {
		name     string
		distinct bool
		desc     []bool
		sep      string
		args     [2][]arg // values, then keys
		ngroups  int
		want     string
	}{
		{name: "int desc", desc: []bool{true}, args: [2][]arg{{S("a", "b", "c", "d"), I(1, 2, 3, 4)}, {S("e", "f", "g"), I(5, 0, 9)}}, ngroups: 4,
			want: "c,a,f|g,d,b|e|NULL"},
		{name: "string keys by collation", desc: []bool{false}, args: [2][]arg{{S("1", "2", "3", "4"), S("b", "x", "A", "Y")}, {S("5", "6", "7"), S("q", "C", "a")}}, ngroups: 3,
			want: "3,1,6|7,2,4|5"},
		{name: "null keys first asc, last desc", desc: []bool{true}, args: [2][]arg{{S("a", "b", "c", "d"), I(nil, 2, 3, nil)}, {S("e", "f", "g"), I(5, 1, 9)}}, ngroups: 3,
			want: "c,f,a|g,b,d|e"},
		{name: "null values skipped", desc: []bool{false}, args: [2][]arg{{S("a", nil, "c", "d"), I(3, 2, 1, 4)}, {S(nil, "f", "g"), I(5, 2, 9)}}, ngroups: 3,
			want: "c,f,a|d,g|NULL"},
		{name: "two keys, ties stable", desc: []bool{false, true}, args: [2][]arg{{S("a", "b", "c", "d"), I(1, 1, 1, 1), I(1, 1, 2, 1)}, {S("e", "f", "g"), I(0, 1, 1), I(0, 2, 1)}}, ngroups: 3,
			want: "c,f,a|b,d,g|e"},
		{name: "distinct on values only", distinct: true, desc: []bool{true}, sep: "; ", args: [2][]arg{{S("a", "b", "a", "B"), I(1, 2, 3, 4)}, {S("x", "c", "b"), I(0, 5, 1)}}, ngroups: 3,
			want: "c; a|b|x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := newMem(t)
			ec, _ := newEC(mem)
			ba, err := builtins.ResolveAggregate("group_concat", []arrow.DataType{Utf8}, c.distinct)
			if err != nil {
				t.Fatal(err)
			}
			sep := c.sep
			if sep == "" {
				sep = DefaultSeparator
			}
			acc, err := ba.New(mem, AggOptions{Separator: sep, OrderBy: c.desc})
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Release()
			seen := 0
			for b, groups := range [2][]uint32{g1, g2} {
				for _, g := range groups {
					seen = max(seen, int(g)+1)
				}
				var cols []arrow.Array
				for _, a := range c.args[b] {
					cols = append(cols, col(t, mem, a.typ, a.vals...))
				}
				if err := acc.Update(groups, seen, cols); err != nil {
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
			if got := joined(render(t, ec, res)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
