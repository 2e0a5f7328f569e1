package engine

// Triggers (CREATE TRIGGER … FOR EACH ROW) run row at a time: for every row
// an INSERT, UPDATE, DELETE, LOAD DATA or IMPORT INTO changes, each body
// statement is run through the engine with NEW.col and OLD.col replaced by
// the row's values written as SQL literals. That is simple and exact, and
// meant for small tables: a statement on a table with triggers costs a few
// parsed statements per row.
//
// Order: the BEFORE triggers of all rows run first, then the statement's
// change is committed once, then the AFTER triggers of all rows run. (MySQL
// interleaves per row; the difference shows only when a trigger reads what
// the same statement's other rows changed.)
//
// Atomicity: every table a statement and its triggers change is committed
// separately (Lance commits per table). When a trigger or the statement
// fails, the tables already changed are restored to their version before
// the statement, unless another writer committed to one meanwhile; the
// error then says which tables kept their changes.

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// MySQL's errors for trigger bodies.
const (
	errTrgCantChangeRow = 1362 // ER_TRG_CANT_CHANGE_ROW
	errTrgNoSuchRow     = 1363 // ER_TRG_NO_SUCH_ROW_IN_TRG
	errSPNoRetSet       = 1415 // ER_SP_NO_RETSET
	errCommitNotAllowed = 1422 // ER_COMMIT_NOT_ALLOWED_IN_SF_OR_TRG
	errCantUpdateUsed   = 1442 // ER_CANT_UPDATE_USED_TABLE_IN_SF_OR_TRG
)

// triggerStmt runs CREATE/DROP TRIGGER, SHOW TRIGGERS and SHOW CREATE TRIGGER.
func (s *session) triggerStmt(st parser.OwnStmt) (*Result, error) {
	switch n := st.(type) {
	case *parser.CreateTrigger:
		return s.createTrigger(n)
	case *parser.DropTrigger:
		if _, err := s.e.cat.DropTrigger(n.Name, n.IfExists); err != nil {
			return nil, err
		}
		return &Result{}, nil
	case *parser.ShowTriggers:
		return s.showTriggers(n.Like)
	case *parser.ShowCreateTrigger:
		return s.showCreateTrigger(n.Name)
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "statement not supported")
}

func (s *session) createTrigger(n *parser.CreateTrigger) (*Result, error) {
	t, err := s.e.cat.LookupTable(s.ctx, n.Table, nil)
	if err != nil {
		return nil, err
	}
	lt, ok := t.(*catalog.LanceTable)
	switch {
	case !ok:
		return nil, sqlerr.New(sqlerr.ErrWrongObject, "'%s' is not BASE TABLE: triggers can only be created on tables", n.Table)
	case lt.IsMaterializedView():
		return nil, sqlerr.New(sqlerr.ErrWrongObject, "'%s' is not BASE TABLE: it is a materialized view, and triggers can only be created on tables", n.Table)
	}
	if _, err := compileTrigger(n.Timing, n.Event, n.Statements, lt.Schema()); err != nil {
		return nil, err
	}
	def := &catalog.Trigger{Name: n.Name, Table: lt.Name(), Timing: n.Timing, Event: n.Event, Definer: n.Definer,
		Created: time.Now().UTC(), Statement: s.stmt.Text, Body: n.Body, BodyOffset: n.BodyOffset}
	if _, err := s.e.cat.CreateTrigger(def, n.IfNotExists, n.Order, n.OrderOf); err != nil {
		return nil, err
	}
	return &Result{}, nil
}

// Fixed settings SHOW TRIGGERS reports, as a MySQL 8 server with defaults.
const (
	trgSQLMode   = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
	trgCharset   = "utf8mb4"
	trgCollation = "utf8mb4_0900_ai_ci"
)

func trgCreated(t *catalog.Trigger) string {
	return t.Created.Format("2006-01-02 15:04:05.00")
}

func (s *session) showTriggers(like string) (*Result, error) {
	all, err := s.e.cat.Triggers()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, t := range all {
		if like != "" && !likeString(strings.ToLower(like), strings.ToLower(t.Table)) {
			continue
		}
		rows = append(rows, []any{t.Name, t.Event, t.Table, t.Body, t.Timing, trgCreated(t), trgSQLMode, t.Definer,
			trgCharset, trgCollation, trgCollation})
	}
	return s.rowsResult(stringSchema("Trigger", "Event", "Table", "Statement", "Timing", "Created", "sql_mode", "Definer",
		"character_set_client", "collation_connection", "Database Collation"), rows)
}

func (s *session) showCreateTrigger(name string) (*Result, error) {
	t, err := s.e.cat.LookupTrigger(name)
	if err != nil {
		return nil, err
	}
	return s.rowsResult(stringSchema("Trigger", "sql_mode", "SQL Original Statement", "character_set_client",
		"collation_connection", "Database Collation", "Created"),
		[][]any{{t.Name, trgSQLMode, t.Statement, trgCharset, trgCollation, trgCollation, trgCreated(t)}})
}

// trigStmt is a body statement ready to run: its NEW/OLD references (with
// the column each names), or, for SET NEW.col = expr, the assignments.
type trigStmt struct {
	text    string
	refs    []parser.RowRef
	cols    []int
	assigns []trigAssign
	// tables are the (lower-case) tables the statement names.
	tables []string
	// batch, for INSERT INTO x VALUES (…), is the statement cut at VALUES:
	// such rows can be gathered and inserted with one commit (see
	// planBatches).
	batch *batchInsert
}

