package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestParseDSN(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		dsn      string
		external bool
		err      string
	}{
		{dir, true, ""},
		{dir + "?external_functions=false", false, ""},
		{dir + "?external_functions=1", true, ""},
		{"", true, "must name the database folder"},
		{dir + "?external_functions=maybe", true, "must be true or false"},
		{dir + "?colour=blue", true, `unknown parameter "colour"`},
	}
	for _, c := range cases {
		cfg, err := parseDSN(c.dsn)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseDSN(%q) error %v, want one containing %q", c.dsn, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseDSN(%q): %v", c.dsn, err)
			continue
		}
		if cfg.external != c.external || !filepath.IsAbs(cfg.key) {
			t.Errorf("parseDSN(%q) = %+v", c.dsn, cfg)
		}
	}
}

// TestSharedDB checks that sql.DBs of one folder share one engine, counted
// per connection, and that conflicting settings are refused.
func TestSharedDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := parseDSN(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := sql.Open(DriverName, dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sql.Open(DriverName, "./"+relTo(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := a.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := openCount(cfg.key); n != 2 {
		t.Errorf("open count %d, want 2 (one engine shared by two connections)", n)
	}
	c, err := sql.Open(DriverName, dir+"?external_functions=false")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PingContext(ctx); err == nil || !strings.Contains(err.Error(), "already open") {
		t.Errorf("conflicting external_functions: got %v, want an 'already open' error", err)
	}
	c.Close()
	ca.Close()
	cb.Close()
	a.Close()
	if n := openCount(cfg.key); n != 1 {
		t.Errorf("after closing one sql.DB: open count %d, want 1", n)
	}
	b.Close()
	if n := openCount(cfg.key); n != 0 {
		t.Errorf("after closing both: open count %d, want 0", n)
	}
}

func relTo(t *testing.T, dir string) string {
	t.Helper()
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Skip("temp dir not reachable relatively")
	}
	return rel
}

func TestBeginIsRefused(t *testing.T) {
	db, err := sql.Open(DriverName, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Begin()
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrNotSupported || !strings.Contains(se.Msg, "transactions are not supported") {
		t.Errorf("Begin: got %v, want ER_NOT_SUPPORTED_YET about transactions", err)
	}
}

func TestNamedParametersRefused(t *testing.T) {
	db, err := sql.Open(DriverName, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec("SELECT ?", sql.Named("x", 1))
	if err == nil || !strings.Contains(err.Error(), "? placeholders only") {
		t.Errorf("named parameter: got %v", err)
	}
}

// TestRowsConversion scans every common Arrow type through the driver's
// rows and checks the Go values and column metadata.
func TestRowsConversion(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "v", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: false},
	}, nil)
	when := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	bld := array.NewRecordBuilder(mem, schema)
	bld.Field(0).(*array.Int32Builder).AppendValues([]int32{7, 0}, []bool{true, false})
	bld.Field(1).(*array.Float64Builder).AppendValues([]float64{2.5, 0}, []bool{true, false})
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{"héllo", ""}, []bool{true, false})
	bld.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false}, []bool{true, false})
	bld.Field(4).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-505), {}}, []bool{true, false})
	ts, _ := arrow.TimestampFromTime(when, arrow.Microsecond)
	bld.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts, 0}, []bool{true, false})
	vb := bld.Field(6).(*array.FixedSizeListBuilder)
	vb.Append(true)
	vb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{0.5, -1.25}, nil)
	vb.AppendNull()
	bld.Field(7).(*array.BinaryBuilder).AppendValues([][]byte{{1, 2}, nil}, []bool{true, false})
	bld.Field(8).(*array.Uint64Builder).AppendValues([]uint64{1 << 63, 5}, nil)
	rec := bld.NewRecordBatch()
	bld.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec, rec})
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	r := newRows(rdr)
	defer r.Close()

	want := [][]driver.Value{
		{int64(7), 2.5, "héllo", true, "-5.05", when, "[0.5,-1.25]", []byte{1, 2}, "9223372036854775808"},
		{nil, nil, nil, nil, nil, nil, nil, nil, int64(5)},
	}
	dest := make([]driver.Value, len(schema.Fields()))
	for pass := 0; pass < 2; pass++ { // two batches: conversion restarts per batch
		for _, w := range want {
			if err := r.Next(dest); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dest, w) {
				t.Errorf("row = %#v\nwant %#v", dest, w)
			}
		}
	}
	if err := r.Next(dest); err != io.EOF {
		t.Errorf("after last row: %v, want io.EOF", err)
	}
	names := []string{"INT", "DOUBLE", "VARCHAR", "BOOLEAN", "DECIMAL", "TIMESTAMP", "VECTOR", "BLOB", "BIGINT UNSIGNED"}
	for i, n := range names {
		if got := r.ColumnTypeDatabaseTypeName(i); got != n {
			t.Errorf("column %d type %q, want %q", i, got, n)
		}
	}
	declared := newRows(mustReader(t, arrow.NewSchema([]arrow.Field{{Name: "j", Type: arrow.BinaryTypes.String,
		Metadata: arrow.NewMetadata([]string{metaSQLType}, []string{"json"})}, {Name: "t", Type: arrow.BinaryTypes.String,
		Metadata: arrow.NewMetadata([]string{metaSQLType}, []string{"datetime(6)"})}}, nil)))
	if a, b := declared.ColumnTypeDatabaseTypeName(0), declared.ColumnTypeDatabaseTypeName(1); a != "JSON" || b != "DATETIME" {
		t.Errorf("declared types = %s, %s; want JSON, DATETIME", a, b)
	}
	declared.Close()
	if p, s, ok := r.ColumnTypePrecisionScale(4); !ok || p != 10 || s != 2 {
		t.Errorf("decimal precision/scale = %d,%d,%v", p, s, ok)
	}
	if got := r.ColumnTypeScanType(5); got != reflect.TypeFor[time.Time]() {
		t.Errorf("timestamp scan type %v", got)
	}
	if n, ok := r.ColumnTypeNullable(8); !ok || n {
		t.Errorf("u nullable = %v, %v; want false, true", n, ok)
	}
}

func mustReader(t *testing.T, schema *arrow.Schema) array.RecordReader {
	t.Helper()
	rdr, err := array.NewRecordReader(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}
