// Package lance reads and writes Lance datasets in pure Go, so that official
// LanceDB (Python, Rust, Node) opens GenevaSQL tables and GenevaSQL opens
// theirs. A Dataset is an immutable snapshot of one version; every write
// commits a new version and returns a new Dataset.
//
// Layout of a dataset folder: data/*.lance (data files, see package format),
// _versions/*.manifest, _transactions/*.txn, _deletions/*.{arrow,bin}.
package lance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance/format"
	"github.com/genevasql/genevasql/storage/objstore"
)

// ErrConflict reports that a concurrent writer committed a change that
// cannot be reconciled with ours. Errors returned for it are *sqlerr.Error
// with code sqlerr.ErrConflict and match errors.Is(err, ErrConflict).
var ErrConflict = errors.New("lance: conflicting concurrent commit")

// ErrNotFound reports that no dataset (or no such version) exists at a path.
var ErrNotFound = errors.New("lance: dataset not found")

// DefaultMaxRowsPerFile is the number of rows per data file (and fragment)
// when the caller does not choose one.
const DefaultMaxRowsPerFile = 1 << 20

// Dataset is an immutable snapshot of one version of a Lance dataset.
type Dataset struct {
	store          objstore.Store
	uri            string
	m              *manifest
	schema         *arrow.Schema // top-level fields, lance:field_id removed
	topIDs         []int32       // field id of each top-level schema field
	mem            memory.Allocator
	v2names        bool
	maxRowsPerFile int
	format         format.Version
	delCache       *sync.Map // deletion file path -> *roaring.Bitmap
	arrowDeletions bool      // tests: write .arrow instead of .bin deletion files
	// ident describes the manifest file this version was read from, when
	// known: Latest uses it to notice a dataset replaced under the same path.
	ident atomic.Pointer[objstore.ObjectInfo]
	// scans keeps decoded whole-table scans of a small version (scancache.go).
	scans sync.Map // scanKey -> *scanEntry
}

// Fragment describes one fragment of a version.
type Fragment struct {
	ID           uint64
	PhysicalRows int64 // rows written, including deleted ones
	DeletedRows  int64
	// DeletionFileID identifies the deletion file (empty if none). Two
	// versions whose fragment has the same DataFiles and DeletionFileID hold
	// the same rows.
	DeletionFileID string
	DataFiles      []DataFileInfo
}

// DataFileInfo describes one data file of a fragment.
type DataFileInfo struct {
	Path     string  // relative to the dataset's data/ folder
	FieldIDs []int32 // Lance field ids stored in it (-2: dropped)
	Size     int64
}

// VersionInfo describes one committed version.
type VersionInfo struct {
	Version   uint64
	Timestamp time.Time
	Operation string // transaction operation: Append, Delete, Overwrite, Rewrite...
}

// CreateOptions configures Create.
type CreateOptions struct {
	// DataFormat is the data file format version: "2.0" (default) or "2.1".
	DataFormat string
	// MaxRowsPerFile bounds rows per data file and fragment (default 1Mi).
	MaxRowsPerFile int
	// Mem allocates Arrow buffers (default memory.DefaultAllocator).
	Mem memory.Allocator
	// Metadata is the initial schema metadata (merged over the Arrow
	// schema's own metadata).
	Metadata map[string]string
	// Store, if set, is used instead of a local folder at path.
	Store objstore.Store
}

// OpenOption configures Open.
type OpenOption func(*openOptions)

type openOptions struct {
	version        uint64
	ts             time.Time
	mem            memory.Allocator
	maxRowsPerFile int
	store          objstore.Store
}

// WithVersion opens version n instead of the latest.
func WithVersion(n uint64) OpenOption { return func(o *openOptions) { o.version = n } }

// WithTimestamp opens the latest version committed at or before t.
func WithTimestamp(t time.Time) OpenOption { return func(o *openOptions) { o.ts = t } }

// WithAllocator sets the allocator for Arrow buffers read or written.
func WithAllocator(mem memory.Allocator) OpenOption { return func(o *openOptions) { o.mem = mem } }

// WithMaxRowsPerFile bounds rows per data file for writes through this handle.
func WithMaxRowsPerFile(n int) OpenOption { return func(o *openOptions) { o.maxRowsPerFile = n } }

// WithStore reads the dataset from s (rooted at the dataset folder) instead
// of the local folder named by path.
func WithStore(s objstore.Store) OpenOption { return func(o *openOptions) { o.store = s } }

