package executor

// Stubs for the contract in api.go; each is deleted when its operator is written.

import (
	"github.com/genevasql/genevasql/catalog"
)

func NewInsert(env *Env, t catalog.MutableTable, child Operator) Operator {
	stub("NewInsert")
	return nil
}
func NewDelete(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int) Operator {
	stub("NewDelete")
	return nil
}
func NewUpdate(env *Env, t catalog.MutableTable, child Operator, rowAddrCol int, newCols []int) Operator {
	stub("NewUpdate")
	return nil
}
