package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

const abRows1 = `[{"a":1,"b":"x"},{"a":null,"b":"y"},{"a":3,"b":null}]`
const abRows2 = `[{"a":4,"b":"z"},{"a":5,"b":"w"}]`

func TestFilter(t *testing.T) {
	tests := []struct {
		name string
		pred expr.Expr
		want []string
	}{
		{"some", cmpOp{l: 0, r: -1, k: 2, op: ">"}, []string{"3|NULL", "4|z", "5|w"}},
		{"none", cmpOp{l: 0, r: -1, k: 100, op: ">"}, nil},
		{"null drops", cmpOp{l: 0, r: -1, k: 0, op: ">"}, []string{"1|x", "3|NULL", "4|z", "5|w"}},
		{"first only", cmpOp{l: 0, r: -1, k: 1, op: "="}, []string{"1|x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			op := NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1, abRows2), tt.pred)
			eq(t, run(t, op), tt.want)
		})
	}
}

func TestFilterErrorsAndPanics(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	boom := errors.New("bad predicate")
	_, err := runErr(NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), cmpOp{err: boom}))
	if !errors.Is(err, boom) {
		t.Fatalf("want predicate error, got %v", err)
	}
	_, err = runErr(NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), panicExpr{}))
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrUnknownSystem {
		t.Fatalf("want recovered internal error, got %v", err)
	}
}

func TestProject(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op := NewProject(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1),
		[]expr.Expr{col{1, arrow.BinaryTypes.String}, cmpOp{l: 0, r: -1, k: 1, op: ">"}}, []string{"bb", "gt"})
	if got := op.Schema().Field(0).Name + "," + op.Schema().Field(1).Name; got != "bb,gt" {
		t.Fatalf("schema names %s", got)
	}
	eq(t, run(t, op), []string{"x|false", "y|NULL", "NULL|true"})
}

func TestLimit(t *testing.T) {
	tests := []struct {
		offset, limit int64
		want          []string
	}{
		{0, -1, []string{"1", "NULL", "3", "4", "5"}},
		{0, 0, nil},
		{0, 2, []string{"1", "NULL"}},
		{2, 2, []string{"3", "4"}},
		{3, -1, []string{"4", "5"}},
		{1, 10, []string{"NULL", "3", "4", "5"}},
		{5, 1, nil},
		{9, 1, nil},
		{4, 1, []string{"5"}},
	}
	for _, tt := range tests {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		in := NewProject(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1, abRows2), []expr.Expr{col{0, arrow.PrimitiveTypes.Int64}}, []string{"a"})
		eq(t, run(t, NewLimit(in, tt.offset, tt.limit)), tt.want)
		mem.AssertSize(t, 0)
	}
}

func TestUnionAllAndValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	l := values(t, mem, "a:int64,b:utf8", abRows1)
	r := values(t, mem, "c:int64,d:utf8", `[{"c":4,"d":"z"},{"c":5,"d":"w"}]`, `[]`)
	op := NewUnionAll(l, r)
	bs, err := Drain(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseBatches(bs)
	eq(t, rows(bs), []string{"1|x", "NULL|y", "3|NULL", "4|z", "5|w"})
	for _, b := range bs {
		if b.Schema().Field(0).Name != "a" {
			t.Fatalf("union batch keeps child's names: %v", b.Schema())
		}
	}
	// Partial consumption then Close releases unsent batches.
	partial(t, NewUnionAll(values(t, mem, "a:int64,b:utf8", abRows1, abRows2), values(t, mem, "a:int64,b:utf8", abRows2)))
}

func TestRecordReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr := NewRecordReader(context.Background(), values(t, mem, "a:int64,b:utf8", abRows1, abRows2))
	n := 0
	for rr.Next() {
		n += int(rr.RecordBatch().NumRows())
	}
	if rr.Err() != nil || n != 5 {
		t.Fatalf("read %d rows, err %v", n, rr.Err())
	}
	rr.Release()

	// Released early: remaining batches are freed.
	rr = NewRecordReader(context.Background(), values(t, mem, "a:int64,b:utf8", abRows1, abRows2))
	rr.Next()
	rr.Release()

	boom := errors.New("x")
	rr = NewRecordReader(context.Background(), NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), cmpOp{err: boom}))
	if rr.Next() || !errors.Is(rr.Err(), boom) {
		t.Fatalf("want error from reader, got %v", rr.Err())
	}
	rr.Release()
}

func TestCancel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	op := NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), cmpOp{l: 0, r: -1, k: 0, op: ">"})
	_, err := op.Next(ctx)
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrQueryCanceled {
		t.Fatalf("want canceled, got %v", err)
	}
	op.Close()
}