type batchInsert struct {
	table  string
	prefix string   // INSERT INTO x […] VALUES
	row    trigStmt // the (…) row list
}

type trigAssign struct {
	col  int
	expr trigStmt // the expression, to run as SELECT expr
}

// trigStep is a compiled body step: a statement, an IF, or a SIGNAL.
type trigStep struct {
	stmt *trigStmt
	// IF: the first true conds[i] (SELECT (cond) IS TRUE) runs branches[i],
	// else elseSteps.
	conds     []trigStmt
	branches  [][]trigStep
	elseSteps []trigStep
	signal    *trigSignal
}

type trigSignal struct {
	state string
	errno int
	msg   *trigStmt // SELECT message, nil if none
}

type compiledTrigger struct {
	name  string
	steps []trigStep
}

// compileTrigger checks a body as MySQL does at CREATE TRIGGER (NEW and OLD
// exist for the event and name columns of the table, only BEFORE triggers
// assign NEW, no result sets, no DDL) and prepares it to run.
func compileTrigger(timing, event string, body []parser.Statement, schema *arrow.Schema) ([]trigStep, error) {
	steps, err := parser.ParseTriggerBody(body)
	if err != nil {
		return nil, err
	}
	return compileSteps(timing, event, steps, schema)
}

// positioned places an error of a body statement in the CREATE statement.
func positioned(err error, st parser.Statement) error {
	e := *sqlerr.Wrap(err)
	if e.Line == 0 {
		e.Line, e.Column = st.Line, st.Column
		return &e
	}
	return parser.Shift(&e, st)
}

func compileSteps(timing, event string, steps []parser.TriggerStep, schema *arrow.Schema) ([]trigStep, error) {
	var out []trigStep
	for _, step := range steps {
		switch {
		case step.Stmt != nil:
			ts, err := compileTrigStmt(timing, event, *step.Stmt, schema)
			if err != nil {
				return nil, positioned(err, *step.Stmt)
			}
			out = append(out, trigStep{stmt: &ts})
		case step.If != nil:
			var c trigStep
			for i, cond := range step.If.Conds {
				ts, err := compileExpr(event, "("+cond.Text+") IS TRUE", schema)
				if err != nil {
					return nil, positioned(err, cond)
				}
				br, err := compileSteps(timing, event, step.If.Branches[i], schema)
				if err != nil {
					return nil, err
				}
				c.conds = append(c.conds, ts)
				c.branches = append(c.branches, br)
			}
			els, err := compileSteps(timing, event, step.If.Else, schema)
			if err != nil {
				return nil, err
			}
			c.elseSteps = els
			out = append(out, c)
		case step.Signal != nil:
			sig := &trigSignal{state: step.Signal.SQLState, errno: step.Signal.Errno}
			if m := step.Signal.Message; m != nil {
				ts, err := compileExpr(event, m.Text, schema)
				if err != nil {
					return nil, positioned(err, *m)
				}
				sig.msg = &ts
			}
			out = append(out, trigStep{signal: sig})
		}
	}
	return out, nil
}

// compileExpr prepares SELECT expr, checking its NEW/OLD references and
// its syntax.
func compileExpr(event, expr string, schema *arrow.Schema) (trigStmt, error) {
	ts, err := bindRowRefs(event, "SELECT "+expr, schema)
	if err != nil {
		return trigStmt{}, err
	}
	probe := parser.SubstituteRowRefs(ts.text, ts.refs, func(parser.RowRef) string { return "NULL" })
	node, err := parser.ParseTiDB(probe)
	if err != nil {
		return trigStmt{}, sqlerr.Wrap(err).At(0, 0)
	}
	ts.tables = tablesOf(node)
	return ts, nil
}

// tablesOf lists the tables a statement names, lower-cased.
func tablesOf(node ast.Node) []string {
	c := &tableCollector{}
	node.Accept(c)
	return c.names
}

type tableCollector struct {
	names []string
	refs  int // table names, repeats included
}

func (c *tableCollector) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok {
		c.refs++
		if !slices.Contains(c.names, t.Name.L) {
			c.names = append(c.names, t.Name.L)
		}
	}
	return n, false
}

func (c *tableCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// batchable cuts INSERT INTO x VALUES (…) (one row, no NEW/OLD before
// VALUES, nothing after the row) at VALUES.
func batchable(ts trigStmt, ins *ast.InsertStmt) *batchInsert {
	if ins.IsReplace || ins.IgnoreErr || ins.Setlist || ins.Select != nil || len(ins.Lists) != 1 || len(ins.OnDuplicate) > 0 ||
		ins.Table == nil || ins.Table.TableRefs == nil || ins.Table.TableRefs.Right != nil {
		return nil
	}
	src, ok := ins.Table.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil
	}
	tn, ok := src.Source.(*ast.TableName)
	if !ok {
		return nil
	}
	// A row that reads a table (a subquery) must see the rows before it.
	c := &tableCollector{}
	ins.Accept(c)
	if c.refs != 1 {
		return nil
	}
	at, ok := parser.ValuesOffset(ts.text)
	if !ok {
		return nil
	}
	row := trigStmt{text: ts.text[at:]}
	for i, r := range ts.refs {
		if r.Start < at {
			return nil
		}
		r.Start -= at
		r.End -= at
		row.refs = append(row.refs, r)
		row.cols = append(row.cols, ts.cols[i])
	}
	return &batchInsert{table: tn.Name.L, prefix: ts.text[:at], row: row}
}