func errf(code int, format string, args ...any) error { return sqlerr.New(code, format, args...) }

func conflictf(format string, args ...any) error {
	e := sqlerr.New(sqlerr.ErrConflict, format, args...)
	e.Cause = ErrConflict
	return e
}

func parseFormat(s string) (format.Version, error) {
	switch s {
	case "", "2.0":
		return format.V2_0, nil
	case "2.1":
		return format.V2_1, nil
	}
	return format.Version{}, errf(sqlerr.ErrNotSupported, "Lance data format %q is not supported (use 2.0 or 2.1)", s)
}

// ---- version names ----

const versionsDir = "_versions/"

func manifestName(v uint64, v2 bool) string {
	if v2 {
		return fmt.Sprintf("%s%020d.manifest", versionsDir, math.MaxUint64-v)
	}
	return fmt.Sprintf("%s%d.manifest", versionsDir, v)
}

// parseManifestName returns the version a manifest file name stands for;
// V2 names are 20 digits holding u64max - version.
func parseManifestName(name string) (v uint64, v2 bool, ok bool) {
	base := strings.TrimPrefix(name, versionsDir)
	stem, found := strings.CutSuffix(base, ".manifest")
	if !found || stem == "" || strings.Contains(stem, "/") {
		return 0, false, false
	}
	n, err := strconv.ParseUint(stem, 10, 64)
	if err != nil {
		return 0, false, false
	}
	if len(stem) == 20 {
		return math.MaxUint64 - n, true, true
	}
	return n, false, true
}

type versionEntry struct {
	version uint64
	name    string
	v2      bool
	info    objstore.ObjectInfo
}

// listVersions lists the manifests present, newest first. The hint file is
// ignored: listing is authoritative.
func listVersions(ctx context.Context, s objstore.Store) ([]versionEntry, error) {
	objs, err := s.List(ctx, versionsDir)
	if err != nil {
		return nil, err
	}
	var out []versionEntry
	for _, o := range objs {
		if v, v2, ok := parseManifestName(o.Name); ok && v > 0 {
			out = append(out, versionEntry{v, o.Name, v2, o})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version > out[j].version })
	return out, nil
}

func readManifest(ctx context.Context, s objstore.Store, name string) (*manifest, error) {
	b, err := s.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	m, err := decodeManifestFile(b)
	if err != nil {
		return nil, errf(sqlerr.ErrUnknownSystem, "reading %s: %v", name, err)
	}
	m.path, m.size = name, int64(len(b))
	return m, nil
}

// ---- open / create ----

func localStore(path string) (objstore.Store, error) {
	return objstore.NewLocal(path)
}

