package format

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/sqlerr"
)

// maxPageBytes flushes a page early when its data grows past this size
// (Lance recommends pages of several MiB).
const maxPageBytes = 8 << 20

// bufAlign is the alignment of every buffer the writer emits.
const bufAlign = 64

// Writer writes one Lance data file. It is not safe for concurrent use.
type Writer struct {
	w        io.Writer
	pos      int64
	opts     WriterOptions
	fields   []Field
	cols     []*colWriter
	numRows  int64
	err      error // sticky
	finished bool
}

type colWriter struct {
	field        *Field
	dt           arrow.DataType
	shape        int
	width        int // bytes per value (fixed) or per child value (FSL)
	dim          int
	childBool    bool
	pending      []arrow.Array
	pendingRows  int
	pendingBytes int
	pages        [][]byte // encoded ColumnMetadata.Page messages
	row          uint64
}

// NewWriter writes a data file holding the given fields (already with ids)
// to w. Every field with ParentID -1 is one column, in order; nested types
// other than fixed-size lists are not supported.
func NewWriter(w io.Writer, fields []Field, opts WriterOptions) (*Writer, error) {
	if opts.Version == (Version{}) {
		opts.Version = V2_0
	}
	if opts.Version != V2_0 && opts.Version != V2_1 {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance: cannot write data file version %s (only 2.0 and 2.1)", opts.Version)
	}
	if opts.Mem == nil {
		opts.Mem = memory.DefaultAllocator
	}
	if opts.MaxPageRows <= 0 {
		opts.MaxPageRows = DefaultMaxPageRows
	}
	wr := &Writer{w: w, opts: opts, fields: append([]Field(nil), fields...)}
	for i := range wr.fields {
		f := &wr.fields[i]
		if f.ParentID != -1 {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: nested fields are not supported by the data file writer", f.Name)
		}
		dt, err := ArrowTypeOf(f.LogicalType)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: %v", f.Name, err)
		}
		c := &colWriter{field: f, dt: dt}
		if err := c.classify(); err != nil {
			return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: cannot write type %s: %v", f.Name, f.LogicalType, err)
		}
		wr.cols = append(wr.cols, c)
	}
	return wr, nil
}

func (c *colWriter) classify() error {
	switch t := c.dt.(type) {
	case *arrow.DictionaryType:
		return fmt.Errorf("dictionary arrays must be decoded first")
	case *arrow.BooleanType:
		c.shape = shapeBool
	case *arrow.StringType, *arrow.BinaryType, *arrow.LargeStringType, *arrow.LargeBinaryType:
		c.shape = shapeVar
	case *arrow.FixedSizeListType:
		c.shape = shapeFSL
		c.dim = int(t.Len())
		if c.dim <= 0 {
			return fmt.Errorf("dimension %d", c.dim)
		}
		switch et := t.Elem().(type) {
		case *arrow.BooleanType:
			c.childBool = true
		case arrow.FixedWidthDataType:
			if et.BitWidth()%8 != 0 || et.BitWidth() == 0 {
				return fmt.Errorf("list item type %s", et)
			}
			c.width = et.BitWidth() / 8
		default:
			return fmt.Errorf("list item type %s", t.Elem())
		}
	default:
		fw, ok := c.dt.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth()%8 != 0 || fw.BitWidth() == 0 {
			return fmt.Errorf("unsupported type")
		}
		c.shape = shapeFixed
		c.width = fw.BitWidth() / 8
	}
	return nil
}

// Write appends a batch whose columns are in the order of the fields.
func (w *Writer) Write(rec arrow.RecordBatch) (err error) {
	if w.err != nil {
		return w.err
	}
	if w.finished {
		return sqlerr.New(sqlerr.ErrUnknownSystem, "lance: Write after Finish")
	}
	if int(rec.NumCols()) != len(w.cols) {
		return sqlerr.New(sqlerr.ErrWrongValueCount, "lance: batch has %d columns, data file has %d", rec.NumCols(), len(w.cols))
	}
	for i, c := range w.cols {
		col := rec.Column(i)
		lt, lerr := LogicalTypeOf(col.DataType())
		if lerr != nil || lt != c.field.LogicalType {
			return sqlerr.New(sqlerr.ErrUnsupportedType, "lance: column %q: batch has type %s, data file has %s", c.field.Name, col.DataType(), c.field.LogicalType)
		}
		if !c.field.Nullable && col.NullN() > 0 {
			return sqlerr.New(sqlerr.ErrBadNull, "lance: column %q cannot be null", c.field.Name)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = sqlerr.New(sqlerr.ErrUnknownSystem, "lance: internal error writing data file: %v", p)
			w.err = err
		}
	}()
	n := int(rec.NumRows())
	for i, c := range w.cols {
		col := rec.Column(i)
		for off := 0; off < n; {
			take := min(n-off, w.opts.MaxPageRows-c.pendingRows)
			s := array.NewSlice(col, int64(off), int64(off+take))
			c.pending = append(c.pending, s)
			c.pendingRows += take
			c.pendingBytes += c.sizeOf(s)
			off += take
			if c.pendingRows >= w.opts.MaxPageRows || c.pendingBytes >= maxPageBytes {
				if err := w.flush(c); err != nil {
					w.err = err
					return err
				}
			}
		}
	}
	w.numRows += int64(n)
	return nil
}

