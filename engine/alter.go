package engine

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/sqlerr"
)

func (s *session) alterTable(n *ast.AlterTableStmt) (*Result, error) {
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "ALTER TABLE is not implemented yet")
}
