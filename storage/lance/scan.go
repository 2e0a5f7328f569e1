package lance

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
	"github.com/genevasql/genevasql/storage/objstore"
)

// RowAddrColumn is the name of the row address column a scan can add.
const RowAddrColumn = "_rowaddr"

// maxStitchRuns is the number of live-row runs in a batch above which the
// scan reads rows by offset rather than slicing a whole range.
const maxStitchRuns = 16

// DefaultBatchSize is the number of physical rows read per batch.
const DefaultBatchSize = 8192

// ScanOptions says what a scan returns.
type ScanOptions struct {
	// Columns to read, by name (nil: all; empty non-nil: none, e.g. for
	// counting with WithRowAddr).
	Columns []string
	// WithRowAddr appends a non-null uint64 column "_rowaddr"
	// (fragment id << 32 | offset).
	WithRowAddr bool
	// Fragments restricts the scan to these fragment ids, in this order
	// (nil: all fragments in dataset order).
	Fragments []uint64
	// Ranges optionally restricts a fragment to physical rows [lo, hi).
	Ranges map[uint64][2]int64
	// BatchSize is the number of physical rows read per batch (default
	// 8192); batches can be shorter where rows are deleted.
	BatchSize int
}

// Scanner streams record batches lazily, one fragment at a time. Memory is
// bounded by the batch size. The caller releases every batch it receives.
type Scanner struct {
	d       *Dataset
	mem     memory.Allocator // allocates the batches (the dataset's, or the scan cache's)
	schema  *arrow.Schema
	cols    []int   // dataset schema index per output column
	ids     []int32 // field id per output column
	rowAddr bool
	batch   int64
	frags   []*fragment
	ranges  map[uint64][2]int64
	next    int
	cur     *fragScan
	closed  bool

	allFrags     bool                // no fragment list was given
	cacheChecked bool                // cachedScan was consulted
	cached       []arrow.RecordBatch // batches kept by the dataset, when served from them
	fromCache    bool
	cachedPos    int
}

type fragScan struct {
	f        *fragment
	pos, end int64
	del      *roaring.Bitmap
	files    []objstore.File
	readers  []*format.Reader
	groups   []fileGroup // one per data file that holds requested columns
	nullCols []int       // output columns that no data file holds
}

type fileGroup struct {
	reader int
	ids    []int32
	outIdx []int
}

// Scan starts a scan of this version.
func (d *Dataset) Scan(ctx context.Context, opts ScanOptions) (*Scanner, error) {
	s := &Scanner{d: d, mem: d.mem, rowAddr: opts.WithRowAddr, batch: int64(opts.BatchSize), ranges: opts.Ranges}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	var fields []arrow.Field
	if opts.Columns == nil {
		for i := range d.schema.Fields() {
			s.cols = append(s.cols, i)
		}
	} else {
		for _, name := range opts.Columns {
			i, err := d.columnIndex(name)
			if err != nil {
				return nil, err
			}
			s.cols = append(s.cols, i)
		}
	}
	for _, i := range s.cols {
		fields = append(fields, d.schema.Field(i))
		s.ids = append(s.ids, d.topIDs[i])
	}
	if s.rowAddr {
		fields = append(fields, arrow.Field{Name: RowAddrColumn, Type: arrow.PrimitiveTypes.Uint64})
	}
	md := d.schema.Metadata()
	s.schema = arrow.NewSchema(fields, &md)
	if opts.Fragments == nil {
		s.frags = d.m.Fragments
		s.allFrags = true
	} else {
		byID := make(map[uint64]*fragment, len(d.m.Fragments))
		for _, f := range d.m.Fragments {
			byID[f.ID] = f
		}
		for _, id := range opts.Fragments {
			f, ok := byID[id]
			if !ok {
				return nil, errf(sqlerr.ErrWrongArguments, "dataset %s version %d has no fragment %d", d.uri, d.m.Version, id)
			}
			s.frags = append(s.frags, f)
		}
	}
	return s, nil
}

// columnIndex finds a column by exact name, then case-insensitively.
func (d *Dataset) columnIndex(name string) (int, error) {
	if idx := d.schema.FieldIndices(name); len(idx) > 0 {
		return idx[0], nil
	}
	for i, f := range d.schema.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i, nil
		}
	}
	return 0, errf(sqlerr.ErrBadField, "Unknown column '%s' in Lance dataset %s", name, d.uri)
}

