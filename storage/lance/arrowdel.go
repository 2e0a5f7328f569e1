package lance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/klauspost/compress/zstd"
)

// Deletion files of type ARROW_ARRAY are Arrow IPC files with one (U)Int32
// column. They are decoded here by hand, with every offset and count checked
// against the file, instead of with arrow-go's IPC reader, whose flatbuffer
// decoding sizes allocations from unchecked counts: a corrupt file could
// exhaust memory (found by FuzzDeletionFile).

// fb is a minimal, bounds-checked flatbuffer reader.
type fb struct{ b []byte }

var errFB = errors.New("corrupt flatbuffer")

func (f fb) u32(p int) (uint32, error) {
	if p < 0 || p+4 > len(f.b) {
		return 0, errFB
	}
	return binary.LittleEndian.Uint32(f.b[p:]), nil
}

func (f fb) i64(p int) (int64, error) {
	if p < 0 || p+8 > len(f.b) {
		return 0, errFB
	}
	return int64(binary.LittleEndian.Uint64(f.b[p:])), nil
}

// table returns the position of the table an offset at p points to.
func (f fb) deref(p int) (int, error) {
	o, err := f.u32(p)
	if err != nil {
		return 0, err
	}
	t := p + int(o)
	if o > uint32(len(f.b)) || t > len(f.b) {
		return 0, errFB
	}
	return t, nil
}

// field returns the absolute position of field i of the table at t, or -1.
func (f fb) field(t, i int) (int, error) {
	so, err := f.u32(t)
	if err != nil {
		return 0, err
	}
	vt := t - int(int32(so))
	if vt < 0 || vt+4 > len(f.b) {
		return 0, errFB
	}
	vsize := int(binary.LittleEndian.Uint16(f.b[vt:]))
	if 4+2*i+2 > vsize || vt+4+2*i+2 > len(f.b) {
		return -1, nil
	}
	off := int(binary.LittleEndian.Uint16(f.b[vt+4+2*i:]))
	if off == 0 {
		return -1, nil
	}
	return t + off, nil
}

// vector returns the start and length of the vector field i of table t
// (length 0 if absent), checking that elemSize*length fits the buffer.
func (f fb) vector(t, i, elemSize int) (start, n int, err error) {
	p, err := f.field(t, i)
	if err != nil || p < 0 {
		return 0, 0, err
	}
	v, err := f.deref(p)
	if err != nil {
		return 0, 0, err
	}
	l, err := f.u32(v)
	if err != nil {
		return 0, 0, err
	}
	if int64(l)*int64(elemSize) > int64(len(f.b)-v-4) {
		return 0, 0, errFB
	}
	return v + 4, int(l), nil
}

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

func decodeZstd(src []byte, size int) ([]byte, error) {
	zstdOnce.Do(func() {
		zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	})
	if zstdErr != nil {
		return nil, zstdErr
	}
	out, err := zstdDec.DecodeAll(src, make([]byte, 0, size))
	if err != nil {
		return nil, err
	}
	if len(out) != size {
		return nil, fmt.Errorf("zstd buffer decodes to %d bytes, header says %d", len(out), size)
	}
	return out, nil
}

// readArrowDeletions returns the offsets stored in an Arrow IPC deletion
// file. maxRows bounds the number of values (the fragment's physical rows).
func readArrowDeletions(b []byte, maxRows int) (*roaring.Bitmap, error) {
	const magic = "ARROW1"
	if len(b) < 8+10 || string(b[:6]) != magic || string(b[len(b)-6:]) != magic {
		return nil, errors.New("not an Arrow IPC file")
	}
	flen := int(int32(binary.LittleEndian.Uint32(b[len(b)-10:])))
	fstart := len(b) - 10 - flen
	if flen <= 0 || fstart < 8 {
		return nil, errors.New("bad Arrow footer length")
	}
	foot := fb{b[fstart : len(b)-10]}
	root, err := foot.deref(0)
	if err != nil {
		return nil, err
	}
	if err := checkDeletionSchema(foot, root); err != nil {
		return nil, err
	}
	bstart, nb, err := foot.vector(root, 3, 24) // recordBatches: [Block]
	if err != nil {
		return nil, err
	}
	bm := roaring.New()
	total := 0
	for i := 0; i < nb; i++ {
		p := bstart + 24*i
		off, _ := foot.i64(p)
		metaLen := int64(int32(binary.LittleEndian.Uint32(foot.b[p+8:])))
		bodyLen, _ := foot.i64(p + 16)
		if off < 8 || metaLen <= 0 || bodyLen < 0 || off+metaLen+bodyLen > int64(fstart) {
			return nil, errors.New("record batch block outside the file")
		}
		vals, err := readDeletionBatch(b[off:off+metaLen], b[off+metaLen:off+metaLen+bodyLen], maxRows-total)
		if err != nil {
			return nil, err
		}
		total += len(vals)
		bm.AddMany(vals)
	}
	return bm, nil
}

