package executor

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

// benchInput makes n rows (k int64 pseudo-random in [0, mod), v float64) in
// 4096-row batches.
func benchInput(mem memory.Allocator, n, mod int) (*arrow.Schema, []arrow.RecordBatch) {
	return benchInputKeys(mem, n, func(i int) int64 { return int64((uint64(i) * 0x9E3779B97F4A7C15 >> 20) % uint64(mod)) })
}

func benchInputKeys(mem memory.Allocator, n int, key func(i int) int64) (*arrow.Schema, []arrow.RecordBatch) {
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	var out []arrow.RecordBatch
	for start := 0; start < n; start += 4096 {
		end := min(n, start+4096)
		kb := array.NewInt64Builder(mem)
		vb := array.NewFloat64Builder(mem)
		for i := start; i < end; i++ {
			kb.Append(key(i))
			vb.Append(float64(i))
		}
		k, v := kb.NewArray(), vb.NewArray()
		out = append(out, array.NewRecordBatch(s, []arrow.Array{k, v}, int64(end-start)))
		k.Release()
		v.Release()
		kb.Release()
		vb.Release()
	}
	return s, out
}

// replay is a Values operator over batches the benchmark keeps.
func replay(s *arrow.Schema, bs []arrow.RecordBatch) Operator {
	for _, b := range bs {
		b.Retain()
	}
	return NewValues(s, append([]arrow.RecordBatch(nil), bs...))
}

func drainCount(b *testing.B, op Operator) int64 {
	var n int64
	ctx := context.Background()
	for {
		r, err := op.Next(ctx)
		if err != nil {
			if isEOF(err) {
				break
			}
			b.Fatal(err)
		}
		n += r.NumRows()
		r.Release()
	}
	op.Close()
	return n
}

func BenchmarkFilter(b *testing.B) {
	mem := memory.NewGoAllocator()
	s, in := benchInput(mem, 1<<20, 1000)
	defer releaseBatches(in)
	env := testEnv(mem, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		drainCount(b, NewFilter(env, replay(s, in), ltConst{500}))
	}
	b.ReportMetric(float64(b.N)*float64(1<<20)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkHashAggregate(b *testing.B) {
	mem := memory.NewGoAllocator()
	s, in := benchInput(mem, 1<<20, 1000)
	defer releaseBatches(in)
	env := testEnv(mem, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := drainCount(b, NewHashAggregate(env, replay(s, in), []expr.Expr{col{0, i64}}, []string{"k"}, []AggregateCall{sumCall("n")}))
		if n != 1000 {
			b.Fatalf("%d groups", n)
		}
	}
	b.ReportMetric(float64(b.N)*float64(1<<20)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkHashJoin(b *testing.B) {
	mem := memory.NewGoAllocator()
	ls, left := benchInput(mem, 1<<20, 100_000)
	defer releaseBatches(left)
	// Unique right keys: 7919 is prime to 100000, so this is a permutation.
	rs, right := benchInputKeys(mem, 100_000, func(i int) int64 { return int64(i * 7919 % 100_000) })
	defer releaseBatches(right)
	env := testEnv(mem, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := drainCount(b, NewHashJoin(env, replay(ls, left), replay(rs, right), InnerJoin, []expr.Expr{col{0, i64}}, []expr.Expr{col{0, i64}}, nil))
		if n != 1<<20 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.N)*float64(1<<20+100_000)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkSort(b *testing.B) {
	mem := memory.NewGoAllocator()
	s, in := benchInput(mem, 1<<20, 1<<30)
	defer releaseBatches(in)
	env := testEnv(mem, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		drainCount(b, NewSort(env, replay(s, in), []SortKey{{Expr: col{0, i64}}}))
	}
	b.ReportMetric(float64(b.N)*float64(1<<20)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkTopN(b *testing.B) {
	mem := memory.NewGoAllocator()
	s, in := benchInput(mem, 1<<20, 1<<30)
	defer releaseBatches(in)
	env := testEnv(mem, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		drainCount(b, NewTopN(env, replay(s, in), []SortKey{{Expr: col{0, i64}, Desc: true}}, 0, 100))
	}
	b.ReportMetric(float64(b.N)*float64(1<<20)/b.Elapsed().Seconds(), "rows/s")
}

// ltConst is a vectorized k < c predicate so the filter benchmark measures
// the operator, not a slow test expression.
type ltConst struct{ c int64 }

func (ltConst) Type() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (ltConst) String() string       { return "k < c" }
func (l ltConst) Eval(ec *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	vals := b.Column(0).(*array.Int64).Int64Values()
	out := make([]bool, len(vals))
	for i, v := range vals {
		out[i] = v < l.c
	}
	bld := array.NewBooleanBuilder(ec.Mem)
	defer bld.Release()
	bld.AppendValues(out, nil)
	return bld.NewArray(), nil
}
