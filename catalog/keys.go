package catalog

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// MetaIndexes is the schema metadata key that holds a table's keys and
// indexes: a JSON array of Index in creation order, for example
//
//	[{"name":"PRIMARY","columns":["id"],"unique":true,"primary":true},
//	 {"name":"email","columns":["email"],"unique":true},
//	 {"name":"t1i1","columns":["x","y"]}]
//
// Unique entries (PRIMARY KEY, UNIQUE constraints, CREATE UNIQUE INDEX) are
// enforced on every write; the others are bookkeeping only (nothing is built
// that would speed up queries).
const MetaIndexes = "genevasql:indexes"

// PrimaryKeyName is the name MySQL gives every primary key.
const PrimaryKeyName = "PRIMARY"

// Index is one key or index of a table.
type Index struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// Lengths are prefix lengths (KEY (c(10))), 0 for the whole value;
	// absent when no column has one.
	Lengths []int `json:"lengths,omitempty"`
	Unique  bool  `json:"unique,omitempty"`
	Primary bool  `json:"primary,omitempty"`
}

// ParseIndexes reads the indexes recorded in a dataset's schema metadata
// (nil when there are none or the entry is unreadable).
func ParseIndexes(meta map[string]string) []Index {
	v, ok := meta[MetaIndexes]
	if !ok || v == "" {
		return nil
	}
	var out []Index
	if json.Unmarshal([]byte(v), &out) != nil {
		return nil
	}
	return out
}

// IndexesMeta renders indexes as schema metadata; an empty list gives an
// empty value, which removes the key.
func IndexesMeta(ix []Index) map[string]string {
	if len(ix) == 0 {
		return map[string]string{MetaIndexes: ""}
	}
	b, _ := json.Marshal(ix)
	return map[string]string{MetaIndexes: string(b)}
}

// IndexesWithout removes a dropped column from the indexes recorded in
// meta, dropping indexes left without columns; changed is false when no
// index had the column.
func IndexesWithout(meta map[string]string, col string) (md map[string]string, changed bool) {
	ix := ParseIndexes(meta)
	var out []Index
	for _, x := range ix {
		var cols []string
		var lens []int
		for i, c := range x.Columns {
			if strings.EqualFold(c, col) {
				changed = true
				continue
			}
			cols = append(cols, c)
			if i < len(x.Lengths) {
				lens = append(lens, x.Lengths[i])
			}
		}
		if len(cols) > 0 {
			x.Columns = cols
			if x.Lengths != nil {
				x.Lengths = lens
			}
			out = append(out, x)
		}
	}
	return IndexesMeta(out), changed
}

// FindIndex returns the position of the index named name
// (case-insensitively), or -1.
func FindIndex(ix []Index, name string) int {
	for i, x := range ix {
		if strings.EqualFold(x.Name, name) {
			return i
		}
	}
	return -1
}

// IndexName picks MySQL's name for an unnamed index: its first column, then
// with _2, _3, … while taken.
func IndexName(ix []Index, first string) string {
	name := first
	for n := 2; FindIndex(ix, name) >= 0 || strings.EqualFold(name, PrimaryKeyName); n++ {
		name = first + "_" + strconv.Itoa(n)
	}
	return name
}

