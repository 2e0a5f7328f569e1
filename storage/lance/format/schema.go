package format

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// FieldIDKey is the Arrow field metadata key ToArrow sets on each top-level
// field: the Lance field id as a decimal string.
const FieldIDKey = "lance:field_id"

// FromArrow converts an Arrow schema into Lance fields, assigning ids
// depth-first (pre-order, as Lance does) starting at nextID. It returns the
// fields in that order and the next free id. Arrow field metadata becomes
// Lance field metadata (FieldIDKey is dropped).
func FromArrow(s *arrow.Schema, nextID int32) ([]Field, int32, error) {
	var out []Field
	for _, af := range s.Fields() {
		var err error
		out, nextID, err = appendArrowField(out, af, -1, nextID)
		if err != nil {
			return nil, nextID, err
		}
	}
	return out, nextID, nil
}

func appendArrowField(out []Field, af arrow.Field, parent, nextID int32) ([]Field, int32, error) {
	lt, err := LogicalTypeOf(af.Type)
	if err != nil {
		return nil, nextID, sqlerr.New(sqlerr.ErrUnsupportedType, "column %q: %v", af.Name, err)
	}
	f := Field{
		ID:          nextID,
		ParentID:    parent,
		Name:        af.Name,
		LogicalType: lt,
		Nullable:    af.Nullable,
		Encoding:    legacyEncoding(af.Type),
	}
	if af.HasMetadata() {
		f.Metadata = map[string]string{}
		for i, k := range af.Metadata.Keys() {
			if k == FieldIDKey {
				continue
			}
			f.Metadata[k] = af.Metadata.Values()[i]
		}
		if len(f.Metadata) == 0 {
			f.Metadata = nil
		}
	}
	nextID++
	out = append(out, f)
	id := f.ID
	switch t := af.Type.(type) {
	case *arrow.StructType:
		for _, c := range t.Fields() {
			out, nextID, err = appendArrowField(out, c, id, nextID)
			if err != nil {
				return nil, nextID, err
			}
		}
	case *arrow.ListType:
		out, nextID, err = appendArrowField(out, t.ElemField(), id, nextID)
	case *arrow.LargeListType:
		out, nextID, err = appendArrowField(out, t.ElemField(), id, nextID)
	}
	return out, nextID, err
}

// legacyEncoding mirrors what Lance records in Field.encoding.
func legacyEncoding(t arrow.DataType) int32 {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return EncodingVarBinary
	case arrow.DICTIONARY:
		return EncodingDictionary
	case arrow.STRUCT:
		return EncodingNone
	case arrow.LIST, arrow.LARGE_LIST:
		return EncodingPlain
	}
	if _, ok := t.(arrow.FixedWidthDataType); ok {
		return EncodingPlain
	}
	if t.ID() == arrow.FIXED_SIZE_LIST {
		return EncodingPlain
	}
	return EncodingNone
}

func timeUnitString(u arrow.TimeUnit) string {
	switch u {
	case arrow.Second:
		return "s"
	case arrow.Millisecond:
		return "ms"
	case arrow.Microsecond:
		return "us"
	}
	return "ns"
}

func parseTimeUnit(s string) (arrow.TimeUnit, bool) {
	switch s {
	case "s":
		return arrow.Second, true
	case "ms":
		return arrow.Millisecond, true
	case "us":
		return arrow.Microsecond, true
	case "ns":
		return arrow.Nanosecond, true
	}
	return 0, false
}

