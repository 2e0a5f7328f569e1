// Package objstore is the one small interface every storage read and write in
// GenevaSQL goes through, so that object stores (S3, GCS, Azure) can be added
// later without touching the table format code. Names are slash-separated paths
// relative to the store's root; there are no directories, only name prefixes.
package objstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// ErrExists is returned by PutIfAbsent when the name is already taken. It is
// how a committer learns that another writer published that version first.
var ErrExists = errors.New("objstore: object already exists")

// ErrNotFound is returned when a name does not exist. It wraps fs.ErrNotExist
// so that errors.Is(err, fs.ErrNotExist) also holds.
var ErrNotFound = notFoundError{}

type notFoundError struct{}

func (notFoundError) Error() string        { return "objstore: object not found" }
func (notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// File is an open object for random reads.
type File interface {
	io.ReaderAt
	// Size is the object's length in bytes.
	Size() int64
	Close() error
}

// Writer streams a new object. Nothing is visible under the name until Close
// returns nil; Abort discards what was written. Close replaces an existing
// object of the same name (use PutIfAbsent to publish exclusively).
type Writer interface {
	io.Writer
	Close() error
	Abort() error
}

// ObjectInfo describes one listed object.
type ObjectInfo struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Store is an object store rooted somewhere.
type Store interface {
	// Open opens name for random reads.
	Open(ctx context.Context, name string) (File, error)
	// Create starts writing name; the object appears atomically on Close.
	Create(ctx context.Context, name string) (Writer, error)
	// ReadFile returns the whole object.
	ReadFile(ctx context.Context, name string) ([]byte, error)
	// PutIfAbsent publishes data under name only if nothing is there yet,
	// atomically, also against other processes; otherwise it returns ErrExists.
	PutIfAbsent(ctx context.Context, name string, data []byte) error
	// List returns the objects whose names start with prefix, sorted by name.
	// A missing prefix yields an empty list, not an error.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes name; deleting a missing object is not an error.
	Delete(ctx context.Context, name string) error
}

// Statter is implemented by stores that can describe one object without
// listing its folder. Callers fall back to List when a store lacks it.
type Statter interface {
	// Stat describes name, or returns an error matching ErrNotFound.
	Stat(ctx context.Context, name string) (ObjectInfo, error)
}

// AdvisoryWriter is implemented by stores that can publish an object
// atomically without waiting for it to reach stable storage. It is for
// objects whose loss in a crash is harmless, such as Lance's latest-version
// hint (written after the durable manifest it points to).
type AdvisoryWriter interface {
	// PutAdvisory replaces name with data; readers see the old or the new
	// content, never a mix.
	PutAdvisory(ctx context.Context, name string, data []byte) error
}
