package objstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Deferred is implemented by stores that can publish an object without
// flushing it to stable storage at once. A refresh writes hundreds of small
// data files ahead of one commit; flushing each as it is written stalls the
// writer on the device, while a Sync of many files at once, in the
// background, overlaps with the work and shares the journal's commits.
// (A killed process loses nothing either way: only a machine crash can lose
// an unflushed object, and the committer syncs before it publishes a
// manifest naming it.)
type Deferred interface {
	// CreateDeferred is Create for objects that nothing reads until a later
	// commit names them: the object may appear under its name while it is
	// being written, and Close does not make it durable.
	CreateDeferred(ctx context.Context, name string) (Writer, error)
	// Sync makes the named objects' contents durable.
	Sync(ctx context.Context, names []string) error
	// SyncDir makes the names of the objects created under the folder dir
	// durable (one flush for all of them, after their contents').
	SyncDir(ctx context.Context, dir string) error
}

// CreateDeferred writes through s's deferred path if it has one, else Create.
func CreateDeferred(ctx context.Context, s Store, name string) (Writer, error) {
	if d, ok := s.(Deferred); ok {
		return d.CreateDeferred(ctx, name)
	}
	return s.Create(ctx, name)
}

// Sync flushes the contents of names written with CreateDeferred (a no-op
// for stores whose objects are durable once written).
func Sync(ctx context.Context, s Store, names []string) error {
	if d, ok := s.(Deferred); ok && len(names) > 0 {
		return d.Sync(ctx, names)
	}
	return nil
}

// SyncDir makes the names of objects written with CreateDeferred under dir
// durable.
func SyncDir(ctx context.Context, s Store, dir string) error {
	if d, ok := s.(Deferred); ok {
		return d.SyncDir(ctx, dir)
	}
	return nil
}

// CreateDeferred implements Deferred. The file is written under its final
// name at once (no temporary name and rename: file creation is the slow
// part of writing many small files): deferred objects are data files that
// nothing names until a commit, so a half-written one is never read.
func (l *Local) CreateDeferred(_ context.Context, name string) (Writer, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
			f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		}
	}
	if err != nil {
		return nil, err
	}
	return &deferredWriter{f: f}, nil
}

type deferredWriter struct {
	f    *os.File
	done bool
}

func (w *deferredWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("objstore: write after Close")
	}
	return w.f.Write(p)
}

func (w *deferredWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	return nil
}

func (w *deferredWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}

// Sync implements Deferred: an fsync of every file, several at a time
// (concurrent flushes share the file system's journal commits, so 600 files
// take a fraction of 600 serial fsyncs). (syncfs(2) would be one call, but
// it also flushes every other program's writes to the same file system.)
func (l *Local) Sync(ctx context.Context, names []string) error {
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := l.path(n)
		if err != nil {
			return err
		}
		paths[i] = p
	}
	return fsyncAll(ctx, paths)
}

// SyncDir implements Deferred with an fsync of the folder.
func (l *Local) SyncDir(_ context.Context, dir string) error {
	p, err := l.path(dir)
	if err != nil {
		return err
	}
	return fsyncPath(p)
}

// syncParallelism bounds the concurrent fsyncs of one Sync.
const syncParallelism = 16

func fsyncAll(ctx context.Context, paths []string) error {
	if len(paths) == 1 {
		return fsyncPath(paths[0])
	}
	work := make(chan string)
	errs := make(chan error, syncParallelism)
	var wg sync.WaitGroup
	for i := 0; i < min(syncParallelism, len(paths)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for p := range work {
				if err := fsyncPath(p); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	var err error
feed:
	for _, p := range paths {
		select {
		case work <- p:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for e := range errs {
		if err == nil {
			err = e
		}
	}
	return err
}

func fsyncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return notFound(err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	// Some platforms refuse to fsync a folder; the files themselves are synced.
	if err != nil && errors.Is(err, os.ErrInvalid) {
		return nil
	}
	return err
}