// LogicalTypeOf returns the Lance logical type string of an Arrow type.
func LogicalTypeOf(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.NullType:
		return "null", nil
	case *arrow.BooleanType:
		return "bool", nil
	case *arrow.Int8Type:
		return "int8", nil
	case *arrow.Uint8Type:
		return "uint8", nil
	case *arrow.Int16Type:
		return "int16", nil
	case *arrow.Uint16Type:
		return "uint16", nil
	case *arrow.Int32Type:
		return "int32", nil
	case *arrow.Uint32Type:
		return "uint32", nil
	case *arrow.Int64Type:
		return "int64", nil
	case *arrow.Uint64Type:
		return "uint64", nil
	case *arrow.Float16Type:
		return "halffloat", nil
	case *arrow.Float32Type:
		return "float", nil
	case *arrow.Float64Type:
		return "double", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal:128:%d:%d", t.Precision, t.Scale), nil
	case *arrow.Decimal256Type:
		return fmt.Sprintf("decimal:256:%d:%d", t.Precision, t.Scale), nil
	case *arrow.StringType:
		return "string", nil
	case *arrow.BinaryType:
		return "binary", nil
	case *arrow.LargeStringType:
		return "large_string", nil
	case *arrow.LargeBinaryType:
		return "large_binary", nil
	case *arrow.Date32Type:
		return "date32:day", nil
	case *arrow.Date64Type:
		return "date64:ms", nil
	case *arrow.Time32Type:
		return "time32:" + timeUnitString(t.Unit), nil
	case *arrow.Time64Type:
		return "time64:" + timeUnitString(t.Unit), nil
	case *arrow.TimestampType:
		tz := t.TimeZone
		if tz == "" {
			tz = "-"
		}
		return "timestamp:" + timeUnitString(t.Unit) + ":" + tz, nil
	case *arrow.DurationType:
		return "duration:" + timeUnitString(t.Unit), nil
	case *arrow.StructType:
		return "struct", nil
	case *arrow.ListType:
		if t.Elem().ID() == arrow.STRUCT {
			return "list.struct", nil
		}
		return "list", nil
	case *arrow.LargeListType:
		if t.Elem().ID() == arrow.STRUCT {
			return "large_list.struct", nil
		}
		return "large_list", nil
	case *arrow.FixedSizeListType:
		inner, err := LogicalTypeOf(t.Elem())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("fixed_size_list:%s:%d", inner, t.Len()), nil
	case *arrow.FixedSizeBinaryType:
		return fmt.Sprintf("fixed_size_binary:%d", t.ByteWidth), nil
	case *arrow.DictionaryType:
		v, err := LogicalTypeOf(t.ValueType)
		if err != nil {
			return "", err
		}
		k, err := LogicalTypeOf(t.IndexType)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("dict:%s:%s:false", v, k), nil
	}
	return "", fmt.Errorf("unsupported Arrow type %s", t)
}

var simpleTypes = map[string]arrow.DataType{
	"null":         arrow.Null,
	"bool":         arrow.FixedWidthTypes.Boolean,
	"int8":         arrow.PrimitiveTypes.Int8,
	"uint8":        arrow.PrimitiveTypes.Uint8,
	"int16":        arrow.PrimitiveTypes.Int16,
	"uint16":       arrow.PrimitiveTypes.Uint16,
	"int32":        arrow.PrimitiveTypes.Int32,
	"uint32":       arrow.PrimitiveTypes.Uint32,
	"int64":        arrow.PrimitiveTypes.Int64,
	"uint64":       arrow.PrimitiveTypes.Uint64,
	"halffloat":    arrow.FixedWidthTypes.Float16,
	"float":        arrow.PrimitiveTypes.Float32,
	"double":       arrow.PrimitiveTypes.Float64,
	"string":       arrow.BinaryTypes.String,
	"binary":       arrow.BinaryTypes.Binary,
	"large_string": arrow.BinaryTypes.LargeString,
	"large_binary": arrow.BinaryTypes.LargeBinary,
	"json":         arrow.BinaryTypes.LargeBinary,
	"date32:day":   arrow.FixedWidthTypes.Date32,
	"date64:ms":    arrow.FixedWidthTypes.Date64,
	"time32:s":     arrow.FixedWidthTypes.Time32s,
	"time32:ms":    arrow.FixedWidthTypes.Time32ms,
	"time64:us":    arrow.FixedWidthTypes.Time64us,
	"time64:ns":    arrow.FixedWidthTypes.Time64ns,
	"duration:s":   arrow.FixedWidthTypes.Duration_s,
	"duration:ms":  arrow.FixedWidthTypes.Duration_ms,
	"duration:us":  arrow.FixedWidthTypes.Duration_us,
	"duration:ns":  arrow.FixedWidthTypes.Duration_ns,
}

