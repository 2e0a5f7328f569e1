package functions_test

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
)

// A user function in a few lines: overloads pick the cheapest implicit cast,
// and the Unary/StringKernel helpers keep the kernel a loop over Arrow data.
func Example_defineFunction() {
	reg := functions.NewBuiltinRegistry().NewChild()
	reg.Register(functions.NewScalarEntry("double_it", "2*x", functions.Immutable,
		functions.Overload{Args: []arrow.DataType{functions.Int64}, Return: functions.Int64,
			Kernel: func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return functions.Unary[int64, int64](ec, a[0], functions.Int64, func(v int64) int64 { return 2 * v }), nil
			}},
		functions.Overload{Args: []arrow.DataType{functions.Utf8}, Return: functions.Utf8,
			Kernel: func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return functions.UnaryString(ec, a[0], func(s string) string { return strings.Repeat(s, 2) }), nil
			}}))

	mem := memory.NewGoAllocator()
	ec := &functions.EvalContext{Mem: mem}
	b := array.NewInt32Builder(mem)
	b.AppendValues([]int32{1, 2}, nil)
	b.AppendNull()
	in := b.NewArray()
	defer in.Release()

	// The planner's job: resolve, cast the argument, call the kernel.
	bound, err := reg.ResolveScalar("DOUBLE_IT", []arrow.DataType{in.DataType()})
	if err != nil {
		panic(err)
	}
	arg, _ := functions.Cast(ec, in, bound.ArgTypes[0])
	defer arg.Release()
	out, _ := bound.Kernel(ec, []arrow.Array{arg}, arg.Len())
	defer out.Release()
	fmt.Println(functions.TypeName(bound.ReturnType), out)
	// Output: BIGINT [2 4 (null)]
}
