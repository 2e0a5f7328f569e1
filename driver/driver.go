// Package driver is GenevaSQL's database/sql driver. Importing it registers
// the driver name "genevasql":
//
//	import _ "github.com/genevasql/genevasql/driver"
//
//	db, err := sql.Open("genevasql", "./genevasql.db")
//
// The data source name is the database folder, created if missing, with
// optional query parameters:
//
//	external_functions=false   forbid external functions (default true)
//
// Statements take ? placeholders. Values scan as int64, float64, string,
// []byte, bool, time.Time (UTC) or nil; decimals scan as strings (to keep
// their scale), vectors as strings like "[0.1,0.2]". Transactions are not
// supported: each statement commits on its own.
//
// Every sql.DB (and every connection) of one folder in a process shares one
// genevasql.DB, so two sql.Open calls on one folder do not race; it is
// closed when the last connection closes.
package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/sqlerr"
)

// DriverName is the name registered with database/sql.
const DriverName = "genevasql"

func init() { sql.Register(DriverName, &Driver{}) }

// Driver implements driver.Driver and driver.DriverContext.
type Driver struct{}

// Open opens a connection to the database folder named by dsn.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn once for a sql.DB.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{drv: d, cfg: cfg}, nil
}

// NewConnector returns a connector over an already open database, so that a
// program can use database/sql on a genevasql.DB it configured itself (for
// example with Go functions registered). The caller keeps ownership of db:
// closing connections never closes it.
//
//	sqldb := sql.OpenDB(driver.NewConnector(db))
func NewConnector(db *genevasql.DB) driver.Connector {
	return &connector{drv: &Driver{}, fixed: db}
}

type dsnConfig struct {
	dir      string
	key      string // the folder's absolute path: one shared DB per key
	external bool
}

func parseDSN(dsn string) (dsnConfig, error) {
	dir, query, _ := strings.Cut(dsn, "?")
	cfg := dsnConfig{dir: dir, external: true}
	if dir == "" {
		return cfg, sqlerr.New(sqlerr.ErrWrongArguments, "genevasql DSN must name the database folder, e.g. \"./genevasql.db\"")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return cfg, sqlerr.New(sqlerr.ErrWrongArguments, "genevasql DSN %q: bad parameters: %v", dsn, err)
	}
	for k, v := range params {
		switch k {
		case "external_functions":
			b, err := strconv.ParseBool(v[len(v)-1])
			if err != nil {
				return cfg, sqlerr.New(sqlerr.ErrWrongArguments, "genevasql DSN: external_functions must be true or false, got %q", v[len(v)-1])
			}
			cfg.external = b
		default:
			return cfg, sqlerr.New(sqlerr.ErrWrongArguments, "genevasql DSN: unknown parameter %q (known: external_functions)", k)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return cfg, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	cfg.key = abs
	return cfg, nil
}

// shared holds one open genevasql.DB per folder, counted by connections.
var shared = struct {
	sync.Mutex
	dbs map[string]*sharedDB
}{dbs: map[string]*sharedDB{}}

type sharedDB struct {
	db       *genevasql.DB
	refs     int
	external bool
}

func acquire(cfg dsnConfig) (*genevasql.DB, error) {
	shared.Lock()
	defer shared.Unlock()
	if s := shared.dbs[cfg.key]; s != nil {
		if s.external != cfg.external {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments,
				"database %s is already open in this process with external_functions=%t; one folder has one setting per process",
				cfg.dir, s.external)
		}
		s.refs++
		return s.db, nil
	}
	db, err := genevasql.Open(cfg.dir, genevasql.WithExternalFunctions(cfg.external))
	if err != nil {
		return nil, err
	}
	shared.dbs[cfg.key] = &sharedDB{db: db, refs: 1, external: cfg.external}
	return db, nil
}

func release(key string) error {
	shared.Lock()
	defer shared.Unlock()
	s := shared.dbs[key]
	if s == nil {
		return nil
	}
	s.refs--
	if s.refs > 0 {
		return nil
	}
	delete(shared.dbs, key)
	return s.db.Close()
}

// openCount reports how many connections hold the folder's DB (for tests).
func openCount(key string) int {
	shared.Lock()
	defer shared.Unlock()
	if s := shared.dbs[key]; s != nil {
		return s.refs
	}
	return 0
}

type connector struct {
	drv   *Driver
	cfg   dsnConfig
	fixed *genevasql.DB // set by NewConnector; not reference counted
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.fixed != nil {
		return &conn{db: c.fixed}, nil
	}
	db, err := acquire(c.cfg)
	if err != nil {
		return nil, err
	}
	return &conn{db: db, key: c.cfg.key, owned: true}, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// errClosed is returned by a connection used after Close.
var errClosed = fmt.Errorf("genevasql: connection is closed: %w", driver.ErrBadConn)
