package executor

// Stubs for the contract in api.go; each is deleted when its operator is written.

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/expr"
)

func NewScan(t catalog.Table, req catalog.ScanRequest) (Operator, error) {
	stub("NewScan")
	return nil, nil
}
func NewFilter(env *Env, child Operator, pred expr.Expr) Operator { stub("NewFilter"); return nil }
func NewProject(env *Env, child Operator, exprs []expr.Expr, names []string) Operator {
	stub("NewProject")
	return nil
}
func NewHashAggregate(env *Env, child Operator, groupBy []expr.Expr, groupNames []string, aggs []AggregateCall) Operator {
	stub("NewHashAggregate")
	return nil
}
func NewHashJoin(env *Env, left, right Operator, kind JoinKind, leftKeys, rightKeys []expr.Expr, residual expr.Expr) Operator {
	stub("NewHashJoin")
	return nil
}
func NewNestedLoopJoin(env *Env, left, right Operator, kind JoinKind, cond expr.Expr) Operator {
	stub("NewNestedLoopJoin")
	return nil
}
func NewSort(env *Env, child Operator, keys []SortKey) Operator { stub("NewSort"); return nil }
func NewTopN(env *Env, child Operator, keys []SortKey, offset, limit int64) Operator {
	stub("NewTopN")
	return nil
}
func NewLimit(child Operator, offset, limit int64) Operator { stub("NewLimit"); return nil }
func NewDistinct(env *Env, child Operator) Operator         { stub("NewDistinct"); return nil }
func NewSetOp(env *Env, kind SetOpKind, all bool, left, right Operator) Operator {
	stub("NewSetOp")
	return nil
}
func NewUnionAll(children ...Operator) Operator { stub("NewUnionAll"); return nil }
func NewValues(schema *arrow.Schema, batches []arrow.RecordBatch) Operator {
	stub("NewValues")
	return nil
}
func NewInsert(env *Env, t catalog.MutableTable, child Operator) Operator {
	stub("NewInsert")
	return nil
}
func NewDelete(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int) Operator {
	stub("NewDelete")
	return nil
}
func NewUpdate(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int, newCols []int) Operator {
	stub("NewUpdate")
	return nil
}
func Drain(ctx context.Context, op Operator) ([]arrow.RecordBatch, error) {
	stub("Drain")
	return nil, nil
}
func NewRecordReader(ctx context.Context, op Operator) array.RecordReader {
	stub("NewRecordReader")
	return nil
}
