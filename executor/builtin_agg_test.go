package executor

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

// The hash aggregate drives the real built-in accumulators correctly across
// batches, including DISTINCT aggregates and the empty no-group-by case.
func TestBuiltinAggregates(t *testing.T) {
	reg := functions.NewBuiltinRegistry()
	agg := func(name string, distinct bool, args ...expr.Expr) AggregateCall {
		e, ok := reg.Lookup(name)
		if !ok || e.Aggregate == nil {
			t.Fatalf("no aggregate %s", name)
		}
		types := make([]arrow.DataType, len(args))
		for i, a := range args {
			types[i] = a.Type()
		}
		fn, err := e.Aggregate(types, distinct)
		if err != nil {
			t.Fatalf("resolve %s: %v", name, err)
		}
		return AggregateCall{Fn: fn, Args: args, Name: name}
	}
	a := col{0, i64}
	aggs := func() []AggregateCall {
		return []AggregateCall{agg("count", false), agg("count", false, a), agg("count", true, a), agg("sum", false, a), agg("max", false, a)}
	}
	in := []string{`[{"a":1,"b":"x"},{"a":1,"b":"X"},{"a":null,"b":"y"}]`, `[{"a":5,"b":"x"},{"a":null,"b":null}]`}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eq(t, run(t, NewHashAggregate(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", in...), []expr.Expr{col{1, str}}, []string{"b"}, aggs())),
		[]string{"x|3|3|2|7|5", "y|1|0|0|NULL|NULL", "NULL|1|0|0|NULL|NULL"})
	eq(t, run(t, NewHashAggregate(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8"), nil, nil, aggs())),
		[]string{"0|0|0|NULL|NULL"})
}
