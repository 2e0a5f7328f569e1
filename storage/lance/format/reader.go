package format

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/sqlerr"
)

const (
	footerSize = 40
	magic      = "LANC"
)

// Reader reads a Lance data file through random access. It is safe for
// concurrent ReadRange/ReadRows calls if the underlying io.ReaderAt is.
type Reader struct {
	r          io.ReaderAt
	size       int64
	mem        memory.Allocator
	version    Version
	numRows    int64
	fields     []Field
	schemaMeta map[string]string
	cols       []column
	globalOff  []uint64
	globalSize []uint64

	byID map[int32]*fieldInfo
}

type fieldInfo struct {
	field *Field
	col   int // column index in the file, -1 if the field has none
	dt    arrow.DataType
	dtErr error
}

type column struct {
	pages   []page
	bufOff  []uint64
	bufSize []uint64
}

type page struct {
	bufOff    []uint64
	bufSize   []uint64
	length    uint64
	priority  uint64
	startRow  uint64 // first row of the page within the column
	url       string
	rawEnc    []byte    // the Any value
	enc       *arrayEnc // decoded 2.0 encoding, nil for other layouts
	encErr    error
	layout    *layout21 // decoded 2.1 PageLayout
	layoutErr error
	cache     *pageCache
}

// pageCache holds per-page state loaded on first use.
type pageCache struct {
	mu   sync.Mutex
	mb   *miniBlockState
	flat map[bufRef][]byte // decompressed 2.0 buffers
}

// corrupt builds the error returned for malformed files.
func corrupt(format string, args ...any) error {
	return sqlerr.New(sqlerr.ErrUnknownSystem, "lance data file is corrupt: "+format, args...)
}

// OpenReader reads the footer, column metadata and schema of a data file of
// the given size. It reads only the metadata at the end of the file.
func OpenReader(r io.ReaderAt, size int64, opts ReaderOptions) (rd *Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, corrupt("internal error while opening: %v", p)
		}
	}()
	mem := opts.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if size < footerSize {
		return nil, corrupt("file of %d bytes is too small for a footer", size)
	}
	rd = &Reader{r: r, size: size, mem: mem}
	ft := make([]byte, footerSize)
	if err := rd.readAt(ft, size-footerSize); err != nil {
		return nil, err
	}
	if string(ft[36:40]) != magic {
		return nil, corrupt("missing LANC magic at end of file")
	}
	cmStart := binary.LittleEndian.Uint64(ft[0:])
	cmoPos := binary.LittleEndian.Uint64(ft[8:])
	gboPos := binary.LittleEndian.Uint64(ft[16:])
	nGlobal := uint64(binary.LittleEndian.Uint32(ft[24:]))
	nCols := uint64(binary.LittleEndian.Uint32(ft[28:]))
	major := binary.LittleEndian.Uint16(ft[32:])
	minor := binary.LittleEndian.Uint16(ft[34:])
	switch {
	case major == 0 && minor == 3, major == 2 && minor == 0:
		rd.version = V2_0
	case major == 2 && minor == 1:
		rd.version = V2_1
	case major == 0 && (minor == 1 || minor == 2):
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance data file uses the legacy v1 format (%d.%d), which is not supported", major, minor)
	default:
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance data file format version %d.%d is not supported", major, minor)
	}
	end := uint64(size - footerSize)
	if cmStart > cmoPos || cmoPos > gboPos || gboPos > end {
		return nil, corrupt("footer offsets out of order (%d, %d, %d, size %d)", cmStart, cmoPos, gboPos, size)
	}
	if nCols > (gboPos-cmoPos)/16 || nGlobal > (end-gboPos)/16 {
		return nil, corrupt("offset tables do not fit (%d columns, %d global buffers)", nCols, nGlobal)
	}
	// One read for column metadata, both offset tables and the footer.
	tail := make([]byte, end-cmStart)
	if err := rd.readAt(tail, int64(cmStart)); err != nil {
		return nil, err
	}
	rel := func(pos uint64) []byte { return tail[pos-cmStart:] }
	cmo := rel(cmoPos)
	gbo := rel(gboPos)
	for i := uint64(0); i < nGlobal; i++ {
		off := binary.LittleEndian.Uint64(gbo[i*16:])
		sz := binary.LittleEndian.Uint64(gbo[i*16+8:])
		if !rd.inFile(off, sz) {
			return nil, corrupt("global buffer %d (%d+%d) is outside the file", i, off, sz)
		}
		rd.globalOff = append(rd.globalOff, off)
		rd.globalSize = append(rd.globalSize, sz)
	}
	if nGlobal == 0 {
		return nil, corrupt("no global buffer holding the file descriptor")
	}
	rd.cols = make([]column, nCols)
	for i := uint64(0); i < nCols; i++ {
		off := binary.LittleEndian.Uint64(cmo[i*16:])
		sz := binary.LittleEndian.Uint64(cmo[i*16+8:])
		var meta []byte
		switch {
		case off >= cmStart && sz <= end-cmStart && off-cmStart <= end-cmStart-sz:
			meta = tail[off-cmStart : off-cmStart+sz]
		case rd.inFile(off, sz):
			meta = make([]byte, sz)
			if err := rd.readAt(meta, int64(off)); err != nil {
				return nil, err
			}
		default:
			return nil, corrupt("column %d metadata (%d+%d) is outside the file", i, off, sz)
		}
		if err := rd.parseColumn(&rd.cols[i], meta); err != nil {
			return nil, corrupt("column %d metadata: %v", i, err)
		}
	}
	desc := make([]byte, rd.globalSize[0])
	if err := rd.readAt(desc, int64(rd.globalOff[0])); err != nil {
		return nil, err
	}
	if err := rd.parseDescriptor(desc); err != nil {
		return nil, err
	}
	rd.mapFields()
	return rd, nil
}

