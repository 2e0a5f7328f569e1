package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expected values are MySQL 8's (most from its reference manual's examples).
func TestExtraFunctions(t *testing.T) {
	tm := func(v ...any) arg { return arg{Time, v} }
	runCases(t, []fnCase{
		{fn: "char", args: []arg{I(77, 256), I(121, nil), I(83, 1), I(81, 2), I(76, 3), N(2)}, want: "MySQL|\x01\x00\x01\x02\x03"},
		{fn: "insert", args: []arg{S("Quadratic", "Quadratic", "Quadratic", "Quadratic", "ñandú"), I(3, -1, 3, 3, 2), I(4, 4, 100, -1, 1), S("What", "What", "What", "What", "Ñ")}, want: "QuWhattic|Quadratic|QuWhat|QuWhat|ñÑndú"},
		{fn: "soundex", args: []arg{S("Hello", "Quadratically", "Pfister", "a", "", "123", nil)}, want: "H400|Q36324|P236|A000|||NULL"},
		{fn: "quote", args: []arg{S("Don't!", `a\b`, nil)}, want: `'Don\'t!'|'a\\b'|NULL`},
		{fn: "bit_length", args: []arg{S("text", "", nil)}, want: "32|0|NULL"},
		{fn: "conv", args: []arg{S("a", "6E", "-17", "40", "zz", "18446744073709551615", "-1"), I(16, 18, 10, 10, 36, 10, 10), I(2, 8, -18, 10, 10, 16, 10)},
			want: "1010|172|-H|40|1295|FFFFFFFFFFFFFFFF|18446744073709551615"},
		{fn: "conv", args: []arg{S("1", "1"), I(1, 10), I(10, 37)}, want: "NULL|NULL"},
		{fn: "make_set", args: []arg{I(1, 5, 5, 0, nil), S("a", "hello", "hello", "a", "a"), S("b", "nice", "nice", "b", "b"), S("c", "world", nil, "c", "c")}, want: "a|hello,world|hello||NULL"},
		{fn: "export_set", args: []arg{I(5, 6), S("Y", "1"), S("N", "0"), S(",", ","), I(4, 10)}, want: "Y,N,Y,N|0,1,1,0,0,0,0,0,0,0"},
		{fn: "export_set", args: []arg{I(1), S("1"), S("0")}, want: "1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"},
		{fn: "maketime", args: []arg{I(12, -2, 1, 1), I(15, 30, 60, 0), F(30, 0, 0, 1.5)}, want: "12:15:30|-02:30:00|NULL|01:00:01.500000"},
		{fn: "time_format", args: []arg{tm("100:00:00", "13:05:09.25"), S("%H %k %h %I %l", "%r|%T|%p %f")}, want: "100 100 04 04 4|01:05:09 PM|13:05:09|PM 250000"},
		{fn: "period_add", args: []arg{I(200801, 9912, 0), I(2, 3, 5)}, want: "200803|200003|0"},
		{fn: "period_diff", args: []arg{I(200802, 9001), I(200703, 8912)}, want: "11|1"},
		{fn: "inet_aton", args: []arg{S("10.0.5.9", "127.1", "10.0.5.256", "a.b.c.d", "1.2.3.4.5", nil)}, want: "167773449|2130706433|NULL|NULL|NULL|NULL"},
		{fn: "inet_ntoa", args: []arg{U(167773449, 4294967296, nil)}, want: "10.0.5.9|NULL|NULL"},
		{fn: "is_ipv4", args: []arg{S("10.0.5.9", "10.0.5.256", "127.1")}, want: "1|0|0"},
		{fn: "is_ipv6", args: []arg{S("10.0.5.9", "::1", "fe80::1%eth0")}, want: "0|1|0"},
		{fn: "is_uuid", args: []arg{S("6ccd780c-baba-1026-9564-5b8c656024db", "6CCD780CBABA102695645B8C656024DB", "{6ccd780c-baba-1026-9564-5b8c656024db}", "6ccd780c-baba-1026-9564-5b8c6560")}, want: "1|1|1|0"},
		{fn: "hex", args: []arg{{Varbinary, []any{"\x10\x26\xba\xba"}}}, want: "1026BABA"},
		{fn: "uuid_to_bin", args: []arg{S("bad")}, errCode: 1411},
		{fn: "hour", args: []arg{S("10:05:03", "272:59:59", "2024-01-01 10:05:03", "-12:00:00", "3 01:00:00", "abc")}, want: "10|272|10|12|73|NULL"},
		{fn: "minute", args: []arg{S("10:05:03", "20240101103000")}, want: "5|30"},
		{fn: "second", args: []arg{S("10:05:03")}, want: "3"},
		{fn: "microsecond", args: []arg{S("10:05:03.25", "2024-01-01 10:05:03.000001")}, want: "250000|1"},
		{fn: "microsecond", args: []arg{tm("01:00:00.5", nil)}, want: "500000|NULL"},
		{fn: "interval", args: []arg{I(23, 10, 22, nil, 0), I(1, 1, 23, 1, 1), I(15, 15, 23, 2, 2), I(17, 17, 24, 3, 3), I(30, 30, 25, 4, 4), I(44, 44, 26, 5, 5), I(200, 200, 27, 6, 6)}, want: "3|1|0|-1|0"},
		{fn: "convert", args: []arg{S("abc", nil), S("utf8mb4", "latin1")}, want: "abc|NULL"},
		{fn: "json_value", args: []arg{S(`{"a": 1, "b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`, `{}`, `{}`), S("$.a", "$.b", "$.c")}, want: "1|NULL|NULL"},
		{fn: "json_value", args: []arg{S(`{"b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`, `{"b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`, `{"b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`, `{"b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`, `{"b": "x", "c": [1], "d": null, "e": 1.50, "f": true}`), S("$.b", "$.c", "$.d", "$.e", "$.f")}, want: "x|NULL|NULL|1.50|true"},
		{fn: "convert_tz", args: []arg{TS("2004-01-01 12:00:00", "2004-01-01 12:00:00", "2004-01-01 12:00:00", "2004-01-01 12:00:00", "2024-07-01 12:00:00"), S("GMT", "+00:00", "+10:00", "+00:00", "UTC"), S("MET", "+10:00", "-05:30", "+15:00", "Europe/Paris")},
			want: "2004-01-01 13:00:00|2004-01-01 22:00:00|2003-12-31 20:30:00|NULL|2024-07-01 14:00:00"},
		{fn: "timestamp", args: []arg{TS("2003-12-31 00:00:00"), tm("12:00:00")}, want: "2003-12-31 12:00:00"},
		{fn: "format_bytes", args: []arg{F(512, 18446644073709551615.0, 1024, -2048, 1536)}, want: "512 bytes|16.00 EiB|1.00 KiB|-2.00 KiB|1.50 KiB"},
		{fn: "format_pico_time", args: []arg{F(3501, 188732396662000, 999, 1e12, 8.64e16*2)}, want: "3.50 ns|3.15 min|999 ps|1.00 s|2.00 d"},
		{fn: "get_format", args: []arg{S("DATE", "DATETIME", "TIME", "TIMESTAMP", "DATE"), S("USA", "eur", "INTERNAL", "ISO", "XYZ")}, want: "%m.%d.%Y|%Y-%m-%d %H.%i.%s|%H%i%s|%Y-%m-%d %H:%i:%s|NULL"},
		{fn: "subtime", args: []arg{S("01:00:00.999999", "10:00:00", "2007-12-31 23:59:59.999999", "x"), S("02:00:00.999998", "01:00:00", "1 1:1:1.000002", "01:00:00")}, want: "-00:59:59.999999|09:00:00|2007-12-30 22:58:58.999997|NULL"},
		{fn: "addtime", args: []arg{S("2007-12-31 23:59:59.999999", "01:00:00.999999"), S("1 1:1:1.000002", "02:00:00.999998")}, want: "2008-01-02 01:01:01.000001|03:00:01.999997"},
		{fn: "timediff", args: []arg{S("2000:01:01 00:00:00", "2008-12-31 23:59:59.000001", "10:00:00", "10:00:00"), S("2000:01:01 00:00:00.000001", "2008-12-30 01:01:01.000002", "12:30:00", "2000-01-01 00:00:00")}, want: "-00:00:00.000001|46:58:57.999999|-02:30:00|NULL"},
		{fn: "charset", args: []arg{S("a")}, want: "utf8mb4"},
		{fn: "charset", args: []arg{I(1)}, want: "binary"},
		{fn: "collation", args: []arg{S("a")}, want: "utf8mb4_0900_ai_ci"},
		{fn: "sleep", args: []arg{F(0, 0.001)}, want: "0|0"},
		{fn: "sleep", args: []arg{F(-1)}, errCode: 1210},
		{fn: "random_bytes", args: []arg{I(0)}, errCode: 1690},
		{fn: "json_memberof", args: []arg{I(3, 4, 7), S("[1, 3, 5]", "[1, 3, 5]", "7")}, want: "1|0|1"},
		{fn: "json_memberof", args: []arg{S("ab", "ab"), S(`["ab"]`, `[["ab"]]`)}, want: "1|0"},
	})
}

