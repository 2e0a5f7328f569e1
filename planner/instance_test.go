package planner

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
)

type countingInstance struct{ closed *int }

func (c *countingInstance) Call(ec *functions.EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
	args[0].Retain()
	return args[0], nil
}
func (c *countingInstance) Close() error { *c.closed++; return nil }

// A stateful function gets one instance per plan run, closed with the run,
// or kept until Plan.Close when the run asks to keep instances (job workers).
func TestStatefulInstances(t *testing.T) {
	c := fixture(t)
	created, closed := 0, 0
	c.fns = c.fns.NewChild()
	c.fns.Register(&functions.Entry{
		Info: functions.Info{Name: "ident"},
		Scalar: func(args []arrow.DataType) (*functions.Bound, error) {
			return &functions.Bound{Name: "ident", ArgTypes: []arrow.DataType{arrow.PrimitiveTypes.Int64}, ReturnType: arrow.PrimitiveTypes.Int64,
				Volatility: functions.Volatile,
				NewInstance: func(context.Context) (functions.Instance, error) {
					created++
					return &countingInstance{closed: &closed}, nil
				}}, nil
		},
	})
	for _, keep := range []bool{false, true} {
		created, closed = 0, 0
		pl, err := c.plan("SELECT ident(a) FROM t1 WHERE ident(b) > 0")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for run := 0; run < 2; run++ {
			op, err := pl.Open(ctx, &executor.Env{Eval: &functions.EvalContext{Ctx: ctx, Mem: c.mem}, BatchSize: 2, KeepInstances: keep})
			if err != nil {
				t.Fatal(err)
			}
			bs, err := executor.Drain(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				b.Release()
			}
		}
		if err := pl.Close(); err != nil {
			t.Fatal(err)
		}
		wantCreated := 4 // two calls, two runs
		if keep {
			wantCreated = 2
		}
		if created != wantCreated || closed != created {
			t.Errorf("keep=%v: created %d closed %d instances, want %d created and all closed", keep, created, closed, wantCreated)
		}
	}
	c.check(t)
}
