package jobs

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// Backfill computes a computed column for the rows not computed yet (or,
// with a predicate, for the rows it selects) and stores the values as new
// data files of the fragments, one commit per group of fragments. Each row
// also records that it was computed (the hidden __computed_<c> column), so
// "never computed" and "computed to NULL" stay different states.
func Backfill(ctx context.Context, env *Env, table, column, where string, opts Options) (*Outcome, error) {
	t, err := env.Catalog.OpenTable(ctx, table, nil)
	if err != nil {
		return nil, err
	}
	def, ok := catalog.ComputedColumns(t.Dataset().SchemaMetadata())[strings.ToLower(column)]
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrBadField, "'%s' is not a computed column of table '%s' (add it with ALTER TABLE … ADD COLUMN … AS (…) VIRTUAL)", column, table)
	}
	field, err := catalog.SQLTypeField(def.Name, def.SQLType)
	if err != nil {
		return nil, err
	}
	field.Nullable = true
	flag := arrow.Field{Name: catalog.ComputedPrefix + strings.ToLower(def.Name), Type: arrow.FixedWidthTypes.Boolean, Nullable: true}
	stored := len(t.Dataset().Schema().FieldIndices(def.Name)) > 0

	// The rows to compute: those the predicate selects, or those not yet computed.
	q := "SELECT _rowaddr, " + def.Expr + " FROM `" + strings.ReplaceAll(t.Name(), "`", "``") + "`"
	switch {
	case where != "":
		q += " WHERE (" + where + ")"
	case stored:
		q += " WHERE NOT IFNULL(`" + flag.Name + "`, FALSE)"
	}
	node, err := parser.ParseTiDB(q)
	if err != nil {
		return nil, err
	}
	// Bind once up front so a bad expression or predicate fails before any work.
	probe := &rangeTable{LanceTable: t, all: true, hidden: true}
	if _, err := (&planner.Planner{Catalog: &sourceResolver{Resolver: env.Catalog, name: t.Name(), table: probe}}).Plan(ctx, node, nil); err != nil {
		return nil, err
	}

	frags := t.Dataset().Fragments()
	opts = withDefaults(opts, env)
	keyBase := Key("backfill", t.Name(), def.Name, def.Expr, def.SQLType, where, stored, functionVersions(env.Catalog.Functions(), def.Expr))
	var tasks []Task
	var total int64
	for _, f := range frags {
		total += f.PhysicalRows - f.DeletedRows
		for s := int64(0); s < f.PhysicalRows; s += int64(opts.BatchSize) {
			e := min(s+int64(opts.BatchSize), f.PhysicalRows)
			tasks = append(tasks, Task{Fragment: f.ID, Start: s, End: e, Key: Key(keyBase, f.ID, f.PhysicalRows, s, e)})
		}
	}
	if len(tasks) == 0 && stored {
		return &Outcome{Message: "nothing to backfill: the table is empty"}, nil
	}
	target := t.Name() + "." + def.Name
	tr, err := env.Jobs.Start("backfill", target, opts.Workers, progressFn(env))
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	env.Jobs.Register(tr.ID(), cancel)
	defer func() { env.Jobs.Unregister(tr.ID()); cancel() }()
	tr.RowsTotal.Store(total)
	tr.TasksTotal.Store(int64(len(tasks)))
	out, err := runBackfill(runCtx, env, tr, t, def.Name, field, flag, stored, q, tasks, frags, opts)
	rec := tr.Finish(err)
	if err != nil {
		if runCtx.Err() != nil {
			return nil, &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: fmt.Sprintf("backfill of %s cancelled (job %s); committed fragments are kept and checkpoints are reused by the next run", target, tr.ID()), Cause: err}
		}
		return nil, jobError(err, "backfill of %s failed (job %s)", target, tr.ID())
	}
	out.JobID = rec.ID
	out.TasksReused = rec.Counters.TasksReused
	out.Commits = rec.Counters.Commits
	return out, nil
}

// backfillSchema is what a backfill task checkpoints: row offsets in the
// fragment and the computed values.
func backfillSchema(field arrow.Field) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "offset", Type: arrow.PrimitiveTypes.Uint32}, field}, nil)
}

