package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// Schema metadata keys on a dataset that GenevaSQL manages.
const (
	// MetaKind is "table" or "materialized_view".
	MetaKind = "genevasql:kind"
)

// SystemDir is the folder inside a database that holds what has no dataset of
// its own: plain views, external function definitions, jobs, checkpoints.
const SystemDir = "_genevasql"

// Catalog is one database folder.
type Catalog struct {
	dir string
	mem memory.Allocator
	fns *functions.Registry

	// mu serialises DDL in this process; commits themselves are protected by
	// the Lance commit protocol, also across processes.
	mu sync.Mutex

	system []SystemTableProvider

	// latest keeps the newest version opened of each table (by dataset
	// folder), so that the next statement only checks whether it is still
	// the newest instead of listing and decoding the table's manifests, and
	// the dataset's caches (deletion files) carry over between statements.
	latestMu sync.Mutex
	latest   map[string]*lance.Dataset
}

// Open opens (creating if needed) the database folder dir.
func Open(dir string, mem memory.Allocator, fns *functions.Registry) (*Catalog, error) {
	if err := os.MkdirAll(filepath.Join(dir, SystemDir, "views"), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create database folder %s: %w", dir, err)
	}
	return &Catalog{dir: dir, mem: mem, fns: fns}, nil
}

// Dir is the database folder.
func (c *Catalog) Dir() string { return c.dir }

// Mem is the allocator for table data.
func (c *Catalog) Mem() memory.Allocator { return c.mem }

// Functions is the database's function registry.
func (c *Catalog) Functions() *functions.Registry { return c.fns }

// SystemPath returns a path inside the system folder.
func (c *Catalog) SystemPath(parts ...string) string {
	return filepath.Join(append([]string{c.dir, SystemDir}, parts...)...)
}

// TablePath returns the dataset folder of a table name, whether or not it
// exists. A folder made by another tool under a different letter case is
// found too.
func (c *Catalog) TablePath(name string) (string, error) {
	stem, err := EncodeName(name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(c.dir, stem+".lance")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	entries, _ := os.ReadDir(c.dir)
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && strings.HasSuffix(n, ".lance") && strings.EqualFold(DecodeName(strings.TrimSuffix(n, ".lance")), name) {
			return filepath.Join(c.dir, n), nil
		}
	}
	return p, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TableExists reports whether a table or materialized view of that name exists.
func (c *Catalog) TableExists(name string) bool {
	p, err := c.TablePath(name)
	return err == nil && exists(filepath.Join(p, "_versions"))
}

// ErrNoSuchTable is the MySQL error for an unknown table.
func ErrNoSuchTable(name string) *sqlerr.Error {
	return sqlerr.New(sqlerr.ErrNoSuchTable, "Table '%s' doesn't exist", name)
}

// LookupTable implements Resolver. A qualified name "system.x" names a
// system table; any other qualifier is the database itself and is ignored
// (a database is one folder).
func (c *Catalog) LookupTable(ctx context.Context, name string, asOf *AsOf) (Table, error) {
	if i := strings.IndexByte(name, '.'); i > 0 && !c.TableExists(name) && !c.viewExists(name) {
		if strings.EqualFold(name[:i], "system") {
			if t, ok := c.systemTable(ctx, strings.ToLower(name[i+1:])); ok {
				return t, nil
			}
			return nil, ErrNoSuchTable(name)
		}
		name = name[i+1:]
	}
	if v, err := c.view(name); err == nil {
		if asOf != nil {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "AS OF is not supported on view '%s'", name)
		}
		return v, nil
	}
	return c.OpenTable(ctx, name, asOf)
}

// OpenTable opens a stored table (or materialized view) at a version.
func (c *Catalog) OpenTable(ctx context.Context, name string, asOf *AsOf) (*LanceTable, error) {
	p, err := c.TablePath(name)
	if err != nil {
		return nil, err
	}
	if !exists(filepath.Join(p, "_versions")) {
		return nil, ErrNoSuchTable(name)
	}
	var opts []lance.OpenOption
	opts = append(opts, lance.WithAllocator(c.mem))
	if asOf != nil {
		if asOf.Version > 0 {
			opts = append(opts, lance.WithVersion(asOf.Version))
		} else if !asOf.Timestamp.IsZero() {
			opts = append(opts, lance.WithTimestamp(asOf.Timestamp))
		}
	}
	var ds *lance.Dataset
	if asOf == nil {
		ds, err = c.openLatest(ctx, p, opts)
	} else {
		ds, err = lance.Open(ctx, p, opts...)
	}
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot open table '%s': %v", name, err)
	}
	return &LanceTable{name: name, path: p, ds: ds, mem: c.mem}, nil
}

// openLatest opens the newest version of the dataset at p, starting from
// the one opened last time when there is one.
func (c *Catalog) openLatest(ctx context.Context, p string, opts []lance.OpenOption) (*lance.Dataset, error) {
	c.latestMu.Lock()
	prev := c.latest[p]
	c.latestMu.Unlock()
	var ds *lance.Dataset
	var err error
	if prev != nil {
		ds, err = prev.Latest(ctx)
	}
	if prev == nil || err != nil {
		if ds, err = lance.Open(ctx, p, opts...); err != nil {
			c.forget(p)
			return nil, err
		}
	}
	c.latestMu.Lock()
	if c.latest == nil {
		c.latest = map[string]*lance.Dataset{}
	}
	c.latest[p] = ds
	c.latestMu.Unlock()
	return ds, nil
}

// forget drops what openLatest kept for the dataset at p.
func (c *Catalog) forget(p string) {
	c.latestMu.Lock()
	delete(c.latest, p)
	c.latestMu.Unlock()
}