// UUID_TO_BIN and BIN_TO_UUID round-trip, with and without the swap flag.
func TestUUIDBinary(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	in := col(t, mem, Utf8, "6ccd780c-baba-1026-9564-5b8c656024db", nil)
	defer in.Release()
	for _, swap := range []int{0, 1} {
		sw := col(t, mem, Int64, swap, swap)
		bin, _, err := callArrays(t, ec, "uuid_to_bin", in, sw)
		if err != nil {
			t.Fatal(err)
		}
		hex, _, err := call(t, ec, "hex", bin)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: "6CCD780CBABA102695645B8C656024DB|NULL", 1: "1026BABA6CCD780C95645B8C656024DB|NULL"}[swap]
		if joined(hex) != want {
			t.Errorf("swap %d: hex %s, want %s", swap, joined(hex), want)
		}
		back, _, err := call(t, ec, "bin_to_uuid", bin, sw)
		if err != nil {
			t.Fatal(err)
		}
		if joined(back) != "6ccd780c-baba-1026-9564-5b8c656024db|NULL" {
			t.Errorf("swap %d: round trip %s", swap, joined(back))
		}
		bin.Release()
		sw.Release()
	}
}

// callArrays resolves and runs a function, returning its result array.
func callArrays(t *testing.T, ec *EvalContext, name string, args ...arrow.Array) (arrow.Array, arrow.DataType, error) {
	t.Helper()
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.DataType()
	}
	fn, err := builtins.ResolveScalar(name, types)
	if err != nil {
		return nil, nil, err
	}
	out, err := fn.Kernel(ec, args, args[0].Len())
	if err != nil {
		return nil, nil, err
	}
	return out, fn.ReturnType, nil
}