func compileTrigStmt(timing, event string, st parser.Statement, schema *arrow.Schema) (trigStmt, error) {
	assigns, isSet, err := parser.ParseRowSet(st.Text)
	if err != nil {
		return trigStmt{}, err
	}
	if isSet {
		ts := trigStmt{text: st.Text}
		for _, a := range assigns {
			if a.Row == "OLD" {
				return trigStmt{}, sqlerr.New(errTrgCantChangeRow, "Updating of OLD row is not allowed in trigger")
			}
			if event == "DELETE" {
				return trigStmt{}, sqlerr.New(errTrgNoSuchRow, "There is no NEW row in on DELETE trigger")
			}
			if timing == "AFTER" {
				return trigStmt{}, sqlerr.New(errTrgCantChangeRow, "Updating of NEW row is not allowed in after trigger")
			}
			col, err := rowColumn(schema, a.Row, a.Column)
			if err != nil {
				return trigStmt{}, err
			}
			expr, err := compileExpr(event, a.Expr, schema)
			if err != nil {
				return trigStmt{}, err
			}
			ts.assigns = append(ts.assigns, trigAssign{col: col, expr: expr})
		}
		return ts, nil
	}
	ts, err := bindRowRefs(event, st.Text, schema)
	if err != nil {
		return trigStmt{}, err
	}
	// Parse it with placeholder values to refuse what cannot run in a trigger.
	probe := parser.SubstituteRowRefs(ts.text, ts.refs, func(parser.RowRef) string { return "NULL" })
	p, err := parser.Parse(probe)
	if err != nil {
		return trigStmt{}, sqlerr.Wrap(err).At(0, 0)
	}
	switch n := p.AST.(type) {
	case *ast.InsertStmt:
		ts.tables = tablesOf(n)
		ts.batch = batchable(ts, n)
		return ts, nil
	case *ast.UpdateStmt, *ast.DeleteStmt:
		ts.tables = tablesOf(n)
		return ts, nil
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.ShowStmt, *ast.ExplainStmt:
		return trigStmt{}, &sqlerr.Error{Code: errSPNoRetSet, SQLState: "0A000", Msg: "Not allowed to return a result set from a trigger"}
	case ast.DDLNode, *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt, *ast.LoadDataStmt:
		return trigStmt{}, sqlerr.New(errCommitNotAllowed, "Explicit or implicit commit is not allowed in stored function or trigger.")
	}
	return trigStmt{}, sqlerr.New(sqlerr.ErrNotSupported, "this statement is not supported in a trigger body: a body holds INSERT, UPDATE, DELETE and SET NEW.column = expression")
}

// bindRowRefs finds the NEW/OLD references of text and checks them against
// the event and the table's columns.
func bindRowRefs(event, text string, schema *arrow.Schema) (trigStmt, error) {
	refs, err := parser.RowRefs(text)
	if err != nil {
		return trigStmt{}, err
	}
	ts := trigStmt{text: text, refs: refs}
	for _, r := range refs {
		if (r.Row == "OLD" && event == "INSERT") || (r.Row == "NEW" && event == "DELETE") {
			return trigStmt{}, sqlerr.New(errTrgNoSuchRow, "There is no %s row in on %s trigger", r.Row, event)
		}
		col, err := rowColumn(schema, r.Row, r.Column)
		if err != nil {
			return trigStmt{}, err
		}
		ts.cols = append(ts.cols, col)
	}
	return ts, nil
}

func rowColumn(schema *arrow.Schema, row, name string) (int, error) {
	for i, f := range schema.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i, nil
		}
	}
	return -1, sqlerr.New(sqlerr.ErrBadField, "Unknown column '%s' in '%s'", name, row)
}

// trigState is shared by a statement that fires triggers and by every
// statement its triggers run.
type trigState struct {
	// inUse holds the (lower-case) tables being changed by the statements up
	// the stack: a trigger may not change them (MySQL's error 1442).
	inUse []string
	// touched records each table's version before its first change and
	// after its last, to undo them if the statement fails.
	touched []*touchedTable
}

type touchedTable struct {
	name          string
	before, after uint64
}

func (st *trigState) record(name string, before, after uint64) {
	for _, t := range st.touched {
		if strings.EqualFold(t.name, name) {
			t.after = after
			return
		}
	}
	st.touched = append(st.touched, &touchedTable{name: name, before: before, after: after})
}

// dmlResolver is the catalog the planner sees for a statement: for DML on
// a database with triggers (or inside a trigger) tables come wrapped so that
// their changes fire triggers.
func (s *session) dmlResolver(node ast.StmtNode) catalog.Resolver {
	switch node.(type) {
	case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		if s.trig != nil || s.e.cat.HasTriggers() {
			return trigResolver{s: s}
		}
	}
	return s.e.cat
}

type trigResolver struct{ s *session }

func (r trigResolver) Functions() *functions.Registry { return r.s.e.cat.Functions() }

