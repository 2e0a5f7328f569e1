package format

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/genevasql/genevasql/sqlerr"
)

// pageDecoder decodes row ranges of one 2.0 page (an ArrayEncoding tree).
type pageDecoder struct {
	r    *Reader
	col  *column
	p    *page
	name string
}

func (d *pageDecoder) unsupported(what string) error {
	return sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: unsupported encoding %s", d.name, what)
}

func (d *pageDecoder) corrupt(format string, args ...any) error {
	return corrupt("column %q: "+format, append([]any{d.name}, args...)...)
}

// buffer locates a buffer reference in the file.
func (d *pageDecoder) buffer(ref bufRef) (off, size uint64, err error) {
	var offs, sizes []uint64
	switch ref.kind {
	case bufPage:
		offs, sizes = d.p.bufOff, d.p.bufSize
	case bufColumn:
		offs, sizes = d.col.bufOff, d.col.bufSize
	default:
		offs, sizes = d.r.globalOff, d.r.globalSize
	}
	if int(ref.index) >= len(offs) || uint64(ref.index) >= uint64(len(offs)) {
		return 0, 0, d.corrupt("buffer %d (type %d) does not exist", ref.index, ref.kind)
	}
	return offs[ref.index], sizes[ref.index], nil
}

// readNew checks [from, to) against the buffer before allocating, then
// reads it.
func (d *pageDecoder) readNew(ref bufRef, from, to uint64) ([]byte, error) {
	_, size, err := d.buffer(ref)
	if err != nil {
		return nil, err
	}
	if from > to || to > size {
		return nil, d.corrupt("bytes [%d,%d) are outside a buffer of %d bytes", from, to, size)
	}
	buf := make([]byte, to-from)
	return buf, d.readBuffer(ref, from, to, buf)
}

// readBuffer reads bytes [from, to) of a buffer into dst (len to-from).
func (d *pageDecoder) readBuffer(ref bufRef, from, to uint64, dst []byte) error {
	off, size, err := d.buffer(ref)
	if err != nil {
		return err
	}
	if from > to || to > size {
		return d.corrupt("bytes [%d,%d) are outside a buffer of %d bytes", from, to, size)
	}
	return d.r.readAt(dst[:to-from], int64(off+from))
}

func (d *pageDecoder) flatOnly(e *arrayEnc) error {
	if e.kind != aeFlat {
		return d.unsupported(encodingName(e.kind) + " here")
	}
	return nil
}

// flatSize is the (uncompressed) size of a Flat encoding's buffer.
func (d *pageDecoder) flatSize(e *arrayEnc) (uint64, error) {
	if e.compression == "" {
		_, size, err := d.buffer(e.buf)
		return size, err
	}
	b, err := d.flatWhole(e)
	return uint64(len(b)), err
}

// flatRead reads bytes [from, to) of a Flat encoding's buffer into dst.
// A compressed buffer (zstd or lz4, when field metadata asked for it) is
// read and decompressed whole, once per page.
func (d *pageDecoder) flatRead(e *arrayEnc, from, to uint64, dst []byte) error {
	if e.compression == "" {
		return d.readBuffer(e.buf, from, to, dst)
	}
	b, err := d.flatWhole(e)
	if err != nil {
		return err
	}
	if from > to || to > uint64(len(b)) {
		return d.corrupt("bytes [%d,%d) are outside a buffer of %d bytes", from, to, len(b))
	}
	copy(dst, b[from:to])
	return nil
}

func (d *pageDecoder) flatWhole(e *arrayEnc) ([]byte, error) {
	pc := d.p.cache
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if b, ok := pc.flat[e.buf]; ok {
		return b, nil
	}
	raw, err := d.readWhole(e.buf)
	if err != nil {
		return nil, err
	}
	b, err := decompressScheme(e.compression, raw)
	if err != nil {
		if e.compression != "zstd" && e.compression != "lz4" {
			return nil, d.unsupported("Flat with " + e.compression + " compression")
		}
		return nil, d.corrupt("%s buffer: %v", e.compression, err)
	}
	if pc.flat == nil {
		pc.flat = map[bufRef][]byte{}
	}
	pc.flat[e.buf] = b
	return b, nil
}

// mulRows multiplies a row number by a per-row size, rejecting overflow.
func (d *pageDecoder) mulRows(rows, per uint64) (uint64, error) {
	if per != 0 && rows > math.MaxInt64/per {
		return 0, d.corrupt("row range overflows")
	}
	return rows * per, nil
}