// Open opens the dataset at path (a folder such as /db/t.lance), at its
// latest version unless WithVersion or WithTimestamp says otherwise.
func Open(ctx context.Context, path string, opts ...OpenOption) (_ *Dataset, err error) {
	defer recoverErr(&err)
	o := openOptions{}
	for _, f := range opts {
		f(&o)
	}
	s := o.store
	if s == nil {
		var err error
		if s, err = localStore(path); err != nil {
			return nil, err
		}
	}
	vers, err := listVersions(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(vers) == 0 {
		e := sqlerr.New(sqlerr.ErrNoSuchTable, "no Lance dataset at %s", path)
		e.Cause = ErrNotFound
		return nil, e
	}
	var m *manifest
	var ident *objstore.ObjectInfo
	v2 := vers[0].v2
	switch {
	case o.version > 0:
		for _, ve := range vers {
			if ve.version == o.version {
				m, err = readManifest(ctx, s, ve.name)
				ident = &ve.info
				break
			}
		}
		if m == nil && err == nil {
			e := sqlerr.New(sqlerr.ErrNoSuchTable, "dataset %s has no version %d (latest is %d)", path, o.version, vers[0].version)
			e.Cause = ErrNotFound
			return nil, e
		}
	case !o.ts.IsZero():
		for _, ve := range vers {
			if m, err = readManifest(ctx, s, ve.name); err != nil {
				return nil, err
			}
			if !m.Timestamp.After(o.ts) {
				break
			}
			m = nil
		}
		if m == nil {
			e := sqlerr.New(sqlerr.ErrNoSuchTable, "dataset %s has no version committed at or before %s", path, o.ts.UTC().Format(time.RFC3339Nano))
			e.Cause = ErrNotFound
			return nil, e
		}
	default:
		m, err = readManifest(ctx, s, vers[0].name)
		ident = &vers[0].info
	}
	if err != nil {
		return nil, err
	}
	d, err := newDataset(s, path, m, v2, o.mem, o.maxRowsPerFile, &sync.Map{})
	if err != nil {
		return nil, err
	}
	d.ident.Store(ident)
	return d, nil
}

func newDataset(s objstore.Store, uri string, m *manifest, v2 bool, mem memory.Allocator, maxRows int, cache *sync.Map) (*Dataset, error) {
	if unk := m.ReaderFlags &^ knownReaderFlags; unk != 0 {
		return nil, errf(sqlerr.ErrNotSupported, "dataset %s version %d needs Lance reader features GenevaSQL does not implement: %s", uri, m.Version, flagNames(unk))
	}
	if m.FileFormat != "" && m.FileFormat != "lance" {
		return nil, errf(sqlerr.ErrNotSupported, "dataset %s uses data file format %q; only lance is supported", uri, m.FileFormat)
	}
	fv, err := parseFormat(m.FormatVersion)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Fragments {
		for _, df := range f.Files {
			if len(df.extra) > 0 && hasField(df.extra, 7) {
				return nil, errf(sqlerr.ErrNotSupported, "dataset %s stores data files under other base paths, which GenevaSQL does not support", uri)
			}
		}
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if maxRows <= 0 {
		maxRows = DefaultMaxRowsPerFile
	}
	d := &Dataset{store: s, uri: uri, m: m, mem: mem, v2names: v2, maxRowsPerFile: maxRows, format: fv, delCache: cache}
	if err := d.buildSchema(); err != nil {
		return nil, err
	}
	return d, nil
}

func hasField(b []byte, want int) bool {
	found := false
	_ = walkMsg(b, func(num protowire.Number, _ protowire.Type, _ uint64, _, _ []byte) error {
		if int(num) == want {
			found = true
		}
		return nil
	})
	return found
}

func flagNames(f uint64) string {
	names := map[uint64]string{
		flagStableRowIDs: "stable row ids", flagBasePaths: "multiple base paths",
		1 << 6: "data overlay files", 1 << 7: "covering index fields", 1 << 8: "mixed data file versions",
		flagNoTxnFiles: "disabled transaction files",
	}
	var parts []string
	for bit := uint64(1); bit != 0; bit <<= 1 {
		if f&bit == 0 {
			continue
		}
		if n, ok := names[bit]; ok {
			parts = append(parts, n)
		} else {
			parts = append(parts, fmt.Sprintf("flag %d", bit))
		}
	}
	return strings.Join(parts, ", ")
}

func (d *Dataset) buildSchema() error {
	s, err := format.ToArrow(d.m.Fields, d.m.SchemaMeta)
	if err != nil {
		return err
	}
	fields := s.Fields()
	d.topIDs = make([]int32, len(fields))
	for i := range fields {
		f := &fields[i]
		sid, _ := f.Metadata.GetValue(format.FieldIDKey)
		id, err := strconv.Atoi(sid)
		if err != nil {
			return fmt.Errorf("lance schema: field %q has no id", f.Name)
		}
		d.topIDs[i] = int32(id)
		f.Metadata = stripKey(f.Metadata, format.FieldIDKey)
	}
	md := s.Metadata()
	d.schema = arrow.NewSchema(fields, &md)
	return nil
}

func stripKey(md arrow.Metadata, key string) arrow.Metadata {
	if md.FindKey(key) < 0 {
		return md
	}
	var ks, vs []string
	for i, k := range md.Keys() {
		if k != key {
			ks = append(ks, k)
			vs = append(vs, md.Values()[i])
		}
	}
	if len(ks) == 0 {
		return arrow.Metadata{}
	}
	return arrow.NewMetadata(ks, vs)
}

// Create makes a new, empty dataset (version 1) at path with the given
// schema. It fails if a dataset already exists there.
func Create(ctx context.Context, path string, schema *arrow.Schema, opts CreateOptions) (_ *Dataset, err error) {
	defer recoverErr(&err)
	fv, err := parseFormat(opts.DataFormat)
	if err != nil {
		return nil, err
	}
	s := opts.Store
	if s == nil {
		if s, err = localStore(path); err != nil {
			return nil, err
		}
	}
	vers, err := listVersions(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(vers) > 0 {
		return nil, errf(sqlerr.ErrTableExists, "a Lance dataset already exists at %s", path)
	}
	fields, _, err := format.FromArrow(schema, 0)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{}
	if md := schema.Metadata(); md.Len() > 0 {
		for i, k := range md.Keys() {
			meta[k] = md.Values()[i]
		}
	}
	for k, v := range opts.Metadata {
		meta[k] = v
	}
	m := &manifest{
		Fields: fields, SchemaMeta: meta, Version: 1,
		FileFormat: "lance", FormatVersion: fv.String(),
	}
	d, err := newDataset(s, path, m, true, opts.Mem, opts.MaxRowsPerFile, &sync.Map{})
	if err != nil {
		return nil, err
	}
	// Version 1 is published the same way as every commit, so two creators
	// racing on one path cannot both win.
	d.m.Version = 0
	op := &overwriteOp{fields: fields, meta: meta}
	nd, err := d.commit(ctx, op)
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errf(sqlerr.ErrTableExists, "a Lance dataset already exists at %s", path)
		}
		return nil, err
	}
	return nd, nil
}

// ---- accessors ----

// Version is the snapshot's version number (1 for a new dataset).
func (d *Dataset) Version() uint64 { return d.m.Version }

// URI is the path the dataset was opened with.
func (d *Dataset) URI() string { return d.uri }

// Schema is the table schema: top-level Arrow fields with their Lance field
// metadata, without the internal "lance:field_id" key, and the schema
// metadata.
func (d *Dataset) Schema() *arrow.Schema { return d.schema }

// FieldIDs returns the Lance field id of each top-level schema field.
func (d *Dataset) FieldIDs() []int32 { return append([]int32(nil), d.topIDs...) }

// SchemaMetadata returns a copy of the schema metadata.
func (d *Dataset) SchemaMetadata() map[string]string {
	out := make(map[string]string, len(d.m.SchemaMeta))
	for k, v := range d.m.SchemaMeta {
		out[k] = v
	}
	return out
}

// Timestamp is when the version was committed.
func (d *Dataset) Timestamp() time.Time { return d.m.Timestamp }

// DataFormat is the data file format version ("2.0" or "2.1").
func (d *Dataset) DataFormat() string { return d.format.String() }

// Fragments lists the version's fragments in order.
func (d *Dataset) Fragments() []Fragment {
	out := make([]Fragment, len(d.m.Fragments))
	for i, f := range d.m.Fragments {
		out[i] = publicFragment(f)
	}
	return out
}

func publicFragment(f *fragment) Fragment {
	fr := Fragment{ID: f.ID, PhysicalRows: int64(f.PhysicalRows), DeletedRows: f.numDeleted()}
	if f.Deletion != nil {
		fr.DeletionFileID = f.Deletion.path(f.ID)
	}
	for _, df := range f.Files {
		fr.DataFiles = append(fr.DataFiles, DataFileInfo{Path: df.Path, FieldIDs: append([]int32(nil), df.Fields...), Size: int64(df.SizeBytes)})
	}
	return fr
}

// CountRows is the number of live (not deleted) rows.
func (d *Dataset) CountRows() int64 {
	var n int64
	for _, f := range d.m.Fragments {
		n += int64(f.PhysicalRows) - f.numDeleted()
	}
	return n
}

// Versions lists every version still present, oldest first.
func (d *Dataset) Versions(ctx context.Context) (_ []VersionInfo, err error) {
	defer recoverErr(&err)
	vers, err := listVersions(ctx, d.store)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(vers))
	for i := len(vers) - 1; i >= 0; i-- {
		m, err := readManifest(ctx, d.store, vers[i].name)
		if err != nil {
			return nil, err
		}
		op := "Unknown"
		if t, err := d.readTxn(ctx, m); err == nil && t != nil {
			op = opName(t.Op)
		}
		out = append(out, VersionInfo{Version: m.Version, Timestamp: m.Timestamp, Operation: op})
	}
	return out, nil
}

