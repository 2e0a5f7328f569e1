package executor

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// defaultBatchSize is used when Env.BatchSize is not set.
const defaultBatchSize = 4096

func (e *Env) batchSize() int {
	if e == nil || e.BatchSize <= 0 {
		return defaultBatchSize
	}
	return e.BatchSize
}

func (e *Env) mem() memory.Allocator {
	if e == nil || e.Eval == nil || e.Eval.Mem == nil {
		return memory.DefaultAllocator
	}
	return e.Eval.Mem
}

// evalCtx returns the EvalContext for expression evaluation, with Ctx set to
// the current call's context so kernels observe cancellation.
func (e *Env) evalCtx(ctx context.Context) *functions.EvalContext {
	var ec functions.EvalContext
	if e != nil && e.Eval != nil {
		ec = *e.Eval
	}
	if ec.Mem == nil {
		ec.Mem = memory.DefaultAllocator
	}
	ec.Ctx = ctx
	return &ec
}

// computeCtx prepares a context for arrow compute kernels: our allocator and
// no goroutine fan-out (operators already run one per core at most, and the
// machine is shared).
func computeCtx(ctx context.Context, mem memory.Allocator) context.Context {
	ec := compute.DefaultExecCtx()
	ec.NumParallel = 1
	return compute.WithAllocator(compute.SetExecCtx(ctx, ec), mem)
}

// recoverErr turns a panic from a kernel or expression into an error so no
// panic escapes an operator's Next. Use as: defer recoverErr(&err).
func recoverErr(err *error) {
	if r := recover(); r != nil {
		e := sqlerr.New(sqlerr.ErrUnknownSystem, "executor: internal error: %v", r)
		if c, ok := r.(error); ok {
			e.Cause = c
		}
		*err = e
	}
}

// checkCtx reports cancellation as MySQL's "Query execution was interrupted".
func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: "Query execution was interrupted", Cause: err}
	}
	return nil
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		if b != nil {
			b.Release()
		}
	}
}

// evalAll evaluates exprs over batch; on error it releases what it made.
func evalAll(ec *functions.EvalContext, exprs []expr.Expr, batch arrow.RecordBatch) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(exprs))
	for i, e := range exprs {
		a, err := e.Eval(ec, batch)
		if err != nil {
			releaseArrays(out)
			return nil, err
		}
		if a.Len() != int(batch.NumRows()) {
			a.Release()
			releaseArrays(out)
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: expression %s returned %d rows for a batch of %d", e.String(), a.Len(), batch.NumRows())
		}
		out[i] = a
	}
	return out, nil
}

// int32Indices wraps idx as an Int32 array; a negative index becomes NULL, so
// Take yields a NULL row there (used for the unmatched side of outer joins).
func int32Indices(mem memory.Allocator, idx []int32) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.Reserve(len(idx))
	hasNull := false
	for _, v := range idx {
		if v < 0 {
			hasNull = true
			break
		}
	}
	if !hasNull {
		b.AppendValues(idx, nil)
	} else {
		valid := make([]bool, len(idx))
		for i, v := range idx {
			valid[i] = v >= 0
		}
		b.AppendValues(idx, valid)
	}
	return b.NewArray()
}

// takeColumns gathers rows idx (negative: NULL) from each column.
func takeColumns(ctx context.Context, mem memory.Allocator, cols []arrow.Array, idx []int32) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(cols))
	if len(cols) == 0 {
		return out, nil
	}
	ind := int32Indices(mem, idx)
	defer ind.Release()
	cctx := computeCtx(ctx, mem)
	for i, c := range cols {
		if c.DataType().ID() == arrow.NULL {
			out[i] = array.MakeArrayOfNull(mem, c.DataType(), len(idx))
			continue
		}
		// Indices come from our own row numbering, so skip bounds checks.
		t, err := compute.TakeArrayOpts(cctx, c, ind, compute.TakeOptions{BoundsCheck: false})
		if err != nil {
			releaseArrays(out)
			return nil, fmt.Errorf("executor: take on %s: %w", c.DataType(), err)
		}
		out[i] = t
	}
	return out, nil
}

// takeBatch gathers rows of rec into a new batch with the given schema.
func takeBatch(ctx context.Context, mem memory.Allocator, schema *arrow.Schema, rec arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	cols, err := takeColumns(ctx, mem, rec.Columns(), idx)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(cols)
	return array.NewRecordBatch(schema, cols, int64(len(idx))), nil
}

// concatBatches concatenates batches column-wise into one batch; with no
// batches it returns an empty batch of the schema.
func concatBatches(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	ncols := schema.NumFields()
	cols := make([]arrow.Array, ncols)
	defer releaseArrays(cols)
	var n int64
	for _, b := range batches {
		n += b.NumRows()
	}
	for c := 0; c < ncols; c++ {
		if len(batches) == 0 {
			cols[c] = array.MakeArrayOfNull(mem, schema.Field(c).Type, 0)
			continue
		}
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("executor: concatenate column %d: %w", c, err)
		}
		cols[c] = a
	}
	return array.NewRecordBatch(schema, cols, n), nil
}

// withSchema relabels batch with schema (same types, maybe other names);
// it consumes batch.
func withSchema(schema *arrow.Schema, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	if batch.Schema().Equal(schema) {
		return batch, nil
	}
	defer batch.Release()
	if int(batch.NumCols()) != schema.NumFields() {
		return nil, sqlerr.New(sqlerr.ErrOperandColumns, "executor: batch has %d columns, expected %d", batch.NumCols(), schema.NumFields())
	}
	for i, c := range batch.Columns() {
		if !arrow.TypeEqual(c.DataType(), schema.Field(i).Type) {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: column %d (%s) has type %s, expected %s", i, schema.Field(i).Name, c.DataType(), schema.Field(i).Type)
		}
	}
	return array.NewRecordBatch(schema, batch.Columns(), batch.NumRows()), nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// closeAll closes operators, returning the first error.
func closeAll(ops ...Operator) error {
	var first error
	for _, op := range ops {
		if op == nil {
			continue
		}
		if err := op.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// nullableSchema returns schema with every field nullable (for the outer
// side of a join).
func nullableFields(s *arrow.Schema) []arrow.Field {
	fs := make([]arrow.Field, s.NumFields())
	for i := range fs {
		fs[i] = s.Field(i)
		fs[i].Nullable = true
	}
	return fs
}

// validBools writes a's validity into dst (reused when large enough), read
// straight from the bitmap rather than through per-row interface calls.
func validBools(a arrow.Array, dst []bool) []bool {
	n := a.Len()
	if cap(dst) < n {
		dst = make([]bool, n)
	}
	dst = dst[:n]
	if a.DataType().ID() == arrow.NULL {
		clear(dst)
		return dst
	}
	bm := a.NullBitmapBytes()
	if a.NullN() == 0 || len(bm) == 0 {
		for i := range dst {
			dst[i] = true
		}
		return dst
	}
	off := a.Data().Offset()
	for i := range dst {
		dst[i] = bitutil.BitIsSet(bm, off+i)
	}
	return dst
}