// sizeOf estimates the bytes a slice adds to a page.
func (c *colWriter) sizeOf(a arrow.Array) int {
	n := a.Len()
	switch c.shape {
	case shapeFixed:
		return n * c.width
	case shapeBool:
		return n / 8
	case shapeFSL:
		return n * c.dim * max(c.width, 1)
	}
	return len(varData(a)) + 8*n
}

// varData returns the value bytes of a string/binary array.
func varData(a arrow.Array) []byte {
	switch v := a.(type) {
	case *array.String:
		return v.ValueBytes()
	case *array.Binary:
		return v.ValueBytes()
	case *array.LargeString:
		return v.ValueBytes()
	case *array.LargeBinary:
		return v.ValueBytes()
	}
	panic(fmt.Sprintf("lance: not a binary array: %T", a))
}

func (w *Writer) write(b []byte) error {
	if w.err != nil {
		return w.err
	}
	n, err := w.w.Write(b)
	w.pos += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("lance: writing data file: %w", err)
	}
	return w.err
}

var zeros [bufAlign]byte

func (w *Writer) align() error {
	if pad := int(w.pos % bufAlign); pad != 0 {
		return w.write(zeros[:bufAlign-pad])
	}
	return nil
}

// writeBuffers writes page buffers, each 64-byte aligned, and returns their
// offsets and sizes.
func (w *Writer) writeBuffers(bufs [][]byte) ([]uint64, []uint64, error) {
	offs := make([]uint64, len(bufs))
	sizes := make([]uint64, len(bufs))
	for i, b := range bufs {
		if err := w.align(); err != nil {
			return nil, nil, err
		}
		offs[i], sizes[i] = uint64(w.pos), uint64(len(b))
		if err := w.write(b); err != nil {
			return nil, nil, err
		}
	}
	return offs, sizes, nil
}

func (w *Writer) flush(c *colWriter) error {
	if c.pendingRows == 0 {
		return nil
	}
	defer func() {
		for _, a := range c.pending {
			a.Release()
		}
		c.pending = c.pending[:0]
		c.pendingRows, c.pendingBytes = 0, 0
	}()
	var pg []byte
	var err error
	if w.opts.Version == V2_1 {
		pg, err = w.encodePage21(c)
	} else {
		pg, err = w.encodePage20(c)
	}
	if err != nil {
		return err
	}
	c.pages = append(c.pages, pg)
	c.row += uint64(c.pendingRows)
	return nil
}

// pageMessage builds a ColumnMetadata.Page.
func pageMessage(offs, sizes []uint64, length, priority uint64, url string, enc []byte) []byte {
	var b []byte
	b = appendPacked(b, 1, offs)
	b = appendPacked(b, 2, sizes)
	b = appendVarintField(b, 3, length)
	b = appendBytes(b, 4, encDirectAny(url, enc))
	b = appendVarintField(b, 5, priority)
	return b
}

func appendPacked(b []byte, num int, vals []uint64) []byte {
	if len(vals) == 0 {
		return b
	}
	var p []byte
	for _, v := range vals {
		p = protowire.AppendVarint(p, v)
	}
	return appendBytes(b, protowire.Number(num), p)
}

// gatherValidity builds the validity bitmap of the pending arrays and
// returns it with the null count.
func gatherValidity(arrs []arrow.Array, n int) ([]byte, int) {
	bm := make([]byte, bitutil.BytesForBits(int64(n)))
	pos, nulls := 0, 0
	for _, a := range arrs {
		l := a.Len()
		if a.NullN() == 0 || a.NullBitmapBytes() == nil {
			bitutil.SetBitsTo(bm, int64(pos), int64(l), true)
		} else {
			bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), l, bm, pos)
			nulls += a.NullN()
		}
		pos += l
	}
	return bm, nulls
}