// Schema is the schema of every batch.
func (s *Scanner) Schema() *arrow.Schema { return s.schema }

// Next returns the next batch, or io.EOF after the last.
func (s *Scanner) Next(ctx context.Context) (rec arrow.RecordBatch, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, errf(sqlerr.ErrUnknownSystem, "reading Lance dataset %s: %v", s.d.uri, r)
		}
	}()
	if s.closed {
		return nil, io.EOF
	}
	if !s.cacheChecked {
		s.cacheChecked = true
		if s.allFrags {
			s.cached, s.fromCache = s.cachedScan(ctx)
		}
	}
	if s.fromCache {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.cachedPos >= len(s.cached) {
			return nil, io.EOF
		}
		rec := s.cached[s.cachedPos]
		s.cachedPos++
		rec.Retain()
		return rec, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.cur == nil {
			if s.next >= len(s.frags) {
				return nil, io.EOF
			}
			f := s.frags[s.next]
			s.next++
			if s.cur, err = s.openFragment(ctx, f); err != nil {
				return nil, err
			}
		}
		fs := s.cur
		if fs.pos >= fs.end {
			fs.close()
			s.cur = nil
			continue
		}
		start, end := fs.pos, min(fs.pos+s.batch, fs.end)
		fs.pos = end
		rec, err := s.readBatch(ctx, fs, start, end)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			return rec, nil
		}
	}
}

func (s *Scanner) openFragment(ctx context.Context, f *fragment) (*fragScan, error) {
	fs := &fragScan{f: f, end: int64(f.PhysicalRows)}
	if r, ok := s.ranges[f.ID]; ok {
		fs.pos, fs.end = max(r[0], 0), min(r[1], int64(f.PhysicalRows))
	}
	del, err := s.d.deletedRows(ctx, f)
	if err != nil {
		return nil, err
	}
	fs.del = del
	if fs.pos >= fs.end {
		return fs, nil
	}
	// Which data file holds each requested field: the manifest's field list
	// is authoritative (-2 marks a column replaced elsewhere).
	fileOf := map[int32]int{}
	for i, df := range f.Files {
		for _, id := range df.Fields {
			if id >= 0 {
				fileOf[id] = i
			}
		}
	}
	groupOf := map[int]int{}
	for out, id := range s.ids {
		fi, ok := fileOf[id]
		if !ok {
			fs.nullCols = append(fs.nullCols, out)
			continue
		}
		g, ok := groupOf[fi]
		if !ok {
			r, err := s.openFile(ctx, fs, f.Files[fi])
			if err != nil {
				fs.close()
				return nil, err
			}
			g = len(fs.groups)
			groupOf[fi] = g
			fs.groups = append(fs.groups, fileGroup{reader: r})
		}
		fs.groups[g].ids = append(fs.groups[g].ids, id)
		fs.groups[g].outIdx = append(fs.groups[g].outIdx, out)
	}
	return fs, nil
}

func (s *Scanner) openFile(ctx context.Context, fs *fragScan, df *dataFile) (int, error) {
	r, file, err := s.d.openDataFile(ctx, df, s.mem)
	if err != nil {
		return 0, fmt.Errorf("fragment %d data file %s: %w", fs.f.ID, df.Path, err)
	}
	if file != nil {
		fs.files = append(fs.files, file)
	}
	fs.readers = append(fs.readers, r)
	return len(fs.readers) - 1, nil
}

func (fs *fragScan) close() {
	for _, f := range fs.files {
		f.Close()
	}
	fs.files, fs.readers = nil, nil
}

