package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// Env is what jobs need from the engine.
type Env struct {
	Catalog *catalog.Catalog
	Jobs    *Store
	Errors  *ErrorLog
	Mem     memory.Allocator
	// Progress, if set, is told of a running job's counters about twice a
	// second and once when it ends.
	Progress  func(r *Record, finished bool)
	NewEval   func(ctx context.Context) *functions.EvalContext
	BatchSize int
}

// Options are the WITH settings of REFRESH and BACKFILL.
type Options struct {
	Full        bool
	Workers     int
	BatchSize   int
	CommitEvery int // fragments per commit
	// adaptive: no batch_size was given, so a refresh sizes its tasks by
	// the function's speed (see dispenser).
	adaptive bool
}

// Outcome is what a job did.
type Outcome struct {
	JobID        string
	RowsComputed int64
	RowsDeleted  int64
	TasksReused  int64
	Commits      int64
	Message      string
}

// changes is what an incremental refresh must do.
type changes struct {
	compute   []lance.Fragment // fragments to compute in full
	dropAll   map[uint64]bool  // source fragments whose view rows all go
	reconcile map[uint64]bool  // fragments with new deletions
	srcFrags  map[uint64]lance.Fragment
	// Compactions of the source since the watermark: the view rows of
	// remapOld fragments move to the remapNew fragments through remap,
	// without calling any function.
	remap    *lance.RowAddrMap
	remapOld map[uint64]bool
	remapNew map[uint64]bool
}

func (c *changes) empty() bool {
	return len(c.compute) == 0 && len(c.dropAll) == 0 && len(c.reconcile) == 0 && len(c.remapOld) == 0
}

// planChanges compares the source with the view's watermark, following
// compactions of the source so that rewritten fragments are not recomputed.
func planChanges(ctx context.Context, wm *Watermark, src *lance.Dataset, source string, full bool) *changes {
	var rm *lance.RowAddrMap
	remapOld, remapNew := map[uint64]bool{}, map[uint64]bool{}
	if v, ok := wm.SourceVersions[strings.ToLower(source)]; ok && !full && v < src.Version() && len(wm.Fragments) > 0 {
		// If the history cannot be read (cleaned up), rewritten fragments
		// are simply recomputed.
		if m, err := src.RewriteMap(ctx, v); err == nil && m.Rewrites() > 0 {
			cur := map[uint64]bool{}
			for _, f := range src.Fragments() {
				cur[f.ID] = true
			}
			for _, g := range m.Groups() {
				ok := len(g.Old) > 0
				for _, id := range g.Old {
					if _, done := wm.Fragments[id]; !done {
						ok = false // rows never materialized were compacted in: recompute the group
					}
				}
				for _, id := range g.New {
					if !cur[id] {
						ok = false
					}
				}
				if ok {
					for _, id := range g.Old {
						remapOld[id] = true
					}
					for _, id := range g.New {
						remapNew[id] = true
					}
				}
			}
			if len(remapOld) > 0 {
				rm = m
			}
		}
	}
	c := diff(wm, src.Fragments(), full, remapNew)
	for id := range remapOld {
		delete(c.dropAll, id)
	}
	c.remap, c.remapOld, c.remapNew = rm, remapOld, remapNew
	return c
}