func (r trigResolver) LookupTable(ctx context.Context, name string, asOf *catalog.AsOf) (catalog.Table, error) {
	t, err := r.s.e.cat.LookupTable(ctx, name, asOf)
	if err != nil || asOf != nil {
		return t, err
	}
	if lt, ok := t.(*catalog.LanceTable); ok {
		return r.s.triggerTarget(lt)
	}
	return t, nil
}

// triggerTarget returns lt wrapped to fire its triggers, or lt itself when
// it has none and no trigger is running.
func (s *session) triggerTarget(lt *catalog.LanceTable) (catalog.MutableTable, error) {
	if s.trig == nil && !s.e.cat.HasTriggers() {
		return lt, nil
	}
	all, err := s.e.cat.Triggers()
	if err != nil {
		return nil, err
	}
	var mine []*catalog.Trigger
	for _, t := range all {
		if strings.EqualFold(t.Table, lt.Name()) {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 && s.trig == nil {
		return lt, nil
	}
	return &trigTable{s: s, lt: lt, trigs: mine}, nil
}

// trigTable is a table whose changes fire its triggers. It deliberately
// does not embed *catalog.LanceTable: every way of changing the table must
// go through the methods below.
type trigTable struct {
	s     *session
	lt    *catalog.LanceTable
	trigs []*catalog.Trigger // all of the table's triggers, in firing order
}

func (t *trigTable) Name() string          { return t.lt.Name() }
func (t *trigTable) Schema() *arrow.Schema { return t.lt.Schema() }
func (t *trigTable) CountRows() int64      { return t.lt.CountRows() }
func (t *trigTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.RecordStream, error) {
	return t.lt.Scan(ctx, req)
}

func (t *trigTable) Insert(ctx context.Context, rows catalog.RecordStream) (int64, error) {
	return t.change(ctx, "INSERT", nil, rows, func(final catalog.RecordStream) (int64, error) {
		return t.lt.Insert(ctx, final)
	})
}

// InsertOnConflict serves REPLACE and INSERT IGNORE (catalog.OnConflict).
// Triggers fire for every row offered: AFTER INSERT also for a row IGNORE
// skipped, and REPLACE does not fire DELETE triggers for the rows it
// replaces (MySQL does both differently).
func (t *trigTable) InsertOnConflict(ctx context.Context, rows catalog.RecordStream, mode catalog.ConflictMode) (int64, error) {
	return t.change(ctx, "INSERT", nil, rows, func(final catalog.RecordStream) (int64, error) {
		return t.lt.InsertOnConflict(ctx, final, mode)
	})
}

func (t *trigTable) Update(ctx context.Context, rowAddrs []uint64, newRows catalog.RecordStream) (int64, error) {
	return t.change(ctx, "UPDATE", rowAddrs, newRows, func(final catalog.RecordStream) (int64, error) {
		return t.lt.Update(ctx, rowAddrs, final)
	})
}

func (t *trigTable) Delete(ctx context.Context, rowAddrs []uint64) (int64, error) {
	return t.change(ctx, "DELETE", rowAddrs, nil, func(catalog.RecordStream) (int64, error) {
		return t.lt.Delete(ctx, rowAddrs)
	})
}

// compile prepares the table's triggers of one timing and event.
func (t *trigTable) compile(timing, event string) ([]compiledTrigger, error) {
	var out []compiledTrigger
	for _, tr := range t.trigs {
		if tr.Timing != timing || tr.Event != event {
			continue
		}
		p, err := parser.Parse(tr.Statement)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "trigger %s: stored definition does not parse: %v", tr.Name, err)
		}
		ct, ok := p.Own.(*parser.CreateTrigger)
		if !ok {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "trigger %s: stored definition is not a CREATE TRIGGER", tr.Name)
		}
		// Columns may have changed since CREATE TRIGGER; MySQL reports that
		// when the trigger fires, and so do we.
		steps, err := compileTrigger(timing, event, ct.Statements, t.lt.Schema())
		if err != nil {
			return nil, unposition(err)
		}
		out = append(out, compiledTrigger{name: tr.Name, steps: steps})
	}
	return out, nil
}

