package format

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestFieldRoundTrip(t *testing.T) {
	unknown := protowire.AppendTag(nil, 99, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 7)
	cases := []Field{
		{ID: 0, ParentID: -1, Name: "a", LogicalType: "int64", Nullable: true, Encoding: EncodingPlain},
		{ID: 5, ParentID: 2, Name: "s", LogicalType: "string", Metadata: map[string]string{"k": "v", "a": "\x00\xff"}},
		{ID: 1, ParentID: -1, Name: "d", LogicalType: "dict:string:int32:false", Dictionary: &Dictionary{Offset: 10, Length: 3},
			ExtensionName: "ext", UnenforcedPrimaryKey: true, Type: FieldTypeLeaf, Extra: unknown},
	}
	for _, c := range cases {
		b := EncodeField(&c)
		got, err := DecodeField(b)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !reflect.DeepEqual(*got, c) {
			t.Errorf("round trip %s:\n got %+v\nwant %+v", c.Name, *got, c)
		}
		if b2 := EncodeField(got); !bytes.Equal(b, b2) {
			t.Errorf("%s: re-encoding differs", c.Name)
		}
	}
}

func TestFieldParentIDNegative(t *testing.T) {
	// proto3 int32 -1 is a 10-byte sign-extended varint.
	b := EncodeField(&Field{ParentID: -1})
	want := append(protowire.AppendTag(nil, 4, protowire.VarintType), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
	if !bytes.Equal(b, want) {
		t.Fatalf("got % x want % x", b, want)
	}
}

func TestDecodeFieldErrors(t *testing.T) {
	for _, b := range [][]byte{{0x12, 0x05, 'a'}, {0x18}, {0x00}} {
		if _, err := DecodeField(b); err == nil {
			t.Errorf("DecodeField(% x) succeeded", b)
		}
	}
}

func TestSchemaConversion(t *testing.T) {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	md := arrow.NewMetadata([]string{"comment"}, []string{"hi"})
	s := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true, Metadata: md},
		{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "lb", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
		{Name: "bo", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: ts, Nullable: true},
		{Name: "tsn", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "v", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "st", Type: arrow.StructOf(
			arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
			arrow.Field{Name: "y", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}), Nullable: true},
		{Name: "last", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	}, nil)
	fields, next, err := FromArrow(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"int8", "uint64", "float", "double", "decimal:128:10:2", "string", "large_string",
		"binary", "large_binary", "bool", "date32:day", "timestamp:us:UTC", "timestamp:us:-",
		"fixed_size_list:float:4", "struct", "int32", "list", "string", "int16"}
	if len(fields) != len(wantTypes) {
		t.Fatalf("got %d fields want %d", len(fields), len(wantTypes))
	}
	for i, f := range fields {
		if f.LogicalType != wantTypes[i] {
			t.Errorf("field %d %s: type %q want %q", i, f.Name, f.LogicalType, wantTypes[i])
		}
		if f.ID != int32(3+i) {
			t.Errorf("field %s: id %d want %d", f.Name, f.ID, 3+i)
		}
	}
	if next != int32(3+len(wantTypes)) {
		t.Errorf("next id %d", next)
	}
	// struct children point to the struct, list item to the list.
	if fields[15].ParentID != fields[14].ID || fields[16].ParentID != fields[14].ID || fields[17].ParentID != fields[16].ID {
		t.Errorf("parent ids wrong: %+v", fields[14:18])
	}
	if fields[0].ParentID != -1 || fields[18].ParentID != -1 {
		t.Errorf("top-level parent id not -1")
	}
	if fields[2].Metadata["comment"] != "hi" {
		t.Errorf("metadata lost: %v", fields[2].Metadata)
	}
	if fields[5].Encoding != EncodingVarBinary || fields[0].Encoding != EncodingPlain {
		t.Errorf("legacy encodings: %d %d", fields[5].Encoding, fields[0].Encoding)
	}

	back, err := ToArrow(fields, map[string]string{"m": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if back.NumFields() != s.NumFields() {
		t.Fatalf("ToArrow: %d fields", back.NumFields())
	}
	for i, af := range back.Fields() {
		want := s.Field(i)
		if !arrow.TypeEqual(af.Type, want.Type) || af.Name != want.Name || af.Nullable != want.Nullable {
			t.Errorf("field %d: got %s want %s", i, af, want)
		}
		id, ok := af.Metadata.GetValue(FieldIDKey)
		if !ok {
			t.Errorf("field %s: no %s", af.Name, FieldIDKey)
		}
		f := fields[0]
		for _, x := range fields {
			if x.Name == af.Name && x.ParentID == -1 {
				f = x
			}
		}
		if id != strconv.Itoa(int(f.ID)) {
			t.Errorf("field %s: id %s want %d", af.Name, id, f.ID)
		}
	}
	if v, _ := back.Metadata().GetValue("m"); v != "1" {
		t.Errorf("schema metadata lost")
	}
	if v, _ := back.Field(2).Metadata.GetValue("comment"); v != "hi" {
		t.Errorf("field metadata lost in ToArrow")
	}
	// FromArrow ignores the id key ToArrow added.
	again, _, err := FromArrow(back, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again[0].Metadata[FieldIDKey]; ok {
		t.Errorf("FromArrow kept %s", FieldIDKey)
	}
}

func TestToArrowErrors(t *testing.T) {
	cases := []struct {
		name   string
		fields []Field
	}{
		{"bad type", []Field{{ID: 0, ParentID: -1, Name: "x", LogicalType: "nosuch"}}},
		{"bad tz", []Field{{ID: 0, ParentID: -1, Name: "x", LogicalType: "timestamp:xx:UTC"}}},
		{"bad fsl", []Field{{ID: 0, ParentID: -1, Name: "x", LogicalType: "fixed_size_list:float:z"}}},
		{"list no child", []Field{{ID: 0, ParentID: -1, Name: "x", LogicalType: "list"}}},
	}
	for _, c := range cases {
		if _, err := ToArrow(c.fields, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
