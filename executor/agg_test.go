package executor

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
)

// sumAcc sums int64 per group (NULL when a group saw no non-NULL value);
// with no args it counts rows (COUNT(*)).
type sumAcc struct {
	count bool
	sums  []int64
	seen  []bool
}

func (s *sumAcc) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	for len(s.sums) < ngroups {
		s.sums = append(s.sums, 0)
		s.seen = append(s.seen, false)
	}
	if s.count {
		for _, g := range groups {
			s.sums[g]++
			s.seen[g] = true
		}
		return nil
	}
	a := args[0].(*array.Int64)
	for i, g := range groups {
		if a.IsValid(i) {
			s.sums[g] += a.Value(i)
			s.seen[g] = true
		}
	}
	return nil
}

func (s *sumAcc) Finish(mem memory.Allocator, ngroups int) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		switch {
		case g < len(s.sums) && (s.seen[g] || s.count):
			b.Append(s.sums[g])
		case s.count:
			b.Append(0)
		default:
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

func (s *sumAcc) Release() {}

func sumCall(name string, args ...expr.Expr) AggregateCall {
	count := len(args) == 0
	return AggregateCall{Name: name, Args: args, Fn: &functions.BoundAggregate{
		Name: name, ReturnType: arrow.PrimitiveTypes.Int64,
		New: func(memory.Allocator, functions.AggOptions) (functions.Accumulator, error) {
			return &sumAcc{count: count}, nil
		}}}
}

var (
	i64 = arrow.PrimitiveTypes.Int64
	str = arrow.BinaryTypes.String
)

func TestHashAggregate(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		batches []string
		groupBy []expr.Expr
		aggs    []AggregateCall
		want    []string
	}{
		{"no group-by empty input", "a:int64,b:utf8", nil, nil,
			[]AggregateCall{sumCall("n"), sumCall("s", col{0, i64})}, []string{"0|NULL"}},
		{"no group-by", "a:int64,b:utf8", []string{abRows1, abRows2}, nil,
			[]AggregateCall{sumCall("n"), sumCall("s", col{0, i64})}, []string{"5|13"}},
		{"group-by empty input", "a:int64,b:utf8", []string{`[]`}, []expr.Expr{col{1, str}},
			[]AggregateCall{sumCall("n")}, nil},
		{"null group and case folding", "a:int64,b:utf8",
			[]string{`[{"a":1,"b":"x"},{"a":2,"b":null},{"a":3,"b":"X"}]`, `[{"a":4,"b":null},{"a":null,"b":"y"},{"a":6,"b":"x"}]`},
			[]expr.Expr{col{1, str}}, []AggregateCall{sumCall("n"), sumCall("s", col{0, i64})},
			[]string{"x|3|10", "NULL|2|6", "y|1|NULL"}},
		{"two keys", "a:int64,b:utf8",
			[]string{`[{"a":1,"b":"x"},{"a":1,"b":"y"},{"a":1,"b":"x"},{"a":null,"b":"x"},{"a":null,"b":"x"}]`},
			[]expr.Expr{col{0, i64}, col{1, str}}, []AggregateCall{sumCall("n")},
			[]string{"1|x|2", "1|y|1", "NULL|x|2"}},
		{"keys only", "a:int64,b:utf8", []string{abRows1, abRows1},
			[]expr.Expr{col{0, i64}}, nil, []string{"1", "NULL", "3"}},
	}
	for _, constHash := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/consthash=%v", tt.name, constHash), func(t *testing.T) {
				testConstHash = constHash
				defer func() { testConstHash = false }()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				op := NewHashAggregate(testEnv(mem, 2), values(t, mem, tt.spec, tt.batches...), tt.groupBy, nil, tt.aggs)
				eq(t, run(t, op), tt.want)
				op = NewHashAggregate(testEnv(mem, 1), values(t, mem, tt.spec, tt.batches...), tt.groupBy, nil, tt.aggs)
				partial(t, op)
			})
		}
	}
}

