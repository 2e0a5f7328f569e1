package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestKernelsDoNotAllocatePerRow checks that hot kernels allocate a bounded
// number of Go objects per batch, independent of the row count.
func TestKernelsDoNotAllocatePerRow(t *testing.T) {
	mem := memory.NewGoAllocator()
	ec := &EvalContext{Mem: mem}
	const n = 4096
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	sb := array.NewStringBuilder(mem)
	db := array.NewStringBuilder(mem)
	tb := array.NewStringBuilder(mem)
	defer db.Release()
	defer tb.Release()
	for i := 0; i < n; i++ {
		ib.Append(int64(i))
		fb.Append(float64(i) / 3)
		sb.Append("Value")
		db.Append("-1234.5678")
		tb.Append("2024-02-29")
	}
	ints, floats, strs := ib.NewArray(), fb.NewArray(), sb.NewArray()
	decs, dates := db.NewArray(), tb.NewArray()
	defer decs.Release()
	defer dates.Release()
	defer ints.Release()
	defer floats.Release()
	defer strs.Release()
	ib.Release()
	fb.Release()
	sb.Release()

	run := func(name string, args []arrow.Array) func() {
		types := make([]arrow.DataType, len(args))
		for i, a := range args {
			types[i] = a.DataType()
		}
		b, err := builtins.ResolveScalar(name, types)
		if err != nil {
			t.Fatal(err)
		}
		return func() {
			r, err := b.Kernel(ec, args, n)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}
	}
	cases := []struct {
		name string
		f    func()
	}{
		{"plus int", run("plus", []arrow.Array{ints, ints})},
		{"mul double", run("mul", []arrow.Array{floats, floats})},
		{"eq string", run("eq", []arrow.Array{strs, strs})},
		{"lt int", run("lt", []arrow.Array{ints, ints})},
		{"like", run("like", []arrow.Array{strs, strs})},
		{"sqrt", run("sqrt", []arrow.Array{floats})},
		{"cast int to string", func() {
			r, err := Cast(ec, ints, Utf8)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}},
		{"cast double to string", func() {
			r, err := Cast(ec, floats, Utf8)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}},
		{"cast string to decimal", func() {
			r, err := Cast(ec, decs, Decimal(12, 3))
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}},
		{"cast string to date", func() {
			r, err := Cast(ec, dates, Date32)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}},
		{"cast string to double", func() {
			r, err := Cast(ec, strs, Float64)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(5, c.f); allocs > 100 {
			t.Errorf("%s: %.0f allocations for %d rows", c.name, allocs, n)
		}
	}
	groups := make([]uint32, n)
	for i := range groups {
		groups[i] = uint32(i % 7)
	}
	for _, agg := range []string{"sum", "count", "min", "avg"} {
		ba, err := builtins.ResolveAggregate(agg, []arrow.DataType{Int64}, false)
		if err != nil {
			t.Fatal(err)
		}
		acc, _ := ba.New(mem, AggOptions{})
		if allocs := testing.AllocsPerRun(5, func() {
			if err := acc.Update(groups, 7, []arrow.Array{ints}); err != nil {
				t.Fatal(err)
			}
		}); allocs > 20 {
			t.Errorf("%s update: %.0f allocations for %d rows", agg, allocs, n)
		}
		acc.Release()
	}
}
