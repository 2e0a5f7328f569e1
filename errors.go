package genevasql

import "github.com/genevasql/genevasql/sqlerr"

func errOneStatement(n int) error {
	return sqlerr.New(sqlerr.ErrWrongArguments, "Query takes exactly one statement, got %d", n)
}
