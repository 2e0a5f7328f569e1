package executor

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

// scanOp opens the table's stream on the first Next, because opening needs
// the statement's context and constructors have none.
type scanOp struct {
	t      catalog.Table
	req    catalog.ScanRequest
	schema *arrow.Schema
	stream catalog.RecordStream
	done   bool
}

// NewScan reads table t as requested. Its schema is the requested columns of
// t.Schema() in request order, then a non-null uint64 _rowaddr column when
// req.WithRowAddr is set.
func NewScan(t catalog.Table, req catalog.ScanRequest) (Operator, error) {
	if t == nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: scan of a nil table")
	}
	ts := t.Schema()
	var fields []arrow.Field
	if req.Columns == nil {
		fields = append(fields, ts.Fields()...)
	} else {
		for _, c := range req.Columns {
			if c < 0 || c >= ts.NumFields() {
				return nil, sqlerr.New(sqlerr.ErrBadField, "executor: table %s has no column #%d", t.Name(), c)
			}
			fields = append(fields, ts.Field(c))
		}
	}
	if req.WithRowAddr {
		fields = append(fields, arrow.Field{Name: catalog.RowAddrColumn, Type: arrow.PrimitiveTypes.Uint64})
	}
	return &scanOp{t: t, req: req, schema: arrow.NewSchema(fields, nil)}, nil
}

func (s *scanOp) Schema() *arrow.Schema { return s.schema }

func (s *scanOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if s.done {
		return nil, io.EOF
	}
	if s.stream == nil {
		st, err := s.t.Scan(ctx, s.req)
		if err != nil {
			return nil, err
		}
		s.stream = st
	}
	for {
		b, err := s.stream.Next(ctx)
		if err != nil {
			if isEOF(err) {
				s.done = true
			}
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		if int(b.NumCols()) != s.schema.NumFields() {
			n := b.NumCols()
			b.Release()
			return nil, fmt.Errorf("executor: scan of %s returned %d columns, expected %d", s.t.Name(), n, s.schema.NumFields())
		}
		return withSchema(s.schema, b)
	}
}

func (s *scanOp) Close() error {
	s.done = true
	if s.stream != nil {
		st := s.stream
		s.stream = nil
		return st.Close()
	}
	return nil
}
