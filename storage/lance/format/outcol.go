package format

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Physical shapes of output columns.
const (
	shapeFixed = iota // fixed-width values, width bytes each
	shapeBool         // bit-packed values
	shapeVar          // offsets + data (utf8, binary, large variants)
	shapeFSL          // fixed-size list of a fixed or bool child
)

// maxFSLDim bounds fixed-size list dimensions read from files.
const maxFSLDim = 1 << 20

// outCol accumulates the decoded rows of one column into Arrow buffers
// allocated once for the whole requested range; pages decode into their
// slot (dst row) directly.
type outCol struct {
	mem   memory.Allocator
	dt    arrow.DataType
	shape int
	n     int
	width int // bytes per value (shapeFixed)
	dim   int // shapeFSL
	large bool

	valid   *memory.Buffer // n bits; 1 = valid
	values  *memory.Buffer // shapeFixed / shapeBool
	offsets *memory.Buffer // shapeVar: n+1 int32 or int64
	data    *memory.Buffer // shapeVar bytes
	dataLen int
	child   *outCol // shapeFSL
}

func newOutCol(mem memory.Allocator, dt arrow.DataType, n int) (*outCol, error) {
	o := &outCol{mem: mem, dt: dt, n: n}
	o.valid = allocBuf(mem, int(bitutil.BytesForBits(int64(n))))
	switch t := dt.(type) {
	case *arrow.BooleanType:
		o.shape = shapeBool
		o.values = allocBuf(mem, int(bitutil.BytesForBits(int64(n))))
	case *arrow.StringType, *arrow.BinaryType:
		o.shape = shapeVar
		o.offsets = allocBuf(mem, (n+1)*4)
		o.setOffset(0, 0)
		o.data = memory.NewResizableBuffer(mem)
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		o.shape, o.large = shapeVar, true
		o.offsets = allocBuf(mem, (n+1)*8)
		o.setOffset(0, 0)
		o.data = memory.NewResizableBuffer(mem)
	case *arrow.DictionaryType:
		o.release()
		return nil, fmt.Errorf("type %s is not supported", dt)
	case *arrow.FixedSizeListType:
		o.shape = shapeFSL
		o.dim = int(t.Len())
		if o.dim < 0 || o.dim > maxFSLDim {
			o.release()
			return nil, fmt.Errorf("fixed_size_list dimension %d out of range", o.dim)
		}
		c, err := newOutCol(mem, t.Elem(), n*o.dim)
		if err != nil {
			o.release()
			return nil, err
		}
		if c.shape != shapeFixed && c.shape != shapeBool {
			c.release()
			o.release()
			return nil, fmt.Errorf("fixed_size_list of %s is not supported", t.Elem())
		}
		o.child = c
	default:
		fw, ok := dt.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth()%8 != 0 || fw.BitWidth() == 0 {
			o.release()
			return nil, fmt.Errorf("type %s is not supported", dt)
		}
		o.shape = shapeFixed
		o.width = fw.BitWidth() / 8
		o.values = allocBuf(mem, n*o.width)
	}
	return o, nil
}

// allocBuf returns a buffer of n bytes. It is not cleared: decoders write
// every row (value, validity bit and offset) of the range they cover, and
// the Go allocator zeroes memory anyway.
func allocBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

func (o *outCol) release() {
	if o == nil {
		return
	}
	for _, b := range []*memory.Buffer{o.valid, o.values, o.offsets, o.data} {
		if b != nil {
			b.Release()
		}
	}
	o.valid, o.values, o.offsets, o.data = nil, nil, nil, nil
	o.child.release()
	o.child = nil
}

// setValid marks rows [dst, dst+n) valid or null.
func (o *outCol) setValid(dst, n int, v bool) {
	bitutil.SetBitsTo(o.valid.Bytes(), int64(dst), int64(n), v)
}

// andValid clears the validity of rows [dst, dst+n) whose bit in src
// (starting at srcOff) is 0.
func (o *outCol) andValid(src []byte, srcOff, dst, n int) {
	// Copy our bits out first: BitmapAnd must not read and write one buffer.
	tmp := make([]byte, bitutil.BytesForBits(int64(n)))
	bitutil.CopyBitmap(o.valid.Bytes(), dst, n, tmp, 0)
	bitutil.BitmapAnd(tmp, src, 0, int64(srcOff), o.valid.Bytes(), int64(dst), int64(n))
}

// appendVar appends one row's bytes at row index i (rows are appended in
// order). It keeps offsets consistent for null rows too.
func (o *outCol) growData(extra int) {
	need := o.dataLen + extra
	if need > o.data.Cap() {
		c := o.data.Cap() * 2
		if c < need {
			c = need
		}
		o.data.Reserve(c)
	}
	o.data.ResizeNoShrink(need)
}

func (o *outCol) setOffset(i int, v int64) {
	if o.large {
		binary.LittleEndian.PutUint64(o.offsets.Bytes()[i*8:], uint64(v))
	} else {
		binary.LittleEndian.PutUint32(o.offsets.Bytes()[i*4:], uint32(v))
	}
}

