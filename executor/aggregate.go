package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

type hashAggOp struct {
	env     *Env
	child   Operator
	groupBy []expr.Expr
	aggs    []AggregateCall
	schema  *arrow.Schema

	table    *groupTable
	accs     []functions.Accumulator
	keyParts [][]arrow.Array // per group-by column: key values of new groups, batch by batch
	ngroups  int
	gids     []uint32

	out  arrow.RecordBatch // all result rows, emitted in slices
	pos  int64
	done bool
}

// NewHashAggregate groups child rows by groupBy (NULLs form one group,
// strings case-insensitively; a group's key is its first row's spelling) and
// computes aggs per group. Output: group-by columns then one column per
// aggregate, groups in order of first appearance. With no group-by it emits
// exactly one row, even for empty input.
func NewHashAggregate(env *Env, child Operator, groupBy []expr.Expr, groupNames []string, aggs []AggregateCall) Operator {
	fields := make([]arrow.Field, 0, len(groupBy)+len(aggs))
	for i, g := range groupBy {
		name := g.String()
		if i < len(groupNames) && groupNames[i] != "" {
			name = groupNames[i]
		}
		fields = append(fields, arrow.Field{Name: name, Type: g.Type(), Nullable: true})
	}
	for _, a := range aggs {
		var t arrow.DataType = arrow.Null
		if a.Fn != nil {
			t = a.Fn.ReturnType
		}
		fields = append(fields, arrow.Field{Name: a.Name, Type: t, Nullable: true})
	}
	return &hashAggOp{env: env, child: child, groupBy: groupBy, aggs: aggs, schema: arrow.NewSchema(fields, nil)}
}

func (h *hashAggOp) Schema() *arrow.Schema { return h.schema }

func (h *hashAggOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if h.done {
		return nil, io.EOF
	}
	if h.out == nil {
		if err := h.build(ctx); err != nil {
			return nil, err
		}
	}
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	n := h.out.NumRows()
	if h.pos >= n {
		h.done = true
		h.release()
		return nil, io.EOF
	}
	end := min(n, h.pos+int64(h.env.batchSize()))
	b := h.out.NewSlice(h.pos, end)
	h.pos = end
	return b, nil
}

func (h *hashAggOp) build(ctx context.Context) error {
	mem := h.env.mem()
	h.accs = make([]functions.Accumulator, len(h.aggs))
	for i, a := range h.aggs {
		if a.Fn == nil || a.Fn.New == nil {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "executor: aggregate %s has no implementation", a.Name)
		}
		acc, err := a.Fn.New(mem, a.Opts)
		if err != nil {
			return err
		}
		h.accs[i] = acc
	}
	if len(h.groupBy) > 0 {
		types := make([]arrow.DataType, len(h.groupBy))
		for i, g := range h.groupBy {
			types[i] = g.Type()
		}
		h.table = newGroupTable(types)
		h.keyParts = make([][]arrow.Array, len(h.groupBy))
	} else {
		h.ngroups = 1 // one group even for empty input
	}
	ec := h.env.evalCtx(ctx)
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		b, err := h.child.Next(ctx)
		if err != nil {
			if isEOF(err) {
				// Free the input's state while we hold the groups.
				if err := h.child.Close(); err != nil {
					return err
				}
				break
			}
			return err
		}
		if err := h.consume(ctx, ec, b); err != nil {
			return err
		}
	}
	return h.finish()
}

// consume folds one batch into the groups; it releases b.
func (h *hashAggOp) consume(ctx context.Context, ec *functions.EvalContext, b arrow.RecordBatch) error {
	defer b.Release()
	n := int(b.NumRows())
	h.gids = growU32(h.gids, n)
	if h.table != nil {
		keys, err := evalAll(ec, h.groupBy, b)
		if err != nil {
			return err
		}
		defer releaseArrays(keys)
		newRows := h.table.insert(keys, h.gids, false)
		h.ngroups = h.table.n
		if len(newRows) > 0 {
			vals, err := takeColumns(ctx, h.env.mem(), keys, newRows)
			if err != nil {
				return err
			}
			for i, v := range vals {
				h.keyParts[i] = append(h.keyParts[i], v)
			}
		}
	} else {
		for i := range h.gids {
			h.gids[i] = 0
		}
	}
	for i, a := range h.aggs {
		args, err := evalAll(ec, a.Args, b)
		if err != nil {
			return err
		}
		err = h.accs[i].Update(h.gids[:n], h.ngroups, args)
		releaseArrays(args)
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *hashAggOp) finish() error {
	mem := h.env.mem()
	cols := make([]arrow.Array, 0, h.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	for i := range h.groupBy {
		parts := h.keyParts[i]
		var a arrow.Array
		switch len(parts) {
		case 0:
			a = array.MakeArrayOfNull(mem, h.groupBy[i].Type(), 0)
		case 1:
			a = parts[0]
			a.Retain()
		default:
			var err error
			if a, err = array.Concatenate(parts, mem); err != nil {
				return err
			}
		}
		cols = append(cols, a)
		releaseArrays(parts)
		h.keyParts[i] = nil
	}
	for i, acc := range h.accs {
		a, err := acc.Finish(mem, h.ngroups)
		if err != nil {
			return err
		}
		cols = append(cols, a)
		if a.Len() != h.ngroups {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "executor: aggregate %s returned %d values for %d groups", h.aggs[i].Name, a.Len(), h.ngroups)
		}
		if !arrow.TypeEqual(a.DataType(), h.schema.Field(len(h.groupBy)+i).Type) {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "executor: aggregate %s returned %s, declared %s", h.aggs[i].Name, a.DataType(), h.schema.Field(len(h.groupBy)+i).Type)
		}
	}
	h.releaseAccs()
	h.out = array.NewRecordBatch(h.schema, cols, int64(h.ngroups))
	h.table = nil
	return nil
}

func (h *hashAggOp) releaseAccs() {
	for _, a := range h.accs {
		if a != nil {
			a.Release()
		}
	}
	h.accs = nil
}

func (h *hashAggOp) release() {
	h.releaseAccs()
	for i, p := range h.keyParts {
		releaseArrays(p)
		h.keyParts[i] = nil
	}
	if h.out != nil {
		h.out.Release()
		h.out = nil
	}
	h.table = nil
}

func (h *hashAggOp) Close() error {
	h.done = true
	h.release()
	return h.child.Close()
}
