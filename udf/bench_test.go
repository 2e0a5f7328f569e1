package udf

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
)

func BenchmarkScalarInt64(b *testing.B) {
	e, err := Scalar("inc", func(x int64) int64 { return x + 1 })
	if err != nil {
		b.Fatal(err)
	}
	bd, _ := e.Scalar([]arrow.DataType{arrow.PrimitiveTypes.Int64})
	mem := memory.NewGoAllocator()
	ib := array.NewInt64Builder(mem)
	for i := 0; i < 4096; i++ {
		ib.Append(int64(i))
	}
	in := ib.NewArray()
	defer in.Release()
	ec := &functions.EvalContext{Mem: mem}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := bd.Kernel(ec, []arrow.Array{in}, 4096)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*4096), "ns/row")
}