// memTable is a catalog.MutableTable over in-memory batches.
type memTable struct {
	schema   *arrow.Schema
	mem      memory.Allocator
	batches  []arrow.RecordBatch
	inserted int64
	deleted  []uint64
	updated  []uint64
	newRows  []string
}

func (m *memTable) Name() string          { return "m" }
func (m *memTable) Schema() *arrow.Schema { return m.schema }
func (m *memTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.RecordStream, error) {
	var out []arrow.RecordBatch
	var base uint64
	var outSchema *arrow.Schema
	for _, b := range m.batches {
		cols := []arrow.Array{}
		var fs []arrow.Field
		idx := req.Columns
		if idx == nil {
			for i := range m.schema.Fields() {
				idx = append(idx, i)
			}
		}
		for _, c := range idx {
			cols = append(cols, b.Column(c))
			fs = append(fs, m.schema.Field(c))
		}
		if req.WithRowAddr {
			bld := newU64(m.mem, base, int(b.NumRows()))
			defer bld.Release()
			cols = append(cols, bld)
			fs = append(fs, arrow.Field{Name: catalog.RowAddrColumn, Type: arrow.PrimitiveTypes.Uint64})
		}
		base += uint64(b.NumRows())
		outSchema = arrow.NewSchema(fs, nil)
		out = append(out, arrayRecord(outSchema, cols, b.NumRows()))
	}
	return NewValues(outSchema, out), nil
}
func (m *memTable) Insert(ctx context.Context, rows catalog.RecordStream) (int64, error) {
	for {
		b, err := rows.Next(ctx)
		if err == io.EOF {
			return m.inserted, nil
		}
		if err != nil {
			return 0, err
		}
		m.inserted += b.NumRows()
		b.Release()
	}
}
func (m *memTable) Delete(ctx context.Context, addrs []uint64) (int64, error) {
	m.deleted = append(m.deleted, addrs...)
	return int64(len(addrs)), nil
}
func (m *memTable) Update(ctx context.Context, addrs []uint64, rs catalog.RecordStream) (int64, error) {
	m.updated = append(m.updated, addrs...)
	for {
		b, err := rs.Next(ctx)
		if err == io.EOF {
			return int64(len(addrs)), nil
		}
		if err != nil {
			return 0, err
		}
		if !b.Schema().Equal(m.schema) {
			b.Release()
			return 0, errors.New("update rows do not have the table's schema")
		}
		m.newRows = append(m.newRows, rows([]arrow.RecordBatch{b})...)
		b.Release()
	}
}

