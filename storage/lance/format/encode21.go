package format

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/genevasql/genevasql/sqlerr"
)

// The 2.1 writer emits MiniBlock pages with plain values (Flat, Variable
// with 32/64-bit offsets, FixedSizeList of Flat) and, when a page has
// nulls, u16 definition levels stored Flat; all-null pages use the
// AllNull layout. Chunk limits follow the format: at most 4096 values
// (a power of two except the last chunk) and 32 KiB per chunk.

const (
	maxChunkValues = 4096
	maxChunkBytes  = 32 * 1024
)

// pageValues is a column page flattened into plain buffers.
type pageValues struct {
	n     int
	valid []byte
	nulls int
	// fixed width (width bytes) or bool (bits1)
	fixed []byte
	width int
	bits1 bool
	// variable width
	offs []uint64
	data []byte
	// fixed-size list: dim items per row in fixed/bits1 form
	dim       int
	itemValid []byte
	itemNulls int
}

func (w *Writer) flatten(c *colWriter) *pageValues {
	n := c.pendingRows
	pv := &pageValues{n: n}
	pv.valid, pv.nulls = gatherValidity(c.pending, n)
	switch c.shape {
	case shapeFixed:
		pv.width, pv.fixed = c.width, gatherFixed(c.pending, n, c.width)
	case shapeBool:
		pv.bits1, pv.fixed = true, gatherBits(c.pending, n)
	case shapeVar:
		pv.offs = make([]uint64, 0, n+1)
		pv.offs = append(pv.offs, 0)
		for _, a := range c.pending {
			base := uint64(len(pv.data))
			pv.data = append(pv.data, varData(a)...)
			switch v := a.(type) {
			case *array.String:
				o := v.ValueOffsets()
				for i := 1; i < len(o); i++ {
					pv.offs = append(pv.offs, base+uint64(o[i]-o[0]))
				}
			case *array.Binary:
				o := v.ValueOffsets()
				for i := 1; i < len(o); i++ {
					pv.offs = append(pv.offs, base+uint64(o[i]-o[0]))
				}
			case *array.LargeString:
				o := v.ValueOffsets()
				for i := 1; i < len(o); i++ {
					pv.offs = append(pv.offs, base+uint64(o[i]-o[0]))
				}
			case *array.LargeBinary:
				o := v.ValueOffsets()
				for i := 1; i < len(o); i++ {
					pv.offs = append(pv.offs, base+uint64(o[i]-o[0]))
				}
			}
		}
	case shapeFSL:
		pv.dim = c.dim
		children := make([]arrow.Array, len(c.pending))
		for i, a := range c.pending {
			fsl := a.(*array.FixedSizeList)
			off := int64(a.Data().Offset() * c.dim)
			children[i] = array.NewSlice(fsl.ListValues(), off, off+int64(a.Len()*c.dim))
		}
		cn := n * c.dim
		pv.itemValid, pv.itemNulls = gatherValidity(children, cn)
		if c.childBool {
			pv.bits1, pv.fixed = true, gatherBits(children, cn)
		} else {
			pv.width, pv.fixed = c.width, gatherFixed(children, cn, c.width)
		}
		for _, a := range children {
			a.Release()
		}
	}
	return pv
}

func pad8(n int) int { return (n + 7) &^ 7 }

func padTo(n, align int) int { return (n + align - 1) / align * align }

// chunkBuffers returns the value buffers of rows [s, s+k).
func (pv *pageValues) chunkBuffers(s, k int, large bool) [][]byte {
	switch {
	case pv.offs != nil:
		ow := 4
		if large {
			ow = 8
		}
		lo, hi := pv.offs[s], pv.offs[s+k]
		// LanceDB reads the buffer as a slice of offsets, so its size
		// must be a multiple of the offset width.
		buf := make([]byte, padTo((k+1)*ow+int(hi-lo), ow))
		start := uint64((k + 1) * ow)
		for i := 0; i <= k; i++ {
			putUint(buf[i*ow:], ow, start+pv.offs[s+i]-lo)
		}
		copy(buf[start:], pv.data[lo:hi])
		return [][]byte{buf}
	case pv.dim > 0:
		var out [][]byte
		items := k * pv.dim
		if pv.itemNulls > 0 {
			v := make([]byte, (items+7)/8)
			bitutil.CopyBitmap(pv.itemValid, s*pv.dim, items, v, 0)
			out = append(out, v)
		}
		return append(out, pv.fixedRange(s*pv.dim, items))
	}
	return [][]byte{pv.fixedRange(s, k)}
}

