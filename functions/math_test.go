package functions

import "testing"

func TestMath(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "abs", args: []arg{I(-3, 4, nil)}, want: "3|4|NULL", typ: "BIGINT"},
		{fn: "abs", args: []arg{I(-9223372036854775808)}, errCode: 1690},
		{fn: "abs", args: []arg{D(4, 2, "-1.25")}, want: "1.25", typ: "DECIMAL(4,2)"},
		{fn: "abs", args: []arg{F(-2.5)}, want: "2.5", typ: "DOUBLE"},
		{fn: "abs", args: []arg{S("-7")}, want: "7", typ: "DOUBLE"},
		{fn: "ceil", args: []arg{D(4, 2, "1.25", "-1.25", "2.00")}, want: "2|-1|2", typ: "DECIMAL(3,0)"},
		{fn: "floor", args: []arg{D(4, 2, "1.25", "-1.25")}, want: "1|-2"},
		{fn: "ceiling", args: []arg{F(1.2, -1.2)}, want: "2|-1"},
		{fn: "floor", args: []arg{I(5)}, want: "5", typ: "BIGINT"},
		{fn: "round", args: []arg{D(4, 2, "1.25", "-1.25", "1.24")}, want: "1|-1|1", typ: "DECIMAL(3,0)"},
		{fn: "round", args: []arg{D(4, 1, "2.5", "-2.5")}, want: "3|-3"},
		{fn: "round", args: []arg{F(2.5, 3.5, -2.5)}, want: "2|4|-2"},
		{fn: "round", args: []arg{D(5, 3, "1.005", "-1.235"), I(2, 2)}, want: "1.01|-1.24"},
		{fn: "round", args: []arg{F(1.2345), I(2)}, want: "1.23"},
		{fn: "round", args: []arg{I(1234, 1250, -1250), I(-2, -2, -2)}, want: "1200|1300|-1300"},
		{fn: "round", args: []arg{F(1234.5), I(-2)}, want: "1200"},
		{fn: "truncate", args: []arg{D(5, 3, "1.999", "-1.999"), I(1, 1)}, want: "1.9|-1.9"},
		{fn: "truncate", args: []arg{F(1.999), I(0)}, want: "1"},
		{fn: "truncate", args: []arg{I(1299), I(-2)}, want: "1200"},
		{fn: "sign", args: []arg{I(-5, 0, 7)}, want: "-1|0|1"},
		{fn: "sign", args: []arg{F(-0.5)}, want: "-1"},
		{fn: "sqrt", args: []arg{F(16, -1, nil)}, want: "4|NULL|NULL"},
		{fn: "pow", args: []arg{I(2), I(10)}, want: "1024"},
		{fn: "power", args: []arg{F(10), F(400)}, errCode: 1690},
		{fn: "exp", args: []arg{I(0)}, want: "1"},
		{fn: "ln", args: []arg{F(1, 0, -1)}, want: "0|NULL|NULL", warn: "Invalid argument for logarithm"},
		{fn: "log", args: []arg{I(2), I(8)}, want: "3"},
		{fn: "log", args: []arg{I(1)}, want: "0"},
		{fn: "log2", args: []arg{I(1024)}, want: "10"},
		{fn: "log10", args: []arg{I(1000)}, want: "3"},
		{fn: "degrees", args: []arg{F(3.141592653589793)}, want: "180"},
		{fn: "radians", args: []arg{I(180)}, want: "3.141592653589793"},
		{fn: "sin", args: []arg{I(0)}, want: "0"},
		{fn: "cos", args: []arg{I(0)}, want: "1"},
		{fn: "atan", args: []arg{I(1), I(1)}, want: "0.7853981633974483"},
		{fn: "atan2", args: []arg{I(0), I(-1)}, want: "3.141592653589793"},
		{fn: "mod", args: []arg{I(10), I(4)}, want: "2"},
		{fn: "crc32", args: []arg{S("MySQL")}, want: "3259397556"},
		{fn: "abs", args: []arg{I(1), I(2)}, errCode: 1582},
	})
}

func TestRandSeeded(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	seed := col(t, mem, Int64, 3, 3, 3)
	defer seed.Release()
	a, _, err := call(t, ec, "rand", seed)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := call(t, ec, "rand", seed)
	if joined(a) != joined(b) {
		t.Errorf("RAND(3) not repeatable: %v vs %v", a, b)
	}
	if a[0] == a[1] {
		t.Errorf("RAND(3) repeats a value within a sequence: %v", a)
	}
	// MySQL: SELECT RAND(3) = 0.9057697559760601.
	if a[0] != "0.9057697559760601" {
		t.Errorf("RAND(3) first value %s, want MySQL's 0.9057697559760601", a[0])
	}
	bnd, err := builtins.ResolveScalar("rand", nil)
	if err != nil || bnd.Volatility != Volatile {
		t.Fatalf("rand() resolve: %v %v", bnd, err)
	}
	r, err := bnd.Kernel(ec, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	for _, v := range Values[float64](r) {
		if v < 0 || v >= 1 {
			t.Errorf("rand() out of [0,1): %v", v)
		}
	}
}
