package engine

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

// tableKeys collects the keys a CREATE TABLE declares (PRIMARY KEY and
// UNIQUE column options, PRIMARY KEY, UNIQUE and INDEX/KEY constraints),
// names them as MySQL does, and makes primary key columns NOT NULL. It
// returns the fields and the schema metadata to create the table with
// (nil when there are no keys). FOREIGN KEY, CHECK and FULLTEXT are
// accepted and not recorded.
func tableKeys(n *ast.CreateTableStmt, fields []arrow.Field) ([]arrow.Field, *arrow.Metadata, error) {
	var ix []catalog.Index
	add := func(x catalog.Index) error {
		if err := resolveKeyColumns(fields, &x); err != nil {
			return err
		}
		if x.Primary {
			for _, o := range ix {
				if o.Primary {
					return sqlerr.New(1068, "Multiple primary key defined")
				}
			}
			x.Name = catalog.PrimaryKeyName
		} else if x.Name == "" {
			x.Name = catalog.IndexName(ix, x.Columns[0])
		} else if catalog.FindIndex(ix, x.Name) >= 0 || strings.EqualFold(x.Name, catalog.PrimaryKeyName) {
			return sqlerr.New(1061, "Duplicate key name '%s'", x.Name)
		}
		ix = append(ix, x)
		return nil
	}
	for _, c := range n.Cols {
		for _, o := range c.Options {
			switch o.Tp {
			case ast.ColumnOptionPrimaryKey:
				if err := add(catalog.Index{Columns: []string{c.Name.Name.O}, Unique: true, Primary: true}); err != nil {
					return nil, nil, err
				}
			case ast.ColumnOptionUniqKey:
				if err := add(catalog.Index{Columns: []string{c.Name.Name.O}, Unique: true}); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	for _, c := range n.Constraints {
		x, ok, err := indexFromConstraint(c)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if err := add(x); err != nil {
			return nil, nil, err
		}
	}
	if len(ix) == 0 {
		return fields, nil, nil
	}
	for _, x := range ix {
		if !x.Primary {
			continue
		}
		for _, c := range x.Columns {
			fields[fieldByName(fields, c)].Nullable = false
		}
	}
	md := arrow.MetadataFrom(catalog.IndexesMeta(ix))
	return fields, &md, nil
}

// indexFromConstraint reads a PRIMARY KEY, UNIQUE or INDEX/KEY constraint;
// ok is false for the kinds that are not recorded.
func indexFromConstraint(c *ast.Constraint) (catalog.Index, bool, error) {
	var x catalog.Index
	switch c.Tp {
	case ast.ConstraintPrimaryKey:
		x.Primary, x.Unique = true, true
	case ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
		x.Unique = true
	case ast.ConstraintKey, ast.ConstraintIndex:
	default:
		return x, false, nil
	}
	x.Name = c.Name
	cols, lens, err := keyParts(c.Keys)
	if err != nil {
		return x, false, err
	}
	x.Columns, x.Lengths = cols, lens
	return x, true, nil
}

// keyParts reads an index's column list; expression key parts are refused.
func keyParts(parts []*ast.IndexPartSpecification) ([]string, []int, error) {
	var cols []string
	var lens []int
	hasLen := false
	for _, p := range parts {
		if p.Expr != nil || p.Column == nil {
			return nil, nil, sqlerr.New(sqlerr.ErrNotSupported, "functional key parts (indexes on expressions) are not supported")
		}
		cols = append(cols, p.Column.Name.O)
		l := p.Length
		if l < 0 {
			l = 0
		}
		lens = append(lens, l)
		hasLen = hasLen || l > 0
	}
	if !hasLen {
		lens = nil
	}
	return cols, lens, nil
}

func lengthAt(lens []int, i int) int {
	if i < len(lens) {
		return lens[i]
	}
	return 0
}

func fieldByName(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// checkKeyColumn refuses what MySQL refuses in a key: TEXT and BLOB
// columns without a prefix length.
func checkKeyColumn(f arrow.Field, length int) error {
	if length > 0 {
		return nil
	}
	t := strings.ToLower(catalog.TypeName(f))
	for _, p := range []string{"text", "tinytext", "mediumtext", "longtext", "blob", "tinyblob", "mediumblob", "longblob", "json"} {
		if t == p {
			if p == "json" {
				return sqlerr.New(3152, "JSON column '%s' supports indexing only via generated columns on a specified JSON path.", f.Name)
			}
			return sqlerr.New(1170, "BLOB/TEXT column '%s' used in key specification without a key length", f.Name)
		}
	}
	return nil
}

// loadConflict maps LOAD DATA's REPLACE/IGNORE to a conflict mode.
func loadConflict(d ast.OnDuplicateKeyHandlingType) catalog.ConflictMode {
	switch d {
	case ast.OnDuplicateKeyHandlingReplace:
		return catalog.ConflictReplace
	case ast.OnDuplicateKeyHandlingIgnore:
		return catalog.ConflictIgnore
	}
	return catalog.ConflictError
}

// resolveKeyColumns checks that an index's columns exist and may be keys,
// and spells them as the table does.
func resolveKeyColumns(fields []arrow.Field, x *catalog.Index) error {
	for i, c := range x.Columns {
		f := fieldByName(fields, c)
		if f < 0 {
			return sqlerr.New(1072, "Key column '%s' doesn't exist in table", c)
		}
		x.Columns[i] = fields[f].Name
		if err := checkKeyColumn(fields[f], lengthAt(x.Lengths, i)); err != nil {
			return err
		}
	}
	return nil
}