// diff compares the source's fragments with the watermark; fragments in
// skip (made by a compaction that is remapped) are neither new nor changed.
func diff(wm *Watermark, frags []lance.Fragment, full bool, skip map[uint64]bool) *changes {
	c := &changes{dropAll: map[uint64]bool{}, reconcile: map[uint64]bool{}, srcFrags: map[uint64]lance.Fragment{}}
	cur := map[uint64]bool{}
	for _, f := range frags {
		cur[f.ID] = true
		c.srcFrags[f.ID] = f
		if skip[f.ID] {
			continue
		}
		st := fragState(f)
		old, seen := wm.Fragments[f.ID]
		switch {
		case full && seen:
			c.dropAll[f.ID] = true
			c.compute = append(c.compute, f)
		case !seen:
			c.compute = append(c.compute, f)
		case old.Files != st.Files || old.PhysicalRows != st.PhysicalRows:
			// The fragment's data changed (a column rewritten): recompute it.
			c.dropAll[f.ID] = true
			c.compute = append(c.compute, f)
		case old.Deletion != st.Deletion:
			c.reconcile[f.ID] = true
		}
	}
	for id := range wm.Fragments {
		if !cur[id] {
			c.dropAll[id] = true
		}
	}
	sort.Slice(c.compute, func(i, j int) bool { return c.compute[i].ID < c.compute[j].ID })
	return c
}

// viewQuery parses a view's SELECT; for incremental views it adds the
// source row address as the last column.
func viewQuery(def *ViewDef) (ast.StmtNode, error) {
	node, err := parser.ParseTiDB(def.Query)
	if err != nil {
		return nil, err
	}
	if def.Incremental {
		sel := node.(*ast.SelectStmt)
		sel.Fields.Fields = append(sel.Fields.Fields, &ast.SelectField{
			Expr:   &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(catalog.RowAddrColumn)}},
			AsName: ast.NewCIStr(SourceRowAddr),
		})
	}
	return node, nil
}

// PlanView binds a view's query (with the source row address for
// incremental views) and returns its output schema.
func PlanView(ctx context.Context, cat catalog.Resolver, def *ViewDef) (*arrow.Schema, error) {
	node, err := viewQuery(def)
	if err != nil {
		return nil, err
	}
	pl := &planner.Planner{Catalog: cat}
	plan, err := pl.Plan(ctx, node, nil)
	if err != nil {
		return nil, err
	}
	return plan.Schema(), nil
}

func openView(ctx context.Context, env *Env, name string) (*catalog.LanceTable, *ViewDef, *Watermark, error) {
	t, err := env.Catalog.OpenTable(ctx, name, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	def, wm, err := LoadDef(t.Dataset().SchemaMetadata())
	if err != nil {
		return nil, nil, nil, sqlerr.New(sqlerr.ErrWrongObject, "'%s' is not a materialized view", name)
	}
	return t, def, wm, nil
}

// Refresh brings a materialized view up to date with its source(s).
func Refresh(ctx context.Context, env *Env, name string, opts Options) (*Outcome, error) {
	mv, def, wm, err := openView(ctx, env, name)
	if err != nil {
		return nil, err
	}
	if !def.Incremental {
		return fullRefresh(ctx, env, mv, def, wm, opts)
	}
	src, err := env.Catalog.OpenTable(ctx, def.Source, nil)
	if err != nil {
		return nil, err
	}
	ch := planChanges(ctx, wm, src.Dataset(), def.Source, opts.Full)
	if ch.empty() {
		return &Outcome{Message: fmt.Sprintf("materialized view '%s' is up to date (source version %d)", name, src.Dataset().Version())}, nil
	}
	adaptive := opts.BatchSize <= 0
	opts = withDefaults(opts, env)
	opts.adaptive = adaptive
	tr, err := env.Jobs.Start("refresh", name, opts.Workers, progressFn(env))
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	env.Jobs.Register(tr.ID(), cancel)
	defer func() { env.Jobs.Unregister(tr.ID()); cancel() }()
	out, err := refreshIncremental(runCtx, env, tr, mv, src, def, wm, ch, opts)
	rec := tr.Finish(err)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: fmt.Sprintf("refresh of '%s' cancelled (job %s); committed work is kept and checkpoints are reused by the next run", name, tr.ID()), Cause: err}
		}
		return nil, jobError(err, "refresh of '%s' failed (job %s)", name, tr.ID())
	}
	out.JobID = rec.ID
	out.TasksReused = rec.Counters.TasksReused
	out.Commits = rec.Counters.Commits
	return out, nil
}

