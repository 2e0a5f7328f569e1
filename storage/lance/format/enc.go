package format

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Type URLs of the protobuf Any that wraps page and column encodings.
const (
	urlArrayEncoding  = "/lance.encodings.ArrayEncoding"
	urlColumnEncoding = "/lance.encodings.ColumnEncoding"
	urlPageLayout21   = "/lance.encodings21.PageLayout"
)

// ArrayEncoding oneof field numbers (encodings_v2_0.proto).
const (
	aeFlat               = 1
	aeNullable           = 2
	aeFixedSizeList      = 3
	aeList               = 4
	aeStruct             = 5
	aeBinary             = 6
	aeDictionary         = 7
	aeFsst               = 8
	aePackedStruct       = 9
	aeBitpacked          = 10
	aeFixedSizeBinary    = 11
	aeBitpackedNonNeg    = 12
	aeConstant           = 13
	aeInlineBitpacking   = 14
	aeOutOfLineBitpacked = 15
	aeVariable           = 16
	aePackedStructMB     = 17
	aeBlock              = 18
	aeRle                = 19
	aeGeneralMiniBlock   = 20
	aeByteStreamSplit    = 21
)

var encodingNames = map[int]string{
	aeFlat: "Flat", aeNullable: "Nullable", aeFixedSizeList: "FixedSizeList", aeList: "List",
	aeStruct: "SimpleStruct", aeBinary: "Binary", aeDictionary: "Dictionary", aeFsst: "Fsst",
	aePackedStruct: "PackedStruct", aeBitpacked: "Bitpacked", aeFixedSizeBinary: "FixedSizeBinary",
	aeBitpackedNonNeg: "BitpackedForNonNeg", aeConstant: "Constant", aeInlineBitpacking: "InlineBitpacking",
	aeOutOfLineBitpacked: "OutOfLineBitpacking", aeVariable: "Variable",
	aePackedStructMB: "PackedStructFixedWidthMiniBlock", aeBlock: "Block", aeRle: "Rle",
	aeGeneralMiniBlock: "GeneralMiniBlock", aeByteStreamSplit: "ByteStreamSplit",
}

func encodingName(kind int) string {
	if n, ok := encodingNames[kind]; ok {
		return n
	}
	return fmt.Sprintf("ArrayEncoding#%d", kind)
}

// Nullability variants of Nullable.
const (
	nullNone = 1 // NoNull
	nullSome = 2 // SomeNull
	nullAll  = 3 // AllNull
)

// Buffer collections a Buffer message can point into.
const (
	bufPage   = 0
	bufColumn = 1
	bufFile   = 2
)

type bufRef struct {
	index uint32
	kind  int // bufPage, bufColumn or bufFile
}

// arrayEnc is a decoded lance.encodings.ArrayEncoding (2.0). Only the
// fields of the variant named by kind are meaningful.
type arrayEnc struct {
	kind int

	// Flat
	bits        uint64
	buf         bufRef
	compression string

	// Nullable
	nullability      int
	validity, values *arrayEnc

	// FixedSizeList
	dim         uint32
	hasValidity bool
	items       *arrayEnc

	// Binary: indices/bytes; Dictionary: indices/items
	indices, bytes *arrayEnc
	nullAdj        uint64
	numDictItems   uint32
}

// maxEncodingDepth bounds recursion on hostile input.
const maxEncodingDepth = 32

