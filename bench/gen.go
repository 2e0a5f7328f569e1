package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance"
)

// The data sets are TPC-H-shaped (same columns, value domains and
// correlations the five queries depend on), not dbgen output: every order has
// exactly four line items and prices are a simple function of the part key.
// Both engines read the very same rows, which is what the comparison needs.

const genBatch = 65536

// epoch days of the TPC-H date range.
var (
	day19920101 = daysOf(1992, 1, 1)
	day19980802 = daysOf(1998, 8, 2)
	day19950617 = daysOf(1995, 6, 17)
)

func daysOf(y, m, d int) int32 {
	// days from civil (Howard Hinnant's algorithm), avoids time.Time per row.
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

var (
	nations = []struct {
		name   string
		region int64
	}{
		{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
		{"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
		{"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
		{"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
		{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
	}
	regions    = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	segments   = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"}
	priorities = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	shipmodes  = []string{"AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"}
	instructs  = []string{"COLLECT COD", "DELIVER IN PERSON", "NONE", "TAKE BACK RETURN"}
)

// scale holds the table sizes for a lineitem row count.
type scale struct {
	lineitem, orders, customer, supplier, part int64
	points                                     int64 // point-filter / top-N / refresh table
}

func scaleFor(rows int64) scale {
	s := scale{lineitem: rows, orders: rows / 4, points: rows}
	s.customer = max(rows/40, 100)
	s.supplier = max(rows/600, 10)
	s.part = max(rows/30, 100)
	return s
}

// genReader produces a table lazily, batch by batch, so generating 10M rows
// needs memory for one batch only.
type genReader struct {
	schema *arrow.Schema
	total  int64
	pos    int64
	fill   func(b *array.RecordBuilder, lo, hi int64)
	bld    *array.RecordBuilder
	cur    arrow.RecordBatch
	refs   int64
}

func newGenReader(mem memory.Allocator, schema *arrow.Schema, total int64, fill func(b *array.RecordBuilder, lo, hi int64)) *genReader {
	return &genReader{schema: schema, total: total, fill: fill, bld: array.NewRecordBuilder(mem, schema), refs: 1}
}

func (g *genReader) Retain()                        { g.refs++ }
func (g *genReader) Schema() *arrow.Schema          { return g.schema }
func (g *genReader) RecordBatch() arrow.RecordBatch { return g.cur }
func (g *genReader) Record() arrow.RecordBatch      { return g.cur }
func (g *genReader) Err() error                     { return nil }
func (g *genReader) Release() {
	g.refs--
	if g.refs == 0 {
		if g.cur != nil {
			g.cur.Release()
			g.cur = nil
		}
		g.bld.Release()
	}
}

func (g *genReader) Next() bool {
	if g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
	if g.pos >= g.total {
		return false
	}
	hi := min(g.pos+genBatch, g.total)
	g.fill(g.bld, g.pos, hi)
	g.pos = hi
	g.cur = g.bld.NewRecordBatch()
	return true
}

func rngAt(table uint64, i int64) *rand.Rand {
	return rand.New(rand.NewPCG(table, uint64(i)))
}

var (
	lineitemSchema = arrow.NewSchema([]arrow.Field{
		{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_partkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_suppkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_linenumber", Type: arrow.PrimitiveTypes.Int32},
		{Name: "l_quantity", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_extendedprice", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_discount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_tax", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
		{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
		{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_commitdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_receiptdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_shipinstruct", Type: arrow.BinaryTypes.String},
		{Name: "l_shipmode", Type: arrow.BinaryTypes.String},
	}, nil)
	ordersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "o_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_orderstatus", Type: arrow.BinaryTypes.String},
		{Name: "o_totalprice", Type: arrow.PrimitiveTypes.Float64},
		{Name: "o_orderdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "o_orderpriority", Type: arrow.BinaryTypes.String},
		{Name: "o_shippriority", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	customerSchema = arrow.NewSchema([]arrow.Field{
		{Name: "c_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_name", Type: arrow.BinaryTypes.String},
		{Name: "c_address", Type: arrow.BinaryTypes.String},
		{Name: "c_nationkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_phone", Type: arrow.BinaryTypes.String},
		{Name: "c_acctbal", Type: arrow.PrimitiveTypes.Float64},
		{Name: "c_mktsegment", Type: arrow.BinaryTypes.String},
		{Name: "c_comment", Type: arrow.BinaryTypes.String},
	}, nil)
	supplierSchema = arrow.NewSchema([]arrow.Field{
		{Name: "s_suppkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s_name", Type: arrow.BinaryTypes.String},
		{Name: "s_nationkey", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	nationSchema = arrow.NewSchema([]arrow.Field{
		{Name: "n_nationkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "n_name", Type: arrow.BinaryTypes.String},
		{Name: "n_regionkey", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	regionSchema = arrow.NewSchema([]arrow.Field{
		{Name: "r_regionkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "r_name", Type: arrow.BinaryTypes.String},
	}, nil)
	pointsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "tag", Type: arrow.BinaryTypes.String},
	}, nil)
)

// orderDate is a pure function of the order key so lineitem and orders agree
// without a join during generation.
func orderDate(ok int64) int32 {
	r := rngAt(7, ok)
	return day19920101 + int32(r.IntN(int(day19980802-day19920101)))
}

func partPrice(pk int64) float64 {
	return float64(90000+(pk/10)%20001+100*(pk%1000)) / 100
}

func fillLineitem(s scale) func(b *array.RecordBuilder, lo, hi int64) {
	return func(b *array.RecordBuilder, lo, hi int64) {
		f := func(i int) array.Builder { return b.Field(i) }
		for i := lo; i < hi; i++ {
			ok := i/4 + 1
			r := rngAt(1, i)
			od := orderDate(ok)
			pk := r.Int64N(s.part) + 1
			qty := float64(r.IntN(50) + 1)
			ship := od + int32(r.IntN(121)+1)
			commit := od + int32(r.IntN(61)+30)
			receipt := ship + int32(r.IntN(30)+1)
			f(0).(*array.Int64Builder).Append(ok)
			f(1).(*array.Int64Builder).Append(pk)
			f(2).(*array.Int64Builder).Append(r.Int64N(s.supplier) + 1)
			f(3).(*array.Int32Builder).Append(int32(i%4 + 1))
			f(4).(*array.Float64Builder).Append(qty)
			f(5).(*array.Float64Builder).Append(qty * partPrice(pk))
			f(6).(*array.Float64Builder).Append(float64(r.IntN(11)) / 100)
			f(7).(*array.Float64Builder).Append(float64(r.IntN(9)) / 100)
			rf := "N"
			if receipt <= day19950617 {
				rf = "R"
				if r.IntN(2) == 0 {
					rf = "A"
				}
			}
			f(8).(*array.StringBuilder).Append(rf)
			ls := "O"
			if ship <= day19950617 {
				ls = "F"
			}
			f(9).(*array.StringBuilder).Append(ls)
			f(10).(*array.Date32Builder).Append(arrow.Date32(ship))
			f(11).(*array.Date32Builder).Append(arrow.Date32(commit))
			f(12).(*array.Date32Builder).Append(arrow.Date32(receipt))
			f(13).(*array.StringBuilder).Append(instructs[r.IntN(len(instructs))])
			f(14).(*array.StringBuilder).Append(shipmodes[r.IntN(len(shipmodes))])
		}
	}
}

func fillOrders(s scale) func(b *array.RecordBuilder, lo, hi int64) {
	return func(b *array.RecordBuilder, lo, hi int64) {
		for i := lo; i < hi; i++ {
			ok := i + 1
			r := rngAt(2, i)
			b.Field(0).(*array.Int64Builder).Append(ok)
			b.Field(1).(*array.Int64Builder).Append(r.Int64N(s.customer) + 1)
			b.Field(2).(*array.StringBuilder).Append([]string{"F", "O", "P"}[r.IntN(3)])
			b.Field(3).(*array.Float64Builder).Append(float64(r.IntN(50000000)+100000) / 100)
			b.Field(4).(*array.Date32Builder).Append(arrow.Date32(orderDate(ok)))
			b.Field(5).(*array.StringBuilder).Append(priorities[r.IntN(len(priorities))])
			b.Field(6).(*array.Int32Builder).Append(0)
		}
	}
}

func fillCustomer(b *array.RecordBuilder, lo, hi int64) {
	for i := lo; i < hi; i++ {
		ck := i + 1
		r := rngAt(3, i)
		nk := r.Int64N(25)
		b.Field(0).(*array.Int64Builder).Append(ck)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("Customer#%09d", ck))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("addr-%x", r.Uint64()&0xffffffffff))
		b.Field(3).(*array.Int64Builder).Append(nk)
		b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("%02d-%03d-%03d-%04d", nk+10, r.IntN(900)+100, r.IntN(900)+100, r.IntN(9000)+1000))
		b.Field(5).(*array.Float64Builder).Append(float64(r.IntN(1100000)-100000) / 100)
		b.Field(6).(*array.StringBuilder).Append(segments[r.IntN(len(segments))])
		b.Field(7).(*array.StringBuilder).Append("regular deposits")
	}
}

func fillSupplier(b *array.RecordBuilder, lo, hi int64) {
	for i := lo; i < hi; i++ {
		r := rngAt(4, i)
		b.Field(0).(*array.Int64Builder).Append(i + 1)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("Supplier#%09d", i+1))
		b.Field(2).(*array.Int64Builder).Append(r.Int64N(25))
	}
}

func fillNation(b *array.RecordBuilder, lo, hi int64) {
	for i := lo; i < hi; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.StringBuilder).Append(nations[i].name)
		b.Field(2).(*array.Int64Builder).Append(nations[i].region)
	}
}

func fillRegion(b *array.RecordBuilder, lo, hi int64) {
	for i := lo; i < hi; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.StringBuilder).Append(regions[i])
	}
}

// fillPoints: id is the row number (sorted, so a point lookup can prune
// fragments by min/max), x is random.
func fillPoints(seed uint64) func(b *array.RecordBuilder, lo, hi int64) {
	return func(b *array.RecordBuilder, lo, hi int64) {
		for i := lo; i < hi; i++ {
			r := rngAt(seed, i)
			b.Field(0).(*array.Int64Builder).Append(i)
			b.Field(1).(*array.Float64Builder).Append(r.Float64() * 1000)
			b.Field(2).(*array.StringBuilder).Append(segments[i%5])
		}
	}
}

type tableSpec struct {
	name   string
	schema *arrow.Schema
	rows   int64
	fill   func(b *array.RecordBuilder, lo, hi int64)
}

func tablesFor(s scale) []tableSpec {
	return []tableSpec{
		{"lineitem", lineitemSchema, s.lineitem, fillLineitem(s)},
		{"orders", ordersSchema, s.orders, fillOrders(s)},
		{"customer", customerSchema, s.customer, fillCustomer},
		{"supplier", supplierSchema, s.supplier, fillSupplier},
		{"nation", nationSchema, 25, fillNation},
		{"region", regionSchema, 5, fillRegion},
		{"points", pointsSchema, s.points, fillPoints(5)},
	}
}

// writeTable stores one generated table as the Lance dataset dir/name.lance,
// replacing an existing one.
func writeTable(ctx context.Context, mem memory.Allocator, dir string, t tableSpec) error {
	path := filepath.Join(dir, t.name+".lance")
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	ds, err := lance.Create(ctx, path, t.schema, lance.CreateOptions{Mem: mem})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	rdr := newGenReader(mem, t.schema, t.rows, t.fill)
	defer rdr.Release()
	if _, err := ds.Append(ctx, rdr); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