func (pv *pageValues) fixedRange(s, k int) []byte {
	if pv.bits1 {
		v := make([]byte, (k+7)/8)
		bitutil.CopyBitmap(pv.fixed, s, k, v, 0)
		return v
	}
	return pv.fixed[s*pv.width : (s+k)*pv.width]
}

// chunkSize is the serialized size of a chunk of rows [s, s+k).
func (pv *pageValues) chunkSize(s, k int, withDef, large bool) (int, bool) {
	bufs := pv.chunkSizes(s, k, large)
	hdr := 2 + 2*len(bufs)
	size := 0
	if withDef {
		hdr += 2
		size += pad8(2 * k)
	}
	size += pad8(hdr)
	for _, b := range bufs {
		if b > 0xffff {
			return 0, false
		}
		size += pad8(b)
	}
	return size, size <= maxChunkBytes && (!withDef || 2*k <= 0xffff)
}

func (pv *pageValues) chunkSizes(s, k int, large bool) []int {
	switch {
	case pv.offs != nil:
		ow := 4
		if large {
			ow = 8
		}
		return []int{padTo((k+1)*ow+int(pv.offs[s+k]-pv.offs[s]), ow)}
	case pv.dim > 0:
		items := k * pv.dim
		vals := items * pv.width
		if pv.bits1 {
			vals = (items + 7) / 8
		}
		if pv.itemNulls > 0 {
			return []int{(items + 7) / 8, vals}
		}
		return []int{vals}
	case pv.bits1:
		return []int{(k + 7) / 8}
	}
	return []int{k * pv.width}
}