func withDefaults(o Options, env *Env) Options {
	if o.Workers <= 0 {
		o.Workers = defaultWorkers()
	}
	if o.BatchSize <= 0 {
		// A task is also the unit of checkpointing: big enough that the per-task
		// cost (plan, open, fsync of the checkpoint) stays small, small enough
		// that a crash loses little. Expensive functions want WITH (batch_size).
		o.BatchSize = 16384
	}
	if o.CommitEvery <= 0 {
		o.CommitEvery = 16
	}
	return o
}

func progressFn(env *Env) func(r *Record, finished bool) { return env.Progress }

func refreshIncremental(ctx context.Context, env *Env, tr *Tracker, mv, src *catalog.LanceTable, def *ViewDef,
	wm *Watermark, ch *changes, opts Options) (*Outcome, error) {
	keyBase := Key(def.Query, functionVersions(env.Catalog.Functions(), def.Query))
	var total int64
	for _, f := range ch.compute {
		total += f.PhysicalRows - f.DeletedRows
	}
	tr.RowsTotal.Store(total)
	tr.SetNote(fmt.Sprintf("%d fragments to compute, %d to drop, %d with new deletions", len(ch.compute), len(ch.dropAll), len(ch.reconcile)))
	tr.Tick(true)

	cps, err := OpenFileCheckpoints(env.Catalog.SystemPath("checkpoints", "mv-"+strings.ToLower(def.Name)))
	if err != nil {
		return nil, err
	}
	// REFRESH FULL replaces every row: its first commit overwrites the view
	// instead of listing each old row for deletion.
	var deletes []uint64
	var moved []lance.PendingFragment
	if !opts.Full {
		deletes, moved, err = reconcileView(ctx, mv, src, ch)
		if err != nil {
			return nil, err
		}
	}
	newWM := &Watermark{SourceVersions: wm.SourceVersions, Fragments: map[uint64]FragState{}}
	for id, st := range wm.Fragments {
		if !ch.dropAll[id] {
			newWM.Fragments[id] = st
		}
	}
	for id := range ch.remapOld {
		delete(newWM.Fragments, id)
	}
	for id := range ch.remapNew {
		newWM.Fragments[id] = fragState(ch.srcFrags[id])
	}
	for id := range ch.reconcile {
		newWM.Fragments[id] = fragState(ch.srcFrags[id])
	}
	cm := newViewCommitter(ctx, def, mv, src, cps, tr, opts.CommitEvery, newWM, ch.srcFrags, ch.compute)
	cm.deletes, cm.moved, cm.overwrite = deletes, moved, opts.Full
	ds := mv.Dataset()
	// Ranges finished by an earlier run that died are reused if their files
	// are whole; the rest is cut into tasks as workers ask for them.
	var spans []span
	for _, f := range ch.compute {
		key := Key(keyBase, f.ID, fragState(f).Files)
		var done [][2]int64
		for _, l := range cps.Load(key) {
			if l.End > f.PhysicalRows {
				continue
			}
			if !verifyPending(ctx, ds, l.Files) {
				// Torn by a machine crash (a commit flushes its files
				// first, so these were never committed): compute again.
				ds.DeletePending(ctx, l.Files)
				continue
			}
			tr.TasksReused.Add(1)
			tr.TasksTotal.Add(1)
			tr.TasksDone.Add(1)
			tr.RowsRead.Add(l.End - l.Start)
			if err := cm.done(Task{Fragment: f.ID, Start: l.Start, End: l.End, Key: key}, l.Files); err != nil {
				return nil, err
			}
			done = append(done, [2]int64{l.Start, l.End})
		}
		for _, g := range gaps(f.PhysicalRows, done) {
			spans = append(spans, span{frag: f.ID, key: key, start: g[0], end: g[1]})
		}
	}
	fixed := int64(0)
	if !opts.adaptive {
		fixed = int64(opts.BatchSize)
	}
	// Start where the last refresh of the same query and functions left off.
	start := int64(0)
	if wm.TaskKey == keyBase {
		start = wm.TaskRows
	}
	dsp := newDispenser(spans, fixed, opts.Workers, start)
	next := func() (Task, bool) {
		t, ok := dsp.next()
		if ok {
			tr.TasksTotal.Add(1)
		}
		return t, ok
	}
	err = RunPoolFrom(ctx, opts.Workers, next, func(ctx context.Context, id int) (Worker, error) {
		return newViewWorker(ctx, env, tr, src, def, ds, cps, cm, id, fixed)
	}, func(t Task, took time.Duration) {
		dsp.observe(t.End-t.Start, took)
		tr.TasksDone.Add(1)
		tr.Tick(false)
	}, func() bool { return env.Jobs.cancelRequested(tr.ID()) })
	if err != nil {
		cm.abandon()
		return nil, err
	}
	if n := dsp.learned(); n > 0 {
		newWM.TaskRows, newWM.TaskKey = n, keyBase
	} else {
		newWM.TaskRows, newWM.TaskKey = wm.TaskRows, wm.TaskKey
	}
	out, err := cm.finish()
	if err != nil {
		return nil, err
	}
	out.Message = fmt.Sprintf("materialized view '%s' refreshed: %d rows added, %d rows deleted", def.Name, out.RowsComputed, out.RowsDeleted)
	return out, nil
}

