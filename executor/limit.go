package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

type limitOp struct {
	child         Operator
	offset, limit int64 // limit < 0: no limit
	skipped       int64
	emitted       int64
	done          bool
}

// NewLimit skips offset rows then passes at most limit rows (limit < 0: no
// limit). It stops pulling from its child once the limit is reached.
func NewLimit(child Operator, offset, limit int64) Operator {
	if offset < 0 {
		offset = 0
	}
	return &limitOp{child: child, offset: offset, limit: limit}
}

func (l *limitOp) Schema() *arrow.Schema { return l.child.Schema() }

func (l *limitOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	for {
		if l.done || (l.limit >= 0 && l.emitted >= l.limit) {
			l.done = true
			return nil, io.EOF
		}
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := l.child.Next(ctx)
		if err != nil {
			if isEOF(err) {
				l.done = true
			}
			return nil, err
		}
		n := b.NumRows()
		start := int64(0)
		if l.skipped < l.offset {
			start = min(l.offset-l.skipped, n)
			l.skipped += start
		}
		end := n
		if l.limit >= 0 {
			end = min(n, start+l.limit-l.emitted)
		}
		if start >= end {
			b.Release()
			continue
		}
		l.emitted += end - start
		if start == 0 && end == n {
			return b, nil
		}
		s := b.NewSlice(start, end)
		b.Release()
		return s, nil
	}
}

func (l *limitOp) Close() error { return l.child.Close() }
