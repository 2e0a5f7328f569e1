package engine

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/jobs"
)

// System tables (system.jobs, system.errors, system.functions) are built
// from the job records, error log and registry when a statement reads them.
func (e *Engine) systemTables(ctx context.Context, name string) (catalog.Table, bool) {
	// The table outlives the statement's reader (a scan may run after the
	// planner is done with it), so its few rows live in Go-managed memory
	// rather than the engine's allocator, which expects every buffer back.
	s := &session{e: e, ctx: ctx, mem: memory.NewGoAllocator()}
	var res *Result
	var err error
	switch name {
	case "jobs":
		var recs []*jobs.Record
		recs, err = e.jobs.List()
		if err == nil {
			res, err = s.rowsResult(jobsSchema, jobRows(recs))
		}
	case "errors":
		res, err = s.showErrors("")
	case "functions":
		res, err = s.showFunctions("")
	case "triggers":
		res, err = s.showTriggers("")
	default:
		return nil, false
	}
	if err != nil {
		return nil, false
	}
	defer res.Reader.Release()
	var batches []arrow.RecordBatch
	for res.Reader.Next() {
		r := res.Reader.RecordBatch()
		r.Retain()
		batches = append(batches, r)
	}
	return &memTable{name: "system." + name, schema: res.Reader.Schema(), batches: batches}, true
}

// memTable is a small table held in memory; each scan streams its batches.
type memTable struct {
	name    string
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (m *memTable) Name() string          { return m.name }
func (m *memTable) Schema() *arrow.Schema { return m.schema }
func (m *memTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.RecordStream, error) {
	return &memStream{t: m, cols: req.Columns}, nil
}

type memStream struct {
	t    *memTable
	cols []int
	i    int
}

func (s *memStream) Schema() *arrow.Schema {
	if s.cols == nil {
		return s.t.schema
	}
	fs := make([]arrow.Field, len(s.cols))
	for i, c := range s.cols {
		fs[i] = s.t.schema.Field(c)
	}
	return arrow.NewSchema(fs, nil)
}

func (s *memStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.t.batches) {
		return nil, io.EOF
	}
	b := s.t.batches[s.i]
	s.i++
	if s.cols == nil {
		b.Retain()
		return b, nil
	}
	cols := make([]arrow.Array, len(s.cols))
	for i, c := range s.cols {
		cols[i] = b.Column(c)
	}
	return arrowNewRecord(s.Schema(), cols, b.NumRows()), nil
}

func (s *memStream) Close() error { return nil }
