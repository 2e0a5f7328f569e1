package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// valuesOp emits batches it owns.
type valuesOp struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	pos     int
}

// NewValues emits the given batches (takes ownership). Batches whose schema
// differs only in names are relabelled to schema; a nil schema means the
// first batch's.
func NewValues(schema *arrow.Schema, batches []arrow.RecordBatch) Operator {
	if schema == nil {
		if len(batches) > 0 {
			schema = batches[0].Schema()
		} else {
			schema = arrow.NewSchema(nil, nil)
		}
	}
	return &valuesOp{schema: schema, batches: batches}
}

func (v *valuesOp) Schema() *arrow.Schema { return v.schema }

func (v *valuesOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	for v.pos < len(v.batches) {
		b := v.batches[v.pos]
		v.batches[v.pos] = nil
		v.pos++
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		return withSchema(v.schema, b)
	}
	return nil, io.EOF
}

func (v *valuesOp) Close() error {
	releaseBatches(v.batches[v.pos:])
	v.batches, v.pos = nil, 0
	return nil
}
