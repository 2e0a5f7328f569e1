package lance

import (
	"container/list"
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance/format"
	"github.com/genevasql/genevasql/storage/objstore"
)

// Small data files are kept in memory, parsed, across scans, statements and
// dataset versions. A table filled by many single-row INSERTs has one tiny
// data file per statement, and opening each of them on every scan (open,
// stat, footer and metadata reads, parsing) dominated such workloads. Data
// file names are unique (a UUID each) and a file is never rewritten, so an
// entry cannot go stale; the size the manifest records is checked as well.
const (
	fileCacheMaxFile  = 256 << 10 // larger files are read from the store each time
	fileCacheMaxBytes = 64 << 20  // total bytes of cached files
)

// dataFiles is the process-wide cache of small data files.
var dataFiles = newFileCache(fileCacheMaxBytes, fileCacheMaxFile)

type fileKey struct {
	store any              // the store's root folder, or the store itself
	path  string           // object name in the store
	mem   memory.Allocator // a reader allocates its output arrays with it
}

type cachedFile struct {
	key  fileKey
	r    *format.Reader
	size int64
}

type fileCache struct {
	mu       sync.Mutex
	max      int64
	maxFile  int64
	used     int64
	entries  map[fileKey]*list.Element
	lru      list.List // front: most recently used *cachedFile
	hits     int64
	misses   int64
	disabled bool // tests
}

func newFileCache(max, maxFile int64) *fileCache {
	return &fileCache{max: max, maxFile: maxFile, entries: map[fileKey]*list.Element{}}
}

// storeKey identifies a store across handles: local stores are made anew
// for each Open, so their root folder names them.
func storeKey(s objstore.Store) (any, bool) {
	if r, ok := s.(interface{ Root() string }); ok {
		return "local:" + r.Root(), true
	}
	if t := reflect.TypeOf(s); t == nil || !t.Comparable() {
		return nil, false
	}
	return s, true
}

func (c *fileCache) key(s objstore.Store, path string, mem memory.Allocator) (fileKey, bool) {
	sk, ok := storeKey(s)
	if !ok || c.disabled {
		return fileKey{}, false
	}
	if t := reflect.TypeOf(mem); t == nil || !t.Comparable() {
		return fileKey{}, false
	}
	return fileKey{store: sk, path: path, mem: mem}, true
}

func (c *fileCache) get(k fileKey, size int64) *format.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		c.misses++
		return nil
	}
	cf := e.Value.(*cachedFile)
	if size > 0 && cf.size != size {
		c.remove(e)
		c.misses++
		return nil
	}
	c.lru.MoveToFront(e)
	c.hits++
	return cf.r
}

func (c *fileCache) put(k fileKey, r *format.Reader, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.remove(e)
	}
	c.entries[k] = c.lru.PushFront(&cachedFile{key: k, r: r, size: size})
	c.used += size
	for c.used > c.max && c.lru.Len() > 1 {
		c.remove(c.lru.Back())
	}
}

func (c *fileCache) remove(e *list.Element) {
	cf := c.lru.Remove(e).(*cachedFile)
	delete(c.entries, cf.key)
	c.used -= cf.size
}

// openDataFile returns a reader of a data file and what to close when done
// (nil for a cached file, which stays open for later scans).
func (d *Dataset) openDataFile(ctx context.Context, df *dataFile, mem memory.Allocator) (*format.Reader, objstore.File, error) {
	name := "data/" + df.Path
	k, cacheable := dataFiles.key(d.store, name, mem)
	known := int64(df.SizeBytes)
	if cacheable {
		if r := dataFiles.get(k, known); r != nil {
			return r, nil, nil
		}
		// The manifest knows the size: a small file is read whole, in one
		// request, and kept.
		if known > 0 && known <= dataFiles.maxFile {
			b, err := d.store.ReadFile(ctx, name)
			if err != nil {
				return nil, nil, err
			}
			if int64(len(b)) != known {
				return nil, nil, fmt.Errorf("data file %s has %d bytes, the manifest says %d", df.Path, len(b), known)
			}
			return cacheReader(k, b, mem)
		}
	}
	file, err := d.store.Open(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	size := file.Size()
	if cacheable && known == 0 && size <= dataFiles.maxFile {
		b := make([]byte, size)
		n, err := file.ReadAt(b, 0)
		file.Close()
		if int64(n) != size {
			return nil, nil, fmt.Errorf("reading data file %s: %v", df.Path, err)
		}
		return cacheReader(k, b, mem)
	}
	r, err := format.OpenReader(file, size, format.ReaderOptions{Mem: mem})
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return r, file, nil
}

func cacheReader(k fileKey, b []byte, mem memory.Allocator) (*format.Reader, objstore.File, error) {
	r, err := format.OpenReader(bytesReaderAt(b), int64(len(b)), format.ReaderOptions{Mem: mem})
	if err != nil {
		return nil, nil, err
	}
	dataFiles.put(k, r, int64(len(b)))
	return r, nil, nil
}

// bytesReaderAt reads a file held in memory; it is safe for concurrent use.
type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, fmt.Errorf("read at %d outside %d bytes", off, len(b))
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