func decodeArrayEncoding(b []byte, depth int) (*arrayEnc, error) {
	if depth > maxEncodingDepth {
		return nil, fmt.Errorf("encoding nested too deeply")
	}
	e := &arrayEnc{}
	var body []byte
	err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			e.kind = int(num)
			body = buf
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if e.kind == 0 {
		return nil, fmt.Errorf("empty ArrayEncoding")
	}
	sub := func(buf []byte) (*arrayEnc, error) { return decodeArrayEncoding(buf, depth+1) }
	switch e.kind {
	case aeFlat:
		err = walk(body, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
			switch {
			case num == 1 && typ == protowire.VarintType:
				e.bits = v
			case num == 2 && typ == protowire.BytesType:
				r, err := decodeBufRef(buf)
				if err != nil {
					return err
				}
				e.buf = r
			case num == 3 && typ == protowire.BytesType:
				return walk(buf, func(n protowire.Number, t protowire.Type, _ uint64, s []byte, _ []byte) error {
					if n == 1 && t == protowire.BytesType {
						e.compression = string(s)
					}
					return nil
				})
			}
			return nil
		})
	case aeNullable:
		err = walk(body, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
			if typ != protowire.BytesType || num < 1 || num > 3 {
				return nil
			}
			e.nullability = int(num)
			return walk(buf, func(n protowire.Number, t protowire.Type, _ uint64, s []byte, _ []byte) error {
				if t != protowire.BytesType {
					return nil
				}
				var err error
				switch {
				case num == nullNone && n == 1, num == nullSome && n == 2:
					e.values, err = sub(s)
				case num == nullSome && n == 1:
					e.validity, err = sub(s)
				}
				return err
			})
		})
		if err == nil {
			switch {
			case e.nullability == 0:
				err = fmt.Errorf("Nullable without variant")
			case e.nullability != nullAll && e.values == nil:
				err = fmt.Errorf("Nullable without values")
			case e.nullability == nullSome && e.validity == nil:
				err = fmt.Errorf("Nullable.SomeNull without validity")
			}
		}
	case aeFixedSizeList:
		err = walk(body, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
			var err error
			switch {
			case num == 1 && typ == protowire.VarintType:
				e.dim = uint32(v)
			case num == 3 && typ == protowire.VarintType:
				e.hasValidity = v != 0
			case num == 2 && typ == protowire.BytesType:
				e.items, err = sub(buf)
			}
			return err
		})
		if err == nil && e.items == nil {
			err = fmt.Errorf("FixedSizeList without items")
		}
	case aeBinary, aeDictionary:
		err = walk(body, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, _ []byte) error {
			var err error
			switch {
			case num == 1 && typ == protowire.BytesType:
				e.indices, err = sub(buf)
			case num == 2 && typ == protowire.BytesType:
				e.bytes, err = sub(buf)
			case num == 3 && typ == protowire.VarintType:
				if e.kind == aeBinary {
					e.nullAdj = v
				} else {
					e.numDictItems = uint32(v)
				}
			}
			return err
		})
		if err == nil && (e.indices == nil || e.bytes == nil) {
			err = fmt.Errorf("%s without indices or values", encodingName(e.kind))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", encodingName(e.kind), err)
	}
	return e, nil
}

func decodeBufRef(b []byte) (bufRef, error) {
	var r bufRef
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, _ []byte, _ []byte) error {
		if typ == protowire.VarintType {
			switch num {
			case 1:
				r.index = uint32(v)
			case 2:
				r.kind = int(v)
			}
		}
		return nil
	})
	if err == nil && r.kind > bufFile {
		err = fmt.Errorf("unknown buffer type %d", r.kind)
	}
	return r, err
}

// Builders for the encodings the writer emits. Each returns an
// ArrayEncoding message.

func wrapOneof(num protowire.Number, body []byte) []byte {
	return appendBytes(nil, num, body)
}

func encFlat(bits uint64, bufIndex uint32) []byte {
	var ref []byte
	ref = appendVarintField(ref, 1, uint64(bufIndex))
	var b []byte
	b = appendVarintField(b, 1, bits)
	b = appendBytes(b, 2, ref)
	return wrapOneof(aeFlat, b)
}

func encNoNull(values []byte) []byte {
	return wrapOneof(aeNullable, appendBytes(nil, nullNone, appendBytes(nil, 1, values)))
}

func encSomeNull(validity, values []byte) []byte {
	var s []byte
	s = appendBytes(s, 1, validity)
	s = appendBytes(s, 2, values)
	return wrapOneof(aeNullable, appendBytes(nil, nullSome, s))
}

func encAllNull() []byte {
	return wrapOneof(aeNullable, appendBytes(nil, nullAll, nil))
}

func encFSL(dim uint32, items []byte) []byte {
	var b []byte
	b = appendVarintField(b, 1, uint64(dim))
	b = appendBytes(b, 2, items)
	return wrapOneof(aeFixedSizeList, b)
}

func encBinary(indices, bytes []byte, nullAdj uint64) []byte {
	var b []byte
	b = appendBytes(b, 1, indices)
	b = appendBytes(b, 2, bytes)
	b = appendVarintField(b, 3, nullAdj)
	return wrapOneof(aeBinary, b)
}

// encAny wraps a message in google.protobuf.Any and then in
// lance.file.v2.Encoding{direct: DirectEncoding{encoding}}.
func encDirectAny(url string, msg []byte) []byte {
	var anyMsg []byte
	anyMsg = appendString(anyMsg, 1, url)
	anyMsg = appendBytes(anyMsg, 2, msg)
	direct := appendBytes(nil, 1, anyMsg)
	return appendBytes(nil, 2, direct)
}

// decodeDirectAny unwraps lance.file.v2.Encoding into (type URL, value).
func decodeDirectAny(b []byte) (string, []byte, error) {
	var direct []byte
	var kind protowire.Number
	err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			kind = num
			direct = buf
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	switch kind {
	case 2:
	case 1:
		return "", nil, fmt.Errorf("deferred (indirect) encodings are not supported")
	case 0, 3:
		return "", nil, nil
	default:
		return "", nil, fmt.Errorf("unknown encoding location %d", kind)
	}
	var anyMsg []byte
	if err := walk(direct, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if num == 1 && typ == protowire.BytesType {
			anyMsg = buf
		}
		return nil
	}); err != nil {
		return "", nil, err
	}
	var url string
	var val []byte
	err = walk(anyMsg, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				url = string(buf)
			case 2:
				val = buf
			}
		}
		return nil
	})
	return url, val, err
}