func groupFragments(frags []lance.Fragment, k int) [][]lance.Fragment {
	var out [][]lance.Fragment
	for i := 0; i < len(frags); i += k {
		out = append(out, frags[i:min(i+k, len(frags))])
	}
	return out
}

// verifyPending reports whether every file of a checkpoint is whole.
func verifyPending(ctx context.Context, ds *lance.Dataset, ps []lance.PendingFragment) bool {
	for _, p := range ps {
		if ds.VerifyPending(ctx, p) != nil {
			return false
		}
	}
	return true
}

// reconcileView finds the view rows whose source rows are gone, and the
// rows to move to new source addresses after a compaction (returned as
// rewritten batches whose old copies are among the deletes).
func reconcileView(ctx context.Context, mv, src *catalog.LanceTable, ch *changes) ([]uint64, []lance.PendingFragment, error) {
	if len(ch.dropAll) == 0 && len(ch.reconcile) == 0 && len(ch.remapOld) == 0 {
		return nil, nil, nil
	}
	live := map[uint64]map[uint32]bool{}
	need := map[uint64]bool{}
	for id := range ch.reconcile {
		need[id] = true
	}
	for id := range ch.remapNew {
		if ch.srcFrags[id].DeletedRows > 0 {
			need[id] = true
		}
	}
	for id := range need {
		set := map[uint32]bool{}
		err := scanAddrs(ctx, src.Dataset(), lance.ScanOptions{Columns: []string{}, WithRowAddr: true, Fragments: []uint64{id}}, -1, func(_ uint64, addr uint64) {
			set[uint32(addr)] = true
		})
		if err != nil {
			return nil, nil, err
		}
		live[id] = set
	}
	isLive := func(addr uint64) bool {
		set, ok := live[addr>>32]
		return !ok || set[uint32(addr)]
	}
	var del []uint64
	if len(ch.remapOld) == 0 {
		err := scanAddrs(ctx, mv.Dataset(), lance.ScanOptions{Columns: []string{SourceRowAddr}, WithRowAddr: true}, 0, func(srcAddr, mvAddr uint64) {
			f := srcAddr >> 32
			if ch.dropAll[f] || (ch.reconcile[f] && !isLive(srcAddr)) {
				del = append(del, mvAddr)
			}
		})
		return del, nil, err
	}
	// With compactions to follow, whole rows are read so that moved rows can
	// be written again with their new source address.
	ds := mv.Dataset()
	schema := ds.Schema()
	srcCol := schema.FieldIndices(SourceRowAddr)[0]
	sc, err := ds.Scan(ctx, lance.ScanOptions{WithRowAddr: true})
	if err != nil {
		return nil, nil, err
	}
	defer sc.Close()
	// Moved rows stream into pending data files, not memory.
	moved := ds.NewPendingWriter()
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			moved.Abort(ctx)
			return nil, nil, err
		}
		srcAddrs := rec.Column(srcCol).(*array.Uint64)
		mvAddrs := rec.Column(int(rec.NumCols()) - 1).(*array.Uint64)
		var take []int64
		var newAddrs []uint64
		for i := 0; i < srcAddrs.Len(); i++ {
			a := srcAddrs.Value(i)
			f := a >> 32
			switch {
			case ch.remapOld[f]:
				na, ok := ch.remap.Map(a)
				del = append(del, mvAddrs.Value(i))
				if ok && isLive(na) {
					take = append(take, int64(i))
					newAddrs = append(newAddrs, na)
				}
			case ch.dropAll[f] || (ch.reconcile[f] && !isLive(a)):
				del = append(del, mvAddrs.Value(i))
			}
		}
		if len(take) > 0 {
			b, err := takeRows(ds, rec, schema, take, srcCol, newAddrs)
			if err == nil {
				err = moved.Write(ctx, b)
				b.Release()
			}
			if err != nil {
				rec.Release()
				moved.Abort(ctx)
				return nil, nil, err
			}
		}
		rec.Release()
	}
	files, err := moved.Finish(ctx)
	if err != nil {
		return nil, nil, err
	}
	return del, files, nil
}

