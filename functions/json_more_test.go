package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expected values are MySQL 8's (most from its reference manual's examples).
func TestJSONMore(t *testing.T) {
	doc := `{"a": 1, "b": 2, "c": {"d": 4}}`
	arr := `["a", ["b", "c"], "d"]`
	srch := `["abc", [{"k": "10"}, "def"], {"x":"abc"}, {"y":"bcd"}]`
	runCases(t, []fnCase{
		{fn: "json_contains", args: []arg{S(doc, doc, doc, doc), S("1", "1", `{"d": 4}`, `{"d": 4}`), S("$.a", "$.b", "$.a", "$.c")}, want: "1|0|0|1"},
		{fn: "json_contains", args: []arg{S("[1, 2, 3]", "[1, 2]", "1.0", `{"a": [1, 2]}`, `[1]`, nil), S("[1, 3]", "[1, 4]", "1", `{"a": 2}`, `[]`, "1")}, want: "1|0|1|1|1|NULL"},
		{fn: "json_contains", args: []arg{S(doc), S("1"), S("$.zz")}, want: "NULL"},
		{fn: "json_contains", args: []arg{S("{bad"), S("1")}, errCode: 3141},
		{fn: "json_contains", args: []arg{S("[1]"), S("{bad")}, errCode: 3141},
		{fn: "json_contains_path", args: []arg{S(doc, doc), S("one", "all"), S("$.a", "$.a"), S("$.e", "$.e")}, want: "1|0"},
		{fn: "json_contains_path", args: []arg{S(doc), S("one"), S("$.c.d")}, want: "1"},
		{fn: "json_contains_path", args: []arg{S(doc), S("some"), S("$.a")}, errCode: 3150},
		{fn: "json_overlaps", args: []arg{S("[1,3,5,7]", "[1,3,5,7]", `{"a":1,"b":10,"d":10}`, "[4,5,6,7]", `{"a": 1}`), S("[2,5,7]", "[2,6,8]", `{"c":1,"e":10,"f":1,"d":10}`, "6", `{"a": 2}`)}, want: "1|0|1|1|0"},
		{fn: "json_depth", args: []arg{S("{}", "[]", "true", "[10, 20]", `[10, {"a": 20}]`, nil)}, want: "1|1|1|2|3|NULL"},
		{fn: "json_set", args: []arg{S(`{ "a": 1, "b": [2, 3]}`), S("$.a"), I(10), S("$.c"), S("[true, false]")}, want: `{"a": 10, "b": [2, 3], "c": "[true, false]"}`},
		{fn: "json_insert", args: []arg{S(`{ "a": 1, "b": [2, 3]}`), S("$.a"), I(10), S("$.c"), S("[true, false]")}, want: `{"a": 1, "b": [2, 3], "c": "[true, false]"}`},
		{fn: "json_replace", args: []arg{S(`{ "a": 1, "b": [2, 3]}`), S("$.a"), I(10), S("$.c"), S("[true, false]")}, want: `{"a": 10, "b": [2, 3]}`},
		{fn: "json_set", args: []arg{S(`{"a": 1}`, `{"a": 1}`, nil), S("$.b", "$.a[1]", "$.a"), N(3)}, want: `{"a": 1, "b": null}|{"a": [1, null]}|NULL`},
		{fn: "json_set", args: []arg{S(`{"a": 1}`), S("$.*"), I(1)}, errCode: 3149},
		{fn: "json_set", args: []arg{S(`{"a": 1}`), S("$.a")}, errCode: 1582},
		{fn: "json_array_append", args: []arg{S(arr, arr, arr), S("$[1]", "$[0]", "$[1][0]"), I(1, 2, 3)}, want: `["a", ["b", "c", 1], "d"]|[["a", 2], ["b", "c"], "d"]|["a", [["b", 3], "c"], "d"]`},
		{fn: "json_array_insert", args: []arg{S(`["a", {"b": [1, 2]}, [3, 4]]`, `["a", {"b": [1, 2]}, [3, 4]]`, `["a", {"b": [1, 2]}, [3, 4]]`), S("$[1]", "$[100]", "$[1].b[0]"), S("x", "x", "x")}, want: `["a", "x", {"b": [1, 2]}, [3, 4]]|["a", {"b": [1, 2]}, [3, 4], "x"]|["a", {"b": ["x", 1, 2]}, [3, 4]]`},
		{fn: "json_array_insert", args: []arg{S(`[1]`), S("$.a"), I(1)}, errCode: 3165},
		{fn: "json_remove", args: []arg{S(arr, `{"a": 1, "b": {"c": 2}}`), S("$[1]", "$.b.c")}, want: `["a", "d"]|{"a": 1, "b": {}}`},
		{fn: "json_remove", args: []arg{S(arr), S("$")}, errCode: 3153},
		{fn: "json_merge_patch", args: []arg{S(`{"name": "x"}`, "[1, 2]", `{"a": 1, "b": 2}`), S(`{"id": 47}`, "[true, false]", `{"b": null}`)}, want: `{"id": 47, "name": "x"}|[true, false]|{"a": 1}`},
		{fn: "json_merge_preserve", args: []arg{S("[1, 2]", `{"name": "x"}`, "1", `{ "a": 1, "b": 2 }`), S("[true, false]", `{"id": 47}`, "true", `{ "a": 3, "c": 4 }`)}, want: `[1, 2, true, false]|{"id": 47, "name": "x"}|[1, true]|{"a": [1, 3], "b": 2, "c": 4}`},
		{fn: "json_search", args: []arg{S(srch, srch, srch, srch, srch), S("one", "all", "all", "all", "all"), S("abc", "abc", "ghi", "10", "%b%")}, want: `"$[0]"|["$[0]", "$[2].x"]|NULL|"$[1][0].k"|["$[0]", "$[2].x", "$[3].y"]`},
		{fn: "json_search", args: []arg{S(srch), S("all"), S("%b%"), N(1), S("$[3]")}, want: `"$[3].y"`},
		{fn: "json_pretty", args: []arg{S("[1,3,5]", `{"a":"10","b":"15","x":"25"}`, "{}")}, want: "[\n  1,\n  3,\n  5\n]|{\n  \"a\": \"10\",\n  \"b\": \"15\",\n  \"x\": \"25\"\n}|{}"},
	})
}

