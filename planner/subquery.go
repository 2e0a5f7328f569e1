package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// outerRef reads the current value of an outer query's column inside a
// correlated subquery.
type outerRef struct {
	s    *slot
	name string
	t    arrow.DataType
}

func (o *outerRef) Type() arrow.DataType { return o.t }
func (o *outerRef) String() string       { return fmt.Sprintf("outer(%s#%d)", o.name, o.s.id) }
func (o *outerRef) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	if o.s.val == nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: outer column %s has no value", o.name)
	}
	s, err := scalar.GetScalar(o.s.val, 0)
	if err != nil {
		return nil, err
	}
	return expr.Broadcast(ec, s, int(batch.NumRows()))
}

// subqueryRunner evaluates a subquery expression: it runs the sub-plan once
// per distinct combination of outer values (once in all when uncorrelated)
// and caches the results for the life of the statement.
type subqueryRunner struct {
	kind  subqKind
	id    int
	keys  []expr.Expr // outer values, evaluated over the current batch
	slots []*slot
	plan  *pnode
	t     arrow.DataType
	lhs   expr.Expr
	cmp   *functions.Bound
	all   bool
	cast  arrow.DataType

	cache map[string]*subResult
	mats  []*materialized
}

// materialized keeps the output of an invariant sub-plan after its first run.
type materialized struct {
	inner   *pnode
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	done    bool
}

func (m *materialized) release() {
	for _, b := range m.batches {
		b.Release()
	}
	m.batches, m.done = nil, false
}

func (r *subqueryRunner) materializeInvariant(p *pnode) *pnode {
	if !p.variant {
		m := &materialized{inner: p}
		r.mats = append(r.mats, m)
		return &pnode{name: "Materialize", children: []*pnode{p}, layout: p.layout, schema: p.schema,
			open: func(env *executor.Env, _ []executor.Operator) (executor.Operator, error) {
				return m.open(env)
			}, lazyChildren: true}
	}
	for i, c := range p.children {
		p.children[i] = r.materializeInvariant(c)
	}
	return p
}

func (m *materialized) open(env *executor.Env) (executor.Operator, error) {
	if !m.done {
		op, err := m.inner.build(env)
		if err != nil {
			return nil, err
		}
		m.schema = op.Schema()
		ctx := context.Background()
		if env.Eval != nil && env.Eval.Ctx != nil {
			ctx = env.Eval.Ctx
		}
		bs, err := executor.Drain(ctx, op)
		if err != nil {
			return nil, err
		}
		// scans of many small fragments yield many small batches; one
		// batch makes every replay a single kernel call per operator
		if len(bs) > 1 {
			one, err := concatBatches(memOf(env.Eval), m.schema, bs)
			for _, b := range bs {
				b.Release()
			}
			if err != nil {
				return nil, err
			}
			bs = []arrow.RecordBatch{one}
		}
		m.batches, m.done = bs, true
	}
	out := make([]arrow.RecordBatch, len(m.batches))
	for i, b := range m.batches {
		b.Retain()
		out[i] = b
	}
	return executor.NewValues(m.schema, out), nil
}

type subResult struct {
	val    arrow.Array // scalar: one row; quantified: all values
	exists bool
	set    map[string]bool // quantified "= ANY": value keys
	null   bool            // quantified: some value is NULL
}

func (pb *physBuilder) lowerSubquery(x *subqExpr, pos map[int]int) (expr.Expr, error) {
	r := &subqueryRunner{kind: x.kind, id: x.id, t: x.t, cmp: x.cmp, all: x.all, cast: x.subCast}
	slots := make(map[int]*slot, len(pb.slots)+len(x.outer))
	for k, v := range pb.slots {
		slots[k] = v
	}
	for _, o := range x.outer {
		k, err := lowerExprWith(o, pos, pb.slots, pb)
		if err != nil {
			return nil, err
		}
		s := &slot{id: o.id}
		r.keys = append(r.keys, k)
		r.slots = append(r.slots, s)
		slots[o.id] = s
	}
	if x.lhs != nil {
		l, err := lowerExprWith(x.lhs, pos, pb.slots, pb)
		if err != nil {
			return nil, err
		}
		r.lhs = l
	}
	sub := &physBuilder{b: pb.b, slots: slots}
	p, err := sub.plan(x.plan)
	if err != nil {
		return nil, err
	}
	if p.variant {
		// parts that do not read outer values (typically the scans) are
		// computed once and replayed for every outer row
		p = r.materializeInvariant(p)
	}
	r.plan = p
	pb.subs = append(pb.subs, r)
	pb.subs = append(pb.subs, sub.subs...)
	return r, nil
}