// change runs one INSERT, UPDATE or DELETE on the table with its triggers:
// BEFORE triggers per row (which may change NEW), the commit, AFTER
// triggers per row. addrs are the rows updated or deleted, in the order of
// in's rows for UPDATE.
func (t *trigTable) change(ctx context.Context, event string, addrs []uint64, in catalog.RecordStream,
	commit func(catalog.RecordStream) (int64, error)) (n int64, err error) {
	s := t.s
	top := s.trig == nil
	if top {
		s.trig = &trigState{}
		defer func() {
			if err != nil {
				err = s.undoTriggered(err)
			}
			s.trig = nil
		}()
	}
	st := s.trig
	if s.now.IsZero() {
		s.now = time.Now() // NOW() in every trigger is the statement's start time
	}
	name := strings.ToLower(t.lt.Name())
	if slices.Contains(st.inUse, name) {
		if in != nil {
			in.Close()
		}
		return 0, sqlerr.New(errCantUpdateUsed, "Can't update table '%s' in stored function/trigger because it is already used by statement which invoked this stored function/trigger.", t.lt.Name())
	}
	st.inUse = append(st.inUse, name)
	defer func() { st.inUse = st.inUse[:len(st.inUse)-1] }()

	before, err := t.compile("BEFORE", event)
	var after []compiledTrigger
	if err == nil {
		after, err = t.compile("AFTER", event)
	}
	if err != nil {
		if in != nil {
			in.Close()
		}
		return 0, err
	}
	v0 := t.lt.Dataset().Version()
	defer func() {
		// Whatever was committed is recorded, to be undone if the statement fails.
		if v1 := t.lt.Dataset().Version(); v1 != v0 {
			st.record(t.lt.Name(), v0, v1)
		}
	}()
	if len(before) == 0 && len(after) == 0 {
		// No trigger for this event: a plain change, tracked for undo only.
		return commit(in)
	}
	pend, err := s.planBatches(name, before, after)
	if err != nil {
		if in != nil {
			in.Close()
		}
		return 0, err
	}
	mem := s.e.cfg.Mem
	schema := t.lt.Schema()
	var newRows arrow.RecordBatch // NEW: the rows written (INSERT, UPDATE)
	if in != nil {
		newRows, err = drainAll(ctx, mem, schema, in)
		if err != nil {
			return 0, err
		}
		defer newRows.Release()
	}
	var oldRows arrow.RecordBatch // OLD: the rows replaced or deleted
	if event != "INSERT" {
		if oldRows, err = t.takeRows(ctx, addrs); err != nil {
			return 0, err
		}
		defer oldRows.Release()
	}
	nrows := len(addrs)
	if newRows != nil {
		nrows = int(newRows.NumRows())
	}
	if len(before) > 0 {
		if newRows, err = s.fireBefore(before, newRows, oldRows, nrows, pend); err != nil {
			return 0, err
		}
		if newRows != nil {
			defer newRows.Release()
		}
	}
	var final catalog.RecordStream
	if newRows != nil {
		newRows.Retain() // the stream releases its batches; AFTER triggers read them still
		final = executor.NewValues(schema, []arrow.RecordBatch{newRows})
		defer final.Close() // in case the table returns without reading it
	}
	n, err = commit(final)
	if err != nil {
		return 0, err
	}
	for i := 0; i < nrows && len(after) > 0; i++ {
		b := rowBind{old: oldRows, oldIdx: i, newIdx: i, pend: pend}
		if newRows != nil {
			b.newVals = newRows.Columns()
		}
		for _, tr := range after {
			if err := s.runTrigger(tr, &b); err != nil {
				return 0, err
			}
		}
	}
	if err := s.flushInserts(pend); err != nil {
		return 0, err
	}
	return n, nil
}

// fireBefore runs BEFORE triggers for every row and returns the rows to
// write (NEW as the triggers left it; nil for DELETE).
func (s *session) fireBefore(trigs []compiledTrigger, newRows, oldRows arrow.RecordBatch, nrows int, pend *pendingInserts) (arrow.RecordBatch, error) {
	var rows [][]arrow.Array // per row, its NEW values (one-element arrays)
	defer func() {
		for _, r := range rows {
			releaseArrays(r)
		}
	}()
	changed := false
	for i := 0; i < nrows; i++ {
		b := rowBind{old: oldRows, oldIdx: i, pend: pend}
		if newRows != nil {
			b.newVals = make([]arrow.Array, newRows.NumCols())
			for c := range b.newVals {
				b.newVals[c] = array.NewSlice(newRows.Column(c), int64(i), int64(i+1))
			}
			rows = append(rows, b.newVals)
		}
		for _, tr := range trigs {
			if err := s.runTrigger(tr, &b); err != nil {
				return nil, err
			}
		}
		changed = changed || b.changed
	}
	if newRows == nil {
		return nil, nil
	}
	if !changed {
		newRows.Retain()
		return newRows, nil
	}
	cols := make([]arrow.Array, newRows.NumCols())
	defer func() { releaseArrays(cols) }()
	parts := make([]arrow.Array, len(rows))
	for c := range cols {
		for i, r := range rows {
			parts[i] = r[c]
		}
		a, err := array.Concatenate(parts, s.e.cfg.Mem)
		if err != nil {
			return nil, err
		}
		cols[c] = a
	}
	return array.NewRecordBatch(newRows.Schema(), cols, int64(nrows)), nil
}

// rowBind is the row a trigger fires for: NEW is newVals[c] at newIdx,
// OLD is old's column c at oldIdx.
type rowBind struct {
	newVals []arrow.Array
	newIdx  int
	old     arrow.RecordBatch
	oldIdx  int
	changed bool // a SET NEW changed a value
	pend    *pendingInserts
}

func (b *rowBind) literal(r parser.RowRef, col int) (string, error) {
	if r.Row == "OLD" {
		return sqlLiteral(b.old.Column(col), b.oldIdx)
	}
	return sqlLiteral(b.newVals[col], b.newIdx)
}

// substitute writes the statement with the row's values in place of NEW
// and OLD.
func (b *rowBind) substitute(ts *trigStmt) (string, error) {
	var err error
	i := 0
	out := parser.SubstituteRowRefs(ts.text, ts.refs, func(r parser.RowRef) string {
		lit, e := b.literal(r, ts.cols[i])
		i++
		if e != nil && err == nil {
			err = e
		}
		return lit
	})
	return out, err
}

