package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/jobs"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// runOwn executes GenevaSQL's own statements.
func (s *session) runOwn(st parser.OwnStmt) (*Result, error) {
	switch n := st.(type) {
	case *parser.ShowFunctions:
		return s.showFunctions(n.Like)
	case *parser.CreateFunction:
		return s.createFunction(n)
	case *parser.DropFunction:
		return s.dropFunction(n)
	case *parser.CreateMaterializedView:
		return s.createMV(n)
	case *parser.RefreshMaterializedView:
		return s.refreshMV(n)
	case *parser.DropMaterializedView:
		return s.dropMV(n)
	case *parser.ShowMaterializedViews:
		return s.showMVs()
	case *parser.DescribeMaterializedView:
		return s.describeMV(n.Name)
	case *parser.ExplainRefresh:
		lines, err := jobs.ExplainRefresh(s.ctx, s.e.jobEnv(), n.Name)
		if err != nil {
			return nil, err
		}
		rows := make([][]any, len(lines))
		for i, l := range lines {
			rows[i] = []any{l}
		}
		return s.rowsResult(stringSchema("plan"), rows)
	case *parser.ShowJobs:
		return s.showJobs("")
	case *parser.ShowJob:
		return s.showJobs(n.ID)
	case *parser.CancelJob:
		if err := s.e.jobs.Cancel(n.ID); err != nil {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "CANCEL JOB: %v", err)
		}
		return &Result{Message: "job " + n.ID + " cancelled"}, nil
	case *parser.ShowErrors:
		return s.showErrors(n.JobID)
	case *parser.Backfill:
		return s.backfill(n)
	case *parser.CreateTrigger, *parser.DropTrigger, *parser.ShowTriggers, *parser.ShowCreateTrigger:
		return s.triggerStmt(n)
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "statement not supported")
}

// withInt reads a positive integer option.
func withInt(opts parser.Options, key string) (int, error) {
	v, ok := opts[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, sqlerr.New(sqlerr.ErrWrongArguments, "option %s must be a positive integer, got %q", key, v)
	}
	return n, nil
}

func jobOptions(with parser.Options, full bool) (jobs.Options, error) {
	o := jobs.Options{Full: full}
	for k := range with {
		switch k {
		case "workers", "batch_size", "commit_every":
		default:
			return o, sqlerr.New(sqlerr.ErrWrongArguments, "unknown option %q (known: workers, batch_size, commit_every)", k)
		}
	}
	var err error
	if o.Workers, err = withInt(with, "workers"); err != nil {
		return o, err
	}
	if o.BatchSize, err = withInt(with, "batch_size"); err != nil {
		return o, err
	}
	if o.CommitEvery, err = withInt(with, "commit_every"); err != nil {
		return o, err
	}
	return o, nil
}

func (s *session) createMV(n *parser.CreateMaterializedView) (*Result, error) {
	if n.OrReplace {
		if _, err := s.e.cat.DropTable(s.ctx, n.Name, true); err != nil {
			return nil, err
		}
	}
	if _, err := jobOptions(n.With, false); err != nil {
		return nil, err
	}
	created, err := jobs.CreateView(s.ctx, s.e.jobEnv(), n.Name, n.Query, n.IfNotExists, n.With)
	if err != nil {
		// Errors in the query are positioned in the query: move them to the statement.
		if e, ok := err.(*sqlerr.Error); ok && e.Line > 0 {
			l, c := parser.Position(s.stmt.Text, n.QueryOffset)
			c2 := *e
			if c2.Line == 1 {
				c2.Column += c - 1
			}
			c2.Line += l - 1
			return nil, &c2
		}
		return nil, err
	}
	if !created {
		return &Result{Message: "materialized view " + n.Name + " already exists"}, nil
	}
	return &Result{Message: "materialized view " + n.Name + " created (nothing computed yet: run REFRESH MATERIALIZED VIEW " + n.Name + ")"}, nil
}

func (s *session) refreshMV(n *parser.RefreshMaterializedView) (*Result, error) {
	opts, err := jobOptions(n.With, n.Full)
	if err != nil {
		return nil, err
	}
	out, err := jobs.Refresh(s.ctx, s.e.jobEnv(), n.Name, opts)
	if err != nil {
		return nil, err
	}
	return &Result{RowsAffected: out.RowsComputed + out.RowsDeleted, Message: out.Message}, nil
}

