package engine

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/pingcap/tidb/pkg/parser/ast"

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
					return nil, sqlerr.New(sqlerr.ErrNotSupported, "computed columns (ADD COLUMN … AS (…) VIRTUAL) and BACKFILL are not implemented yet")
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
			col := spec.OldColumnName.Name.O
			found := false
			for _, f := range ds.Schema().Fields() {
				if strings.EqualFold(f.Name, col) {
					found, col = true, f.Name
				}
			}
			if !found {
				if spec.IfExists {
					continue
				}
				return nil, sqlerr.New(1091, "Can't DROP '%s'; check that column/key exists", col)
			}
			if len(ds.Schema().Fields()) == 1 {
				return nil, sqlerr.New(1090, "You can't delete all columns with ALTER TABLE; use DROP TABLE instead")
			}
			if ds, err = ds.DropColumns(s.ctx, []string{col}); err != nil {
				return nil, sqlerr.Wrap(err)
			}
		default:
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "this ALTER TABLE clause is not supported (ADD COLUMN and DROP COLUMN are)")
		}
	}
	return &Result{}, nil
}