// checkDeletionSchema requires exactly one column of type Int(32).
func checkDeletionSchema(f fb, root int) error {
	sp, err := f.field(root, 1)
	if err != nil || sp < 0 {
		return errors.New("Arrow footer has no schema")
	}
	schema, err := f.deref(sp)
	if err != nil {
		return err
	}
	fstart, nf, err := f.vector(schema, 1, 4)
	if err != nil {
		return err
	}
	if nf != 1 {
		return fmt.Errorf("deletion file has %d columns, want 1", nf)
	}
	field, err := f.deref(fstart)
	if err != nil {
		return err
	}
	tt, err := f.field(field, 2)                                // type_type
	if err != nil || tt < 0 || tt >= len(f.b) || f.b[tt] != 2 { // 2 = Int
		return errors.New("deletion column is not an integer column")
	}
	tp, err := f.field(field, 3)
	if err != nil || tp < 0 {
		return errors.New("deletion column has no type")
	}
	it, err := f.deref(tp)
	if err != nil {
		return err
	}
	bw, err := f.field(it, 0)
	if err != nil || bw < 0 {
		return errors.New("deletion column has no bit width")
	}
	if w, err := f.u32(bw); err != nil || w != 32 {
		return fmt.Errorf("deletion column is %d bits wide, want 32", w)
	}
	return nil
}

// readDeletionBatch decodes one encapsulated RecordBatch message.
func readDeletionBatch(meta, body []byte, maxRows int) ([]uint32, error) {
	// Encapsulated message: optional 0xFFFFFFFF continuation, i32 length,
	// flatbuffer Message.
	if len(meta) >= 4 && binary.LittleEndian.Uint32(meta) == 0xFFFFFFFF {
		meta = meta[4:]
	}
	if len(meta) < 4 {
		return nil, errors.New("short message")
	}
	ml := int(int32(binary.LittleEndian.Uint32(meta)))
	if ml <= 0 || ml > len(meta)-4 {
		return nil, errors.New("bad message length")
	}
	f := fb{meta[4 : 4+ml]}
	msg, err := f.deref(0)
	if err != nil {
		return nil, err
	}
	ht, err := f.field(msg, 1)
	if err != nil || ht < 0 || ht >= len(f.b) || f.b[ht] != 3 { // 3 = RecordBatch
		return nil, errors.New("message is not a record batch")
	}
	hp, err := f.field(msg, 2)
	if err != nil || hp < 0 {
		return nil, errors.New("record batch message has no header")
	}
	rb, err := f.deref(hp)
	if err != nil {
		return nil, err
	}
	nstart, nn, err := f.vector(rb, 1, 16) // nodes: [FieldNode{length, null_count}]
	if err != nil || nn != 1 {
		return nil, errors.New("record batch must have one field node")
	}
	n64, _ := f.i64(nstart)
	nulls, _ := f.i64(nstart + 8)
	if n64 < 0 || n64 > int64(maxRows) {
		return nil, fmt.Errorf("deletion file lists %d rows, more than the fragment holds", n64)
	}
	n := int(n64)
	bstart, nbuf, err := f.vector(rb, 2, 16) // buffers: [Buffer{offset, length}]
	if err != nil || nbuf != 2 {
		return nil, errors.New("record batch must have two buffers")
	}
	compressed := false
	if cp, err := f.field(rb, 3); err == nil && cp >= 0 {
		ct, err := f.deref(cp)
		if err != nil {
			return nil, err
		}
		codec, err := f.field(ct, 0)
		if err != nil {
			return nil, err
		}
		if codec >= 0 && codec < len(f.b) && f.b[codec] != 1 { // 1 = ZSTD (absent = 0 = LZ4)
			return nil, errors.New("only ZSTD-compressed deletion files are supported")
		}
		if codec < 0 {
			return nil, errors.New("only ZSTD-compressed deletion files are supported")
		}
		compressed = true
	}
	buf := func(i int, size int) ([]byte, error) {
		off, _ := f.i64(bstart + 16*i)
		l, _ := f.i64(bstart + 16*i + 8)
		if off < 0 || l < 0 || off+l > int64(len(body)) {
			return nil, errors.New("buffer outside the message body")
		}
		raw := body[off : off+l]
		if !compressed || l == 0 {
			return raw, nil
		}
		if len(raw) < 8 {
			return nil, errors.New("short compressed buffer")
		}
		ul := int64(binary.LittleEndian.Uint64(raw))
		if ul == -1 {
			return raw[8:], nil
		}
		if ul < 0 || ul > int64(size) {
			return nil, fmt.Errorf("compressed buffer claims %d bytes, at most %d expected", ul, size)
		}
		return decodeZstd(raw[8:], int(ul))
	}
	var validity []byte
	if nulls > 0 {
		if validity, err = buf(0, (n+7)/8); err != nil {
			return nil, err
		}
		if len(validity) < (n+7)/8 {
			return nil, errors.New("short validity buffer")
		}
	}
	data, err := buf(1, 4*n)
	if err != nil {
		return nil, err
	}
	if len(data) < 4*n {
		return nil, errors.New("short values buffer")
	}
	out := make([]uint32, 0, n)
	for i := 0; i < n; i++ {
		if validity != nil && validity[i/8]&(1<<(i%8)) == 0 {
			continue // a null is not a deleted row
		}
		out = append(out, binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out, nil
}
