// Package expr holds physical expressions: bound, typed trees that the executor
// evaluates over a whole record batch at a time.
package expr

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
)

// Expr is a bound expression. Eval returns an array with batch.NumRows() rows
// and type Type(); the caller releases it.
type Expr interface {
	Type() arrow.DataType
	Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (arrow.Array, error)
	// String renders the expression for EXPLAIN.
	String() string
}
