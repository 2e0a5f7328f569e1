package repl

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
)

func TestFormatFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1.5, 64, "1.5"},
		{100, 64, "100"},
		{0.30000000000000004, 64, "0.30000000000000004"},
		{1e14, 64, "100000000000000"},
		{1e15, 64, "1e15"},
		{-2.5e20, 64, "-2.5e20"},
		{1.5e-20, 64, "1.5e-20"},
		{0.00001, 64, "0.00001"},
		{float64(float32(0.1)), 32, "0.1"},
		{0, 64, "0"},
	}
	for _, c := range cases {
		if got := FormatFloat(c.f, c.bits); got != c.want {
			t.Errorf("FormatFloat(%v, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	base := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		t    time.Time
		want string
	}{
		{base, "2024-03-05 07:08:09"},
		{base.Add(120 * time.Microsecond), "2024-03-05 07:08:09.000120"},
		{base.Add(5), "2024-03-05 07:08:09.000000005"},
		{base.In(time.FixedZone("X", 3600)), "2024-03-05 07:08:09"},
	}
	for _, c := range cases {
		if got := FormatTime(c.t); got != c.want {
			t.Errorf("FormatTime(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

// sampleRecord builds a record with one column of every common type: a row
// of values and a row of NULLs.
func sampleRecord(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "v", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.Int64Builder).AppendValues([]int64{-42}, nil)
	bld.Field(1).(*array.Float64Builder).AppendValues([]float64{0.25}, nil)
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{`he said "hi", bye`}, nil)
	bld.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true}, nil)
	bld.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(1230))
	ts, _ := arrow.TimestampFromTime(time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC), arrow.Microsecond)
	bld.Field(5).(*array.TimestampBuilder).Append(ts)
	vb := bld.Field(6).(*array.FixedSizeListBuilder)
	vb.Append(true)
	vb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{0.1, 0.2}, nil)
	bld.Field(7).(*array.BinaryBuilder).Append([]byte{0xde, 0xad})
	bld.Field(8).(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
	for i := 0; i < len(schema.Fields()); i++ {
		bld.Field(i).AppendNull()
	}
	return bld.NewRecordBatch()
}

func readerOf(t *testing.T, recs ...arrow.RecordBatch) array.RecordReader {
	t.Helper()
	rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}

func printOne(t *testing.T, mem memory.Allocator, f Format) string {
	t.Helper()
	rec := sampleRecord(t, mem)
	rdr := readerOf(t, rec)
	rec.Release()
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: f}
	if err := p.Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestPrintTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	got := printOne(t, mem, FormatTable)
	want := `+------+------+-------------------+------+-------+----------------------------+-----------+--------+------------+
| i    | f    | s                 | b    | d     | ts                         | v         | bin    | dt         |
+------+------+-------------------+------+-------+----------------------------+-----------+--------+------------+
|  -42 | 0.25 | he said "hi", bye | 1    | 12.30 | 2024-01-02 03:04:05.500000 | [0.1,0.2] | 0xdead | 2024-02-29 |
| NULL | NULL | NULL              | NULL |  NULL | NULL                       | NULL      | NULL   | NULL       |
+------+------+-------------------+------+-------+----------------------------+-----------+--------+------------+
2 rows in set

`
	if got != want {
		t.Errorf("table output:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintCSVAndTSV(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		f    Format
		want string
	}{
		{FormatCSV, "i,f,s,b,d,ts,v,bin,dt\n" +
			`-42,0.25,"he said ""hi"", bye",1,12.30,2024-01-02 03:04:05.500000,"[0.1,0.2]",0xdead,2024-02-29` + "\n" +
			",,,,,,,,\n"},
		{FormatTSV, "i\tf\ts\tb\td\tts\tv\tbin\tdt\n" +
			"-42\t0.25\the said \"hi\", bye\t1\t12.30\t2024-01-02 03:04:05.500000\t[0.1,0.2]\t0xdead\t2024-02-29\n" +
			"NULL\tNULL\tNULL\tNULL\tNULL\tNULL\tNULL\tNULL\tNULL\n"},
	}
	for _, c := range cases {
		if got := printOne(t, mem, c.f); got != c.want {
			t.Errorf("%s output:\n%q\nwant:\n%q", c.f, got, c.want)
		}
	}
}

