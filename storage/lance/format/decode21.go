package format

import (
	"encoding/binary"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// 2.1 pages: PageLayout with MiniBlock, AllNull or FullZip layouts. Only
// flat (non-list) columns are read; the supported compressions are the ones
// LanceDB 0.31 writes by default for such columns.

const miniBlockAlign = 8

// block is one decompressed run of values of a mini-block chunk.
type block struct {
	n     int
	bits  int    // fixed width: bits per value
	data  []byte // fixed: packed values; variable: bytes
	offs  []uint64
	isVar bool
	// FixedSizeList: item validity (nil = all valid) and items.
	fslDim   int
	fslValid []byte
	items    *block
}

func (d *pageDecoder) decode21(a, b uint64, out *outCol, dst int) error {
	p := d.p
	if p.layoutErr != nil {
		return d.corrupt("page layout: %v", p.layoutErr)
	}
	l := p.layout
	for _, x := range l.layers {
		if x != layerAllValidItem && x != layerNullableItem {
			return d.unsupported("2.1 list/struct layers")
		}
	}
	if len(l.layers) > 1 {
		return d.unsupported("2.1 nested layers")
	}
	switch l.kind {
	case plAllNull:
		out.fillNull(dst, int(b-a))
		return nil
	case plMiniBlock:
		return d.miniBlock(l, a, b, out, dst)
	case plFullZip:
		return d.fullZip(l, a, b, out, dst)
	case plBlob:
		return d.unsupported("2.1 BlobLayout")
	}
	return d.unsupported("2.1 page layout")
}

type chunkMeta struct {
	first, n  uint64 // first value, number of values
	off, size uint64
}

func (d *pageDecoder) readWhole(ref bufRef) ([]byte, error) {
	_, size, err := d.buffer(ref)
	if err != nil {
		return nil, err
	}
	out := make([]byte, size)
	return out, d.readBuffer(ref, 0, size, out)
}

// miniBlockState is what a mini-block page needs before reading any row:
// the chunk table and the decoded dictionary. It is loaded once per page
// and kept (Lance's "search cache"), so random reads cost one request.
type miniBlockState struct {
	chunks []chunkMeta
	dict   *block
}

func (d *pageDecoder) miniBlockState(l *layout21) (*miniBlockState, error) {
	pc := d.p.cache
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.mb != nil {
		return pc.mb, nil
	}
	st, err := d.loadMiniBlockState(l)
	if err == nil {
		pc.mb = st
	}
	return st, err
}

func (d *pageDecoder) loadMiniBlockState(l *layout21) (*miniBlockState, error) {
	meta, err := d.readWhole(bufRef{index: 0})
	if err != nil {
		return nil, err
	}
	if len(meta)%2 != 0 {
		return nil, d.corrupt("mini-block metadata of odd length %d", len(meta))
	}
	total := l.numItems
	if total == 0 {
		total = d.p.length
	}
	if total != d.p.length {
		return nil, d.corrupt("mini-block page has %d items for %d rows", total, d.p.length)
	}
	chunks := make([]chunkMeta, 0, len(meta)/2)
	var first, off uint64
	for i := 0; i < len(meta); i += 2 {
		w := binary.LittleEndian.Uint16(meta[i:])
		c := chunkMeta{first: first, off: off, size: (uint64(w>>4) + 1) * miniBlockAlign}
		if i+2 < len(meta) {
			if w&15 == 0 {
				return nil, d.corrupt("mini-block chunk %d has no values", i/2)
			}
			c.n = 1 << (w & 15)
		} else {
			if first > total {
				return nil, d.corrupt("mini-block chunks hold more than %d values", total)
			}
			c.n = total - first
		}
		if c.n > maxChunkValues {
			return nil, d.corrupt("mini-block chunk of %d values", c.n)
		}
		first += c.n
		off += c.size
		chunks = append(chunks, c)
	}
	if first != total {
		return nil, d.corrupt("mini-block chunks hold %d values, page has %d", first, total)
	}
	st := &miniBlockState{chunks: chunks}
	if l.dict != nil {
		raw, err := d.readWhole(bufRef{index: 2})
		if err != nil {
			return nil, err
		}
		if l.numDictItems > uint64(len(raw))+1 {
			return nil, d.corrupt("dictionary of %d items in %d bytes", l.numDictItems, len(raw))
		}
		st.dict, err = d.decodeWholeBlock(l.dict, raw, int(l.numDictItems))
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (d *pageDecoder) miniBlock(l *layout21, a, b uint64, out *outCol, dst int) error {
	if l.rep != nil {
		return d.unsupported("2.1 repetition levels")
	}
	st, err := d.miniBlockState(l)
	if err != nil {
		return err
	}
	chunks, dict := st.chunks, st.dict
	// Chunks covering [a, b), found by binary search, read with one request.
	lo := sort.Search(len(chunks), func(i int) bool { return chunks[i].first+chunks[i].n > a })
	hi := lo - 1
	for i := lo; i < len(chunks) && chunks[i].first < b; i++ {
		hi = i
	}
	if lo >= len(chunks) || hi < lo {
		return nil
	}
	_, size, err := d.buffer(bufRef{index: 1})
	if err != nil {
		return err
	}
	start, end := chunks[lo].off, chunks[hi].off+chunks[hi].size
	if end > size {
		return d.corrupt("mini-block chunks end at %d past buffer of %d bytes", end, size)
	}
	data := make([]byte, end-start)
	if err := d.readBuffer(bufRef{index: 1}, start, end, data); err != nil {
		return err
	}
	for i := lo; i <= hi; i++ {
		c := chunks[i]
		buf := data[c.off-start : c.off-start+c.size]
		def, vals, err := d.decodeChunk(l, buf, int(c.n))
		if err != nil {
			return err
		}
		ra, rb := max(a, c.first), min(b, c.first+c.n)
		from, to := int(ra-c.first), int(rb-c.first)
		o := dst + int(ra-a)
		if err := d.emit(vals, dict, from, to, out, o); err != nil {
			return err
		}
		if def != nil {
			valid := out.valid.Bytes()
			for k := from; k < to; k++ {
				if def[k] != 0 {
					bitutil.ClearBit(valid, o+k-from)
				}
			}
		}
	}
	return nil
}

// decodeChunk splits one mini-block chunk into definition levels and
// decompressed values.
func (d *pageDecoder) decodeChunk(l *layout21, buf []byte, n int) ([]uint16, *block, error) {
	pos := 0
	u16 := func() (int, error) {
		if pos+2 > len(buf) {
			return 0, d.corrupt("mini-block chunk header truncated")
		}
		v := int(binary.LittleEndian.Uint16(buf[pos:]))
		pos += 2
		return v, nil
	}
	numLevels, err := u16()
	if err != nil {
		return nil, nil, err
	}
	defSize := -1
	if l.def != nil {
		if defSize, err = u16(); err != nil {
			return nil, nil, err
		}
	}
	if l.numBuffers > 16 {
		return nil, nil, d.corrupt("mini-block with %d buffers", l.numBuffers)
	}
	sizes := make([]int, l.numBuffers)
	for i := range sizes {
		if sizes[i], err = u16(); err != nil {
			return nil, nil, err
		}
	}
	take := func(sz int) ([]byte, error) {
		pos = (pos + miniBlockAlign - 1) / miniBlockAlign * miniBlockAlign
		if pos+sz > len(buf) {
			return nil, d.corrupt("mini-block buffer of %d bytes past chunk end", sz)
		}
		s := buf[pos : pos+sz]
		pos += sz
		return s, nil
	}
	var def []uint16
	if defSize >= 0 {
		raw, err := take(defSize)
		if err != nil {
			return nil, nil, err
		}
		if numLevels != n {
			return nil, nil, d.corrupt("chunk has %d definition levels for %d values", numLevels, n)
		}
		lv, err := d.decodeWholeBlock(l.def, raw, numLevels)
		if err != nil {
			return nil, nil, err
		}
		if lv.isVar || lv.bits != 16 {
			return nil, nil, d.unsupported("definition levels of " + l.def.String())
		}
		def = make([]uint16, numLevels)
		for i := range def {
			def[i] = binary.LittleEndian.Uint16(lv.data[i*2:])
		}
	}
	bufs := make([][]byte, len(sizes))
	for i, sz := range sizes {
		if bufs[i], err = take(sz); err != nil {
			return nil, nil, err
		}
	}
	vals, rest, err := d.decompress(l.value, bufs, n)
	if err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, d.corrupt("%d unused mini-block buffers", len(rest))
	}
	return def, vals, nil
}

// decompress decodes n values of a mini-block chunk, consuming buffers.
func (d *pageDecoder) decompress(c *compEnc, bufs [][]byte, n int) (*block, [][]byte, error) {
	if c == nil {
		return nil, nil, d.corrupt("missing value compression")
	}
	if c.kind == ceGeneral {
		// General compression applies to the first buffer of the chunk.
		if len(bufs) == 0 || c.inner == nil {
			return nil, nil, d.corrupt("General compression without a buffer")
		}
		dec, err := d.general(c.bufScheme, bufs[0])
		if err != nil {
			return nil, nil, err
		}
		bufs = append([][]byte{dec}, bufs[1:]...)
		return d.decompress(c.inner, bufs, n)
	}
	if c.bufScheme != 0 && c.kind != ceFlat {
		return nil, nil, d.unsupported(c.String() + " with general buffer compression")
	}
	next := func() ([]byte, error) {
		if len(bufs) == 0 {
			return nil, d.corrupt("%s needs more mini-block buffers", c)
		}
		b := bufs[0]
		bufs = bufs[1:]
		return b, nil
	}
	switch c.kind {
	case ceFlat, ceInlineBitpacking:
		raw, err := next()
		if err != nil {
			return nil, nil, err
		}
		blk, err := d.decodeWholeBlock(c, raw, n)
		return blk, bufs, err
	case ceVariable:
		raw, err := next()
		if err != nil {
			return nil, nil, err
		}
		blk, err := d.variableChunk(c, raw, n)
		return blk, bufs, err
	case ceFsst:
		inner, rest, err := d.decompress(c.inner, bufs, n)
		if err != nil {
			return nil, nil, err
		}
		blk, err := d.fsstDecode(c.symbols, inner)
		return blk, rest, err
	case ceByteStreamSplit:
		// Byte j of value i is at j*n+i (streams local to the chunk).
		raw, err := next()
		if err != nil {
			return nil, nil, err
		}
		if c.inner == nil || c.inner.kind != ceFlat || c.inner.bits%8 != 0 || c.inner.bits == 0 || c.inner.bits > 64 {
			return nil, nil, d.unsupported("2.1 " + c.String())
		}
		w := int(c.inner.bits / 8)
		if len(raw) < n*w {
			return nil, nil, d.corrupt("ByteStreamSplit buffer of %d bytes for %d values", len(raw), n)
		}
		out := make([]byte, n*w)
		for j := 0; j < w; j++ {
			stream := raw[j*n : (j+1)*n]
			for i, b := range stream {
				out[i*w+j] = b
			}
		}
		return &block{n: n, bits: w * 8, data: out}, bufs, nil
	case ceRle:
		vals, err := next()
		if err != nil {
			return nil, nil, err
		}
		lens, err := next()
		if err != nil {
			return nil, nil, err
		}
		blk, err := d.rleDecode(c, vals, lens, n)
		return blk, bufs, err
	case ceFixedSizeList:
		if c.itemsPerValue == 0 || c.itemsPerValue > maxFSLDim {
			return nil, nil, d.corrupt("FixedSizeList of %d items", c.itemsPerValue)
		}
		dim := int(c.itemsPerValue)
		blk := &block{n: n, fslDim: dim}
		if c.hasValidity {
			v, err := next()
			if err != nil {
				return nil, nil, err
			}
			if len(v)*8 < n*dim {
				return nil, nil, d.corrupt("FixedSizeList validity too short")
			}
			blk.fslValid = v
		}
		items, rest, err := d.decompress(c.inner, bufs, n*dim)
		if err != nil {
			return nil, nil, err
		}
		blk.items = items
		return blk, rest, nil
	}
	return nil, nil, d.unsupported("2.1 " + c.String())
}

// decodeWholeBlock decodes a single buffer holding n values (definition
// levels, dictionaries, flat or bit-packed mini-block values).
func (d *pageDecoder) decodeWholeBlock(c *compEnc, raw []byte, n int) (*block, error) {
	if c.kind == ceGeneral || c.kind == ceFlat && c.bufScheme != 0 {
		dec, err := d.general(c.bufScheme, raw)
		if err != nil {
			return nil, err
		}
		if c.kind == ceGeneral {
			if c.inner == nil {
				return nil, d.corrupt("General compression without values encoding")
			}
			return d.decodeWholeBlock(c.inner, dec, n)
		}
		raw = dec
	} else if c.bufScheme != 0 {
		return nil, d.unsupported(c.String() + " with general buffer compression")
	}
	switch c.kind {
	case ceFlat:
		bits := int(c.bits)
		if bits != 1 && (bits%8 != 0 || bits == 0 || bits > 256) {
			return nil, d.unsupported("Flat of " + itoa64(c.bits) + " bits")
		}
		need := (n*bits + 7) / 8
		if len(raw) < need {
			return nil, d.corrupt("Flat buffer of %d bytes for %d values of %d bits", len(raw), n, bits)
		}
		return &block{n: n, bits: bits, data: raw[:need]}, nil
	case ceInlineBitpacking:
		return d.unpackInline(c, raw, n)
	case ceOutOfLineBitpacking:
		return d.unpackOutOfLine(c, raw, n)
	case ceVariable:
		return d.variableBlock(c, raw, n)
	}
	return nil, d.unsupported("2.1 " + c.String())
}

// unpackInline decodes InlineBitpacking: groups of 1024 values, each a
// little-endian bit width (one value wide) then 1024 values packed in the
// FastLanes transposed layout.
func (d *pageDecoder) unpackInline(c *compEnc, raw []byte, n int) (*block, error) {
	t := int(c.bits)
	if t != 8 && t != 16 && t != 32 && t != 64 {
		return nil, d.unsupported("InlineBitpacking of " + itoa64(c.bits) + " bits")
	}
	tb := t / 8
	groups := (n + 1023) / 1024
	out := make([]byte, groups*1024*tb)
	pos := 0
	for g := 0; g < groups; g++ {
		if pos+tb > len(raw) {
			return nil, d.corrupt("bit-packed group header truncated")
		}
		w := int(readUint(raw[pos:], tb))
		pos += tb
		if w > t {
			return nil, d.corrupt("bit width %d for %d-bit values", w, t)
		}
		size := 1024 * w / 8
		if pos+size > len(raw) {
			return nil, d.corrupt("bit-packed group truncated")
		}
		unpackFastLanes(raw[pos:pos+size], t, w, out[g*1024*tb:(g+1)*1024*tb])
		pos += size
	}
	return &block{n: n, bits: t, data: out[:n*tb]}, nil
}

// unpackOutOfLine decodes OutOfLineBitpacking: 1024-value groups packed
// with one bit width (from the inner Flat); a final partial group is either
// packed with padding or stored raw, told apart by the buffer length.
func (d *pageDecoder) unpackOutOfLine(c *compEnc, raw []byte, n int) (*block, error) {
	t := int(c.bits)
	if t != 8 && t != 16 && t != 32 && t != 64 {
		return nil, d.unsupported("OutOfLineBitpacking of " + itoa64(c.bits) + " bits")
	}
	if c.inner == nil || c.inner.kind != ceFlat || c.inner.bits > uint64(t) {
		return nil, d.unsupported("OutOfLineBitpacking values as " + c.inner.String())
	}
	w := int(c.inner.bits)
	tb := t / 8
	wordsPerGroup := (1024*w + t - 1) / t
	whole, tail := n/1024, n%1024
	out := make([]byte, (whole+1)*1024*tb)
	words := len(raw) / tb
	if words < whole*wordsPerGroup {
		return nil, d.corrupt("bit-packed buffer of %d bytes for %d values", len(raw), n)
	}
	for g := 0; g < whole; g++ {
		unpackFastLanes(raw[g*wordsPerGroup*tb:(g+1)*wordsPerGroup*tb], t, w, out[g*1024*tb:])
	}
	if tail > 0 {
		rest := raw[whole*wordsPerGroup*tb:]
		switch {
		case words == whole*wordsPerGroup+tail:
			copy(out[whole*1024*tb:], rest[:tail*tb])
		case len(rest) >= wordsPerGroup*tb:
			unpackFastLanes(rest[:wordsPerGroup*tb], t, w, out[whole*1024*tb:])
		default:
			return nil, d.corrupt("bit-packed tail of %d bytes for %d values", len(rest), tail)
		}
	}
	return &block{n: n, bits: t, data: out[:n*tb]}, nil
}

// fsstDecode expands FSST-compressed strings: code bytes index the symbol
// table (up to 8 bytes each); code 255 escapes one literal byte.
func (d *pageDecoder) fsstDecode(table []byte, in *block) (*block, error) {
	if !in.isVar {
		return nil, d.corrupt("Fsst over fixed-width values")
	}
	if len(table) < 8 {
		return nil, d.corrupt("Fsst symbol table of %d bytes", len(table))
	}
	info := binary.LittleEndian.Uint64(table)
	if info&(1<<24) == 0 {
		return in, nil // the encoder stored the strings uncompressed
	}
	nsym := int(info & 255)
	if len(table) < 8+nsym*9 {
		return nil, d.corrupt("Fsst symbol table too short for %d symbols", nsym)
	}
	syms := table[8 : 8+nsym*8]
	lens := table[8+nsym*8 : 8+nsym*9]
	outData := make([]byte, 0, 3*len(in.data))
	offs := make([]uint64, in.n+1)
	for i := 0; i < in.n; i++ {
		s := in.data[in.offs[i]:in.offs[i+1]]
		for j := 0; j < len(s); j++ {
			code := int(s[j])
			if code == 255 {
				j++
				if j >= len(s) {
					return nil, d.corrupt("Fsst escape at end of string")
				}
				outData = append(outData, s[j])
				continue
			}
			if code >= nsym || lens[code] > 8 {
				return nil, d.corrupt("Fsst code %d of %d symbols", code, nsym)
			}
			outData = append(outData, syms[code*8:code*8+int(lens[code])]...)
		}
		offs[i+1] = uint64(len(outData))
	}
	return &block{n: in.n, isVar: true, offs: offs, data: outData}, nil
}

// rleDecode expands run-length encoded values: a buffer of values and a
// buffer of u8 run lengths (runs over 255 are split).
func (d *pageDecoder) rleDecode(c *compEnc, vals, lens []byte, n int) (*block, error) {
	if c.inner == nil || c.inner.kind != ceFlat || c.lengths == nil || c.lengths.kind != ceFlat || c.lengths.bits != 8 {
		return nil, d.unsupported("2.1 " + c.String() + " with these value/length encodings")
	}
	bits := int(c.inner.bits)
	if bits != 8 && bits != 16 && bits != 32 && bits != 64 {
		return nil, d.unsupported("Rle of " + itoa64(c.inner.bits) + "-bit values")
	}
	w := bits / 8
	runs := min(len(vals)/w, len(lens))
	out := make([]byte, n*w)
	pos := 0
	for r := 0; r < runs && pos < n; r++ {
		v := vals[r*w : (r+1)*w]
		for k := min(int(lens[r]), n-pos); k > 0; k-- {
			copy(out[pos*w:], v)
			pos++
		}
	}
	if pos != n {
		return nil, d.corrupt("Rle runs cover %d of %d values", pos, n)
	}
	return &block{n: n, bits: bits, data: out}, nil
}

func readUint(b []byte, width int) uint64 {
	switch width {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

func putUint(b []byte, width int, v uint64) {
	switch width {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, v)
	}
}

var flOrder = [8]int{0, 4, 2, 6, 1, 5, 3, 7}

// unpackFastLanes unpacks 1024 values of t bits packed with width w. Lane
// l's bit stream is made of t-bit words stored at word index lanes*k+l;
// row r of the lane is output value flOrder[r/8]*16 + (r%8)*128 + l.
func unpackFastLanes(packed []byte, t, w int, out []byte) {
	tb := t / 8
	lanes := 1024 / t
	word := func(i int) uint64 { return readUint(packed[i*tb:], tb) }
	var mask uint64 = 1<<uint(w) - 1
	if w == 64 {
		mask = ^uint64(0)
	}
	for lane := 0; lane < lanes; lane++ {
		for row := 0; row < t; row++ {
			idx := flOrder[row/8]*16 + (row%8)*128 + lane
			var v uint64
			if w > 0 {
				bit := row * w
				k, shift := bit/t, bit%t
				v = word(lanes*k+lane) >> uint(shift)
				if shift+w > t {
					v |= word(lanes*(k+1)+lane) << uint(t-shift)
				}
				v &= mask
			}
			putUint(out[idx*tb:], tb, v)
		}
	}
}

// variableChunk decodes a Variable mini-block buffer: n+1 offsets (absolute
// within the buffer), then the bytes.
func (d *pageDecoder) variableChunk(c *compEnc, raw []byte, n int) (*block, error) {
	if c.inner == nil {
		return nil, d.corrupt("Variable without offsets encoding")
	}
	var offs []uint64
	switch c.inner.kind {
	case ceFlat:
		w := int(c.inner.bits) / 8
		if (w != 4 && w != 8) || len(raw) < (n+1)*w {
			return nil, d.corrupt("Variable offsets of %d bits in %d bytes", c.inner.bits, len(raw))
		}
		offs = make([]uint64, n+1)
		for i := range offs {
			offs[i] = readUint(raw[i*w:], w)
		}
	default:
		return nil, d.unsupported("Variable offsets as " + c.inner.String())
	}
	return d.varFromOffsets(offs, raw, n)
}

func (d *pageDecoder) varFromOffsets(offs []uint64, raw []byte, n int) (*block, error) {
	for i := 1; i <= n; i++ {
		if offs[i] < offs[i-1] {
			return nil, d.corrupt("variable offsets decrease")
		}
	}
	if offs[n] > uint64(len(raw)) {
		return nil, d.corrupt("variable offsets reach %d past %d bytes", offs[n], len(raw))
	}
	return &block{n: n, isVar: true, offs: offs, data: raw}, nil
}

// variableBlock decodes a whole-buffer Variable block: bits per offset and
// the start of the bytes (one offset wide each), then n+1 offsets relative
// to the bytes, then the bytes.
func (d *pageDecoder) variableBlock(c *compEnc, raw []byte, n int) (*block, error) {
	if len(raw) < 8 {
		return nil, d.corrupt("variable block of %d bytes", len(raw))
	}
	w := 4
	if binary.LittleEndian.Uint32(raw) == 64 {
		w = 8
	}
	if len(raw) < 2*w {
		return nil, d.corrupt("variable block of %d bytes", len(raw))
	}
	bytesStart := readUint(raw[w:], w)
	if bytesStart > uint64(len(raw)) || uint64(2*w+(n+1)*w) > bytesStart {
		return nil, d.corrupt("variable block offsets do not fit")
	}
	offs := make([]uint64, n+1)
	for i := range offs {
		offs[i] = readUint(raw[2*w+i*w:], w)
	}
	blk, err := d.varFromOffsets(offs, raw[bytesStart:], n)
	return blk, err
}

// emit writes values [from, to) of a decoded block into out at row dst,
// marking them valid (definition levels are applied by the caller).
func (d *pageDecoder) emit(v *block, dict *block, from, to int, out *outCol, dst int) error {
	n := to - from
	if dict != nil {
		if v.isVar || v.bits%8 != 0 || v.bits == 0 || v.bits > 64 {
			return d.corrupt("dictionary indices of %d bits", v.bits)
		}
		w := v.bits / 8
		idx := make([]int, n)
		for k := range idx {
			x := readUint(v.data[(from+k)*w:], w)
			if x >= uint64(dict.n) {
				return d.corrupt("dictionary index %d past %d items", x, dict.n)
			}
			idx[k] = int(x)
		}
		return d.emitIdx(dict, idx, out, dst)
	}
	return d.emitRange(v, from, to, out, dst)
}

// emitRange copies block values [from, to) into out rows starting at dst
// with bulk copies (the common, non-dictionary case).
func (d *pageDecoder) emitRange(v *block, from, to int, out *outCol, dst int) error {
	n := to - from
	switch out.shape {
	case shapeFixed:
		if v.isVar || v.bits != out.width*8 {
			return d.corrupt("values of %d bits for a %d-byte type", v.bits, out.width)
		}
		w := out.width
		copy(out.values.Bytes()[dst*w:(dst+n)*w], v.data[from*w:to*w])
	case shapeBool:
		if v.isVar || v.bits != 1 {
			return d.corrupt("values of %d bits for a bool column", v.bits)
		}
		bitutil.CopyBitmap(v.data, from, n, out.values.Bytes(), dst)
	case shapeVar:
		if !v.isVar {
			return d.corrupt("fixed-width values for a %s column", out.dt)
		}
		s, e := v.offs[from], v.offs[to]
		if err := out.checkDataSize(int64(out.dataLen) + int64(e-s)); err != nil {
			return err
		}
		base := int64(out.dataLen) - int64(s)
		out.growData(int(e - s))
		copy(out.data.Bytes()[out.dataLen:], v.data[s:e])
		out.dataLen += int(e - s)
		for k := 1; k <= n; k++ {
			out.setOffset(dst+k, base+int64(v.offs[from+k]))
		}
	case shapeFSL:
		if v.items == nil || v.fslDim != out.dim {
			return d.corrupt("values are not a FixedSizeList of %d", out.dim)
		}
		dim := out.dim
		if err := d.emitRange(v.items, from*dim, to*dim, out.child, dst*dim); err != nil {
			return err
		}
		if v.fslValid != nil {
			out.child.andValid(v.fslValid, from*dim, dst*dim, n*dim)
		}
	}
	out.setValid(dst, n, true)
	return nil
}

// emitIdx copies block values idx into out rows [dst, dst+len(idx)).
func (d *pageDecoder) emitIdx(v *block, idx []int, out *outCol, dst int) error {
	n := len(idx)
	out.setValid(dst, n, true)
	switch out.shape {
	case shapeFixed:
		if v.isVar || v.bits != out.width*8 {
			return d.corrupt("values of %d bits for a %d-byte type", v.bits, out.width)
		}
		w := out.width
		vals := out.values.Bytes()
		for k, i := range idx {
			copy(vals[(dst+k)*w:(dst+k+1)*w], v.data[i*w:(i+1)*w])
		}
	case shapeBool:
		if v.isVar || v.bits != 1 {
			return d.corrupt("values of %d bits for a bool column", v.bits)
		}
		vals := out.values.Bytes()
		for k, i := range idx {
			bitutil.SetBitTo(vals, dst+k, bitutil.BitIsSet(v.data, i))
		}
	case shapeVar:
		if !v.isVar {
			return d.corrupt("fixed-width values for a %s column", out.dt)
		}
		for k, i := range idx {
			s, e := v.offs[i], v.offs[i+1]
			if err := out.checkDataSize(int64(out.dataLen) + int64(e-s)); err != nil {
				return err
			}
			out.growData(int(e - s))
			copy(out.data.Bytes()[out.dataLen:], v.data[s:e])
			out.dataLen += int(e - s)
			out.setOffset(dst+k+1, int64(out.dataLen))
		}
	case shapeFSL:
		if v.items == nil || v.fslDim != out.dim {
			return d.corrupt("values are not a FixedSizeList of %d", out.dim)
		}
		dim := out.dim
		cidx := make([]int, 0, n*dim)
		for _, i := range idx {
			for j := 0; j < dim; j++ {
				cidx = append(cidx, i*dim+j)
			}
		}
		if err := d.emitIdx(v.items, cidx, out.child, dst*dim); err != nil {
			return err
		}
		if v.fslValid != nil {
			cv := out.child.valid.Bytes()
			for k, i := range cidx {
				if !bitutil.BitIsSet(v.fslValid, i) {
					bitutil.ClearBit(cv, dst*dim+k)
				}
			}
		}
	}
	return nil
}

// fullZip reads a FullZip page (values of 256 bytes or more: long vectors
// and strings). Each value is a control word (definition level) then, if
// not null, the value: fixed-width bytes, or a length and the bytes.
// Variable-width pages have a repetition index (buffer 1) of n+1 offsets.
func (d *pageDecoder) fullZip(l *layout21, a, b uint64, out *outCol, dst int) error {
	if l.bitsRep != 0 {
		return d.unsupported("2.1 FullZip with repetition")
	}
	if l.bitsDef > 16 {
		return d.unsupported("2.1 FullZip control words of " + itoa64(uint64(l.bitsDef)) + " bits")
	}
	cw := int(l.bitsRep+l.bitsDef+7) / 8
	n := int(b - a)
	def := make([]uint16, n)
	var blk *block
	if !l.isVar {
		if l.bitsPerValue%8 != 0 || l.bitsPerValue == 0 {
			return d.unsupported("2.1 FullZip of " + itoa64(uint64(l.bitsPerValue)) + " bits")
		}
		vw := int(l.bitsPerValue / 8)
		stride := uint64(cw + vw)
		from, err := d.mulRows(a, stride)
		if err != nil {
			return err
		}
		to, err := d.mulRows(b, stride)
		if err != nil {
			return err
		}
		raw, err := d.readNew(bufRef{index: 0}, from, to)
		if err != nil {
			return err
		}
		vals := make([]byte, n*vw)
		for k := 0; k < n; k++ {
			row := raw[k*int(stride):]
			if cw > 0 {
				def[k] = uint16(readUint(row, cw))
			}
			copy(vals[k*vw:], row[cw:cw+vw])
		}
		blk = &block{n: n, bits: vw * 8, data: vals}
		if c := l.value; c != nil && c.kind == ceFixedSizeList {
			// Per value: item validity bitmap (if any), then the items.
			if c.inner == nil || c.inner.kind != ceFlat || c.inner.bits%8 != 0 || c.itemsPerValue == 0 {
				return d.unsupported("2.1 FullZip value compression " + c.String())
			}
			dim := int(c.itemsPerValue)
			iw := int(c.inner.bits / 8)
			vb := 0
			if c.hasValidity {
				vb = (dim + 7) / 8
			}
			if vb+dim*iw != vw {
				return d.corrupt("FullZip FixedSizeList of %d bytes per value, expected %d", vw, vb+dim*iw)
			}
			items := make([]byte, n*dim*iw)
			var valid []byte
			if vb > 0 {
				valid = make([]byte, (n*dim+7)/8)
			}
			for k := 0; k < n; k++ {
				v := vals[k*vw : (k+1)*vw]
				copy(items[k*dim*iw:], v[vb:])
				if vb > 0 {
					bitutil.CopyBitmap(v[:vb], 0, dim, valid, k*dim)
				}
			}
			blk = &block{n: n, fslDim: dim, fslValid: valid, items: &block{n: n * dim, bits: iw * 8, data: items}}
		} else if c != nil && c.kind != ceFlat {
			return d.unsupported("2.1 FullZip value compression " + c.String())
		}
	} else {
		var err error
		blk, err = d.fullZipVar(l, cw, a, b, def)
		if err != nil {
			return err
		}
	}
	idx := make([]int, n)
	for k := range idx {
		idx[k] = k
	}
	if err := d.emitIdx(blk, idx, out, dst); err != nil {
		return err
	}
	valid := out.valid.Bytes()
	for k := 0; k < n; k++ {
		if def[k] != 0 {
			bitutil.ClearBit(valid, dst+k)
		}
	}
	return nil
}

func (d *pageDecoder) fullZipVar(l *layout21, cw int, a, b uint64, def []uint16) (*block, error) {
	n := int(b - a)
	lw := int(l.bitsPerOffset / 8)
	if lw != 4 && lw != 8 {
		return nil, d.unsupported("2.1 FullZip lengths of " + itoa64(uint64(l.bitsPerOffset)) + " bits")
	}
	_, idxSize, err := d.buffer(bufRef{index: 1})
	if err != nil {
		return nil, err
	}
	rows := d.p.length
	if rows+1 == 0 || idxSize%(rows+1) != 0 {
		return nil, d.corrupt("FullZip repetition index of %d bytes for %d rows", idxSize, rows)
	}
	iw := int(idxSize / (rows + 1))
	if iw != 1 && iw != 2 && iw != 4 && iw != 8 {
		return nil, d.corrupt("FullZip repetition index of %d-byte entries", iw)
	}
	ri, err := d.readNew(bufRef{index: 1}, a*uint64(iw), (b+1)*uint64(iw))
	if err != nil {
		return nil, err
	}
	start, end := readUint(ri, iw), readUint(ri[n*iw:], iw)
	if end < start {
		return nil, d.corrupt("FullZip repetition index decreases")
	}
	raw, err := d.readNew(bufRef{index: 0}, start, end)
	if err != nil {
		return nil, err
	}
	offs := make([]uint64, n+1)
	data := make([]byte, 0, len(raw))
	pos := 0
	for k := 0; k < n; k++ {
		if pos+cw > len(raw) {
			return nil, d.corrupt("FullZip row %d truncated", a+uint64(k))
		}
		if cw > 0 {
			def[k] = uint16(readUint(raw[pos:], cw))
		}
		pos += cw
		if def[k] == 0 {
			if pos+lw > len(raw) {
				return nil, d.corrupt("FullZip row %d truncated", a+uint64(k))
			}
			ln := readUint(raw[pos:], lw)
			pos += lw
			if ln > uint64(len(raw)-pos) {
				return nil, d.corrupt("FullZip value of %d bytes past page end", ln)
			}
			data = append(data, raw[pos:pos+int(ln)]...)
			pos += int(ln)
		}
		offs[k+1] = uint64(len(data))
	}
	return d.perValue(l.value, &block{n: n, isVar: true, offs: offs, data: data})
}

// perValue undoes per-value compressions of FullZip variable-width values.
func (d *pageDecoder) perValue(c *compEnc, blk *block) (*block, error) {
	switch {
	case c == nil || c.kind == ceVariable:
		return blk, nil
	case c.kind == ceFsst:
		inner, err := d.perValue(c.inner, blk)
		if err != nil {
			return nil, err
		}
		return d.fsstDecode(c.symbols, inner)
	case c.kind == ceGeneral:
		offs := make([]uint64, blk.n+1)
		var data []byte
		for i := 0; i < blk.n; i++ {
			v := blk.data[blk.offs[i]:blk.offs[i+1]]
			if len(v) > 0 {
				dec, err := d.general(c.bufScheme, v)
				if err != nil {
					return nil, err
				}
				data = append(data, dec...)
			}
			offs[i+1] = uint64(len(data))
		}
		return d.perValue(c.inner, &block{n: blk.n, isVar: true, offs: offs, data: data})
	}
	return nil, d.unsupported("2.1 FullZip value compression " + c.String())
}

// general decompresses one buffer with a 2.1 BufferCompression scheme.
func (d *pageDecoder) general(scheme int, raw []byte) ([]byte, error) {
	if scheme != 1 && scheme != 2 {
		return nil, d.unsupported("general compression scheme " + itoa64(uint64(scheme)))
	}
	out, err := decompressScheme(scheme, raw)
	if err != nil {
		return nil, d.corrupt("general compression: %v", err)
	}
	return out, nil
}
