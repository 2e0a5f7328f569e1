package engine

import (
	"context"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
)

// restoreSQL renders an AST node back to SQL text (for stored definitions).
func restoreSQL(n ast.Node) (string, error) {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func (s *session) createTable(n *ast.CreateTableStmt) (*Result, error) {
	name := n.Table.Name.O
	if n.ReferTable != nil {
		src, err := s.e.cat.OpenTable(s.ctx, n.ReferTable.Name.O, nil)
		if err != nil {
			return nil, err
		}
		_, _, err = s.e.cat.CreateTable(s.ctx, name, src.Schema(), n.IfNotExists)
		return &Result{}, err
	}
	if n.Select != nil {
		return s.createTableAs(n)
	}
	fields := make([]arrow.Field, 0, len(n.Cols))
	for _, c := range n.Cols {
		f, computed, err := columnFromDef(c)
		if err != nil {
			return nil, err
		}
		if computed != "" {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "generated column '%s' in CREATE TABLE: add it with ALTER TABLE … ADD COLUMN … AS (…) VIRTUAL", c.Name.Name.O)
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return nil, sqlerr.New(1113, "A table must have at least 1 column")
	}
	fields, keys, err := tableKeys(n, fields)
	if err != nil {
		return nil, err
	}
	_, _, err = s.e.cat.CreateTable(s.ctx, name, arrow.NewSchema(fields, keys), n.IfNotExists)
	if err != nil {
		return nil, err
	}
	return &Result{}, nil
}

// columnFromDef builds the Arrow field of a column definition; for a
// generated column it also returns the expression's SQL text.
func columnFromDef(c *ast.ColumnDef) (arrow.Field, string, error) {
	notNull := false
	computed := ""
	def := ""
	auto := false
	for _, o := range c.Options {
		switch o.Tp {
		case ast.ColumnOptionAutoIncrement:
			auto = true
		case ast.ColumnOptionDefaultValue:
			txt, err := restoreSQL(o.Expr)
			if err != nil {
				return arrow.Field{}, "", err
			}
			def = txt
		case ast.ColumnOptionNotNull, ast.ColumnOptionPrimaryKey:
			notNull = true
		case ast.ColumnOptionGenerated:
			if o.Stored {
				return arrow.Field{}, "", sqlerr.New(sqlerr.ErrNotSupported, "STORED generated columns are not supported; use VIRTUAL and BACKFILL")
			}
			txt, err := restoreSQL(o.Expr)
			if err != nil {
				return arrow.Field{}, "", err
			}
			computed = txt
		}
	}
	f, err := catalog.ColumnField(c.Name.Name.O, c.Tp, notNull)
	if err != nil {
		e := sqlerr.Wrap(err)
		e.Msg = "column '" + c.Name.Name.O + "': " + e.Msg
		return f, "", e
	}
	if def != "" && !strings.EqualFold(def, "NULL") {
		keys := append(f.Metadata.Keys(), catalog.MetaDefault)
		vals := append(f.Metadata.Values(), def)
		f.Metadata = arrow.NewMetadata(keys, vals)
	}
	if auto {
		if !catalog.AutoIncrementType(f.Type) || def != "" {
			return f, "", sqlerr.New(1063, "Incorrect column specifier for column '%s'", c.Name.Name.O)
		}
		keys := append(f.Metadata.Keys(), catalog.MetaAutoIncrement)
		vals := append(f.Metadata.Values(), "1")
		f.Metadata = arrow.NewMetadata(keys, vals)
	}
	return f, computed, nil
}

// createTableAs runs the SELECT and stores its rows in a new table, removing
// the table again if the insert fails so nothing half-written remains.
func (s *session) createTableAs(n *ast.CreateTableStmt) (*Result, error) {
	sel, ok := n.Select.(ast.StmtNode)
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "CREATE TABLE … AS needs a SELECT")
	}
	pl := &planner.Planner{Catalog: s.e.cat}
	plan, err := pl.Plan(s.ctx, sel, s.params)
	if err != nil {
		return nil, err
	}
	schema := plan.Schema()
	fields := make([]arrow.Field, len(schema.Fields()))
	for i, f := range schema.Fields() {
		f.Nullable = true
		f.Metadata = arrow.Metadata{}
		fields[i] = f
	}
	name := n.Table.Name.O
	t, created, err := s.e.cat.CreateTable(s.ctx, name, arrow.NewSchema(fields, nil), n.IfNotExists)
	if err != nil || !created {
		return &Result{}, err
	}
	op, err := plan.Open(s.ctx, s.env(true))
	if err == nil {
		var cnt int64
		cnt, err = t.Insert(s.ctx, renamed(op, t.Schema()))
		if err == nil {
			return &Result{RowsAffected: cnt}, nil
		}
	}
	_, _ = s.e.cat.DropTable(context.WithoutCancel(s.ctx), name, true)
	return nil, err
}

// renamed presents an operator's batches under a target schema with the
// same column types (names and nullability may differ).
func renamed(op executor.Operator, schema *arrow.Schema) catalog.RecordStream {
	return &renameStream{op: op, schema: schema}
}

type renameStream struct {
	op     executor.Operator
	schema *arrow.Schema
}

func (r *renameStream) Schema() *arrow.Schema { return r.schema }
func (r *renameStream) Close() error          { return r.op.Close() }
func (r *renameStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := r.op.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	cols := rec.Columns()
	for i, c := range cols {
		if i < len(r.schema.Fields()) && !arrow.TypeEqual(c.DataType(), r.schema.Field(i).Type) {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "column %d has type %s, want %s", i+1, c.DataType(), r.schema.Field(i).Type)
		}
	}
	return arrowNewRecord(r.schema, cols, rec.NumRows()), nil
}

func (s *session) dropTable(n *ast.DropTableStmt) (*Result, error) {
	var missing []string
	for _, t := range n.Tables {
		name := t.Name.O
		var err error
		var dropped bool
		if n.IsView || s.e.cat.IsView(name) {
			dropped, err = s.e.cat.DropView(name, true)
		} else {
			if dropped, err = s.e.cat.DropTable(s.ctx, name, true); dropped {
				s.e.cat.DropTableTriggers(name) // MySQL drops a table's triggers with it
			}
		}
		if err != nil {
			return nil, err
		}
		if !dropped {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 && !n.IfExists {
		return nil, sqlerr.New(sqlerr.ErrBadTable, "Unknown table '%s'", strings.Join(missing, "','"))
	}
	return &Result{}, nil
}

func (s *session) createView(n *ast.CreateViewStmt) (*Result, error) {
	txt, err := restoreSQL(n.Select)
	if err != nil {
		return nil, err
	}
	// Bind it now so a broken view is refused at creation, as MySQL does.
	sel, _ := n.Select.(ast.StmtNode)
	pl := &planner.Planner{Catalog: s.e.cat}
	if _, err := pl.Plan(s.ctx, sel, nil); err != nil {
		return nil, err
	}
	if len(n.Cols) > 0 {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "a column list on CREATE VIEW is not supported; alias the select list instead")
	}
	return &Result{}, s.e.cat.CreateView(n.ViewName.Name.O, txt, n.OrReplace)
}

// drain reads an operator to its end, releasing batches.
func drain(ctx context.Context, op executor.Operator) error {
	defer op.Close()
	for {
		rec, err := op.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		rec.Release()
	}
}