// runTrigger runs one trigger's body for one row.
func (s *session) runTrigger(tr compiledTrigger, b *rowBind) error {
	return s.runSteps(tr.steps, b)
}

func (s *session) runSteps(steps []trigStep, b *rowBind) error {
	for i := range steps {
		step := &steps[i]
		var err error
		switch {
		case step.stmt != nil:
			err = s.runTrigStmt(step.stmt, b)
		case step.signal != nil:
			err = s.signal(step.signal, b)
		default:
			err = s.runIf(step, b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *session) runIf(step *trigStep, b *rowBind) error {
	for i := range step.conds {
		text, err := b.substitute(&step.conds[i])
		if err != nil {
			return err
		}
		v, err := s.evalInTrigger(text, arrow.FixedWidthTypes.Boolean)
		if err != nil {
			return err
		}
		yes := v.IsValid(0) && v.(*array.Boolean).Value(0)
		v.Release()
		if yes {
			return s.runSteps(step.branches[i], b)
		}
	}
	return s.runSteps(step.elseSteps, b)
}

// signal raises the error SIGNAL describes, as MySQL does: class 01 is a
// warning (nothing happens), 02 is "not found" (1643), others 1644.
func (s *session) signal(sig *trigSignal, b *rowBind) error {
	if strings.HasPrefix(sig.state, "01") {
		return nil
	}
	code, msg := 1644, "Unhandled user-defined exception condition"
	if strings.HasPrefix(sig.state, "02") {
		code, msg = 1643, "Unhandled user-defined not found condition"
	}
	if sig.errno != 0 {
		code = sig.errno
	}
	if sig.msg != nil {
		text, err := b.substitute(sig.msg)
		if err != nil {
			return err
		}
		v, err := s.evalInTrigger(text, arrow.BinaryTypes.String)
		if err != nil {
			return err
		}
		if v.IsValid(0) {
			msg = v.(*array.String).Value(0)
		}
		v.Release()
	}
	return &sqlerr.Error{Code: code, SQLState: sig.state, Msg: msg}
}

// runTrigStmt runs a body statement, or SET NEW.col = expr, for one row.
func (s *session) runTrigStmt(ts *trigStmt, b *rowBind) error {
	if ts.batch != nil && b.pend.takes(ts.batch.table) {
		row, err := b.substitute(&ts.batch.row)
		if err != nil {
			return err
		}
		b.pend.add(ts.batch, row)
		return nil
	}
	if len(ts.assigns) == 0 {
		text, err := b.substitute(ts)
		if err != nil {
			return err
		}
		res, err := s.runInTrigger(text)
		if err != nil {
			return err
		}
		if res != nil && res.Reader != nil {
			res.Reader.Release()
		}
		return nil
	}
	for _, a := range ts.assigns {
		text, err := b.substitute(&a.expr)
		if err != nil {
			return err
		}
		v, err := s.evalInTrigger(text, b.newVals[a.col].DataType())
		if err != nil {
			return err
		}
		b.newVals[a.col].Release()
		b.newVals[a.col] = v
		b.changed = true
	}
	return nil
}

// runInTrigger runs one statement of a trigger body, sharing the firing
// statement's trigger state and start time.
func (s *session) runInTrigger(text string) (*Result, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	p, err := parser.Parse(text)
	if err != nil {
		return nil, unposition(err)
	}
	if p.AST == nil {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "this statement is not supported in a trigger body")
	}
	ns := &session{e: s.e, ctx: s.ctx, stmt: parser.Statement{Text: text}, now: s.now, trig: s.trig}
	res, err := ns.runAST(p.AST)
	return res, unposition(err)
}

// unposition drops an error's position: it points into a statement the
// user never wrote (the body with values substituted), so the error is
// reported at the statement that fired the trigger.
func unposition(err error) error {
	if err == nil {
		return nil
	}
	e := *sqlerr.Wrap(err)
	e.Line, e.Column = 0, 0
	return &e
}

// evalInTrigger computes SELECT expr and converts the value to the column
// type, strictly (as the INSERT or UPDATE that writes it would).
func (s *session) evalInTrigger(text string, to arrow.DataType) (arrow.Array, error) {
	res, err := s.runInTrigger(text)
	if err != nil {
		return nil, err
	}
	if res.Reader == nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "trigger: expression gave no value")
	}
	defer res.Reader.Release()
	for res.Reader.Next() {
		rec := res.Reader.RecordBatch()
		if rec.NumRows() == 0 || rec.NumCols() != 1 {
			continue
		}
		one := array.NewSlice(rec.Column(0), 0, 1)
		defer one.Release()
		v, err := functions.Cast(s.evalContext(true), one, to)
		return v, unposition(err)
	}
	if err := res.Reader.Err(); err != nil {
		return nil, unposition(err)
	}
	return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "trigger: expression gave no value")
}