func (s *session) dropMV(n *parser.DropMaterializedView) (*Result, error) {
	t, err := s.e.cat.OpenTable(s.ctx, n.Name, nil)
	if err != nil {
		if n.IfExists {
			return &Result{}, nil
		}
		return nil, sqlerr.New(sqlerr.ErrBadTable, "Unknown materialized view '%s'", n.Name)
	}
	if !jobs.IsMaterializedView(t) {
		return nil, sqlerr.New(sqlerr.ErrWrongObject, "'%s' is a table, not a materialized view: use DROP TABLE", n.Name)
	}
	_, err = s.e.cat.DropTable(s.ctx, n.Name, n.IfExists)
	return &Result{}, err
}

func (s *session) showMVs() (*Result, error) {
	tables, err := s.e.cat.ListTables(s.ctx)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, t := range tables {
		if t.Kind != "materialized view" {
			continue
		}
		info, err := jobs.Describe(s.ctx, s.e.jobEnv(), t.Name)
		if err != nil {
			rows = append(rows, []any{t.Name, nil, nil, nil, nil, "error: " + err.Error()})
			continue
		}
		rows = append(rows, []any{t.Name, kindOf(info.Def), strings.Join(info.Def.Sources, ","), info.Rows, refreshedAt(info.Watermark), info.Pending})
	}
	return s.rowsResult(arrow.NewSchema([]arrow.Field{
		{Name: "Name", Type: arrow.BinaryTypes.String}, {Name: "Kind", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Sources", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "Rows", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "Last_refresh", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "Pending", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), rows)
}

func kindOf(d *jobs.ViewDef) string {
	if d.Incremental {
		return "incremental"
	}
	return "full"
}

func refreshedAt(w *jobs.Watermark) any {
	if w.LastRefresh.IsZero() {
		return nil
	}
	return w.LastRefresh.Format(time.DateTime)
}

func (s *session) describeMV(name string) (*Result, error) {
	info, err := jobs.Describe(s.ctx, s.e.jobEnv(), name)
	if err != nil {
		return nil, err
	}
	d := info.Def
	var vers []string
	for k, v := range info.Watermark.SourceVersions {
		vers = append(vers, fmt.Sprintf("%s@%d", k, v))
	}
	sort.Strings(vers)
	kind := kindOf(d)
	if !d.Incremental {
		kind += " (" + d.Why + ")"
	}
	last := refreshedAt(info.Watermark)
	if last == nil {
		last = "never"
	}
	rows := [][]any{
		{"name", d.Name},
		{"definition", d.Query},
		{"kind", kind},
		{"sources", strings.Join(d.Sources, ", ")},
		{"source_versions", strings.Join(vers, ", ")},
		{"rows", strconv.FormatInt(info.Rows, 10)},
		{"view_version", strconv.FormatUint(info.Version, 10)},
		{"last_refresh", last},
		{"last_job", info.Watermark.LastJob},
		{"pending", info.Pending},
	}
	return s.rowsResult(stringSchema("Property", "Value"), rows)
}

// showJobs lists jobs compactly (SHOW JOBS) or shows one job in full
// (SHOW JOB id); system.jobs has every column for every job.
func (s *session) showJobs(id string) (*Result, error) {
	if id != "" {
		r, err := s.e.jobs.Get(id)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "%v", err)
		}
		row := jobRows([]*jobs.Record{r})[0]
		var rows [][]any
		for i, f := range jobsSchema.Fields() {
			v := row[i]
			if v != nil {
				v = fmt.Sprint(v)
			}
			rows = append(rows, []any{f.Name, v})
		}
		return s.rowsResult(stringSchema("Property", "Value"), rows)
	}
	recs, err := s.e.jobs.List()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, r := range recs {
		c := r.Counters
		var errText any
		if r.Error != "" {
			errText = r.Error
		}
		started := ""
		if !r.Started.IsZero() {
			started = r.Started.Local().Format(time.DateTime)
		}
		rows = append(rows, []any{r.ID, r.Kind, r.Target, string(r.Status), started,
			fmt.Sprintf("%.1f", r.Duration().Seconds()), fmt.Sprintf("%d/%d", c.RowsRead, c.RowsTotal),
			c.RowsCommitted, c.RowsDeleted, c.RowsSkipped, errText})
	}
	return s.rowsResult(arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "target", Type: arrow.BinaryTypes.String}, {Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "started", Type: arrow.BinaryTypes.String}, {Name: "seconds", Type: arrow.BinaryTypes.String},
		{Name: "rows", Type: arrow.BinaryTypes.String}, {Name: "committed", Type: arrow.PrimitiveTypes.Int64},
		{Name: "deleted", Type: arrow.PrimitiveTypes.Int64}, {Name: "skipped", Type: arrow.PrimitiveTypes.Int64},
		{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), rows)
}

var jobsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "target", Type: arrow.BinaryTypes.String}, {Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "workers", Type: arrow.PrimitiveTypes.Int64},
	{Name: "started", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "ended", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "seconds", Type: arrow.PrimitiveTypes.Float64},
	{Name: "rows_total", Type: arrow.PrimitiveTypes.Int64}, {Name: "rows_read", Type: arrow.PrimitiveTypes.Int64},
	{Name: "rows_committed", Type: arrow.PrimitiveTypes.Int64}, {Name: "rows_deleted", Type: arrow.PrimitiveTypes.Int64},
	{Name: "rows_skipped", Type: arrow.PrimitiveTypes.Int64}, {Name: "function_calls", Type: arrow.PrimitiveTypes.Int64},
	{Name: "retries", Type: arrow.PrimitiveTypes.Int64}, {Name: "tasks_done", Type: arrow.PrimitiveTypes.Int64},
	{Name: "tasks_reused", Type: arrow.PrimitiveTypes.Int64}, {Name: "commits", Type: arrow.PrimitiveTypes.Int64},
	{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func jobRows(recs []*jobs.Record) [][]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.DateTime)
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var rows [][]any
	for _, r := range recs {
		c := r.Counters
		rows = append(rows, []any{r.ID, r.Kind, r.Target, string(r.Status), int64(r.Workers), ts(r.Started), ts(r.Ended),
			r.Duration().Seconds(), c.RowsTotal, c.RowsRead, c.RowsCommitted, c.RowsDeleted, c.RowsSkipped, c.FunctionCalls,
			c.Retries, c.TasksDone, c.TasksReused, c.Commits, str(r.Error), str(r.Note)})
	}
	return rows
}

