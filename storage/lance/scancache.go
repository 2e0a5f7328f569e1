package lance

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A small table is decoded once per version and column set and kept with
// that version: later scans hand out the kept batches. A table filled by
// single-row INSERTs has a fragment per row, and reading, decoding and
// coalescing those one-row batches again for every statement that reads
// the table was most of such workloads' time. A version never changes, so
// the batches cannot go stale; they go away with the Dataset.
const scanCacheMaxRows = 1 << 14

// scanCacheMem allocates the kept batches. They outlive any one statement
// and are freed by the garbage collector with their Dataset, so they are not
// charged to the dataset's allocator (whose owner may check, when it closes,
// that everything it allocated was released).
var scanCacheMem memory.Allocator = memory.NewGoAllocator()

// scanCacheOff turns the cache off (tests of the lazy scan path).
var scanCacheOff bool

type scanKey struct {
	cols    string // field ids, comma-separated
	rowAddr bool
	batch   int64
}

type scanEntry struct {
	once sync.Once
	recs []arrow.RecordBatch
	err  error
}

// cachedScan returns the kept batches of a whole-table scan like s, reading
// them on first use; ok is false when s is not served from the cache.
func (s *Scanner) cachedScan(ctx context.Context) (recs []arrow.RecordBatch, ok bool) {
	if scanCacheOff || s.ranges != nil || len(s.frags) == 0 {
		return nil, false
	}
	var rows uint64
	for _, f := range s.frags {
		rows += f.PhysicalRows
	}
	if rows > scanCacheMaxRows {
		return nil, false
	}
	var sb strings.Builder
	for _, id := range s.ids {
		sb.WriteString(strconv.Itoa(int(id)))
		sb.WriteByte(',')
	}
	k := scanKey{cols: sb.String(), rowAddr: s.rowAddr, batch: s.batch}
	v, _ := s.d.scans.LoadOrStore(k, &scanEntry{})
	e := v.(*scanEntry)
	e.once.Do(func() { e.recs, e.err = s.materialize(ctx) })
	if e.err != nil {
		// Not kept: a cancelled statement must not spoil later scans.
		s.d.scans.CompareAndDelete(k, e)
		return nil, false
	}
	return e.recs, true
}

// materialize reads the whole scan with the cache's allocator and joins
// the per-fragment batches into batches of up to s.batch rows.
func (s *Scanner) materialize(ctx context.Context) (out []arrow.RecordBatch, err error) {
	inner := &Scanner{d: s.d, mem: scanCacheMem, schema: s.schema, cols: s.cols, ids: s.ids, rowAddr: s.rowAddr, batch: s.batch, frags: s.frags, cacheChecked: true}
	defer inner.Close()
	var pending []arrow.RecordBatch
	var pendingRows int64
	defer func() {
		releaseRecs(pending)
		if err != nil {
			releaseRecs(out)
			out = nil
		}
	}()
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		rec, err := concatRecs(s.schema, pending)
		if err != nil {
			return err
		}
		releaseRecs(pending)
		pending, pendingRows = pending[:0], 0
		out = append(out, rec)
		return nil
	}
	for {
		rec, err := inner.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if pendingRows+rec.NumRows() > s.batch {
			if err := flush(); err != nil {
				rec.Release()
				return nil, err
			}
		}
		pending = append(pending, rec)
		pendingRows += rec.NumRows()
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func releaseRecs(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// concatRecs joins batches of one schema into one.
func concatRecs(schema *arrow.Schema, recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	parts := make([]arrow.Array, len(recs))
	for i := range cols {
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, scanCacheMem)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}
