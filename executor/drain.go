package executor

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Drain reads every batch of op and closes it. On error it releases what it
// read and returns the error.
func Drain(ctx context.Context, op Operator) (out []arrow.RecordBatch, err error) {
	defer func() {
		cerr := op.Close()
		if err == nil {
			err = cerr
		}
		if err != nil {
			releaseBatches(out)
			out = nil
		}
	}()
	for {
		b, err := op.Next(ctx)
		if err != nil {
			if isEOF(err) {
				return out, nil
			}
			return out, err
		}
		out = append(out, b)
	}
}

// recordReader adapts an Operator to array.RecordReader. The batch returned
// by RecordBatch is valid until the next call to Next or Release (as with
// arrow's readers); callers Retain it to keep it.
type recordReader struct {
	refs atomic.Int64
	ctx  context.Context
	op   Operator
	cur  arrow.RecordBatch
	err  error
	done bool
}

// NewRecordReader adapts op for callers that want an array.RecordReader. The
// operator is closed when the stream ends, fails, or the reader is released.
func NewRecordReader(ctx context.Context, op Operator) array.RecordReader {
	r := &recordReader{ctx: ctx, op: op}
	r.refs.Store(1)
	return r
}

func (r *recordReader) Retain() { r.refs.Add(1) }

func (r *recordReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.finish()
	}
}

func (r *recordReader) finish() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if !r.done {
		r.done = true
		if err := r.op.Close(); err != nil && r.err == nil {
			r.err = err
		}
	}
}

func (r *recordReader) Schema() *arrow.Schema { return r.op.Schema() }

func (r *recordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	b, err := r.op.Next(r.ctx)
	if err != nil {
		if !isEOF(err) {
			r.err = err
		}
		r.finish()
		return false
	}
	r.cur = b
	return true
}

func (r *recordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the deprecated name of RecordBatch.
func (r *recordReader) Record() arrow.RecordBatch { return r.cur }

func (r *recordReader) Err() error { return r.err }
