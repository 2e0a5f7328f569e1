package functions

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// arg is a test column: a type and its values (nil = NULL).
type arg struct {
	typ  arrow.DataType
	vals []any
}

func I(v ...any) arg             { return arg{Int64, v} }
func U(v ...any) arg             { return arg{Uint64, v} }
func F(v ...any) arg             { return arg{Float64, v} }
func S(v ...any) arg             { return arg{Utf8, v} }
func B(v ...any) arg             { return arg{Bool, v} }
func N(n int) arg                { return arg{Null, make([]any, n)} }
func D(p, s int32, v ...any) arg { return arg{Decimal(p, s), v} }
func DT(v ...any) arg            { return arg{Date32, v} }
func TS(v ...any) arg            { return arg{Datetime, v} }

type fnCase struct {
	fn      string
	args    []arg
	want    string // rows joined by |
	typ     string // expected TypeName of the result, if set
	errCode int
	strict  bool
	warn    string // substring expected in warnings, if set
}

func runCases(t *testing.T, cases []fnCase) {
	t.Helper()
	for _, c := range cases {
		name := c.fn + "(" + argNames(c.args) + ")"
		t.Run(name, func(t *testing.T) {
			mem := newMem(t)
			ec, warns := newEC(mem)
			ec.Strict = c.strict
			arrs := make([]arrow.Array, len(c.args))
			for i, a := range c.args {
				arrs[i] = col(t, mem, a.typ, a.vals...)
			}
			defer func() {
				for _, a := range arrs {
					a.Release()
				}
			}()
			got, rt, err := call(t, ec, c.fn, arrs...)
			if c.errCode != 0 {
				if errCode(err) != c.errCode {
					t.Fatalf("want error %d, got %v (result %v)", c.errCode, err, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if joined(got) != c.want {
				t.Errorf("got %s, want %s", joined(got), c.want)
			}
			if c.typ != "" && TypeName(rt) != c.typ {
				t.Errorf("result type %s, want %s", TypeName(rt), c.typ)
			}
			if c.warn != "" && !strings.Contains(strings.Join(*warns, ";"), c.warn) {
				t.Errorf("warnings %v, want one containing %q", *warns, c.warn)
			}
		})
	}
}

func argNames(args []arg) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = TypeName(a.typ)
	}
	return strings.Join(s, ",")
}

func TestArithmetic(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "plus", args: []arg{I(1, 2, nil, -5), I(10, 20, 3, 5)}, want: "11|22|NULL|0", typ: "BIGINT"},
		{fn: "plus", args: []arg{I(9223372036854775807), I(1)}, errCode: 1690},
		{fn: "minus", args: []arg{I(-9223372036854775807), I(2)}, errCode: 1690},
		{fn: "mul", args: []arg{I(4294967296), I(4294967296)}, errCode: 1690},
		{fn: "mul", args: []arg{I(-3, 7), I(4, -6)}, want: "-12|-42"},
		{fn: "plus", args: []arg{I(1), F(0.5)}, want: "1.5", typ: "DOUBLE"},
		{fn: "plus", args: []arg{S("3abc", "x"), I(1, 1)}, want: "4|1", typ: "DOUBLE", warn: "Truncated incorrect DOUBLE value: '3abc'"},
		{fn: "plus", args: []arg{D(5, 2, "1.25"), I(2)}, want: "3.25", typ: "DECIMAL(22,2)"},
		{fn: "minus", args: []arg{D(5, 2, "1.25"), D(4, 3, "0.125")}, want: "1.125"},
		{fn: "mul", args: []arg{D(5, 2, "1.25"), D(4, 1, "-2.5")}, want: "-3.125", typ: "DECIMAL(9,3)"},
		{fn: "div", args: []arg{I(1, 7, 1, 10), I(3, 2, 0, nil)}, want: "0.3333|3.5000|NULL|NULL", typ: "DECIMAL(23,4)", warn: "Division by 0"},
		{fn: "div", args: []arg{I(-2), I(3)}, want: "-0.6667"},
		{fn: "div", args: []arg{I(1), I(0)}, strict: true, errCode: 1365},
		{fn: "div", args: []arg{D(4, 2, "1.00"), D(3, 1, "0.3")}, want: "3.333333", typ: "DECIMAL(9,6)"},
		{fn: "div", args: []arg{F(1.0), F(4.0)}, want: "0.25", typ: "DOUBLE"},
		{fn: "div", args: []arg{F(1.0), F(0.0)}, want: "NULL"},
		{fn: "intdiv", args: []arg{I(7, -7, 7), I(2, 2, 0)}, want: "3|-3|NULL", typ: "BIGINT"},
		{fn: "intdiv", args: []arg{F(7.5), F(2.0)}, want: "3"},
		{fn: "intdiv", args: []arg{D(3, 1, "7.5"), I(2)}, want: "3"},
		{fn: "mod", args: []arg{I(7, -7, 7, 5), I(3, 3, -3, 0)}, want: "1|-1|1|NULL"},
		{fn: "mod", args: []arg{F(5.5), F(2.0)}, want: "1.5"},
		{fn: "mod", args: []arg{D(3, 1, "5.5"), I(2)}, want: "1.5"},
		{fn: "plus", args: []arg{U(uint64(18446744073709551615)), U(1)}, errCode: 1690},
		{fn: "minus", args: []arg{U(1), U(2)}, errCode: 1690},
		{fn: "plus", args: []arg{U(1), I(2)}, want: "3", typ: "BIGINT UNSIGNED"},
		{fn: "plus", args: []arg{U(5), I(-1)}, want: "4", typ: "BIGINT UNSIGNED"},
		{fn: "minus", args: []arg{I(3), U(5)}, errCode: 1690},
		{fn: "mul", args: []arg{I(-2), U(0)}, want: "0"},
		{fn: "intdiv", args: []arg{U(7), I(-1)}, errCode: 1690},
		{fn: "mod", args: []arg{U(7), I(-2)}, want: "1"},
		{fn: "plus", args: []arg{N(1), I(2)}, want: "NULL"},
		{fn: "unaryminus", args: []arg{I(5, nil)}, want: "-5|NULL"},
		{fn: "unaryminus", args: []arg{I(-9223372036854775808)}, errCode: 1690},
		{fn: "unaryminus", args: []arg{D(4, 2, "1.50")}, want: "-1.50"},
		{fn: "unaryminus", args: []arg{F(2.5)}, want: "-2.5"},
		{fn: "bitand", args: []arg{I(12), I(10)}, want: "8", typ: "BIGINT UNSIGNED"},
		{fn: "bitor", args: []arg{I(12), I(10)}, want: "14"},
		{fn: "bitxor", args: []arg{I(12), I(10)}, want: "6"},
		{fn: "bitneg", args: []arg{I(0)}, want: "18446744073709551615"},
		{fn: "leftshift", args: []arg{I(1), I(4)}, want: "16"},
		{fn: "rightshift", args: []arg{I(16), I(70)}, want: "0"},
		{fn: "plus", args: []arg{I(1)}, errCode: 1582},
		{fn: "nosuchfn", args: []arg{I(1)}, errCode: 1305},
	})
}

