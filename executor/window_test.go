package executor

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

var builtins = functions.NewBuiltinRegistry()

func winAgg(t testing.TB, name string, frame WindowFrame, args ...expr.Expr) WindowCall {
	t.Helper()
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.Type()
	}
	fn, err := builtins.ResolveAggregate(name, types, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if i < len(fn.ArgTypes) && fn.ArgTypes[i] != nil && !arrow.TypeEqual(a.Type(), fn.ArgTypes[i]) {
			args[i] = expr.NewCast(a, fn.ArgTypes[i]) // as the planner does
		}
	}
	return WindowCall{Kind: WinAggregate, Agg: fn, Args: args, Frame: frame, Type: fn.ReturnType, Name: name}
}

var (
	f64        = arrow.PrimitiveTypes.Float64
	wholeFrame = WindowFrame{Unit: FrameRange, Start: FrameBound{Kind: UnboundedPreceding}, End: FrameBound{Kind: UnboundedFollowing}}
	cumulFrame = WindowFrame{Unit: FrameRange, Start: FrameBound{Kind: UnboundedPreceding}, End: FrameBound{Kind: CurrentRow}}
	rowsFrame  = func(p, f int64) WindowFrame {
		return WindowFrame{Unit: FrameRows, Start: FrameBound{Kind: OffsetPreceding, N: p}, End: FrameBound{Kind: OffsetFollowing, N: f}}
	}
	rangeFrameV = func(p, f float64) WindowFrame {
		return WindowFrame{Unit: FrameRange, Start: FrameBound{Kind: OffsetPreceding, V: p}, End: FrameBound{Kind: OffsetFollowing, V: f}}
	}
)

// winRows are the test input: (g group, o order key, v value, s string),
// in two batches so the operator has to concatenate.
const winSpec = "g:utf8,o:int64,v:int64,s:utf8"

var winBatches = []string{
	`[{"g":"a","o":3,"v":10,"s":"x"},{"g":"b","o":1,"v":null,"s":"y"},{"g":"A","o":1,"v":5,"s":"Z"}]`,
	`[{"g":"a","o":null,"v":7,"s":"w"},{"g":"b","o":2,"v":4,"s":null},{"g":"a","o":3,"v":1,"s":"b"}]`,
}

