package format

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Reader reads a Lance data file through random access.
type Reader struct{}

// OpenReader reads the footer, column metadata and schema of a data file.
func OpenReader(r io.ReaderAt, size int64, opts ReaderOptions) (*Reader, error) {
	return nil, errNotImplemented
}

// NumRows is the number of rows in the file.
func (r *Reader) NumRows() int64 { return 0 }

// Version is the file's format version (V2_0 for a footer saying 0.3).
func (r *Reader) Version() Version { return Version{} }

// Fields is the schema stored in the file.
func (r *Reader) Fields() []Field { return nil }

// ReadRange returns rows [start,end) of the given top-level field ids, in
// that order. The caller releases the arrays.
func (r *Reader) ReadRange(ctx context.Context, fieldIDs []int32, start, end int64) ([]arrow.Array, error) {
	return nil, errNotImplemented
}

// ReadRows returns the given sorted row offsets of the given fields.
func (r *Reader) ReadRows(ctx context.Context, fieldIDs []int32, rows []uint32) ([]arrow.Array, error) {
	return nil, errNotImplemented
}
