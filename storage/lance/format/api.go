package format

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Version is a Lance data-file format version as the manifest records it.
type Version struct{ Major, Minor uint16 }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// V2_0 is written in the footer as 0.3 (a legacy quirk); V2_1 as 2.1.
var (
	V2_0 = Version{2, 0}
	V2_1 = Version{2, 1}
)

// WriterOptions configures NewWriter.
type WriterOptions struct {
	Version     Version          // default V2_0
	Mem         memory.Allocator // default memory.DefaultAllocator
	MaxPageRows int              // rows per page; default DefaultMaxPageRows
}

// DefaultMaxPageRows bounds page size when WriterOptions.MaxPageRows is 0.
const DefaultMaxPageRows = 64 * 1024

// FileStats describes a finished data file. FieldIDs and ColumnIndices are
// what the manifest's DataFile.fields and column_indices must hold.
type FileStats struct {
	NumRows       int64
	SizeBytes     int64
	ColumnIndices []int32
	FieldIDs      []int32
}

// ReaderOptions configures OpenReader.
type ReaderOptions struct {
	Mem memory.Allocator // default memory.DefaultAllocator
}

var errNotImplemented = errors.New("lance format: not implemented yet")

var _ = context.Background
var _ io.Writer
var _ arrow.Array