func (r *Reader) inFile(off, n uint64) bool {
	s := uint64(r.size)
	return off <= s && n <= s-off
}

func (r *Reader) readAt(p []byte, off int64) error {
	if len(p) == 0 {
		return nil
	}
	if off < 0 || off > r.size || int64(len(p)) > r.size-off {
		return corrupt("read of %d bytes at %d is outside the file of %d bytes", len(p), off, r.size)
	}
	n, err := r.r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("lance: reading data file at %d: %w", off, err)
}

// consumeUint64s appends a repeated uint64 field (packed or not).
func consumeUint64s(dst []uint64, typ protowire.Type, v uint64, buf []byte) ([]uint64, error) {
	if typ == protowire.VarintType {
		return append(dst, v), nil
	}
	if typ != protowire.BytesType {
		return dst, fmt.Errorf("bad wire type %d for repeated uint64", typ)
	}
	for len(buf) > 0 {
		x, n := protowire.ConsumeVarint(buf)
		if n < 0 {
			return dst, protowire.ParseError(n)
		}
		dst = append(dst, x)
		buf = buf[n:]
	}
	return dst, nil
}

func (r *Reader) parseColumn(c *column, b []byte) error {
	var row uint64
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
		var err error
		switch num {
		case 2:
			if typ != protowire.BytesType {
				return fmt.Errorf("bad page")
			}
			var p page
			if err := r.parsePage(&p, buf); err != nil {
				return fmt.Errorf("page %d: %w", len(c.pages), err)
			}
			p.startRow = row
			if row+p.length < row {
				return fmt.Errorf("page lengths overflow")
			}
			row += p.length
			c.pages = append(c.pages, p)
		case 3:
			c.bufOff, err = consumeUint64s(c.bufOff, typ, v, buf)
		case 4:
			c.bufSize, err = consumeUint64s(c.bufSize, typ, v, buf)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(c.bufOff) != len(c.bufSize) {
		return fmt.Errorf("%d buffer offsets but %d sizes", len(c.bufOff), len(c.bufSize))
	}
	for i := range c.bufOff {
		if !r.inFile(c.bufOff[i], c.bufSize[i]) {
			return fmt.Errorf("column buffer %d is outside the file", i)
		}
	}
	return nil
}

func (r *Reader) parsePage(p *page, b []byte) error {
	var encBytes []byte
	p.cache = &pageCache{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
		var err error
		switch num {
		case 1:
			p.bufOff, err = consumeUint64s(p.bufOff, typ, v, buf)
		case 2:
			p.bufSize, err = consumeUint64s(p.bufSize, typ, v, buf)
		case 3:
			p.length = v
		case 4:
			encBytes = buf
		case 5:
			p.priority = v
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(p.bufOff) != len(p.bufSize) {
		return fmt.Errorf("%d buffer offsets but %d sizes", len(p.bufOff), len(p.bufSize))
	}
	for i := range p.bufOff {
		if !r.inFile(p.bufOff[i], p.bufSize[i]) {
			return fmt.Errorf("buffer %d (%d+%d) is outside the file", i, p.bufOff[i], p.bufSize[i])
		}
	}
	url, val, err := decodeDirectAny(encBytes)
	if err != nil {
		return err
	}
	p.url, p.rawEnc = url, val
	if url == urlArrayEncoding {
		// Decode errors are reported when the page is read, naming the column.
		p.enc, p.encErr = decodeArrayEncoding(val, 0)
	}
	if url == urlPageLayout21 {
		p.layout, p.layoutErr = decodeLayout21(val)
	}
	return nil
}

func (r *Reader) parseDescriptor(b []byte) error {
	var schemaBytes []byte
	var haveSchema bool
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			schemaBytes, haveSchema = buf, true
		case num == 2 && typ == protowire.VarintType:
			r.numRows = int64(v)
		}
		return nil
	})
	if err != nil {
		return corrupt("file descriptor: %v", err)
	}
	if !haveSchema {
		return corrupt("file descriptor has no schema")
	}
	if r.numRows < 0 {
		return corrupt("file descriptor row count overflows")
	}
	s, err := DecodeSchema(schemaBytes)
	if err != nil {
		return corrupt("file schema: %v", err)
	}
	r.fields = s.Fields
	r.schemaMeta = s.Metadata
	return nil
}

