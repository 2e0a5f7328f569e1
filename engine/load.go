package engine

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// loadBatchRows is how many CSV rows are converted at a time.
const loadBatchRows = 8192

// loadData runs LOAD DATA INFILE for CSV-like text files. The whole file is
// one commit: an error on any row leaves the table unchanged. The path is
// used exactly as given (relative to the working directory).
func (s *session) loadData(n *ast.LoadDataStmt) (*Result, error) {
	if n.Format != nil && !strings.EqualFold(*n.Format, "delimited data") && !strings.EqualFold(*n.Format, "csv") {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "LOAD DATA FORMAT '%s' is not supported (use IMPORT INTO … FORMAT 'parquet' for Parquet)", *n.Format)
	}
	t, err := s.e.cat.OpenTable(s.ctx, n.Table.Name.O, nil)
	if err != nil {
		return nil, err
	}
	target, err := targetColumns(t.Schema(), n.ColumnsAndUserVars)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(n.Path)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrFileNotFound, "cannot open '%s': %v", n.Path, errors.Unwrap(err))
	}
	defer f.Close()
	sep, quote := '\t', rune(0)
	if fi := n.FieldsInfo; fi != nil {
		if fi.Terminated != nil {
			if len([]rune(*fi.Terminated)) != 1 {
				return nil, sqlerr.New(sqlerr.ErrNotSupported, "FIELDS TERMINATED BY must be one character")
			}
			sep = []rune(*fi.Terminated)[0]
		}
		if fi.Enclosed != nil && *fi.Enclosed != "" {
			quote = []rune(*fi.Enclosed)[0]
		}
	}
	if quote != 0 && quote != '"' {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "FIELDS ENCLOSED BY supports only '\"'")
	}
	if n.LinesInfo != nil && n.LinesInfo.Terminated != nil && *n.LinesInfo.Terminated != "\n" && *n.LinesInfo.Terminated != "\r\n" {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "LINES TERMINATED BY supports only '\\n' and '\\r\\n'")
	}
	cr := csv.NewReader(f)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = quote == 0
	cr.ReuseRecord = false
	if quote == 0 {
		// Without ENCLOSED BY, quotes are ordinary characters.
		cr.LazyQuotes = true
	}
	skip := uint64(0)
	if n.IgnoreLines != nil {
		skip = *n.IgnoreLines
	}
	src := &csvStream{s: s, path: n.Path, cr: cr, schema: t.Schema(), target: target, skip: skip, quoted: quote != 0}
	tt, err := s.triggerTarget(t) // fires t's triggers (trigger.go)
	if err != nil {
		return nil, err
	}
	rows, err := catalog.OnConflict(tt, loadConflict(n.OnDuplicate)).Insert(s.ctx, src)
	if err != nil {
		return nil, err
	}
	return &Result{RowsAffected: rows, Message: fmt.Sprintf("Records: %d", rows)}, nil
}

// targetColumns maps the statement's column list (or all columns) to table
// column indexes.
func targetColumns(schema *arrow.Schema, cols []*ast.ColumnNameOrUserVar) ([]int, error) {
	if len(cols) == 0 {
		out := make([]int, len(schema.Fields()))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	for _, c := range cols {
		if c.ColumnName == nil {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "user variables in the column list are not supported")
		}
		idx := -1
		for i, f := range schema.Fields() {
			if strings.EqualFold(f.Name, c.ColumnName.Name.O) {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlerr.New(sqlerr.ErrBadField, "Unknown column '%s' in 'field list'", c.ColumnName.Name.O)
		}
		out = append(out, idx)
	}
	return out, nil
}

// csvStream converts CSV rows to record batches of the table's schema.
type csvStream struct {
	s      *session
	path   string
	cr     *csv.Reader
	schema *arrow.Schema
	target []int
	skip   uint64
	quoted bool
	line   int
	done   bool
}

func (c *csvStream) Schema() *arrow.Schema { return c.schema }
func (c *csvStream) Close() error          { return nil }

func (c *csvStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if c.done {
		return nil, io.EOF
	}
	mem := c.s.e.cfg.Mem
	ncols := len(c.schema.Fields())
	builders := make([]*array.StringBuilder, ncols)
	for i := range builders {
		builders[i] = array.NewStringBuilder(mem)
		defer builders[i].Release()
	}
	inTarget := make([]bool, ncols)
	for _, t := range c.target {
		inTarget[t] = true
	}
	firstLine := c.line + 1
	nrows := 0
	for nrows < loadBatchRows {
		rec, err := c.cr.Read()
		if err == io.EOF {
			c.done = true
			break
		}
		c.line++
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrWrongValueCount, "%s: line %d: %v", c.path, c.line, err)
		}
		if c.skip > 0 {
			c.skip--
			firstLine = c.line + 1
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // blank line
		}
		if len(rec) != len(c.target) {
			return nil, sqlerr.New(sqlerr.ErrWrongValueCount, "%s: line %d has %d fields, expected %d", c.path, c.line, len(rec), len(c.target))
		}
		for i, v := range rec {
			col := c.target[i]
			if v == `\N` || (!c.quoted && v == "NULL") || (v == "" && c.schema.Field(col).Type.ID() != arrow.STRING) {
				builders[col].AppendNull()
			} else {
				builders[col].Append(v)
			}
		}
		for i := 0; i < ncols; i++ {
			if !inTarget[i] {
				builders[i].AppendNull()
			}
		}
		nrows++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if nrows == 0 {
		return nil, io.EOF
	}
	ec := c.s.evalContext(true)
	cols := make([]arrow.Array, ncols)
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, b := range builders {
		strs := b.NewStringArray()
		f := c.schema.Field(i)
		out, err := castColumn(ec, strs, f)
		if err != nil {
			line := firstLine + badRow(ec, strs, f)
			strs.Release()
			return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "%s: line %d, column '%s': %v", c.path, line, f.Name, sqlerr.Wrap(err).Msg)
		}
		strs.Release()
		if !f.Nullable && out.NullN() > 0 {
			out.Release()
			return nil, sqlerr.New(sqlerr.ErrBadNull, "%s: Column '%s' cannot be null (line %d)", c.path, f.Name, firstLine+firstNull(out))
		}
		cols[i] = out
	}
	rec := array.NewRecordBatch(c.schema, cols, int64(nrows))
	return rec, nil
}

