package lance

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/storage/lance/format"
)

func sampleManifest() *manifest {
	var extra []byte
	extra = putStringMap(extra, 16, map[string]string{"lance.cfg": "1"})   // config
	extra = putStringMap(extra, 19, map[string]string{"owner": "someone"}) // table_metadata
	extra = protowire.AppendTag(extra, 999, protowire.Fixed32Type)         // from the future
	extra = protowire.AppendFixed32(extra, 0xdeadbeef)
	return &manifest{
		Fields: []format.Field{
			{ID: 0, ParentID: -1, Name: "id", LogicalType: "int64"},
			{ID: 1, ParentID: -1, Name: "s", LogicalType: "string", Nullable: true, Encoding: format.EncodingVarBinary},
		},
		SchemaMeta: map[string]string{"genevasql.view": "select 1"},
		Fragments: []*fragment{
			{ID: 0, PhysicalRows: 10, Files: []*dataFile{{Path: "a.lance", Fields: []int32{0, 1}, ColumnIndices: []int32{0, 1}, Major: 2, SizeBytes: 123}}},
			{ID: 3, PhysicalRows: 7, Files: []*dataFile{{Path: "b.lance", Fields: []int32{0, -2}, ColumnIndices: []int32{0, -1}, Major: 2, Minor: 1, SizeBytes: 9}},
				Deletion: &deletionFile{FileType: deletionBitmapType, ReadVersion: 4, ID: 77, NumDeleted: 2}, extra: []byte{0x2a, 0x01, 0x05}},
		},
		Version:       5,
		IndexSection:  []byte{0x0a, 0x02, 0x18, 0x01},
		Timestamp:     time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		ReaderFlags:   flagDeletionFiles | flagTableConfig,
		WriterFlags:   flagDeletionFiles,
		HasMaxFragID:  true,
		MaxFragmentID: 3,
		TxnFile:       "4-abc.txn",
		FileFormat:    "lance",
		FormatVersion: "2.0",
		extra:         extra,
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m := sampleManifest()
	b := encodeManifestFile(m)
	got, err := decodeManifestFile(b)
	if err != nil {
		t.Fatal(err)
	}
	// Re-encoding the decoded manifest must give the same bytes: nothing is
	// lost, including fields we do not interpret.
	if b2 := encodeManifestFile(got); !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs:\n%x\n%x", b, b2)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"version", got.Version == 5},
		{"timestamp", got.Timestamp.Equal(m.Timestamp)},
		{"fields", len(got.Fields) == 2 && got.Fields[1].Name == "s" && got.Fields[1].Nullable},
		{"schema meta", got.SchemaMeta["genevasql.view"] == "select 1"},
		{"fragments", len(got.Fragments) == 2 && got.Fragments[1].ID == 3 && got.Fragments[1].PhysicalRows == 7},
		{"tombstone", got.Fragments[1].Files[0].Fields[1] == -2 && got.Fragments[1].Files[0].ColumnIndices[1] == -1},
		{"deletion", got.Fragments[1].Deletion != nil && got.Fragments[1].Deletion.NumDeleted == 2 && got.Fragments[1].Deletion.ID == 77},
		{"fragment extra", bytes.Equal(got.Fragments[1].extra, []byte{0x2a, 0x01, 0x05})},
		{"index section", bytes.Equal(got.IndexSection, m.IndexSection)},
		{"flags", got.ReaderFlags == m.ReaderFlags && got.WriterFlags == m.WriterFlags},
		{"max frag", got.HasMaxFragID && got.MaxFragmentID == 3},
		{"txn", got.TxnFile == "4-abc.txn"},
		{"format", got.FileFormat == "lance" && got.FormatVersion == "2.0"},
		{"extra", bytes.Equal(got.extra, m.extra)},
		{"deletion path", got.Fragments[1].Deletion.path(3) == "_deletions/3-4-77.bin"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s not preserved", c.name)
		}
	}
}

func TestManifestCorrupt(t *testing.T) {
	good := encodeManifestFile(sampleManifest())
	cases := map[string][]byte{
		"empty":     nil,
		"short":     []byte("LANC"),
		"no magic":  append(append([]byte{}, good[:len(good)-1]...), 'X'),
		"truncated": good[len(good)/2:],
		"bad pos":   func() []byte { b := append([]byte{}, good...); b[len(b)-16] = 0xff; b[len(b)-9] = 0x7f; return b }(),
		"bad length": func() []byte {
			b := append([]byte{}, good...)
			b[4+len(sampleManifest().IndexSection)] ^= 0x40
			return b
		}(),
		"garbage pb": func() []byte {
			b := append([]byte{}, good...)
			copy(b[len(b)-40:], bytes.Repeat([]byte{0xff}, 20))
			return b
		}(),
	}
	for name, b := range cases {
		if _, err := decodeManifestFile(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestManifestNames(t *testing.T) {
	tests := []struct {
		name string
		v    uint64
		v2   bool
		ok   bool
	}{
		{"_versions/18446744073709551614.manifest", 1, true, true},
		{"_versions/18446744073709551608.manifest", 7, true, true},
		{"_versions/3.manifest", 3, false, true},
		{"_versions/latest_version_hint.json", 0, false, false},
		{"_versions/x.manifest", 0, false, false},
		{"_versions/.manifest", 0, false, false},
	}
	for _, tc := range tests {
		v, v2, ok := parseManifestName(tc.name)
		if v != tc.v || v2 != tc.v2 || ok != tc.ok {
			t.Errorf("%s: got %d %v %v", tc.name, v, v2, ok)
		}
		if tc.ok && manifestName(tc.v, tc.v2) != tc.name {
			t.Errorf("%s: manifestName gives %s", tc.name, manifestName(tc.v, tc.v2))
		}
	}
	if !strings.HasSuffix(manifestName(1, true), "18446744073709551614.manifest") {
		t.Fatal("v2 name for version 1")
	}
}

func TestTxnRoundTrip(t *testing.T) {
	del := &deletion{
		updated: map[uint64]*fragment{4: {ID: 4, PhysicalRows: 3, Deletion: &deletionFile{NumDeleted: 1}}},
		removed: []uint64{9},
		touched: map[uint64]bool{4: true, 9: true},
	}
	for _, op := range []operation{&deleteOp{del: del}, &updateOp{del: del, frags: []*fragment{{ID: 11}}}} {
		b := encodeTxn(3, "u-1", op.opCode(), op.body())
		got, err := decodeTxn(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.ReadVersion != 3 || got.UUID != "u-1" || got.Op != op.opCode() {
			t.Fatalf("header: %+v", got)
		}
		if len(got.Touched) != 2 || !got.Touched[4] || !got.Touched[9] {
			t.Fatalf("%s touched %v", opName(got.Op), got.Touched)
		}
	}
}
