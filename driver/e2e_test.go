package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/udf"
)

// openEngine opens a fresh database through database/sql, skipping the test
// while the engine still answers "not implemented".
func openEngine(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open(DriverName, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE probe (a INT)"); err != nil {
		if strings.Contains(err.Error(), "not implemented") {
			t.Skipf("engine does not run statements yet: %v", err)
		}
		t.Fatalf("CREATE TABLE: %v", err)
	}
	return db
}

func TestDriverEndToEnd(t *testing.T) {
	db := openEngine(t)
	_, err := db.Exec(`CREATE TABLE t (id BIGINT, x DOUBLE, s VARCHAR(20), ok BOOLEAN,
		at DATETIME, d DECIMAL(8,3), raw VARBINARY(8))`)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	res, err := db.Exec("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?), (2, NULL, NULL, NULL, NULL, NULL, NULL)",
		int64(1), 1.25, "it's", true, when, "12.5", []byte{0, 255})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		t.Errorf("RowsAffected = %d, %v; want 2", n, err)
	}
	rows, err := db.Query("SELECT id, x, s, ok, at, d, raw FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"BIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "TIMESTAMP", "DECIMAL", "BLOB"}
	for i, ct := range types {
		if ct.DatabaseTypeName() != wantTypes[i] {
			t.Errorf("column %s type %s, want %s", ct.Name(), ct.DatabaseTypeName(), wantTypes[i])
		}
	}
	var (
		id  int64
		x   sql.NullFloat64
		s   sql.NullString
		ok  sql.NullBool
		at  sql.NullTime
		d   sql.NullString
		raw []byte
	)
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	if err := rows.Scan(&id, &x, &s, &ok, &at, &d, &raw); err != nil {
		t.Fatal(err)
	}
	if id != 1 || x.Float64 != 1.25 || s.String != "it's" || !ok.Bool || !at.Time.Equal(when) || d.String != "12.500" || string(raw) != "\x00\xff" {
		t.Errorf("row 1 = %v %v %v %v %v %v %v", id, x, s, ok, at, d, raw)
	}
	if !rows.Next() {
		t.Fatalf("no second row: %v", rows.Err())
	}
	if err := rows.Scan(&id, &x, &s, &ok, &at, &d, &raw); err != nil {
		t.Fatal(err)
	}
	if id != 2 || x.Valid || s.Valid || ok.Valid || at.Valid || d.Valid || raw != nil {
		t.Errorf("row 2 should be NULLs: %v %v %v %v %v %v %v", id, x, s, ok, at, d, raw)
	}
	if rows.Next() {
		t.Error("a third row")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.QueryContext(ctx, "SELECT id FROM t"); !errors.Is(err, context.Canceled) {
		t.Errorf("query with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestDriverSharedFolder writes through one sql.DB and reads through
// another of the same folder, from several goroutines at once.
func TestDriverSharedFolder(t *testing.T) {
	dir := t.TempDir()
	a, err := sql.Open(DriverName, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Exec("CREATE TABLE n (v INT)"); err != nil {
		if strings.Contains(err.Error(), "not implemented") {
			t.Skipf("engine does not run statements yet: %v", err)
		}
		t.Fatal(err)
	}
	if _, err := a.Exec("INSERT INTO n VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	b, err := sql.Open(DriverName, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var sum int64
			err := b.QueryRow("SELECT SUM(v) FROM n WHERE v >= ?", 2).Scan(&sum)
			if err == nil && sum != 5 {
				err = fmt.Errorf("sum %d, want 5", sum)
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestNewConnector uses database/sql over a genevasql.DB the program opened
// itself, with a Go function registered; closing the sql.DB leaves it open.
func TestNewConnector(t *testing.T) {
	gdb, err := genevasql.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer gdb.Close()
	twice, err := udf.Scalar("twice", func(x int64) int64 { return 2 * x })
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.RegisterFunction(twice); err != nil {
		t.Fatal(err)
	}
	sdb := sql.OpenDB(NewConnector(gdb))
	var got int64
	err = sdb.QueryRow("SELECT twice(?)", 21).Scan(&got)
	if err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skipf("engine does not run statements yet: %v", err)
	}
	if err != nil || got != 42 {
		t.Fatalf("twice(21) = %d, %v; want 42", got, err)
	}
	sdb.Close()
	if _, err := gdb.Exec(context.Background(), "CREATE TABLE still_open (a INT)"); err != nil {
		t.Errorf("the DB was closed with the sql.DB: %v", err)
	}
}