// ArrowTypeOf parses a Lance logical type string. Nested types (struct,
// list) need their children and are built by ToArrow.
func ArrowTypeOf(lt string) (arrow.DataType, error) {
	if t, ok := simpleTypes[lt]; ok {
		return t, nil
	}
	parts := strings.Split(lt, ":")
	bad := fmt.Errorf("unsupported Lance logical type %q", lt)
	switch parts[0] {
	case "timestamp":
		if len(parts) < 3 {
			return nil, bad
		}
		u, ok := parseTimeUnit(parts[1])
		if !ok {
			return nil, bad
		}
		tz := strings.Join(parts[2:], ":") // time zones like "+05:30" contain ':'
		if tz == "-" {
			tz = ""
		}
		return &arrow.TimestampType{Unit: u, TimeZone: tz}, nil
	case "fixed_size_list":
		if len(parts) < 3 {
			return nil, bad
		}
		n, err := strconv.ParseInt(parts[len(parts)-1], 10, 32)
		if err != nil || n < 0 {
			return nil, bad
		}
		inner := strings.Join(parts[1:len(parts)-1], ":")
		if inner == "lance.bfloat16" {
			return nil, fmt.Errorf("unsupported Lance logical type %q (bfloat16)", lt)
		}
		et, err := ArrowTypeOf(inner)
		if err != nil {
			return nil, err
		}
		return arrow.FixedSizeListOf(int32(n), et), nil
	case "fixed_size_binary":
		if len(parts) != 2 {
			return nil, bad
		}
		n, err := strconv.ParseInt(parts[1], 10, 32)
		if err != nil || n < 0 {
			return nil, bad
		}
		return &arrow.FixedSizeBinaryType{ByteWidth: int(n)}, nil
	case "decimal":
		if len(parts) != 4 {
			return nil, bad
		}
		p, err1 := strconv.ParseInt(parts[2], 10, 32)
		s, err2 := strconv.ParseInt(parts[3], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, bad
		}
		switch parts[1] {
		case "128":
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
		case "256":
			return &arrow.Decimal256Type{Precision: int32(p), Scale: int32(s)}, nil
		}
		return nil, bad
	case "dict":
		if len(parts) != 4 {
			return nil, bad
		}
		v, err := ArrowTypeOf(parts[1])
		if err != nil {
			return nil, err
		}
		k, err := ArrowTypeOf(parts[2])
		if err != nil {
			return nil, err
		}
		return &arrow.DictionaryType{IndexType: k, ValueType: v}, nil
	}
	return nil, bad
}

// ToArrow converts a flat Lance field list into an Arrow schema. Each
// top-level Arrow field carries FieldIDKey in its metadata.
func ToArrow(fields []Field, schemaMeta map[string]string) (*arrow.Schema, error) {
	children := map[int32][]int{}
	var top []int
	for i := range fields {
		if fields[i].ParentID < 0 {
			top = append(top, i)
		} else {
			children[fields[i].ParentID] = append(children[fields[i].ParentID], i)
		}
	}
	out := make([]arrow.Field, 0, len(top))
	for _, i := range top {
		af, err := toArrowField(fields, children, i, 0)
		if err != nil {
			return nil, err
		}
		keys := []string{FieldIDKey}
		vals := []string{strconv.Itoa(int(fields[i].ID))}
		if af.HasMetadata() {
			keys = append(keys, af.Metadata.Keys()...)
			vals = append(vals, af.Metadata.Values()...)
		}
		af.Metadata = arrow.NewMetadata(keys, vals)
		out = append(out, af)
	}
	var md *arrow.Metadata
	if len(schemaMeta) > 0 {
		m := arrow.MetadataFrom(schemaMeta)
		md = &m
	}
	return arrow.NewSchema(out, md), nil
}

func toArrowField(fields []Field, children map[int32][]int, i int, depth int) (arrow.Field, error) {
	f := &fields[i]
	if depth > 64 {
		return arrow.Field{}, fmt.Errorf("lance schema: field %q nested too deeply", f.Name)
	}
	af := arrow.Field{Name: f.Name, Nullable: f.Nullable}
	if len(f.Metadata) > 0 {
		af.Metadata = arrow.MetadataFrom(f.Metadata)
	}
	kids := children[f.ID]
	switch f.LogicalType {
	case "struct":
		sub := make([]arrow.Field, 0, len(kids))
		for _, k := range kids {
			c, err := toArrowField(fields, children, k, depth+1)
			if err != nil {
				return af, err
			}
			sub = append(sub, c)
		}
		af.Type = arrow.StructOf(sub...)
	case "list", "list.struct", "large_list", "large_list.struct":
		if len(kids) != 1 {
			return af, fmt.Errorf("lance schema: list field %q has %d children, want 1", f.Name, len(kids))
		}
		c, err := toArrowField(fields, children, kids[0], depth+1)
		if err != nil {
			return af, err
		}
		if strings.HasPrefix(f.LogicalType, "large_") {
			af.Type = arrow.LargeListOfField(c)
		} else {
			af.Type = arrow.ListOfField(c)
		}
	default:
		t, err := ArrowTypeOf(f.LogicalType)
		if err != nil {
			return af, sqlerr.New(sqlerr.ErrUnsupportedType, "column %q: %v", f.Name, err)
		}
		af.Type = t
	}
	return af, nil
}