func TestPrintJSONParses(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	out := printOne(t, mem, FormatJSON)
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("json output does not parse: %v\n%s", err, out)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(rows))
	}
	r := rows[0]
	checks := map[string]string{
		"i": "-42", "f": "0.25", "s": `he said "hi", bye`, "b": "true", "d": "12.30",
		"ts": "2024-01-02 03:04:05.500000", "v": "[0.1 0.2]", "bin": "3q0=", "dt": "2024-02-29",
	}
	for k, want := range checks {
		if got := toString(r[k]); got != want {
			t.Errorf("row 0 %s = %q, want %q", k, got, want)
		}
	}
	for k, v := range rows[1] {
		if v != nil {
			t.Errorf("row 1 %s = %v, want null", k, v)
		}
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return "?"
}

func TestJSONEmptyAndEscapes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: `we"ird`, Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"line\nbreak\x01 \xff tab\t"}, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 1)
	col.Release()
	empty := array.NewRecordBatch(schema, []arrow.Array{array.MakeArrayOfNull(mem, arrow.BinaryTypes.String, 0)}, 0)
	for _, tc := range []struct {
		rec  arrow.RecordBatch
		want []map[string]string
	}{
		{rec, []map[string]string{{`we"ird`: "line\nbreak\x01 \ufffd tab\t"}}},
		{empty, []map[string]string{}},
	} {
		var out bytes.Buffer
		rdr := readerOf(t, tc.rec)
		if err := (&Printer{Out: &out, Format: FormatJSON}).Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		var got []map[string]string
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("does not parse: %v\n%s", err, out.String())
		}
		if len(got) != len(tc.want) || (len(got) == 1 && got[0][`we"ird`] != tc.want[0][`we"ird`]) {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	rec.Release()
	empty.Column(0).Release()
	empty.Release()
}

func TestPrintOKAndEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		name string
		res  func() *genevasql.Result
		f    Format
		want string
	}{
		{"dml", func() *genevasql.Result { return &genevasql.Result{RowsAffected: 3} }, FormatTable, "Query OK, 3 rows affected\n\n"},
		{"one row", func() *genevasql.Result { return &genevasql.Result{RowsAffected: 1} }, FormatTable, "Query OK, 1 row affected\n\n"},
		{"message", func() *genevasql.Result { return &genevasql.Result{Message: "refreshed 3 fragments"} }, FormatTable, "Query OK, 0 rows affected\nrefreshed 3 fragments\n\n"},
		{"dml csv is silent", func() *genevasql.Result { return &genevasql.Result{RowsAffected: 3} }, FormatCSV, ""},
		{"empty set", func() *genevasql.Result {
			schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, nil)
			rdr, _ := array.NewRecordReader(schema, nil)
			return &genevasql.Result{Reader: rdr}
		}, FormatTable, "Empty set\n\n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if err := (&Printer{Out: &out, Format: c.f}).Print(c.res(), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if out.String() != c.want {
			t.Errorf("%s: got %q, want %q", c.name, out.String(), c.want)
		}
	}
}

func TestPrintTimingNote(t *testing.T) {
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: FormatTable, Timing: true}
	if err := p.Print(&genevasql.Result{RowsAffected: 2}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Query OK, 2 rows affected (0.0") || !strings.Contains(out.String(), " sec)") {
		t.Errorf("timing note missing: %q", out.String())
	}
}

// TestTableStreamsPastBuffer checks that rows beyond the buffer still print,
// with the widths of the buffered rows (a longer value widens only its line).
func TestTableStreamsPastBuffer(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var recs []arrow.RecordBatch
	for b := 0; b < 3; b++ {
		ib := array.NewInt64Builder(mem)
		for i := 0; i < 4; i++ {
			ib.Append(int64(b*4 + i))
		}
		col := ib.NewArray()
		ib.Release()
		recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{col}, 4))
		col.Release()
	}
	rdr := readerOf(t, recs...)
	for _, r := range recs {
		r.Release()
	}
	var out bytes.Buffer
	if err := (&Printer{Out: &out, Format: FormatTable, TableBuffer: 5}).Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// 3 border lines, header, 12 rows, summary.
	if len(lines) != 17 {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	if lines[15] != "+---+" || lines[3] != "| 0 |" || lines[14] != "| 11 |" || lines[16] != "12 rows in set" {
		t.Errorf("unexpected table:\n%s", out.String())
	}
}

