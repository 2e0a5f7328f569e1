package engine

import (
	"path/filepath"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

func (s *session) show(n *ast.ShowStmt) (*Result, error) {
	switch n.Tp {
	case ast.ShowTables:
		tables, err := s.e.cat.ListTables(s.ctx)
		if err != nil {
			return nil, err
		}
		col := "Tables_in_" + strings.TrimSuffix(filepath.Base(s.e.dir), filepath.Ext(s.e.dir))
		var rows [][]any
		for _, t := range tables {
			if n.Pattern != nil && !likeMatch(n.Pattern, t.Name) {
				continue
			}
			kind := map[string]string{"table": "BASE TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW"}[t.Kind]
			if n.Full {
				rows = append(rows, []any{t.Name, kind})
			} else {
				rows = append(rows, []any{t.Name})
			}
		}
		// As in MySQL, SHOW FULL TABLES adds the kind of each table.
		if n.Full {
			return s.rowsResult(stringSchema(col, "Table_type"), rows)
		}
		return s.rowsResult(stringSchema(col), rows)
	case ast.ShowColumns:
		return s.describe(n.Table.Name.O)
	case ast.ShowCreateTable:
		return s.showCreateTable(n.Table.Name.O)
	case ast.ShowIndex:
		return s.showIndex(n)
	case ast.ShowWarnings, ast.ShowErrors:
		return s.rowsResult(stringSchema("Level", "Code", "Message"), nil)
	case ast.ShowDatabases:
		return s.rowsResult(stringSchema("Database"), [][]any{{filepath.Base(s.e.dir)}})
	}
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "this SHOW statement is not supported")
}

// likeMatch applies SHOW … LIKE 'pattern' (% and _ wildcards, case-insensitive).
func likeMatch(p *ast.PatternLikeOrIlikeExpr, s string) bool {
	v, ok := p.Pattern.(ast.ValueExpr)
	if !ok {
		return true
	}
	pat, _ := v.GetValue().(string)
	return likeString(strings.ToLower(pat), strings.ToLower(s))
}

func likeString(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeString(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && likeString(pat[1:], s[1:])
	}
	return s != "" && s[0] == pat[0] && likeString(pat[1:], s[1:])
}

// describe lists a table's columns in MySQL's DESCRIBE layout.
func (s *session) describe(name string) (*Result, error) {
	t, err := s.e.cat.LookupTable(s.ctx, name, nil)
	if err != nil {
		return nil, err
	}
	computed := map[string]catalog.ComputedColumn{}
	var ix []catalog.Index
	if lt, ok := t.(*catalog.LanceTable); ok {
		computed = catalog.ComputedColumns(lt.Dataset().SchemaMetadata())
		ix = lt.Indexes()
	}
	var rows [][]any
	if v, ok := t.(*catalog.ViewDef); ok && v.Columns == nil {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "DESCRIBE of a view: select from it instead")
	}
	for _, f := range t.Schema().Fields() {
		key := keyFlag(ix, f.Name)
		null := "YES"
		if !f.Nullable || key == "PRI" { // ALTER TABLE … ADD PRIMARY KEY keeps the field nullable
			null = "NO"
		}
		extra := ""
		if e, ok := computed[strings.ToLower(f.Name)]; ok {
			extra = "VIRTUAL GENERATED AS (" + e.Expr + ")"
		}
		if catalog.IsAutoIncrement(f) {
			extra = "auto_increment"
		}
		rows = append(rows, []any{f.Name, catalog.TypeName(f), null, key, nil, extra})
	}
	return s.rowsResult(stringSchema("Field", "Type", "Null", "Key", "Default", "Extra"), rows)
}

func (s *session) showCreateTable(name string) (*Result, error) {
	t, err := s.e.cat.LookupTable(s.ctx, name, nil)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE `" + t.Name() + "` (\n")
	for i, f := range t.Schema().Fields() {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  `" + f.Name + "` " + catalog.TypeName(f))
		if !f.Nullable {
			b.WriteString(" NOT NULL")
		}
		if catalog.IsAutoIncrement(f) {
			b.WriteString(" AUTO_INCREMENT")
		}
	}
	if lt, ok := t.(*catalog.LanceTable); ok {
		for _, k := range indexClauses(lt.Indexes()) {
			b.WriteString(",\n  " + k)
		}
	}
	b.WriteString("\n)")
	return s.rowsResult(stringSchema("Table", "Create Table"), [][]any{{t.Name(), b.String()}})
}