// undoTriggered restores the tables a failed statement (with its triggers)
// changed to their versions before it.
func (s *session) undoTriggered(cause error) error {
	st := s.trig
	if st == nil || len(st.touched) == 0 {
		return cause
	}
	ctx := context.WithoutCancel(s.ctx)
	var kept []string
	for i := len(st.touched) - 1; i >= 0; i-- {
		tt := st.touched[i]
		lt, err := s.e.cat.OpenTable(ctx, tt.name, nil)
		if err == nil && lt.Dataset().Version() == tt.after {
			_, err = lt.Dataset().Restore(ctx, tt.before)
		} else if err == nil {
			err = fmt.Errorf("changed by another statement meanwhile")
		}
		if err != nil {
			kept = append(kept, tt.name)
		}
	}
	if len(kept) == 0 {
		return cause
	}
	e := *sqlerr.Wrap(cause)
	e.Msg += fmt.Sprintf(" (the changes already made to %s could not be undone)", strings.Join(kept, ", "))
	return &e
}

// takeRows reads the rows at addrs (the OLD values) in that order.
func (t *trigTable) takeRows(ctx context.Context, addrs []uint64) (arrow.RecordBatch, error) {
	schema := t.lt.Schema()
	ds := t.lt.Dataset()
	stored := ds.Schema()
	var names []string
	for _, f := range schema.Fields() {
		if len(stored.FieldIndices(f.Name)) > 0 {
			names = append(names, f.Name)
		}
	}
	mem := t.s.e.cfg.Mem
	if len(addrs) == 0 || len(names) == 0 {
		cols := make([]arrow.Array, schema.NumFields())
		for i, f := range schema.Fields() {
			cols[i] = array.MakeArrayOfNull(mem, f.Type, len(addrs))
		}
		defer releaseArrays(cols)
		return array.NewRecordBatch(schema, cols, int64(len(addrs))), nil
	}
	rec, err := ds.Take(ctx, addrs, names)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "trigger: cannot read the old rows of '%s': %v", t.lt.Name(), err)
	}
	defer rec.Release()
	cols := make([]arrow.Array, schema.NumFields())
	var made []arrow.Array
	j := 0
	for i, f := range schema.Fields() {
		if len(stored.FieldIndices(f.Name)) == 0 { // computed column not stored yet
			a := array.MakeArrayOfNull(mem, f.Type, len(addrs))
			made = append(made, a)
			cols[i] = a
			continue
		}
		cols[i] = rec.Column(j)
		j++
	}
	defer releaseArrays(made)
	return array.NewRecordBatch(schema, cols, int64(len(addrs))), nil
}

// drainAll reads a stream into one batch with the table's schema.
func drainAll(ctx context.Context, mem memory.Allocator, schema *arrow.Schema, in catalog.RecordStream) (arrow.RecordBatch, error) {
	batches, err := executor.Drain(ctx, in)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	cols := make([]arrow.Array, schema.NumFields())
	defer func() { releaseArrays(cols) }()
	var n int64
	for _, b := range batches {
		n += b.NumRows()
	}
	parts := make([]arrow.Array, len(batches))
	for c, f := range schema.Fields() {
		if len(batches) == 0 {
			cols[c] = array.MakeArrayOfNull(mem, f.Type, 0)
			continue
		}
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, err
		}
		cols[c] = a
	}
	return array.NewRecordBatch(schema, cols, n), nil
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// sqlLiteral writes value i of a as a SQL literal of the same type (what
// replaces NEW.col and OLD.col in a trigger body).
func sqlLiteral(a arrow.Array, i int) (string, error) {
	if a.IsNull(i) {
		return "NULL", nil
	}
	lit, err := literalText(a, i)
	if err == nil && strings.HasPrefix(lit, "-") {
		lit = "(" + lit + ")" // so that "x-NEW.a" does not become "x--1"
	}
	return lit, err
}

