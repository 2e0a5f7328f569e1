package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// StoreCast converts a value written to a table column (INSERT, UPDATE):
// strict, with MySQL's column errors (1366, 1264, 1265, 3140 for JSON), and
// JSON text normalized. Row numbers in errors count from the batch's start.
type StoreCast struct {
	Arg Expr
	Col functions.ColumnTarget
}

func (c *StoreCast) Type() arrow.DataType { return c.Col.Type }
func (c *StoreCast) String() string {
	return fmt.Sprintf("STORE(%s AS %s)", c.Arg, c.Col.Name)
}

func (c *StoreCast) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (out arrow.Array, err error) {
	// the argument is computed as it is (its own errors stay), then converted
	in, err := c.Arg.Eval(ec, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	if in.DataType().ID() == arrow.NULL {
		return scalar.MakeArrayOfNull(c.Col.Type, in.Len(), mem(ec)), nil
	}
	if arrow.TypeEqual(in.DataType(), c.Col.Type) && !c.Col.JSON {
		in.Retain()
		return in, nil
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, sqlerr.New(sqlerr.ErrUnknownSystem, "converting a value for column %s failed: %v", c.Col.Name, r)
		}
	}()
	return functions.CastForColumn(ec, in, c.Col, 1)
}
