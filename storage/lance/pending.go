package lance

import (
	"context"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/storage/objstore"
)

// PendingFragment is a data file written ahead of the commit that adds it
// to the table: a refresh worker writes each task's rows straight into the
// table's data folder, keeps this small record as its checkpoint, and the
// committer later publishes many of them in one version, so no row is
// written twice. It is plain data (JSON) so that it can outlive the process.
type PendingFragment struct {
	Path          string  `json:"path"` // file name under data/
	Rows          int64   `json:"rows"`
	FieldIDs      []int32 `json:"field_ids"`
	ColumnIndices []int32 `json:"column_indices"`
	Major         uint32  `json:"major"`
	Minor         uint32  `json:"minor"`
	SizeBytes     uint64  `json:"size_bytes"`
	CRC32C        uint32  `json:"crc32c"`
	durable       bool    // flushed by FlushPending (not saved: a resumed job flushes again)
}

// WriteFragments writes rows (with the table's schema) as new data files
// that belong to no version until a Change lists them in Fragments. Files
// are not flushed one by one: FlushPending or Apply flushes them. On error
// nothing is left behind.
func (d *Dataset) WriteFragments(ctx context.Context, batches []arrow.RecordBatch) (_ []PendingFragment, err error) {
	w := d.NewPendingWriter()
	for _, b := range batches {
		if err := w.Write(ctx, b); err != nil {
			w.Abort(ctx)
			return nil, err
		}
	}
	return w.Finish(ctx)
}

// PendingWriter streams rows into pending data files (see WriteFragments),
// so that a large task need not hold its rows in memory.
type PendingWriter struct {
	d *Dataset
	w *fragmentWriter
}

// NewPendingWriter starts writing pending data files of d.
func (d *Dataset) NewPendingWriter() *PendingWriter {
	w := d.newFragmentWriter(d.m.Fields, d.schema)
	w.pending = true
	return &PendingWriter{d: d, w: w}
}

// Write adds rows; on error the caller calls Abort.
func (p *PendingWriter) Write(ctx context.Context, rec arrow.RecordBatch) (err error) {
	defer recoverErr(&err)
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := conform(p.d.schema, rec)
	if err != nil {
		return err
	}
	defer c.Release()
	return p.w.write(ctx, c)
}

// Finish closes the last file and describes the files written; on error
// nothing is left behind.
func (p *PendingWriter) Finish(ctx context.Context) (_ []PendingFragment, err error) {
	defer func() {
		if err != nil {
			p.Abort(ctx)
		}
	}()
	defer recoverErr(&err)
	if _, err := p.w.finish(); err != nil {
		return nil, err
	}
	out := make([]PendingFragment, len(p.w.frags))
	for i, f := range p.w.frags {
		df := f.Files[0]
		out[i] = PendingFragment{Path: df.Path, Rows: int64(f.PhysicalRows), FieldIDs: df.Fields, ColumnIndices: df.ColumnIndices,
			Major: df.Major, Minor: df.Minor, SizeBytes: df.SizeBytes, CRC32C: p.w.sums[i]}
	}
	return out, nil
}

// Abort removes every file written.
func (p *PendingWriter) Abort(ctx context.Context) { p.w.abort(ctx) }

// VerifyPending checks that a pending file is whole (its size and checksum
// as written), for a job resuming after a crash: a machine crash may leave
// an unflushed file empty or torn, and then the task is computed again.
func (d *Dataset) VerifyPending(ctx context.Context, p PendingFragment) error {
	f, err := d.store.Open(ctx, "data/"+p.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	if uint64(f.Size()) != p.SizeBytes {
		return fmt.Errorf("pending data file %s holds %d bytes, %d were written", p.Path, f.Size(), p.SizeBytes)
	}
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, f.Size())); err != nil {
		return err
	}
	if h.Sum32() != p.CRC32C {
		return fmt.Errorf("pending data file %s is damaged (checksum mismatch)", p.Path)
	}
	return nil
}

// FlushPending makes pending files durable now, so that the commit that
// later names them need not wait for the disk: a job flushes files in the
// background while its workers compute. It marks ps as flushed.
func (d *Dataset) FlushPending(ctx context.Context, ps []PendingFragment) error {
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		if !p.durable {
			names = append(names, "data/"+p.Path)
		}
	}
	if err := objstore.Sync(ctx, d.store, names); err != nil {
		return fmt.Errorf("flushing %d data files: %w", len(names), err)
	}
	for i := range ps {
		ps[i].durable = true
	}
	return nil
}

// DeletePending removes pending files that will not be committed.
func (d *Dataset) DeletePending(ctx context.Context, ps []PendingFragment) {
	for _, p := range ps {
		_ = d.store.Delete(ctx, "data/"+p.Path)
	}
}

// fragments turns pending files into manifest fragments (ids are assigned
// when the commit applies them) after flushing them to stable storage.
func (d *Dataset) pendingFragments(ctx context.Context, ps []PendingFragment) ([]*fragment, error) {
	var names []string
	out := make([]*fragment, len(ps))
	for i, p := range ps {
		if !p.durable {
			names = append(names, "data/"+p.Path)
		}
		out[i] = &fragment{PhysicalRows: uint64(p.Rows), Files: []*dataFile{{Path: p.Path, Fields: p.FieldIDs,
			ColumnIndices: p.ColumnIndices, Major: p.Major, Minor: p.Minor, SizeBytes: p.SizeBytes}}}
	}
	if err := objstore.Sync(ctx, d.store, names); err != nil {
		return nil, fmt.Errorf("flushing %d data files before commit: %w", len(names), err)
	}
	// The files' names: one flush of the folder for all of them.
	if len(ps) > 0 {
		if err := objstore.SyncDir(ctx, d.store, "data"); err != nil {
			return nil, fmt.Errorf("flushing the data folder before commit: %w", err)
		}
	}
	return out, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksumWriter passes writes through and keeps their CRC-32C.
type checksumWriter struct {
	w io.Writer
	h hash.Hash32
}

func newChecksumWriter(w io.Writer) *checksumWriter {
	return &checksumWriter{w: w, h: crc32.New(castagnoli)}
}

func (c *checksumWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	return n, err
}

func (c *checksumWriter) Sum() uint32 { return c.h.Sum32() }
