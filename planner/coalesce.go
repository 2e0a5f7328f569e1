package planner

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/executor"
)

// coalesceOp merges small batches (a table of many small fragments scans
// as many tiny batches) into batches of about target rows, so operators
// above pay their per-batch cost once per target rows. Batches already
// big enough pass through without copying.
type coalesceOp struct {
	child   executor.Operator
	mem     memory.Allocator
	target  int
	pending arrow.RecordBatch // read ahead, not yet returned
	eof     bool
}

func newCoalesce(env *executor.Env, child executor.Operator) executor.Operator {
	t := env.BatchSize
	if t <= 0 {
		t = 4096
	}
	return &coalesceOp{child: child, mem: memOf(env.Eval), target: t}
}

func (c *coalesceOp) Schema() *arrow.Schema { return c.child.Schema() }

func (c *coalesceOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if c.pending != nil {
		b := c.pending
		c.pending = nil
		return b, nil
	}
	if c.eof {
		return nil, io.EOF
	}
	b, err := c.child.Next(ctx)
	if errors.Is(err, io.EOF) {
		c.eof = true
	}
	return b, err
}

func (c *coalesceOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	var parts []arrow.RecordBatch
	rows := 0
	release := func() {
		for _, p := range parts {
			p.Release()
		}
	}
	for rows < c.target {
		b, err := c.next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			release()
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		if rows > 0 && rows+int(b.NumRows()) > c.target {
			c.pending = b // starts the next output batch
			break
		}
		parts = append(parts, b)
		rows += int(b.NumRows())
	}
	switch len(parts) {
	case 0:
		return nil, io.EOF
	case 1:
		return parts[0], nil
	}
	defer release()
	return concatBatches(c.mem, c.child.Schema(), parts)
}

func (c *coalesceOp) Close() error {
	if c.pending != nil {
		c.pending.Release()
		c.pending = nil
	}
	return c.child.Close()
}