// Latest re-opens the dataset at its newest version (d itself if that is
// still d's version). Where the store can describe single objects it checks
// d's manifest and the names of the next versions instead of listing every
// version: a table written by many statements has as many manifests, and
// listing them all on every statement made each one slower than the last.
func (d *Dataset) Latest(ctx context.Context) (_ *Dataset, err error) {
	defer recoverErr(&err)
	if st, ok := d.store.(objstore.Statter); ok && d.m.path != "" {
		nd, err := d.latestByStat(ctx, st)
		if err != nil {
			return nil, err
		}
		if nd != nil {
			return nd, nil
		}
	}
	vers, err := listVersions(ctx, d.store)
	if err != nil {
		return nil, err
	}
	if len(vers) == 0 {
		return nil, errf(sqlerr.ErrNoSuchTable, "no Lance dataset at %s", d.uri)
	}
	if vers[0].version == d.m.Version && d.sameManifest(vers[0].info) {
		d.ident.CompareAndSwap(nil, &vers[0].info)
		return d, nil
	}
	m, err := readManifest(ctx, d.store, vers[0].name)
	if err != nil {
		return nil, err
	}
	nd, err := d.derive(m)
	if err != nil {
		return nil, err
	}
	nd.ident.Store(&vers[0].info)
	return nd, nil
}