// TestTableMultiLineCells checks that a value with line breaks (an EXPLAIN
// plan) spans several lines inside its cell and tabs become spaces.
func TestTableMultiLineCells(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "plan", Type: arrow.BinaryTypes.String},
	}, nil)
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 22}, nil)
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"Project\n  Filter\r\n    Scan t", "a\tb"}, nil)
	ids, plans := ib.NewArray(), sb.NewArray()
	ib.Release()
	sb.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{ids, plans}, 2)
	ids.Release()
	plans.Release()
	rdr := readerOf(t, rec)
	rec.Release()
	var out bytes.Buffer
	if err := (&Printer{Out: &out, Format: FormatTable}).Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := `+----+------------+
| id | plan       |
+----+------------+
|  1 | Project    |
|    |   Filter   |
|    |     Scan t |
| 22 | a    b     |
+----+------------+
2 rows in set

`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestFormatDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{time.Hour + 2*time.Minute + 3*time.Second, "01:02:03"},
		{-(30*time.Hour + 500*time.Millisecond), "-30:00:00.500000"},
		{time.Second + 7, "00:00:01.000000007"},
	}
	for _, c := range cases {
		if got := formatDuration(c.d); got != c.want {
			t.Errorf("formatDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestCSVCellAndSpecialFloats(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"", `""`},
		{" lead", `" lead"`},
		{"a,b", `"a,b"`},
		{"say \"x\"", `"say ""x"""`},
		{"two\nlines", "\"two\nlines\""},
	}
	for _, c := range cases {
		if got := string(csvCell(nil, []byte(c.in))); got != c.want {
			t.Errorf("csvCell(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := string(tsvCell(nil, []byte("a\tb\\c\nd"))); got != `a\tb\\c\nd` {
		t.Errorf("tsvCell = %s", got)
	}

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{math.NaN(), math.Inf(1), math.Inf(-1), -1.5}, nil)
	arr := fb.NewArray()
	fb.Release()
	defer arr.Release()
	app := jsonFormatter(arr)
	var b []byte
	for i := 0; i < arr.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = app(b, i)
	}
	if string(b) != `"NaN","Inf","-Inf",-1.5` {
		t.Errorf("json floats = %s", b)
	}
}

// TestStreamingFormatsDoNotAllocatePerRow checks that CSV, TSV and JSON
// output of numbers and strings costs no allocation per row.
func TestStreamingFormatsDoNotAllocatePerRow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const rows = 5000
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	for r := 0; r < rows; r++ {
		bld.Field(0).(*array.Int64Builder).Append(int64(r) * 1234567)
		bld.Field(1).(*array.Float64Builder).Append(float64(r) / 7)
		bld.Field(2).(*array.StringBuilder).Append("value, with \"quotes\"")
	}
	rec := bld.NewRecordBatch()
	bld.Release()
	defer rec.Release()
	for _, f := range []Format{FormatCSV, FormatTSV, FormatJSON} {
		p := &Printer{Out: io.Discard, Format: f}
		allocs := testing.AllocsPerRun(3, func() {
			rdr, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
			if err := p.Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > rows/10 {
			t.Errorf("%s: %.0f allocations for %d rows; want far fewer than one per row", f, allocs, rows)
		}
	}
}

// TestJSONColumnsEmbedded checks that a column declared JSON (field
// metadata from the catalog) is written as JSON, not as a string of JSON.
func TestJSONColumnsEmbedded(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	md := arrow.NewMetadata([]string{MetaSQLType}, []string{"json"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "j", Type: arrow.BinaryTypes.String, Metadata: md},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	bld.Field(0).(*array.StringBuilder).AppendValues([]string{`{"a": [1, 2]}`, `not json`}, nil)
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{`{"a": 1}`, "x"}, nil)
	rec := bld.NewRecordBatch()
	bld.Release()
	rdr := readerOf(t, rec)
	rec.Release()
	var out bytes.Buffer
	if err := (&Printer{Out: &out, Format: FormatJSON}).Print(&genevasql.Result{Reader: rdr}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if m, ok := rows[0]["j"].(map[string]any); !ok || len(m["a"].([]any)) != 2 {
		t.Errorf("JSON column not embedded: %s", out.String())
	}
	if rows[1]["j"] != "not json" || rows[0]["s"] != `{"a": 1}` {
		t.Errorf("text columns changed: %s", out.String())
	}
}

// TIME is a duration in MySQL: hours past 24 and negative values print as
// such, not as a time of day.
func TestFormatTimeOfDayType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewTime64Builder(mem, &arrow.Time64Type{Unit: arrow.Microsecond})
	defer b.Release()
	b.AppendValues([]arrow.Time64{982799 * 1e6, -1, 45296 * 1e6}, nil)
	a := b.NewArray()
	defer a.Release()
	f := TextFormatter(a)
	for i, want := range []string{"272:59:59", "-00:00:00.000001", "12:34:56"} {
		if got := f(i); got != want {
			t.Errorf("row %d: %q, want %q", i, got, want)
		}
	}
}
