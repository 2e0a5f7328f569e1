package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Memory is a Store held in memory, for tests and for proving that callers
// use nothing but the Store interface.
type Memory struct {
	mu   sync.Mutex
	objs map[string]memObject
}

type memObject struct {
	data []byte
	mod  time.Time
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{objs: map[string]memObject{}} }

func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return fmt.Errorf("objstore: invalid object name %q", name)
	}
	return nil
}

type memFile struct {
	*bytes.Reader
	size int64
}

func (f *memFile) Size() int64  { return f.size }
func (f *memFile) Close() error { return nil }

// Open implements Store.
func (m *Memory) Open(_ context.Context, name string) (File, error) {
	b, err := m.get(name)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(b), size: int64(len(b))}, nil
}

func (m *Memory) get(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return o.data, nil
}

// ReadFile implements Store.
func (m *Memory) ReadFile(_ context.Context, name string) ([]byte, error) {
	b, err := m.get(name)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

type memWriter struct {
	m    *Memory
	name string
	buf  bytes.Buffer
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("objstore: write after Close")
	}
	return w.buf.Write(p)
}

func (w *memWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	w.m.mu.Lock()
	w.m.objs[w.name] = memObject{data: w.buf.Bytes(), mod: time.Now()}
	w.m.mu.Unlock()
	return nil
}

func (w *memWriter) Abort() error { w.done = true; return nil }

// Create implements Store.
func (m *Memory) Create(_ context.Context, name string) (Writer, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return &memWriter{m: m, name: name}, nil
}

// PutIfAbsent implements Store.
func (m *Memory) PutIfAbsent(_ context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[name]; ok {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	m.objs[name] = memObject{data: append([]byte(nil), data...), mod: time.Now()}
	return nil
}

// List implements Store.
func (m *Memory) List(_ context.Context, prefix string) ([]ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ObjectInfo
	for n, o := range m.objs {
		if strings.HasPrefix(n, prefix) {
			out = append(out, ObjectInfo{Name: n, Size: int64(len(o.data)), ModTime: o.mod})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	delete(m.objs, name)
	m.mu.Unlock()
	return nil
}

var _ Store = (*Memory)(nil)

// Stat implements Statter.
func (m *Memory) Stat(_ context.Context, name string) (ObjectInfo, error) {
	if err := checkName(name); err != nil {
		return ObjectInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[name]
	if !ok {
		return ObjectInfo{}, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return ObjectInfo{Name: name, Size: int64(len(o.data)), ModTime: o.mod}, nil
}

// PutAdvisory implements AdvisoryWriter.
func (m *Memory) PutAdvisory(_ context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	m.mu.Lock()
	m.objs[name] = memObject{data: append([]byte(nil), data...), mod: time.Now()}
	m.mu.Unlock()
	return nil
}
