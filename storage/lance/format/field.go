// Package format reads and writes Lance v2 data files (file format 2.0 and
// 2.1) and converts between Arrow schemas and the Lance logical schema
// (the flat list of Field messages shared by manifests and data files).
//
// Types: int8..64, uint8..64, float16/32/64, decimal128/256, date32/64,
// time, timestamp, duration, bool, utf8, large_utf8, binary, large_binary
// and fixed_size_list of a fixed-width or bool item. Struct and list
// columns are not read or written (other columns of such files are).
//
// Writing: 2.0 pages use Nullable/Flat/Binary/FixedSizeList, as LanceDB's
// 2.0 writer does without compression. 2.1 pages use MiniBlock (plain
// values, Flat u16 definition levels), FullZip for values of 256 bytes or
// more, and AllNull.
//
// Reading: 2.0 Nullable, Flat (with zstd/lz4 buffers), Binary,
// FixedSizeList and Dictionary; 2.1 MiniBlock (Flat, Variable, inline and
// out-of-line bit-packing, FSST, RLE, ByteStreamSplit, General zstd/lz4,
// FixedSizeList, dictionaries), FullZip (fixed and variable width, per-value
// FSST or General) and AllNull. Anything else is a clear error naming the
// column and the encoding. Everything LanceDB 0.31 writes by default for
// the types above is covered by tests against real LanceDB files.
//
// Protobuf messages are encoded by hand with protowire so that fields this
// package does not interpret are carried forward byte for byte.
package format

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field types as stored in lance.file.Field.type. Lance itself writes 0 for
// every field; the value is informational.
const (
	FieldTypeParent   int32 = 0
	FieldTypeRepeated int32 = 1
	FieldTypeLeaf     int32 = 2
)

// Legacy per-field encodings (lance.file.Encoding). Lance still records them
// in schemas: Plain for fixed-width types, VarBinary for binary-like types.
const (
	EncodingNone       int32 = 0
	EncodingPlain      int32 = 1
	EncodingVarBinary  int32 = 2
	EncodingDictionary int32 = 3
	EncodingRLE        int32 = 4
)

// Dictionary is lance.file.Dictionary (legacy v1 dictionary location).
type Dictionary struct {
	Offset, Length int64
}

// Field is one entry of the Lance logical schema (lance.file.Field).
type Field struct {
	ID, ParentID int32 // ParentID is -1 at top level
	Name         string
	// LogicalType is the Lance type string, e.g. "int64", "double", "string",
	// "timestamp:us:UTC", "fixed_size_list:float:4", "decimal:128:10:2".
	LogicalType string
	Nullable    bool
	Metadata    map[string]string
	// Type is the proto's Field.Type (0 parent, 1 repeated, 2 leaf).
	Type int32
	// Encoding is the legacy lance.file.Encoding (Plain, VarBinary, ...).
	Encoding             int32
	Dictionary           *Dictionary
	ExtensionName        string
	UnenforcedPrimaryKey bool
	// Extra holds unknown protobuf fields (tag and value bytes), re-emitted
	// verbatim by EncodeField.
	Extra []byte
}

// Field numbers of lance.file.Field.
const (
	fType                 = 1
	fName                 = 2
	fID                   = 3
	fParentID             = 4
	fLogicalType          = 5
	fNullable             = 6
	fEncoding             = 7
	fDictionary           = 8
	fExtensionName        = 9
	fMetadata             = 10
	fUnenforcedPrimaryKey = 12
)

// EncodeField returns the protobuf encoding of one lance.file.Field message.
func EncodeField(f *Field) []byte {
	return appendField(nil, f)
}

