package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// ErrRecursionDepth is MySQL's ER_CTE_MAX_RECURSION_DEPTH.
const ErrRecursionDepth = 3636

// DefaultMaxRecursion is MySQL's default cte_max_recursion_depth.
const DefaultMaxRecursion = 1000

// RecursiveStep opens the recursive part of a recursive CTE over work, the
// rows the previous iteration produced. The operator it returns owns
// nothing of work: the caller releases work after closing it.
type RecursiveStep func(work []arrow.RecordBatch) (Operator, error)

// recursiveOp streams a recursive CTE: the anchor's rows, then each
// iteration's rows, where an iteration runs the recursive part over the
// previous iteration's rows, until one produces none. It holds only the
// previous iteration's rows (and, for UNION DISTINCT, the keys seen).
type recursiveOp struct {
	env      *Env
	schema   *arrow.Schema
	cur      Operator // the anchor, then the running iteration
	step     RecursiveStep
	distinct bool
	maxDepth int

	seen  *distinctOp         // UNION: the keys produced so far (its child is unused)
	work  []arrow.RecordBatch // input of the running iteration
	next  []arrow.RecordBatch // rows produced so far by the running one
	depth int
	done  bool
}

// NewRecursiveCTE runs anchor, then step repeatedly, as WITH RECURSIVE
// does. With distinct (UNION) a row equal to one already produced is
// dropped, so cycles end; with UNION ALL the query must end on its own.
// More than maxDepth iterations fail with MySQL's error 3636.
func NewRecursiveCTE(env *Env, schema *arrow.Schema, anchor Operator, step RecursiveStep, distinct bool, maxDepth int) Operator {
	return &recursiveOp{env: env, schema: schema, cur: anchor, step: step, distinct: distinct, maxDepth: maxDepth}
}

func (r *recursiveOp) Schema() *arrow.Schema { return r.schema }

func (r *recursiveOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if r.done {
		return nil, io.EOF
	}
	if r.distinct && r.seen == nil {
		r.seen = &distinctOp{env: r.env, table: newGroupTable(schemaTypes(r.schema))}
	}
	for {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := r.cur.Next(ctx)
		if err != nil {
			if !isEOF(err) {
				return nil, err
			}
			if err := r.advance(); err != nil {
				return nil, err
			}
			if r.done {
				return nil, io.EOF
			}
			continue
		}
		if b, err = withSchema(r.schema, b); err != nil {
			return nil, err
		}
		if r.distinct {
			if b, err = r.seen.firsts(ctx, b); err != nil || b == nil {
				if err != nil {
					return nil, err
				}
				continue
			}
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		b.Retain()
		r.next = append(r.next, b)
		return b, nil
	}
}

// advance ends the running iteration and starts the next one over the rows
// it produced, or finishes when it produced none.
func (r *recursiveOp) advance() error {
	err := r.cur.Close()
	r.cur = nil
	releaseBatches(r.work)
	r.work, r.next = r.next, nil
	if err != nil {
		return err
	}
	if len(r.work) == 0 {
		r.done = true
		r.seen = nil
		return nil
	}
	r.depth++
	if r.depth > r.maxDepth {
		return sqlerr.New(ErrRecursionDepth, "Recursive query aborted after %d iterations. Try increasing @@cte_max_recursion_depth to a larger value.", r.depth)
	}
	op, err := r.step(r.work)
	if err != nil {
		return err
	}
	r.cur = op
	return nil
}

func (r *recursiveOp) Close() error {
	r.done = true
	var err error
	if r.cur != nil {
		err = r.cur.Close()
		r.cur = nil
	}
	releaseBatches(r.work)
	releaseBatches(r.next)
	r.work, r.next, r.seen = nil, nil, nil
	return err
}
