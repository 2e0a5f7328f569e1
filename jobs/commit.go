package jobs

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// viewCommitter publishes finished tasks: every CommitEvery completed source
// fragments, and once at the end with the watermark marked complete. Each
// commit is strict (based on the version this refresh last saw), so a
// concurrent refresh of the same view makes one of the two fail cleanly.
// It is called from worker goroutines; commits are serialized by mu, and
// are cheap (the rows are already written), so workers barely wait.
type viewCommitter struct {
	mu       sync.Mutex
	ctx      context.Context
	def      *ViewDef
	src      *catalog.LanceTable
	cps      *FileCheckpoints
	tr       *Tracker
	every    int
	ds       *lance.Dataset
	wm       *Watermark
	srcFrags map[uint64]lance.Fragment
	left     map[uint64]int64 // rows of each source fragment not yet done
	results  map[uint64][]taskFiles
	// Each task's files are flushed to disk in the background as soon as
	// they are written, so that a commit rarely waits for the device.
	files     *lance.Dataset
	flushing  chan struct{} // bounds concurrent flushes
	ready     []uint64      // finished fragments not yet committed
	fragsLeft int
	// Applied by the first commit: view rows to delete, and rows moved to
	// new source addresses after a compaction (already written).
	deletes   []uint64
	moved     []lance.PendingFragment
	first     bool
	overwrite bool // the first commit replaces every row (REFRESH FULL)
	out       *Outcome
}

// taskFiles are the files of one finished task, flushed in the background
// (flushed yields the outcome once).
type taskFiles struct {
	start   int64
	files   []lance.PendingFragment
	flushed chan error
}

func newViewCommitter(ctx context.Context, def *ViewDef, mv, src *catalog.LanceTable, cps *FileCheckpoints, tr *Tracker,
	every int, wm *Watermark, srcFrags map[uint64]lance.Fragment, compute []lance.Fragment) *viewCommitter {
	c := &viewCommitter{ctx: ctx, def: def, src: src, cps: cps, tr: tr, every: max(every, 1), ds: mv.Dataset(), wm: wm, srcFrags: srcFrags,
		left: map[uint64]int64{}, results: map[uint64][]taskFiles{}, first: true, out: &Outcome{},
		files: mv.Dataset(), flushing: make(chan struct{}, 8)}
	for _, f := range compute {
		c.left[f.ID] = f.PhysicalRows
	}
	c.fragsLeft = len(compute)
	return c
}

// done records a finished task's files; it commits when enough fragments
// are complete and more remain (the last ones go with the final commit).
func (c *viewCommitter) done(t Task, ps []lance.PendingFragment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	flushed := make(chan error, 1)
	c.results[t.Fragment] = append(c.results[t.Fragment], taskFiles{start: t.Start, files: ps, flushed: flushed})
	go func() {
		c.flushing <- struct{}{}
		err := c.files.FlushPending(c.ctx, ps)
		<-c.flushing
		flushed <- err
	}()
	c.left[t.Fragment] -= t.End - t.Start
	if c.left[t.Fragment] > 0 {
		return nil
	}
	c.ready = append(c.ready, t.Fragment)
	c.fragsLeft--
	if len(c.ready) >= c.every && c.fragsLeft > 0 {
		return c.commit(false)
	}
	return nil
}

// finish makes the final commit.
func (c *viewCommitter) finish() (*Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.commit(true); err != nil {
		return nil, err
	}
	return c.out, nil
}

// abandon removes the rows moved for a compaction if no commit took them
// (computed tasks keep their files: they are the checkpoints).
func (c *viewCommitter) abandon() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first {
		c.ds.DeletePending(context.WithoutCancel(c.ctx), c.moved)
		c.moved = nil
	}
}

func (c *viewCommitter) commit(final bool) error {
	sort.Slice(c.ready, func(i, j int) bool { return c.ready[i] < c.ready[j] })
	var files []lance.PendingFragment
	var rows int64
	for _, f := range c.ready {
		done := c.results[f]
		sort.Slice(done, func(i, j int) bool { return done[i].start < done[j].start })
		for _, tf := range done {
			if err := <-tf.flushed; err != nil {
				return err
			}
			for _, p := range tf.files {
				files = append(files, p)
				rows += p.Rows
			}
		}
		c.wm.Fragments[f] = fragState(c.srcFrags[f])
	}
	c.wm.Complete = final
	// The source version this commit reflects (in part, until Complete).
	c.wm.SourceVersions = map[string]uint64{strings.ToLower(c.def.Source): c.src.Dataset().Version()}
	if final {
		c.wm.LastRefresh = time.Now().UTC()
		c.wm.LastJob = c.tr.ID()
	}
	change := lance.Change{Fragments: files, SetMetadata: Meta(c.def, c.wm), BaseVersion: c.ds.Version()}
	var del int64
	if c.first && c.overwrite {
		change.Overwrite = true
		for _, f := range c.ds.Fragments() {
			del += f.PhysicalRows - f.DeletedRows
		}
	} else if c.first {
		change.Delete = c.deletes
		change.Fragments = append(append([]lance.PendingFragment(nil), c.moved...), files...)
		del = int64(len(c.deletes))
	}
	nds, err := c.ds.Apply(c.ctx, change)
	if err != nil {
		if errors.Is(err, lance.ErrConflict) {
			return sqlerr.New(sqlerr.ErrConflict, "materialized view '%s' was refreshed by another job at the same time; this refresh committed nothing more (run it again to finish)", c.def.Name)
		}
		return conflictIfAdvanced(c.ctx, c.ds, c.def.Name, err)
	}
	c.ds = nds
	c.first = false
	if final {
		// Everything is committed: the checkpoint logs are not needed.
		c.cps.Finished(c.tr.ID())
	}
	for _, f := range c.ready {
		delete(c.results, f)
	}
	c.ready = c.ready[:0]
	c.tr.Commits.Add(1)
	c.tr.RowsCommitted.Add(rows)
	c.tr.RowsDeleted.Add(del)
	c.out.RowsComputed += rows
	c.out.RowsDeleted += del
	c.out.Commits++
	c.tr.Tick(true)
	return nil
}
