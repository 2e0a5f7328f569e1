package engine

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/sqlerr"
)

func (s *session) loadData(n *ast.LoadDataStmt) (*Result, error) {
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "LOAD DATA is not implemented yet")
}

func (s *session) importInto(n *ast.ImportIntoStmt) (*Result, error) {
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "IMPORT INTO is not implemented yet")
}