func (w *Writer) encodePage21(c *colWriter) ([]byte, error) {
	pv := w.flatten(c)
	n := pv.n
	layer := uint64(layerAllValidItem)
	if pv.nulls > 0 {
		layer = layerNullableItem
	}
	if pv.nulls == n {
		// AllNullLayout{layers: [NULLABLE_ITEM]}, no buffers.
		l := appendPacked(nil, 5, []uint64{layerNullableItem})
		enc := appendBytes(nil, plAllNull, l)
		return pageMessage(nil, nil, uint64(n), c.row, urlPageLayout21, enc), nil
	}
	withDef := pv.nulls > 0
	large := c.dt.ID() == arrow.LARGE_STRING || c.dt.ID() == arrow.LARGE_BINARY
	if pv.useFullZip() {
		return w.encodeFullZip(c, pv, large)
	}
	// Reserve roughly the page size up front: appends would otherwise copy
	// the page several times as it grows.
	est := len(pv.fixed) + len(pv.data) + len(pv.offs)*8 + len(pv.itemValid) + n/64*64
	if withDef {
		est += 2 * n
	}
	meta := make([]byte, 0, n/512+2)
	data := make([]byte, 0, est+est/8)
	for s := 0; s < n; {
		k := maxChunkValues
		for k > 1 {
			if k >= n-s {
				if _, ok := pv.chunkSize(s, n-s, withDef, large); ok {
					break
				}
			} else if _, ok := pv.chunkSize(s, k, withDef, large); ok {
				break
			}
			k /= 2
		}
		last := k >= n-s
		if last {
			k = n - s
		}
		if _, ok := pv.chunkSize(s, k, withDef, large); !ok {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: row %d is too large for a 2.1 mini-block (values over ~32 KiB are not supported by this writer)", c.field.Name, c.row+uint64(s))
		}
		bufs := pv.chunkBuffers(s, k, large)
		start := len(data)
		// Header: number of levels (0 without definition levels), the
		// size of the levels, then the size of each value buffer.
		if withDef {
			data = binary.LittleEndian.AppendUint16(data, uint16(k))
			data = binary.LittleEndian.AppendUint16(data, uint16(2*k))
		} else {
			data = binary.LittleEndian.AppendUint16(data, 0)
		}
		for _, b := range bufs {
			data = binary.LittleEndian.AppendUint16(data, uint16(len(b)))
		}
		data = padTo8(data)
		if withDef {
			for i := s; i < s+k; i++ {
				var lv uint16
				if !bitutil.BitIsSet(pv.valid, i) {
					lv = 1
				}
				data = binary.LittleEndian.AppendUint16(data, lv)
			}
			data = padTo8(data)
		}
		for _, b := range bufs {
			data = append(data, b...)
			data = padTo8(data)
		}
		words := (len(data) - start) / miniBlockAlign
		logN := 0
		if !last {
			for 1<<logN < k {
				logN++
			}
		}
		meta = binary.LittleEndian.AppendUint16(meta, uint16((words-1)<<4|logN))
		s += k
	}
	// MiniBlockLayout.
	var l []byte
	if withDef {
		l = appendBytes(l, 2, compFlat(16))
	}
	l = appendBytes(l, 3, w.valueCompression(c, pv, large))
	l = appendPacked(l, 6, []uint64{layer})
	nb := 1
	if pv.dim > 0 && pv.itemNulls > 0 {
		nb = 2
	}
	l = appendVarintField(l, 7, uint64(nb))
	l = appendVarintField(l, 9, uint64(n))
	enc := appendBytes(nil, plMiniBlock, l)
	offs, sizes, err := w.writeBuffers([][]byte{meta, data})
	if err != nil {
		return nil, err
	}
	return pageMessage(offs, sizes, uint64(n), c.row, urlPageLayout21, enc), nil
}

func padTo8(b []byte) []byte {
	for len(b)%miniBlockAlign != 0 {
		b = append(b, 0)
	}
	return b
}

// compFlat is CompressiveEncoding{flat: Flat{bits_per_value}}.
func compFlat(bits uint64) []byte {
	return appendBytes(nil, ceFlat, appendVarintField(nil, 1, bits))
}

func (w *Writer) valueCompression(c *colWriter, pv *pageValues, large bool) []byte {
	switch {
	case pv.offs != nil:
		ob := uint64(32)
		if large {
			ob = 64
		}
		return appendBytes(nil, ceVariable, appendBytes(nil, 1, compFlat(ob)))
	case pv.dim > 0:
		bits := uint64(pv.width * 8)
		if pv.bits1 {
			bits = 1
		}
		var f []byte
		f = appendVarintField(f, 1, uint64(pv.dim))
		f = appendBytes(f, 2, compFlat(bits))
		if pv.itemNulls > 0 {
			f = appendVarintField(f, 3, 1)
		}
		return appendBytes(nil, ceFixedSizeList, f)
	case pv.bits1:
		return compFlat(1)
	}
	return compFlat(uint64(pv.width * 8))
}

// fullZipMinValue is the value size from which LanceDB stores pages as
// FullZip instead of mini-blocks.
const fullZipMinValue = 256

// useFullZip picks FullZip for large values: variable-width pages whose
// average value is at least 256 bytes or which hold a value too large for
// a mini-block, and fixed-size lists of 256 bytes or more per row (item
// validity per row must be whole bytes, so dimensions that are not a
// multiple of 8 with null items stay in mini-blocks).
func (pv *pageValues) useFullZip() bool {
	switch {
	case pv.offs != nil:
		if pv.n > 0 && int(pv.offs[pv.n])/pv.n >= fullZipMinValue {
			return true
		}
		for i := 0; i < pv.n; i++ {
			if pv.offs[i+1]-pv.offs[i] > maxChunkBytes/2 {
				return true
			}
		}
	case pv.dim > 0 && !pv.bits1:
		if pv.itemNulls > 0 && pv.dim%8 != 0 {
			return false
		}
		return pv.dim*pv.width >= fullZipMinValue
	}
	return false
}

