package functions

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCast(t *testing.T) {
	cases := []struct {
		in      arg
		to      arrow.DataType
		want    string
		strict  bool
		errCode int
		warn    string
	}{
		{in: S("12", " -7 ", "abc", "12abc", nil, "1.9"), to: Int64, want: "12|-7|0|12|NULL|1", warn: "Truncated incorrect INTEGER value: 'abc'"},
		{in: S("abc"), to: Int64, strict: true, errCode: 1292},
		{in: S("1.9"), to: Int64, strict: true, want: "2"},
		{in: S("99999999999999999999"), to: Int64, want: "9223372036854775807", warn: "out of range"},
		{in: F(1.5, -1.5, 2.4, nil), to: Int64, want: "2|-2|2|NULL"},
		{in: F(1e30), to: Int64, strict: true, errCode: 1690},
		{in: D(5, 2, "2.50", "-2.50", "2.49"), to: Int64, want: "3|-3|2"},
		{in: I(-1), to: Uint64, want: "18446744073709551615"},
		{in: U(uint64(18446744073709551615)), to: Int64, want: "-1"},
		{in: B(true, false), to: Int64, want: "1|0"},
		{in: I(300, -5), to: arrow.PrimitiveTypes.Int8, want: "127|-5", warn: "out of range"},
		{in: I(300), to: arrow.PrimitiveTypes.Int8, strict: true, errCode: 1690},
		{in: I(70000), to: arrow.PrimitiveTypes.Int32, want: "70000"},
		{in: S("1.5", "-2e3", ".5", "abc", "1e"), to: Float64, want: "1.5|-2000|0.5|0|1"},
		{in: I(3), to: Float64, want: "3"},
		{in: D(6, 3, "-1.125"), to: Float64, want: "-1.125"},
		{in: F(0.1, 1e20, 1.5e-7, -0.0, 123456789012345678), to: Utf8, want: "0.1|1e20|1.5e-7|0|1.2345678901234568e17"},
		{in: I(42), to: Decimal(6, 2), want: "42.00"},
		{in: F(1.005, 2.345, -0.125, 1e3, 123.0), to: Decimal(6, 2), want: "1.01|2.35|-0.13|1000.00|123.00"},
		{in: S("3.14159", "-0.005", "1e2", "x", "-12", "+7.5", "0.125", " 1.5 ", "1."), to: Decimal(6, 2), want: "3.14|-0.01|100.00|0.00|-12.00|7.50|0.13|1.50|1.00"},
		{in: S("123456"), to: Decimal(5, 2), want: "999.99", warn: "out of range"},
		{in: S("123456"), to: Decimal(5, 2), strict: true, errCode: 1690},
		{in: D(6, 3, "1.235", "-1.235"), to: Decimal(5, 2), want: "1.24|-1.24"},
		{in: D(4, 2, "1.25"), to: Decimal(10, 5), want: "1.25000"},
		{in: S("2024-02-29", "2024/3/1", "20240102", "24-01-05", "2023-02-29", "2024-01-01 10:20:30"), to: Date32, want: "2024-02-29|2024-03-01|2024-01-02|2024-01-05|NULL|2024-01-01"},
		{in: S("2024-01-01 10:20:30", "2024-01-01T01:02:03.5", "2024-01-01", "nope"), to: Datetime, want: "2024-01-01 10:20:30|2024-01-01 01:02:03.500000|2024-01-01 00:00:00|NULL", warn: "Incorrect datetime value: 'nope'"},
		{in: S("nope"), to: Datetime, strict: true, errCode: 1292},
		{in: I(20240131, 20241301), to: Date32, want: "2024-01-31|NULL"},
		{in: DT("2024-01-31", "1969-12-31", "0001-01-01"), to: Int64, want: "20240131|19691231|10101"},
		{in: TS("2024-01-31 23:59:58"), to: Int64, want: "20240131235958"},
		{in: TS("2024-01-31 23:59:58"), to: Date32, want: "2024-01-31"},
		{in: TS("1969-12-31 23:59:58"), to: Date32, want: "1969-12-31"},
		{in: DT("2024-01-31"), to: Datetime, want: "2024-01-31 00:00:00"},
		{in: I(0, 5), to: Bool, want: "0|1"},
		{in: S("0.0", "abc", "2"), to: Bool, want: "0|0|1"},
		{in: S("[1, 2.5,3]", nil), to: Vector(3), want: "[1,2.5,3]|NULL"},
		{in: S("[1, 2]"), to: Vector(3), errCode: 1210},
		{in: S("1,2"), to: Vector(2), errCode: 1210},
		{in: S("ab"), to: arrow.BinaryTypes.LargeString, want: "ab"},
		{in: arg{arrow.BinaryTypes.LargeString, []any{"xy", nil}}, to: Utf8, want: "xy|NULL"},
		{in: arg{arrow.PrimitiveTypes.Int32, []any{5, nil}}, to: Float64, want: "5|NULL"},
		{in: arg{Float32, []any{0.5, 0.1, nil}}, to: Utf8, want: "0.5|0.1|NULL"},
		{in: N(2), to: Int64, want: "NULL|NULL"},
		{in: S("10:20", "1020", "12", "-1 02:03:04.5", "2024-01-01 10:20:30", "25:61:00", "839:00:00"), to: Time, want: "10:20:00|00:10:20|00:00:12|-26:03:04.500000|10:20:30|NULL|NULL"},
		{in: TS("2024-01-01 10:20:30"), to: Time, want: "10:20:30"},
		{in: I(102030), to: Time, want: "10:20:30"},
		{in: arg{Time, []any{"10:20:30", "-00:00:01"}}, to: Int64, want: "102030|-1"},
		{in: arg{Time, []any{"10:20:30"}}, to: Datetime, want: "2024-03-15 10:20:30"},
	}
	for _, c := range cases {
		t.Run(TypeName(c.in.typ)+"->"+TypeName(c.to), func(t *testing.T) {
			mem := newMem(t)
			ec, warns := newEC(mem)
			ec.Strict = c.strict
			a := col(t, mem, c.in.typ, c.in.vals...)
			defer a.Release()
			if !CanCast(c.in.typ, c.to) {
				t.Fatalf("CanCast(%s, %s) = false", c.in.typ, c.to)
			}
			out, err := Cast(ec, a, c.to)
			if c.errCode != 0 {
				if errCode(err) != c.errCode {
					t.Fatalf("want error %d, got %v", c.errCode, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if !arrow.TypeEqual(out.DataType(), c.to) {
				t.Fatalf("got type %s, want %s", out.DataType(), c.to)
			}
			if got := joined(render(t, ec, out)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			if c.warn != "" && !strings.Contains(strings.Join(*warns, ";"), c.warn) {
				t.Errorf("warnings %v, want %q", *warns, c.warn)
			}
		})
	}
}

func TestCommonType(t *testing.T) {
	cases := []struct {
		a, b        arrow.DataType
		common      string
		union       string
		commonError bool
	}{
		{Int64, arrow.PrimitiveTypes.Int32, "BIGINT", "BIGINT", false},
		{Int64, Decimal(5, 2), "DECIMAL(21,2)", "DECIMAL(21,2)", false},
		{Decimal(10, 4), Decimal(5, 2), "DECIMAL(10,4)", "DECIMAL(10,4)", false},
		{Int64, Float32, "DOUBLE", "DOUBLE", false},
		{Utf8, Int64, "DOUBLE", "VARCHAR", false},
		{Utf8, arrow.BinaryTypes.LargeString, "VARCHAR", "VARCHAR", false},
		{Date32, Utf8, "DATE", "VARCHAR", false},
		{Date32, Datetime, "DATETIME", "DATETIME", false},
		{Null, Utf8, "VARCHAR", "VARCHAR", false},
		{Null, Null, "NULL", "NULL", false},
		{Uint64, Int64, "DECIMAL(20,0)", "DECIMAL(20,0)", false},
		{Bool, Int64, "BIGINT", "BIGINT", false},
		{Vector(3), Utf8, "VECTOR(3)", "VARCHAR", false},
		{Vector(3), Int64, "", "", true},
	}
	for _, c := range cases {
		ct, err := CommonType(c.a, c.b)
		if c.commonError {
			if errCode(err) != 1210 {
				t.Errorf("CommonType(%s, %s): want error 1210, got %v", c.a, c.b, err)
			}
			continue
		}
		if err != nil || TypeName(ct) != c.common {
			t.Errorf("CommonType(%s, %s) = %v, %v; want %s", c.a, c.b, ct, err, c.common)
		}
		ut, err := UnionType(c.a, c.b)
		if err != nil || TypeName(ut) != c.union {
			t.Errorf("UnionType(%s, %s) = %v, %v; want %s", c.a, c.b, ut, err, c.union)
		}
	}
}

func TestMatchOverload(t *testing.T) {
	ovs := []Overload{
		{Args: []arrow.DataType{Int64, Int64}, Return: Int64},
		{Args: []arrow.DataType{Float64, Float64}, Return: Float64},
		{Args: []arrow.DataType{Utf8}, Variadic: Utf8, Return: Utf8},
	}
	cases := []struct {
		args    []arrow.DataType
		want    int
		errCode int
	}{
		{[]arrow.DataType{Int64, arrow.PrimitiveTypes.Int32}, 0, 0},
		{[]arrow.DataType{Int64, Float32}, 1, 0},
		{[]arrow.DataType{Utf8, Utf8, Utf8}, 2, 0},
		{[]arrow.DataType{Utf8, Int64, Utf8}, 2, 0},
		{[]arrow.DataType{Date32, Vector(2)}, 2, 0},
		{[]arrow.DataType{arrow.ListOf(Int64)}, -1, 1210},
		{[]arrow.DataType{}, -1, 1582},
	}
	for _, c := range cases {
		o, _, err := MatchOverload("f", ovs, c.args)
		if c.errCode != 0 {
			if errCode(err) != c.errCode {
				t.Errorf("%v: want error %d, got %v", c.args, c.errCode, err)
			}
			continue
		}
		if err != nil || o != &ovs[c.want] {
			t.Errorf("%v: got overload %v (%v), want #%d", c.args, o, err, c.want)
		}
	}
}
