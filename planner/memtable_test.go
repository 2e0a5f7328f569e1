package planner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/pingcap/tidb/pkg/parser"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// memTable is an in-memory catalog.MutableTable: rows of scalars with a
// stable address each.
type memTable struct {
	name   string
	schema *arrow.Schema
	rows   [][]scalar.Scalar
	addrs  []uint64
	next   uint64
	mem    memory.Allocator
	// scans counts Scan calls and records the requests (for pushdown tests)
	reqs []catalog.ScanRequest
}

func (m *memTable) Name() string          { return m.name }
func (m *memTable) Schema() *arrow.Schema { return m.schema }

func (m *memTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.RecordStream, error) {
	m.reqs = append(m.reqs, req)
	cols := req.Columns
	if cols == nil {
		for i := range m.schema.Fields() {
			cols = append(cols, i)
		}
	}
	var fields []arrow.Field
	for _, c := range cols {
		fields = append(fields, m.schema.Field(c))
	}
	if req.WithRowAddr {
		fields = append(fields, arrow.Field{Name: catalog.RowAddrColumn, Type: arrow.PrimitiveTypes.Uint64})
	}
	schema := arrow.NewSchema(fields, nil)
	bs := req.BatchSize
	if bs <= 0 {
		bs = 2
	}
	var batches []arrow.RecordBatch
	for start := 0; start < len(m.rows); start += bs {
		end := min(start+bs, len(m.rows))
		var arrs []arrow.Array
		for _, c := range cols {
			b := array.NewBuilder(m.mem, m.schema.Field(c).Type)
			for _, r := range m.rows[start:end] {
				if err := scalar.Append(b, r[c]); err != nil {
					return nil, err
				}
			}
			arrs = append(arrs, b.NewArray())
			b.Release()
		}
		if req.WithRowAddr {
			b := array.NewUint64Builder(m.mem)
			b.AppendValues(m.addrs[start:end], nil)
			arrs = append(arrs, b.NewArray())
			b.Release()
		}
		rb := array.NewRecordBatch(schema, arrs, int64(end-start))
		for _, a := range arrs {
			a.Release()
		}
		batches = append(batches, rb)
	}
	return &sliceStream{schema: schema, batches: batches}, nil
}

type sliceStream struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (s *sliceStream) Schema() *arrow.Schema { return s.schema }
func (s *sliceStream) Next(context.Context) (arrow.RecordBatch, error) {
	if len(s.batches) == 0 {
		return nil, io.EOF
	}
	b := s.batches[0]
	s.batches = s.batches[1:]
	return b, nil
}
func (s *sliceStream) Close() error {
	for _, b := range s.batches {
		b.Release()
	}
	s.batches = nil
	return nil
}

func (m *memTable) readRows(ctx context.Context, rows catalog.RecordStream) ([][]scalar.Scalar, error) {
	var out [][]scalar.Scalar
	for {
		b, err := rows.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if int(b.NumCols()) != m.schema.NumFields() {
			b.Release()
			return nil, fmt.Errorf("memtable %s: got %d columns, want %d", m.name, b.NumCols(), m.schema.NumFields())
		}
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]scalar.Scalar, b.NumCols())
			for j := range row {
				if !arrow.TypeEqual(b.Column(j).DataType(), m.schema.Field(j).Type) {
					b.Release()
					return nil, fmt.Errorf("memtable %s: column %d has type %s, want %s", m.name, j, b.Column(j).DataType(), m.schema.Field(j).Type)
				}
				s, err := scalar.GetScalar(b.Column(j), i)
				if err != nil {
					b.Release()
					return nil, err
				}
				s = detach(s)
				row[j] = s
			}
			out = append(out, row)
		}
		b.Release()
	}
}

func (m *memTable) Insert(ctx context.Context, rows catalog.RecordStream) (int64, error) {
	rs, err := m.readRows(ctx, rows)
	if err != nil {
		return 0, err
	}
	for _, r := range rs {
		m.rows = append(m.rows, r)
		m.addrs = append(m.addrs, m.next)
		m.next++
	}
	return int64(len(rs)), nil
}

func (m *memTable) Delete(ctx context.Context, addrs []uint64) (int64, error) {
	del := map[uint64]bool{}
	for _, a := range addrs {
		del[a] = true
	}
	var n int64
	var rows [][]scalar.Scalar
	var keep []uint64
	for i, a := range m.addrs {
		if del[a] {
			n++
			continue
		}
		rows = append(rows, m.rows[i])
		keep = append(keep, a)
	}
	m.rows, m.addrs = rows, keep
	return n, nil
}