// gatherFixed concatenates the values of fixed-width arrays (width bytes).
func gatherFixed(arrs []arrow.Array, n, width int) []byte {
	out := make([]byte, 0, n*width)
	for _, a := range arrs {
		d := a.Data()
		buf := d.Buffers()[1]
		if buf == nil {
			out = append(out, make([]byte, a.Len()*width)...)
			continue
		}
		off := d.Offset() * width
		out = append(out, buf.Bytes()[off:off+a.Len()*width]...)
	}
	return out
}

// gatherBits concatenates bit-packed values (booleans).
func gatherBits(arrs []arrow.Array, n int) []byte {
	out := make([]byte, bitutil.BytesForBits(int64(n)))
	pos := 0
	for _, a := range arrs {
		d := a.Data()
		if buf := d.Buffers()[1]; buf != nil {
			bitutil.CopyBitmap(buf.Bytes(), d.Offset(), a.Len(), out, pos)
		}
		pos += a.Len()
	}
	return out
}

func (w *Writer) encodePage20(c *colWriter) ([]byte, error) {
	n := c.pendingRows
	var bufs [][]byte
	var enc []byte
	switch c.shape {
	case shapeFixed, shapeBool:
		valid, nulls := gatherValidity(c.pending, n)
		bits := uint64(c.width * 8)
		var vals []byte
		if c.shape == shapeBool {
			bits, vals = 1, gatherBits(c.pending, n)
		} else {
			vals = gatherFixed(c.pending, n, c.width)
		}
		switch {
		case nulls == n:
			enc = encAllNull()
		case nulls == 0:
			enc = encNoNull(encFlat(bits, 0))
			bufs = [][]byte{vals}
		default:
			enc = encSomeNull(encFlat(1, 0), encFlat(bits, 1))
			bufs = [][]byte{valid, vals}
		}
	case shapeVar:
		offs, data, adj := gatherBinary(c.pending, n)
		enc = encBinary(encNoNull(encFlat(64, 0)), encFlat(8, 1), adj)
		bufs = [][]byte{offs, data}
	case shapeFSL:
		valid, nulls := gatherValidity(c.pending, n)
		if nulls == n {
			enc = encAllNull()
			break
		}
		children := make([]arrow.Array, len(c.pending))
		for i, a := range c.pending {
			fsl := a.(*array.FixedSizeList)
			off := int64(a.Data().Offset() * c.dim)
			children[i] = array.NewSlice(fsl.ListValues(), off, off+int64(a.Len()*c.dim))
		}
		defer func() {
			for _, a := range children {
				a.Release()
			}
		}()
		cn := n * c.dim
		cvalid, cnulls := gatherValidity(children, cn)
		bits := uint64(c.width * 8)
		var cvals []byte
		if c.childBool {
			bits, cvals = 1, gatherBits(children, cn)
		} else {
			cvals = gatherFixed(children, cn, c.width)
		}
		first := uint32(0)
		if nulls > 0 {
			bufs = append(bufs, valid)
			first = 1
		}
		var items []byte
		switch {
		case cnulls == cn:
			items = encAllNull()
		case cnulls == 0:
			items = encNoNull(encFlat(bits, first))
			bufs = append(bufs, cvals)
		default:
			items = encSomeNull(encFlat(1, first), encFlat(bits, first+1))
			bufs = append(bufs, cvalid, cvals)
		}
		if nulls > 0 {
			enc = encSomeNull(encFlat(1, 0), encFSL(uint32(c.dim), items))
		} else {
			enc = encNoNull(encFSL(uint32(c.dim), items))
		}
	}
	offs, sizes, err := w.writeBuffers(bufs)
	if err != nil {
		return nil, err
	}
	return pageMessage(offs, sizes, uint64(n), c.row, urlArrayEncoding, enc), nil
}

