package executor

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/sqlerr"
)

type projectOp struct {
	env    *Env
	child  Operator
	exprs  []expr.Expr
	schema *arrow.Schema
}

// NewProject evaluates exprs over each batch; output columns are named by
// names (all nullable, since expressions do not report nullability).
func NewProject(env *Env, child Operator, exprs []expr.Expr, names []string) Operator {
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		if name == "" {
			name = e.String()
		}
		fields[i] = arrow.Field{Name: name, Type: e.Type(), Nullable: true}
	}
	return &projectOp{env: env, child: child, exprs: exprs, schema: arrow.NewSchema(fields, nil)}
}

func (p *projectOp) Schema() *arrow.Schema { return p.schema }

func (p *projectOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	b, err := p.child.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	cols, err := evalAll(p.env.evalCtx(ctx), p.exprs, b)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(cols)
	for i, c := range cols {
		if !arrow.TypeEqual(c.DataType(), p.schema.Field(i).Type) {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: expression %s returned %s but declares %s", p.exprs[i], c.DataType(), p.schema.Field(i).Type)
		}
	}
	return array.NewRecordBatch(p.schema, cols, b.NumRows()), nil
}

func (p *projectOp) Close() error { return p.child.Close() }