func runBackfill(ctx context.Context, env *Env, tr *Tracker, t *catalog.LanceTable, column string, field, flag arrow.Field,
	stored bool, query string, tasks []Task, frags []lance.Fragment, opts Options) (*Outcome, error) {
	cps, err := NewCheckpoints(env.Catalog.SystemPath("checkpoints", "backfill-"+strings.ToLower(t.Name())+"-"+strings.ToLower(column)), env.Mem)
	if err != nil {
		return nil, err
	}
	schema := backfillSchema(field)
	byFrag := map[uint64][]Task{}
	for _, tk := range tasks {
		byFrag[tk.Fragment] = append(byFrag[tk.Fragment], tk)
	}
	ds := t.Dataset()
	out := &Outcome{}
	groups := groupFragments(frags, opts.CommitEvery)
	for _, g := range groups {
		var todo, gtasks []Task
		for _, f := range g {
			for _, tk := range byFrag[f.ID] {
				gtasks = append(gtasks, tk)
				if cps.Has(tk.Key) {
					tr.TasksReused.Add(1)
					tr.TasksDone.Add(1)
					tr.RowsRead.Add(tk.End - tk.Start)
					continue
				}
				todo = append(todo, tk)
			}
		}
		err := RunPool(ctx, opts.Workers, todo, func(ctx context.Context, id int) (Worker, error) {
			return newBackfillWorker(ctx, env, tr, t, query, field, schema, cps)
		}, func(Task) { tr.TasksDone.Add(1); tr.Tick(false) }, func() bool { return env.Jobs.cancelRequested(tr.ID()) })
		if err != nil {
			return nil, err
		}
		values, computed, err := gatherBackfill(cps, byFrag, g)
		if err != nil {
			return nil, err
		}
		fill := func(ctx context.Context, f lance.Fragment) (array.RecordReader, error) {
			return fragmentColumn(ctx, env.Mem, ds, f, field, flag, stored, values[f.ID])
		}
		var ids []uint64
		for _, f := range g {
			if len(values[f.ID]) > 0 || !stored {
				ids = append(ids, f.ID)
			}
		}
		var nds *lance.Dataset
		switch {
		case !stored:
			// First backfill: the columns join the schema, for every fragment
			// (those of later groups get NULL / not computed for now).
			nds, err = ds.AddColumns(ctx, []arrow.Field{field, flag}, fill)
			stored = true
		case len(ids) > 0:
			nds, err = ds.ReplaceColumns(ctx, []string{field.Name, flag.Name}, ids, fill)
		default:
			nds = ds
		}
		for _, m := range values {
			for _, b := range m {
				b.Release()
			}
		}
		if err != nil {
			return nil, err
		}
		if nds != ds {
			tr.Commits.Add(1)
		}
		ds = nds
		tr.RowsCommitted.Add(computed)
		out.RowsComputed += computed
		for _, tk := range gtasks {
			cps.Delete(tk.Key)
		}
		tr.Tick(true)
	}
	out.Message = fmt.Sprintf("backfilled %s.%s: %d rows computed", t.Name(), column, out.RowsComputed)
	return out, nil
}

// gatherBackfill loads the checkpoints of a group of fragments.
func gatherBackfill(cps *Checkpoints, byFrag map[uint64][]Task, g []lance.Fragment) (map[uint64][]arrow.RecordBatch, int64, error) {
	values := map[uint64][]arrow.RecordBatch{}
	var n int64
	for _, f := range g {
		for _, tk := range byFrag[f.ID] {
			recs, err := cps.Load(tk.Key)
			if err != nil {
				for _, m := range values {
					for _, b := range m {
						b.Release()
					}
				}
				return nil, 0, err
			}
			for _, r := range recs {
				n += r.NumRows()
			}
			values[f.ID] = append(values[f.ID], recs...)
		}
	}
	return values, n, nil
}

