package external

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"python3 model.py --dim 3", []string{"python3", "model.py", "--dim", "3"}, ""},
		{`  a   'b c'  "d e" `, []string{"a", "b c", "d e"}, ""},
		{`sh -c "tr a-z A-Z | cat"`, []string{"sh", "-c", "tr a-z A-Z | cat"}, ""},
		{`a\ b 'it''s' ""`, []string{"a b", "its", ""}, ""},
		{`echo "say \"hi\" \\ \$x"`, []string{"echo", `say "hi" \ $x`}, ""},
		{`echo "a\nb"`, []string{"echo", `a\nb`}, ""},
		{`'/path with space/prog' x`, []string{"/path with space/prog", "x"}, ""},
		{"", nil, "empty command"},
		{"a 'b", nil, "unterminated single quote"},
		{`a "b`, nil, "unterminated double quote"},
		{`a \`, nil, "lone backslash"},
		{"cat | tr", nil, "without a shell"},
		{"prog > out.txt", nil, "without a shell"},
		{"echo $HOME", nil, "without a shell"},
		{`echo "$HOME"`, nil, "would be expanded"},
		{"a; b", nil, "without a shell"},
	}
	for _, tc := range tests {
		got, err := SplitCommand(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SplitCommand(%q): want error %q, got %q %v", tc.in, tc.err, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRing(t *testing.T) {
	r := newRing(8)
	r.Write([]byte("abc"))
	if r.String() != "abc" {
		t.Fatal(r.String())
	}
	r.Write([]byte("defgh"))
	if r.String() != "abcdefgh" {
		t.Fatal(r.String())
	}
	r.Write([]byte("ij"))
	if r.String() != "…cdefghij" {
		t.Fatal(r.String())
	}
	r.Write([]byte("0123456789"))
	if r.String() != "…23456789" {
		t.Fatal(r.String())
	}
	r2 := newRing(1000)
	r2.Write([]byte(strings.Repeat("x", 50) + "\nlast line\n"))
	if got := r2.Tail(20); got != "…last line" {
		t.Fatalf("tail %q", got)
	}
}

// Values survive the jsonl encoding and decoding for every supported type.
func TestJSONRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := func(s string) arrow.Timestamp {
		tm, _ := time.Parse(time.RFC3339Nano, s)
		v, _ := arrow.TimestampFromTime(tm, arrow.Microsecond)
		return v
	}
	tests := []struct {
		dt    arrow.DataType
		fill  func(b array.Builder)
		jsons []string
	}{
		{arrow.PrimitiveTypes.Int64, func(b array.Builder) {
			b.(*array.Int64Builder).AppendValues([]int64{math.MinInt64, 0, 42}, nil)
			b.AppendNull()
		}, []string{"-9223372036854775808", "0", "42", "null"}},
		{arrow.PrimitiveTypes.Uint64, func(b array.Builder) {
			b.(*array.Uint64Builder).AppendValues([]uint64{math.MaxUint64}, nil)
		}, []string{"18446744073709551615"}},
		{arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).AppendValues([]float64{0.1, math.NaN(), math.Inf(-1), 1e300}, nil)
		}, []string{"0.1", `"NaN"`, `"-Infinity"`, "1e+300"}},
		{arrow.PrimitiveTypes.Float32, func(b array.Builder) {
			b.(*array.Float32Builder).AppendValues([]float32{0.1}, nil)
		}, []string{"0.1"}},
		{arrow.FixedWidthTypes.Boolean, func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
		}, []string{"true", "false"}},
		{arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"a\"b\\c\n\x01é", "\xff"}, nil)
		}, []string{`"a\"b\\c\n\u0001é"`, `"\ufffd"`}},
		{arrow.BinaryTypes.Binary, func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 255}}, nil)
		}, []string{`"AAH/"`}},
		{arrow.FixedWidthTypes.Date32, func(b array.Builder) {
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
		}, []string{`"2024-02-29"`}},
		{&arrow.TimestampType{Unit: arrow.Microsecond}, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(ts("2024-05-01T12:30:00.123456Z"))
		}, []string{`"2024-05-01T12:30:00.123456"`}},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(ts("2024-05-01T12:30:00Z"))
		}, []string{`"2024-05-01T12:30:00Z"`}},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, func(b array.Builder) {
			b.(*array.Decimal128Builder).Append(mustDec("-123.45"))
		}, []string{"-123.45"}},
		{arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32), func(b array.Builder) {
			lb := b.(*array.FixedSizeListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{0.5, -1, 2}, nil)
			lb.AppendNull()
		}, []string{"[0.5, -1, 2]", "null"}},
	}
	for _, tc := range tests {
		t.Run(tc.dt.String(), func(t *testing.T) {
			b := array.NewBuilder(mem, tc.dt)
			defer b.Release()
			tc.fill(b)
			in := b.NewArray()
			defer in.Release()
			enc, err := jsonEncoder(in)
			if err != nil {
				t.Fatal(err)
			}
			ob := array.NewBuilder(mem, tc.dt)
			defer ob.Release()
			dec, err := jsonDecoder(ob)
			if err != nil {
				t.Fatal(err)
			}
			for r := 0; r < in.Len(); r++ {
				var js string
				if in.IsNull(r) {
					js = "null"
					ob.AppendNull()
				} else {
					js = string(enc(nil, r))
					if err := dec(json.RawMessage(js)); err != nil {
						t.Fatalf("row %d: decode %s: %v", r, js, err)
					}
				}
				if js != tc.jsons[r] {
					t.Errorf("row %d encodes as %s, want %s", r, js, tc.jsons[r])
				}
				if !json.Valid([]byte(js)) {
					t.Errorf("row %d: invalid JSON %s", r, js)
				}
			}
			out := ob.NewArray()
			defer out.Release()
			if tc.dt.ID() == arrow.STRING && r2s(in, 1) == "\xff" {
				// invalid UTF-8 is replaced, by design
				if out.(*array.String).Value(1) != "\ufffd" {
					t.Fatalf("got %q", out.(*array.String).Value(1))
				}
				return
			}
			if !array.ApproxEqual(in, out, array.WithNaNsEqual(true)) {
				t.Fatalf("round trip: %v != %v", in, out)
			}
		})
	}
}

func r2s(a arrow.Array, i int) string {
	if s, ok := a.(*array.String); ok && i < s.Len() {
		return s.Value(i)
	}
	return ""
}

func TestJSONDecodeErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		dt   arrow.DataType
		js   string
		want string
	}{
		{arrow.PrimitiveTypes.Int64, `"x"`, "expected an integer"},
		{arrow.PrimitiveTypes.Int64, `1.5`, "fraction"},
		{arrow.PrimitiveTypes.Int32, `3000000000`, "out of range"},
		{arrow.PrimitiveTypes.Float64, `"abc"`, "expected a number"},
		{arrow.BinaryTypes.String, `12`, "expected a JSON string"},
		{arrow.BinaryTypes.Binary, `"%%%"`, "base64"},
		{arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32), `[1, 2]`, "expected 3 numbers, got 2"},
		{arrow.FixedWidthTypes.Date32, `"yesterday"`, "YYYY-MM-DD"},
	}
	for _, tc := range tests {
		b := array.NewBuilder(mem, tc.dt)
		dec, err := jsonDecoder(b)
		if err != nil {
			t.Fatal(err)
		}
		err = dec(json.RawMessage(tc.js))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s from %s: want %q, got %v", tc.dt, tc.js, tc.want, err)
		}
		a := b.NewArray()
		a.Release()
		b.Release()
	}
	// 3.0 is an integer.
	b := array.NewInt64Builder(mem)
	defer b.Release()
	dec, _ := jsonDecoder(b)
	if err := dec(json.RawMessage("3.0")); err != nil {
		t.Fatal(err)
	}
}

func mustDec(s string) decimal128.Num {
	v, err := decimal128.FromString(s, 10, 2)
	if err != nil {
		panic(err)
	}
	return v
}