// gatherBinary builds the 2.0 Binary buffers: u64 end offsets relative to
// the page (no leading zero), null rows offset by null_adjustment, and the
// concatenated bytes.
func gatherBinary(arrs []arrow.Array, n int) (offs []byte, data []byte, adj uint64) {
	total := 0
	for _, a := range arrs {
		total += len(varData(a))
	}
	data = make([]byte, 0, total)
	offs = make([]byte, n*8)
	adj = uint64(total) + 1
	k := 0
	for _, a := range arrs {
		pageBase := uint64(len(data))
		data = append(data, varData(a)...)
		var valid []byte
		if a.NullN() > 0 {
			valid = a.NullBitmapBytes()
		}
		voff := a.Data().Offset()
		put := func(i int, end uint64) {
			if valid != nil && !bitutil.BitIsSet(valid, voff+i) {
				end += adj
			}
			binary.LittleEndian.PutUint64(offs[(k+i)*8:], end)
		}
		switch v := a.(type) {
		case *array.String, *array.Binary:
			var o []int32
			if sv, ok := v.(*array.String); ok {
				o = sv.ValueOffsets()
			} else {
				o = v.(*array.Binary).ValueOffsets()
			}
			base := o[0]
			for i := 0; i < a.Len(); i++ {
				put(i, pageBase+uint64(o[i+1]-base))
			}
		default:
			var o []int64
			if sv, ok := v.(*array.LargeString); ok {
				o = sv.ValueOffsets()
			} else {
				o = v.(*array.LargeBinary).ValueOffsets()
			}
			base := o[0]
			for i := 0; i < a.Len(); i++ {
				put(i, pageBase+uint64(o[i+1]-base))
			}
		}
		k += a.Len()
	}
	return offs, data, adj
}

// Finish flushes pending pages and writes the file descriptor, column
// metadata, offset tables and footer.
func (w *Writer) Finish() (st FileStats, err error) {
	if w.err != nil {
		return FileStats{}, w.err
	}
	if w.finished {
		return FileStats{}, sqlerr.New(sqlerr.ErrUnknownSystem, "lance: Finish called twice")
	}
	w.finished = true
	defer func() {
		if p := recover(); p != nil {
			err = sqlerr.New(sqlerr.ErrUnknownSystem, "lance: internal error finishing data file: %v", p)
			w.err = err
		}
		if err != nil {
			w.Abort()
		}
	}()
	for _, c := range w.cols {
		if err := w.flush(c); err != nil {
			return FileStats{}, err
		}
	}
	// Global buffer 0: FileDescriptor{schema, length}.
	var desc []byte
	desc = appendBytes(desc, 1, EncodeSchema(&Schema{Fields: w.fields}))
	desc = appendVarintField(desc, 2, uint64(w.numRows))
	if err := w.align(); err != nil {
		return FileStats{}, err
	}
	gbPos := uint64(w.pos)
	if err := w.write(desc); err != nil {
		return FileStats{}, err
	}
	colEnc := encDirectAny(urlColumnEncoding, appendBytes(nil, 1, nil)) // ColumnEncoding{values: Empty}
	cmStart := uint64(w.pos)
	cmo := make([]byte, 0, 16*len(w.cols))
	for _, c := range w.cols {
		var m []byte
		m = appendBytes(m, 1, colEnc)
		for _, p := range c.pages {
			m = appendBytes(m, 2, p)
		}
		cmo = binary.LittleEndian.AppendUint64(cmo, uint64(w.pos))
		cmo = binary.LittleEndian.AppendUint64(cmo, uint64(len(m)))
		if err := w.write(m); err != nil {
			return FileStats{}, err
		}
	}
	cmoPos := uint64(w.pos)
	if err := w.write(cmo); err != nil {
		return FileStats{}, err
	}
	gboPos := uint64(w.pos)
	var gbo []byte
	gbo = binary.LittleEndian.AppendUint64(gbo, gbPos)
	gbo = binary.LittleEndian.AppendUint64(gbo, uint64(len(desc)))
	if err := w.write(gbo); err != nil {
		return FileStats{}, err
	}
	major, minor := uint16(0), uint16(3) // 2.0 is written as 0.3
	if w.opts.Version == V2_1 {
		major, minor = 2, 1
	}
	ft := make([]byte, 0, footerSize)
	ft = binary.LittleEndian.AppendUint64(ft, cmStart)
	ft = binary.LittleEndian.AppendUint64(ft, cmoPos)
	ft = binary.LittleEndian.AppendUint64(ft, gboPos)
	ft = binary.LittleEndian.AppendUint32(ft, 1)
	ft = binary.LittleEndian.AppendUint32(ft, uint32(len(w.cols)))
	ft = binary.LittleEndian.AppendUint16(ft, major)
	ft = binary.LittleEndian.AppendUint16(ft, minor)
	ft = append(ft, magic...)
	if err := w.write(ft); err != nil {
		return FileStats{}, err
	}
	st = FileStats{NumRows: w.numRows, SizeBytes: w.pos}
	for i := range w.fields {
		st.FieldIDs = append(st.FieldIDs, w.fields[i].ID)
		st.ColumnIndices = append(st.ColumnIndices, int32(i))
	}
	return st, nil
}

// Abort releases buffered data without finishing the file.
func (w *Writer) Abort() {
	for _, c := range w.cols {
		for _, a := range c.pending {
			a.Release()
		}
		c.pending = nil
	}
	w.finished = true
}
