package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

type unionAllOp struct {
	children []Operator
	pos      int
	schema   *arrow.Schema
}

// NewUnionAll emits every child's rows in turn, labelled with the first
// child's schema (all children must have the same column types).
func NewUnionAll(children ...Operator) Operator {
	u := &unionAllOp{children: children}
	if len(children) > 0 {
		u.schema = children[0].Schema()
	} else {
		u.schema = arrow.NewSchema(nil, nil)
	}
	return u
}

func (u *unionAllOp) Schema() *arrow.Schema { return u.schema }

func (u *unionAllOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	for u.pos < len(u.children) {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := u.children[u.pos].Next(ctx)
		if err != nil {
			if isEOF(err) {
				// Close finished children early to free their state.
				if err := u.children[u.pos].Close(); err != nil {
					return nil, err
				}
				u.pos++
				continue
			}
			return nil, err
		}
		return withSchema(u.schema, b)
	}
	return nil, io.EOF
}

func (u *unionAllOp) Close() error { return closeAll(u.children...) }