func (s *session) showErrors(jobID string) (*Result, error) {
	errs, err := s.e.errlog.List(jobID)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, e := range errs {
		rows = append(rows, []any{e.JobID, e.Function, int64(e.RowAddr), e.Message, int64(e.Attempt), e.Time.Format(time.DateTime)})
	}
	return s.rowsResult(arrow.NewSchema([]arrow.Field{
		{Name: "job_id", Type: arrow.BinaryTypes.String}, {Name: "function", Type: arrow.BinaryTypes.String},
		{Name: "row_addr", Type: arrow.PrimitiveTypes.Int64}, {Name: "message", Type: arrow.BinaryTypes.String},
		{Name: "attempt", Type: arrow.PrimitiveTypes.Int64}, {Name: "time", Type: arrow.BinaryTypes.String},
	}, nil), rows)
}

func (s *session) showFunctions(like string) (*Result, error) {
	infos := s.e.fns.List()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	var rows [][]any
	for _, f := range infos {
		if like != "" && !likeString(strings.ToLower(like), strings.ToLower(f.Name)) {
			continue
		}
		origin := "user"
		if f.Builtin {
			origin = "builtin"
		}
		rows = append(rows, []any{f.Name, f.Kind, f.Signature, f.Volatility.String(), f.Version, origin, f.Description})
	}
	return s.rowsResult(stringSchema("Name", "Kind", "Signature", "Volatility", "Version", "Origin", "Description"), rows)
}

func (s *session) backfill(n *parser.Backfill) (*Result, error) {
	opts, err := jobOptions(n.With, false)
	if err != nil {
		return nil, err
	}
	out, err := jobs.Backfill(s.ctx, s.e.jobEnv(), n.Table, n.Column, n.Where, opts)
	if err != nil {
		// Errors in the predicate are positioned in it: move them to the statement.
		if e, ok := err.(*sqlerr.Error); ok && e.Line > 0 && n.Where != "" && e.Column > 0 {
			return nil, &sqlerr.Error{Code: e.Code, SQLState: e.SQLState, Msg: e.Msg, Cause: e.Cause}
		}
		return nil, err
	}
	return &Result{RowsAffected: out.RowsComputed, Message: out.Message}, nil
}

// jobEnv is what jobs need from the engine.
func (e *Engine) jobEnv() *jobs.Env {
	return &jobs.Env{
		Catalog: e.cat, Jobs: e.jobs, Errors: e.errlog, Mem: e.cfg.Mem, BatchSize: e.cfg.BatchSize,
		NewEval: func(ctx context.Context) *functions.EvalContext {
			return &functions.EvalContext{Ctx: ctx, Mem: e.cfg.Mem, Now: time.Now()}
		},
		Progress: func(r *jobs.Record, finished bool) {
			if e.cfg.Progress != nil {
				e.cfg.Progress(Progress{JobID: r.ID, Kind: r.Kind, Target: r.Target, RowsDone: r.Counters.RowsRead,
					RowsTotal: r.Counters.RowsTotal, Elapsed: r.Duration(), Done: finished})
			}
		},
	}
}
