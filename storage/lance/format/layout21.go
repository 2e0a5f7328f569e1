package format

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// CompressiveEncoding oneof numbers (encodings_v2_1.proto).
const (
	ceFlat                 = 1
	ceVariable             = 2
	ceConstant             = 3
	ceOutOfLineBitpacking  = 4
	ceInlineBitpacking     = 5
	ceFsst                 = 6
	ceDictionary           = 7
	ceRle                  = 8
	ceByteStreamSplit      = 9
	ceGeneral              = 10
	ceFixedSizeList        = 11
	cePackedStruct         = 12
	ceVariablePackedStruct = 13
)

var compNames = map[int]string{
	ceFlat: "Flat", ceVariable: "Variable", ceConstant: "Constant", ceOutOfLineBitpacking: "OutOfLineBitpacking",
	ceInlineBitpacking: "InlineBitpacking", ceFsst: "Fsst", ceDictionary: "Dictionary", ceRle: "Rle",
	ceByteStreamSplit: "ByteStreamSplit", ceGeneral: "General", ceFixedSizeList: "FixedSizeList",
	cePackedStruct: "PackedStruct", ceVariablePackedStruct: "VariablePackedStruct",
}

func compName(k int) string {
	if n, ok := compNames[k]; ok {
		return n
	}
	return fmt.Sprintf("CompressiveEncoding#%d", k)
}

// RepDefLayer values.
const (
	layerAllValidItem = 1
	layerAllValidList = 2
	layerNullableItem = 3
)

// compEnc is a decoded lance.encodings21.CompressiveEncoding.
type compEnc struct {
	kind int
	bits uint64 // Flat bits_per_value; bitpacking uncompressed bits
	// bufScheme is the BufferCompression scheme on a Flat or Variable
	// buffer (0 none, 1 lz4, 2 zstd).
	bufScheme     int
	inner         *compEnc // Variable offsets; FSL/General/Rle/... values
	lengths       *compEnc // Rle run lengths
	itemsPerValue uint64
	hasValidity   bool
	symbols       []byte // Fsst symbol table
}

func (c *compEnc) String() string {
	if c == nil {
		return "none"
	}
	s := compName(c.kind)
	if c.inner != nil {
		s += "(" + c.inner.String() + ")"
	}
	return s
}

func decodeCompEnc(b []byte, depth int) (*compEnc, error) {
	if depth > maxEncodingDepth {
		return nil, fmt.Errorf("encoding nested too deeply")
	}
	c := &compEnc{}
	var body []byte
	if err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			c.kind, body = int(num), buf
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if c.kind == 0 {
		return nil, fmt.Errorf("empty CompressiveEncoding")
	}
	bufComp := func(buf []byte) error {
		return walk(buf, func(n protowire.Number, t protowire.Type, v uint64, _ []byte, _ []byte) error {
			if n == 1 && t == protowire.VarintType {
				c.bufScheme = int(v)
			}
			return nil
		})
	}
	err := walk(body, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
		var err error
		switch c.kind {
		case ceFlat:
			switch {
			case num == 1 && typ == protowire.VarintType:
				c.bits = v
			case num == 2 && typ == protowire.BytesType:
				err = bufComp(buf)
			}
		case ceVariable:
			switch {
			case num == 1 && typ == protowire.BytesType:
				c.inner, err = decodeCompEnc(buf, depth+1)
			case num == 2 && typ == protowire.BytesType:
				err = bufComp(buf)
			}
		case ceInlineBitpacking, ceOutOfLineBitpacking:
			switch {
			case num == 1 && typ == protowire.VarintType:
				c.bits = v
			case num == 3 && typ == protowire.BytesType && c.kind == ceOutOfLineBitpacking:
				c.inner, err = decodeCompEnc(buf, depth+1)
			case num == 2 && typ == protowire.BytesType && c.kind == ceInlineBitpacking:
				err = bufComp(buf)
			}
		case ceByteStreamSplit:
			if num == 1 && typ == protowire.BytesType {
				c.inner, err = decodeCompEnc(buf, depth+1)
			}
		case ceGeneral:
			switch {
			case num == 1 && typ == protowire.BytesType:
				err = bufComp(buf)
			case num == 3 && typ == protowire.BytesType:
				c.inner, err = decodeCompEnc(buf, depth+1)
			}
		case ceRle:
			switch {
			case num == 1 && typ == protowire.BytesType:
				c.inner, err = decodeCompEnc(buf, depth+1)
			case num == 2 && typ == protowire.BytesType:
				c.lengths, err = decodeCompEnc(buf, depth+1)
			}
		case ceFsst:
			switch {
			case num == 1 && typ == protowire.BytesType:
				c.symbols = buf
			case num == 2 && typ == protowire.BytesType:
				c.inner, err = decodeCompEnc(buf, depth+1)
			}
		case ceFixedSizeList:
			switch {
			case num == 1 && typ == protowire.VarintType:
				c.itemsPerValue = v
			case num == 3 && typ == protowire.VarintType:
				c.hasValidity = v != 0
			case num == 2 && typ == protowire.BytesType:
				c.inner, err = decodeCompEnc(buf, depth+1)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", compName(c.kind), err)
	}
	return c, nil
}

// PageLayout variants.
const (
	plMiniBlock = 1
	plAllNull   = 2
	plFullZip   = 3
	plBlob      = 4
)

type layout21 struct {
	kind int
	// MiniBlock
	rep, def, value, dict *compEnc
	numDictItems          uint64
	layers                []int
	numBuffers            uint64
	repIndexDepth         uint32
	numItems              uint64
	// FullZip
	bitsRep, bitsDef uint32
	bitsPerValue     uint32
	bitsPerOffset    uint32
	isVar            bool
	numVisible       uint64
}

func decodeLayout21(b []byte) (*layout21, error) {
	l := &layout21{}
	var body []byte
	if err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			l.kind, body = int(num), buf
		}
		return nil
	}); err != nil {
		return nil, err
	}
	layers := func(typ protowire.Type, v uint64, buf []byte) error {
		vals, err := consumeUint64s(nil, typ, v, buf)
		for _, x := range vals {
			l.layers = append(l.layers, int(x))
		}
		return err
	}
	err := walk(body, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
		var err error
		switch l.kind {
		case plMiniBlock:
			switch num {
			case 1:
				l.rep, err = decodeCompEnc(buf, 0)
			case 2:
				l.def, err = decodeCompEnc(buf, 0)
			case 3:
				l.value, err = decodeCompEnc(buf, 0)
			case 4:
				l.dict, err = decodeCompEnc(buf, 0)
			case 5:
				l.numDictItems = v
			case 6:
				err = layers(typ, v, buf)
			case 7:
				l.numBuffers = v
			case 8:
				l.repIndexDepth = uint32(v)
			case 9:
				l.numItems = v
			}
		case plAllNull:
			if num == 5 {
				err = layers(typ, v, buf)
			}
		case plFullZip:
			switch num {
			case 1:
				l.bitsRep = uint32(v)
			case 2:
				l.bitsDef = uint32(v)
			case 3:
				l.bitsPerValue = uint32(v)
			case 4:
				l.bitsPerOffset, l.isVar = uint32(v), true
			case 5:
				l.numItems = v
			case 6:
				l.numVisible = v
			case 7:
				l.value, err = decodeCompEnc(buf, 0)
			case 8:
				err = layers(typ, v, buf)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}
