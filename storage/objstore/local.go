package objstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Local is a Store on the local file system, rooted at a folder.
type Local struct {
	root string
}

// NewLocal returns a store rooted at dir. The folder need not exist yet; it is
// created on the first write.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &Local{root: abs}, nil
}

// Root is the absolute folder the store is rooted at.
func (l *Local) Root() string { return l.root }

// tempPrefix marks in-progress writes; List never returns them.
const tempPrefix = ".tmp-"

func (l *Local) path(name string) (string, error) {
	clean := path.Clean("/" + name)
	if name == "" || clean == "/" || strings.Contains(name, "\\") {
		return "", fmt.Errorf("objstore: invalid object name %q", name)
	}
	return filepath.Join(l.root, filepath.FromSlash(clean[1:])), nil
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return err
}

type localFile struct {
	*os.File
	size int64
}

func (f *localFile) Size() int64 { return f.size }

// Open implements Store.
func (l *Local) Open(_ context.Context, name string) (File, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("objstore: %s is a folder, not an object", name)
	}
	return &localFile{File: f, size: st.Size()}, nil
}

// ReadFile implements Store.
func (l *Local) ReadFile(_ context.Context, name string) ([]byte, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	return b, notFound(err)
}

// tempFile creates a hidden temporary file next to the final path so that the
// final rename or link stays within one file system.
func (l *Local) tempFile(final string) (*os.File, error) {
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	return os.OpenFile(filepath.Join(dir, tempPrefix+hex.EncodeToString(rnd[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
}

type localWriter struct {
	f      *os.File
	final  string
	done   bool
	noSync bool // advisory objects: visible atomically, not flushed
}

func (w *localWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("objstore: write after Close")
	}
	return w.f.Write(p)
}

func (w *localWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	tmp := w.f.Name()
	// Durable before visible: a manifest may reference this object as soon
	// as it appears.
	if err := w.sync(); err != nil {
		w.f.Close()
		os.Remove(tmp)
		return err
	}
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

func (w *localWriter) sync() error {
	if w.noSync {
		return nil
	}
	return w.f.Sync()
}

func (w *localWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}

// Create implements Store.
func (l *Local) Create(_ context.Context, name string) (Writer, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	f, err := l.tempFile(p)
	if err != nil {
		return nil, err
	}
	return &localWriter{f: f, final: p}, nil
}

// PutIfAbsent implements Store. link(2) fails with EEXIST when the target
// exists, which makes the publish exclusive across processes, and the target
// is complete the moment it appears.
func (l *Local) PutIfAbsent(_ context.Context, name string, data []byte) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(p); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	f, err := l.tempFile(p)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, name)
		}
		return err
	}
	return nil
}

// List implements Store.
func (l *Local) List(_ context.Context, prefix string) ([]ObjectInfo, error) {
	// Walk only the folder that can hold matches, not the whole root.
	dir := prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
	} else {
		dir = ""
	}
	start := l.root
	if dir != "" {
		p, err := l.path(dir)
		if err != nil {
			return nil, err
		}
		start = p
	}
	var out []ObjectInfo
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A missing prefix, or a file where a folder was expected, just
			// holds no objects.
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // deleted while listing
				return nil
			}
			return err
		}
		out = append(out, ObjectInfo{Name: name, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete implements Store.
func (l *Local) Delete(_ context.Context, name string) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

var _ Store = (*Local)(nil)

// Stat implements Statter.
func (l *Local) Stat(_ context.Context, name string) (ObjectInfo, error) {
	p, err := l.path(name)
	if err != nil {
		return ObjectInfo{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return ObjectInfo{}, notFound(err)
	}
	if st.IsDir() {
		return ObjectInfo{}, fmt.Errorf("%w: %s is a folder, not an object", ErrNotFound, name)
	}
	return ObjectInfo{Name: name, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// PutAdvisory implements AdvisoryWriter: a temporary file renamed over
// name, without fsync.
func (l *Local) PutAdvisory(_ context.Context, name string, data []byte) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	f, err := l.tempFile(p)
	if err != nil {
		return err
	}
	w := &localWriter{f: f, final: p, noSync: true}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}
