//go:build duckdb_arrow

package main

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/genevasql/genevasql/storage/lance"
)

type duckEngine struct {
	conn driver.Conn
	ar   *duckdb.Arrow
}

func openDuck(ctx context.Context, path string) (*duckEngine, error) {
	cn, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, err
	}
	conn, err := cn.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &duckEngine{conn: conn, ar: ar}, nil
}

// query reads DuckDB's answer through its row interface: duckdb-go's Arrow
// result reader frees each data chunk when Next returns while the Arrow
// strings still point into it (garbage text seen in results), so Arrow is
// only used for loading.
func (d *duckEngine) query(ctx context.Context, sql string) (Rows, error) {
	rs, err := d.conn.(driver.QueryerContext).QueryContext(ctx, sql, nil)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out Rows
	dest := make([]driver.Value, len(rs.Columns()))
	for {
		if err := rs.Next(dest); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		row := make([]any, len(dest))
		for i, v := range dest {
			row[i], err = duckValue(v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", rs.Columns()[i], err)
			}
		}
		out = append(out, row)
	}
}

// duckValue maps a DuckDB value to the comparable form of Rows.
func duckValue(v driver.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, nil
	case duckdb.Decimal:
		return x.Float64(), nil
	case string:
		return x, nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case time.Time:
		return x.UTC().Format("2006-01-02"), nil
	}
	return nil, fmt.Errorf("unsupported DuckDB value %T", v)
}

func (d *duckEngine) close() error { return d.conn.Close() }

// loadDuck copies every table of the GenevaSQL folder into DuckDB's own
// storage (a database file), reading the very rows GenevaSQL reads.
func loadDuck(ctx context.Context, d *duckEngine, src string, tables []string) error {
	for _, t := range tables {
		ds, err := lance.Open(ctx, filepath.Join(src, t+".lance"), lance.WithAllocator(memory.NewGoAllocator()))
		if err != nil {
			return err
		}
		sc, err := ds.Scan(ctx, lance.ScanOptions{BatchSize: 65536})
		if err != nil {
			return err
		}
		rdr := &scanRecordReader{sc: sc, refs: 1}
		release, err := d.ar.RegisterView(rdr, "src_"+t)
		if err != nil {
			rdr.Release()
			return err
		}
		_, err = d.query(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM src_%s", t, t))
		release()
		if err != nil {
			return fmt.Errorf("loading %s into DuckDB: %w", t, err)
		}
	}
	_, err := d.query(ctx, "CHECKPOINT")
	return err
}

// runDuckChild loads the tables if asked (printing the load time on stderr)
// and serves queries.
func runDuckChild(ctx context.Context, dir string, load bool, tables []string) error {
	path := filepath.Join(dir, "duck.db")
	if load {
		os.Remove(path)
		os.Remove(path + ".wal")
	}
	d, err := openDuck(ctx, path)
	if err != nil {
		return err
	}
	if load {
		start := time.Now()
		if err := loadDuck(ctx, d, gsqlDir(dir), tables); err != nil {
			d.close()
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: loaded DuckDB in %s\n", time.Since(start).Round(time.Millisecond))
	}
	return serve(ctx, d, os.Stdin, os.Stdout)
}

const haveDuck = true