func TestWindow(t *testing.T) {
	g, o, v, s := col{0, str}, col{1, i64}, col{2, i64}, col{3, str}
	byG := []expr.Expr{g}
	byO := []SortKey{{Expr: o, NullsFirst: true}}
	desc := []SortKey{{Expr: o, Desc: true}}
	tests := []struct {
		name  string
		part  []expr.Expr
		order []SortKey
		calls []WindowCall
		want  []string // g|o|v|s|results…, in the operator's output order
	}{
		{"ranking: partitions fold case, NULL first, ties share a rank", byG, byO, []WindowCall{
			{Kind: WinRowNumber, Type: i64, Name: "rn"}, {Kind: WinRank, Type: i64, Name: "r"},
			{Kind: WinDenseRank, Type: i64, Name: "d"}, {Kind: WinPercentRank, Type: f64, Name: "pr"},
			{Kind: WinCumeDist, Type: f64, Name: "cd"}},
			[]string{
				"a|NULL|7|w|1|1|1|0|0.25", "A|1|5|Z|2|2|2|0.3333333333333333|0.5",
				"a|3|10|x|3|3|3|0.6666666666666666|1", "a|3|1|b|4|3|3|0.6666666666666666|1",
				"b|1|NULL|y|1|1|1|0|0.5", "b|2|4|NULL|2|2|2|1|1"}},
		{"running sum includes peers; count skips NULLs", byG, byO, []WindowCall{
			winAgg(t, "sum", cumulFrame, v), winAgg(t, "count", cumulFrame, v), winAgg(t, "avg", wholeFrame, v)},
			[]string{
				"a|NULL|7|w|7|1|5.75", "A|1|5|Z|12|2|5.75", "a|3|10|x|23|4|5.75", "a|3|1|b|23|4|5.75",
				"b|1|NULL|y|NULL|0|4", "b|2|4|NULL|4|1|4"}},
		{"descending order puts NULL last", nil, desc, []WindowCall{
			{Kind: WinRank, Type: i64, Name: "r"}, winAgg(t, "max", cumulFrame, s)},
			[]string{"a|3|10|x|1|x", "a|3|1|b|1|x", "b|2|4|NULL|3|x", "b|1|NULL|y|4|Z", "A|1|5|Z|4|Z", "a|NULL|7|w|6|Z"}},
		{"lag and lead with default stay in the partition", byG, byO, []WindowCall{
			{Kind: WinLag, N: 1, Args: []expr.Expr{v}, Type: i64, Name: "lag"},
			{Kind: WinLead, N: 2, Args: []expr.Expr{v, &expr.Literal{Value: scalar.NewInt64Scalar(-1)}}, Type: i64, Name: "lead"},
			{Kind: WinLag, N: 100, Args: []expr.Expr{v}, Type: i64, Name: "far"}},
			[]string{
				"a|NULL|7|w|NULL|10|NULL", "A|1|5|Z|7|1|NULL", "a|3|10|x|5|-1|NULL", "a|3|1|b|10|-1|NULL",
				"b|1|NULL|y|NULL|-1|NULL", "b|2|4|NULL|NULL|-1|NULL"}},
		{"value functions over ROWS frames; ntile with more buckets than rows", byG, byO, []WindowCall{
			{Kind: WinFirstValue, Args: []expr.Expr{v}, Frame: rowsFrame(1, 0), Type: i64, Name: "fv"},
			{Kind: WinLastValue, Args: []expr.Expr{s}, Frame: rowsFrame(0, 1), Type: str, Name: "lv"},
			{Kind: WinNthValue, N: 2, Args: []expr.Expr{v}, Frame: wholeFrame, Type: i64, Name: "nv"},
			{Kind: WinNtile, N: 3, Type: i64, Name: "nt"}},
			[]string{
				"a|NULL|7|w|7|Z|5|1", "A|1|5|Z|7|x|5|1", "a|3|10|x|5|b|5|2", "a|3|1|b|10|b|5|3",
				"b|1|NULL|y|NULL|NULL|4|1", "b|2|4|NULL|NULL|NULL|4|2"}},
		{"sliding min over strings and an empty frame", nil, []SortKey{{Expr: v, NullsFirst: true}}, []WindowCall{
			winAgg(t, "min", rowsFrame(1, 1), s),
			winAgg(t, "sum", WindowFrame{Unit: FrameRows, Start: FrameBound{Kind: OffsetFollowing, N: 1}, End: FrameBound{Kind: OffsetPreceding, N: 1}}, v)},
			[]string{"b|1|NULL|y|b|NULL", "a|3|1|b|b|NULL", "b|2|4|NULL|b|NULL", "A|1|5|Z|w|NULL", "a|NULL|7|w|w|NULL", "a|3|10|x|w|NULL"}},
		{"RANGE offset frames on the order key", nil, []SortKey{{Expr: v, NullsFirst: true}}, []WindowCall{
			winAgg(t, "sum", rangeFrameV(3, 0), v), winAgg(t, "count", rangeFrameV(0, 2), s)},
			[]string{"b|1|NULL|y|NULL|1", "a|3|1|b|1|1", "b|2|4|NULL|5|1", "A|1|5|Z|9|2", "a|NULL|7|w|16|1", "a|3|10|x|17|1"}},
		{"other aggregates through their accumulators", byG, byO, []WindowCall{
			winAgg(t, "bit_or", cumulFrame, v), winAgg(t, "var_pop", rowsFrame(0, 1), v)},
			[]string{
				"a|NULL|7|w|7|1", "A|1|5|Z|7|6.25", "a|3|10|x|15|20.25", "a|3|1|b|15|0",
				"b|1|NULL|y|0|0", "b|2|4|NULL|4|0"}},
		{"RANGE offsets descending", nil, []SortKey{{Expr: v, Desc: true}}, []WindowCall{
			winAgg(t, "sum", rangeFrameV(3, 0), v)},
			[]string{"a|3|10|x|10", "a|NULL|7|w|17", "A|1|5|Z|12", "b|2|4|NULL|16", "a|3|1|b|5", "b|1|NULL|y|NULL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			op := NewWindow(testEnv(mem, 4), values(t, mem, winSpec, winBatches...), tt.part, tt.order, tt.calls)
			eq(t, run(t, op), tt.want)
			partial(t, NewWindow(testEnv(mem, 1), values(t, mem, winSpec, winBatches...), tt.part, tt.order, tt.calls))
		})
	}
}

func TestWindowEmptyAndErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	v := col{2, i64}
	op := NewWindow(testEnv(mem, 4), values(t, mem, winSpec, `[]`), nil, []SortKey{{Expr: v}}, []WindowCall{winAgg(t, "sum", cumulFrame, v)})
	eq(t, run(t, op), nil)
	if op.Schema().NumFields() != 5 {
		t.Fatalf("schema %s", op.Schema())
	}

	// A panicking argument is an error, not a crash, and nothing leaks.
	op = NewWindow(testEnv(mem, 4), values(t, mem, winSpec, winBatches...), nil, nil,
		[]WindowCall{{Kind: WinFirstValue, Args: []expr.Expr{panicExpr{}}, Frame: wholeFrame, Type: arrow.FixedWidthTypes.Boolean, Name: "p"}})
	if _, err := runErr(op); err == nil {
		t.Fatal("want an error from the panicking argument")
	}
	op.Close()

	// Cancellation is MySQL's "Query execution was interrupted".
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	op = NewWindow(testEnv(mem, 4), values(t, mem, winSpec, winBatches...), nil, nil, []WindowCall{{Kind: WinRowNumber, Type: i64, Name: "rn"}})
	if _, err := op.Next(ctx); sqlerr.Wrap(err).Code != sqlerr.ErrQueryCanceled {
		t.Fatalf("want error 1317, got %v", err)
	}
	op.Close()

	// A RANGE offset frame needs an ORDER BY key.
	op = NewWindow(testEnv(mem, 4), values(t, mem, winSpec, winBatches...), nil, nil, []WindowCall{winAgg(t, "sum", rangeFrameV(1, 1), v)})
	_, err := runErr(op)
	if e := sqlerr.Wrap(err); err == nil || e.Code != 3587 {
		t.Fatalf("want error 3587, got %v", err)
	}
	op.Close()
}

// TestWindowFramesAgainstNaive compares SUM, COUNT, MIN and MAX over
// random data and frames (long ones too, which take the subtraction path
// for DOUBLE) with a direct computation of each frame.
func TestWindowFramesAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const n = 700
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "p", Type: i64, Nullable: true}, {Name: "o", Type: i64, Nullable: true}, {Name: "f", Type: f64, Nullable: true}}, nil)
	pb, ob, fb := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
	type row struct {
		p, o  int64
		oNull bool
		f     float64
		fNull bool
	}
	data := make([]row, n)
	for i := range data {
		r := row{p: int64(rng.Intn(3)), o: int64(rng.Intn(40)), f: float64(rng.Intn(1000)) / 8, oNull: rng.Intn(20) == 0, fNull: rng.Intn(10) == 0}
		data[i] = r
		pb.Append(r.p)
		if r.oNull {
			ob.AppendNull()
		} else {
			ob.Append(r.o)
		}
		if r.fNull {
			fb.AppendNull()
		} else {
			fb.Append(r.f)
		}
	}
	cols := []arrow.Array{pb.NewArray(), ob.NewArray(), fb.NewArray()}
	pb.Release()
	ob.Release()
	fb.Release()
	batch := array.NewRecordBatch(schema, cols, n)
	releaseArrays(cols)
	defer batch.Release()

	// sorted order: by p, then o (NULLs first), then arrival (the sort is stable)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := data[a], data[b]
		if x.p != y.p {
			return int(x.p - y.p)
		}
		if x.oNull != y.oNull {
			if x.oNull {
				return -1
			}
			return 1
		}
		if x.oNull {
			return 0
		}
		return int(x.o - y.o)
	})
	frames := []WindowFrame{cumulFrame, wholeFrame, rowsFrame(2, 3), rowsFrame(100, 0), rowsFrame(0, 150), rangeFrameV(5, 2),
		{Unit: FrameRows, Start: FrameBound{Kind: UnboundedPreceding}, End: FrameBound{Kind: OffsetPreceding, N: 1}}}
	for _, fr := range frames {
		t.Run(fr.String(), func(t *testing.T) {
			f := col{2, f64}
			calls := []WindowCall{winAgg(t, "sum", fr, f), winAgg(t, "count", fr, f), winAgg(t, "min", fr, f), winAgg(t, "max", fr, f)}
			batch.Retain()
			op := NewWindow(testEnv(mem, 128), NewValues(schema, []arrow.RecordBatch{batch}), []expr.Expr{col{0, i64}}, []SortKey{{Expr: col{1, i64}, NullsFirst: true}}, calls)
			got := run(t, op)
			for pos, idx := range order {
				want := naiveFrame(data[idx].p, pos, order, fr, func(i int) (p int64, o int64, oNull bool, f float64, fNull bool) {
					r := data[i]
					return r.p, r.o, r.oNull, r.f, r.fNull
				})
				if got[pos] != fmt.Sprintf("%s|%s", rowPrefix(data[idx].p, data[idx].o, data[idx].oNull, data[idx].f, data[idx].fNull), want) {
					t.Fatalf("row %d (input %d): got %s, want …|%s", pos, idx, got[pos], want)
				}
			}
		})
	}
}