// CreateTable creates an empty table. The schema's metadata is stored with
// the dataset (kind, view definitions).
func (c *Catalog) CreateTable(ctx context.Context, name string, schema *arrow.Schema, ifNotExists bool) (*LanceTable, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.TableExists(name) || c.viewExists(name) {
		if ifNotExists {
			return nil, false, nil
		}
		return nil, false, sqlerr.New(sqlerr.ErrTableExists, "Table '%s' already exists", name)
	}
	if err := checkColumns(schema); err != nil {
		return nil, false, err
	}
	p, err := c.TablePath(name)
	if err != nil {
		return nil, false, err
	}
	// A folder without versions is debris of a failed create: remove it.
	c.forget(p)
	_ = os.RemoveAll(p)
	ds, err := lance.Create(ctx, p, schema, lance.CreateOptions{Mem: c.mem})
	if err != nil {
		_ = os.RemoveAll(p)
		return nil, false, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot create table '%s': %v", name, err)
	}
	return &LanceTable{name: name, path: p, ds: ds, mem: c.mem}, true, nil
}

func checkColumns(schema *arrow.Schema) error {
	seen := map[string]bool{}
	for _, f := range schema.Fields() {
		k := strings.ToLower(f.Name)
		if seen[k] {
			return sqlerr.New(1060, "Duplicate column name '%s'", f.Name)
		}
		if k == RowAddrColumn {
			return sqlerr.New(1166, "Incorrect column name '%s': it is reserved for row addresses", f.Name)
		}
		seen[k] = true
	}
	return nil
}

// DropTable removes a table or materialized view and all its versions.
func (c *Catalog) DropTable(ctx context.Context, name string, ifExists bool) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.TableExists(name) {
		if ifExists {
			return false, nil
		}
		return false, sqlerr.New(sqlerr.ErrBadTable, "Unknown table '%s'", name)
	}
	p, err := c.TablePath(name)
	if err != nil {
		return false, err
	}
	c.forget(p)
	// Rename first so that the table disappears atomically, then delete.
	tmp := filepath.Join(c.dir, SystemDir, fmt.Sprintf("dropped-%s-%d", filepath.Base(p), os.Getpid()))
	if err := os.Rename(p, tmp); err != nil {
		return false, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot drop table '%s': %v", name, err)
	}
	_ = os.RemoveAll(tmp)
	return true, nil
}

// TableInfo is one entry of SHOW TABLES.
type TableInfo struct {
	Name string
	Kind string // "table", "materialized view", "view"
}

// ListTables lists tables, materialized views and views, sorted by name.
func (c *Catalog) ListTables(ctx context.Context) ([]TableInfo, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, err
	}
	var out []TableInfo
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() || !strings.HasSuffix(n, ".lance") || !exists(filepath.Join(c.dir, n, "_versions")) {
			continue
		}
		name := DecodeName(strings.TrimSuffix(n, ".lance"))
		kind := "table"
		if t, err := c.OpenTable(ctx, name, nil); err == nil && t.IsMaterializedView() {
			kind = "materialized view"
		}
		out = append(out, TableInfo{Name: name, Kind: kind})
	}
	views, _ := os.ReadDir(c.SystemPath("views"))
	for _, e := range views {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, TableInfo{Name: DecodeName(strings.TrimSuffix(e.Name(), ".json")), Kind: "view"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Plain views are stored as JSON in the system folder: they have no data.
type viewFile struct {
	Name    string   `json:"name"`
	SQL     string   `json:"sql"`
	Columns []string `json:"columns,omitempty"`
}

func (c *Catalog) viewPath(name string) (string, error) {
	stem, err := EncodeName(name)
	if err != nil {
		return "", err
	}
	return c.SystemPath("views", stem+".json"), nil
}

func (c *Catalog) viewExists(name string) bool {
	p, err := c.viewPath(name)
	return err == nil && exists(p)
}

func (c *Catalog) view(name string) (*ViewDef, error) {
	p, err := c.viewPath(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var vf viewFile
	if err := json.Unmarshal(b, &vf); err != nil {
		return nil, fmt.Errorf("view %s: corrupt definition: %w", name, err)
	}
	return &ViewDef{ViewName: vf.Name, SQL: vf.SQL}, nil
}

// CreateView stores a plain view definition.
func (c *Catalog) CreateView(name, sql string, orReplace bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.TableExists(name) {
		return sqlerr.New(sqlerr.ErrTableExists, "Table '%s' already exists", name)
	}
	p, err := c.viewPath(name)
	if err != nil {
		return err
	}
	if exists(p) && !orReplace {
		return sqlerr.New(sqlerr.ErrTableExists, "Table '%s' already exists", name)
	}
	b, _ := json.Marshal(viewFile{Name: name, SQL: sql})
	return writeFileAtomic(p, b)
}

// DropView removes a plain view.
func (c *Catalog) DropView(name string, ifExists bool) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.viewPath(name)
	if err != nil {
		return false, err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if ifExists {
				return false, nil
			}
			return false, sqlerr.New(sqlerr.ErrBadTable, "Unknown view '%s'", name)
		}
		return false, err
	}
	return true, nil
}

// IsView reports whether name is a plain view.
func (c *Catalog) IsView(name string) bool { return c.viewExists(name) }

// writeFileAtomic writes data to p through a temporary file and a rename, so
// readers never see a half-written file.
func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), p)
}

// WriteFileAtomic is writeFileAtomic for other packages (jobs, functions).
func WriteFileAtomic(p string, data []byte) error { return writeFileAtomic(p, data) }
