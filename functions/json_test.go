package functions

import "testing"

func TestJSON(t *testing.T) {
	doc := `{"a": {"b": [10, 20, {"c": "x"}]}, "n": null, "s": "hi\nthere", "k y": 1.5}`
	runCases(t, []fnCase{
		{fn: "json_extract", args: []arg{S(doc, doc, doc, doc, nil), S("$.a.b[1]", "$.a.b[2].c", "$.nope", "$.a", "$.a")}, want: `20|"x"|NULL|{"b": [10, 20, {"c": "x"}]}|NULL`},
		{fn: "json_extract", args: []arg{S(doc), S(`$."k y"`)}, want: "1.5"},
		{fn: "json_extract", args: []arg{S(doc), S("$.n")}, want: "null"},
		{fn: "json_extract", args: []arg{S(doc), S("$.a.b[*]")}, want: `[10, 20, {"c": "x"}]`},
		{fn: "json_extract", args: []arg{S(doc), S("$.a.b[0]"), S("$.s")}, want: `[10, "hi\nthere"]`},
		{fn: "json_extract", args: []arg{S(doc), S("$.a.b[last]")}, want: `{"c": "x"}`},
		{fn: "json_extract", args: []arg{S("[1, 2]"), S("$[0]")}, want: "1"},
		{fn: "json_extract", args: []arg{S("{bad"), S("$.a")}, errCode: 3141},
		{fn: "json_extract", args: []arg{S("{}"), S("a.b")}, errCode: 3143},
		{fn: "json_unquote", args: []arg{S(`"abc"`, `"a\tb"`, "plain", `[1]`)}, want: "abc|a\tb|plain|[1]"},
		{fn: "json_quote", args: []arg{S(`a"b`)}, want: `"a\"b"`},
		{fn: "json_valid", args: []arg{S(`{"a": 1}`, "hello", `"hello"`, nil)}, want: "1|0|1|NULL"},
		{fn: "json_length", args: []arg{S(`[1, 2, {"a": 3}]`, `{"a": 1, "b": {"c": 30}}`, `7`)}, want: "3|2|1"},
		{fn: "json_length", args: []arg{S(`{"a": 1, "b": {"c": 30}}`), S("$.b")}, want: "1"},
		{fn: "json_type", args: []arg{S(`{"a": 1}`, `[1]`, `1`, `1.5`, `"s"`, `true`, `null`)}, want: "OBJECT|ARRAY|INTEGER|DOUBLE|STRING|BOOLEAN|NULL"},
		{fn: "json_keys", args: []arg{S(`{"bb": 1, "a": 2, "c": 3}`)}, want: `["a", "c", "bb"]`},
		{fn: "json_object", args: []arg{S("id"), I(87), S("name"), S("carrot"), S("z"), N(1), S("ok"), B(true), S("p"), D(4, 2, "1.50")}, want: `{"p": 1.50, "z": null, "id": 87, "ok": true, "name": "carrot"}`},
		{fn: "json_object", args: []arg{S("a")}, errCode: 1582},
		{fn: "cast_json", args: []arg{S(`{"b":1,"a":[true,null]}`, nil)}, want: `{"a": [true, null], "b": 1}|NULL`},
		{fn: "cast_json", args: []arg{I(5)}, want: "5"},
		{fn: "cast_json", args: []arg{B(true)}, want: "true"},
		{fn: "cast_json", args: []arg{DT("2024-01-02")}, want: `"2024-01-02"`},
		{fn: "cast_json", args: []arg{S("abc")}, errCode: 3141},
		{fn: "json_array", args: []arg{I(1), S("abc"), N(1), F(2.5)}, want: `[1, "abc", null, 2.5]`},
		{fn: "json_array", args: []arg{{JSONDocType, []any{`{"a": [1, 2]}`}}, S(`{"a": 1}`)}, want: `[{"a": [1, 2]}, "{\"a\": 1}"]`},
		{fn: "json_doc", args: []arg{S(`[1]`, nil)}, want: `[1]|NULL`},
	})
}