// decode writes rows [a,b) of the page (under encoding e) into out at row
// dst, setting both values and validity of those rows.
func (d *pageDecoder) decode(e *arrayEnc, a, b uint64, out *outCol, dst int, depth int) error {
	if depth > maxEncodingDepth {
		return d.corrupt("encoding nested too deeply")
	}
	n := int(b - a)
	switch e.kind {
	case aeNullable:
		switch e.nullability {
		case nullAll:
			out.fillNull(dst, n)
			return nil
		case nullNone:
			return d.decode(e.values, a, b, out, dst, depth+1)
		default:
			if err := d.decode(e.values, a, b, out, dst, depth+1); err != nil {
				return err
			}
			bits, shift, err := d.readBits(e.validity, a, b)
			if err != nil {
				return err
			}
			out.andValid(bits, shift, dst, n)
			return nil
		}
	case aeFlat:
		if err := d.flatOnly(e); err != nil {
			return err
		}
		switch out.shape {
		case shapeFixed:
			if e.bits != uint64(out.width)*8 {
				return d.corrupt("Flat of %d bits for a %d-byte type", e.bits, out.width)
			}
			w := uint64(out.width)
			from, err := d.mulRows(a, w)
			if err != nil {
				return err
			}
			to, err := d.mulRows(b, w)
			if err != nil {
				return err
			}
			vals := out.values.Bytes()[dst*out.width : (dst+n)*out.width]
			if err := d.flatRead(e, from, to, vals); err != nil {
				return err
			}
		case shapeBool:
			if e.bits != 1 {
				return d.corrupt("Flat of %d bits for a bool column", e.bits)
			}
			bits, shift, err := d.readBits(e, a, b)
			if err != nil {
				return err
			}
			bitutil.CopyBitmap(bits, shift, n, out.values.Bytes(), dst)
		default:
			return d.unsupported("Flat for type " + out.dt.String())
		}
		out.setValid(dst, n, true)
		return nil
	case aeFixedSizeList:
		if out.shape != shapeFSL {
			return d.unsupported("FixedSizeList for type " + out.dt.String())
		}
		if int(e.dim) != out.dim {
			return d.corrupt("FixedSizeList dimension %d, schema says %d", e.dim, out.dim)
		}
		dim := uint64(e.dim)
		ca, err := d.mulRows(a, dim)
		if err != nil {
			return err
		}
		cb, err := d.mulRows(b, dim)
		if err != nil {
			return err
		}
		if err := d.decode(e.items, ca, cb, out.child, dst*out.dim, depth+1); err != nil {
			return err
		}
		out.setValid(dst, n, true)
		return nil
	case aeBinary:
		return d.decodeBinary(e, a, b, out, dst)
	case aeDictionary:
		return d.decodeDictionary(e, a, b, out, dst, depth)
	}
	return d.unsupported(encodingName(e.kind))
}

// readBits reads the bytes holding bits [a,b) of a 1-bit Flat encoding; bit
// a is at bit offset shift of the result.
func (d *pageDecoder) readBits(e *arrayEnc, a, b uint64) ([]byte, int, error) {
	if err := d.flatOnly(e); err != nil {
		return nil, 0, err
	}
	if e.bits != 1 {
		return nil, 0, d.corrupt("validity bitmap of %d bits per value", e.bits)
	}
	from, to := a/8, (b+7)/8
	size, err := d.flatSize(e)
	if err != nil {
		return nil, 0, err
	}
	if to > size {
		return nil, 0, d.corrupt("bits [%d,%d) are outside a buffer of %d bytes", a, b, size)
	}
	buf := make([]byte, to-from)
	if err := d.flatRead(e, from, to, buf); err != nil {
		return nil, 0, err
	}
	return buf, int(a % 8), nil
}

// readUints reads values [a,b) of an unsigned integer encoding (Flat of
// 8/16/32/64 bits, possibly inside Nullable.NoNull) widened to uint64.
func (d *pageDecoder) readUints(e *arrayEnc, a, b uint64) ([]uint64, error) {
	for e.kind == aeNullable && e.nullability == nullNone {
		e = e.values
	}
	if e.kind == aeNullable {
		return nil, d.unsupported("nullable offsets or indices")
	}
	if err := d.flatOnly(e); err != nil {
		return nil, err
	}
	w := e.bits / 8
	if e.bits%8 != 0 || (w != 1 && w != 2 && w != 4 && w != 8) {
		return nil, d.unsupported("integer Flat of " + itoa64(e.bits) + " bits")
	}
	from, err := d.mulRows(a, w)
	if err != nil {
		return nil, err
	}
	to, err := d.mulRows(b, w)
	if err != nil {
		return nil, err
	}
	size, err := d.flatSize(e)
	if err != nil {
		return nil, err
	}
	if to > size {
		return nil, d.corrupt("bytes [%d,%d) are outside a buffer of %d bytes", from, to, size)
	}
	raw := make([]byte, to-from)
	if err := d.flatRead(e, from, to, raw); err != nil {
		return nil, err
	}
	out := make([]uint64, b-a)
	switch w {
	case 1:
		for i := range out {
			out[i] = uint64(raw[i])
		}
	case 2:
		for i := range out {
			out[i] = uint64(binary.LittleEndian.Uint16(raw[i*2:]))
		}
	case 4:
		for i := range out {
			out[i] = uint64(binary.LittleEndian.Uint32(raw[i*4:]))
		}
	default:
		for i := range out {
			out[i] = binary.LittleEndian.Uint64(raw[i*8:])
		}
	}
	return out, nil
}