func (m *memTable) Update(ctx context.Context, addrs []uint64, newRows catalog.RecordStream) (int64, error) {
	rs, err := m.readRows(ctx, newRows)
	if err != nil {
		return 0, err
	}
	if len(rs) != len(addrs) {
		return 0, fmt.Errorf("update: %d rows for %d addresses", len(rs), len(addrs))
	}
	pos := map[uint64]int{}
	for i, a := range m.addrs {
		pos[a] = i
	}
	for i, a := range addrs {
		m.rows[pos[a]] = rs[i]
	}
	return int64(len(rs)), nil
}

// memCatalog is a catalog.Resolver over memTables and views.
type memCatalog struct {
	tables map[string]catalog.Table
	fns    *functions.Registry
	mem    *memory.CheckedAllocator
	// asOf records the last time-travel request.
	asOf *catalog.AsOf
	// loose plans with LooseGroupBy
	loose bool
}

func newCatalog(t *testing.T) *memCatalog {
	return &memCatalog{tables: map[string]catalog.Table{}, fns: functions.NewBuiltinRegistry(), mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
}

func (c *memCatalog) LookupTable(ctx context.Context, name string, asOf *catalog.AsOf) (catalog.Table, error) {
	if asOf != nil {
		c.asOf = asOf
	}
	t, ok := c.tables[strings.ToLower(name)]
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrNoSuchTable, "Table '%s' doesn't exist", name)
	}
	return t, nil
}

func (c *memCatalog) Functions() *functions.Registry { return c.fns }

// exec runs SQL statements that set up tables through the planner itself.
func (c *memCatalog) addTable(name string, fields ...arrow.Field) *memTable {
	for i := range fields {
		fields[i].Nullable = true
	}
	t := &memTable{name: name, schema: arrow.NewSchema(fields, nil), mem: c.mem}
	c.tables[strings.ToLower(name)] = t
	return t
}

func (c *memCatalog) addView(name, sql string) {
	c.tables[strings.ToLower(name)] = &catalog.ViewDef{ViewName: name, SQL: sql}
}

func i64(name string) arrow.Field { return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64} }
func str(name string) arrow.Field { return arrow.Field{Name: name, Type: arrow.BinaryTypes.String} }
func f64(name string) arrow.Field { return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64} }

// plan parses and plans one statement.
func (c *memCatalog) plan(sql string, params ...any) (*Plan, error) {
	stmts, _, err := parser.New().ParseSQL(sql)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("want one statement")
	}
	p := &Planner{Catalog: c, LooseGroupBy: c.loose}
	return p.Plan(context.Background(), stmts[0], params)
}

// query plans and runs one statement and renders its rows, one string per
// row with values separated by spaces (NULL for nulls).
func (c *memCatalog) query(sql string, params ...any) ([]string, *arrow.Schema, error) {
	pl, err := c.plan(sql, params...)
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	env := &executor.Env{Eval: &functions.EvalContext{Ctx: ctx, Mem: c.mem}, BatchSize: 3}
	op, err := pl.Open(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	batches, err := executor.Drain(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, b := range batches {
		for i := 0; i < int(b.NumRows()); i++ {
			vals := make([]string, b.NumCols())
			for j := range vals {
				col := b.Column(j)
				if col.IsNull(i) {
					vals[j] = "NULL"
				} else {
					vals[j] = col.ValueStr(i)
				}
			}
			out = append(out, strings.Join(vals, " "))
		}
		b.Release()
	}
	return out, pl.Schema(), nil
}

func (c *memCatalog) mustExec(t *testing.T, sql string, params ...any) {
	t.Helper()
	if _, _, err := c.query(sql, params...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// release frees the tables' rows so the allocator check sees only leaks.
func (c *memCatalog) check(t *testing.T) {
	t.Helper()
	c.mem.AssertSize(t, 0)
}

// detach copies a scalar out of the array buffers it may share, so that the
// table's rows do not keep query memory alive.
func detach(s scalar.Scalar) scalar.Scalar {
	switch v := s.(type) {
	case *scalar.String:
		if !v.IsValid() {
			v.Release()
			return scalar.MakeNullScalar(v.DataType())
		}
		out := scalar.NewStringScalar(string(v.Data()))
		v.Release()
		return out
	case *scalar.Binary:
		if !v.IsValid() {
			v.Release()
			return scalar.MakeNullScalar(v.DataType())
		}
		out := scalar.NewBinaryScalar(memory.NewBufferBytes(append([]byte(nil), v.Data()...)), v.DataType())
		v.Release()
		return out
	}
	return s
}