// takeRows copies rows idx of rec (without its trailing _rowaddr) into a
// batch of schema, with the source address column replaced.
func takeRows(ds *lance.Dataset, rec arrow.RecordBatch, schema *arrow.Schema, idx []int64, srcCol int, addrs []uint64) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	ib.AppendValues(idx, nil)
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	cols := make([]arrow.Array, len(schema.Fields()))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		if i == srcCol {
			ub := array.NewUint64Builder(memory.DefaultAllocator)
			ub.AppendValues(addrs, nil)
			cols[i] = ub.NewArray()
			ub.Release()
			continue
		}
		out, err := compute.TakeArray(context.Background(), rec.Column(i), indices)
		if err != nil {
			return nil, err
		}
		cols[i] = out
	}
	return array.NewRecordBatch(schema, cols, int64(len(idx))), nil
}

// scanAddrs scans and calls fn(value of column col as uint64, _rowaddr) for
// every row; col < 0 passes 0 as the value.
func scanAddrs(ctx context.Context, ds *lance.Dataset, opts lance.ScanOptions, col int, fn func(v, addr uint64)) error {
	sc, err := ds.Scan(ctx, opts)
	if err != nil {
		return err
	}
	defer sc.Close()
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		addrs := rec.Column(int(rec.NumCols()) - 1).(*array.Uint64)
		var vals *array.Uint64
		if col >= 0 {
			vals, _ = rec.Column(col).(*array.Uint64)
		}
		for i := 0; i < addrs.Len(); i++ {
			var v uint64
			if vals != nil {
				v = vals.Value(i)
			}
			fn(v, addrs.Value(i))
		}
		rec.Release()
	}
}

