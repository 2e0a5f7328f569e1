package format

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// testSchema covers every type the writer supports.
func testSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "lb", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
		{Name: "bo", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "tsn", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "v", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "allnull", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "snull", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// randomBatch fills a batch; nullPct is the share of nulls (allnull and
// snull columns are always null).
func randomBatch(t testing.TB, mem memory.Allocator, s *arrow.Schema, n int, seed uint64, nullPct int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for r := 0; r < n; r++ {
		for i, f := range s.Fields() {
			fb := b.Field(i)
			null := f.Nullable && (rng.IntN(100) < nullPct || f.Name == "allnull" || f.Name == "snull")
			if null {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int8Builder:
				fb.Append(int8(rng.Uint32()))
			case *array.Int16Builder:
				fb.Append(int16(rng.Uint32()))
			case *array.Int32Builder:
				fb.Append(int32(rng.Uint32()))
			case *array.Int64Builder:
				fb.Append(int64(rng.Uint64()))
			case *array.Uint8Builder:
				fb.Append(uint8(rng.Uint32()))
			case *array.Uint16Builder:
				fb.Append(uint16(rng.Uint32()))
			case *array.Uint32Builder:
				fb.Append(rng.Uint32())
			case *array.Uint64Builder:
				fb.Append(rng.Uint64())
			case *array.Float32Builder:
				fb.Append(rng.Float32())
			case *array.Float64Builder:
				fb.Append(rng.NormFloat64())
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(rng.Int64N(1e10) - 5e9))
			case *array.StringBuilder:
				fb.Append(randString(rng))
			case *array.LargeStringBuilder:
				fb.Append(randString(rng))
			case *array.BinaryBuilder:
				fb.Append([]byte(randString(rng)))
			case *array.BooleanBuilder:
				fb.Append(rng.IntN(2) == 0)
			case *array.Date32Builder:
				fb.Append(arrow.Date32(rng.Int32N(40000)))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(rng.Int64()))
			case *array.FixedSizeListBuilder:
				fb.Append(true)
				vb := fb.ValueBuilder().(*array.Float32Builder)
				for k := 0; k < 4; k++ {
					if rng.IntN(10) == 0 {
						vb.AppendNull()
					} else {
						vb.Append(rng.Float32())
					}
				}
			default:
				t.Fatalf("no generator for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

func randString(rng *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyzäö€"
	r := []rune(letters)
	n := rng.IntN(12)
	out := make([]rune, n)
	for i := range out {
		out[i] = r[rng.IntN(len(r))]
	}
	return string(out)
}

func writeFile(t testing.TB, mem memory.Allocator, s *arrow.Schema, opts WriterOptions, batches ...arrow.RecordBatch) ([]byte, []Field, FileStats) {
	t.Helper()
	fields, _, err := FromArrow(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	opts.Mem = mem
	w, err := NewWriter(&buf, fields, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	st, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if st.SizeBytes != int64(buf.Len()) {
		t.Fatalf("SizeBytes %d, wrote %d", st.SizeBytes, buf.Len())
	}
	return buf.Bytes(), fields, st
}

func ids(fields []Field) []int32 {
	var out []int32
	for _, f := range fields {
		out = append(out, f.ID)
	}
	return out
}

func TestRoundTrip20(t *testing.T) { testRoundTrip(t, V2_0) }

// TestRoundTrip21 covers the 2.1 mini-block writer against our 2.1 reader.
func TestRoundTrip21(t *testing.T) { testRoundTrip(t, V2_1) }

func testRoundTrip(t *testing.T, version Version) {
	cases := []struct {
		name     string
		pageRows int
		batches  []int
		nullPct  int
	}{
		{"one page", 0, []int{500}, 20},
		{"many pages", 64, []int{300, 1, 250}, 30},
		{"pages not aligned to bytes", 13, []int{77, 44}, 50},
		{"no nulls", 100, []int{250}, 0},
		{"mostly null", 50, []int{200}, 95},
		{"empty", 0, nil, 0},
		{"several chunks per page", 0, []int{9000, 3}, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := testSchema()
			var batches []arrow.RecordBatch
			for i, n := range tc.batches {
				batches = append(batches, randomBatch(t, mem, s, n, uint64(i+1), tc.nullPct))
			}
			data, fields, st := writeFile(t, mem, s, WriterOptions{MaxPageRows: tc.pageRows, Version: version}, batches...)
			total := 0
			for _, n := range tc.batches {
				total += n
			}
			if st.NumRows != int64(total) || len(st.FieldIDs) != s.NumFields() {
				t.Fatalf("stats %+v", st)
			}
			// Expected columns: the batches concatenated.
			want := make([]arrow.Array, s.NumFields())
			for c := range want {
				var parts []arrow.Array
				for _, b := range batches {
					parts = append(parts, b.Column(c))
				}
				if len(parts) == 0 {
					want[c] = array.MakeArrayOfNull(mem, s.Field(c).Type, 0)
					continue
				}
				a, err := array.Concatenate(parts, mem)
				if err != nil {
					t.Fatal(err)
				}
				want[c] = a
			}
			defer releaseAll(want)
			for _, b := range batches {
				b.Release()
			}

			r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			if r.NumRows() != int64(total) || r.Version() != version {
				t.Fatalf("rows %d version %v", r.NumRows(), r.Version())
			}
			if len(r.Fields()) != len(fields) || r.Fields()[3].Name != "i64" || r.Fields()[3].Nullable {
				t.Fatalf("fields %+v", r.Fields())
			}
			ranges := [][2]int64{{0, int64(total)}}
			if total > 10 {
				ranges = append(ranges, [2]int64{1, 2}, [2]int64{5, int64(total) - 3}, [2]int64{int64(total) - 1, int64(total)}, [2]int64{7, 7})
			}
			for _, rg := range ranges {
				got, err := r.ReadRange(context.Background(), ids(fields), rg[0], rg[1])
				if err != nil {
					t.Fatalf("range %v: %v", rg, err)
				}
				for c := range got {
					w := array.NewSlice(want[c], rg[0], rg[1])
					if !array.Equal(w, got[c]) {
						t.Errorf("range %v column %s:\n got %v\nwant %v", rg, s.Field(c).Name, got[c], w)
					}
					if got[c].NullN() != w.NullN() {
						t.Errorf("range %v column %s: %d nulls want %d", rg, s.Field(c).Name, got[c].NullN(), w.NullN())
					}
					w.Release()
				}
				releaseAll(got)
			}
			if total > 10 {
				rows := []uint32{0, 2, 3, 9, uint32(total) - 1}
				got, err := r.ReadRows(context.Background(), ids(fields), rows)
				if err != nil {
					t.Fatal(err)
				}
				for c := range got {
					if got[c].Len() != len(rows) {
						t.Fatalf("ReadRows len %d", got[c].Len())
					}
					for k, row := range rows {
						w := array.NewSlice(want[c], int64(row), int64(row)+1)
						g := array.NewSlice(got[c], int64(k), int64(k)+1)
						if !array.Equal(w, g) {
							t.Errorf("ReadRows column %s row %d: got %v want %v", s.Field(c).Name, row, g, w)
						}
						w.Release()
						g.Release()
					}
				}
				releaseAll(got)
			}
		})
	}
}

func TestReadRowsSparse(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.FixedSizeListOf(3, arrow.FixedWidthTypes.Boolean), Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, s)
	const n = 5000
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprint("row", i))
		}
		lb := b.Field(1).(*array.FixedSizeListBuilder)
		lb.Append(true)
		for k := 0; k < 3; k++ {
			lb.ValueBuilder().(*array.BooleanBuilder).Append((i+k)%2 == 0)
		}
		b.Field(2).(*array.Int64Builder).Append(int64(i * i))
	}
	rec := b.NewRecordBatch()
	b.Release()
	data, fields, _ := writeFile(t, mem, s, WriterOptions{MaxPageRows: 700}, rec)
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	// Rows spread over several pages with gaps larger than rowGap.
	rows := []uint32{1, 2, 2, 600, 699, 700, 701, 2000, 4999, 4999}
	got, err := r.ReadRows(context.Background(), ids(fields), rows)
	if err != nil {
		t.Fatal(err)
	}
	for c := range got {
		for k, row := range rows {
			w := array.NewSlice(rec.Column(c), int64(row), int64(row)+1)
			g := array.NewSlice(got[c], int64(k), int64(k)+1)
			if !array.Equal(w, g) {
				t.Errorf("column %d row %d: got %v want %v", c, row, g, w)
			}
			w.Release()
			g.Release()
		}
	}
	releaseAll(got)
	rec.Release()
	if _, err := r.ReadRows(context.Background(), ids(fields), []uint32{5, 4}); err == nil {
		t.Error("unsorted rows accepted")
	}
	if _, err := r.ReadRows(context.Background(), ids(fields), []uint32{n}); err == nil {
		t.Error("row past end accepted")
	}
}

// TestRoundTripWide covers values that force small 2.1 mini-block chunks
// (vectors of 128 floats, strings of kilobytes) and the 2.0 pages of the
// same data.
func TestRoundTripWide(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "emb", Type: arrow.FixedSizeListOf(128, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "doc", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "flag", Type: arrow.FixedSizeListOf(3, arrow.FixedWidthTypes.Boolean), Nullable: true},
	}, nil)
	for _, v := range []Version{V2_0, V2_1} {
		t.Run(v.String(), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := array.NewRecordBuilder(mem, s)
			const n = 700
			for i := 0; i < n; i++ {
				eb := b.Field(0).(*array.FixedSizeListBuilder)
				if i%9 == 4 {
					eb.AppendNull() // also appends 128 null items
				} else {
					eb.Append(true)
					for k := 0; k < 128; k++ {
						eb.ValueBuilder().(*array.Float32Builder).Append(float32(i*128 + k))
					}
				}
				if i%5 == 1 {
					b.Field(1).AppendNull()
				} else {
					b.Field(1).(*array.LargeStringBuilder).Append(fmt.Sprintf("%d:%s", i, strings.Repeat("z", (i*37)%5000)))
				}
				fb := b.Field(2).(*array.FixedSizeListBuilder)
				fb.Append(true)
				for k := 0; k < 3; k++ {
					if (i+k)%7 == 0 {
						fb.ValueBuilder().AppendNull()
					} else {
						fb.ValueBuilder().(*array.BooleanBuilder).Append((i*k)%3 == 0)
					}
				}
			}
			rec := b.NewRecordBatch()
			b.Release()
			defer rec.Release()
			data, fields, _ := writeFile(t, mem, s, WriterOptions{Version: v}, rec)
			r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			for _, rg := range [][2]int64{{0, n}, {31, 33}, {100, 650}} {
				got, err := r.ReadRange(context.Background(), ids(fields), rg[0], rg[1])
				if err != nil {
					t.Fatal(err)
				}
				for c := range got {
					want := array.NewSlice(rec.Column(c), rg[0], rg[1])
					if !array.Equal(want, got[c]) {
						t.Errorf("%v column %s differs", rg, s.Field(c).Name)
					}
					want.Release()
				}
				releaseAll(got)
			}
		})
	}
}

