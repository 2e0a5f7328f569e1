// Package executor runs physical plans: vectorized operators that pass Arrow
// record batches from one to the next.
package executor

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is a pull-based stream of record batches (Volcano style, a batch at
// a time). Next returns io.EOF after the last batch. The caller owns and must
// Release every batch it receives. Close releases the operator's state and
// closes its children; it is safe to call more than once.
type Operator interface {
	Schema() *arrow.Schema
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}
