package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// distinctOp streams: each batch emits the rows whose key was not seen
// before, so only the key table is held.
type distinctOp struct {
	env   *Env
	child Operator
	table *groupTable
	gids  []uint32
	done  bool
}

// NewDistinct removes duplicate rows (NULLs equal each other, strings compare
// case-insensitively; the first row of each group is kept, in input order).
func NewDistinct(env *Env, child Operator) Operator {
	return &distinctOp{env: env, child: child}
}

func (d *distinctOp) Schema() *arrow.Schema { return d.child.Schema() }

func schemaTypes(s *arrow.Schema) []arrow.DataType {
	t := make([]arrow.DataType, s.NumFields())
	for i := range t {
		t[i] = s.Field(i).Type
	}
	return t
}

func (d *distinctOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if d.done {
		return nil, io.EOF
	}
	if d.table == nil {
		d.table = newGroupTable(schemaTypes(d.child.Schema()))
	}
	for {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := d.child.Next(ctx)
		if err != nil {
			if isEOF(err) {
				d.done = true
				d.table = nil
			}
			return nil, err
		}
		out, err := d.firsts(ctx, b)
		if err != nil || out != nil {
			return out, err
		}
	}
}

// firsts returns b's rows with unseen keys (nil if none); it releases b.
func (d *distinctOp) firsts(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	defer b.Release()
	n := int(b.NumRows())
	d.gids = growU32(d.gids, n)
	newRows := d.table.insert(b.Columns(), d.gids, false)
	switch len(newRows) {
	case 0:
		return nil, nil
	case n:
		b.Retain()
		return b, nil
	}
	return takeBatch(ctx, d.env.mem(), b.Schema(), b, newRows)
}

func (d *distinctOp) Close() error {
	d.done = true
	d.table = nil
	return d.child.Close()
}