// mapFields assigns column indices to fields in pre-order: in 2.0 every
// field holds one column (structs and lists included); in 2.1 only leaf
// fields do (LanceDB's manifests list exactly those ids for 2.1 files).
func (r *Reader) mapFields() {
	r.byID = make(map[int32]*fieldInfo, len(r.fields))
	hasChild := make(map[int32]bool, len(r.fields))
	for i := range r.fields {
		if r.fields[i].ParentID >= 0 {
			hasChild[r.fields[i].ParentID] = true
		}
	}
	col := 0
	for i := range r.fields {
		f := &r.fields[i]
		fi := &fieldInfo{field: f, col: -1}
		if r.version == V2_0 || !hasChild[f.ID] {
			fi.col = col
			col++
		}
		fi.dt, fi.dtErr = ArrowTypeOf(f.LogicalType)
		if _, dup := r.byID[f.ID]; !dup {
			r.byID[f.ID] = fi
		}
	}
}

// NumRows is the number of rows in the file.
func (r *Reader) NumRows() int64 { return r.numRows }

// Version is the file's format version (V2_0 for a footer saying 0.3).
func (r *Reader) Version() Version { return r.version }

// Fields is the schema stored in the file. Do not modify it.
func (r *Reader) Fields() []Field { return r.fields }

// SchemaMetadata is the schema-level metadata stored in the file.
func (r *Reader) SchemaMetadata() map[string]string { return r.schemaMeta }

// NumColumns is the number of physical columns in the file.
func (r *Reader) NumColumns() int { return len(r.cols) }

