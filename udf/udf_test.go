package udf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// testEnv gives a checked allocator and an EvalContext that records warnings;
// at the end of the test every byte must have been released.
func testEnv(t *testing.T) (*memory.CheckedAllocator, *functions.EvalContext, *[]string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	var warns []string
	ec := &functions.EvalContext{Ctx: context.Background(), Mem: mem, Warn: func(code int, msg string) {
		warns = append(warns, fmt.Sprintf("%d %s", code, msg))
	}}
	return mem, ec, &warns
}

func int64s(mem memory.Allocator, vals []int64, valid []bool) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

func strs(mem memory.Allocator, vals []string, valid []bool) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// render prints an array's values as a string, NULL for nulls.
func render(a arrow.Array) string {
	parts := make([]string, a.Len())
	for i := range parts {
		if a.IsNull(i) {
			parts[i] = "NULL"
		} else {
			parts[i] = a.ValueStr(i)
		}
	}
	return strings.Join(parts, ",")
}

func bind(t *testing.T, e *functions.Entry, args ...arrow.DataType) *functions.Bound {
	t.Helper()
	b, err := e.Scalar(args)
	if err != nil {
		t.Fatalf("resolve %s: %v", e.Info.Name, err)
	}
	return b
}

func TestScalarTypesAndNulls(t *testing.T) {
	mem, ec, _ := testEnv(t)
	tests := []struct {
		name string
		fn   any
		args func() []arrow.Array
		want string
		ret  arrow.DataType
	}{
		{"double", func(x int64) int64 { return 2 * x },
			func() []arrow.Array { return []arrow.Array{int64s(mem, []int64{1, 2, 3}, []bool{true, false, true})} },
			"2,NULL,6", arrow.PrimitiveTypes.Int64},
		{"ptr_arg_sees_null", func(x *int64) int64 {
			if x == nil {
				return -1
			}
			return *x
		}, func() []arrow.Array { return []arrow.Array{int64s(mem, []int64{5, 0}, []bool{true, false})} },
			"5,-1", arrow.PrimitiveTypes.Int64},
		{"ptr_result_null", func(s string) *string {
			if s == "" {
				return nil
			}
			u := strings.ToUpper(s)
			return &u
		}, func() []arrow.Array { return []arrow.Array{strs(mem, []string{"ab", "", "c"}, nil)} },
			"AB,NULL,C", arrow.BinaryTypes.String},
		{"two_args_float", func(a int64, s string) float64 { return float64(a) + float64(len(s)) },
			func() []arrow.Array {
				return []arrow.Array{int64s(mem, []int64{1, 2}, nil), strs(mem, []string{"xyz", ""}, nil)}
			}, "4,2", arrow.PrimitiveTypes.Float64},
		{"bool_result", func(x int64) bool { return x%2 == 0 },
			func() []arrow.Array { return []arrow.Array{int64s(mem, []int64{1, 2}, nil)} },
			"false,true", arrow.FixedWidthTypes.Boolean},
		{"bytes_len", func(b []byte) int32 { return int32(len(b)) },
			func() []arrow.Array {
				bb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
				defer bb.Release()
				bb.AppendValues([][]byte{[]byte("abc"), {}}, nil)
				return []arrow.Array{bb.NewArray()}
			}, "3,0", arrow.PrimitiveTypes.Int32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Scalar(tc.name, tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			args := tc.args()
			defer func() {
				for _, a := range args {
					a.Release()
				}
			}()
			types := make([]arrow.DataType, len(args))
			for i, a := range args {
				types[i] = a.DataType()
			}
			b := bind(t, e, types...)
			if !arrow.TypeEqual(b.ReturnType, tc.ret) {
				t.Fatalf("return type %s, want %s", b.ReturnType, tc.ret)
			}
			out, err := b.Kernel(ec, args, args[0].Len())
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if got := render(out); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestScalarVectorAndTime(t *testing.T) {
	mem, ec, _ := testEnv(t)
	norm, err := Scalar("scale", func(v []float32, k float64) []float32 {
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = x * float32(k)
		}
		return out
	}, WithReturnType(Vector(2)))
	if err != nil {
		t.Fatal(err)
	}
	vb := array.NewFixedSizeListBuilder(mem, 2, arrow.PrimitiveTypes.Float32)
	defer vb.Release()
	fb := vb.ValueBuilder().(*array.Float32Builder)
	vb.Append(true)
	fb.AppendValues([]float32{1, 2}, nil)
	vb.AppendNull() // the builder fills the null slot's values
	vec := vb.NewArray()
	defer vec.Release()
	fl := array.NewFloat64Builder(mem)
	defer fl.Release()
	fl.AppendValues([]float64{3, 3}, nil)
	k := fl.NewArray()
	defer k.Release()
	b := bind(t, norm, Vector(2), arrow.PrimitiveTypes.Float64)
	out, err := b.Kernel(ec, []arrow.Array{vec, k}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := render(out); got != "[3,6],NULL" {
		t.Fatalf("got %s", got)
	}
	// A vector of the wrong dimension is a row error.
	bad, err := Scalar("bad_dim", func(v []float32) []float32 { return v[:1] }, WithReturnType(Vector(2)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bind(t, bad, Vector(2)).Kernel(ec, []arrow.Array{vec}, 2)
	if err == nil || !strings.Contains(err.Error(), "1 dimensions, declared 2") {
		t.Fatalf("want dimension error, got %v", err)
	}
	if _, err := Scalar("novec", func(v []float32) []float32 { return v }); err == nil {
		t.Fatal("a []float32 result without WithReturnType must be refused")
	}

	year, err := Scalar("year_of", func(t time.Time) int64 { return int64(t.Year()) })
	if err != nil {
		t.Fatal(err)
	}
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"})
	defer tb.Release()
	ts, _ := arrow.TimestampFromTime(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), arrow.Second)
	tb.Append(ts)
	tarr := tb.NewArray()
	defer tarr.Release()
	yb := bind(t, year, tarr.DataType())
	if !arrow.TypeEqual(yb.ArgTypes[0], tarr.DataType()) {
		t.Fatalf("time.Time should bind to the actual timestamp type, got %s", yb.ArgTypes[0])
	}
	out2, err := yb.Kernel(ec, []arrow.Array{tarr}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer out2.Release()
	if render(out2) != "2024" {
		t.Fatalf("got %s", render(out2))
	}
}

func TestScalarRejectsBadFuncs(t *testing.T) {
	tests := []struct {
		name string
		fn   any
		opts []Option
		want string
	}{
		{"notfunc", 42, nil, "needs a Go func"},
		{"noresult", func(int64) {}, nil, "must return one value"},
		{"badparam", func(map[string]int) int64 { return 0 }, nil, "unsupported parameter type"},
		{"badresult", func(int64) complex128 { return 0 }, nil, "unsupported result type"},
		{"variadic", func(xs ...int64) int64 { return 0 }, nil, "variadic"},
		{"argcount", func(int64) int64 { return 0 }, []Option{WithArgTypes(arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64)}, "2 types for 1 parameters"},
		{"mismatch", func(s string) int64 { return 0 }, []Option{WithArgTypes(arrow.FixedWidthTypes.Boolean)}, "cannot pass BOOLEAN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Scalar(tc.name, tc.fn, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestResolveChecksArguments(t *testing.T) {
	e, err := Scalar("f", func(a int64, s string) int64 { return a })
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Scalar([]arrow.DataType{arrow.PrimitiveTypes.Int64})
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrWrongParamCount {
		t.Fatalf("want ErrWrongParamCount, got %v", err)
	}
	_, err = e.Scalar([]arrow.DataType{arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32), arrow.BinaryTypes.String})
	if !errors.As(err, &se) || se.Code != sqlerr.ErrWrongArguments || !strings.Contains(err.Error(), "argument 1 is VECTOR(3) but the function takes BIGINT (signature (BIGINT, VARCHAR))") {
		t.Fatalf("want ErrWrongArguments naming VECTOR(3), got %v", err)
	}
	// An int32 and a NULL fit (the planner casts them).
	b, err := e.Scalar([]arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.Null})
	if err != nil {
		t.Fatal(err)
	}
	if !arrow.TypeEqual(b.ArgTypes[0], arrow.PrimitiveTypes.Int64) {
		t.Fatalf("ArgTypes %v", b.ArgTypes)
	}
	if e.Info.Signature != "(BIGINT, VARCHAR) -> BIGINT" || e.Info.Kind != "go" {
		t.Fatalf("info %+v", e.Info)
	}
}

func TestScalarErrorsAndPolicy(t *testing.T) {
	mem, ec, warns := testEnv(t)
	fn := func(x int64) (int64, error) {
		if x < 0 {
			return 0, fmt.Errorf("negative input %d", x)
		}
		if x == 13 {
			panic("unlucky")
		}
		return x * 10, nil
	}
	args := []arrow.Array{int64s(mem, []int64{1, -2, 3, 13}, nil)}
	defer args[0].Release()

	tests := []struct {
		policy   Policy
		want     string // result, or "" for an error
		wantErr  string
		wantWarn int
	}{
		{Policy{Mode: Fail}, "", "function f, row 1: negative input -2", 0},
		{Policy{Mode: Skip}, "10,NULL,30,NULL", "", 2},
		{Policy{Mode: Retry, Retries: 2, Backoff: time.Millisecond}, "", "negative input", 1},
	}
	for _, tc := range tests {
		t.Run(tc.policy.String(), func(t *testing.T) {
			*warns = nil
			e, err := Scalar("f", fn, WithErrorPolicy(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			out, err := bind(t, e, arrow.PrimitiveTypes.Int64).Kernel(ec, args, 4)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				defer out.Release()
				if got := render(out); got != tc.want {
					t.Fatalf("got %s want %s", got, tc.want)
				}
			}
			if len(*warns) != tc.wantWarn {
				t.Fatalf("warnings %q, want %d", *warns, tc.wantWarn)
			}
		})
	}
	// The panic is an error naming the function and the row.
	e, _ := Scalar("f", fn)
	one := []arrow.Array{int64s(mem, []int64{13}, nil)}
	defer one[0].Release()
	_, err := bind(t, e, arrow.PrimitiveTypes.Int64).Kernel(ec, one, 1)
	if err == nil || !strings.Contains(err.Error(), "function f, row 0: panic: unlucky") {
		t.Fatalf("want panic error, got %v", err)
	}
	var fe *FuncError
	if !errors.As(err, &fe) || fe.Func != "f" || fe.Row != 0 {
		t.Fatalf("want FuncError, got %#v", err)
	}
}

// flaky fails its first n calls.
type flaky struct {
	fails int32
	calls atomic.Int32
}

func (f *flaky) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	if f.calls.Add(1) <= f.fails {
		return nil, errors.New("temporarily unavailable")
	}
	return array.MakeArrayOfNull(ec.Mem, arrow.PrimitiveTypes.Int64, nrows), nil
}
func (f *flaky) Close() error { return nil }

func TestCallWithPolicyRetry(t *testing.T) {
	mem, ec, _ := testEnv(t)
	args := []arrow.Array{int64s(mem, []int64{1, 2}, nil)}
	defer args[0].Release()
	tests := []struct {
		fails, retries int
		ok             bool
		calls          int
	}{
		{0, 3, true, 1},
		{2, 3, true, 3},
		{3, 3, false, 3},
		{5, 1, false, 1},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("fails%d_retry%d", tc.fails, tc.retries), func(t *testing.T) {
			f := &flaky{fails: int32(tc.fails)}
			var reported []int
			start := time.Now()
			out, err := CallWithPolicy(context.Background(), ec, f, args, 2,
				Policy{Mode: Retry, Retries: tc.retries, Backoff: 4 * time.Millisecond},
				func(row int, msg string, attempt int) {
					if row != -1 || msg != "temporarily unavailable" {
						t.Errorf("report row %d msg %q", row, msg)
					}
					reported = append(reported, attempt)
				})
			if tc.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if out != nil {
				out.Release()
			}
			if int(f.calls.Load()) != tc.calls {
				t.Fatalf("%d calls, want %d", f.calls.Load(), tc.calls)
			}
			if len(reported) != tc.calls-1 {
				t.Fatalf("reported attempts %v", reported)
			}
			// Backoff with jitter: at least half of 4ms then 8ms.
			if tc.calls == 3 && time.Since(start) < 6*time.Millisecond {
				t.Fatalf("no backoff: %v", time.Since(start))
			}
			if !tc.ok && tc.retries > 1 && !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", tc.retries)) {
				t.Fatalf("error should say how many attempts: %v", err)
			}
		})
	}
	// Cancellation stops the retries at once.
	ctx, cancel := context.WithCancel(context.Background())
	f := &flaky{fails: 100}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := CallWithPolicy(ctx, ec, f, args, 2, Policy{Mode: Retry, Retries: 50, Backoff: 50 * time.Millisecond}, nil)
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrQueryCanceled || time.Since(start) > time.Second {
		t.Fatalf("want prompt cancellation, got %v after %v", err, time.Since(start))
	}
}

// rowFailer fails any batch that holds a negative number (like a vectorized
// kernel or a stateful model would), so Skip must isolate rows one by one.
type rowFailer struct{ calls int }

func (r *rowFailer) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	r.calls++
	in := args[0].(*array.Int64)
	for i := 0; i < nrows; i++ {
		if in.Value(i) < 0 {
			return nil, fmt.Errorf("cannot handle %d", in.Value(i))
		}
	}
	b := array.NewInt64Builder(ec.Mem)
	defer b.Release()
	for i := 0; i < nrows; i++ {
		b.Append(in.Value(i) + 1)
	}
	return b.NewArray(), nil
}
func (r *rowFailer) Close() error               { return nil }
func (r *rowFailer) ReturnType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func TestCallWithPolicySkipIsolatesRows(t *testing.T) {
	mem, ec, _ := testEnv(t)
	args := []arrow.Array{int64s(mem, []int64{1, -1, 2, -5, 3}, nil)}
	defer args[0].Release()
	inst := &rowFailer{}
	type rep struct {
		row int
		msg string
	}
	var reps []rep
	out, err := CallWithPolicy(context.Background(), ec, inst, args, 5, Policy{Mode: Skip},
		func(row int, msg string, attempt int) { reps = append(reps, rep{row, msg}) })
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := render(out); got != "2,NULL,3,NULL,4" {
		t.Fatalf("got %s", got)
	}
	want := []rep{{1, "cannot handle -1"}, {3, "cannot handle -5"}}
	if fmt.Sprint(reps) != fmt.Sprint(want) {
		t.Fatalf("reports %v want %v", reps, want)
	}
	if inst.calls != 6 { // the batch, then each of 5 rows
		t.Fatalf("%d calls", inst.calls)
	}
	// Every row failing still gives the declared type.
	all := []arrow.Array{int64s(mem, []int64{-1, -2}, nil)}
	defer all[0].Release()
	out2, err := CallWithPolicy(context.Background(), ec, &rowFailer{}, all, 2, Policy{Mode: Skip}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out2.Release()
	if out2.DataType().ID() != arrow.INT64 || out2.NullN() != 2 {
		t.Fatalf("got %s %s", out2.DataType(), render(out2))
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in   string
		want Policy
		err  bool
	}{
		{"fail", Policy{Mode: Fail}, false},
		{"", Policy{Mode: Fail}, false},
		{"SKIP", Policy{Mode: Skip}, false},
		{"retry(3)", Policy{Mode: Retry, Retries: 3}, false},
		{" retry( 5 ) ", Policy{Mode: Retry, Retries: 5}, false},
		{"retry", Policy{Mode: Retry, Retries: 3}, false},
		{"retry(0)", Policy{}, true},
		{"retry(x)", Policy{}, true},
		{"ignore", Policy{}, true},
	}
	for _, tc := range tests {
		got, err := ParsePolicy(tc.in)
		if tc.err != (err != nil) || got != tc.want {
			t.Errorf("ParsePolicy(%q) = %+v, %v", tc.in, got, err)
		}
		if err == nil {
			if back, _ := ParsePolicy(got.String()); back != got {
				t.Errorf("round trip of %q: %+v", tc.in, back)
			}
		}
	}
}

func TestVectorizedChecksResults(t *testing.T) {
	mem, ec, _ := testEnv(t)
	args := []arrow.Array{int64s(mem, []int64{1, 2, 3}, nil)}
	defer args[0].Release()
	i64 := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	tests := []struct {
		name    string
		k       functions.Kernel
		want    string
		wantErr string
	}{
		{"ok", func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			in := a[0].(*array.Int64)
			b := array.NewInt64Builder(ec.Mem)
			defer b.Release()
			for _, v := range in.Int64Values() {
				b.Append(v * v)
			}
			return b.NewArray(), nil
		}, "1,4,9", ""},
		{"short", func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return array.NewSlice(a[0], 0, 2), nil
		}, "", "returned 2 rows for 3 input rows"},
		{"wrongtype", func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return array.MakeArrayOfNull(ec.Mem, arrow.PrimitiveTypes.Float64, n), nil
		}, "", "returned type DOUBLE, declared BIGINT"},
		{"panics", func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			var m map[string]int
			m["x"] = 1
			return nil, nil
		}, "", "function panics: panic: assignment to entry in nil map"},
		{"nullresult", func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return array.MakeArrayOfNull(ec.Mem, arrow.Null, n), nil
		}, "NULL,NULL,NULL", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Vectorized(tc.name, i64, arrow.PrimitiveTypes.Int64, tc.k, WithVersion("v2"), WithDescription("squares"))
			if e.Info.Version != "v2" || e.Info.Description != "squares" {
				t.Fatalf("info %+v", e.Info)
			}
			b := bind(t, e, i64...)
			inst, err := b.NewInstance(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close()
			out, err := inst.Call(ec, args, 3)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if got := render(out); got != tc.want || !arrow.TypeEqual(out.DataType(), arrow.PrimitiveTypes.Int64) {
				t.Fatalf("got %s (%s)", got, out.DataType())
			}
		})
	}
}