func castColumn(ec *functions.EvalContext, a arrow.Array, f arrow.Field) (arrow.Array, error) {
	if arrow.TypeEqual(a.DataType(), f.Type) {
		a.Retain()
		return a, nil
	}
	return functions.Cast(ec, a, f.Type)
}

// badRow finds the first row whose value does not convert (slow path, only
// after an error).
func badRow(ec *functions.EvalContext, strs *array.String, f arrow.Field) int {
	for i := 0; i < strs.Len(); i++ {
		one := array.NewSlice(strs, int64(i), int64(i+1))
		out, err := castColumn(ec, one, f)
		one.Release()
		if err != nil {
			return i
		}
		out.Release()
	}
	return 0
}

func firstNull(a arrow.Array) int {
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			return i
		}
	}
	return 0
}

// importInto runs IMPORT INTO t FROM 'file.parquet' FORMAT 'parquet'.
// Columns are matched by name (case-insensitively) and converted to the
// table's types; table columns absent from the file are NULL.
func (s *session) importInto(n *ast.ImportIntoStmt) (*Result, error) {
	if n.Select != nil {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "IMPORT INTO … FROM SELECT: use INSERT INTO … SELECT")
	}
	if n.Format == nil || !strings.EqualFold(*n.Format, "parquet") {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "IMPORT INTO supports FORMAT 'parquet' (use LOAD DATA for CSV)")
	}
	t, err := s.e.cat.OpenTable(s.ctx, n.Table.Name.O, nil)
	if err != nil {
		return nil, err
	}
	pf, err := file.OpenParquetFile(n.Path, false)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrFileNotFound, "cannot open Parquet file '%s': %v", n.Path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 * 1024}, s.e.cfg.Mem)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot read Parquet file '%s': %v", n.Path, err)
	}
	rr, err := fr.GetRecordReader(s.ctx, nil, nil)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "cannot read Parquet file '%s': %v", n.Path, err)
	}
	defer rr.Release()
	src, err := newParquetStream(s, n.Path, rr, t.Schema())
	if err != nil {
		return nil, err
	}
	rows, err := s.insertFiring(t, src)
	if err != nil {
		return nil, err
	}
	return &Result{RowsAffected: rows}, nil
}

type parquetStream struct {
	s      *session
	path   string
	rr     pqarrow.RecordReader
	schema *arrow.Schema
	srcIdx []int // for each table column, the file column or -1
}

func newParquetStream(s *session, path string, rr pqarrow.RecordReader, schema *arrow.Schema) (*parquetStream, error) {
	ps := &parquetStream{s: s, path: path, rr: rr, schema: schema}
	fileSchema := rr.Schema()
	found := 0
	for _, f := range schema.Fields() {
		idx := -1
		for j, ff := range fileSchema.Fields() {
			if strings.EqualFold(ff.Name, f.Name) {
				idx = j
			}
		}
		if idx >= 0 {
			found++
		} else if !f.Nullable {
			return nil, sqlerr.New(sqlerr.ErrBadNull, "%s has no column '%s', which cannot be null", path, f.Name)
		}
		ps.srcIdx = append(ps.srcIdx, idx)
	}
	if found == 0 {
		return nil, sqlerr.New(sqlerr.ErrBadField, "%s has none of the table's columns", path)
	}
	return ps, nil
}

func (p *parquetStream) Schema() *arrow.Schema { return p.schema }
func (p *parquetStream) Close() error          { return nil }

func (p *parquetStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := p.rr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "reading %s: %v", p.path, err)
	}
	n := rec.NumRows()
	ec := p.s.evalContext(true)
	cols := make([]arrow.Array, len(p.schema.Fields()))
	for i, f := range p.schema.Fields() {
		var out arrow.Array
		if p.srcIdx[i] < 0 {
			out = array.MakeArrayOfNull(p.s.e.cfg.Mem, f.Type, int(n))
		} else {
			out, err = castColumn(ec, rec.Column(p.srcIdx[i]), f)
			if err != nil {
				for _, c := range cols[:i] {
					c.Release()
				}
				return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "%s: column '%s': %v", p.path, f.Name, sqlerr.Wrap(err).Msg)
			}
		}
		cols[i] = out
	}
	out := array.NewRecordBatch(p.schema, cols, n)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

var _ catalog.RecordStream = (*csvStream)(nil)
