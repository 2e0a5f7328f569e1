package lance

import (
	"encoding/binary"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/storage/lance/format"
)

// Manifest feature flags (Manifest.reader_feature_flags / writer_feature_flags).
const (
	flagDeletionFiles  = 1 << 0
	flagStableRowIDs   = 1 << 1
	flagUseV2Format    = 1 << 2 // deprecated, harmless
	flagTableConfig    = 1 << 3
	flagBasePaths      = 1 << 4
	flagNoTxnFiles     = 1 << 5
	knownReaderFlags   = flagDeletionFiles | flagUseV2Format | flagTableConfig | flagNoTxnFiles
	knownWriterFlags   = flagDeletionFiles | flagUseV2Format | flagTableConfig
	manifestMagic      = "LANC"
	manifestTailLen    = 16
	writerLibrary      = "genevasql"
	writerLibraryVer   = "0.1.0"
	deletionArrowType  = 0
	deletionBitmapType = 1
)

// manifest is the decoded lance.table.Manifest of one version. Fields we do
// not interpret are kept in extra and written back unchanged.
type manifest struct {
	Fields        []format.Field
	SchemaMeta    map[string]string
	Fragments     []*fragment
	Version       uint64
	IndexSection  []byte // raw IndexSection message, nil if the version has none
	Timestamp     time.Time
	ReaderFlags   uint64
	WriterFlags   uint64
	HasMaxFragID  bool
	MaxFragmentID uint32
	TxnFile       string
	FileFormat    string // "lance"
	FormatVersion string // "2.0", "2.1"
	extra         []byte

	// Set on read: where the manifest came from.
	path string
	size int64
	// Set on read when the manifest inlines its transaction.
	inlineTxn []byte
}

type fragment struct {
	ID           uint64
	Files        []*dataFile
	Deletion     *deletionFile
	PhysicalRows uint64
	extra        []byte
}

type dataFile struct {
	Path          string
	Fields        []int32
	ColumnIndices []int32
	Major, Minor  uint32
	SizeBytes     uint64
	extra         []byte
}

type deletionFile struct {
	FileType    int32
	ReadVersion uint64
	ID          uint64
	NumDeleted  uint64
	extra       []byte
}

func (d *deletionFile) path(fragID uint64) string {
	ext := "arrow"
	if d.FileType == deletionBitmapType {
		ext = "bin"
	}
	return fmt.Sprintf("_deletions/%d-%d-%d.%s", fragID, d.ReadVersion, d.ID, ext)
}

func (f *fragment) clone() *fragment {
	c := *f
	c.Files = make([]*dataFile, len(f.Files))
	for i, df := range f.Files {
		d := *df
		d.Fields = append([]int32(nil), df.Fields...)
		d.ColumnIndices = append([]int32(nil), df.ColumnIndices...)
		c.Files[i] = &d
	}
	if f.Deletion != nil {
		d := *f.Deletion
		c.Deletion = &d
	}
	return &c
}

func (f *fragment) numDeleted() int64 {
	if f.Deletion == nil {
		return 0
	}
	return int64(f.Deletion.NumDeleted)
}

// clone makes a deep enough copy for building the next version: fragments are
// treated as immutable values, so sharing pointers to them is safe.
func (m *manifest) clone() *manifest {
	c := *m
	c.Fields = append([]format.Field(nil), m.Fields...)
	c.SchemaMeta = make(map[string]string, len(m.SchemaMeta))
	for k, v := range m.SchemaMeta {
		c.SchemaMeta[k] = v
	}
	c.Fragments = append([]*fragment(nil), m.Fragments...)
	c.inlineTxn = nil
	return &c
}

// ---- decoding ----