// fragmentColumn builds a fragment's new column and computed flag for all its
// physical rows: new values where computed, the stored ones elsewhere.
func fragmentColumn(ctx context.Context, mem memory.Allocator, ds *lance.Dataset, f lance.Fragment, field, flag arrow.Field,
	stored bool, computed []arrow.RecordBatch) (array.RecordReader, error) {
	n := int(f.PhysicalRows)
	type slot struct {
		rec arrow.RecordBatch
		i   int
	}
	src := make([]slot, n) // where each offset's value comes from (rec nil: none)
	var old []arrow.RecordBatch
	defer func() {
		for _, o := range old {
			o.Release()
		}
	}()
	oldFlag := make([]bool, n)
	if stored {
		sc, err := ds.Scan(ctx, lance.ScanOptions{Columns: []string{field.Name, flag.Name}, WithRowAddr: true, Fragments: []uint64{f.ID}})
		if err != nil {
			return nil, err
		}
		for {
			rec, err := sc.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				sc.Close()
				return nil, err
			}
			old = append(old, rec)
			fl := rec.Column(1).(*array.Boolean)
			addrs := rec.Column(2).(*array.Uint64)
			for i := 0; i < addrs.Len(); i++ {
				off := int(uint32(addrs.Value(i)))
				src[off] = slot{rec, i}
				oldFlag[off] = fl.IsValid(i) && fl.Value(i)
			}
		}
		sc.Close()
	}
	newFlag := make([]bool, n)
	for _, c := range computed {
		offs := c.Column(0).(*array.Uint32)
		for i := 0; i < offs.Len(); i++ {
			off := int(offs.Value(i))
			src[off] = slot{c, i}
			newFlag[off] = true
		}
	}
	// Assemble the value column with one vectorized take over the batches
	// that hold values (old stored ones, new computed ones, one null).
	type source struct {
		rec arrow.RecordBatch
		col int
	}
	base := map[source]int64{}
	var sources []arrow.Array
	var size int64
	indices := make([]int64, n)
	fb := array.NewBooleanBuilder(mem)
	defer fb.Release()
	fb.Reserve(n)
	nullAt := int64(-1)
	for off := 0; off < n; off++ {
		s := src[off]
		if s.rec == nil {
			if nullAt < 0 {
				sources = append(sources, array.MakeArrayOfNull(mem, field.Type, 1))
				nullAt = size
				size++
			}
			indices[off] = nullAt
			fb.UnsafeAppend(false)
			continue
		}
		k := source{s.rec, 0}
		if newFlag[off] {
			k.col = 1
		}
		b, ok := base[k]
		if !ok {
			a := s.rec.Column(k.col)
			a.Retain()
			sources = append(sources, a)
			b = size
			base[k] = b
			size += int64(a.Len())
		}
		indices[off] = b + int64(s.i)
		fb.UnsafeAppend(newFlag[off] || oldFlag[off])
	}
	defer func() {
		for _, a := range sources {
			a.Release()
		}
	}()
	schema := arrow.NewSchema([]arrow.Field{field, flag}, nil)
	var col arrow.Array
	if n == 0 {
		col = array.MakeArrayOfNull(mem, field.Type, 0)
	} else {
		all, err := array.Concatenate(sources, mem)
		if err != nil {
			return nil, err
		}
		ib := array.NewInt64Builder(mem)
		ib.AppendValues(indices, nil)
		idx := ib.NewArray()
		ib.Release()
		col, err = compute.TakeArray(compute.WithAllocator(ctx, mem), all, idx)
		all.Release()
		idx.Release()
		if err != nil {
			return nil, err
		}
	}
	defer col.Release()
	fl := fb.NewArray()
	defer fl.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col, fl}, int64(n))
	defer rec.Release()
	return array.NewRecordReader(schema, []arrow.RecordBatch{rec})
}

// backfillWorker computes tasks with its own plan of the backfill query.
type backfillWorker struct {
	tr     *Tracker
	cps    *Checkpoints
	plan   *planner.Plan
	table  *rangeTable
	eval   *functions.EvalContext
	field  arrow.Field
	schema *arrow.Schema
}

func newBackfillWorker(ctx context.Context, env *Env, tr *Tracker, t *catalog.LanceTable, query string, field arrow.Field, schema *arrow.Schema, cps *Checkpoints) (Worker, error) {
	node, err := parser.ParseTiDB(query)
	if err != nil {
		return nil, err
	}
	rt := &rangeTable{LanceTable: t, hidden: true}
	plan, err := (&planner.Planner{Catalog: &sourceResolver{Resolver: env.Catalog, name: t.Name(), table: rt}}).Plan(ctx, node, nil)
	if err != nil {
		return nil, err
	}
	return &backfillWorker{tr: tr, cps: cps, plan: plan, table: rt, eval: jobEval(ctx, env, tr), field: field, schema: schema}, nil
}

func (w *backfillWorker) Run(ctx context.Context, t Task) error {
	w.table.task = t
	return runTask(ctx, w.plan, w.eval, t, w.tr, w.convert, func(out []arrow.RecordBatch) error { return w.cps.Save(t.Key, w.schema, out) })
}

// convert turns (_rowaddr, value) into (offset, value of the column's type).
func (w *backfillWorker) convert(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	addrs := rec.Column(0).(*array.Uint64)
	ob := array.NewUint32Builder(w.eval.Mem)
	defer ob.Release()
	for i := 0; i < addrs.Len(); i++ {
		ob.Append(uint32(addrs.Value(i)))
	}
	offs := ob.NewArray()
	defer offs.Release()
	val := rec.Column(1)
	var cast arrow.Array
	if arrow.TypeEqual(val.DataType(), w.field.Type) {
		val.Retain()
		cast = val
	} else {
		ec := *w.eval
		ec.Strict = true
		var err error
		if cast, err = functions.Cast(&ec, val, w.field.Type); err != nil {
			return nil, sqlerr.New(sqlerr.ErrTruncatedValue, "computed column %s: %v", w.field.Name, sqlerr.Wrap(err).Msg)
		}
	}
	defer cast.Release()
	return array.NewRecordBatch(w.schema, []arrow.Array{offs, cast}, rec.NumRows()), nil
}

// Close releases the worker's stateful function instances.
func (w *backfillWorker) Close() error { return w.plan.Close() }
