package expr

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/functions"
)

func batchOf(mem memory.Allocator, vals []int64, valid []bool) arrow.RecordBatch {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	a := b.NewArray()
	defer a.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{a}, int64(len(vals)))
}

// addOne is a test kernel: x + 1 over int64.
var addOne = &functions.Bound{Name: "add_one", ArgTypes: []arrow.DataType{arrow.PrimitiveTypes.Int64}, ReturnType: arrow.PrimitiveTypes.Int64,
	Kernel: func(ec *functions.EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
		in := args[0].(*array.Int64)
		b := array.NewInt64Builder(ec.Mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			if in.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(in.Value(i) + 1)
			}
		}
		return b.NewArray(), nil
	}}

func TestEval(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ec := &functions.EvalContext{Mem: mem}
	batch := batchOf(mem, []int64{1, 2, 3}, []bool{true, false, true})
	defer batch.Release()
	panicky := &functions.Bound{Name: "boom", ReturnType: arrow.PrimitiveTypes.Int64,
		Kernel: func(*functions.EvalContext, []arrow.Array, int) (arrow.Array, error) { panic("kernel bug") }}
	short := &functions.Bound{Name: "short", ReturnType: arrow.PrimitiveTypes.Int64,
		Kernel: func(ec *functions.EvalContext, _ []arrow.Array, _ int) (arrow.Array, error) {
			return array.MakeArrayOfNull(ec.Mem, arrow.PrimitiveTypes.Int64, 1), nil
		}}
	for _, tc := range []struct {
		name string
		e    Expr
		want string // Arrow's rendering of the result, or the error substring
		err  bool
		str  string
	}{
		{"column", &ColumnRef{Index: 0, Name: "x", T: arrow.PrimitiveTypes.Int64}, "[1 (null) 3]", false, "x#0"},
		{"literal", &Literal{Value: scalar.NewInt64Scalar(7)}, "[7 7 7]", false, "7"},
		{"null literal", NewNull(arrow.BinaryTypes.String), `[(null) (null) (null)]`, false, "NULL"},
		{"string literal", &Literal{Value: scalar.NewStringScalar("it's")}, `["it's" "it's" "it's"]`, false, "'it''s'"},
		{"call", NewCall(addOne, []Expr{&ColumnRef{Index: 0, Name: "x", T: arrow.PrimitiveTypes.Int64}}), "[2 (null) 4]", false, "add_one(x#0)"},
		{"call casts its argument", NewCall(addOne, []Expr{&Literal{Value: scalar.NewInt32Scalar(4)}}), "[5 5 5]", false, "add_one(CAST(4 AS int64))"},
		{"cast", NewCast(&ColumnRef{Index: 0, Name: "x", T: arrow.PrimitiveTypes.Int64}, arrow.BinaryTypes.String), `["1" (null) "3"]`, false, "CAST(x#0 AS utf8)"},
		{"cast of NULL", NewCast(NewNull(arrow.Null), arrow.PrimitiveTypes.Int64), "[(null) (null) (null)]", false, ""},
		{"kernel panic is an error", NewCall(panicky, nil), "kernel bug", true, "boom()"},
		{"wrong row count is an error", NewCall(short, nil), "returned 1 rows for 3", true, ""},
		{"bad column is an error", &ColumnRef{Index: 5}, "out of range", true, "#5"},
	} {
		got, err := tc.e.Eval(ec, batch)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: want error %q, got %v", tc.name, tc.want, err)
			}
			if got != nil {
				got.Release()
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else {
			if s := got.String(); s != tc.want {
				t.Errorf("%s: got %s, want %s", tc.name, s, tc.want)
			}
			if !arrow.TypeEqual(got.DataType(), tc.e.Type()) {
				t.Errorf("%s: result type %s, Type() %s", tc.name, got.DataType(), tc.e.Type())
			}
			got.Release()
		}
		if tc.str != "" && tc.e.String() != tc.str {
			t.Errorf("%s: String() = %q, want %q", tc.name, tc.e.String(), tc.str)
		}
	}
	s, err := EvalScalar(ec, NewCall(addOne, []Expr{&Literal{Value: scalar.NewInt64Scalar(41)}}))
	if err != nil || s.String() != "42" {
		t.Errorf("EvalScalar: %v %v", s, err)
	}
}
