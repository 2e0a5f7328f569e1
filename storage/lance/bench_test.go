package lance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Benchmarks use a 6-column table of 1M rows; set GENEVASQL_BENCH_ROWS (for
// example 10000000) for larger runs and GENEVASQL_BENCH_FORMAT=2.1 for the
// other data file format.
var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

func benchRows() int {
	if s := os.Getenv("GENEVASQL_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1 << 20
}

const benchBatch = 64 * 1024

func benchFormat() string { return os.Getenv("GENEVASQL_BENCH_FORMAT") }

func benchBatches(mem memory.Allocator, rows int) ([]arrow.RecordBatch, int64) {
	var recs []arrow.RecordBatch
	var bytes int64
	b := array.NewRecordBuilder(mem, benchSchema)
	defer b.Release()
	for start := 0; start < rows; start += benchBatch {
		n := min(benchBatch, rows-start)
		for i := start; i < start+n; i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.Float64Builder).Append(float64(i) * 0.25)
			if i%17 == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append("name-" + strconv.Itoa(i%5000))
			}
			b.Field(3).(*array.Int32Builder).Append(int32(i % 1000))
			b.Field(4).(*array.BooleanBuilder).Append(i%2 == 0)
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(1700000000000000 + int64(i)))
		}
		rec := b.NewRecordBatch()
		for _, c := range rec.Columns() {
			for _, buf := range c.Data().Buffers() {
				if buf != nil {
					bytes += int64(buf.Len())
				}
			}
		}
		recs = append(recs, rec)
	}
	return recs, bytes
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	rows := benchRows()
	recs, bytes := benchBatches(mem, rows)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	b.SetBytes(bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		d, err := Create(ctx, filepath.Join(dir, fmt.Sprintf("t%d.lance", i)), benchSchema, CreateOptions{Mem: mem, DataFormat: benchFormat()})
		if err != nil {
			b.Fatal(err)
		}
		rdr, err := array.NewRecordReader(benchSchema, recs)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := d.Append(ctx, rdr); err != nil {
			b.Fatal(err)
		}
		rdr.Release()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkScan(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	rows := benchRows()
	recs, bytes := benchBatches(mem, rows)
	d, err := Create(ctx, filepath.Join(b.TempDir(), "t.lance"), benchSchema, CreateOptions{Mem: mem, DataFormat: benchFormat()})
	if err != nil {
		b.Fatal(err)
	}
	rdr, _ := array.NewRecordReader(benchSchema, recs)
	if d, err = d.Append(ctx, rdr); err != nil {
		b.Fatal(err)
	}
	rdr.Release()
	for _, r := range recs {
		r.Release()
	}
	b.SetBytes(bytes)
	// Peak memory of a scan: heap in use above what was live before it,
	// sampled every 16 batches (a scan should hold about one batch).
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc, err := d.Scan(ctx, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := sc.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += int(rec.NumRows())
			rec.Release()
			if (n/int(rec.NumRows()))%16 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		sc.Close()
		if n != rows {
			b.Fatalf("scanned %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak-base)/(1<<20), "peak-scan-heap-MiB")
}