func TestJSONAggregates(t *testing.T) {
	for _, c := range []struct {
		fn   string
		args []arg
		want string
		code int
	}{
		{fn: "json_arrayagg", args: []arg{I(1, nil, 3, 4)}, want: `[1, null]|[3, 4]|NULL`},
		{fn: "json_arrayagg", args: []arg{S("x", "y", `"q"`, nil)}, want: `["x", "y"]|["\"q\"", null]|NULL`},
		{fn: "json_objectagg", args: []arg{S("b", "a", "k", "k"), F(1.5, nil, 1, 2)}, want: `{"a": null, "b": 1.5}|{"k": 2}|NULL`},
		{fn: "json_objectagg", args: []arg{S("b", nil, "k", "k"), I(1, 2, 3, 4)}, code: 3158},
	} {
		t.Run(c.fn, func(t *testing.T) {
			mem := newMem(t)
			ec, _ := newEC(mem)
			var types []arrow.DataType
			var cols []arrow.Array
			for _, a := range c.args {
				types = append(types, a.typ)
				cols = append(cols, col(t, mem, a.typ, a.vals...))
			}
			defer func() {
				for _, x := range cols {
					x.Release()
				}
			}()
			ba, err := builtins.ResolveAggregate(c.fn, types, false)
			if err != nil {
				t.Fatal(err)
			}
			acc, err := ba.New(mem, AggOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Release()
			err = acc.Update([]uint32{0, 0, 1, 1}, 3, cols)
			if c.code != 0 {
				if errCode(err) != c.code {
					t.Fatalf("want error %d, got %v", c.code, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := acc.Finish(mem, 3)
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
