package functions

import "testing"

func TestString(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "concat", args: []arg{S("a", "x", nil), S("b", "y", "z"), I(1, 2, 3)}, want: "ab1|xy2|NULL", typ: "VARCHAR"},
		{fn: "concat", args: []arg{F(1.5)}, want: "1.5"},
		{fn: "concat_ws", args: []arg{S(",", ",", nil), S("a", nil, "a"), S("b", "c", "b")}, want: "a,b|c|NULL"},
		{fn: "length", args: []arg{S("héllo", "", nil)}, want: "6|0|NULL", typ: "BIGINT"},
		{fn: "char_length", args: []arg{S("héllo")}, want: "5"},
		{fn: "lower", args: []arg{S("HeLLo Ä")}, want: "hello ä"},
		{fn: "ucase", args: []arg{S("abc")}, want: "ABC"},
		{fn: "substring", args: []arg{S("Quadratically", "Quadratically", "Sakila", "abc", "abc"), I(5, 5, -3, 0, 4)}, want: "ratically|ratically|ila||"},
		{fn: "substr", args: []arg{S("Quadratically", "Sakila", "héllo"), I(5, -5, 2), I(6, 3, 3)}, want: "ratica|aki|éll"},
		{fn: "substring", args: []arg{S("abc"), I(1), I(-1)}, want: ""},
		{fn: "left", args: []arg{S("foobarbar", "ab"), I(5, 5)}, want: "fooba|ab"},
		{fn: "right", args: []arg{S("foobarbar", "ab"), I(4, -1)}, want: "rbar|"},
		{fn: "trim", args: []arg{S("  bar  ")}, want: "bar"},
		{fn: "ltrim", args: []arg{S("  bar  ")}, want: "bar  "},
		{fn: "rtrim", args: []arg{S("  bar  ")}, want: "  bar"},
		{fn: "trim", args: []arg{S("xxbarxxx"), S("x"), I(2)}, want: "barxxx"},
		{fn: "trim", args: []arg{S("xxbarxxx"), S("x"), S("TRAILING")}, want: "xxbar"},
		{fn: "trim", args: []arg{S("xyxbarxyz"), S("xy")}, want: "xbarxyz"},
		{fn: "replace", args: []arg{S("www.mysql.com"), S("w"), S("Ww")}, want: "WwWwWw.mysql.com"},
		{fn: "reverse", args: []arg{S("abcé")}, want: "écba"},
		{fn: "repeat", args: []arg{S("ab", "ab"), I(3, 0)}, want: "ababab|"},
		{fn: "space", args: []arg{I(3)}, want: "   "},
		{fn: "lpad", args: []arg{S("hi", "hi", "hi"), I(6, 1, 4), S("?!", "?", "")}, want: "?!?!hi|h|NULL"},
		{fn: "rpad", args: []arg{S("hi"), I(5), S("?")}, want: "hi???"},
		{fn: "locate", args: []arg{S("bar", "xbar", "BAR"), S("foobarbar", "foobar", "foobarbar")}, want: "4|0|4"},
		{fn: "locate", args: []arg{S("bar"), S("foobarbar"), I(5)}, want: "7"},
		{fn: "instr", args: []arg{S("foobarbar", "xbar"), S("bar", "foobar")}, want: "4|0"},
		{fn: "position", args: []arg{S("é"), S("caféé")}, want: "4"},
		{fn: "ascii", args: []arg{S("2", "", "dx")}, want: "50|0|100"},
		{fn: "hex", args: []arg{S("abc")}, want: "616263"},
		{fn: "hex", args: []arg{I(255, -1)}, want: "FF|FFFFFFFFFFFFFFFF"},
		{fn: "unhex", args: []arg{S("4D7953514C", "zz")}, want: "MySQL|NULL"},
		{fn: "strcmp", args: []arg{S("text", "text2", "TEXT"), S("text2", "text", "text")}, want: "-1|1|0"},
		{fn: "find_in_set", args: []arg{S("b", "z"), S("a,b,c,d", "a,b")}, want: "2|0"},
		{fn: "format", args: []arg{F(12332.123456, 12332.2, -1234567.891), I(4, 0, 2)}, want: "12,332.1235|12,332|-1,234,567.89"},
		{fn: "regexp_like", args: []arg{S("Michael!", "abc", "ABC"), S(".*", "^b", "abc")}, want: "1|0|1"},
		{fn: "regexp_like", args: []arg{S("ABC"), S("abc"), S("c")}, want: "0"},
		{fn: "regexp_like", args: []arg{S("x"), S("(")}, errCode: 1210},
		{fn: "regexp_replace", args: []arg{S("a b c")}, errCode: 1582},
		{fn: "regexp_replace", args: []arg{S("a b c"), S("b"), S("X")}, want: "a X c"},
		{fn: "regexp_substr", args: []arg{S("abc def ghi", "abc"), S("d[a-z]+", "x")}, want: "def|NULL"},
		{fn: "regexp_instr", args: []arg{S("dog cat dog"), S("cat")}, want: "5"},
		{fn: "md5", args: []arg{S("testing")}, want: "ae2b1fca515949e5d54fb22b8ed95575"},
		{fn: "sha1", args: []arg{S("abc")}, want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{fn: "sha2", args: []arg{S("abc", "abc"), I(256, 7)}, want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|NULL"},
		{fn: "concat", args: []arg{}, errCode: 1582},
	})
}

func TestMiscString(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "substring_index", args: []arg{S("www.mysql.com", "www.mysql.com", "a"), S(".", ".", "."), I(2, -2, 1)}, want: "www.mysql|mysql.com|a"},
		{fn: "to_base64", args: []arg{S("abc")}, want: "YWJj"},
		{fn: "from_base64", args: []arg{S("YWJj", "!!")}, want: "abc|NULL"},
		{fn: "bin", args: []arg{I(12)}, want: "1100"},
		{fn: "oct", args: []arg{I(12)}, want: "14"},
		{fn: "ord", args: []arg{S("2", "é")}, want: "50|50089"},
		{fn: "field", args: []arg{S("Bb", nil), S("Aa", "a"), S("bb", "b")}, want: "2|0"},
		{fn: "elt", args: []arg{I(1, 3, nil), S("Aa", "Aa", "Aa"), S("Bb", "Bb", "Bb")}, want: "Aa|NULL|NULL"},
		{fn: "ilike", args: []arg{S("ABC")}, errCode: 1582},
		{fn: "ilike", args: []arg{S("ABC"), S("a%")}, want: "1"},
	})
}