func TestRegexpPositional(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "regexp_substr", args: []arg{S("abc def ghi", "abc def ghi", "abc def ghi", "abc def ghi"), S("[a-z]+", "[a-z]+", "[a-z]+", "[a-z]+"), I(1, 1, 5, 1), I(1, 3, 1, 4)}, want: "abc|ghi|def|NULL"},
		{fn: "regexp_substr", args: []arg{S("ABC"), S("b"), I(1), I(1), S("c")}, want: "NULL"},
		{fn: "regexp_substr", args: []arg{S("abc"), S("b"), I(5)}, errCode: 3685},
		{fn: "regexp_instr", args: []arg{S("dog cat dog", "dog cat dog", "dog cat dog", "aa aaa aaaa", "aa aaa aaaa"), S("dog", "dog", "cat", "a{4}", "a{4}"), I(1, 2, 1, 1, 1), I(1, 1, 1, 1, 1), I(0, 0, 1, 0, 1)}, want: "1|9|8|8|12"},
		{fn: "regexp_instr", args: []arg{S("ñaña"), S("a"), I(3)}, want: "4"},
		{fn: "regexp_replace", args: []arg{S("abc def ghi", "abc def ghi", "abc def ghi", "a b c"), S("[a-z]+", "[a-z]+", "[a-z]+", "b"), S("X", "X", "X", "X"), I(1, 1, 5, 1), I(0, 3, 0, 1)}, want: "X X X|abc def X|abc X X|a X c"},
		{fn: "regexp_replace", args: []arg{S("john smith"), S("(\\w+) (\\w+)"), S("${2}, ${1}"), I(1), I(1)}, want: "smith, john"},
		{fn: "regexp_replace", args: []arg{S("x"), S("("), S("y")}, errCode: 1210},
	})
}

func TestAppendTime(t *testing.T) {
	for us, want := range map[int64]string{
		982799 * 1_000_000: "272:59:59",
		-1:                 "-00:00:00.000001",
		3_600_000_000:      "01:00:00",
	} {
		if got := string(AppendTime(nil, us)); got != want {
			t.Errorf("AppendTime(%d) = %q, want %q", us, got, want)
		}
	}
}
