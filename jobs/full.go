package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

func defaultWorkers() int { return max(1, runtime.NumCPU()) }

// sourceVersions reads the latest version of every source table.
func sourceVersions(ctx context.Context, env *Env, def *ViewDef) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, s := range def.Sources {
		if env.Catalog.IsView(s) {
			continue
		}
		t, err := env.Catalog.OpenTable(ctx, s, nil)
		if err != nil {
			return nil, err
		}
		out[strings.ToLower(s)] = t.Dataset().Version()
	}
	return out, nil
}

func sameVersions(a, b map[string]uint64) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fullRefresh recomputes the whole view and replaces its rows in one commit.
func fullRefresh(ctx context.Context, env *Env, mv *catalog.LanceTable, def *ViewDef, wm *Watermark, opts Options) (*Outcome, error) {
	vers, err := sourceVersions(ctx, env, def)
	if err != nil {
		return nil, err
	}
	if !opts.Full && wm.Complete && sameVersions(vers, wm.SourceVersions) {
		return &Outcome{Message: fmt.Sprintf("materialized view '%s' is up to date", def.Name)}, nil
	}
	tr, err := env.Jobs.Start("refresh", def.Name, 1, progressFn(env))
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	env.Jobs.Register(tr.ID(), cancel)
	defer func() { env.Jobs.Unregister(tr.ID()); cancel() }()
	tr.SetNote("full refresh: " + def.Why)
	out, err := func() (*Outcome, error) {
		node, err := viewQuery(def)
		if err != nil {
			return nil, err
		}
		pl := &planner.Planner{Catalog: env.Catalog}
		plan, err := pl.Plan(runCtx, node, nil)
		if err != nil {
			return nil, err
		}
		op, err := plan.Open(runCtx, &executor.Env{Eval: env.NewEval(runCtx), BatchSize: env.BatchSize})
		if err != nil {
			return nil, err
		}
		rdr := &opReader{ctx: runCtx, op: op, schema: mv.Schema(), refs: 1, tr: tr}
		defer rdr.Release()
		wm := &Watermark{SourceVersions: vers, Complete: true, LastRefresh: time.Now().UTC(), LastJob: tr.ID()}
		_, err = mv.Dataset().Apply(runCtx, lance.Change{Overwrite: true, Append: rdr, SetMetadata: Meta(def, wm), BaseVersion: mv.Dataset().Version()})
		if rdr.err != nil {
			return nil, rdr.err
		}
		if err != nil {
			if errors.Is(err, lance.ErrConflict) {
				return nil, sqlerr.New(sqlerr.ErrConflict, "materialized view '%s' was refreshed by another job at the same time", def.Name)
			}
			return nil, err
		}
		tr.RowsCommitted.Add(rdr.rows)
		tr.Commits.Add(1)
		return &Outcome{RowsComputed: rdr.rows, Message: fmt.Sprintf("materialized view '%s' refreshed in full: %d rows", def.Name, rdr.rows)}, nil
	}()
	rec := tr.Finish(err)
	if err != nil {
		return nil, err
	}
	out.JobID = rec.ID
	out.Commits = 1
	return out, nil
}

// opReader adapts an operator to a record reader under a target schema.
type opReader struct {
	ctx    context.Context
	op     executor.Operator
	schema *arrow.Schema
	cur    arrow.RecordBatch
	err    error
	refs   int64
	rows   int64
	tr     *Tracker
	closed bool
}

func (r *opReader) Retain()                        { r.refs++ }
func (r *opReader) Schema() *arrow.Schema          { return r.schema }
func (r *opReader) Err() error                     { return r.err }
func (r *opReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *opReader) Record() arrow.RecordBatch      { return r.cur }
func (r *opReader) Release() {
	r.refs--
	if r.refs == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		if !r.closed {
			r.closed = true
			r.op.Close()
		}
	}
}
func (r *opReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.closed {
		return false
	}
	rec, err := r.op.Next(r.ctx)
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	r.cur = array.NewRecordBatch(r.schema, rec.Columns(), rec.NumRows())
	rec.Release()
	r.rows += r.cur.NumRows()
	if r.tr != nil {
		r.tr.RowsRead.Add(r.cur.NumRows())
		r.tr.Tick(false)
	}
	return true
}