func (r *subqueryRunner) Type() arrow.DataType { return r.t }
func (r *subqueryRunner) String() string {
	var k []string
	for _, e := range r.keys {
		k = append(k, e.String())
	}
	corr := ""
	if len(k) > 0 {
		corr = " on " + strings.Join(k, ", ")
	}
	switch r.kind {
	case subqExists:
		return fmt.Sprintf("exists(subquery#%d%s)", r.id, corr)
	case subqQuantified:
		q := "any"
		if r.all {
			q = "all"
		}
		return fmt.Sprintf("%s %s %s(subquery#%d%s)", r.lhs, r.cmp.Name, q, r.id, corr)
	}
	return fmt.Sprintf("subquery#%d%s", r.id, corr)
}

// reset releases cached results.
func (r *subqueryRunner) reset() {
	for _, m := range r.mats {
		m.release()
	}
	for _, res := range r.cache {
		if res.val != nil {
			res.val.Release()
		}
	}
	r.cache = nil
}

func memOf(ec *functions.EvalContext) memory.Allocator {
	if ec != nil && ec.Mem != nil {
		return ec.Mem
	}
	return memory.DefaultAllocator
}

func (r *subqueryRunner) Eval(ec *functions.EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	if r.cache == nil {
		r.cache = map[string]*subResult{}
	}
	keys := make([]arrow.Array, len(r.keys))
	defer func() {
		for _, k := range keys {
			if k != nil {
				k.Release()
			}
		}
	}()
	for i, k := range r.keys {
		a, err := k.Eval(ec, batch)
		if err != nil {
			return nil, err
		}
		keys[i] = a
	}
	var lhs arrow.Array
	if r.lhs != nil {
		a, err := r.lhs.Eval(ec, batch)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		lhs = a
	}
	results := make([]*subResult, n)
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.Reset()
		for _, k := range keys {
			sb.WriteString(valueKey(k, i))
			sb.WriteByte(0)
		}
		key := sb.String()
		res, ok := r.cache[key]
		if !ok {
			for j, k := range keys {
				r.slots[j].val = array.NewSlice(k, int64(i), int64(i+1))
			}
			var err error
			res, err = r.run(ec)
			for _, s := range r.slots {
				s.val.Release()
				s.val = nil
			}
			if err != nil {
				return nil, err
			}
			r.cache[key] = res
		}
		results[i] = res
		if len(keys) == 0 && r.kind != subqQuantified {
			// uncorrelated: the same value for every row
			return r.broadcast(ec, res, n)
		}
	}
	switch r.kind {
	case subqExists:
		b := array.NewBooleanBuilder(memOf(ec))
		defer b.Release()
		b.Reserve(n)
		for _, res := range results {
			b.UnsafeAppend(res.exists)
		}
		return b.NewArray(), nil
	case subqScalar:
		parts := make([]arrow.Array, n)
		for i, res := range results {
			parts[i] = res.val
		}
		if n == 0 {
			return array.MakeArrayOfNull(memOf(ec), r.t, 0), nil
		}
		return array.Concatenate(parts, memOf(ec))
	}
	return r.quantified(ec, lhs, results)
}

func (r *subqueryRunner) broadcast(ec *functions.EvalContext, res *subResult, n int) (arrow.Array, error) {
	if r.kind == subqExists {
		return expr.Broadcast(ec, scalar.NewBooleanScalar(res.exists), n)
	}
	s, err := scalar.GetScalar(res.val, 0)
	if err != nil {
		return nil, err
	}
	return expr.Broadcast(ec, s, n)
}

// quantified computes lhs cmp ANY/ALL (values) per row with SQL's
// three-valued logic.
func (r *subqueryRunner) quantified(ec *functions.EvalContext, lhs arrow.Array, results []*subResult) (arrow.Array, error) {
	n := lhs.Len()
	b := array.NewBooleanBuilder(memOf(ec))
	defer b.Release()
	b.Reserve(n)
	hashable := r.cmp.Name == "eq" && !r.all && arrow.TypeEqual(lhs.DataType(), r.cast)
	for i := 0; i < n; i++ {
		res := results[i]
		if res.val.Len() == 0 {
			b.UnsafeAppend(r.all) // ANY of nothing is false, ALL of nothing is true
			continue
		}
		if lhs.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		if hashable {
			if res.set == nil {
				res.set = make(map[string]bool, res.val.Len())
				for j := 0; j < res.val.Len(); j++ {
					if res.val.IsNull(j) {
						res.null = true
					} else {
						res.set[valueKey(res.val, j)] = true
					}
				}
			}
			switch {
			case res.set[valueKey(lhs, i)]:
				b.UnsafeAppend(true)
			case res.null:
				b.UnsafeAppendBoolToBitmap(false)
			default:
				b.UnsafeAppend(false)
			}
			continue
		}
		v, ok, err := r.compareAll(ec, lhs, i, res.val)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(v)
		}
	}
	return b.NewArray(), nil
}

