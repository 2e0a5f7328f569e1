// Command arrowdouble is a GenevaSQL external function speaking protocol
// 'arrow': it doubles a number.
//
//	CREATE FUNCTION double_ext(x BIGINT) RETURNS BIGINT
//	    LANGUAGE EXTERNAL AS './arrowdouble';
//
// It reads an Arrow IPC stream on stdin (one record batch per request, the
// first column is the argument) and writes, for each batch, a one-column
// batch of the same length and type on an IPC stream on stdout. BIGINT, INT,
// DOUBLE and FLOAT arguments are supported; NULL stays NULL.
package main

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "arrowdouble:", err)
		os.Exit(1)
	}
}

func run() error {
	mem := memory.DefaultAllocator
	r, err := ipc.NewReader(os.Stdin, ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("reading input schema: %w", err)
	}
	defer r.Release()
	if r.Schema().NumFields() < 1 {
		return fmt.Errorf("no argument column")
	}
	in := r.Schema().Field(0)
	out := arrow.NewSchema([]arrow.Field{{Name: "result", Type: in.Type, Nullable: true}}, nil)
	// os.Stdout is unbuffered: each answer reaches the engine at once.
	w := ipc.NewWriter(os.Stdout, ipc.WithSchema(out), ipc.WithAllocator(mem))
	defer w.Close()
	for r.Next() {
		rec := r.RecordBatch()
		col, err := double(mem, rec.Column(0))
		if err != nil {
			return err
		}
		res := array.NewRecordBatch(out, []arrow.Array{col}, rec.NumRows())
		col.Release()
		err = w.Write(res)
		res.Release()
		if err != nil {
			return fmt.Errorf("writing answer: %w", err)
		}
	}
	return r.Err()
}

// double loops over the value buffer; nulls keep the input's validity.
func double(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	switch a := a.(type) {
	case *array.Int64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		vals := a.Int64Values()
		out := make([]int64, len(vals))
		for i, v := range vals {
			out[i] = 2 * v
		}
		b.AppendValues(out, validity(a))
		return b.NewArray(), nil
	case *array.Int32:
		b := array.NewInt32Builder(mem)
		defer b.Release()
		vals := a.Int32Values()
		out := make([]int32, len(vals))
		for i, v := range vals {
			out[i] = 2 * v
		}
		b.AppendValues(out, validity(a))
		return b.NewArray(), nil
	case *array.Float64:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		vals := a.Float64Values()
		out := make([]float64, len(vals))
		for i, v := range vals {
			out[i] = 2 * v
		}
		b.AppendValues(out, validity(a))
		return b.NewArray(), nil
	case *array.Float32:
		b := array.NewFloat32Builder(mem)
		defer b.Release()
		vals := a.Float32Values()
		out := make([]float32, len(vals))
		for i, v := range vals {
			out[i] = 2 * v
		}
		b.AppendValues(out, validity(a))
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("cannot double values of type %s", a.DataType())
}

func validity(a arrow.Array) []bool {
	if a.NullN() == 0 {
		return nil
	}
	v := make([]bool, a.Len())
	for i := range v {
		v[i] = a.IsValid(i)
	}
	return v
}