func (o *outCol) offsetAt(i int) int64 {
	if o.large {
		return int64(binary.LittleEndian.Uint64(o.offsets.Bytes()[i*8:]))
	}
	return int64(int32(binary.LittleEndian.Uint32(o.offsets.Bytes()[i*4:])))
}

// fillNull makes rows [dst, dst+n) null with empty/zero values.
func (o *outCol) fillNull(dst, n int) {
	o.setValid(dst, n, false)
	switch o.shape {
	case shapeFixed:
		clear(o.values.Bytes()[dst*o.width : (dst+n)*o.width])
	case shapeBool:
		bitutil.SetBitsTo(o.values.Bytes(), int64(dst), int64(n), false)
	case shapeVar:
		for i := dst; i < dst+n; i++ {
			o.setOffset(i+1, int64(o.dataLen))
		}
	case shapeFSL:
		o.child.fillNull(dst*o.dim, n*o.dim)
	}
}

// finish builds the Arrow array; o's buffers move into it.
func (o *outCol) finish() arrow.Array {
	data := o.finishData()
	defer data.Release()
	return array.MakeFromData(data)
}

func (o *outCol) finishData() arrow.ArrayData {
	nulls := o.n - bitutil.CountSetBits(o.valid.Bytes(), 0, o.n)
	valid := o.valid
	if nulls == 0 {
		valid.Release()
		valid = nil
	}
	o.valid = nil
	var d arrow.ArrayData
	switch o.shape {
	case shapeFixed, shapeBool:
		d = array.NewData(o.dt, o.n, []*memory.Buffer{valid, o.values}, nil, nulls, 0)
		o.values.Release()
		o.values = nil
	case shapeVar:
		o.data.Resize(o.dataLen)
		d = array.NewData(o.dt, o.n, []*memory.Buffer{valid, o.offsets, o.data}, nil, nulls, 0)
		o.offsets.Release()
		o.data.Release()
		o.offsets, o.data = nil, nil
	case shapeFSL:
		cd := o.child.finishData()
		o.child = nil
		d = array.NewData(o.dt, o.n, []*memory.Buffer{valid}, []arrow.ArrayData{cd}, nulls, 0)
		cd.Release()
	}
	if valid != nil {
		valid.Release()
	}
	return d
}

// gather copies rows idx of src (an array of o's type) into rows
// [dst, dst+len(idx)) of o.
func (o *outCol) gather(src arrow.Array, idx []int, dst int) error {
	if !arrow.TypeEqual(src.DataType(), o.dt) {
		return fmt.Errorf("lance: gather type mismatch %s vs %s", src.DataType(), o.dt)
	}
	sd := src.Data()
	return o.gatherData(sd, idx, dst)
}

func (o *outCol) gatherData(sd arrow.ArrayData, idx []int, dst int) error {
	off := sd.Offset()
	bufs := sd.Buffers()
	vb := o.valid.Bytes()
	if bufs[0] == nil || sd.NullN() == 0 {
		bitutil.SetBitsTo(vb, int64(dst), int64(len(idx)), true)
	} else {
		sv := bufs[0].Bytes()
		for k, i := range idx {
			bitutil.SetBitTo(vb, dst+k, bitutil.BitIsSet(sv, off+i))
		}
	}
	switch o.shape {
	case shapeFixed:
		w := o.width
		src := bufs[1].Bytes()[off*w:]
		out := o.values.Bytes()[dst*w:]
		for k, i := range idx {
			copy(out[k*w:(k+1)*w], src[i*w:(i+1)*w])
		}
	case shapeBool:
		src := bufs[1].Bytes()
		out := o.values.Bytes()
		for k, i := range idx {
			bitutil.SetBitTo(out, dst+k, bitutil.BitIsSet(src, off+i))
		}
	case shapeVar:
		sdata := []byte(nil)
		if bufs[2] != nil {
			sdata = bufs[2].Bytes()
		}
		so := bufs[1].Bytes()
		get := func(i int) int64 {
			if o.large {
				return int64(binary.LittleEndian.Uint64(so[i*8:]))
			}
			return int64(int32(binary.LittleEndian.Uint32(so[i*4:])))
		}
		for k, i := range idx {
			s, e := get(off+i), get(off+i+1)
			if err := o.checkDataSize(int64(o.dataLen) + (e - s)); err != nil {
				return err
			}
			o.growData(int(e - s))
			copy(o.data.Bytes()[o.dataLen:], sdata[s:e])
			o.dataLen += int(e - s)
			o.setOffset(dst+k+1, int64(o.dataLen))
		}
	case shapeFSL:
		cidx := make([]int, 0, len(idx)*o.dim)
		for _, i := range idx {
			for j := 0; j < o.dim; j++ {
				cidx = append(cidx, (off+i)*o.dim+j)
			}
		}
		return o.child.gatherData(sd.Children()[0], cidx, dst*o.dim)
	}
	return nil
}

// checkDataSize rejects string columns whose bytes would overflow int32
// offsets.
func (o *outCol) checkDataSize(n int64) error {
	if !o.large && n > 1<<31-1 {
		return fmt.Errorf("lance: %s column data exceeds 2 GiB; read fewer rows at once", o.dt)
	}
	return nil
}