func TestCompare(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "eq", args: []arg{I(1, 2, nil), I(1, 3, 1)}, want: "1|0|NULL", typ: "BOOLEAN"},
		{fn: "lt", args: []arg{I(1, 2, 3), F(1.5, 1.5, 3.0)}, want: "1|0|0"},
		{fn: "ge", args: []arg{I(1, 2, 3), D(3, 1, "1.5", "1.5", "3.0")}, want: "0|1|1"},
		{fn: "eq", args: []arg{S("abc", "a", "b "), S("ABC", "b", "b")}, want: "1|0|0"},
		{fn: "eq", args: []arg{S("résumé", "Ærø", "Łódź", "straße"), S("RESUME", "aero", "lodz", "strasse")}, want: "1|0|0|0"},
		{fn: "lt", args: []arg{S("école", "Zoé"), S("ezra", "zoe")}, want: "1|0"},
		{fn: "lt", args: []arg{S("apple", "Banana"), S("banana", "apple")}, want: "1|0"},
		{fn: "eq", args: []arg{S("1.0", "abc"), I(1, 0)}, want: "1|1"},
		{fn: "ne", args: []arg{I(1, nil), I(2, 2)}, want: "1|NULL"},
		{fn: "gt", args: []arg{DT("2024-01-02"), S("2024-01-01")}, want: "1"},
		{fn: "eq", args: []arg{DT("2024-01-02"), TS("2024-01-02 00:00:00")}, want: "1"},
		{fn: "lt", args: []arg{arg{Time, []any{"10:00:00", "10:00:00"}}, S("9:59:59", "10:00:01")}, want: "0|1"},
		{fn: "nulleq", args: []arg{I(1, nil, nil, 1), I(1, nil, 1, 2)}, want: "1|1|0|0"},
		{fn: "eq", args: []arg{U(uint64(18446744073709551615)), I(-1)}, want: "0"},
		{fn: "eq", args: []arg{N(2), I(1, 2)}, want: "NULL|NULL"},
		{fn: "in", args: []arg{I(1, 2, nil, 4), I(1, 1, 1, nil), I(3, 2, 2, 5)}, want: "1|1|NULL|NULL"},
		{fn: "in", args: []arg{I(4), I(1), I(2)}, want: "0"},
		{fn: "in", args: []arg{S("B"), S("a"), S("b")}, want: "1"},
		{fn: "like", args: []arg{S("Hello", "hello", "help", "x", nil), S("h%o", "H_LLO", "h%o", "%", "a")}, want: "1|1|0|1|NULL"},
		{fn: "like", args: []arg{S("50%", "50x"), S("50!%", "50!%"), S("!", "!")}, want: "1|0"},
		{fn: "like", args: []arg{S("a_b", "acb"), S("a\\_b", "a\\_b")}, want: "1|0"},
		{fn: "like", args: []arg{S("", "abc"), S("%", "a%c%")}, want: "1|1"},
		{fn: "like", args: []arg{S("Ünïcode"), S("ü%E")}, want: "1"},
		{fn: "like", args: []arg{I(123), S("1%")}, want: "1"},
		{fn: "between", args: []arg{I(2, 5, nil, 9, 2), I(1, 1, 1, nil, nil), I(3, 3, 3, 5, 3)}, want: "1|0|NULL|0|NULL"},
		{fn: "between", args: []arg{S("b"), S("A"), S("C")}, want: "1"},
	})
}

