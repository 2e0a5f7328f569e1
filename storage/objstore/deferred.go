package objstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
)

// Deferred is implemented by stores that can publish an object without
// flushing it to stable storage at once. A refresh writes hundreds of small
// data files ahead of one commit; flushing each as it is written costs a
// device cache flush per file, while one Sync before the commit costs one.
// (A killed process loses nothing either way: only a machine crash can lose
// an unflushed object, and the committer syncs before it publishes a
// manifest naming it.)
type Deferred interface {
	// CreateDeferred is Create whose Close publishes the object without
	// making it durable.
	CreateDeferred(ctx context.Context, name string) (Writer, error)
	// Sync makes the named objects (and their names) durable.
	Sync(ctx context.Context, names []string) error
}

// CreateDeferred writes through s's deferred path if it has one, else Create.
func CreateDeferred(ctx context.Context, s Store, name string) (Writer, error) {
	if d, ok := s.(Deferred); ok {
		return d.CreateDeferred(ctx, name)
	}
	return s.Create(ctx, name)
}

// Sync flushes names written with CreateDeferred (a no-op for stores whose
// objects are durable once written).
func Sync(ctx context.Context, s Store, names []string) error {
	if d, ok := s.(Deferred); ok && len(names) > 0 {
		return d.Sync(ctx, names)
	}
	return nil
}

// CreateDeferred implements Deferred.
func (l *Local) CreateDeferred(_ context.Context, name string) (Writer, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	f, err := l.tempFile(p)
	if err != nil {
		return nil, err
	}
	return &deferredWriter{localWriter{f: f, final: p}}, nil
}

type deferredWriter struct{ localWriter }

func (w *deferredWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	tmp := w.f.Name()
	if err := w.f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, w.final); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Sync implements Deferred: one file-system-wide flush where the platform
// has it (syncfs on Linux), else an fsync of every file and its folder.
func (l *Local) Sync(_ context.Context, names []string) error {
	if done, err := syncFS(l.root); done {
		return err
	}
	dirs := map[string]bool{}
	for _, n := range names {
		p, err := l.path(n)
		if err != nil {
			return err
		}
		if err := fsyncPath(p); err != nil {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := fsyncPath(d); err != nil {
			return err
		}
	}
	return nil
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
