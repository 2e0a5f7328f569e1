package executor

import (
	"github.com/genevasql/genevasql/expr"
)

// NewNestedLoopJoin joins every left row with every right row where cond
// holds (nil cond: all pairs, a cross join). The right side is held in
// memory; pairs are formed a batch at a time. Output as NewHashJoin. For
// NullAwareAntiJoin a left row survives only if cond is FALSE (not NULL) for
// every right row, which is NOT IN's rule.
func NewNestedLoopJoin(env *Env, left, right Operator, kind JoinKind, cond expr.Expr) Operator {
	if kind == CrossJoin {
		kind = InnerJoin
	}
	// With no keys the hash join puts every right row in one chain, so it
	// enumerates all pairs and applies cond as its residual.
	j := NewHashJoin(env, left, right, kind, nil, nil, cond).(*hashJoinOp)
	j.nestedLoop = true
	return j
}