// model is a stateful function's state: it counts its setups and closes.
type model struct {
	offset int64
	closed *atomic.Int32
}

func (m *model) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	b := array.NewInt64Builder(ec.Mem)
	defer b.Release()
	for _, v := range args[0].(*array.Int64).Int64Values() {
		b.Append(v + m.offset)
	}
	return b.NewArray(), nil
}
func (m *model) Close() error { m.closed.Add(1); return nil }

func TestStatefulSetupOncePerInstance(t *testing.T) {
	mem, ec, _ := testEnv(t)
	var setups, closes atomic.Int32
	e := Stateful("add_model", []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64,
		func(ctx context.Context) (State, error) {
			n := setups.Add(1)
			return &model{offset: int64(100 * n), closed: &closes}, nil
		})
	b := bind(t, e, arrow.PrimitiveTypes.Int64)
	args := []arrow.Array{int64s(mem, []int64{1, 2}, nil)}
	defer args[0].Release()

	// Two workers: two setups, however many batches each computes.
	var insts []functions.Instance
	for w := 0; w < 2; w++ {
		inst, err := b.NewInstance(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, inst)
		for batch := 0; batch < 3; batch++ {
			out, err := inst.Call(ec, args, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := render(out), fmt.Sprintf("%d,%d", 100*(w+1)+1, 100*(w+1)+2); got != want {
				t.Fatalf("worker %d got %s want %s", w, got, want)
			}
			out.Release()
		}
	}
	if setups.Load() != 2 {
		t.Fatalf("setup ran %d times for 2 instances", setups.Load())
	}
	for _, inst := range insts {
		if err := inst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if closes.Load() != 2 {
		t.Fatalf("%d closes", closes.Load())
	}
	// The Kernel path shares one lazily created instance until Release.
	for i := 0; i < 3; i++ {
		out, err := b.Kernel(ec, args, 2)
		if err != nil {
			t.Fatal(err)
		}
		out.Release()
	}
	if setups.Load() != 3 {
		t.Fatalf("kernel path: %d setups in all, want 3", setups.Load())
	}
	if err := Release(e); err != nil {
		t.Fatal(err)
	}
	if closes.Load() != 3 {
		t.Fatalf("Release did not close the shared state: %d closes", closes.Load())
	}
}

func TestStatefulSetupFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(ctx context.Context) (State, error)
		want  string
	}{
		{"err", func(context.Context) (State, error) { return nil, errors.New("model file missing") }, "function err: setup failed: model file missing"},
		{"panic", func(context.Context) (State, error) { panic("boom") }, "function panic: panic: boom"},
		{"nil", func(context.Context) (State, error) { return nil, nil }, "nil State"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Stateful(tc.name, nil, arrow.PrimitiveTypes.Int64, tc.setup)
			b := bind(t, e)
			_, err := b.NewInstance(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
}

func TestPolicyOfAndNewInstance(t *testing.T) {
	e, err := Scalar("p", func(x int64) int64 { return x }, WithErrorPolicy(Policy{Mode: Skip}))
	if err != nil {
		t.Fatal(err)
	}
	b := bind(t, e, arrow.PrimitiveTypes.Int64)
	if p, ok := PolicyOf(b); !ok || p.Mode != Skip {
		t.Fatalf("PolicyOf = %+v %v", p, ok)
	}
	if b2 := bind(t, e, arrow.PrimitiveTypes.Int64); b2 != b {
		t.Fatal("the same signature should resolve to the same Bound")
	}
	if _, ok := PolicyOf(&functions.Bound{}); ok {
		t.Fatal("foreign bound has no policy")
	}
	// NewInstance works for a built-in with only a Kernel.
	mem, ec, _ := testEnv(t)
	builtin := &functions.Bound{Name: "id", ReturnType: arrow.PrimitiveTypes.Int64,
		Kernel: func(ec *functions.EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			a[0].Retain()
			return a[0], nil
		}}
	inst, err := NewInstance(context.Background(), builtin)
	if err != nil {
		t.Fatal(err)
	}
	args := []arrow.Array{int64s(mem, []int64{7}, nil)}
	defer args[0].Release()
	out, err := inst.Call(ec, args, 1)
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
}

// The direct-call fast path and the reflect path agree, panics and errors
// included (an Int32 argument type forces the reflect path).
func TestScalarFastAndReflectPathsAgree(t *testing.T) {
	mem, ec, _ := testEnv(t)
	fn := func(x int64) (string, error) {
		switch {
		case x == 3:
			panic("three")
		case x < 0:
			return "", errors.New("negative")
		}
		return strings.Repeat("*", int(x)), nil
	}
	fast, err := Scalar("f", fn, WithErrorPolicy(Policy{Mode: Skip}))
	if err != nil {
		t.Fatal(err)
	}
	if fast.Scalar == nil || pickFast(fn) == nil {
		t.Fatal("func(int64) (string, error) should have a fast path")
	}
	slow, err := Scalar("f", fn, WithArgTypes(arrow.PrimitiveTypes.Int32), WithErrorPolicy(Policy{Mode: Skip}))
	if err != nil {
		t.Fatal(err)
	}
	i64 := int64s(mem, []int64{1, 3, -1, 0, 2, 5}, []bool{true, true, true, true, false, true})
	defer i64.Release()
	b32 := array.NewInt32Builder(mem)
	b32.AppendValues([]int32{1, 3, -1, 0, 2, 5}, []bool{true, true, true, true, false, true})
	i32 := b32.NewArray()
	b32.Release()
	defer i32.Release()
	var got []string
	for _, c := range []struct {
		e  *functions.Entry
		in arrow.Array
	}{{fast, i64}, {slow, i32}} {
		var reports []string
		inst, err := RawInstance(context.Background(), bind(t, c.e, c.in.DataType()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := CallWithPolicy(context.Background(), ec, inst, []arrow.Array{c.in}, 6, Policy{Mode: Skip},
			func(row int, msg string, _ int) { reports = append(reports, fmt.Sprintf("%d:%s", row, msg)) })
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, render(out)+" "+strings.Join(reports, ";"))
		out.Release()
	}
	want := "*,NULL,NULL,,NULL,***** 1:panic: three;2:negative"
	if got[0] != want || got[1] != want {
		t.Fatalf("fast %q\nslow %q\nwant %q", got[0], got[1], want)
	}
}

// Bound.NewInstance applies the policy and reports skipped rows to the
// job's hook, with the row address when the caller provides one.
func TestNewInstanceReportsToOnRowError(t *testing.T) {
	mem, ec, warns := testEnv(t)
	var got []string
	ec.OnRowError = func(fn string, row int, addr uint64, hasAddr bool, msg string, attempt int) {
		got = append(got, fmt.Sprintf("%s[%d]@%d/%v:%s#%d", fn, row, addr, hasAddr, msg, attempt))
	}
	ec.RowAddr = func(row int) (uint64, bool) { return uint64(1000 + row), true }
	e, err := Scalar("neg", func(x int64) (int64, error) {
		if x < 0 {
			return 0, errors.New("negative")
		}
		return x, nil
	}, WithErrorPolicy(Policy{Mode: Skip}))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := bind(t, e, arrow.PrimitiveTypes.Int64).NewInstance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	in := int64s(mem, []int64{1, -1, 2}, nil)
	defer in.Release()
	out, err := inst.Call(ec, []arrow.Array{in}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if render(out) != "1,NULL,2" || fmt.Sprint(got) != "[neg[1]@1001/true:negative#1]" || len(*warns) != 0 {
		t.Fatalf("out %s, reports %v, warnings %v", render(out), got, *warns)
	}
}

// badSingles fails the batch, fails row 0 alone, and answers row 1 alone
// with two rows: isolation must stop with an error, releasing everything.
type badSingles struct{}

func (badSingles) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	if nrows > 1 || args[0].(*array.Int64).Value(0) == 0 {
		return nil, errors.New("no")
	}
	return array.MakeArrayOfNull(ec.Mem, arrow.PrimitiveTypes.Int64, 2), nil
}
func (badSingles) Close() error { return nil }

func TestSkipIsolationStopsOnBadAnswer(t *testing.T) {
	mem, ec, _ := testEnv(t)
	in := int64s(mem, []int64{0, 1, 2}, nil)
	defer in.Release()
	_, err := CallWithPolicy(context.Background(), ec, badSingles{}, []arrow.Array{in}, 3, Policy{Mode: Skip}, nil)
	if err == nil || !strings.Contains(err.Error(), "returned 2 rows for 1 input row") {
		t.Fatalf("got %v", err)
	}
}

// The reflect path over the remaining Go types and SQL overrides.
func TestScalarReflectTypes(t *testing.T) {
	mem, ec, _ := testEnv(t)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	d32 := func() arrow.Array {
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Append(arrow.Date32FromTime(day))
		b.AppendNull()
		return b.NewArray()
	}
	f32 := func() arrow.Array {
		b := array.NewFloat32Builder(mem)
		defer b.Release()
		b.AppendValues([]float32{1.5, -2}, nil)
		return b.NewArray()
	}
	tests := []struct {
		name string
		fn   any
		opts []Option
		in   func() arrow.Array
		want string
		err  string
	}{
		{"date_to_next_day", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) },
			[]Option{WithArgTypes(arrow.FixedWidthTypes.Date32), WithReturnType(arrow.FixedWidthTypes.Date32)}, d32, "2024-03-01,NULL", ""},
		{"date_to_datetime", func(t *time.Time) *time.Time {
			if t == nil {
				return nil
			}
			u := t.Add(90 * time.Minute)
			return &u
		}, []Option{WithArgTypes(arrow.FixedWidthTypes.Date32)}, d32, "2024-02-29T01:30:00,NULL", ""},
		{"float32_to_int32", func(x float32) int32 { return int32(x * 2) }, nil, f32, "3,-4", ""},
		{"float32_to_bytes", func(x float32) []byte {
			if x < 0 {
				return nil
			}
			return []byte(fmt.Sprint(x))
		}, nil, f32, "MS41,NULL", ""}, // binary renders as base64
		{"float64_ptr", func(x *float64) *float32 {
			v := float32(*x) / 2
			return &v
		}, nil, f32, "0.75,-1", ""},
		{"int_overflow", func(x float32) int64 { return int64(x) << 40 }, []Option{WithReturnType(arrow.PrimitiveTypes.Int32)}, f32,
			"", "result 1099511627776 is out of range for INT"},
		{"bytes_as_text", func(b []byte) string { return string(b) + "!" }, []Option{WithArgTypes(arrow.BinaryTypes.String)},
			func() arrow.Array { return strs(mem, []string{"a"}, nil) }, "a!", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Scalar(tc.name, tc.fn, tc.opts...)
			if err != nil {
				if tc.err != "" && strings.Contains(err.Error(), tc.err) {
					return
				}
				t.Fatal(err)
			}
			in := tc.in()
			defer in.Release()
			b, err := e.Scalar([]arrow.DataType{in.DataType()})
			if err != nil {
				t.Fatal(err)
			}
			out, err := b.Kernel(ec, []arrow.Array{in}, in.Len())
			if tc.err != "" {
				if out != nil {
					out.Release()
				}
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if got := render(out); got != tc.want {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
}

func TestFits(t *testing.T) {
	vec3, vec4 := Vector(3), Vector(4)
	tests := []struct {
		actual, declared arrow.DataType
		ok               bool
	}{
		{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Float64, true},
		{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, true},
		{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, true},
		{arrow.Null, vec3, true},
		{vec3, vec3, true},
		{vec4, vec3, false},
		{arrow.PrimitiveTypes.Int64, vec3, false},
		{arrow.FixedWidthTypes.Date32, Datetime, true},
		{arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32, false},
		{arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary, true},
	}
	for _, tc := range tests {
		if got := fits(tc.actual, tc.declared); got != tc.ok {
			t.Errorf("fits(%s, %s) = %v", tc.actual, tc.declared, got)
		}
	}
}