// keptRuns returns the runs [lo,hi) of live rows in [start,end), or nil when
// every row is live.
func keptRuns(del *roaring.Bitmap, start, end int64) (runs [][2]int64, kept int64) {
	if del == nil || del.IsEmpty() {
		return nil, end - start
	}
	// Rank gives the number of deleted offsets <= x without iterating.
	before := uint64(0)
	if start > 0 {
		before = del.Rank(uint32(start - 1))
	}
	if del.Rank(uint32(end-1))-before == 0 {
		return nil, end - start
	}
	it := del.Iterator()
	it.AdvanceIfNeeded(uint32(start))
	lo := start
	for it.HasNext() {
		x := int64(it.PeekNext())
		if x >= end {
			break
		}
		it.Next()
		if x > lo {
			runs = append(runs, [2]int64{lo, x})
			kept += x - lo
		}
		lo = x + 1
	}
	if lo < end {
		runs = append(runs, [2]int64{lo, end})
		kept += end - lo
	}
	if runs == nil {
		runs = [][2]int64{}
	}
	return runs, kept
}

func (s *Scanner) readBatch(ctx context.Context, fs *fragScan, start, end int64) (arrow.RecordBatch, error) {
	runs, kept := keptRuns(fs.del, start, end)
	if kept == 0 {
		return nil, nil
	}
	ncol := len(s.ids)
	if s.rowAddr {
		ncol++
	}
	cols := make([]arrow.Array, ncol)
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	// Many short runs of live rows (dense deletions): take exactly the live
	// rows instead of reading the range and stitching slices together.
	var take []uint32
	if len(runs) > maxStitchRuns {
		take = make([]uint32, 0, kept)
		for _, r := range runs {
			for o := r[0]; o < r[1]; o++ {
				take = append(take, uint32(o))
			}
		}
	}
	want := end - start
	if take != nil {
		want = kept
	}
	for _, g := range fs.groups {
		var arrs []arrow.Array
		var err error
		if take != nil {
			arrs, err = fs.readers[g.reader].ReadRows(ctx, g.ids, take)
		} else {
			arrs, err = fs.readers[g.reader].ReadRange(ctx, g.ids, start, end)
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("reading fragment %d rows %d-%d: %w", fs.f.ID, start, end, err)
		}
		for i, a := range arrs {
			if i >= len(g.outIdx) || int64(a.Len()) != want {
				for _, a := range arrs {
					a.Release()
				}
				release()
				return nil, fmt.Errorf("fragment %d: data file returned %d columns of %d rows, want %d of %d", fs.f.ID, len(arrs), a.Len(), len(g.ids), want)
			}
			cols[g.outIdx[i]] = a
		}
	}
	for _, out := range fs.nullCols {
		cols[out] = array.MakeArrayOfNull(s.mem, s.schema.Field(out).Type, int(want))
	}
	if runs != nil && take == nil {
		for i, c := range cols[:len(s.ids)] {
			f, err := filterRuns(c, runs, start, s.mem)
			if err != nil {
				release()
				return nil, err
			}
			c.Release()
			cols[i] = f
		}
	}
	if s.rowAddr {
		cols[len(s.ids)] = rowAddrs(s.mem, fs.f.ID, runs, start, end)
	}
	rec := array.NewRecordBatch(s.schema, cols, kept)
	release() // the record holds its own references
	return rec, nil
}

// filterRuns keeps the given runs of a column (offsets relative to base).
func filterRuns(c arrow.Array, runs [][2]int64, base int64, mem memory.Allocator) (arrow.Array, error) {
	parts := make([]arrow.Array, len(runs))
	for i, r := range runs {
		parts[i] = array.NewSlice(c, r[0]-base, r[1]-base)
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	if len(parts) == 1 {
		parts[0].Retain()
		return parts[0], nil
	}
	return array.Concatenate(parts, mem)
}

func rowAddrs(mem memory.Allocator, fragID uint64, runs [][2]int64, start, end int64) arrow.Array {
	// Filled straight into one buffer: this column is built for every row a
	// refresh or a DML statement reads.
	if runs == nil {
		runs = [][2]int64{{start, end}}
	}
	n := 0
	for _, r := range runs {
		n += int(r[1] - r[0])
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * 8)
	out := arrow.Uint64Traits.CastFromBytes(buf.Bytes())
	hi := fragID << 32
	i := 0
	for _, r := range runs {
		for o := r[0]; o < r[1]; o++ {
			out[i] = hi | uint64(o)
			i++
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Uint64, i, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.NewUint64Data(data)
}

// Close releases open files. It is safe to call more than once.
func (s *Scanner) Close() error {
	if s.cur != nil {
		s.cur.close()
		s.cur = nil
	}
	s.closed = true
	return nil
}
