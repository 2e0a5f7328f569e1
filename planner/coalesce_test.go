package planner

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
)

func TestCoalesce(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	mk := func(vals ...int64) arrow.RecordBatch {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		a := b.NewArray()
		defer a.Release()
		return array.NewRecordBatch(schema, []arrow.Array{a}, int64(len(vals)))
	}
	for _, tc := range []struct {
		name   string
		in     [][]int64
		target int
		sizes  []int64
	}{
		{"tiny batches merge", [][]int64{{1}, {2}, {3}, {4}, {5}}, 2, []int64{2, 2, 1}},
		{"big batch passes", [][]int64{{1, 2, 3, 4}, {5}}, 2, []int64{4, 1}},
		{"empty batches skipped", [][]int64{{}, {1}, {}, {2}}, 10, []int64{2}},
		{"nothing", nil, 3, nil},
	} {
		var bs []arrow.RecordBatch
		for _, v := range tc.in {
			bs = append(bs, mk(v...))
		}
		env := &executor.Env{Eval: &functions.EvalContext{Mem: mem}, BatchSize: tc.target}
		op := newCoalesce(env, executor.NewValues(schema, bs))
		out, err := executor.Drain(context.Background(), op)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int64
		var sum int64
		for _, b := range out {
			sizes = append(sizes, b.NumRows())
			vals := b.Column(0).(*array.Int64).Int64Values()
			for _, v := range vals {
				sum += v
			}
			b.Release()
		}
		var want int64
		for _, v := range tc.in {
			for _, x := range v {
				want += x
			}
		}
		if len(sizes) != len(tc.sizes) || sum != want {
			t.Errorf("%s: sizes %v sum %d, want %v sum %d", tc.name, sizes, sum, tc.sizes, want)
			continue
		}
		for i := range sizes {
			if sizes[i] != tc.sizes[i] {
				t.Errorf("%s: sizes %v, want %v", tc.name, sizes, tc.sizes)
			}
		}
	}
}