// ReadRange returns rows [start,end) of the given top-level field ids, in
// that order. The caller releases the arrays. Only the pages (and within
// them, the byte ranges) holding those rows are read.
func (r *Reader) ReadRange(ctx context.Context, fieldIDs []int32, start, end int64) (out []arrow.Array, err error) {
	if start < 0 || end < start || end > r.numRows {
		return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "lance: row range [%d,%d) is outside the file's %d rows", start, end, r.numRows)
	}
	defer func() {
		if p := recover(); p != nil {
			releaseAll(out)
			out, err = nil, corrupt("internal error while reading: %v", p)
		}
	}()
	out = make([]arrow.Array, 0, len(fieldIDs))
	for _, id := range fieldIDs {
		if err := ctx.Err(); err != nil {
			releaseAll(out)
			return nil, err
		}
		a, err := r.readColumnRange(ctx, id, uint64(start), uint64(end))
		if err != nil {
			releaseAll(out)
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

func (r *Reader) lookup(id int32) (*fieldInfo, *column, error) {
	fi, ok := r.byID[id]
	if !ok {
		return nil, nil, sqlerr.New(sqlerr.ErrBadField, "lance: field id %d is not in this data file", id)
	}
	if fi.dtErr != nil {
		return nil, nil, sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: %v", fi.field.Name, fi.dtErr)
	}
	if fi.col < 0 || fi.col >= len(r.cols) {
		return nil, nil, corrupt("column %q has no column data (index %d of %d)", fi.field.Name, fi.col, len(r.cols))
	}
	return fi, &r.cols[fi.col], nil
}

func (r *Reader) readColumnRange(ctx context.Context, id int32, start, end uint64) (arrow.Array, error) {
	fi, col, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	out, err := newOutCol(r.mem, fi.dt, int(end-start))
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: %v", fi.field.Name, err)
	}
	defer out.release()
	covered := start
	for i := range col.pages {
		p := &col.pages[i]
		ps, pe := p.startRow, p.startRow+p.length
		if pe <= start || p.length == 0 {
			continue
		}
		if ps >= end {
			break
		}
		if ps > covered {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, b := max(start, ps), min(end, pe)
		if err := r.decodePage(fi, col, p, a-ps, b-ps, out, int(a-start)); err != nil {
			return nil, err
		}
		covered = b
	}
	if covered < end {
		return nil, corrupt("column %q has pages for %d rows, file has %d", fi.field.Name, covered, r.numRows)
	}
	return out.finish(), nil
}

func (r *Reader) decodePage(fi *fieldInfo, col *column, p *page, a, b uint64, out *outCol, dst int) error {
	name := fi.field.Name
	d := &pageDecoder{r: r, col: col, p: p, name: name}
	switch p.url {
	case urlArrayEncoding:
		if p.encErr != nil {
			return corrupt("column %q: page encoding: %v", name, p.encErr)
		}
		return d.decode(p.enc, a, b, out, dst, 0)
	case urlPageLayout21:
		return d.decode21(a, b, out, dst)
	}
	return sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: unsupported page encoding %q", name, p.url)
}

// ReadRows returns the given row offsets (sorted; repeats allowed) of the
// given fields. Nearby rows are read together as one range, then gathered.
func (r *Reader) ReadRows(ctx context.Context, fieldIDs []int32, rows []uint32) (out []arrow.Array, err error) {
	for i, x := range rows {
		if int64(x) >= r.numRows {
			return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "lance: row %d is outside the file's %d rows", x, r.numRows)
		}
		if i > 0 && x < rows[i-1] {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "lance: ReadRows needs rows in increasing order (%d after %d)", x, rows[i-1])
		}
	}
	defer func() {
		if p := recover(); p != nil {
			releaseAll(out)
			out, err = nil, corrupt("internal error while reading rows: %v", p)
		}
	}()
	out = make([]arrow.Array, 0, len(fieldIDs))
	for _, id := range fieldIDs {
		a, err := r.readColumnRows(ctx, id, rows)
		if err != nil {
			releaseAll(out)
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// rowGap is the largest gap between wanted rows that is read through rather
// than split into two reads.
const rowGap = 256

func (r *Reader) readColumnRows(ctx context.Context, id int32, rows []uint32) (arrow.Array, error) {
	fi, _, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	out, err := newOutCol(r.mem, fi.dt, len(rows))
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: %v", fi.field.Name, err)
	}
	defer out.release()
	idx := make([]int, 0, 64)
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j]-rows[j-1] <= rowGap {
			j++
		}
		lo, hi := uint64(rows[i]), uint64(rows[j-1])+1
		span, err := r.readColumnRange(ctx, id, lo, hi)
		if err != nil {
			return nil, err
		}
		idx = idx[:0]
		for _, x := range rows[i:j] {
			idx = append(idx, int(uint64(x)-lo))
		}
		err = out.gather(span, idx, i)
		span.Release()
		if err != nil {
			return nil, err
		}
		i = j
	}
	return out.finish(), nil
}
