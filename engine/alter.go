package engine

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/planner"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/lance"
)

// alterTable supports ADD COLUMN (a new data file per fragment, holding
// NULLs; existing files are not rewritten) and DROP COLUMN.
func (s *session) alterTable(n *ast.AlterTableStmt) (*Result, error) {
	name := n.Table.Name.O
	t, err := s.e.cat.OpenTable(s.ctx, name, nil)
	if err != nil {
		return nil, err
	}
	ds := t.Dataset()
	for _, spec := range n.Specs {
		switch spec.Tp {
		case ast.AlterTableAddColumns:
			var fields []arrow.Field
			for _, c := range spec.NewColumns {
				f, computed, err := columnFromDef(c)
				if err != nil {
					return nil, err
				}
				if computed != "" {
					if ds, err = s.addComputedColumn(t, c, computed); err != nil {
						return nil, err
					}
					continue
				}
				if !f.Nullable && ds.CountRows() > 0 {
					return nil, sqlerr.New(sqlerr.ErrBadNull, "cannot add NOT NULL column '%s' without a default to a table with rows", f.Name)
				}
				for _, old := range ds.Schema().Fields() {
					if strings.EqualFold(old.Name, f.Name) {
						if spec.IfNotExists {
							continue
						}
						return nil, sqlerr.New(1060, "Duplicate column name '%s'", f.Name)
					}
				}
				fields = append(fields, f)
			}
			if len(fields) == 0 {
				continue
			}
			schema := arrow.NewSchema(fields, nil)
			mem := s.e.cfg.Mem
			ds, err = ds.AddColumns(s.ctx, fields, func(ctx context.Context, frag lance.Fragment) (array.RecordReader, error) {
				cols := make([]arrow.Array, len(fields))
				for i, f := range fields {
					cols[i] = array.MakeArrayOfNull(mem, f.Type, int(frag.PhysicalRows))
				}
				rec := array.NewRecordBatch(schema, cols, frag.PhysicalRows)
				for _, c := range cols {
					c.Release()
				}
				defer rec.Release()
				return array.NewRecordReader(schema, []arrow.RecordBatch{rec})
			})
			if err != nil {
				return nil, sqlerr.Wrap(err)
			}
		case ast.AlterTableDropColumn:
			if ds, err = dropColumn(s.ctx, ds, spec.OldColumnName.Name.O, spec.IfExists); err != nil {
				return nil, err
			}
		default:
			if handled, err := s.alterIndex(name, spec); handled {
				if err != nil {
					return nil, err
				}
				if t, err = s.e.cat.OpenTable(s.ctx, name, nil); err != nil {
					return nil, err
				}
				ds = t.Dataset()
				continue
			}
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "this ALTER TABLE clause is not supported (ADD/DROP COLUMN and ADD/DROP INDEX are)")
		}
	}
	return &Result{}, nil
}

// addComputedColumn records ADD COLUMN c type AS (expr) VIRTUAL: the
// definition goes into the table's schema metadata; nothing is computed or
// stored until BACKFILL.
func (s *session) addComputedColumn(t *catalog.LanceTable, c *ast.ColumnDef, expr string) (*lance.Dataset, error) {
	ds := t.Dataset()
	name := c.Name.Name.O
	for _, f := range t.Schema().Fields() {
		if strings.EqualFold(f.Name, name) {
			return nil, sqlerr.New(1060, "Duplicate column name '%s'", name)
		}
	}
	// The expression must bind against the table's columns now.
	q := "SELECT " + expr + " FROM `" + strings.ReplaceAll(t.Name(), "`", "``") + "`"
	node, err := parser.ParseTiDB(q)
	if err != nil {
		return nil, err
	}
	if _, err := (&planner.Planner{Catalog: s.e.cat}).Plan(s.ctx, node, nil); err != nil {
		return nil, sqlerr.New(sqlerr.Wrap(err).Code, "computed column '%s': %s", name, sqlerr.Wrap(err).Msg)
	}
	def := catalog.ComputedColumn{Name: name, Expr: expr, SQLType: catalog.SQLTypeName(c.Tp)}
	if _, err := catalog.SQLTypeField(name, def.SQLType); err != nil {
		return nil, err
	}
	nds, err := ds.UpdateSchemaMetadata(s.ctx, catalog.ComputedMeta(def))
	if err != nil {
		return nil, sqlerr.Wrap(err)
	}
	return nds, nil
}

// dropColumn drops a column; for a computed column it also drops the hidden
// column that flags computed rows and the definition, so that the name can
// be declared again.
func dropColumn(ctx context.Context, ds *lance.Dataset, col string, ifExists bool) (*lance.Dataset, error) {
	var drop []string
	visible := 0
	for _, f := range ds.Schema().Fields() {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		visible++
		if strings.EqualFold(f.Name, col) {
			drop, col = append(drop, f.Name), f.Name
		}
	}
	def, computed := catalog.ComputedColumns(ds.SchemaMetadata())[strings.ToLower(col)]
	if computed {
		visible++ // declared, maybe not backfilled yet
		if len(drop) == 0 {
			col = def.Name
		}
		flag := catalog.ComputedPrefix + strings.ToLower(col)
		for _, f := range ds.Schema().Fields() {
			if strings.EqualFold(f.Name, flag) {
				drop = append(drop, f.Name)
			}
		}
	}
	if len(drop) == 0 && !computed {
		if ifExists {
			return ds, nil
		}
		return nil, sqlerr.New(1091, "Can't DROP '%s'; check that column/key exists", col)
	}
	if visible <= 1 {
		return nil, sqlerr.New(1090, "You can't delete all columns with ALTER TABLE; use DROP TABLE instead")
	}
	var err error
	if len(drop) > 0 {
		if ds, err = ds.DropColumns(ctx, drop); err != nil {
			return nil, sqlerr.Wrap(err)
		}
	}
	if computed {
		for k := range catalog.ComputedMeta(def) {
			if ds, err = ds.UpdateSchemaMetadata(ctx, map[string]string{k: ""}); err != nil {
				return nil, sqlerr.Wrap(err)
			}
		}
	}
	// As in MySQL, the column leaves every index; an index left empty goes.
	if md, changed := catalog.IndexesWithout(ds.SchemaMetadata(), col); changed {
		if ds, err = ds.UpdateSchemaMetadata(ctx, md); err != nil {
			return nil, sqlerr.Wrap(err)
		}
	}
	return ds, nil
}