func TestScan(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := schemaOf("a:int64,b:utf8")
	tbl := &memTable{schema: s, mem: mem, batches: []arrow.RecordBatch{mkBatch(t, mem, s, abRows1), mkBatch(t, mem, s, abRows2)}}
	defer releaseBatches(tbl.batches)
	op, err := NewScan(tbl, catalog.ScanRequest{Columns: []int{1}, WithRowAddr: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := op.Schema().NumFields(); n != 2 || op.Schema().Field(1).Name != catalog.RowAddrColumn {
		t.Fatalf("scan schema %v", op.Schema())
	}
	eq(t, run(t, op), []string{"x|0", "y|1", "NULL|2", "z|3", "w|4"})
	if _, err := NewScan(tbl, catalog.ScanRequest{Columns: []int{7}}); err == nil {
		t.Fatal("want error for a bad column index")
	}
	op, _ = NewScan(tbl, catalog.ScanRequest{})
	partial(t, op)
}

func TestDML(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := schemaOf("a:int64,b:utf8")
	tbl := &memTable{schema: s, mem: mem}

	// INSERT relabels the child's columns to the table's names.
	eq(t, run(t, NewInsert(testEnv(mem, 0), tbl, values(t, mem, "x:int64,y:utf8", `[{"x":1,"y":"p"}]`, `[{"x":2,"y":"q"},{"x":3,"y":null}]`))), []string{"3"})
	op := NewInsert(testEnv(mem, 0), tbl, values(t, mem, "x:int64,y:int64", `[{"x":1,"y":1}]`))
	if op.Schema().Field(0).Name != "rows_affected" {
		t.Fatalf("dml schema %v", op.Schema())
	}
	if _, err := runErr(op); err == nil {
		t.Fatal("INSERT with wrong types must fail")
	}

	// DELETE dedupes addresses from a join and skips NULL addresses.
	del := values(t, mem, "a:int64,r:uint64", `[{"a":1,"r":7},{"a":1,"r":7},{"a":2,"r":null}]`, `[{"a":3,"r":9}]`)
	eq(t, run(t, NewDelete(testEnv(mem, 0), tbl, del, 1)), []string{"2"})
	if fmt.Sprint(tbl.deleted) != "[7 9]" {
		t.Fatalf("deleted %v", tbl.deleted)
	}
	if _, err := runErr(NewDelete(testEnv(mem, 0), tbl, values(t, mem, "a:int64", `[{"a":1}]`), 0)); err == nil {
		t.Fatal("DELETE with a non-uint64 address column must fail")
	}

	// UPDATE: new columns picked in table order, first values win.
	upd := values(t, mem, "r:uint64,b:utf8,a:int64", `[{"r":4,"b":"new","a":10},{"r":4,"b":"dup","a":11}]`, `[{"r":5,"b":null,"a":12}]`)
	eq(t, run(t, NewUpdate(testEnv(mem, 0), tbl, upd, 0, []int{2, 1})), []string{"2"})
	if fmt.Sprint(tbl.updated) != "[4 5]" || fmt.Sprint(tbl.newRows) != "[10|new 12|NULL]" {
		t.Fatalf("updated %v rows %v", tbl.updated, tbl.newRows)
	}
	if _, err := runErr(NewUpdate(testEnv(mem, 0), tbl, values(t, mem, "r:uint64,b:utf8", `[{"r":4,"b":"x"}]`), 0, []int{1, 1})); err == nil {
		t.Fatal("UPDATE with wrong types must fail")
	}
	partial(t, NewUpdate(testEnv(mem, 0), tbl, values(t, mem, "r:uint64,b:utf8,a:int64", `[{"r":4,"b":"new","a":10}]`), 0, []int{2, 1}))
}

// constExpr returns a constant array (of the null type when v is nil).
type constExpr struct{ v *bool }

func (c constExpr) Type() arrow.DataType {
	if c.v == nil {
		return arrow.Null
	}
	return arrow.FixedWidthTypes.Boolean
}
func (c constExpr) String() string { return "const" }
func (c constExpr) Eval(ec *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	n := int(b.NumRows())
	if c.v == nil {
		return array.NewNull(n), nil
	}
	bld := array.NewBooleanBuilder(ec.Mem)
	defer bld.Release()
	for i := 0; i < n; i++ {
		bld.Append(*c.v)
	}
	return bld.NewArray(), nil
}

func TestConstantPredicates(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		pred expr.Expr
		want int
	}{{constExpr{&yes}, 5}, {constExpr{&no}, 0}, {constExpr{nil}, 0}}
	for _, tt := range tests {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		got := run(t, NewFilter(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1, abRows2), tt.pred))
		if len(got) != tt.want {
			t.Fatalf("%v: %d rows, want %d", tt.pred.Type(), len(got), tt.want)
		}
		// The same predicates as join conditions.
		got = run(t, NewNestedLoopJoin(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), values(t, mem, "a:int64,b:utf8", abRows2), InnerJoin, tt.pred))
		if len(got) != tt.want/5*6 {
			t.Fatalf("join on %v: %d rows", tt.pred.Type(), len(got))
		}
		got = run(t, NewNestedLoopJoin(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), values(t, mem, "a:int64,b:utf8", abRows2), NullAwareAntiJoin, tt.pred))
		if wantRows := map[int]int{5: 0, 0: 3}[tt.want]; tt.pred.Type().ID() == arrow.NULL && len(got) != 0 || tt.pred.Type().ID() != arrow.NULL && len(got) != wantRows {
			t.Fatalf("NOT IN on %v: %d rows", tt.pred.Type(), len(got))
		}
		mem.AssertSize(t, 0)
	}
}

func TestValuesNilSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := schemaOf("a:int64,b:utf8")
	op := NewValues(nil, []arrow.RecordBatch{mkBatch(t, mem, s, abRows1)})
	if !op.Schema().Equal(s) {
		t.Fatalf("schema %v", op.Schema())
	}
	eq(t, run(t, op), []string{"1|x", "NULL|y", "3|NULL"})
	eq(t, run(t, NewValues(nil, nil)), nil)
}

// wrongType declares int64 but returns the utf8 column.
type wrongType struct{}

func (wrongType) Type() arrow.DataType { return arrow.PrimitiveTypes.Int64 }
func (wrongType) String() string       { return "wrong" }
func (wrongType) Eval(_ *functions.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	a := b.Column(1)
	a.Retain()
	return a, nil
}

func TestProjectTypeMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, err := runErr(NewProject(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1), []expr.Expr{wrongType{}}, []string{"w"}))
	if err == nil || !strings.Contains(err.Error(), "wrong returned utf8 but declares int64") {
		t.Fatalf("want a type mismatch error, got %v", err)
	}
}