// functionVersions lists the user functions a query names with their
// versions, so that checkpoints of an older version are not reused.
func functionVersions(reg *functions.Registry, query string) string {
	var parts []string
	lower := strings.ToLower(query)
	for _, f := range reg.List() {
		if f.Builtin {
			continue
		}
		if strings.Contains(lower, strings.ToLower(f.Name)+"(") {
			parts = append(parts, f.Name+"@"+f.Version)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// viewWorker computes tasks of one incremental view with its own plan, so
// that stateful functions keep one instance per worker.
type viewWorker struct {
	env   *Env
	tr    *Tracker
	log   *CheckpointLog
	ds    *lance.Dataset // the view, written to
	cm    *viewCommitter
	plan  *planner.Plan
	table *rangeTable
	eval  *functions.EvalContext
	fixed int64 // the user's batch_size, or 0: tasks adapt
}

func newViewWorker(ctx context.Context, env *Env, tr *Tracker, src *catalog.LanceTable, def *ViewDef, ds *lance.Dataset,
	cps *FileCheckpoints, cm *viewCommitter, id int, fixed int64) (Worker, error) {
	node, err := viewQuery(def)
	if err != nil {
		return nil, err
	}
	rt := &rangeTable{LanceTable: src}
	res := &sourceResolver{Resolver: env.Catalog, name: def.Source, table: rt}
	pl := &planner.Planner{Catalog: res}
	plan, err := pl.Plan(ctx, node, nil)
	if err != nil {
		return nil, err
	}
	log, err := cps.Log(tr.ID(), id)
	if err != nil {
		plan.Close()
		return nil, err
	}
	return &viewWorker{env: env, tr: tr, log: log, ds: ds, cm: cm, plan: plan, table: rt, eval: jobEval(ctx, env, tr), fixed: fixed}, nil
}

// adaptiveCallRows is how many rows a function gets per call when the task
// size adapts (no batch_size given): tasks grow past it, calls do not.
const adaptiveCallRows = 16384

// Run computes one task and writes its rows straight into the view's data
// folder as pending files; the checkpoint is their description, and the
// committer publishes them.
func (w *viewWorker) Run(ctx context.Context, t Task) error {
	w.table.task = t
	schema := w.ds.Schema()
	// With a batch_size, a function is called on the task's rows at once;
	// otherwise on at most adaptiveCallRows at a time, and the rows stream
	// into the task's data file instead of piling up in memory.
	batch := t.End - t.Start
	if w.fixed == 0 {
		batch = min(batch, adaptiveCallRows)
	}
	pw := w.ds.NewPendingWriter()
	err := runPlan(ctx, w.plan, w.eval, batch, func(rec arrow.RecordBatch) error {
		b := array.NewRecordBatch(schema, rec.Columns(), rec.NumRows())
		defer b.Release()
		return pw.Write(ctx, b)
	})
	if err != nil {
		pw.Abort(ctx)
		return err
	}
	ps, err := pw.Finish(ctx)
	if err != nil {
		return err
	}
	if err := w.log.Save(t, ps); err != nil {
		w.ds.DeletePending(ctx, ps)
		return err
	}
	w.tr.RowsRead.Add(t.End - t.Start)
	return w.cm.done(t, ps)
}

// runPlan runs a worker's plan over the current task in batches of batch
// rows, handing each output batch to each (which must not keep it).
func runPlan(ctx context.Context, plan *planner.Plan, eval *functions.EvalContext, batch int64, each func(arrow.RecordBatch) error) error {
	op, err := plan.Open(ctx, &executor.Env{Eval: eval, BatchSize: int(batch), KeepInstances: true})
	if err != nil {
		return err
	}
	defer op.Close()
	for {
		rec, err := op.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		err = each(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
}

// runTask runs a worker's plan over one task's rows, converts each output
// batch, and hands the task's rows to save, which checkpoints them before
// the task counts as done.
func runTask(ctx context.Context, plan *planner.Plan, eval *functions.EvalContext, t Task, tr *Tracker,
	convert func(arrow.RecordBatch) (arrow.RecordBatch, error), save func([]arrow.RecordBatch) error) error {
	var out []arrow.RecordBatch
	defer func() {
		for _, b := range out {
			b.Release()
		}
	}()
	err := runPlan(ctx, plan, eval, t.End-t.Start, func(rec arrow.RecordBatch) error {
		b, err := convert(rec)
		if err == nil {
			out = append(out, b)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := save(out); err != nil {
		return err
	}
	tr.RowsRead.Add(t.End - t.Start)
	return nil
}

// Close releases the worker's stateful function instances (its models).
func (w *viewWorker) Close() error {
	err := w.plan.Close()
	if cerr := w.log.Close(); err == nil {
		err = cerr
	}
	return err
}

// rangeTable is the source table restricted to the current task's rows (or
// whole, with all). With hidden, its schema is the stored one, hidden
// columns included, so that a backfill can read a computed column's flags.
type rangeTable struct {
	*catalog.LanceTable
	task   Task
	all    bool
	hidden bool
}

func (r *rangeTable) Schema() *arrow.Schema {
	if r.hidden {
		return r.Dataset().Schema()
	}
	return r.LanceTable.Schema()
}

func (r *rangeTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.RecordStream, error) {
	opts := lance.ScanOptions{WithRowAddr: req.WithRowAddr, Fragments: []uint64{r.task.Fragment},
		Ranges: map[uint64][2]int64{r.task.Fragment: {r.task.Start, r.task.End}}, BatchSize: req.BatchSize}
	if r.all {
		opts.Fragments, opts.Ranges = nil, nil
	}
	fields := r.Schema().Fields()
	opts.Columns = []string{}
	if req.Columns == nil {
		for _, f := range fields {
			opts.Columns = append(opts.Columns, f.Name)
		}
	} else {
		for _, c := range req.Columns {
			opts.Columns = append(opts.Columns, fields[c].Name)
		}
	}
	return r.Dataset().Scan(ctx, opts)
}

// sourceResolver resolves the view's source to the range-restricted table.
type sourceResolver struct {
	catalog.Resolver
	name  string
	table catalog.Table
}

func (s *sourceResolver) LookupTable(ctx context.Context, name string, asOf *catalog.AsOf) (catalog.Table, error) {
	if strings.EqualFold(name, s.name) && asOf == nil {
		return s.table, nil
	}
	return s.Resolver.LookupTable(ctx, name, asOf)
}

// jobEval is a worker's evaluation context: function calls are counted and
// rows skipped or retried under a function's error policy are recorded in
// the errors table with their row address.
func jobEval(ctx context.Context, env *Env, tr *Tracker) *functions.EvalContext {
	ec := env.NewEval(ctx)
	ec.OnCall = func(string, int) { tr.FunctionCalls.Add(1) }
	ec.OnRowError = func(fn string, row int, addr uint64, hasAddr bool, msg string, attempt int) {
		if row < 0 {
			tr.Retries.Add(1)
			msg = fmt.Sprintf("batch attempt %d failed: %s", attempt, msg)
		} else {
			tr.RowsSkipped.Add(1)
		}
		if env.Errors != nil {
			_ = env.Errors.Add(RowError{JobID: tr.ID(), Function: fn, RowAddr: addr, Message: msg, Attempt: attempt, Time: time.Now().UTC()})
		}
	}
	return ec
}

// jobError prefixes a job's failure with what failed and the job id,
// keeping the MySQL error code of the cause.
func jobError(err error, format string, args ...any) error {
	e := sqlerr.Wrap(err)
	return &sqlerr.Error{Code: e.Code, SQLState: e.SQLState, Msg: fmt.Sprintf(format, args...) + ": " + e.Msg, Cause: err}
}

// conflictIfAdvanced reports err as a concurrent-refresh conflict when the
// view has been committed by someone else since this refresh read it: a
// refresh running at the same time shares the checkpoints and may have
// committed the ones this refresh counted on, so that refresh won.
func conflictIfAdvanced(ctx context.Context, ds *lance.Dataset, view string, err error) error {
	if latest, lerr := ds.Latest(ctx); lerr == nil && latest.Version() != ds.Version() {
		return sqlerr.New(sqlerr.ErrConflict, "materialized view '%s' was refreshed by another job at the same time; this refresh committed nothing more (run it again to finish)", view)
	}
	return err
}