// encodeFullZip writes a FullZip page: per row a one-byte control word
// (definition level, only when the page has nulls) then the value — fixed
// bytes (item validity bitmap first for lists with null items), or a
// length and the bytes (nothing for a null). Variable-width pages get a
// repetition index of n+1 row start offsets.
func (w *Writer) encodeFullZip(c *colWriter, pv *pageValues, large bool) ([]byte, error) {
	n := pv.n
	withDef := pv.nulls > 0
	cw := 0
	if withDef {
		cw = 1
	}
	var data, repIdx []byte
	var l []byte
	layer := uint64(layerAllValidItem)
	if withDef {
		layer = layerNullableItem
		l = appendVarintField(l, 2, 1) // bits_def
	}
	if pv.offs != nil {
		ow := 4
		if large {
			ow = 8
		}
		total := int(pv.offs[n]) + n*(cw+ow)
		iw := 1
		for iw < 8 && total >= 1<<(8*iw) {
			iw *= 2
		}
		data = make([]byte, 0, total)
		repIdx = make([]byte, (n+1)*iw)
		for i := 0; i < n; i++ {
			putUint(repIdx[i*iw:], iw, uint64(len(data)))
			null := withDef && !bitutil.BitIsSet(pv.valid, i)
			if withDef {
				data = append(data, boolByte(null))
			}
			if null {
				continue
			}
			v := pv.data[pv.offs[i]:pv.offs[i+1]]
			if ow == 4 {
				data = binary.LittleEndian.AppendUint32(data, uint32(len(v)))
			} else {
				data = binary.LittleEndian.AppendUint64(data, uint64(len(v)))
			}
			data = append(data, v...)
		}
		putUint(repIdx[n*iw:], iw, uint64(len(data)))
		l = appendVarintField(l, 4, uint64(ow*8)) // bits_per_offset
		l = appendVarintField(l, 5, uint64(n))
		l = appendVarintField(l, 6, uint64(n))
		l = appendBytes(l, 7, appendBytes(nil, ceVariable, appendBytes(nil, 1, compFlat(uint64(ow*8)))))
	} else {
		dim := pv.dim
		vb := 0
		if pv.itemNulls > 0 {
			vb = dim / 8
		}
		rowBytes := vb + dim*pv.width
		data = make([]byte, 0, n*(cw+rowBytes))
		for i := 0; i < n; i++ {
			if withDef {
				data = append(data, boolByte(!bitutil.BitIsSet(pv.valid, i)))
			}
			if vb > 0 {
				start := len(data)
				data = append(data, make([]byte, vb)...)
				bitutil.CopyBitmap(pv.itemValid, i*dim, dim, data[start:], 0)
			}
			data = append(data, pv.fixed[i*dim*pv.width:(i+1)*dim*pv.width]...)
		}
		var f []byte
		f = appendVarintField(f, 1, uint64(dim))
		f = appendBytes(f, 2, compFlat(uint64(pv.width*8)))
		if vb > 0 {
			f = appendVarintField(f, 3, 1)
		}
		l = appendVarintField(l, 3, uint64(rowBytes*8)) // bits_per_value
		l = appendVarintField(l, 5, uint64(n))
		l = appendVarintField(l, 6, uint64(n))
		l = appendBytes(l, 7, appendBytes(nil, ceFixedSizeList, f))
	}
	l = appendPacked(l, 8, []uint64{layer})
	enc := appendBytes(nil, plFullZip, l)
	bufs := [][]byte{data}
	if repIdx != nil {
		bufs = append(bufs, repIdx)
	}
	offs, sizes, err := w.writeBuffers(bufs)
	if err != nil {
		return nil, err
	}
	return pageMessage(offs, sizes, uint64(n), c.row, urlPageLayout21, enc), nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