func literalText(a arrow.Array, i int) (string, error) {
	switch x := a.(type) {
	case *array.Int8:
		return strconv.FormatInt(int64(x.Value(i)), 10), nil
	case *array.Int16:
		return strconv.FormatInt(int64(x.Value(i)), 10), nil
	case *array.Int32:
		return strconv.FormatInt(int64(x.Value(i)), 10), nil
	case *array.Int64:
		return strconv.FormatInt(x.Value(i), 10), nil
	case *array.Uint8:
		return strconv.FormatUint(uint64(x.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.FormatUint(uint64(x.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.FormatUint(uint64(x.Value(i)), 10), nil
	case *array.Uint64:
		return strconv.FormatUint(x.Value(i), 10), nil
	case *array.Float32:
		// An exponent makes the literal a DOUBLE, not a DECIMAL.
		return strconv.FormatFloat(float64(x.Value(i)), 'E', -1, 32), nil
	case *array.Float64:
		return strconv.FormatFloat(x.Value(i), 'E', -1, 64), nil
	case *array.Boolean:
		if x.Value(i) {
			return "TRUE", nil
		}
		return "FALSE", nil
	case *array.Decimal128:
		scale := x.DataType().(*arrow.Decimal128Type).Scale
		return decimalText(x.Value(i).BigInt(), scale), nil
	case *array.String:
		return quoteSQL(x.Value(i)), nil
	case *array.LargeString:
		return quoteSQL(x.Value(i)), nil
	case *array.Binary:
		return "X'" + hex.EncodeToString(x.Value(i)) + "'", nil
	case *array.LargeBinary:
		return "X'" + hex.EncodeToString(x.Value(i)) + "'", nil
	case *array.Date32:
		return "DATE '" + x.Value(i).ToTime().Format("2006-01-02") + "'", nil
	case *array.Timestamp:
		tt := x.DataType().(*arrow.TimestampType)
		text := "'" + x.Value(i).ToTime(tt.Unit).UTC().Format("2006-01-02 15:04:05.999999") + "'"
		if tt.TimeZone != "" {
			// TIMESTAMP columns: a string converts to them (a DATETIME literal
			// does not), and compares with them as MySQL does.
			return text, nil
		}
		return "TIMESTAMP " + text, nil
	case *array.FixedSizeList:
		if f, ok := x.ListValues().(*array.Float32); ok {
			n := int(x.DataType().(*arrow.FixedSizeListType).Len())
			var b strings.Builder
			b.WriteByte('[')
			for j := 0; j < n; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.FormatFloat(float64(f.Value((x.Offset()+i)*n+j)), 'g', -1, 32))
			}
			b.WriteByte(']')
			return quoteSQL(b.String()), nil
		}
	}
	return "", sqlerr.New(sqlerr.ErrNotSupported, "triggers cannot bind a value of type %s", a.DataType())
}

func decimalText(v *big.Int, scale int32) string {
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	if scale > 0 {
		for int32(len(digits)) <= scale {
			digits = "0" + digits
		}
		digits = digits[:int32(len(digits))-scale] + "." + digits[int32(len(digits))-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func quoteSQL(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `''`)
	return "'" + r.Replace(s) + "'"
}

// insertFiring inserts rows into lt with its triggers (LOAD DATA, IMPORT INTO).
func (s *session) insertFiring(lt *catalog.LanceTable, rows catalog.RecordStream) (int64, error) {
	t, err := s.triggerTarget(lt)
	if err != nil {
		rows.Close()
		return 0, err
	}
	return t.Insert(s.ctx, rows)
}

// pendingInserts gathers the rows trigger bodies insert into tables nothing
// else in the firing statement's triggers names, so that each such table
// gets one INSERT (one commit) instead of one per row: an audit-log trigger
// on a 1,000-row statement then costs one commit, not 1,000. Nobody can see
// the difference: no trigger step reads or changes those tables, and they
// have no triggers of their own.
type pendingInserts struct {
	tables map[string]bool // the tables gathered
	// rows per INSERT … VALUES prefix (statements naming different columns
	// are kept apart), in the order the prefixes were first seen.
	order []string
	rows  map[string][]string
}

func (p *pendingInserts) takes(table string) bool { return p != nil && p.tables[table] }

func (p *pendingInserts) add(b *batchInsert, row string) {
	if _, ok := p.rows[b.prefix]; !ok {
		p.order = append(p.order, b.prefix)
	}
	p.rows[b.prefix] = append(p.rows[b.prefix], row)
}

// planBatches decides which INSERT targets of the firing statement's
// triggers can be gathered (nil: none).
func (s *session) planBatches(subject string, trigs ...[]compiledTrigger) (*pendingInserts, error) {
	var all []*trigStmt
	var walk func(steps []trigStep)
	walk = func(steps []trigStep) {
		for i := range steps {
			st := &steps[i]
			if st.stmt != nil {
				all = append(all, st.stmt)
				for j := range st.stmt.assigns {
					all = append(all, &st.stmt.assigns[j].expr)
				}
			}
			for j := range st.conds {
				all = append(all, &st.conds[j])
			}
			if st.signal != nil && st.signal.msg != nil {
				all = append(all, st.signal.msg)
			}
			for _, br := range st.branches {
				walk(br)
			}
			walk(st.elseSteps)
		}
	}
	for _, ts := range trigs {
		for _, t := range ts {
			walk(t.steps)
		}
	}
	others := map[string]bool{} // tables named other than by a batchable INSERT
	cands := map[string]bool{}
	for _, ts := range all {
		for _, tb := range ts.tables {
			if ts.batch != nil && ts.batch.table == tb {
				cands[tb] = true
			} else {
				others[tb] = true
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	defs, err := s.e.cat.Triggers()
	if err != nil {
		return nil, err
	}
	triggered := map[string]bool{}
	for _, d := range defs {
		triggered[strings.ToLower(d.Table)] = true
	}
	// A step that changes a table with triggers fires them, and they could
	// see the gathered tables: gather nothing then.
	// So could a view's query (its tables are not named in the body).
	for _, set := range []map[string]bool{others, cands} {
		for tb := range set {
			if (triggered[tb] && tb != subject) || s.e.cat.IsView(tb) {
				return nil, nil
			}
		}
	}
	p := &pendingInserts{tables: map[string]bool{}, rows: map[string][]string{}}
	for tb := range cands {
		if !others[tb] && !triggered[tb] && tb != subject {
			p.tables[tb] = true
		}
	}
	if len(p.tables) == 0 {
		return nil, nil
	}
	return p, nil
}

// flushInserts runs the gathered inserts, a few thousand rows a statement.
func (s *session) flushInserts(p *pendingInserts) error {
	if p == nil {
		return nil
	}
	const perStatement = 4096
	for _, prefix := range p.order {
		rows := p.rows[prefix]
		for len(rows) > 0 {
			n := min(len(rows), perStatement)
			res, err := s.runInTrigger(prefix + " " + strings.Join(rows[:n], ", "))
			if err != nil {
				return err
			}
			if res != nil && res.Reader != nil {
				res.Reader.Release()
			}
			rows = rows[n:]
		}
	}
	return nil
}
