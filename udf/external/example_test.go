package external_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/udf"
	"github.com/genevasql/genevasql/udf/external"
)

// What CREATE FUNCTION upper_ext(s TEXT) RETURNS TEXT LANGUAGE EXTERNAL
// AS 'python3 examples/udf/upper_jsonl.py' WITH (protocol = 'jsonl',
// on_error = 'skip') turns into.
func ExampleNewEntry() {
	policy, _ := udf.ParsePolicy("skip")
	e, err := external.NewEntry(external.Spec{
		Name:     "upper_ext",
		Args:     []arrow.DataType{arrow.BinaryTypes.String},
		ArgNames: []string{"s"},
		Return:   arrow.BinaryTypes.String,
		Command:  "python3 examples/udf/upper_jsonl.py",
		Dir:      "../..", // the repository root, from this package's tests
		Protocol: "jsonl",
		Timeout:  10 * time.Second,
		OnError:  policy,
	})
	if err != nil {
		panic(err)
	}
	defer udf.Release(e)
	b, _ := e.Scalar([]arrow.DataType{arrow.BinaryTypes.String})

	// One process per worker, kept for the whole job.
	inst, err := b.NewInstance(context.Background())
	if err != nil {
		panic(err)
	}
	defer inst.Close()
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.AppendValues([]string{"geneva", "", "lance"}, []bool{true, false, true})
	in := sb.NewArray()
	defer in.Release()
	ec := &functions.EvalContext{Ctx: context.Background(), Mem: memory.DefaultAllocator}
	for batch := 0; batch < 2; batch++ {
		out, err := inst.Call(ec, []arrow.Array{in}, in.Len())
		if err != nil {
			panic(err)
		}
		fmt.Println(out)
		out.Release()
	}
	fmt.Println(e.Info.Kind, e.Info.Signature)
	// Output:
	// ["GENEVA" (null) "LANCE"]
	// ["GENEVA" (null) "LANCE"]
	// external (VARCHAR) -> VARCHAR
}