func TestLogic(t *testing.T) {
	T, Fa := true, false
	runCases(t, []fnCase{
		{fn: "and", args: []arg{B(T, T, Fa, nil, nil, nil), B(T, Fa, nil, T, Fa, nil)}, want: "1|0|0|NULL|0|NULL"},
		{fn: "or", args: []arg{B(T, Fa, Fa, nil, nil, nil), B(Fa, Fa, nil, T, Fa, nil)}, want: "1|0|NULL|1|NULL|NULL"},
		{fn: "xor", args: []arg{B(T, T, nil), B(Fa, T, T)}, want: "1|0|NULL"},
		{fn: "not", args: []arg{B(T, Fa, nil)}, want: "0|1|NULL"},
		{fn: "and", args: []arg{I(2, 0), F(0.5, 1)}, want: "1|0"},
		{fn: "not", args: []arg{S("abc", "1")}, want: "1|0"},
		{fn: "istrue", args: []arg{B(T, Fa, nil)}, want: "1|0|0"},
		{fn: "isfalse", args: []arg{I(0, 5, nil)}, want: "1|0|0"},
		{fn: "isnull", args: []arg{S("a", nil)}, want: "0|1"},
		{fn: "isnull", args: []arg{N(1)}, want: "1"},
	})
}

func TestControl(t *testing.T) {
	T, Fa := true, false
	runCases(t, []fnCase{
		{fn: "case", args: []arg{B(T, Fa, Fa, nil), I(1, 1, 1, 1), B(Fa, T, Fa, Fa), I(2, 2, 2, 2), I(3, 3, 3, 3)}, want: "1|2|3|3", typ: "BIGINT"},
		{fn: "case", args: []arg{B(T, Fa), S("x", "x")}, want: "x|NULL"},
		{fn: "case", args: []arg{B(T, Fa), I(1, 1), S("a", "a")}, want: "1|a", typ: "VARCHAR"},
		{fn: "case", args: []arg{B(T, Fa), I(1, 1), F(2.5, 2.5)}, want: "1|2.5", typ: "DOUBLE"},
		{fn: "if", args: []arg{I(1, 0, nil), S("y", "y", "y"), S("n", "n", "n")}, want: "y|n|n"},
		{fn: "if", args: []arg{B(T)}, errCode: 1582},
		{fn: "ifnull", args: []arg{I(nil, 2), I(5, 6)}, want: "5|2"},
		{fn: "coalesce", args: []arg{N(3), I(nil, 2, nil), D(3, 1, "1.5", "1.5", nil)}, want: "1.5|2.0|NULL", typ: "DECIMAL(20,1)"},
		{fn: "coalesce", args: []arg{S(nil, "b"), S("a", "c")}, want: "a|b"},
		{fn: "nullif", args: []arg{I(1, 2, nil), I(1, 3, 1)}, want: "NULL|2|NULL"},
		{fn: "greatest", args: []arg{I(1, 5, 3), I(4, 2, nil), I(2, 9, 1)}, want: "4|9|NULL"},
		{fn: "least", args: []arg{I(1, 5), F(0.5, 7.0)}, want: "0.5|5"},
		{fn: "least", args: []arg{S("b", "B"), S("A", "c")}, want: "A|B"},
		{fn: "greatest", args: []arg{DT("2024-01-01"), DT("2023-06-01")}, want: "2024-01-01"},
		{fn: "case", args: []arg{B(T, Fa), B(T, T), B(Fa, Fa)}, want: "1|0"},
	})
}