func rowPrefix(p, o int64, oNull bool, f float64, fNull bool) string {
	os, fs := strconv.FormatInt(o, 10), strconv.FormatFloat(f, 'g', -1, 64)
	if oNull {
		os = "NULL"
	}
	if fNull {
		fs = "NULL"
	}
	return fmt.Sprintf("%d|%s|%s", p, os, fs)
}

// naiveFrame computes sum|count|min|max of the frame of sorted position pos
// by scanning the partition.
func naiveFrame(p int64, pos int, order []int, fr WindowFrame, get func(int) (int64, int64, bool, float64, bool)) string {
	var members []int // sorted positions of the partition
	for q, idx := range order {
		if pp, _, _, _, _ := get(idx); pp == p {
			members = append(members, q)
		}
	}
	me := slices.Index(members, pos)
	_, myO, myNull, _, _ := get(order[pos])
	in := func(k int) bool {
		_, o, oNull, _, _ := get(order[members[k]])
		peer := oNull == myNull && (oNull || o == myO)
		check := func(b FrameBound, start bool) bool {
			switch b.Kind {
			case UnboundedPreceding, UnboundedFollowing:
				return true
			case CurrentRow:
				if fr.Unit == FrameRows {
					return (start && k >= me) || (!start && k <= me)
				}
				return peer || (start && k > me) || (!start && k < me)
			}
			if fr.Unit == FrameRows {
				off := int(b.N)
				if b.Kind == OffsetPreceding {
					off = -off
				}
				return (start && k >= me+off) || (!start && k <= me+off)
			}
			if myNull || oNull {
				return peer
			}
			lim := float64(myO) + b.V
			if b.Kind == OffsetPreceding {
				lim = float64(myO) - b.V
			}
			return (start && float64(o) >= lim) || (!start && float64(o) <= lim)
		}
		return check(fr.Start, true) && check(fr.End, false)
	}
	var sum float64
	var cnt int
	var mn, mx float64
	for k := range members {
		if !in(k) {
			continue
		}
		_, _, _, f, fNull := get(order[members[k]])
		if fNull {
			continue
		}
		if cnt == 0 || f < mn {
			mn = f
		}
		if cnt == 0 || f > mx {
			mx = f
		}
		sum += f
		cnt++
	}
	if cnt == 0 {
		return "NULL|0|NULL|NULL"
	}
	fmtF := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return fmt.Sprintf("%s|%d|%s|%s", fmtF(sum), cnt, fmtF(mn), fmtF(mx))
}

