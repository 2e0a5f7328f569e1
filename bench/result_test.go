package main

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestNormalize(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "m", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{7, 0}, []bool{true, false})
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	b.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32(daysOf(1995, 3, 15)), 0}, nil)
	b.Field(3).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(12345), decimal128.FromI64(-5)}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec, rec})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	got, err := drain(rdr)
	if err != nil {
		t.Fatal(err)
	}
	want := Rows{{7.0, "a", "1995-03-15", 123.45}, {nil, "b", "1970-01-01", -0.05}}
	want = append(want, want...)
	if diff := compareRows(got, want); diff != "" {
		t.Fatalf("normalize: %s\ngot %v", diff, got)
	}
}

func TestCompareRows(t *testing.T) {
	cases := []struct {
		name  string
		a, b  Rows
		equal bool
	}{
		{"same", Rows{{1.0, "x"}}, Rows{{1.0, "x"}}, true},
		{"float noise", Rows{{1e12}}, Rows{{1e12 + 1e-2}}, true},
		{"float differs", Rows{{100.0}}, Rows{{100.001}}, false},
		{"string differs", Rows{{"a"}}, Rows{{"b"}}, false},
		{"null vs zero", Rows{{nil}}, Rows{{0.0}}, false},
		{"row count", Rows{{1.0}}, Rows{{1.0}, {2.0}}, false},
		{"order matters", Rows{{1.0}, {2.0}}, Rows{{2.0}, {1.0}}, false},
		{"number vs text", Rows{{1.0}}, Rows{{"1"}}, false},
	}
	for _, c := range cases {
		if got := compareRows(c.a, c.b) == ""; got != c.equal {
			t.Errorf("%s: equal = %v, want %v", c.name, got, c.equal)
		}
	}
}

func TestDaysOf(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1996, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1998, 12, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := int32(d.Unix() / 86400)
		if got := daysOf(d.Year(), int(d.Month()), d.Day()); got != want {
			t.Errorf("daysOf(%s) = %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSpliceReport(t *testing.T) {
	first := spliceReport("", "A\n")
	if first != "# Performance\n\n"+beginMark+"\nA\n"+endMark+"\n" {
		t.Fatalf("new document: %q", first)
	}
	doc := "intro\n" + beginMark + "\nold\n" + endMark + "\nanalysis\n"
	got := spliceReport(doc, "new\n")
	want := "intro\n" + beginMark + "\nnew\n" + endMark + "\nanalysis\n"
	if got != want {
		t.Fatalf("splice = %q, want %q", got, want)
	}
}

func TestTrimPprof(t *testing.T) {
	in := "File: x\nType: cpu\n      flat  flat%   sum%        cum   cum%\n" +
		"         0     0%     0%      1.8s 54%  main.runOne\n" +
		"         0     0%     0%      1.8s 54%  runtime.main\n" +
		"     0.2s   10%    10%      1.2s 40%  github.com/genevasql/genevasql/executor.(*sortOp).build\n"
	want := "      flat  flat%   sum%        cum   cum%\n" +
		"     0.2s   10%    10%      1.2s 40%  github.com/genevasql/genevasql/executor.(*sortOp).build\n"
	if got := trimPprof(in); got != want {
		t.Fatalf("trimPprof = %q, want %q", got, want)
	}
}