// compareAll evaluates lhs[i] cmp each value; it returns (result, known).
func (r *subqueryRunner) compareAll(ec *functions.EvalContext, lhs arrow.Array, i int, vals arrow.Array) (bool, bool, error) {
	s, err := scalar.GetScalar(lhs, i)
	if err != nil {
		return false, false, err
	}
	m := vals.Len()
	l, err := expr.Broadcast(ec, s, m)
	if err != nil {
		return false, false, err
	}
	defer l.Release()
	call := expr.NewCall(r.cmp, []expr.Expr{&arrayExpr{l}, &arrayExpr{vals}})
	out, err := call.Eval(ec, array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, int64(m)))
	if err != nil {
		return false, false, err
	}
	defer out.Release()
	bools, ok := out.(*array.Boolean)
	if !ok {
		return false, false, sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: comparison returned %s", out.DataType())
	}
	sawNull := false
	for j := 0; j < m; j++ {
		if bools.IsNull(j) {
			sawNull = true
			continue
		}
		if v := bools.Value(j); v != r.all {
			return v, true, nil // ANY: found a true; ALL: found a false
		}
	}
	if sawNull {
		return false, false, nil
	}
	return r.all, true, nil
}

// arrayExpr is a fixed array used as an expression.
type arrayExpr struct{ a arrow.Array }

func (a *arrayExpr) Type() arrow.DataType { return a.a.DataType() }
func (a *arrayExpr) String() string       { return "values" }
func (a *arrayExpr) Eval(*functions.EvalContext, arrow.RecordBatch) (arrow.Array, error) {
	a.a.Retain()
	return a.a, nil
}

// run executes the sub-plan with the slots set.
func (r *subqueryRunner) run(ec *functions.EvalContext) (*subResult, error) {
	ctx := ec.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	env := &executor.Env{Eval: ec, BatchSize: 1024}
	op, err := r.plan.build(env)
	if err != nil {
		return nil, err
	}
	defer op.Close()
	res := &subResult{}
	var parts []arrow.Array
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	rows := 0
	for {
		b, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		nr := int(b.NumRows())
		if nr > 0 {
			if r.kind == subqExists {
				b.Release()
				res.exists = true
				return res, nil
			}
			rows += nr
			if r.kind == subqScalar && rows > 1 {
				b.Release()
				return nil, sqlerr.New(sqlerr.ErrSubqueryNRows, "Subquery returns more than 1 row")
			}
			c := b.Column(0)
			c.Retain()
			parts = append(parts, c)
		}
		b.Release()
	}
	if r.kind == subqExists {
		return res, nil
	}
	if len(parts) == 0 {
		t := r.t
		if r.kind == subqQuantified {
			t = r.cast
		}
		n := 0
		if r.kind == subqScalar {
			n = 1 // no row: NULL
		}
		res.val = array.MakeArrayOfNull(memOf(ec), t, n)
		return res, nil
	}
	v, err := array.Concatenate(parts, memOf(ec))
	if err != nil {
		return nil, err
	}
	if r.kind == subqQuantified && !arrow.TypeEqual(v.DataType(), r.cast) {
		c, err := expr.NewCast(&arrayExpr{v}, r.cast).Eval(ec, array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, int64(v.Len())))
		v.Release()
		if err != nil {
			return nil, err
		}
		v = c
	}
	res.val = v
	return res, nil
}

// valueKey renders row i of a as a map key (NULL distinct from any value).
func valueKey(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "\x00N"
	}
	return "v" + a.ValueStr(i)
}

// concatBatches joins batches into one.
func concatBatches(mem memory.Allocator, schema *arrow.Schema, bs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range bs {
		rows += b.NumRows()
	}
	for j := range cols {
		parts := make([]arrow.Array, len(bs))
		for i, b := range bs {
			parts[i] = b.Column(j)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, done := range cols[:j] {
				done.Release()
			}
			return nil, err
		}
		cols[j] = c
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
