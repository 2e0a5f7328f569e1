package executor

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
)

func eqSorted(t testing.TB, got, want []string) {
	t.Helper()
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	eq(t, got, want)
}

// Left: (k, lv); right: (k, rv). Keys include NULLs and duplicates on both
// sides, and case variants for the string-key tests.
var (
	joinLeft = []string{
		`[{"k":1,"v":"l1"},{"k":2,"v":"l2"},{"k":null,"v":"l3"}]`,
		`[{"k":2,"v":"l4"},{"k":4,"v":"l5"}]`,
	}
	joinRight = []string{
		`[{"k":2,"v":"r1"},{"k":null,"v":"r2"},{"k":3,"v":"r3"}]`,
		`[{"k":2,"v":"r4"},{"k":1,"v":"r5"}]`,
	}
)

func TestHashJoinKinds(t *testing.T) {
	const spec = "k:int64,v:utf8"
	lk := []expr.Expr{col{0, i64}}
	rk := []expr.Expr{col{0, i64}}
	// residual: left.k (col 0) + nothing; use "right v column index 3 != ..."
	// as a condition on values: keep pairs where left k < 2 or right is r4.
	tests := []struct {
		kind     JoinKind
		residual expr.Expr
		right    []string
		want     []string
	}{
		{InnerJoin, nil, joinRight, []string{"1|l1|1|r5", "2|l2|2|r1", "2|l2|2|r4", "2|l4|2|r1", "2|l4|2|r4"}},
		{LeftJoin, nil, joinRight, []string{"1|l1|1|r5", "2|l2|2|r1", "2|l2|2|r4", "2|l4|2|r1", "2|l4|2|r4", "NULL|l3|NULL|NULL", "4|l5|NULL|NULL"}},
		{RightJoin, nil, joinRight, []string{"1|l1|1|r5", "2|l2|2|r1", "2|l2|2|r4", "2|l4|2|r1", "2|l4|2|r4", "NULL|NULL|NULL|r2", "NULL|NULL|3|r3"}},
		{FullJoin, nil, joinRight, []string{"1|l1|1|r5", "2|l2|2|r1", "2|l2|2|r4", "2|l4|2|r1", "2|l4|2|r4", "NULL|l3|NULL|NULL", "4|l5|NULL|NULL", "NULL|NULL|NULL|r2", "NULL|NULL|3|r3"}},
		{SemiJoin, nil, joinRight, []string{"1|l1", "2|l2", "2|l4"}},
		{AntiJoin, nil, joinRight, []string{"NULL|l3", "4|l5"}},
		// NOT IN with a NULL on the build side: nothing.
		{NullAwareAntiJoin, nil, joinRight, nil},
		// NOT IN without NULLs: NULL probe keys are dropped.
		{NullAwareAntiJoin, nil, []string{`[{"k":2,"v":"r1"},{"k":3,"v":"r3"}]`}, []string{"1|l1", "4|l5"}},
		// NOT IN (empty): every row, even NULL keys.
		{NullAwareAntiJoin, nil, []string{`[]`}, []string{"1|l1", "2|l2", "NULL|l3", "2|l4", "4|l5"}},
		{InnerJoin, nil, []string{`[]`}, nil},
		{LeftJoin, nil, nil, []string{"1|l1|NULL|NULL", "2|l2|NULL|NULL", "NULL|l3|NULL|NULL", "2|l4|NULL|NULL", "4|l5|NULL|NULL"}},
		// Residual: left.k < right.k is never true for equal keys, so
		// use left.v index 0 vs right.k index 2: k_left <= 1.
		{InnerJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"1|l1|1|r5"}},
		{LeftJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"1|l1|1|r5", "2|l2|NULL|NULL", "NULL|l3|NULL|NULL", "2|l4|NULL|NULL", "4|l5|NULL|NULL"}},
		{RightJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"1|l1|1|r5", "NULL|NULL|2|r1", "NULL|NULL|NULL|r2", "NULL|NULL|3|r3", "NULL|NULL|2|r4"}},
		{FullJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"1|l1|1|r5", "2|l2|NULL|NULL", "NULL|l3|NULL|NULL", "2|l4|NULL|NULL", "4|l5|NULL|NULL", "NULL|NULL|2|r1", "NULL|NULL|NULL|r2", "NULL|NULL|3|r3", "NULL|NULL|2|r4"}},
		{SemiJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"1|l1"}},
		{AntiJoin, cmpOp{l: 0, r: -1, k: 1, op: "<="}, joinRight, []string{"2|l2", "NULL|l3", "2|l4", "4|l5"}},
	}
	for i, tt := range tests {
		for _, bs := range []int{1, 3, 4096} {
			for _, constHash := range []bool{false, true} {
				t.Run(fmt.Sprintf("%d-%s/bs=%d/consthash=%v", i, tt.kind, bs, constHash), func(t *testing.T) {
					testConstHash = constHash
					defer func() { testConstHash = false }()
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					mk := func() Operator {
						return NewHashJoin(testEnv(mem, bs), values(t, mem, spec, joinLeft...), values(t, mem, spec, tt.right...), tt.kind, lk, rk, tt.residual)
					}
					op := mk()
					wantCols := 4
					if tt.kind.leftOnly() {
						wantCols = 2
					}
					if op.Schema().NumFields() != wantCols {
						t.Fatalf("schema %v", op.Schema())
					}
					eqSorted(t, run(t, op), tt.want)
					partial(t, mk())
				})
			}
		}
	}
}