// SortIndexes orders indexes as MySQL shows them: the primary key, then
// unique indexes, then the others, each group in creation order.
func SortIndexes(ix []Index) []Index {
	out := append([]Index(nil), ix...)
	rank := func(x Index) int {
		switch {
		case x.Primary:
			return 0
		case x.Unique:
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// Indexes lists the table's keys and indexes. Column names are spelled as in
// the schema; a column that no longer exists is left out of its index (as
// MySQL does on DROP COLUMN), and an index left with no column is dropped.
func (t *LanceTable) Indexes() []Index {
	ix := ParseIndexes(t.ds.SchemaMetadata())
	if ix == nil {
		return nil
	}
	fields := t.Schema().Fields()
	out := ix[:0]
	for _, x := range ix {
		var cols []string
		var lens []int
		for i, c := range x.Columns {
			for _, f := range fields {
				if strings.EqualFold(f.Name, c) {
					cols = append(cols, f.Name)
					l := 0
					if i < len(x.Lengths) {
						l = x.Lengths[i]
					}
					lens = append(lens, l)
					break
				}
			}
		}
		if len(cols) == 0 {
			continue
		}
		x.Columns, x.Lengths = cols, nil
		for _, l := range lens {
			if l > 0 {
				x.Lengths = lens
				break
			}
		}
		out = append(out, x)
	}
	return out
}

// AddIndex records a new index in one commit. A unique index is checked
// against the rows first: a duplicate is error 1062 and nothing changes.
func (t *LanceTable) AddIndex(ctx context.Context, x Index) error {
	ix := t.Indexes()
	if x.Primary {
		for _, o := range ix {
			if o.Primary {
				return sqlerr.New(1068, "Multiple primary key defined")
			}
		}
	} else if FindIndex(ix, x.Name) >= 0 || strings.EqualFold(x.Name, PrimaryKeyName) {
		return sqlerr.New(1061, "Duplicate key name '%s'", x.Name)
	}
	fields := t.Schema().Fields()
	for _, c := range x.Columns {
		if fieldIndex(fields, c) < 0 {
			return sqlerr.New(1072, "Key column '%s' doesn't exist in table", c)
		}
	}
	if x.Unique {
		k, err := t.resolveKey(x)
		if err != nil {
			return err
		}
		c := &keyCheck{t: t, keys: []tableKey{k}, mode: ConflictError}
		if err := c.load(ctx, nil, true); err != nil {
			return err
		}
	}
	return t.setIndexes(ctx, append(ix, x))
}

// DropIndex removes the index named name (PRIMARY for the primary key); an
// unknown name is MySQL's error 1091.
func (t *LanceTable) DropIndex(ctx context.Context, name string) error {
	ix := t.Indexes()
	i := FindIndex(ix, name)
	if i < 0 {
		return &sqlerr.Error{Code: 1091, SQLState: "42000", Msg: "Can't DROP '" + name + "'; check that column/key exists"}
	}
	return t.setIndexes(ctx, append(ix[:i:i], ix[i+1:]...))
}

func (t *LanceTable) setIndexes(ctx context.Context, ix []Index) error {
	// Based on the version the check read: a concurrent write that could
	// have added a duplicate makes this fail instead of slipping through.
	nds, err := t.ds.Apply(ctx, lance.Change{SetMetadata: IndexesMeta(ix), BaseVersion: t.ds.Version()})
	if err != nil {
		return commitError(t.name, err)
	}
	t.ds = nds
	return nil
}

func fieldIndex(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// ConflictMode says what a write does with a row whose unique key value is
// already in the table (or earlier in the same statement).
type ConflictMode int

const (
	// ConflictError fails the statement with error 1062 (INSERT, UPDATE).
	ConflictError ConflictMode = iota
	// ConflictIgnore skips the new row (INSERT IGNORE, LOAD DATA … IGNORE).
	ConflictIgnore
	// ConflictReplace deletes the rows it collides with (REPLACE).
	ConflictReplace
	// conflictUpdate marks the stored row a new row collides with for
	// ON DUPLICATE KEY UPDATE (InsertOnDuplicate).
	conflictUpdate
)

// ConflictInserter is a table that can insert under a ConflictMode.
type ConflictInserter interface {
	// InsertOnConflict inserts rows and returns MySQL's affected-rows count:
	// one per row inserted plus one per row a REPLACE deleted.
	InsertOnConflict(ctx context.Context, rows RecordStream, mode ConflictMode) (int64, error)
}

// OnConflict returns t with its Insert handling key conflicts as mode says.
// Tables that do not enforce keys are returned as they are (REPLACE and
// INSERT IGNORE are then plain inserts).
func OnConflict(t MutableTable, mode ConflictMode) MutableTable {
	if mode == ConflictError {
		return t
	}
	if ci, ok := t.(ConflictInserter); ok {
		return conflictTable{MutableTable: t, ci: ci, mode: mode}
	}
	return t
}

type conflictTable struct {
	MutableTable
	ci   ConflictInserter
	mode ConflictMode
}

func (c conflictTable) Insert(ctx context.Context, rows RecordStream) (int64, error) {
	return c.ci.InsertOnConflict(ctx, rows, c.mode)
}

// InsertOnConflict implements ConflictInserter.
func (t *LanceTable) InsertOnConflict(ctx context.Context, rows RecordStream, mode ConflictMode) (int64, error) {
	keys, err := t.uniqueKeys()
	if err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return t.Insert(ctx, rows)
	}
	return t.insertKeyed(ctx, t.withAutoIncrement(rows), keys, mode)
}

// tableKey is a unique index resolved against the visible schema.
type tableKey struct {
	Index
	cols []int // positions in Schema()
}

// uniqueKeys resolves the table's unique indexes; none for most tables,
// which then pay only a metadata lookup per write.
func (t *LanceTable) uniqueKeys() ([]tableKey, error) {
	if _, ok := t.ds.SchemaMetadata()[MetaIndexes]; !ok {
		return nil, nil
	}
	var out []tableKey
	for _, x := range t.Indexes() {
		if !x.Unique {
			continue
		}
		k, err := t.resolveKey(x)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (t *LanceTable) resolveKey(x Index) (tableKey, error) {
	fields := t.Schema().Fields()
	k := tableKey{Index: x}
	for _, c := range x.Columns {
		i := fieldIndex(fields, c)
		if i < 0 {
			return k, sqlerr.New(1072, "Key column '%s' doesn't exist in table", c)
		}
		k.cols = append(k.cols, i)
	}
	return k, nil
}

// newRowID marks ids of rows written by the running statement (the others
// are row addresses, whose top bit Lance never sets).
const newRowID = uint64(1) << 63

// keyCheck finds key conflicts of one statement: one hash set per unique
// key, loaded from a scan of only the key columns, then probed and extended
// with the new rows batch by batch.
type keyCheck struct {
	t    *LanceTable
	keys []tableKey
	mode ConflictMode
	sets []*keySet
	enc  []keyEncoder // one per key
	seed maphash.Seed

	// gone holds ids of rows a REPLACE deleted (existing rows) or dropped
	// (earlier new rows); their set entries no longer count.
	gone    map[uint64]struct{}
	deletes []uint64 // existing rows to delete (REPLACE)
	dropped []bool   // per new row: replaced by a later new row (REPLACE)
	newRows uint64
	// replaced counts rows a REPLACE deleted, existing or new.
	replaced int64
	// ON DUPLICATE KEY UPDATE: the stored rows new rows collide with, and
	// the (statement-wide) positions of those new rows.
	targeted   map[uint64]struct{}
	targets    []uint64
	targetRows []uint64
}

// load builds the sets from the table's rows, leaving out rows in skip
// (UPDATE's old versions). With strict, existing duplicates are error 1062
// (CREATE UNIQUE INDEX on data that is not unique).
func (c *keyCheck) load(ctx context.Context, skip map[uint64]struct{}, strict bool) error {
	c.seed = maphash.MakeSeed()
	c.sets = make([]*keySet, len(c.keys))
	c.enc = make([]keyEncoder, len(c.keys))
	c.gone = map[uint64]struct{}{}
	// Scan the union of the key columns once.
	var scanCols []int
	pos := map[int]int{} // schema position -> scan position
	for i, k := range c.keys {
		c.sets[i] = newKeySet()
		for _, col := range k.cols {
			if _, ok := pos[col]; !ok {
				pos[col] = len(scanCols)
				scanCols = append(scanCols, col)
			}
		}
	}
	if c.t.ds.CountRows() == 0 {
		return nil
	}
	st, err := c.t.Scan(ctx, ScanRequest{Columns: scanCols, WithRowAddr: true})
	if err != nil {
		return err
	}
	defer st.Close()
	cols := make([]arrow.Array, 0, 4)
	for {
		b, err := st.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		addrs, _ := b.Column(len(scanCols)).(*array.Uint64)
		if addrs == nil {
			b.Release()
			return sqlerr.New(sqlerr.ErrUnknownSystem, "internal: key scan of '%s' returned no row addresses", c.t.name)
		}
		ids := addrs.Uint64Values()
		for i, k := range c.keys {
			cols = cols[:0]
			for _, col := range k.cols {
				cols = append(cols, b.Column(pos[col]))
			}
			e := &c.enc[i]
			e.encode(cols, k.Lengths, c.seed)
			if strict && k.Primary && e.nulls > 0 {
				// A primary key makes its columns NOT NULL.
				b.Release()
				return sqlerr.New(1138, "Invalid use of NULL value")
			}
			s := c.sets[i]
			for r := 0; r < e.n; r++ {
				if e.null[r] {
					continue
				}
				if skip != nil {
					if _, ok := skip[ids[r]]; ok {
						continue
					}
				}
				key := e.key(r)
				if strict && s.find(e.hash[r], key) >= 0 {
					err := c.duplicate(ctx, k, cols, r)
					b.Release()
					return err
				}
				s.add(e.hash[r], key, ids[r])
			}
		}
		b.Release()
	}
}

// check probes one batch of new rows. It returns which rows to keep (nil:
// all) or the first conflict as error 1062 (ConflictError).
func (c *keyCheck) check(ctx context.Context, b arrow.RecordBatch) ([]bool, error) {
	n := int(b.NumRows())
	cols := make([][]arrow.Array, len(c.keys))
	for i, k := range c.keys {
		for _, col := range k.cols {
			cols[i] = append(cols[i], b.Column(col))
		}
		c.enc[i].encode(cols[i], k.Lengths, c.seed)
		if k.Primary && c.enc[i].nulls > 0 {
			for j, a := range cols[i] {
				if a.NullN() > 0 {
					return nil, sqlerr.New(sqlerr.ErrBadNull, "Column '%s' cannot be null", b.Schema().Field(k.cols[j]).Name)
				}
			}
		}
	}
	var keep []bool
	hits := make([]int32, len(c.keys))
	for r := 0; r < n; r++ {
		id := newRowID | c.newRows
		c.newRows++
		conflict := false
		for i := range c.keys {
			hits[i] = -1
			e := &c.enc[i]
			if e.null[r] {
				continue // NULLs never collide in a UNIQUE key
			}
			h := c.sets[i].find(e.hash[r], e.key(r))
			if h < 0 {
				continue
			}
			if _, g := c.gone[c.sets[i].ids[h]]; g {
				hits[i] = h // a deleted row's entry: take it over
				continue
			}
			switch c.mode {
			case ConflictError:
				return nil, c.duplicate(ctx, c.keys[i], cols[i], r)
			case ConflictIgnore:
				conflict = true
			case conflictUpdate:
				old := c.sets[i].ids[h]
				if _, dup := c.targeted[old]; dup || old&newRowID != 0 {
					return nil, sqlerr.New(sqlerr.ErrNotSupported, "INSERT … ON DUPLICATE KEY UPDATE whose new rows collide with each other (key '%s') is not supported yet", c.keys[i].Name)
				}
				c.targeted[old] = struct{}{}
				c.targets = append(c.targets, old)
				c.targetRows = append(c.targetRows, id&^newRowID)
				conflict = true
			case ConflictReplace:
				old := c.sets[i].ids[h]
				c.gone[old] = struct{}{}
				c.replaced++
				if old&newRowID != 0 {
					c.dropped[old&^newRowID] = true
				} else {
					c.deletes = append(c.deletes, old)
				}
				hits[i] = h
			}
			if conflict {
				break
			}
		}
		if c.mode == ConflictReplace {
			c.dropped = append(c.dropped, false)
		}
		if conflict {
			if keep == nil {
				keep = make([]bool, n)
				for j := 0; j < r; j++ {
					keep[j] = true
				}
			}
			continue
		}
		if keep != nil {
			keep[r] = true
		}
		for i := range c.keys {
			e := &c.enc[i]
			if e.null[r] {
				continue
			}
			if hits[i] >= 0 {
				c.sets[i].ids[hits[i]] = id
			} else {
				c.sets[i].add(e.hash[r], e.key(r), id)
			}
		}
	}
	return keep, nil
}

// duplicate is MySQL's error for a key value that is already taken.
func (c *keyCheck) duplicate(ctx context.Context, k tableKey, cols []arrow.Array, row int) error {
	parts := make([]string, len(cols))
	ec := &functions.EvalContext{Ctx: ctx, Mem: c.t.mem}
	for i, a := range cols {
		one := array.NewSlice(a, int64(row), int64(row+1))
		if s, err := functions.Cast(ec, one, arrow.BinaryTypes.String); err == nil {
			if str, ok := s.(*array.String); ok && str.IsValid(0) {
				parts[i] = str.Value(0)
				if l := prefixLen(k.Lengths, i); l > 0 {
					parts[i] = cutChars(parts[i], l) // the value as the index holds it
				}
			}
			s.Release()
		}
		one.Release()
	}
	return &sqlerr.Error{Code: 1062, SQLState: "23000",
		Msg: "Duplicate entry '" + strings.Join(parts, "-") + "' for key '" + c.t.name + "." + k.Name + "'"}
}

// insertKeyed inserts under unique keys in one commit based on the version
// the keys were read from, so a concurrent writer cannot slip a duplicate in
// (it makes this commit fail with a conflict instead).
func (t *LanceTable) insertKeyed(ctx context.Context, rows RecordStream, keys []tableKey, mode ConflictMode) (int64, error) {
	c := &keyCheck{t: t, keys: keys, mode: mode}
	if !c.fromCache() {
		if err := c.load(ctx, nil, false); err != nil {
			return 0, err
		}
	}
	var in RecordStream = &checkedStream{in: rows, c: c}
	if mode == ConflictReplace {
		// A later row can replace an earlier one of the same statement, so
		// the rows are checked in full before any is written.
		buf, err := bufferChecked(ctx, in)
		if err != nil {
			return 0, err
		}
		defer buf.Close()
		in = buf
	}
	base := t.ds.Version()
	written, err := t.commitChange(ctx, in, c.deletes)
	if err != nil {
		return 0, err
	}
	if len(c.deletes) == 0 && c.replaced == 0 && t.ds.Version() == base+1 {
		c.toCache(t.ds)
	}
	if mode == ConflictReplace {
		// MySQL counts every row inserted, even one a later row of the same
		// statement replaced, plus every row deleted.
		return int64(c.newRows) + c.replaced, nil
	}
	return written, nil
}

// commitChange appends in and deletes rows in one commit based on the
// version the keys were read from: a concurrent writer that could have
// added a duplicate makes it fail with a conflict instead. It returns the
// number of rows appended.
func (t *LanceTable) commitChange(ctx context.Context, in RecordStream, deletes []uint64) (int64, error) {
	rdr := &streamReader{ctx: ctx, s: t.storedStream(in)}
	rdr.refs.Store(1)
	nds, err := t.ds.Apply(ctx, lance.Change{Append: rdr, Delete: deletes, BaseVersion: t.ds.Version()})
	if rdr.err != nil {
		return 0, rdr.err
	}
	if err != nil {
		return 0, commitError(t.name, err)
	}
	t.ds = nds
	return rdr.rows, nil
}

// Key sets outlive their statement so that a run of small INSERTs into a
// keyed table does not rescan the key columns each time: after a commit
// that only added rows, the sets (which then hold exactly the keys of the
// new version) are kept for that version, and the next statement on that
// version takes them over. Any other commit (DELETE, UPDATE, a concurrent
// writer) changes the version, and the next statement scans again.
var setCache = struct {
	sync.Mutex
	m map[string]*cachedSets // by dataset folder
}{m: map[string]*cachedSets{}}

type cachedSets struct {
	version uint64
	stamp   time.Time // of that version: a table dropped and created again does not match
	sig     string    // the keys the sets were built for
	seed    maphash.Seed
	sets    []*keySet
}

// Bounds on what the cache keeps: a few tables, none with huge sets.
const (
	maxCachedTables = 8
	maxCachedBytes  = 64 << 20
)

func keysSig(keys []tableKey) string {
	ix := make([]Index, len(keys))
	for i, k := range keys {
		ix[i] = k.Index
	}
	b, _ := json.Marshal(ix)
	return string(b)
}

// fromCache takes over the sets kept for the table's version, if any. The
// ids of rows added by earlier statements are not row addresses, so REPLACE,
// which deletes by address, always scans.
func (c *keyCheck) fromCache() bool {
	if c.mode == ConflictReplace {
		return false
	}
	setCache.Lock()
	defer setCache.Unlock()
	e := setCache.m[c.t.path]
	if e == nil {
		return false
	}
	delete(setCache.m, c.t.path) // this statement owns the sets now
	if e.version != c.t.ds.Version() || !e.stamp.Equal(c.t.ds.Timestamp()) || e.sig != keysSig(c.keys) {
		return false
	}
	c.seed, c.sets = e.seed, e.sets
	c.enc = make([]keyEncoder, len(c.keys))
	c.gone = map[uint64]struct{}{}
	return true
}

// toCache keeps the sets for version ds, which they now describe.
func (c *keyCheck) toCache(ds *lance.Dataset) {
	size := 0
	for _, s := range c.sets {
		size += s.size()
	}
	if size > maxCachedBytes {
		return
	}
	setCache.Lock()
	defer setCache.Unlock()
	if _, ok := setCache.m[c.t.path]; !ok && len(setCache.m) >= maxCachedTables {
		for k := range setCache.m {
			delete(setCache.m, k)
			break
		}
	}
	setCache.m[c.t.path] = &cachedSets{version: ds.Version(), stamp: ds.Timestamp(), sig: keysSig(c.keys), seed: c.seed, sets: c.sets}
}

// updateKeyed replaces rows under unique keys: the new values must not
// collide with each other or with the rows that are not updated. (MySQL
// checks row by row, so it refuses some updates, such as SET id = id + 1,
// whose final state is unique; this check accepts them.)
func (t *LanceTable) updateKeyed(ctx context.Context, rowAddrs []uint64, newRows RecordStream, keys []tableKey) (int64, error) {
	skip := make(map[uint64]struct{}, len(rowAddrs))
	for _, a := range rowAddrs {
		skip[a] = struct{}{}
	}
	c := &keyCheck{t: t, keys: keys, mode: ConflictError}
	if err := c.load(ctx, skip, false); err != nil {
		return 0, err
	}
	if _, err := t.commitChange(ctx, &checkedStream{in: newRows, c: c}, rowAddrs); err != nil {
		return 0, err
	}
	return int64(len(rowAddrs)), nil
}

// checkedStream passes batches through the key check, leaving out the rows
// it drops (INSERT IGNORE).
type checkedStream struct {
	in RecordStream
	c  *keyCheck
}

func (s *checkedStream) Schema() *arrow.Schema { return s.in.Schema() }
func (s *checkedStream) Close() error          { return s.in.Close() }
func (s *checkedStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := s.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		keep, err := s.c.check(ctx, b)
		if err != nil {
			b.Release()
			return nil, err
		}
		if keep == nil {
			return b, nil
		}
		out, err := filterBatch(s.c.t, b, keep)
		b.Release()
		if err != nil {
			return nil, err
		}
		if out.NumRows() > 0 {
			return out, nil
		}
		out.Release()
	}
}

// bufferChecked reads a checked stream to its end and returns its rows
// without those a later row replaced.
func bufferChecked(ctx context.Context, in RecordStream) (*batchStream, error) {
	cs := in.(*checkedStream)
	bs, err := readAll(ctx, in, nil)
	if err != nil {
		return nil, err
	}
	release := func() { releaseBatches(bs) }
	out := &batchStream{schema: in.Schema()}
	row := 0
	for _, b := range bs {
		n := int(b.NumRows())
		drop := cs.c.dropped[row : row+n]
		row += n
		keep := make([]bool, n)
		any := false
		for i, d := range drop {
			keep[i] = !d
			any = any || d
		}
		if !any {
			b.Retain()
			out.batches = append(out.batches, b)
			continue
		}
		f, err := filterBatch(cs.c.t, b, keep)
		if err != nil {
			release()
			out.Close()
			return nil, err
		}
		out.batches = append(out.batches, f)
	}
	release()
	return out, nil
}

// batchStream streams batches it owns.
type batchStream struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (s *batchStream) Schema() *arrow.Schema { return s.schema }
func (s *batchStream) Next(context.Context) (arrow.RecordBatch, error) {
	if len(s.batches) == 0 {
		return nil, io.EOF
	}
	b := s.batches[0]
	s.batches = s.batches[1:]
	return b, nil
}
func (s *batchStream) Close() error {
	for _, b := range s.batches {
		b.Release()
	}
	s.batches = nil
	return nil
}

// filterBatch keeps the rows of b marked in keep, copying runs of kept rows.
func filterBatch(t *LanceTable, b arrow.RecordBatch, keep []bool) (arrow.RecordBatch, error) {
	var runs [][2]int64
	for i := 0; i < len(keep); {
		if !keep[i] {
			i++
			continue
		}
		j := i
		for j < len(keep) && keep[j] {
			j++
		}
		runs = append(runs, [2]int64{int64(i), int64(j)})
		i = j
	}
	var n int64
	for _, r := range runs {
		n += r[1] - r[0]
	}
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	parts := make([]arrow.Array, len(runs))
	for ci := range cols {
		if len(runs) == 0 {
			cols[ci] = array.MakeArrayOfNull(t.mem, b.Column(ci).DataType(), 0)
			continue
		}
		for ri, r := range runs {
			parts[ri] = array.NewSlice(b.Column(ci), r[0], r[1])
		}
		c, err := array.Concatenate(parts, t.mem)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		cols[ci] = c
	}
	return array.NewRecordBatch(b.Schema(), cols, n), nil
}

// keySet is a hash set of encoded key values, each with the id of its row;
// keys live in one arena so adding a key does not allocate per row.
type keySet struct {
	head  map[uint64]int32 // hash -> newest entry with that hash
	next  []int32          // older entry with the same hash, or -1
	arena []byte
	ends  []int // entry i is arena[ends[i]:ends[i+1]]
	ids   []uint64
}

// size estimates the set's memory in bytes.
func (s *keySet) size() int {
	return len(s.arena) + 8*len(s.ends) + 8*len(s.ids) + 4*len(s.next) + 24*len(s.head)
}

func newKeySet() *keySet { return &keySet{head: map[uint64]int32{}, ends: []int{0}} }

func (s *keySet) find(h uint64, k []byte) int32 {
	e, ok := s.head[h]
	if !ok {
		return -1
	}
	for ; e >= 0; e = s.next[e] {
		if bytes.Equal(s.arena[s.ends[e]:s.ends[e+1]], k) {
			return e
		}
	}
	return -1
}

func (s *keySet) add(h uint64, k []byte, id uint64) {
	prev, ok := s.head[h]
	if !ok {
		prev = -1
	}
	s.head[h] = int32(len(s.ids))
	s.next = append(s.next, prev)
	s.arena = append(s.arena, k...)
	s.ends = append(s.ends, len(s.arena))
	s.ids = append(s.ids, id)
}

// keyEncoder turns the key columns of a batch into one byte string per row
// such that two rows have equal strings exactly when their keys compare
// equal under the engine's rules (strings by the default collation, -0 = 0).
type keyEncoder struct {
	n     int
	nulls int
	null  []bool   // per row: some key column is NULL
	buf   []byte   // row keys
	ends  []int    // row r is buf[ends[r]:ends[r+1]]
	hash  []uint64 // per row
	col   [][]byte // per column, for composite keys
	offs  [][]int
}

func (e *keyEncoder) key(r int) []byte { return e.buf[e.ends[r]:e.ends[r+1]] }

func (e *keyEncoder) encode(cols []arrow.Array, lengths []int, seed maphash.Seed) {
	n := 0
	if len(cols) > 0 {
		n = cols[0].Len()
	}
	e.n = n
	e.null = resize(e.null, n)
	for i := range e.null {
		e.null[i] = false
	}
	for _, a := range cols {
		if a.NullN() > 0 {
			for r := 0; r < n; r++ {
				if a.IsNull(r) {
					e.null[r] = true
				}
			}
		}
	}
	e.nulls = 0
	for _, v := range e.null {
		if v {
			e.nulls++
		}
	}
	if len(cols) == 1 {
		e.buf, e.ends = encodeColumn(e.buf[:0], resize(e.ends, n+1), cols[0], prefixLen(lengths, 0))
	} else {
		for len(e.col) < len(cols) {
			e.col, e.offs = append(e.col, nil), append(e.offs, nil)
		}
		for i, a := range cols {
			e.col[i], e.offs[i] = encodeColumn(e.col[i][:0], resize(e.offs[i], n+1), a, prefixLen(lengths, i))
		}
		e.buf = e.buf[:0]
		e.ends = resize(e.ends, n+1)
		e.ends[0] = 0
		for r := 0; r < n; r++ {
			for i := range cols {
				e.buf = append(e.buf, e.col[i][e.offs[i][r]:e.offs[i][r+1]]...)
			}
			e.ends[r+1] = len(e.buf)
		}
	}
	e.hash = resize(e.hash, n)
	for r := 0; r < n; r++ {
		e.hash[r] = maphash.Bytes(seed, e.buf[e.ends[r]:e.ends[r+1]])
	}
}

func prefixLen(lengths []int, i int) int {
	if i < len(lengths) {
		return lengths[i]
	}
	return 0
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// encodeColumn appends the encoding of every value of a to dst, with
// offs[r]..offs[r+1] delimiting row r. Fixed-width values become 8-byte
// words; strings are folded to their collation key (cut to prefix
// characters when prefix > 0) and, like bytes, length-prefixed so that
// composite keys cannot run into each other.
func encodeColumn(dst []byte, offs []int, a arrow.Array, prefix int) ([]byte, []int) {
	offs[0] = 0
	n := a.Len()
	switch a := a.(type) {
	case *array.Int8:
		dst = appendSigned(dst, offs, a.Int8Values())
	case *array.Int16:
		dst = appendSigned(dst, offs, a.Int16Values())
	case *array.Int32:
		dst = appendSigned(dst, offs, a.Int32Values())
	case *array.Int64:
		dst = appendSigned(dst, offs, a.Int64Values())
	case *array.Date32:
		dst = appendSigned(dst, offs, a.Date32Values())
	case *array.Timestamp:
		dst = appendSigned(dst, offs, a.TimestampValues())
	case *array.Uint8:
		dst = appendUnsigned(dst, offs, a.Uint8Values())
	case *array.Uint16:
		dst = appendUnsigned(dst, offs, a.Uint16Values())
	case *array.Uint32:
		dst = appendUnsigned(dst, offs, a.Uint32Values())
	case *array.Uint64:
		dst = appendUnsigned(dst, offs, a.Uint64Values())
	case *array.Float32:
		dst = appendFloats(dst, offs, a.Float32Values())
	case *array.Float64:
		dst = appendFloats(dst, offs, a.Float64Values())
	case *array.Boolean:
		for r := 0; r < n; r++ {
			var v byte
			if a.Value(r) {
				v = 1
			}
			dst = append(dst, v)
			offs[r+1] = len(dst)
		}
	case *array.Decimal128:
		v := a.Values()
		for r := 0; r < n; r++ {
			dst = binary.LittleEndian.AppendUint64(dst, v[r].LowBits())
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v[r].HighBits()))
			offs[r+1] = len(dst)
		}
	case *array.String:
		dst = appendStrings(dst, offs, a, prefix)
	case *array.LargeString:
		dst = appendStrings(dst, offs, a, prefix)
	case *array.Binary:
		for r := 0; r < n; r++ {
			if a.IsValid(r) {
				dst = appendLenPrefixed(dst, a.Value(r), prefix)
			}
			offs[r+1] = len(dst)
		}
	default:
		// Vectors and other nested values: their printed form. Rare as keys.
		for r := 0; r < n; r++ {
			if a.IsValid(r) {
				dst = appendLenPrefixed(dst, []byte(a.ValueStr(r)), 0)
			}
			offs[r+1] = len(dst)
		}
	}
	return dst, offs
}

type stringArray interface {
	*array.String | *array.LargeString
	Len() int
	IsValid(int) bool
	Value(int) string
}

func appendStrings[A stringArray](dst []byte, offs []int, a A, prefix int) []byte {
	for r := 0; r < a.Len(); r++ {
		if a.IsValid(r) {
			dst = appendFolded(dst, a.Value(r), prefix)
		}
		offs[r+1] = len(dst)
	}
	return dst
}

func appendSigned[T ~int8 | ~int16 | ~int32 | ~int64](dst []byte, offs []int, v []T) []byte {
	for r, x := range v {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(int64(x)))
		offs[r+1] = len(dst)
	}
	return dst
}

func appendUnsigned[T ~uint8 | ~uint16 | ~uint32 | ~uint64](dst []byte, offs []int, v []T) []byte {
	for r, x := range v {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
		offs[r+1] = len(dst)
	}
	return dst
}

func appendFloats[T float32 | float64](dst []byte, offs []int, v []T) []byte {
	for r, x := range v {
		dst = binary.LittleEndian.AppendUint64(dst, floatKey(float64(x)))
		offs[r+1] = len(dst)
	}
	return dst
}

// floatKey makes equal floats equal words: -0 is 0.
func floatKey(f float64) uint64 {
	if f == 0 {
		return 0
	}
	return math.Float64bits(f)
}

// appendFolded appends a string's collation key, length-prefixed.
func appendFolded(dst []byte, s string, prefix int) []byte {
	if prefix > 0 {
		s = cutChars(s, prefix)
	}
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = functions.AppendFold(dst, s)
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

func appendLenPrefixed(dst, b []byte, prefix int) []byte {
	if prefix > 0 && len(b) > prefix {
		b = b[:prefix]
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// cutChars keeps the first n characters of s.
func cutChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// DuplicateUpdate computes INSERT … ON DUPLICATE KEY UPDATE: given the
// stored rows some new rows collide with (old) and those new rows (new),
// both in the table's visible schema and aligned row by row, it returns the
// columns (in schema order) the stored rows become. The caller releases
// nothing it did not allocate; the returned arrays are released by the
// table.
type DuplicateUpdate func(ctx context.Context, mem memory.Allocator, old, new arrow.RecordBatch) ([]arrow.Array, error)

// DuplicateUpdater is a table that can run ON DUPLICATE KEY UPDATE.
type DuplicateUpdater interface {
	// InsertOnDuplicate inserts rows, updating instead the stored row a new
	// row collides with; it returns MySQL's affected-rows count: 1 per row
	// inserted, 2 per row updated to new values, 0 per row left as it was.
	InsertOnDuplicate(ctx context.Context, rows RecordStream, upd DuplicateUpdate) (int64, error)
}

// OnDuplicateUpdate returns t with its Insert running ON DUPLICATE KEY
// UPDATE; on a table that cannot, Insert is error 1235.
func OnDuplicateUpdate(t MutableTable, upd DuplicateUpdate) MutableTable {
	return dupTable{MutableTable: t, upd: upd}
}

type dupTable struct {
	MutableTable
	upd DuplicateUpdate
}

func (d dupTable) Insert(ctx context.Context, rows RecordStream) (int64, error) {
	u, ok := d.MutableTable.(DuplicateUpdater)
	if !ok {
		return 0, sqlerr.New(sqlerr.ErrNotSupported, "INSERT … ON DUPLICATE KEY UPDATE is not supported on '%s'", d.Name())
	}
	return u.InsertOnDuplicate(ctx, rows, d.upd)
}

// InsertOnDuplicate implements DuplicateUpdater. The new rows are checked
// in full first; the stored rows they collide with are read in one take and
// updated in one call of upd, and everything is one commit (deletes of the
// updated rows' old versions, appends of new rows and new versions). New
// rows that collide with each other are refused (1235) rather than applied
// one after the other as MySQL does.
func (t *LanceTable) InsertOnDuplicate(ctx context.Context, rows RecordStream, upd DuplicateUpdate) (int64, error) {
	keys, err := t.uniqueKeys()
	if err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return t.Insert(ctx, rows)
	}
	rows = t.withAutoIncrement(rows)
	c := &keyCheck{t: t, keys: keys, mode: conflictUpdate, targeted: map[uint64]struct{}{}}
	if err := c.load(ctx, nil, false); err != nil {
		return 0, err
	}
	// Read and check every new row; keep the batches and which rows insert.
	var keeps [][]bool
	raw, err := readAll(ctx, rows, func(b arrow.RecordBatch) error {
		keep, err := c.check(ctx, b)
		keeps = append(keeps, keep)
		return err
	})
	if err != nil {
		return 0, err
	}
	defer releaseBatches(raw)
	out := &batchStream{schema: t.Schema()}
	defer out.Close()
	var inserted int64
	for i, b := range raw {
		if keeps[i] == nil {
			b.Retain()
			out.batches = append(out.batches, b)
			inserted += b.NumRows()
			continue
		}
		f, err := filterBatch(t, b, keeps[i])
		if err != nil {
			return 0, err
		}
		inserted += f.NumRows()
		out.batches = append(out.batches, f)
	}
	var changed int64
	if len(c.targets) > 0 {
		nb, n, err := c.updateTargets(ctx, raw, upd)
		if err != nil {
			return 0, err
		}
		if nb != nil {
			out.batches = append(out.batches, nb)
		}
		changed = n
	}
	if _, err := t.commitChange(ctx, out, c.deletes); err != nil {
		return 0, err
	}
	return inserted + 2*changed, nil
}

// updateTargets computes the new versions of the targeted stored rows,
// keeps those that change (their old versions go to c.deletes) and checks
// their keys; it returns them as one batch (nil if none changes).
func (c *keyCheck) updateTargets(ctx context.Context, raw []arrow.RecordBatch, upd DuplicateUpdate) (arrow.RecordBatch, int64, error) {
	t := c.t
	schema := t.Schema()
	old, err := t.take(ctx, c.targets)
	if err != nil {
		return nil, 0, err
	}
	defer old.Release()
	nw, err := gatherRows(t, raw, c.targetRows)
	if err != nil {
		return nil, 0, err
	}
	defer nw.Release()
	cols, err := upd(ctx, t.mem, old, nw)
	if err != nil {
		return nil, 0, err
	}
	if len(cols) != schema.NumFields() {
		releaseAll(cols)
		return nil, 0, sqlerr.New(sqlerr.ErrUnknownSystem, "internal: ON DUPLICATE KEY UPDATE gave %d columns, the table has %d", len(cols), schema.NumFields())
	}
	updated := array.NewRecordBatch(schema, cols, old.NumRows())
	releaseAll(cols)
	defer updated.Release()
	// MySQL counts (and writes) only rows whose values change.
	keep := make([]bool, old.NumRows())
	var n int64
	for r := range keep {
		for ci := range cols {
			if !array.SliceEqual(old.Column(ci), int64(r), int64(r+1), updated.Column(ci), int64(r), int64(r+1)) {
				keep[r] = true
				break
			}
		}
		if keep[r] {
			n++
			c.gone[c.targets[r]] = struct{}{}
			c.deletes = append(c.deletes, c.targets[r])
		}
	}
	if n == 0 {
		return nil, 0, nil
	}
	// The new versions must not collide with any other row.
	c.mode = ConflictError
	for i, k := range c.keys {
		kc := make([]arrow.Array, len(k.cols))
		for j, col := range k.cols {
			kc[j] = updated.Column(col)
		}
		e := &c.enc[i]
		e.encode(kc, k.Lengths, c.seed)
		for r := range keep {
			if !keep[r] {
				continue
			}
			if e.null[r] {
				if k.Primary {
					return nil, 0, sqlerr.New(sqlerr.ErrBadNull, "Column '%s' cannot be null", schema.Field(k.cols[0]).Name)
				}
				continue
			}
			h := c.sets[i].find(e.hash[r], e.key(r))
			if h >= 0 {
				if _, g := c.gone[c.sets[i].ids[h]]; !g {
					return nil, 0, c.duplicate(ctx, k, kc, r)
				}
			}
			c.sets[i].add(e.hash[r], e.key(r), newRowID|c.newRows)
			c.newRows++
		}
	}
	f, err := filterBatch(t, updated, keep)
	return f, n, err
}

// take reads stored rows by address in the visible schema (columns not
// stored yet are NULL).
func (t *LanceTable) take(ctx context.Context, addrs []uint64) (arrow.RecordBatch, error) {
	schema := t.Schema()
	stored := t.ds.Schema()
	var names []string
	for _, f := range schema.Fields() {
		if len(stored.FieldIndices(f.Name)) > 0 {
			names = append(names, f.Name)
		}
	}
	rec, err := t.ds.Take(ctx, addrs, names)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot read rows of '%s': %v", t.name, err)
	}
	defer rec.Release()
	cols := make([]arrow.Array, schema.NumFields())
	var made []arrow.Array
	for i, f := range schema.Fields() {
		if idx := rec.Schema().FieldIndices(f.Name); len(idx) > 0 {
			cols[i] = rec.Column(idx[0])
			continue
		}
		a := array.MakeArrayOfNull(t.mem, f.Type, len(addrs))
		made = append(made, a)
		cols[i] = a
	}
	out := array.NewRecordBatch(schema, cols, int64(len(addrs)))
	releaseAll(made)
	return out, nil
}

// gatherRows picks rows (statement-wide positions, ascending) out of the
// batches, in that order, as one batch.
func gatherRows(t *LanceTable, batches []arrow.RecordBatch, rows []uint64) (arrow.RecordBatch, error) {
	var parts []arrow.RecordBatch
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	var base uint64
	ri := 0
	for _, b := range batches {
		n := uint64(b.NumRows())
		keep := make([]bool, n)
		any := false
		for ri < len(rows) && rows[ri] < base+n {
			keep[rows[ri]-base] = true
			any = true
			ri++
		}
		base += n
		if !any {
			continue
		}
		f, err := filterBatch(t, b, keep)
		if err != nil {
			return nil, err
		}
		parts = append(parts, f)
	}
	schema := t.Schema()
	cols := make([]arrow.Array, schema.NumFields())
	defer func() { releaseAll(cols) }()
	for ci := range cols {
		arrs := make([]arrow.Array, len(parts))
		for i, p := range parts {
			arrs[i] = p.Column(ci)
		}
		c, err := array.Concatenate(arrs, t.mem)
		if err != nil {
			return nil, err
		}
		cols[ci] = c
	}
	return array.NewRecordBatch(schema, cols, int64(len(rows))), nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// readAll reads a stream to its end, calling each (if set) on every batch;
// on an error the batches read are released.
func readAll(ctx context.Context, in RecordStream, each func(arrow.RecordBatch) error) ([]arrow.RecordBatch, error) {
	var bs []arrow.RecordBatch
	for {
		b, err := in.Next(ctx)
		if err == io.EOF {
			return bs, nil
		}
		if err == nil {
			bs = append(bs, b)
			if each != nil {
				err = each(b)
			}
		}
		if err != nil {
			releaseBatches(bs)
			return nil, err
		}
	}
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}
