// Package catalog knows what a database holds: tables, views, materialized views,
// computed columns, functions and jobs. The planner sees tables only through the
// small interfaces in this file.
package catalog

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
)

// RowAddrColumn is the hidden column holding a row's address
// (fragment id << 32 | offset), as Lance names it.
const RowAddrColumn = "_rowaddr"

// RecordStream is a stream of record batches. Next returns io.EOF after the
// last batch; the caller releases every batch it receives. It has the same
// method set as executor.Operator, so a table scan is an operator.
type RecordStream interface {
	Schema() *arrow.Schema
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// ScanRequest says what a scan should return.
type ScanRequest struct {
	// Columns are indexes into Table.Schema(); nil means all columns.
	Columns []int
	// WithRowAddr appends a non-null uint64 column named _rowaddr.
	WithRowAddr bool
	// Fragments restricts the scan to these fragment ids (nil: all).
	Fragments []uint64
	// BatchSize is the preferred number of rows per batch (0: default).
	BatchSize int
}

// Table is anything rows can be read from.
type Table interface {
	Name() string
	// Schema is the table's visible columns (hidden _rowaddr excluded).
	Schema() *arrow.Schema
	Scan(ctx context.Context, req ScanRequest) (RecordStream, error)
}

// MutableTable is a table that statements can change. Each call is one atomic
// commit.
type MutableTable interface {
	Table
	// Insert appends all batches of rows (whose schema matches Schema()) and
	// returns the number of rows written.
	Insert(ctx context.Context, rows RecordStream) (int64, error)
	// Delete removes rows by address and returns how many were removed.
	Delete(ctx context.Context, rowAddrs []uint64) (int64, error)
	// Update replaces the rows at rowAddrs by newRows in one commit.
	Update(ctx context.Context, rowAddrs []uint64, newRows RecordStream) (int64, error)
}

// AsOf selects a past version of a table (time travel); zero means latest.
type AsOf struct {
	Version   uint64
	Timestamp time.Time
}

// Resolver is what the planner needs from the catalog.
type Resolver interface {
	// LookupTable finds a table or view by name, case-insensitively. A nil
	// asOf means the latest version. A view is returned as *ViewDef.
	LookupTable(ctx context.Context, name string, asOf *AsOf) (Table, error)
	Functions() *functions.Registry
}

// ViewDef is a plain (not materialized) view: the planner binds its query in
// place of the name.
type ViewDef struct {
	ViewName string
	SQL      string
	Columns  *arrow.Schema
}

func (v *ViewDef) Name() string          { return v.ViewName }
func (v *ViewDef) Schema() *arrow.Schema { return v.Columns }
func (v *ViewDef) Scan(context.Context, ScanRequest) (RecordStream, error) {
	panic("catalog: a view is bound by the planner, never scanned")
}