func TestHashJoinStringAndMultiKeys(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// String keys match case-insensitively; NULL strings never match.
	l := values(t, mem, "s:utf8,n:int64", `[{"s":"Apple","n":1},{"s":null,"n":1},{"s":"pear","n":2},{"s":"apple","n":2}]`)
	r := values(t, mem, "s:large_utf8,n:int64", `[{"s":"APPLE","n":1},{"s":null,"n":1},{"s":"apple","n":2}]`)
	op := NewHashJoin(testEnv(mem, 0), l, r, InnerJoin,
		[]expr.Expr{col{0, str}, col{1, i64}}, []expr.Expr{col{0, arrow.BinaryTypes.LargeString}, col{1, i64}}, nil)
	eqSorted(t, run(t, op), []string{"Apple|1|APPLE|1", "apple|2|apple|2"})

	// Mismatched key types are a clear error, not a silent non-match.
	l = values(t, mem, "s:utf8,n:int64", `[{"s":"a","n":1}]`)
	r = values(t, mem, "s:utf8,n:float64", `[{"s":"a","n":1}]`)
	_, err := runErr(NewHashJoin(testEnv(mem, 0), l, r, InnerJoin, []expr.Expr{col{1, i64}}, []expr.Expr{col{1, arrow.PrimitiveTypes.Float64}}, nil))
	if err == nil || !strings.Contains(err.Error(), "cannot compare") {
		t.Fatalf("want key type error, got %v", err)
	}
}

func TestNestedLoopJoin(t *testing.T) {
	const spec = "k:int64,v:utf8"
	// cond: left.k < right.k (columns 0 and 2).
	lt := cmpOp{l: 0, r: 2, op: "<"}
	tests := []struct {
		kind  JoinKind
		cond  expr.Expr
		right []string
		want  []string
	}{
		{CrossJoin, nil, []string{`[{"k":7,"v":"r"}]`, `[{"k":null,"v":"s"}]`},
			[]string{"1|l1|7|r", "2|l2|7|r", "NULL|l3|7|r", "2|l4|7|r", "4|l5|7|r", "1|l1|NULL|s", "2|l2|NULL|s", "NULL|l3|NULL|s", "2|l4|NULL|s", "4|l5|NULL|s"}},
		{InnerJoin, lt, joinRight, []string{"1|l1|2|r1", "1|l1|3|r3", "1|l1|2|r4", "2|l2|3|r3", "2|l4|3|r3"}},
		{LeftJoin, lt, joinRight, []string{"1|l1|2|r1", "1|l1|3|r3", "1|l1|2|r4", "2|l2|3|r3", "2|l4|3|r3", "NULL|l3|NULL|NULL", "4|l5|NULL|NULL"}},
		{RightJoin, lt, joinRight, []string{"1|l1|2|r1", "1|l1|3|r3", "1|l1|2|r4", "2|l2|3|r3", "2|l4|3|r3", "NULL|NULL|NULL|r2", "NULL|NULL|1|r5"}},
		{SemiJoin, lt, joinRight, []string{"1|l1", "2|l2", "2|l4"}},
		{AntiJoin, lt, joinRight, []string{"NULL|l3", "4|l5"}},
		// NOT IN via a condition: a NULL comparison drops the row.
		{NullAwareAntiJoin, cmpOp{l: 0, r: 2, op: "="}, []string{`[{"k":2,"v":"r"}]`}, []string{"1|l1", "4|l5"}},
		{NullAwareAntiJoin, cmpOp{l: 0, r: 2, op: "="}, []string{`[{"k":2,"v":"r"},{"k":null,"v":"s"}]`}, nil},
		{NullAwareAntiJoin, cmpOp{l: 0, r: 2, op: "="}, []string{`[]`}, []string{"1|l1", "2|l2", "NULL|l3", "2|l4", "4|l5"}},
	}
	for i, tt := range tests {
		for _, bs := range []int{1, 2, 4096} {
			t.Run(fmt.Sprintf("%d-%s/bs=%d", i, tt.kind, bs), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				mk := func() Operator {
					return NewNestedLoopJoin(testEnv(mem, bs), values(t, mem, spec, joinLeft...), values(t, mem, spec, tt.right...), tt.kind, tt.cond)
				}
				eqSorted(t, run(t, mk()), tt.want)
				partial(t, mk())
			})
		}
	}
}

func TestJoinEmptySidesStringKeys(t *testing.T) {
	// Empty inputs of every shape: no batches at all, string keys.
	for _, kind := range []JoinKind{InnerJoin, LeftJoin, RightJoin, FullJoin, SemiJoin, AntiJoin, NullAwareAntiJoin} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		k := []expr.Expr{col{0, str}}
		got := run(t, NewHashJoin(testEnv(mem, 0), values(t, mem, "s:utf8", `[{"s":"a"},{"s":null}]`), values(t, mem, "s:utf8"), kind, k, k, nil))
		want := map[JoinKind]int{LeftJoin: 2, FullJoin: 2, AntiJoin: 2, NullAwareAntiJoin: 2}[kind]
		if len(got) != want {
			t.Fatalf("%s with empty right: %v", kind, got)
		}
		got = run(t, NewHashJoin(testEnv(mem, 0), values(t, mem, "s:utf8"), values(t, mem, "s:utf8", `[{"s":"a"},{"s":null}]`), kind, k, k, nil))
		want = map[JoinKind]int{RightJoin: 2, FullJoin: 2}[kind]
		if len(got) != want {
			t.Fatalf("%s with empty left: %v", kind, got)
		}
		mem.AssertSize(t, 0)
	}
}
