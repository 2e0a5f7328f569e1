package format

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1 << 20

// benchBatches builds ~1M rows of 6 columns in 64Ki-row batches.
func benchBatches(b *testing.B, mem memory.Allocator) (*arrow.Schema, []arrow.RecordBatch, int64) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "vec", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	var out []arrow.RecordBatch
	var size int64
	const per = 1 << 16
	for start := 0; start < benchRows; start += per {
		rb := array.NewRecordBuilder(mem, s)
		for i := start; i < start+per; i++ {
			rb.Field(0).(*array.Int64Builder).Append(int64(i))
			if i%10 == 0 {
				rb.Field(1).AppendNull()
				rb.Field(2).AppendNull()
			} else {
				rb.Field(1).(*array.Float64Builder).Append(float64(i) / 3)
				rb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("name-%d", i%5000))
			}
			rb.Field(3).(*array.BooleanBuilder).Append(i%3 == 0)
			rb.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(i) * 1000)
			vb := rb.Field(5).(*array.FixedSizeListBuilder)
			vb.Append(true)
			fb := vb.ValueBuilder().(*array.Float32Builder)
			for k := 0; k < 4; k++ {
				fb.Append(float32(i + k))
			}
		}
		rec := rb.NewRecordBatch()
		rb.Release()
		for _, c := range rec.Columns() {
			size += arraySize(c.Data())
		}
		out = append(out, rec)
	}
	return s, out, size
}

func arraySize(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arraySize(c)
	}
	return n
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

func BenchmarkWrite(b *testing.B) {
	for _, v := range []Version{V2_0, V2_1} {
		b.Run(v.String(), func(b *testing.B) { benchWrite(b, v) })
	}
}

func benchWrite(b *testing.B, v Version) {
	mem := memory.NewGoAllocator()
	s, batches, size := benchBatches(b, mem)
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	fields, _, _ := FromArrow(s, 0)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := NewWriter(&countingWriter{}, fields, WriterOptions{Mem: mem, Version: v})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range batches {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadRange(b *testing.B) {
	for _, v := range []Version{V2_0, V2_1} {
		b.Run(v.String(), func(b *testing.B) { benchReadRange(b, v) })
	}
}

func benchReadRange(b *testing.B, v Version) {
	mem := memory.NewGoAllocator()
	s, batches, size := benchBatches(b, mem)
	fields, _, _ := FromArrow(s, 0)
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, fields, WriterOptions{Mem: mem, Version: v})
	for _, r := range batches {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
		r.Release()
	}
	if _, err := w.Finish(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Mem: mem})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := r.ReadRange(context.Background(), ids(fields), 0, r.NumRows())
		if err != nil {
			b.Fatal(err)
		}
		releaseAll(got)
	}
}
