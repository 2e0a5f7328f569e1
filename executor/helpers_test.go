package executor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
)

// col is a column reference expression for tests.
type col struct {
	idx int
	typ arrow.DataType
}

func (c col) Type() arrow.DataType { return c.typ }
func (c col) String() string       { return fmt.Sprintf("#%d", c.idx) }
func (c col) Eval(_ *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	a := b.Column(c.idx)
	a.Retain()
	return a, nil
}

// cmpOp compares two int64 columns (or a column and a constant): returns
// NULL when either side is NULL.
type cmpOp struct {
	l   int
	r   int // column index, or -1 to use k
	k   int64
	op  string
	err error // when set, Eval fails
}

func (c cmpOp) Type() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (c cmpOp) String() string       { return fmt.Sprintf("#%d %s #%d/%d", c.l, c.op, c.r, c.k) }
func (c cmpOp) Eval(ec *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	if c.err != nil {
		return nil, c.err
	}
	l := b.Column(c.l).(*array.Int64)
	var r *array.Int64
	if c.r >= 0 {
		r = b.Column(c.r).(*array.Int64)
	}
	bld := array.NewBooleanBuilder(ec.Mem)
	defer bld.Release()
	for i := 0; i < l.Len(); i++ {
		if l.IsNull(i) || (r != nil && r.IsNull(i)) {
			bld.AppendNull()
			continue
		}
		rv := c.k
		if r != nil {
			rv = r.Value(i)
		}
		lv := l.Value(i)
		var v bool
		switch c.op {
		case ">":
			v = lv > rv
		case "<":
			v = lv < rv
		case "=":
			v = lv == rv
		case "!=":
			v = lv != rv
		case "<=":
			v = lv <= rv
		}
		bld.Append(v)
	}
	return bld.NewArray(), nil
}

// panicExpr panics when evaluated, to prove operators recover.
type panicExpr struct{}

func (panicExpr) Type() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (panicExpr) String() string       { return "panic()" }
func (panicExpr) Eval(*functions.EvalContext, arrow.RecordBatch) (arrow.Array, error) {
	panic("boom")
}

func testEnv(mem memory.Allocator, bs int) *Env {
	return &Env{Eval: &functions.EvalContext{Ctx: context.Background(), Mem: mem}, BatchSize: bs}
}

func schemaOf(spec string) *arrow.Schema {
	// spec: "a:int64,b:utf8"
	var fs []arrow.Field
	for _, p := range strings.Split(spec, ",") {
		nt := strings.SplitN(p, ":", 2)
		var t arrow.DataType
		switch nt[1] {
		case "int64":
			t = arrow.PrimitiveTypes.Int64
		case "int32":
			t = arrow.PrimitiveTypes.Int32
		case "uint64":
			t = arrow.PrimitiveTypes.Uint64
		case "float64":
			t = arrow.PrimitiveTypes.Float64
		case "utf8":
			t = arrow.BinaryTypes.String
		case "large_utf8":
			t = arrow.BinaryTypes.LargeString
		case "binary":
			t = arrow.BinaryTypes.Binary
		case "bool":
			t = arrow.FixedWidthTypes.Boolean
		case "date32":
			t = arrow.FixedWidthTypes.Date32
		case "ts":
			t = arrow.FixedWidthTypes.Timestamp_us
		case "dec":
			t = &arrow.Decimal128Type{Precision: 10, Scale: 2}
		case "null":
			t = arrow.Null
		case "int8":
			t = arrow.PrimitiveTypes.Int8
		case "uint16":
			t = arrow.PrimitiveTypes.Uint16
		case "float32":
			t = arrow.PrimitiveTypes.Float32
		case "vec":
			t = arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32)
		default:
			panic("unknown type " + nt[1])
		}
		fs = append(fs, arrow.Field{Name: nt[0], Type: t, Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}

// mkBatch builds a batch from a JSON array of row objects.
func mkBatch(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("bad test batch %s: %v", rows, err)
	}
	return b
}

// values builds a NewValues operator over batches given as JSON arrays.
func values(t testing.TB, mem memory.Allocator, spec string, batches ...string) Operator {
	t.Helper()
	s := schemaOf(spec)
	bs := make([]arrow.RecordBatch, len(batches))
	for i, r := range batches {
		bs[i] = mkBatch(t, mem, s, r)
	}
	return NewValues(s, bs)
}

// rows renders batches as "v1|v2" lines with NULL for nulls.
func rows(bs []arrow.RecordBatch) []string {
	var out []string
	for _, b := range bs {
		for i := 0; i < int(b.NumRows()); i++ {
			parts := make([]string, b.NumCols())
			for c := range parts {
				a := b.Column(c)
				if a.IsNull(i) || a.DataType().ID() == arrow.NULL {
					parts[c] = "NULL"
				} else {
					parts[c] = a.ValueStr(i)
				}
			}
			out = append(out, strings.Join(parts, "|"))
		}
	}
	return out
}

// run drains op and returns its rows, releasing the batches.
func run(t testing.TB, op Operator) []string {
	t.Helper()
	bs, err := Drain(context.Background(), op)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	defer releaseBatches(bs)
	return rows(bs)
}

func runErr(op Operator) ([]string, error) {
	bs, err := Drain(context.Background(), op)
	defer releaseBatches(bs)
	return rows(bs), err
}

func eq(t testing.TB, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// partial pulls one batch then closes, to prove Close releases state.
func partial(t testing.TB, op Operator) {
	t.Helper()
	b, err := op.Next(context.Background())
	if err == nil {
		b.Release()
	} else if err != io.EOF {
		t.Fatalf("next: %v", err)
	}
	if err := op.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := op.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func newU64(mem memory.Allocator, base uint64, n int) arrow.Array {
	b := array.NewUint64Builder(mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Append(base + uint64(i))
	}
	return b.NewArray()
}

func arrayRecord(s *arrow.Schema, cols []arrow.Array, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(s, cols, n)
}