func itoa64(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// decodeBinary decodes Binary{indices, bytes, null_adjustment}: indices are
// end offsets into the page's bytes (no leading zero); a null row stores its
// end offset plus null_adjustment.
func (d *pageDecoder) decodeBinary(e *arrayEnc, a, b uint64, out *outCol, dst int) error {
	if out.shape != shapeVar {
		return d.unsupported("Binary for type " + out.dt.String())
	}
	n := int(b - a)
	if n == 0 {
		return nil
	}
	lo := a
	if a > 0 {
		lo = a - 1
	}
	idx, err := d.readUints(e.indices, lo, b)
	if err != nil {
		return err
	}
	adj := e.nullAdj
	norm := func(v uint64) (uint64, bool) {
		if adj > 0 && v >= adj {
			return v - adj, false
		}
		return v, true
	}
	var base uint64
	if a > 0 {
		base, _ = norm(idx[0])
		idx = idx[1:]
	}
	last, _ := norm(idx[n-1])
	if last < base {
		return d.corrupt("binary offsets decrease")
	}
	if err := out.checkDataSize(int64(out.dataLen) + int64(last-base)); err != nil {
		return err
	}
	if e.bytes.kind != aeFlat || e.bytes.bits != 8 {
		return d.unsupported("Binary bytes as " + encodingName(e.bytes.kind))
	}
	if err := d.flatOnly(e.bytes); err != nil {
		return err
	}
	size, err := d.flatSize(e.bytes)
	if err != nil {
		return err
	}
	if last > size {
		return d.corrupt("binary offsets reach %d past %d bytes", last, size)
	}
	start := out.dataLen
	out.growData(int(last - base))
	if err := d.flatRead(e.bytes, base, last, out.data.Bytes()[start:]); err != nil {
		return err
	}
	out.dataLen += int(last - base)
	valid := out.valid.Bytes()
	prev := base
	for k := 0; k < n; k++ {
		end, ok := norm(idx[k])
		if end < prev || end > last {
			return d.corrupt("binary offsets decrease at row %d", a+uint64(k))
		}
		bitutil.SetBitTo(valid, dst+k, ok)
		out.setOffset(dst+k+1, int64(start)+int64(end-base))
		prev = end
	}
	return nil
}

// decodeDictionary decodes Dictionary{indices, items}: index 0 is null and
// index i>0 is item i-1. Items are decoded whole for each page read.
func (d *pageDecoder) decodeDictionary(e *arrayEnc, a, b uint64, out *outCol, dst int, depth int) error {
	if out.shape != shapeVar {
		return d.unsupported("Dictionary for type " + out.dt.String())
	}
	idx, err := d.readUints(e.indices, a, b)
	if err != nil {
		return err
	}
	nItems := uint64(e.numDictItems)
	if nItems > uint64(d.r.size) {
		// Every item needs at least one offset byte in the file.
		return d.corrupt("dictionary of %d items in a file of %d bytes", nItems, d.r.size)
	}
	items, err := newOutCol(out.mem, out.dt, int(nItems))
	if err != nil {
		return err
	}
	defer items.release()
	if nItems > 0 {
		if err := d.decode(e.bytes, 0, nItems, items, 0, depth+1); err != nil {
			return err
		}
	}
	idata := items.data.Bytes()
	valid := out.valid.Bytes()
	for k, v := range idx {
		if v == 0 {
			bitutil.ClearBit(valid, dst+k)
			out.setOffset(dst+k+1, int64(out.dataLen))
			continue
		}
		if v > nItems {
			return d.corrupt("dictionary index %d past %d items", v, nItems)
		}
		s, t := items.offsetAt(int(v-1)), items.offsetAt(int(v))
		if err := out.checkDataSize(int64(out.dataLen) + t - s); err != nil {
			return err
		}
		out.growData(int(t - s))
		copy(out.data.Bytes()[out.dataLen:], idata[s:t])
		out.dataLen += int(t - s)
		bitutil.SetBit(valid, dst+k)
		out.setOffset(dst+k+1, int64(out.dataLen))
	}
	return nil
}
