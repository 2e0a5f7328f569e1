package executor

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// Every stateful operator passes on a child's error and a cancelled
// context, and releases what it held.
func TestErrorsAndCancellation(t *testing.T) {
	boom := errors.New("child failed")
	k := []expr.Expr{col{0, i64}}
	ops := map[string]func(env *Env, in func() Operator) Operator{
		"sort": func(env *Env, in func() Operator) Operator { return NewSort(env, in(), []SortKey{{Expr: col{0, i64}}}) },
		"topn": func(env *Env, in func() Operator) Operator {
			return NewTopN(env, in(), []SortKey{{Expr: col{0, i64}}}, 0, 1)
		},
		"aggregate": func(env *Env, in func() Operator) Operator {
			return NewHashAggregate(env, in(), k, nil, []AggregateCall{sumCall("n")})
		},
		"distinct": func(env *Env, in func() Operator) Operator { return NewDistinct(env, in()) },
		"join build": func(env *Env, in func() Operator) Operator {
			return NewHashJoin(env, in(), in(), InnerJoin, k, k, nil)
		},
		"nlj":    func(env *Env, in func() Operator) Operator { return NewNestedLoopJoin(env, in(), in(), LeftJoin, nil) },
		"except": func(env *Env, in func() Operator) Operator { return NewSetOp(env, Except, false, in(), in()) },
		"union":  func(env *Env, in func() Operator) Operator { return NewSetOp(env, Union, false, in(), in()) },
		// The limit must read past the first batch to reach its window.
		"limit":   func(env *Env, in func() Operator) Operator { return NewLimit(in(), 4, 1) },
		"project": func(env *Env, in func() Operator) Operator { return NewProject(env, in(), k, []string{"a"}) },
	}
	for name, mk := range ops {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			env := testEnv(mem, 1)
			// The child fails after its first batch.
			failing := func() Operator {
				return NewFilter(env, values(t, mem, "a:int64,b:utf8", abRows1, abRows2), failAfter(1, boom))
			}
			if _, err := runErr(mk(env, failing)); !errors.Is(err, boom) {
				t.Fatalf("want child error, got %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			op := mk(env, func() Operator { return values(t, mem, "a:int64,b:utf8", abRows1, abRows2) })
			_, err := op.Next(ctx)
			var se *sqlerr.Error
			if !errors.As(err, &se) || se.Code != sqlerr.ErrQueryCanceled {
				t.Fatalf("want query interrupted, got %v", err)
			}
			op.Close()
		})
	}
}

// failAfter is a predicate that is true for n batches, then fails.
func failAfter(n int, err error) expr.Expr { return &failing{n: n, err: err} }

type failing struct {
	n   int
	err error
}

func (f *failing) Type() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (f *failing) String() string       { return "failing" }
func (f *failing) Eval(ec *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	if f.n == 0 {
		return nil, f.err
	}
	f.n--
	yes := true
	return constExpr{&yes}.Eval(ec, b)
}