func TestFold(t *testing.T) {
	pairs := [][2]string{{"ABC", "abc"}, {"Résumé", "RESUME"}, {"ÀÉÎÕÜ", "aeiou"}, {"Straße", "strasse"}, {"x", "X"}}
	for _, p := range pairs {
		eq := CompareStrings(p[0], p[1]) == 0
		if got := FoldString(p[0]) == FoldString(p[1]); got != eq {
			t.Errorf("FoldString(%q)==FoldString(%q) is %v but CompareStrings says %v", p[0], p[1], got, eq)
		}
		if got := string(AppendFold(nil, p[0])); got != FoldString(p[0]) {
			t.Errorf("AppendFold(%q) = %q, FoldString = %q", p[0], got, FoldString(p[0]))
		}
	}
	if CompareStrings("Straße", "strasse") == 0 {
		t.Error("ß = ss expansion is not implemented; the test documents that")
	}
}

func TestKernelRejectsUncastArguments(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	b, err := builtins.ResolveScalar("plus", []arrow.DataType{Int64, Int64})
	if err != nil {
		t.Fatal(err)
	}
	f := col(t, mem, Float64, 1.5)
	defer f.Release()
	i := col(t, mem, Int64, 1)
	defer i.Release()
	if _, err := b.Kernel(ec, []arrow.Array{f, i}, 1); err == nil || !strings.Contains(err.Error(), "missing cast") {
		t.Errorf("want a missing-cast error, got %v", err)
	}
	if _, err := b.Kernel(ec, []arrow.Array{i, i}, 2); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Errorf("want a row-count error, got %v", err)
	}
	if _, err := b.Kernel(ec, []arrow.Array{i}, 1); err == nil {
		t.Error("want an argument-count error")
	}
}