// maxStatSteps bounds how many newer versions latestByStat walks through
// one by one before it lists them instead.
const maxStatSteps = 8

// latestByStat finds the newest version by describing single manifests: d's
// own (it must still be the same file) and the next versions' names until
// one is missing, since versions are published one after another. It
// returns nil, nil when it cannot tell and the caller should list.
func (d *Dataset) latestByStat(ctx context.Context, st objstore.Statter) (*Dataset, error) {
	id := d.ident.Load()
	if id == nil {
		return nil, nil // not known which file d was read from: list once
	}
	cur, err := st.Stat(ctx, d.m.path)
	if err != nil || !d.sameManifest(cur) {
		return nil, nil // cleaned up, or the dataset was replaced
	}
	v, last := d.m.Version, cur
	name := d.m.path
	for step := 0; ; step++ {
		info, err := d.statVersion(ctx, st, v+1)
		if err != nil {
			return nil, err
		}
		if info == nil {
			break
		}
		if step == maxStatSteps {
			return nil, nil
		}
		v, last, name = v+1, *info, info.Name
	}
	if v == d.m.Version {
		return d, nil
	}
	m, err := readManifest(ctx, d.store, name)
	if err != nil {
		return nil, err
	}
	if m.Version != v {
		return nil, nil
	}
	nd, err := d.derive(m)
	if err != nil {
		return nil, err
	}
	nd.ident.Store(&last)
	return nd, nil
}

// statVersion describes the manifest of version v, or returns nil if there
// is none. Only d's naming scheme is tried: a dataset whose manifests were
// renamed to the other scheme no longer has d's manifest either, and
// latestByStat then lists.
func (d *Dataset) statVersion(ctx context.Context, st objstore.Statter, v uint64) (*objstore.ObjectInfo, error) {
	info, err := st.Stat(ctx, manifestName(v, d.v2names))
	if err == nil {
		return &info, nil
	}
	if errors.Is(err, objstore.ErrNotFound) {
		return nil, nil
	}
	return nil, err
}

// sameManifest reports whether info describes the manifest file d was read
// from, as far as d knows it.
func (d *Dataset) sameManifest(info objstore.ObjectInfo) bool {
	if info.Name != d.m.path {
		return false
	}
	id := d.ident.Load()
	return id == nil || (id.Size == info.Size && id.ModTime.Equal(info.ModTime))
}

// derive makes a Dataset for another version sharing store and settings.
func (d *Dataset) derive(m *manifest) (*Dataset, error) {
	return newDataset(d.store, d.uri, m, d.v2names, d.mem, d.maxRowsPerFile, d.delCache)
}

// readTxn loads the transaction that produced manifest m (inline section or
// _transactions file); nil if it recorded none.
func (d *Dataset) readTxn(ctx context.Context, m *manifest) (*txnInfo, error) {
	if len(m.inlineTxn) > 0 {
		return decodeTxn(m.inlineTxn)
	}
	if m.TxnFile == "" {
		return nil, nil
	}
	b, err := d.store.ReadFile(ctx, "_transactions/"+m.TxnFile)
	if err != nil {
		return nil, err
	}
	return decodeTxn(b)
}

// writeHint records the latest version for readers that use the hint; it is
// advisory, so failures are ignored. The manifest is already durable, so
// the hint is not flushed to disk where the store can skip that: after a
// crash a stale or missing hint only sends readers to the listing.
func (d *Dataset) writeHint(ctx context.Context, v uint64) {
	b, _ := json.Marshal(map[string]uint64{"version": v})
	name := versionsDir + "latest_version_hint.json"
	if aw, ok := d.store.(objstore.AdvisoryWriter); ok {
		_ = aw.PutAdvisory(ctx, name, b)
		return
	}
	if w, err := d.store.Create(ctx, name); err == nil {
		if _, err := w.Write(b); err != nil {
			w.Abort()
			return
		}
		w.Close()
	}
}
