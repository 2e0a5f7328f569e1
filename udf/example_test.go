package udf_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/udf"
)

func ExampleScalar() {
	// A pointer parameter sees NULL as nil; the error result fails a row.
	e, err := udf.Scalar("greet", func(name *string) (string, error) {
		if name == nil {
			return "hello, nobody", nil
		}
		if *name == "" {
			return "", fmt.Errorf("empty name")
		}
		return "hello, " + strings.ToUpper(*name), nil
	}, udf.WithDescription("greets"), udf.WithErrorPolicy(udf.Policy{Mode: udf.Skip}))
	if err != nil {
		panic(err)
	}
	reg := functions.NewRegistry()
	reg.Register(e)

	fe, _ := reg.Lookup("GREET")
	b, _ := fe.Scalar([]arrow.DataType{arrow.BinaryTypes.String})
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.AppendValues([]string{"ada", "", ""}, []bool{true, true, false})
	in := sb.NewArray()
	defer in.Release()

	ec := &functions.EvalContext{Ctx: context.Background(), Mem: memory.DefaultAllocator,
		Warn: func(code int, msg string) { fmt.Println("warning:", msg) }}
	out, err := b.Kernel(ec, []arrow.Array{in}, 3)
	if err != nil {
		panic(err)
	}
	defer out.Release()
	fmt.Println(fe.Info.Signature)
	fmt.Println(out)
	// Output:
	// warning: function greet, row 1: empty name (value set to NULL)
	// (VARCHAR) -> VARCHAR
	// ["hello, ADA" (null) "hello, nobody"]
}

func ExampleVectorized() {
	// Kernels loop over Arrow buffers: no per-row calls.
	square := udf.Vectorized("square", []arrow.DataType{arrow.PrimitiveTypes.Float64}, arrow.PrimitiveTypes.Float64,
		func(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
			in := args[0].(*array.Float64)
			b := array.NewFloat64Builder(ec.Mem)
			defer b.Release()
			b.Resize(nrows)
			for i, v := range in.Float64Values() {
				if in.IsNull(i) {
					b.AppendNull()
					continue
				}
				b.Append(v * v)
			}
			return b.NewArray(), nil
		}, udf.WithVersion("2"))
	b, _ := square.Scalar([]arrow.DataType{arrow.PrimitiveTypes.Float64})
	fb := array.NewFloat64Builder(memory.DefaultAllocator)
	fb.AppendValues([]float64{1.5, 3}, nil)
	in := fb.NewArray()
	defer in.Release()
	out, _ := b.Kernel(&functions.EvalContext{Mem: memory.DefaultAllocator}, []arrow.Array{in}, 2)
	defer out.Release()
	fmt.Println(square.Info.Signature, square.Info.Version, out)
	// Output: (DOUBLE) -> DOUBLE 2 [2.25 9]
}

// embedder is a stand-in for a model loaded once per worker.
type embedder struct{ dim int }

func (m *embedder) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	in := args[0].(*array.String)
	b := array.NewFixedSizeListBuilder(ec.Mem, int32(m.dim), arrow.PrimitiveTypes.Float32)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float32Builder)
	for i := 0; i < nrows; i++ {
		b.Append(true)
		s := in.Value(i)
		vb.Append(float32(len(s)))
		vb.Append(float32(strings.Count(s, " ") + 1))
	}
	return b.NewArray(), nil
}

func (m *embedder) Close() error { return nil }

func ExampleStateful() {
	e := udf.Stateful("embed", []arrow.DataType{arrow.BinaryTypes.String}, udf.Vector(2),
		func(ctx context.Context) (udf.State, error) {
			fmt.Println("loading model")
			return &embedder{dim: 2}, nil
		})
	b, _ := e.Scalar([]arrow.DataType{arrow.BinaryTypes.String})

	// The job runner: one instance per worker, the policy applied per batch.
	inst, err := b.NewInstance(context.Background())
	if err != nil {
		panic(err)
	}
	defer inst.Close()
	policy, _ := udf.PolicyOf(b)
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.AppendValues([]string{"a cat", "dog"}, nil)
	in := sb.NewArray()
	defer in.Release()
	for batch := 0; batch < 2; batch++ {
		out, err := udf.CallWithPolicy(context.Background(), &functions.EvalContext{Mem: memory.DefaultAllocator},
			inst, []arrow.Array{in}, 2, policy, nil)
		if err != nil {
			panic(err)
		}
		fmt.Println(out)
		out.Release()
	}
	// Output:
	// loading model
	// [[5 2] [3 1]]
	// [[5 2] [3 1]]
}

func ExampleParsePolicy() {
	for _, s := range []string{"fail", "skip", "retry(3)", "retry(-1)"} {
		p, err := udf.ParsePolicy(s)
		fmt.Println(p, err)
	}
	// Output:
	// fail <nil>
	// skip <nil>
	// retry(3) <nil>
	// fail ERROR 1210 (HY000): invalid on_error policy "retry(-1)": expected 'fail', 'skip' or 'retry(N)' with N from 1 to 100
}