func TestRecursiveCTE(t *testing.T) {
	schema := schemaOf("n:int64")
	// step: n+1 (or n%3+1 when cycling) for every work row with n < limit
	stepOf := func(mem memory.Allocator, limit int64, cycle bool) RecursiveStep {
		return func(work []arrow.RecordBatch) (Operator, error) {
			b := array.NewInt64Builder(mem)
			defer b.Release()
			for _, w := range work {
				for _, x := range w.Column(0).(*array.Int64).Int64Values() {
					switch {
					case cycle:
						b.Append(x%3 + 1)
					case x < limit:
						b.Append(x + 1)
					}
				}
			}
			a := b.NewArray()
			defer a.Release()
			return NewValues(schema, []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{a}, int64(a.Len()))}), nil
		}
	}
	tests := []struct {
		name     string
		anchor   string
		limit    int64
		cycle    bool
		distinct bool
		maxDepth int
		want     int // rows; -1: error 3636
	}{
		{"series", `[{"n":1},{"n":1}]`, 5, false, false, 100, 10},
		{"union drops repeats", `[{"n":1},{"n":1}]`, 5, false, true, 100, 5},
		{"cycle ends under UNION", `[{"n":1}]`, 0, true, true, 100, 3},
		{"cycle under UNION ALL hits the limit", `[{"n":1}]`, 0, true, false, 50, -1},
		// MySQL's own test: 1000 iterations pass, a 1001st with rows fails
		{"the last iteration within the limit adds nothing", `[{"n":1}]`, 10, false, false, 10, 10},
		{"one more iteration with rows", `[{"n":1}]`, 11, false, false, 10, -1},
		{"empty anchor", `[]`, 5, false, false, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			op := NewRecursiveCTE(testEnv(mem, 4), schema, values(t, mem, "n:int64", tt.anchor), stepOf(mem, tt.limit, tt.cycle), tt.distinct, tt.maxDepth)
			got, err := runErr(op)
			op.Close()
			if tt.want < 0 {
				if e := sqlerr.Wrap(err); err == nil || e.Code != ErrRecursionDepth {
					t.Fatalf("want error 3636, got %v", err)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d rows (%v), err %v; want %d", len(got), got, err, tt.want)
			}
			partial(t, NewRecursiveCTE(testEnv(mem, 1), schema, values(t, mem, "n:int64", tt.anchor), stepOf(mem, tt.limit, tt.cycle), tt.distinct, tt.maxDepth))
		})
	}
}

// BenchmarkWindow: ROW_NUMBER and a running SUM per partition over 1M rows
// (k has 1000 distinct values, v is the running-sum argument).
func BenchmarkWindow(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 1 << 20
	schema, batches := benchInput(mem, n, 1000)
	defer releaseBatches(batches)
	part := []expr.Expr{col{0, i64}}
	order := []SortKey{{Expr: col{1, f64}, NullsFirst: true}}
	for _, c := range []struct {
		name string
		call WindowCall
	}{
		{"row_number", WindowCall{Kind: WinRowNumber, Type: i64, Name: "rn"}},
		{"running_sum", winAgg(b, "sum", cumulFrame, col{1, f64})},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				op := NewWindow(testEnv(mem, 4096), replay(schema, batches), part, order, []WindowCall{c.call})
				if got := drainCount(b, op); got != n {
					b.Fatalf("%d rows", got)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestWindowOrderMatchesSort: the radix passes order rows exactly as the
// comparison sort does (stable, NULL placement, DESC, negative floats).
func TestWindowOrderMatchesSort(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewSource(11))
	schema := schemaOf("a:int64,b:float64,c:date32")
	for round := 0; round < 20; round++ {
		n := 1 + rng.Intn(600)
		ab, bb, cb := array.NewInt64Builder(mem), array.NewFloat64Builder(mem), array.NewDate32Builder(mem)
		for i := 0; i < n; i++ {
			if rng.Intn(7) == 0 {
				ab.AppendNull()
			} else {
				ab.Append(int64(rng.Intn(9) - 4))
			}
			if rng.Intn(5) == 0 {
				bb.AppendNull()
			} else {
				bb.Append(float64(rng.Intn(11)-5) / 2)
			}
			cb.Append(arrow.Date32(rng.Intn(4)))
		}
		cols := []arrow.Array{ab.NewArray(), bb.NewArray(), cb.NewArray()}
		ab.Release()
		bb.Release()
		cb.Release()
		rec := array.NewRecordBatch(schema, cols, int64(n))
		releaseArrays(cols)
		first := rng.Intn(3) // the leading key is any of the three columns
		keys := []SortKey{
			{Expr: col{first, schema.Field(first).Type}, Desc: rng.Intn(2) == 0},
			{Expr: col{1, f64}, Desc: rng.Intn(2) == 0},
			{Expr: col{2, schema.Field(2).Type}},
		}
		for i := range keys {
			keys[i].NullsFirst = !keys[i].Desc
		}
		env := testEnv(mem, 64)
		want, err := sortedIndices(env, context.Background(), rec, keys)
		if err != nil {
			t.Fatal(err)
		}
		got, err := windowOrder(env, context.Background(), rec, keys)
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: radix order %v, sort order %v", round, got, want)
		}
	}
}
