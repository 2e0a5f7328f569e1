package engine

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

// Indexes are recorded in the table's schema metadata (catalog.MetaIndexes).
// Unique ones are enforced on writes; none is used to speed up queries yet.

// createIndex runs CREATE [UNIQUE] INDEX name ON t (cols).
func (s *session) createIndex(n *ast.CreateIndexStmt) (*Result, error) {
	t, err := s.e.cat.OpenTable(s.ctx, n.Table.Name.O, nil)
	if err != nil {
		return nil, err
	}
	switch n.KeyType {
	case ast.IndexKeyTypeNone, ast.IndexKeyTypeUnique:
	default:
		// FULLTEXT, SPATIAL, VECTOR: accepted, as before, without a record.
		return &Result{}, nil
	}
	cols, lens, err := keyParts(n.IndexPartSpecifications)
	if err != nil {
		return nil, err
	}
	x := catalog.Index{Name: n.IndexName, Columns: cols, Lengths: lens, Unique: n.KeyType == ast.IndexKeyTypeUnique}
	if n.IfNotExists && catalog.FindIndex(t.Indexes(), x.Name) >= 0 {
		return &Result{}, nil
	}
	return &Result{}, s.addIndex(t, x)
}

// addIndex validates an index's columns against t and records it.
func (s *session) addIndex(t *catalog.LanceTable, x catalog.Index) error {
	if err := resolveKeyColumns(t.Schema().Fields(), &x); err != nil {
		return err
	}
	if x.Primary {
		x.Name = catalog.PrimaryKeyName
	} else if x.Name == "" {
		x.Name = catalog.IndexName(t.Indexes(), x.Columns[0])
	}
	return t.AddIndex(s.ctx, x)
}

// dropIndex runs DROP INDEX name ON t.
func (s *session) dropIndex(n *ast.DropIndexStmt) (*Result, error) {
	t, err := s.e.cat.OpenTable(s.ctx, n.Table.Name.O, nil)
	if err != nil {
		return nil, err
	}
	if n.IfExists && catalog.FindIndex(t.Indexes(), n.IndexName) < 0 {
		return &Result{}, nil
	}
	return &Result{}, t.DropIndex(s.ctx, n.IndexName)
}

// alterIndex runs the index clauses of ALTER TABLE (ADD PRIMARY KEY,
// ADD UNIQUE, ADD INDEX/KEY, DROP INDEX/KEY, DROP PRIMARY KEY); handled is
// false for other clauses.
func (s *session) alterIndex(name string, spec *ast.AlterTableSpec) (handled bool, err error) {
	switch spec.Tp {
	case ast.AlterTableAddConstraint, ast.AlterTableDropIndex, ast.AlterTableDropPrimaryKey:
	default:
		return false, nil
	}
	// Reopened: earlier clauses of the same statement may have committed.
	t, err := s.e.cat.OpenTable(s.ctx, name, nil)
	if err != nil {
		return true, err
	}
	switch spec.Tp {
	case ast.AlterTableAddConstraint:
		x, ok, err := indexFromConstraint(spec.Constraint)
		if err != nil || !ok {
			return true, err
		}
		if spec.Constraint.IfNotExists && x.Name != "" && catalog.FindIndex(t.Indexes(), x.Name) >= 0 {
			return true, nil
		}
		return true, s.addIndex(t, x)
	case ast.AlterTableDropIndex:
		if spec.IfExists && catalog.FindIndex(t.Indexes(), spec.Name) < 0 {
			return true, nil
		}
		return true, t.DropIndex(s.ctx, spec.Name)
	default:
		if catalog.FindIndex(t.Indexes(), catalog.PrimaryKeyName) < 0 {
			return true, &sqlerr.Error{Code: 1091, SQLState: "42000", Msg: "Can't DROP 'PRIMARY'; check that column/key exists"}
		}
		return true, t.DropIndex(s.ctx, catalog.PrimaryKeyName)
	}
}

// showIndex runs SHOW INDEX|INDEXES|KEYS FROM t, with MySQL's columns.
func (s *session) showIndex(n *ast.ShowStmt) (*Result, error) {
	t, err := s.e.cat.OpenTable(s.ctx, n.Table.Name.O, nil)
	if err != nil {
		return nil, err
	}
	str := func(name string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	num := func(name string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	}
	schema := arrow.NewSchema([]arrow.Field{str("Table"), num("Non_unique"), str("Key_name"), num("Seq_in_index"),
		str("Column_name"), str("Collation"), num("Cardinality"), num("Sub_part"), str("Packed"), str("Null"),
		str("Index_type"), str("Comment"), str("Index_comment"), str("Visible"), str("Expression")}, nil)
	fields := t.Schema().Fields()
	var rows [][]any
	for _, x := range catalog.SortIndexes(t.Indexes()) {
		nonUnique := 1
		if x.Unique {
			nonUnique = 0
		}
		for i, c := range x.Columns {
			var sub any
			if l := lengthAt(x.Lengths, i); l > 0 {
				sub = l
			}
			null := ""
			if f := fieldByName(fields, c); f >= 0 && fields[f].Nullable && !x.Primary {
				null = "YES"
			}
			rows = append(rows, []any{t.Name(), nonUnique, x.Name, i + 1, c, "A", nil, sub, nil, null,
				"BTREE", "", "", "YES", nil})
		}
	}
	return s.rowsResult(schema, rows)
}

// keyFlag is DESCRIBE's Key column: PRI for primary key columns, UNI for
// the column of a single-column unique index, MUL for the first column of
// any other index.
func keyFlag(ix []catalog.Index, col string) string {
	flag := ""
	for _, x := range ix {
		if x.Primary {
			for _, c := range x.Columns {
				if strings.EqualFold(c, col) {
					return "PRI"
				}
			}
			continue
		}
		if !strings.EqualFold(x.Columns[0], col) {
			continue
		}
		if x.Unique && len(x.Columns) == 1 {
			if flag != "PRI" {
				flag = "UNI"
			}
		} else if flag == "" {
			flag = "MUL"
		}
	}
	return flag
}

// indexClauses renders the keys as SHOW CREATE TABLE lists them.
func indexClauses(ix []catalog.Index) []string {
	var out []string
	for _, x := range catalog.SortIndexes(ix) {
		cols := make([]string, len(x.Columns))
		for i, c := range x.Columns {
			cols[i] = "`" + c + "`"
			if l := lengthAt(x.Lengths, i); l > 0 {
				cols[i] += "(" + strconv.Itoa(l) + ")"
			}
		}
		list := "(" + strings.Join(cols, ",") + ")"
		switch {
		case x.Primary:
			out = append(out, "PRIMARY KEY "+list)
		case x.Unique:
			out = append(out, "UNIQUE KEY `"+x.Name+"` "+list)
		default:
			out = append(out, "KEY `"+x.Name+"` "+list)
		}
	}
	return out
}
