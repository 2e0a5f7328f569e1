package format

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Writer writes one Lance data file.
type Writer struct{}

// NewWriter writes a data file holding the given top-level fields (already
// with ids) to w.
func NewWriter(w io.Writer, fields []Field, opts WriterOptions) (*Writer, error) {
	return nil, errNotImplemented
}

// Write appends a batch whose columns are in the order of the top-level fields.
func (w *Writer) Write(rec arrow.RecordBatch) error { return errNotImplemented }

// Finish writes the metadata and footer.
func (w *Writer) Finish() (FileStats, error) { return FileStats{}, errNotImplemented }
