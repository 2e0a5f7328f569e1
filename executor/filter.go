package executor

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

type filterOp struct {
	env   *Env
	child Operator
	pred  expr.Expr
}

// NewFilter keeps rows where pred is true (NULL and false drop the row).
func NewFilter(env *Env, child Operator, pred expr.Expr) Operator {
	return &filterOp{env: env, child: child, pred: pred}
}

func (f *filterOp) Schema() *arrow.Schema { return f.child.Schema() }

func (f *filterOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	ec := f.env.evalCtx(ctx)
	for {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := f.child.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := func() (arrow.RecordBatch, error) {
			defer b.Release() // also on panic in the predicate
			return filterBatch(ctx, f.env, ec, f.pred, b)
		}()
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
}

// filterBatch evaluates pred over b and returns the kept rows (nil when none
// are kept). b is not consumed.
func filterBatch(ctx context.Context, env *Env, ec *functions.EvalContext, pred expr.Expr, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	m, err := pred.Eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	if m.DataType().ID() == arrow.NULL {
		return nil, nil // WHERE NULL keeps nothing
	}
	mask, ok := m.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("executor: filter predicate %s is %s, not boolean", pred, m.DataType())
	}
	n := countTrue(mask)
	switch {
	case n == 0:
		return nil, nil
	case n == mask.Len():
		b.Retain()
		return b, nil
	}
	return compute.FilterRecordBatch(computeCtx(ctx, env.mem()), b, mask, compute.DefaultFilterOptions())
}

// countTrue counts rows that are valid and true.
func countTrue(mask *array.Boolean) int {
	d := mask.Data()
	bufs := d.Buffers()
	n := mask.Len()
	if n == 0 {
		return 0
	}
	vals := bufs[1].Bytes()
	if mask.NullN() == 0 {
		return bitutil.CountSetBits(vals, d.Offset(), n)
	}
	if mask.NullN() == n {
		return 0
	}
	valid := bufs[0].Bytes()
	cnt := 0
	for i := 0; i < n; i++ {
		j := i + d.Offset()
		if bitutil.BitIsSet(valid, j) && bitutil.BitIsSet(vals, j) {
			cnt++
		}
	}
	return cnt
}

func (f *filterOp) Close() error { return f.child.Close() }
