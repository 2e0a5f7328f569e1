package udf

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// newPolicyInstance is the Bound's NewInstance: a worker's own instance
// whose calls go through the function's error policy, so that the executor
// and job workers get the same skip/retry behaviour as the shared Kernel.
func (bd *bound) newPolicyInstance(ctx context.Context) (functions.Instance, error) {
	inst, err := bd.newInstance(ctx)
	if err != nil {
		return nil, err
	}
	return &policyInstance{inner: inst, def: &bd.f.def}, nil
}

type policyInstance struct {
	inner functions.Instance
	def   *Def
}

func (p *policyInstance) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	if ec == nil {
		ec = &functions.EvalContext{}
	}
	ctx := ec.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if ec.OnCall != nil {
		ec.OnCall(p.def.Name, nrows)
	}
	return CallWithPolicy(ctx, ec, p.inner, args, nrows, p.def.Policy, func(row int, msg string, attempt int) {
		reportRowError(ec, p.def.Name, row, msg, attempt)
	})
}

func (p *policyInstance) Close() error { return p.inner.Close() }

// Unwrap reaches the wrapped instance (for an external program's stderr).
func (p *policyInstance) Unwrap() functions.Instance { return p.inner }

// reportRowError sends a skipped row or a retried attempt to the job's
// error table when the caller listens, else to the statement's warnings.
func reportRowError(ec *functions.EvalContext, name string, row int, msg string, attempt int) {
	if ec.OnRowError != nil {
		var addr uint64
		var ok bool
		if row >= 0 && ec.RowAddr != nil {
			addr, ok = ec.RowAddr(row)
		}
		ec.OnRowError(name, row, addr, ok, msg, attempt)
		return
	}
	if ec.Warn == nil {
		return
	}
	if row >= 0 {
		ec.Warn(sqlerr.ErrUnknownSystem, fmt.Sprintf("function %s, row %d: %s (value set to NULL)", name, row, msg))
	} else {
		ec.Warn(sqlerr.ErrUnknownSystem, fmt.Sprintf("function %s: attempt %d failed: %s (retrying)", name, attempt, msg))
	}
}