func appendField(b []byte, f *Field) []byte {
	if f.Type != 0 {
		b = protowire.AppendTag(b, fType, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(f.Type)))
	}
	if f.Name != "" {
		b = appendString(b, fName, f.Name)
	}
	if f.ID != 0 {
		b = protowire.AppendTag(b, fID, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(f.ID)))
	}
	if f.ParentID != 0 {
		b = protowire.AppendTag(b, fParentID, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(f.ParentID)))
	}
	if f.LogicalType != "" {
		b = appendString(b, fLogicalType, f.LogicalType)
	}
	if f.Nullable {
		b = protowire.AppendTag(b, fNullable, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	if f.Encoding != 0 {
		b = protowire.AppendTag(b, fEncoding, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(f.Encoding)))
	}
	if f.Dictionary != nil {
		var d []byte
		if f.Dictionary.Offset != 0 {
			d = protowire.AppendTag(d, 1, protowire.VarintType)
			d = protowire.AppendVarint(d, uint64(f.Dictionary.Offset))
		}
		if f.Dictionary.Length != 0 {
			d = protowire.AppendTag(d, 2, protowire.VarintType)
			d = protowire.AppendVarint(d, uint64(f.Dictionary.Length))
		}
		b = appendBytes(b, fDictionary, d)
	}
	if f.ExtensionName != "" {
		b = appendString(b, fExtensionName, f.ExtensionName)
	}
	b = appendStringMap(b, fMetadata, f.Metadata)
	if f.UnenforcedPrimaryKey {
		b = protowire.AppendTag(b, fUnenforcedPrimaryKey, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	return append(b, f.Extra...)
}

// DecodeField parses one lance.file.Field message.
func DecodeField(b []byte) (*Field, error) {
	f := &Field{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, raw []byte) error {
		switch {
		case num == fType && typ == protowire.VarintType:
			f.Type = int32(v)
		case num == fName && typ == protowire.BytesType:
			f.Name = string(buf)
		case num == fID && typ == protowire.VarintType:
			f.ID = int32(v)
		case num == fParentID && typ == protowire.VarintType:
			f.ParentID = int32(v)
		case num == fLogicalType && typ == protowire.BytesType:
			f.LogicalType = string(buf)
		case num == fNullable && typ == protowire.VarintType:
			f.Nullable = v != 0
		case num == fEncoding && typ == protowire.VarintType:
			f.Encoding = int32(v)
		case num == fDictionary && typ == protowire.BytesType:
			d := &Dictionary{}
			if err := walk(buf, func(n protowire.Number, t protowire.Type, v uint64, _ []byte, _ []byte) error {
				if t == protowire.VarintType {
					switch n {
					case 1:
						d.Offset = int64(v)
					case 2:
						d.Length = int64(v)
					}
				}
				return nil
			}); err != nil {
				return fmt.Errorf("field dictionary: %w", err)
			}
			f.Dictionary = d
		case num == fExtensionName && typ == protowire.BytesType:
			f.ExtensionName = string(buf)
		case num == fMetadata && typ == protowire.BytesType:
			k, val, err := decodeMapEntry(buf)
			if err != nil {
				return fmt.Errorf("field metadata: %w", err)
			}
			if f.Metadata == nil {
				f.Metadata = map[string]string{}
			}
			f.Metadata[k] = string(val)
		case num == fUnenforcedPrimaryKey && typ == protowire.VarintType:
			f.UnenforcedPrimaryKey = v != 0
		default:
			f.Extra = append(f.Extra, raw...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lance: bad Field message: %w", err)
	}
	return f, nil
}

// walk iterates over the fields of a protobuf message. For varint and fixed
// fields v holds the value; for length-delimited fields buf holds the bytes.
// raw is the complete encoding of the field (tag included), for carrying
// unknown fields forward.
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, buf []byte, raw []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		if num <= 0 {
			return fmt.Errorf("invalid field number %d", num)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		raw := b[:n+m]
		val := b[n : n+m]
		var v uint64
		var buf []byte
		switch typ {
		case protowire.VarintType:
			v, _ = protowire.ConsumeVarint(val)
		case protowire.Fixed32Type:
			x, _ := protowire.ConsumeFixed32(val)
			v = uint64(x)
		case protowire.Fixed64Type:
			v, _ = protowire.ConsumeFixed64(val)
		case protowire.BytesType:
			buf, _ = protowire.ConsumeBytes(val)
		}
		if err := fn(num, typ, v, buf, raw); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// appendStringMap writes a map<string, bytes|string> with sorted keys so the
// output is deterministic.
func appendStringMap(b []byte, num protowire.Number, m map[string]string) []byte {
	if len(m) == 0 {
		return b
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var e []byte
		e = appendString(e, 1, k)
		e = appendString(e, 2, m[k])
		b = appendBytes(b, num, e)
	}
	return b
}

func decodeMapEntry(b []byte) (string, []byte, error) {
	var k string
	var v []byte
	err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, _ []byte) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				k = string(buf)
			case 2:
				v = buf
			}
		}
		return nil
	})
	return k, v, err
}

// Schema is lance.file.Schema: the flat field list plus schema metadata.
type Schema struct {
	Fields   []Field
	Metadata map[string]string
	Extra    []byte
}

// EncodeSchema returns the protobuf encoding of a lance.file.Schema message.
func EncodeSchema(s *Schema) []byte {
	var b []byte
	for i := range s.Fields {
		b = appendBytes(b, 1, EncodeField(&s.Fields[i]))
	}
	b = appendStringMap(b, 5, s.Metadata)
	return append(b, s.Extra...)
}

// DecodeSchema parses a lance.file.Schema message.
func DecodeSchema(b []byte) (*Schema, error) {
	s := &Schema{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, buf []byte, raw []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			f, err := DecodeField(buf)
			if err != nil {
				return err
			}
			s.Fields = append(s.Fields, *f)
		case num == 5 && typ == protowire.BytesType:
			k, v, err := decodeMapEntry(buf)
			if err != nil {
				return fmt.Errorf("schema metadata: %w", err)
			}
			if s.Metadata == nil {
				s.Metadata = map[string]string{}
			}
			s.Metadata[k] = string(v)
		default:
			s.Extra = append(s.Extra, raw...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lance: bad Schema message: %w", err)
	}
	return s, nil
}