// TestWrite21Large: values too large for a mini-block go to FullZip pages
// and read back; a list row that needs a mini-block but cannot fit one is a
// clear error naming the column.
func TestWrite21Large(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	sb := array.NewStringBuilder(mem)
	sb.Append("short")
	sb.Append(strings.Repeat("x", 40000))
	sb.AppendNull()
	sb.Append(strings.Repeat("y", 100000))
	a := sb.NewArray()
	sb.Release()
	rec := array.NewRecordBatch(s, []arrow.Array{a}, 4)
	a.Release()
	defer rec.Release()
	data, fields, _ := writeFile(t, mem, s, WriterOptions{Version: V2_1}, rec)
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	if l := r.cols[0].pages[0].layout; l == nil || l.kind != plFullZip {
		t.Fatalf("large strings not written as FullZip: %+v", l)
	}
	for _, rg := range [][2]int64{{0, 4}, {1, 2}, {2, 4}} {
		got, err := r.ReadRange(context.Background(), ids(fields), rg[0], rg[1])
		if err != nil {
			t.Fatal(err)
		}
		want := array.NewSlice(rec.Column(0), rg[0], rg[1])
		if !array.Equal(want, got[0]) {
			t.Errorf("range %v differs", rg)
		}
		want.Release()
		releaseAll(got)
	}

	// 8201 floats with a null item: FullZip needs whole validity bytes.
	const dim = 8201
	ls := arrow.NewSchema([]arrow.Field{{Name: "vec", Type: arrow.FixedSizeListOf(dim, arrow.PrimitiveTypes.Float32), Nullable: true}}, nil)
	lfields, _, _ := FromArrow(ls, 0)
	lb := array.NewFixedSizeListBuilder(mem, dim, arrow.PrimitiveTypes.Float32)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.Float32Builder)
	vb.AppendNull()
	for k := 1; k < dim; k++ {
		vb.Append(1)
	}
	la := lb.NewArray()
	lb.Release()
	lrec := array.NewRecordBatch(ls, []arrow.Array{la}, 1)
	la.Release()
	defer lrec.Release()
	w, err := NewWriter(&bytes.Buffer{}, lfields, WriterOptions{Mem: mem, Version: V2_1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(lrec); err != nil {
		t.Fatal(err)
	}
	_, err = w.Finish()
	if err == nil || !strings.Contains(err.Error(), "vec") || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("want a clear error naming the column, got %v", err)
	}
}

func TestWriterErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	fields, _, _ := FromArrow(s, 0)

	_, err := NewWriter(&bytes.Buffer{}, []Field{{ID: 0, ParentID: -1, Name: "m", LogicalType: "dict:string:int32:false"}}, WriterOptions{})
	if err == nil {
		t.Error("dictionary type accepted")
	}
	_, err = NewWriter(&bytes.Buffer{}, []Field{{ID: 0, ParentID: 3, Name: "c", LogicalType: "int32"}}, WriterOptions{})
	if err == nil {
		t.Error("nested field accepted")
	}

	w, err := NewWriter(&bytes.Buffer{}, fields, WriterOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	// Wrong type.
	bad := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
	ib := array.NewInt32Builder(mem)
	ib.Append(1)
	a := ib.NewArray()
	rec := array.NewRecordBatch(bad, []arrow.Array{a}, 1)
	if err := w.Write(rec); err == nil {
		t.Error("wrong column type accepted")
	}
	rec.Release()
	a.Release()
	ib.Release()
	// Null in a non-nullable column.
	lb := array.NewInt64Builder(mem)
	lb.AppendNull()
	a = lb.NewArray()
	rec = array.NewRecordBatch(s, []arrow.Array{a}, 1)
	if err := w.Write(rec); err == nil {
		t.Error("null in non-nullable column accepted")
	}
	rec.Release()
	a.Release()
	lb.Release()
	w.Abort()
}

