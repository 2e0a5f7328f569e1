package sqllogic

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestFormatBatch(t *testing.T) {
	tests := []struct {
		name    string
		dt      arrow.DataType
		json    string // the column's values
		letters string // formats to try, one result line each
		want    []string
	}{
		{"int64", arrow.PrimitiveTypes.Int64, `[1, -20, null]`, "IRT", []string{"1 -20 NULL", "1.000 -20.000 NULL", "1 -20 NULL"}},
		{"uint64 max", arrow.PrimitiveTypes.Uint64, `[18446744073709551615]`, "I", []string{"18446744073709551615"}},
		{"int8", arrow.PrimitiveTypes.Int8, `[-128, 127]`, "I", []string{"-128 127"}},
		{"bool as 0/1", arrow.FixedWidthTypes.Boolean, `[true, false, null]`, "IR", []string{"1 0 NULL", "1.000 0.000 NULL"}},
		{"float64", arrow.PrimitiveTypes.Float64, `[1.5, -0.0004, 2, 1e20, null]`, "RIT", []string{
			"1.500 -0.000 2.000 100000000000000000000.000 NULL",
			"1.500 -0.000 2 100000000000000000000 NULL",
			"1.5 -0.0004 2 1e+20 NULL"}},
		{"float32 keeps its own shortest form", arrow.PrimitiveTypes.Float32, `[1.1, 0.25]`, "TR", []string{"1.1 0.25", "1.100 0.250"}},
		{"decimal(10,2)", &arrow.Decimal128Type{Precision: 10, Scale: 2}, `["3.50", "-0.05", "12.00", null]`, "TRI", []string{
			"3.50 -0.05 12.00 NULL", "3.500 -0.050 12.000 NULL", "3.50 -0.05 12 NULL"}},
		{"decimal(5,0)", &arrow.Decimal128Type{Precision: 5, Scale: 0}, `["42", "-7"]`, "TI", []string{"42 -7", "42 -7"}},
		{"decimal256", &arrow.Decimal256Type{Precision: 40, Scale: 3}, `["1.234"]`, "TR", []string{"1.234", "1.234"}},
		{"string", arrow.BinaryTypes.String, `["abc", "", null, "a b", "x\ny"]`, "T", []string{"abc (empty) NULL a b x@y"}},
		{"large string", arrow.BinaryTypes.LargeString, `["é"]`, "T", []string{"é"}},
		{"binary", arrow.BinaryTypes.Binary, `["aGk="]`, "T", []string{"hi"}},
		{"date32", arrow.FixedWidthTypes.Date32, `["2024-02-29", "1969-12-31"]`, "T", []string{"2024-02-29 1969-12-31"}},
		{"datetime(us)", &arrow.TimestampType{Unit: arrow.Microsecond}, `["2024-01-02 03:04:05", "2024-01-02 03:04:05.25"]`, "T", []string{
			"2024-01-02 03:04:05 2024-01-02 03:04:05.250000"}},
		{"timestamp UTC", &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, `["2000-01-01T00:00:00Z"]`, "T", []string{"2000-01-01 00:00:00"}},
		{"time", arrow.FixedWidthTypes.Time32s, `["12:34:56"]`, "T", []string{"12:34:56"}},
		{"vector", arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32), `[[0.1, 2, -3.5], null]`, "T", []string{"[0.1,2,-3.5] NULL"}},
		{"list", arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, 2], []]`, "T", []string{"[1,2] []"}},
		{"null type", arrow.Null, `[null, null]`, "IT", []string{"NULL NULL", "NULL NULL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			arr, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: tc.dt, Nullable: true}}, nil)
			rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
			defer rec.Release()
			for k, l := range tc.letters {
				got := strings.Join(FormatBatch(nil, rec, string(l)), " ")
				if got != tc.want[k] {
					t.Errorf("as %c: got %q, want %q", l, got, tc.want[k])
				}
			}
		})
	}
}

func TestFormatBatchRowMajor(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int32},
		{Name: "b", Type: arrow.BinaryTypes.String},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if got := strings.Join(FormatBatch([]string{"prev"}, rec, "IT"), ","); got != "prev,1,x,2,y" {
		t.Errorf("got %q", got)
	}
}

func TestTypeLetter(t *testing.T) {
	tests := []struct {
		dt   arrow.DataType
		want byte
	}{
		{arrow.PrimitiveTypes.Int32, 'I'},
		{arrow.FixedWidthTypes.Boolean, 'I'},
		{arrow.PrimitiveTypes.Uint8, 'I'},
		{arrow.PrimitiveTypes.Float32, 'R'},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, 'R'},
		{arrow.BinaryTypes.String, 'T'},
		{arrow.FixedWidthTypes.Date32, 'T'},
		{arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32), 'T'},
		{arrow.Null, 0},
		{&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, 'T'},
	}
	for _, tc := range tests {
		if got := TypeLetter(tc.dt); got != tc.want {
			t.Errorf("TypeLetter(%s) = %q, want %q", tc.dt, got, tc.want)
		}
	}
	for _, c := range []struct {
		want, got byte
		ok        bool
	}{{'I', 'R', true}, {'R', 'I', true}, {'T', 'T', true}, {'T', 'I', false}, {'I', 'T', false}, {'T', 0, true}} {
		if compatibleLetters(c.want, c.got) != c.ok {
			t.Errorf("compatibleLetters(%c, %c) != %v", c.want, c.got, c.ok)
		}
	}
}
