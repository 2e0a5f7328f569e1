package executor

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
)

// Payload columns of every type pass through joins (including the NULL
// side of outer joins), sorts and set operations.
func TestPayloadTypes(t *testing.T) {
	payload := []arrow.Field{
		{Name: "vec", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "lst", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: i64, Nullable: true}), Nullable: true},
		{Name: "big", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "n", Type: arrow.Null, Nullable: true},
		{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true},
	}
	s := arrow.NewSchema(append([]arrow.Field{{Name: "k", Type: i64, Nullable: true}}, payload...), nil)
	rowsJSON := `[{"k":1,"vec":[1,2],"lst":["a","b"],"st":{"x":5},"big":"hello","dec":"1.25","b":true,"n":null,"ts":7},
		{"k":2,"vec":null,"lst":null,"st":null,"big":null,"dec":null,"b":null,"n":null,"ts":null},
		{"k":3,"vec":[3,4],"lst":[],"st":{"x":null},"big":"","dec":"-3.00","b":false,"n":null,"ts":0}]`
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	mk := func() Operator { return NewValues(s, []arrow.RecordBatch{mkBatch(t, mem, s, rowsJSON)}) }
	one := func(k string) Operator {
		return values(t, mem, "k:int64", `[{"k":`+k+`}]`)
	}
	want := []string{
		"1|[1,2]|[\"a\",\"b\"]|{\"x\":5}|hello|1.25|true|NULL|1970-01-01T00:00:00.000007Z",
		"2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"3|[3,4]|[]|{\"x\":null}||-3|false|NULL|1970-01-01T00:00:00Z",
	}
	key := []expr.Expr{col{0, i64}}
	// Sort descending reverses the rows, payload intact.
	got := run(t, NewSort(testEnv(mem, 2), mk(), []SortKey{{Expr: col{0, i64}, Desc: true}}))
	eq(t, got, []string{want[2], want[1], want[0]})
	// Right side of a left join: matched row carries payload; unmatched is
	// all NULL.
	got = run(t, NewHashJoin(testEnv(mem, 0), one("3"), mk(), LeftJoin, key, key, nil))
	eq(t, got, []string{"3|" + want[2]})
	got = run(t, NewHashJoin(testEnv(mem, 0), one("9"), mk(), LeftJoin, key, key, nil))
	eq(t, got, []string{"9|" + strings.Repeat("NULL|", len(payload)) + "NULL"})
	// Left side of a right join padded with NULLs.
	got = run(t, NewHashJoin(testEnv(mem, 0), mk(), one("1"), RightJoin, key, key, nil))
	eqSorted(t, got, []string{want[0] + "|1"})
	got = run(t, NewHashJoin(testEnv(mem, 0), mk(), one("7"), RightJoin, key, key, nil))
	eq(t, got, []string{strings.Repeat("NULL|", len(payload)+1) + "7"})
	// DISTINCT and EXCEPT over every column (vectors, lists, structs as
	// keys use their printed form).
	got = run(t, NewDistinct(testEnv(mem, 0), NewUnionAll(mk(), mk())))
	eq(t, got, want)
	got = run(t, NewSetOp(testEnv(mem, 0), Except, false, mk(), NewLimit(mk(), 1, 1)))
	eq(t, got, []string{want[0], want[2]})
}

// Sliced inputs (from LIMIT/OFFSET) carry array offsets; key loading,
// hashing and sorting must honour them for every shape.
func TestSlicedInputs(t *testing.T) {
	specs := []struct {
		spec, rows string
		want       []string // sorted ascending, NULLs first, after skipping 2 rows
	}{
		{"k:int64", `[{"k":9},{"k":8},{"k":3},{"k":null},{"k":1},{"k":3}]`, []string{"NULL|1", "1|1", "3|2"}},
		{"k:utf8", `[{"k":"z"},{"k":"y"},{"k":"B"},{"k":null},{"k":"a"},{"k":"b"}]`, []string{"NULL|1", "a|1", "B|2"}},
		{"k:date32", `[{"k":"2000-01-01"},{"k":null},{"k":"2001-01-01"},{"k":"1999-01-01"},{"k":"2001-01-01"}]`, []string{"1999-01-01|1", "2001-01-01|2"}},
		{"k:bool", `[{"k":true},{"k":true},{"k":false},{"k":null},{"k":false}]`, []string{"NULL|1", "false|2"}},
		{"k:dec", `[{"k":"1"},{"k":"2"},{"k":"3.5"},{"k":"-1"},{"k":"3.50"}]`, []string{"-1|1", "3.5|2"}},
	}
	for _, tt := range specs {
		t.Run(tt.spec, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			typ := schemaOf(tt.spec).Field(0).Type
			k := col{0, typ}
			agg := NewHashAggregate(testEnv(mem, 0), NewLimit(values(t, mem, tt.spec, tt.rows), 2, -1), []expr.Expr{k}, []string{"k"}, []AggregateCall{sumCall("n")})
			sorted := NewSort(testEnv(mem, 0), agg, []SortKey{{Expr: k, NullsFirst: true}})
			eq(t, run(t, sorted), tt.want)
		})
	}
}
