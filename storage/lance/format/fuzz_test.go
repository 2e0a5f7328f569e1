package format

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxFuzzBytes bounds how much output one fuzz iteration may request, so
// that a schema claiming huge vectors cannot make the harness itself
// allocate gigabytes.
const maxFuzzBytes = 16 << 20

// rowWidth estimates the output bytes per row of a type.
func rowWidth(dt arrow.DataType) int {
	switch t := dt.(type) {
	case *arrow.FixedSizeListType:
		return max(1, int(t.Len())) * rowWidth(t.Elem())
	case arrow.FixedWidthDataType:
		return max(1, t.BitWidth()/8)
	}
	return 8
}

func fuzzSeeds(f *testing.F) {
	mem := memory.NewGoAllocator()
	// Small seeds keep each execution (and minimization) fast.
	full := testSchema()
	var keep []arrow.Field
	for _, fl := range full.Fields() {
		switch fl.Name {
		case "i8", "i64", "f64", "dec", "s", "lb", "bo", "v":
			keep = append(keep, fl)
		}
	}
	s := arrow.NewSchema(keep, nil)
	rec := randomBatch(f, mem, s, 12, 1, 30)
	defer rec.Release()
	data, _, _ := writeFile(f, mem, s, WriterOptions{MaxPageRows: 5}, rec)
	f.Add(data)
	f.Add(data[len(data)/2:])
	data21, _, _ := writeFile(f, mem, s, WriterOptions{MaxPageRows: 5, Version: V2_1}, rec)
	f.Add(data21)
	small := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"a", "", "bc"}, []bool{true, false, true})
	a := b.NewArray()
	b.Release()
	r2 := array.NewRecordBatch(small, []arrow.Array{a}, 3)
	a.Release()
	d2, _, _ := writeFile(f, mem, small, WriterOptions{}, r2)
	r2.Release()
	f.Add(d2)
	f.Add([]byte("LANC"))
}

// FuzzOpenReader: corrupt or truncated input must give an error, never a
// panic, a hang, a leak or a huge allocation.
func FuzzOpenReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
		if err != nil {
			return
		}
		for id, fi := range r.byID {
			if fi.dtErr != nil {
				continue
			}
			end := min(r.NumRows(), 4096, int64(maxFuzzBytes/rowWidth(fi.dt)))
			got, err := r.ReadRange(context.Background(), []int32{id}, 0, end)
			if err == nil {
				if int64(got[0].Len()) != end {
					t.Fatalf("ReadRange returned %d rows, want %d", got[0].Len(), end)
				}
				releaseAll(got)
			}
			if end > 2 {
				got, err = r.ReadRows(context.Background(), []int32{id}, []uint32{0, uint32(end - 1)})
				if err == nil {
					releaseAll(got)
				}
			}
		}
	})
}