func TestGroupKeyTypes(t *testing.T) {
	// Every supported key type groups equal values together and keeps NULL
	// as its own group.
	tests := []struct {
		spec string
		rows string
		want []string
	}{
		{"k:int8", `[{"k":1},{"k":-1},{"k":1},{"k":null}]`, []string{"1|2", "-1|1", "NULL|1"}},
		{"k:uint16", `[{"k":1},{"k":65535},{"k":65535},{"k":null}]`, []string{"1|1", "65535|2", "NULL|1"}},
		{"k:float64", `[{"k":0.0},{"k":-0.0},{"k":1.5},{"k":null}]`, []string{"0|2", "1.5|1", "NULL|1"}},
		{"k:float32", `[{"k":2.5},{"k":2.5},{"k":null}]`, []string{"2.5|2", "NULL|1"}},
		{"k:bool", `[{"k":true},{"k":false},{"k":true},{"k":null}]`, []string{"true|2", "false|1", "NULL|1"}},
		{"k:dec", `[{"k":"1.10"},{"k":"1.1"},{"k":"-2.00"},{"k":null}]`, []string{"1.1|2", "-2|1", "NULL|1"}},
		{"k:date32", `[{"k":"2024-01-02"},{"k":"2024-01-02"},{"k":null}]`, []string{"2024-01-02|2", "NULL|1"}},
		{"k:ts", `[{"k":1000},{"k":1001},{"k":1000}]`, []string{"1970-01-01T00:00:00.001Z|2", "1970-01-01T00:00:00.001001Z|1"}},
		{"k:large_utf8", `[{"k":"Straße"},{"k":"STRASSE"},{"k":"straße"},{"k":"Ǆ"},{"k":"ǆ"}]`, []string{"Straße|2", "STRASSE|1", "Ǆ|2"}},
		{"k:utf8", `[{"k":"K"},{"k":"\u212a"},{"k":"k"},{"k":""},{"k":null},{"k":""}]`, []string{"K|3", "|2", "NULL|1"}},
		{"k:binary", `[{"k":"YQ=="},{"k":"QQ=="},{"k":"YQ=="}]`, []string{"YQ==|2", "QQ==|1"}},
		{"k:null", `[{"k":null},{"k":null}]`, []string{"NULL|2"}},
		{"k:vec", `[{"k":[1,2]},{"k":[1,2]},{"k":[2,1]},{"k":null}]`, []string{"[1,2]|2", "[2,1]|1", "NULL|1"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := schemaOf(tt.spec)
			op := NewHashAggregate(testEnv(mem, 0), values(t, mem, tt.spec, tt.rows), []expr.Expr{col{0, s.Field(0).Type}}, []string{"k"}, []AggregateCall{sumCall("n")})
			eq(t, run(t, op), tt.want)
		})
	}
}

func TestDistinct(t *testing.T) {
	for _, constHash := range []bool{false, true} {
		testConstHash = constHash
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		op := NewDistinct(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8",
			`[{"a":1,"b":"x"},{"a":1,"b":"X"},{"a":null,"b":null},{"a":2,"b":"x"}]`,
			`[{"a":null,"b":null},{"a":1,"b":"x"}]`, `[{"a":3,"b":null}]`))
		eq(t, run(t, op), []string{"1|x", "NULL|NULL", "2|x", "3|NULL"})
		partial(t, NewDistinct(testEnv(mem, 0), values(t, mem, "a:int64,b:utf8", abRows1, abRows2)))
		mem.AssertSize(t, 0)
	}
	testConstHash = false
}

func TestGroupTableManyGroups(t *testing.T) {
	// Enough distinct keys to force several table resizes, across batches.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	g := newGroupTable([]arrow.DataType{i64})
	const n = 10000
	out := make([]uint32, n)
	for round := 0; round < 2; round++ {
		b := array.NewInt64Builder(mem)
		for i := 0; i < n; i++ {
			b.Append(int64(i % 5000))
		}
		a := b.NewArray()
		b.Release()
		newRows := g.insert([]arrow.Array{a}, out, false)
		a.Release()
		if round == 0 && len(newRows) != 5000 || round == 1 && len(newRows) != 0 {
			t.Fatalf("round %d: %d new groups", round, len(newRows))
		}
		for i := 0; i < n; i++ {
			if out[i] != uint32(i%5000) {
				t.Fatalf("row %d got group %d", i, out[i])
			}
		}
	}
}