// TestConcurrentReads: one Reader serves parallel ReadRange/ReadRows (the
// per-page caches are shared); run with -race.
func TestConcurrentReads(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := testSchema()
	rec := randomBatch(t, mem, s, 3000, 9, 20)
	defer rec.Release()
	for _, v := range []Version{V2_0, V2_1} {
		data, fields, _ := writeFile(t, mem, s, WriterOptions{Version: v, MaxPageRows: 1000}, rec)
		r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			go func(g int) {
				rows := []uint32{uint32(g), uint32(500 + g*7), uint32(1999 - g), uint32(2990 + g)}
				got, err := r.ReadRows(context.Background(), ids(fields), rows)
				if err == nil {
					for c := range got {
						for k, row := range rows {
							w := array.NewSlice(rec.Column(c), int64(row), int64(row)+1)
							gs := array.NewSlice(got[c], int64(k), int64(k)+1)
							if !array.Equal(w, gs) {
								err = fmt.Errorf("%v column %d row %d differs", v, c, row)
							}
							w.Release()
							gs.Release()
						}
					}
					releaseAll(got)
				}
				errs <- err
			}(g)
		}
		for g := 0; g < 8; g++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestWriteSlicedBatch: batches that are slices of larger ones (non-zero
// array offsets, including bit offsets of validity and bools) write the
// sliced rows only.
func TestWriteSlicedBatch(t *testing.T) {
	for _, v := range []Version{V2_0, V2_1} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		s := testSchema()
		full := randomBatch(t, mem, s, 300, 5, 25)
		part := full.NewSlice(3, 250)
		data, fields, _ := writeFile(t, mem, s, WriterOptions{Version: v, MaxPageRows: 100}, part)
		r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadRange(context.Background(), ids(fields), 0, r.NumRows())
		if err != nil {
			t.Fatal(err)
		}
		for c := range got {
			if !array.Equal(part.Column(c), got[c]) {
				t.Errorf("%v column %s differs", v, s.Field(c).Name)
			}
		}
		releaseAll(got)
		part.Release()
		full.Release()
		mem.AssertSize(t, 0)
	}
}