func decodeManifest(b []byte) (*manifest, error) {
	m := &manifest{SchemaMeta: map[string]string{}}
	err := walkMsg(b, func(num protowire.Number, typ protowire.Type, v uint64, buf, raw []byte) error {
		var err error
		switch num {
		case 1:
			if err = wantType("manifest", num, typ, protowire.BytesType); err != nil {
				return err
			}
			f, err := format.DecodeField(buf)
			if err != nil {
				return fmt.Errorf("schema field: %w", err)
			}
			m.Fields = append(m.Fields, *f)
		case 5:
			if err = wantType("manifest", num, typ, protowire.BytesType); err != nil {
				return err
			}
			k, v, err := mapEntry(buf)
			if err != nil {
				return err
			}
			m.SchemaMeta[k] = v
		case 2:
			if err = wantType("manifest", num, typ, protowire.BytesType); err != nil {
				return err
			}
			f, err := decodeFragment(buf)
			if err != nil {
				return err
			}
			m.Fragments = append(m.Fragments, f)
		case 3:
			m.Version = v
		case 4, 6, 21:
			// File positions: re-derived when the manifest is read, never
			// inherited (they would point into another file).
		case 7:
			if err = wantType("manifest", num, typ, protowire.BytesType); err != nil {
				return err
			}
			var sec, nanos int64
			err = walkMsg(buf, func(n protowire.Number, _ protowire.Type, x uint64, _, _ []byte) error {
				switch n {
				case 1:
					sec = int64(x)
				case 2:
					nanos = int64(int32(x))
				}
				return nil
			})
			if err != nil {
				return err
			}
			m.Timestamp = time.Unix(sec, nanos).UTC()
		case 9:
			m.ReaderFlags = v
		case 10:
			m.WriterFlags = v
		case 11:
			m.HasMaxFragID = true
			m.MaxFragmentID = uint32(v)
		case 12:
			m.TxnFile = string(buf)
		case 13:
			// writer_version: replaced by ours on every commit.
		case 15:
			if err = wantType("manifest", num, typ, protowire.BytesType); err != nil {
				return err
			}
			err = walkMsg(buf, func(n protowire.Number, _ protowire.Type, _ uint64, s, _ []byte) error {
				switch n {
				case 1:
					m.FileFormat = string(s)
				case 2:
					m.FormatVersion = string(s)
				}
				return nil
			})
			if err != nil {
				return err
			}
		default:
			m.extra = append(m.extra, raw...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return m, nil
}

// positions holds the optional section offsets read from field 6 and 21.
func manifestPositions(b []byte) (indexPos, txnPos int64, err error) {
	indexPos, txnPos = -1, -1
	err = walkMsg(b, func(num protowire.Number, typ protowire.Type, v uint64, _, _ []byte) error {
		if typ != protowire.VarintType {
			return nil
		}
		switch num {
		case 6:
			indexPos = int64(v)
		case 21:
			txnPos = int64(v)
		}
		return nil
	})
	return
}

func decodeFragment(b []byte) (*fragment, error) {
	f := &fragment{}
	err := walkMsg(b, func(num protowire.Number, typ protowire.Type, v uint64, buf, raw []byte) error {
		switch num {
		case 1:
			f.ID = v
		case 2:
			if err := wantType("fragment", num, typ, protowire.BytesType); err != nil {
				return err
			}
			df, err := decodeDataFile(buf)
			if err != nil {
				return err
			}
			f.Files = append(f.Files, df)
		case 3:
			if err := wantType("fragment", num, typ, protowire.BytesType); err != nil {
				return err
			}
			d, err := decodeDeletionFile(buf)
			if err != nil {
				return err
			}
			f.Deletion = d
		case 4:
			f.PhysicalRows = v
		default:
			f.extra = append(f.extra, raw...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fragment: %w", err)
	}
	return f, nil
}

func decodeDataFile(b []byte) (*dataFile, error) {
	d := &dataFile{}
	err := walkMsg(b, func(num protowire.Number, typ protowire.Type, v uint64, buf, raw []byte) error {
		var err error
		switch num {
		case 1:
			d.Path = string(buf)
		case 2:
			d.Fields, err = int32s(d.Fields, typ, v, buf)
		case 3:
			d.ColumnIndices, err = int32s(d.ColumnIndices, typ, v, buf)
		case 4:
			d.Major = uint32(v)
		case 5:
			d.Minor = uint32(v)
		case 6:
			d.SizeBytes = v
		default:
			d.extra = append(d.extra, raw...)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("data file: %w", err)
	}
	return d, nil
}

func decodeDeletionFile(b []byte) (*deletionFile, error) {
	d := &deletionFile{}
	err := walkMsg(b, func(num protowire.Number, _ protowire.Type, v uint64, _, raw []byte) error {
		switch num {
		case 1:
			d.FileType = int32(v)
		case 2:
			d.ReadVersion = v
		case 3:
			d.ID = v
		case 4:
			d.NumDeleted = v
		default:
			d.extra = append(d.extra, raw...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deletion file: %w", err)
	}
	return d, nil
}

// ---- encoding ----

func (m *manifest) encode(indexPos int64) []byte {
	var b []byte
	for i := range m.Fields {
		b = putBytes(b, 1, format.EncodeField(&m.Fields[i]))
	}
	for _, f := range m.Fragments {
		b = putBytes(b, 2, f.encode())
	}
	b = putVarint(b, 3, m.Version)
	b = putStringMap(b, 5, m.SchemaMeta)
	if indexPos >= 0 {
		b = putVarintAlways(b, 6, uint64(indexPos))
	}
	var ts []byte
	ts = putVarint(ts, 1, uint64(m.Timestamp.Unix()))
	ts = putVarint(ts, 2, uint64(m.Timestamp.Nanosecond()))
	b = putBytes(b, 7, ts)
	b = putVarint(b, 9, m.ReaderFlags)
	b = putVarint(b, 10, m.WriterFlags)
	if m.HasMaxFragID {
		b = putVarintAlways(b, 11, uint64(m.MaxFragmentID))
	}
	b = putString(b, 12, m.TxnFile)
	var wv []byte
	wv = putString(wv, 1, writerLibrary)
	wv = putString(wv, 2, writerLibraryVer)
	b = putBytes(b, 13, wv)
	var df []byte
	df = putString(df, 1, m.FileFormat)
	df = putString(df, 2, m.FormatVersion)
	b = putBytes(b, 15, df)
	return append(b, m.extra...)
}

func (f *fragment) encode() []byte {
	var b []byte
	b = putVarint(b, 1, f.ID)
	for _, d := range f.Files {
		b = putBytes(b, 2, d.encode())
	}
	if f.Deletion != nil {
		b = putBytes(b, 3, f.Deletion.encode())
	}
	b = putVarint(b, 4, f.PhysicalRows)
	return append(b, f.extra...)
}

func (d *dataFile) encode() []byte {
	var b []byte
	b = putString(b, 1, d.Path)
	b = putPackedInt32(b, 2, d.Fields)
	b = putPackedInt32(b, 3, d.ColumnIndices)
	b = putVarint(b, 4, uint64(d.Major))
	b = putVarint(b, 5, uint64(d.Minor))
	b = putVarint(b, 6, d.SizeBytes)
	return append(b, d.extra...)
}

func (d *deletionFile) encode() []byte {
	var b []byte
	b = putVarint(b, 1, uint64(d.FileType))
	b = putVarint(b, 2, d.ReadVersion)
	b = putVarint(b, 3, d.ID)
	b = putVarint(b, 4, d.NumDeleted)
	return append(b, d.extra...)
}

// ---- manifest files ----

// encodeManifestFile lays out a manifest file: the optional index section
// (u32 length + IndexSection), then u32 length + Manifest, then the 16-byte
// tail: i64 manifest position, u16 major 0, u16 minor 2, "LANC".
func encodeManifestFile(m *manifest) []byte {
	var out []byte
	indexPos := int64(-1)
	if len(m.IndexSection) > 0 {
		indexPos = 0
		out = binary.LittleEndian.AppendUint32(out, uint32(len(m.IndexSection)))
		out = append(out, m.IndexSection...)
	}
	body := m.encode(indexPos)
	pos := len(out)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, body...)
	out = binary.LittleEndian.AppendUint64(out, uint64(pos))
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint16(out, 2)
	return append(out, manifestMagic...)
}

// decodeManifestFile parses a whole manifest file. It never panics on
// corrupt input: every offset is checked against the buffer.
func decodeManifestFile(b []byte) (*manifest, error) {
	n := int64(len(b))
	if n < manifestTailLen+4 || string(b[n-4:]) != manifestMagic {
		return nil, fmt.Errorf("not a Lance manifest (size %d, missing %q magic)", n, manifestMagic)
	}
	pos := int64(binary.LittleEndian.Uint64(b[n-16:]))
	if pos < 0 || pos > n-manifestTailLen-4 {
		return nil, fmt.Errorf("corrupt manifest: position %d outside file of %d bytes", pos, n)
	}
	l := int64(binary.LittleEndian.Uint32(b[pos:]))
	if pos+4+l != n-manifestTailLen {
		return nil, fmt.Errorf("corrupt manifest: length %d at %d does not end at the tail", l, pos)
	}
	body := b[pos+4 : pos+4+l]
	m, err := decodeManifest(body)
	if err != nil {
		return nil, err
	}
	indexPos, txnPos, err := manifestPositions(body)
	if err != nil {
		return nil, err
	}
	section := func(p int64, what string) ([]byte, error) {
		if p < 0 || p > n-4 {
			return nil, fmt.Errorf("corrupt manifest: %s position %d outside file", what, p)
		}
		sl := int64(binary.LittleEndian.Uint32(b[p:]))
		if p+4+sl > n {
			return nil, fmt.Errorf("corrupt manifest: %s of %d bytes at %d overruns file", what, sl, p)
		}
		return append([]byte(nil), b[p+4:p+4+sl]...), nil
	}
	if indexPos >= 0 {
		if m.IndexSection, err = section(indexPos, "index section"); err != nil {
			return nil, err
		}
	}
	if txnPos >= 0 {
		if m.inlineTxn, err = section(txnPos, "transaction section"); err != nil {
			return nil, err
		}
	}
	return m, nil
}
