package executor

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

// This file is the contract between the planner and the operators: the
// planner builds a physical plan by calling these constructors. Every
// constructor takes ownership of its child operators (Close closes them).
//
// Output schemas: unless stated otherwise an operator's output columns are
// named by the names given and typed by the expressions' types.

// JoinKind selects the rows a join emits.
type JoinKind int

const (
	InnerJoin JoinKind = iota
	LeftJoin           // all left rows; right columns NULL when unmatched
	RightJoin          // all right rows; left columns NULL when unmatched
	FullJoin           // both
	SemiJoin           // left rows with a match; only left columns
	AntiJoin           // left rows without a match; only left columns
	// NullAwareAntiJoin is NOT IN (subquery): a left row whose key is NULL, or
	// any NULL key on the right, makes the result unknown (row dropped).
	NullAwareAntiJoin
	CrossJoin
)

// SortKey orders rows by an expression.
type SortKey struct {
	Expr       expr.Expr
	Desc       bool
	NullsFirst bool // MySQL: NULLs first for ASC, last for DESC
}

// AggregateCall is one aggregate in a hash aggregate.
type AggregateCall struct {
	Fn   *functions.BoundAggregate
	Args []expr.Expr
	Opts functions.AggOptions
	Name string
}

// SetOpKind is UNION, EXCEPT or INTERSECT.
type SetOpKind int

const (
	Union SetOpKind = iota
	Except
	Intersect
)

// Env is what operators need at run time.
type Env struct {
	Eval *functions.EvalContext
	// BatchSize is the target number of rows per output batch.
	BatchSize int
	// KeepInstances keeps stateful function instances alive when a plan's
	// operator closes, so that a job worker opening one plan per task loads
	// its model once; the owner then calls the plan's Close.
	KeepInstances bool
}

// The constructors below are the contract; stubs that panic are replaced by
// real operators in their own files.
//
//	NewScan(t catalog.Table, req catalog.ScanRequest) (Operator, error)
//	NewFilter(env *Env, child Operator, pred expr.Expr) Operator
//	    keeps rows where pred is true (NULL and false drop the row)
//	NewProject(env *Env, child Operator, exprs []expr.Expr, names []string) Operator
//	NewHashAggregate(env *Env, child Operator, groupBy []expr.Expr, groupNames []string, aggs []AggregateCall) Operator
//	    output: group-by columns then one column per aggregate; with no
//	    group-by it emits exactly one row even for empty input
//	NewHashJoin(env *Env, left, right Operator, kind JoinKind, leftKeys, rightKeys []expr.Expr, residual expr.Expr) Operator
//	    keys compare with SQL equality (NULL never matches); residual (may be
//	    nil) is evaluated over the concatenated left+right columns; builds on
//	    the right side; output: left columns then right columns (semi/anti:
//	    left only)
//	NewNestedLoopJoin(env *Env, left, right Operator, kind JoinKind, cond expr.Expr) Operator
//	    cond over left+right columns; nil means cross join
//	NewSort(env *Env, child Operator, keys []SortKey) Operator
//	NewTopN(env *Env, child Operator, keys []SortKey, offset, limit int64) Operator
//	NewLimit(child Operator, offset, limit int64) Operator   (limit < 0: no limit)
//	NewDistinct(env *Env, child Operator) Operator
//	NewSetOp(env *Env, kind SetOpKind, all bool, left, right Operator) Operator
//	    output schema is the left's; the right's columns have the same types
//	NewUnionAll(children ...Operator) Operator
//	NewValues(schema *arrow.Schema, batches []arrow.RecordBatch) Operator
//	    emits the given batches (takes ownership)
//	NewInsert(env *Env, t catalog.MutableTable, child Operator) Operator
//	NewDelete(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int) Operator
//	NewUpdate(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int, newCols []int) Operator
//	    DML operators emit one batch with one int64 column "rows_affected"
//
// Helpers:
//
//	Drain(ctx, op) ([]arrow.RecordBatch, error)   reads all and closes
//	NewRecordReader(ctx, op) array.RecordReader   adapts an operator for callers

// stub marks a constructor not written yet.
func stub(name string) { panic("executor: " + name + " not implemented yet") }

var (
	_ arrow.DataType
	_ catalog.Table
)
