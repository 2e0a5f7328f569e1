package executor

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSetOps(t *testing.T) {
	const spec = "a:int64,b:utf8"
	// Left has (1,x) three times (once as X), NULL rows twice; right has
	// (1,x) once, (NULL,NULL) once, and a right-only row.
	left := []string{
		`[{"a":1,"b":"x"},{"a":null,"b":null},{"a":1,"b":"X"},{"a":2,"b":"y"}]`,
		`[{"a":null,"b":null},{"a":1,"b":"x"},{"a":3,"b":null}]`,
	}
	right := []string{`[{"c":1,"d":"x"},{"c":null,"d":null}]`, `[{"c":9,"d":"z"}]`}
	tests := []struct {
		kind SetOpKind
		all  bool
		want []string
	}{
		{Union, false, []string{"1|x", "NULL|NULL", "2|y", "3|NULL", "9|z"}},
		{Union, true, []string{"1|x", "NULL|NULL", "1|X", "2|y", "NULL|NULL", "1|x", "3|NULL", "1|x", "NULL|NULL", "9|z"}},
		{Except, false, []string{"2|y", "3|NULL"}},
		{Except, true, []string{"1|X", "2|y", "NULL|NULL", "1|x", "3|NULL"}},
		{Intersect, false, []string{"1|x", "NULL|NULL"}},
		{Intersect, true, []string{"1|x", "NULL|NULL"}},
	}
	for _, tt := range tests {
		for _, constHash := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/all=%v/consthash=%v", tt.kind, tt.all, constHash), func(t *testing.T) {
				testConstHash = constHash
				defer func() { testConstHash = false }()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				mk := func() Operator {
					return NewSetOp(testEnv(mem, 0), tt.kind, tt.all, values(t, mem, spec, left...), values(t, mem, "c:int64,d:utf8", right...))
				}
				op := mk()
				if op.Schema().Field(0).Name != "a" {
					t.Fatalf("set op must use the left schema, got %v", op.Schema())
				}
				eq(t, run(t, op), tt.want)
				partial(t, mk())
			})
		}
	}
}

func TestSetOpAllCounts(t *testing.T) {
	// 3 copies on the left, 2 on the right: EXCEPT ALL keeps 1, INTERSECT ALL 2.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	l := `[{"a":5,"b":"q"},{"a":5,"b":"q"},{"a":5,"b":"q"}]`
	r := `[{"a":5,"b":"q"},{"a":5,"b":"q"}]`
	eq(t, run(t, NewSetOp(testEnv(mem, 0), Except, true, values(t, mem, "a:int64,b:utf8", l), values(t, mem, "a:int64,b:utf8", r))), []string{"5|q"})
	eq(t, run(t, NewSetOp(testEnv(mem, 0), Intersect, true, values(t, mem, "a:int64,b:utf8", l), values(t, mem, "a:int64,b:utf8", r))), []string{"5|q", "5|q"})
	eq(t, run(t, NewSetOp(testEnv(mem, 0), Intersect, false, values(t, mem, "a:int64,b:utf8", l), values(t, mem, "a:int64,b:utf8", `[]`))), nil)
	eq(t, run(t, NewSetOp(testEnv(mem, 0), Except, false, values(t, mem, "a:int64,b:utf8", l), values(t, mem, "a:int64,b:utf8", `[]`))), []string{"5|q"})
}
