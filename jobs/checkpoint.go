package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
)

// Checkpoints stores the result of each finished task as an Arrow IPC file,
// so that a job that dies is resumed without recomputing finished tasks. A
// checkpoint is keyed by everything that determines its content (the view
// definition, function versions, the source fragment's files and the row
// range), so a stale checkpoint is never reused for changed inputs.
type Checkpoints struct {
	dir string
	mem memory.Allocator
}

// NewCheckpoints opens the checkpoint folder of one target (view or column).
func NewCheckpoints(dir string, mem memory.Allocator) (*Checkpoints, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Checkpoints{dir: dir, mem: mem}, nil
}

// Key hashes the parts that determine a task's output.
func Key(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (c *Checkpoints) path(key string) string { return filepath.Join(c.dir, key+".arrow") }

// Has reports whether a checkpoint exists.
func (c *Checkpoints) Has(key string) bool {
	_, err := os.Stat(c.path(key))
	return err == nil
}

// Save writes batches durably (fsync, then an atomic rename): once Save
// returns, the task's work survives a crash.
func (c *Checkpoints) Save(key string, schema *arrow.Schema, batches []arrow.RecordBatch) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(c.dir, ".tmp-"+uuid.NewString())
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(c.mem))
	if err == nil {
		for _, b := range batches {
			if err = w.Write(b); err != nil {
				break
			}
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("checkpoint %s: %w", key, err)
	}
	return os.Rename(tmp, c.path(key))
}

// Load reads a checkpoint's batches (the caller releases them).
func (c *Checkpoints) Load(key string) ([]arrow.RecordBatch, error) {
	f, err := os.Open(c.path(key))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(c.mem))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s is corrupt: %w", key, err)
	}
	defer r.Close()
	var out []arrow.RecordBatch
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("checkpoint %s is corrupt: %w", key, err)
		}
		rec.Retain()
		out = append(out, rec)
	}
	return out, nil
}

// Delete removes checkpoints by key.
func (c *Checkpoints) Delete(keys ...string) {
	for _, k := range keys {
		if err := os.Remove(c.path(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
	}
}

// Clear removes the whole folder (after a job finished and committed).
func (c *Checkpoints) Clear() error { return os.RemoveAll(c.dir) }
