package external

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/udf"
)

// arrowSession writes an Arrow IPC stream of argument batches and reads an
// IPC stream of one-column answers.
type arrowSession struct {
	p      *proc
	spec   *Spec
	schema *arrow.Schema
	w      *ipc.Writer
	ch     chan answer
	done   chan struct{} // closed when the reader goroutine has ended
}

func newArrowSession(p *proc, s *Spec) *arrowSession {
	fields := make([]arrow.Field, len(s.Args))
	for i, t := range s.Args {
		fields[i] = arrow.Field{Name: s.ArgNames[i], Type: t, Nullable: true}
	}
	return &arrowSession{p: p, spec: s, schema: arrow.NewSchema(fields, nil), ch: make(chan answer), done: make(chan struct{})}
}

func (s *arrowSession) answers() <-chan answer { return s.ch }

func (s *arrowSession) send(mem memory.Allocator, _ int64, args []arrow.Array, n int) error {
	if s.w == nil {
		// The reader starts with the first request: the program writes its
		// schema only once it has read ours.
		go s.read(mem)
		s.w = ipc.NewWriter(s.p.stdin, ipc.WithSchema(s.schema), ipc.WithAllocator(mem))
	}
	rec := array.NewRecordBatch(s.schema, args, int64(n))
	defer rec.Release()
	return s.w.Write(rec)
}

// read hands over every answer batch until the stream ends or the process
// is killed.
func (s *arrowSession) read(mem memory.Allocator) {
	defer close(s.done)
	give := func(a answer) bool {
		select {
		case s.ch <- a:
			return true
		case <-s.p.quit:
			return false
		}
	}
	// Catch a program that prints text to stdout at once: an IPC stream
	// starts with the continuation marker and a sane metadata length, and an
	// IPC reader would otherwise wait for gigabytes that never come.
	br := bufio.NewReader(s.p.stdout)
	head, err := br.Peek(8)
	if err == nil && (binary.LittleEndian.Uint32(head) != 0xFFFFFFFF || binary.LittleEndian.Uint32(head[4:]) > maxMeta) {
		give(answer{err: fmt.Errorf("the program's output is not an Arrow IPC stream: it begins with %q", head)})
		return
	}
	// Limits make garbage in mid-stream an immediate error rather than a
	// huge allocation and a wait (NewReader alone applies none).
	mr := ipc.NewMessageReader(br, ipc.WithAllocator(mem),
		ipc.WithMetadataSizeLimit(maxMeta), ipc.WithBodySizeLimit(maxBody))
	r, err := ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mem))
	if err != nil {
		give(answer{err: describeIPCErr(err)})
		return
	}
	defer r.Release()
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		if !give(answer{rec: rec}) {
			rec.Release()
			return
		}
	}
	err = r.Err()
	if err == nil {
		err = io.EOF
	} else {
		err = describeIPCErr(err)
	}
	give(answer{err: err})
}

// describeIPCErr keeps end-of-output errors recognisable and says what the
// rest mean.
func describeIPCErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return fmt.Errorf("the program's output is not a valid Arrow IPC stream: %w", err)
}

func (s *arrowSession) decode(mem memory.Allocator, a answer, batch int64, n int) (arrow.Array, []udf.RowError, string, error) {
	rec := a.rec
	defer rec.Release()
	if rec.NumCols() != 1 {
		return nil, nil, "", fmt.Errorf("the program answered with %d columns, expected 1", rec.NumCols())
	}
	if int(rec.NumRows()) != n {
		return nil, nil, "", fmt.Errorf("the program answered %d rows for a batch of %d rows", rec.NumRows(), n)
	}
	col := rec.Column(0)
	switch {
	case arrow.TypeEqual(col.DataType(), s.spec.Return):
		col.Retain()
		return col, nil, "", nil
	case col.DataType().ID() == arrow.NULL:
		return array.MakeArrayOfNull(mem, s.spec.Return, n), nil, "", nil
	case castable(col.DataType(), s.spec.Return):
		// Programs answer in their language's natural width (int64, double,
		// large_string); convert exactly, failing on overflow.
		out, err := functions.Cast(&functions.EvalContext{Mem: mem, Strict: true}, col, s.spec.Return)
		if err != nil {
			return nil, nil, "", fmt.Errorf("the program answered %s values that do not fit %s: %v",
				udf.TypeName(col.DataType()), udf.TypeName(s.spec.Return), err)
		}
		return out, nil, "", nil
	}
	return nil, nil, "", fmt.Errorf("the program answered a column of type %s (%s), expected %s (%s)",
		udf.TypeName(col.DataType()), col.DataType(), udf.TypeName(s.spec.Return), s.spec.Return)
}

// Bounds of one IPC message from a program: metadata (a schema or a batch
// header) and body (one answer column).
const (
	maxMeta = 64 << 20
	maxBody = 1 << 30
)

func (s *arrowSession) wait() {
	if s.w == nil {
		return // the reader never started
	}
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
	}
}

func (s *arrowSession) finish() {
	if s.w != nil {
		_ = s.w.Close() // end-of-stream marker; the pipe may be gone already
	}
}

// castable reports answer types converted to the declared one: within the
// integers, within the floats, integers to floats, and between string and
// binary widths.
func castable(from, to arrow.DataType) bool {
	kind := func(t arrow.DataType) string {
		switch t.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
			arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			return "int"
		case arrow.FLOAT32, arrow.FLOAT64:
			return "float"
		case arrow.STRING, arrow.LARGE_STRING:
			return "string"
		case arrow.BINARY, arrow.LARGE_BINARY:
			return "binary"
		}
		return ""
	}
	f, t := kind(from), kind(to)
	return f != "" && (f == t || (f == "int" && t == "float"))
}
