package external

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/udf"
)

var (
	str = arrow.BinaryTypes.String
	i64 = arrow.PrimitiveTypes.Int64
)

func env(t *testing.T) *functions.EvalContext {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return &functions.EvalContext{Ctx: context.Background(), Mem: mem}
}

func strArr(ec *functions.EvalContext, vals ...string) arrow.Array {
	b := array.NewStringBuilder(ec.Mem)
	defer b.Release()
	for _, v := range vals {
		if v == "NULL" {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

func intArr(ec *functions.EvalContext, vals ...int64) arrow.Array {
	b := array.NewInt64Builder(ec.Mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

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

// newInst makes an entry from spec and one raw worker instance of it (no
// error policy applied: these tests apply it with CallWithPolicy).
func newInst(t *testing.T, spec Spec) (*functions.Bound, functions.Instance) {
	t.Helper()
	e, err := NewEntry(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Release(e) })
	b, err := e.Scalar(spec.Args)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := udf.RawInstance(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close() })
	return b, inst
}

func starts(inst functions.Instance) int {
	for {
		switch v := inst.(type) {
		case *Instance:
			return v.Starts()
		case interface{ Unwrap() functions.Instance }:
			inst = v.Unwrap()
		default:
			return -1
		}
	}
}

// call runs one batch of strings (jsonl helper) or ints (arrow helper).
func call(t *testing.T, ec *functions.EvalContext, inst functions.Instance, args arrow.Array) (string, error) {
	t.Helper()
	out, err := inst.Call(ec, []arrow.Array{args}, args.Len())
	if err != nil {
		return "", err
	}
	defer out.Release()
	return render(out), nil
}

func jsonlSpec(name string) Spec {
	return Spec{Name: name, Args: []arrow.DataType{str}, Return: str, Command: helperCommand("jsonl"),
		Protocol: "jsonl", Timeout: 2 * time.Second, StartTimeout: 20 * time.Second}
}

func arrowSpec(name string) Spec {
	return Spec{Name: name, Args: []arrow.DataType{i64}, Return: i64, Command: helperCommand("arrow"),
		Timeout: 2 * time.Second, StartTimeout: 20 * time.Second}
}

func TestJSONLHappyPathKeepsOneProcess(t *testing.T) {
	ec := env(t)
	spec := jsonlSpec("up")
	spec.BatchSize = 2 // 5 rows go as 3 requests
	_, inst := newInst(t, spec)
	for round := 0; round < 3; round++ {
		in := strArr(ec, "a", "NULL", "b c", "é\"\\\n", "x")
		got, err := call(t, ec, inst, in)
		in.Release()
		if err != nil {
			t.Fatal(err)
		}
		if want := "A,NULL,B C,É\"\\\n,X"; got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
	if starts(inst) != 1 {
		t.Fatalf("program started %d times, want once", starts(inst))
	}
	for i := 0; i < 100 && !strings.Contains(Stderr(inst), "helper jsonl started"); i++ {
		time.Sleep(20 * time.Millisecond) // stderr is copied by its own goroutine
	}
	if !strings.Contains(Stderr(inst), "helper jsonl started") {
		t.Fatalf("stderr not captured: %q", Stderr(inst))
	}
}

func TestArrowHappyPath(t *testing.T) {
	ec := env(t)
	spec := arrowSpec("dbl")
	spec.BatchSize = 3
	_, inst := newInst(t, spec)
	b := array.NewInt64Builder(ec.Mem)
	b.AppendValues([]int64{1, 2, 3, 4, 5, 6, 7}, []bool{true, true, false, true, true, true, true})
	in := b.NewArray()
	b.Release()
	defer in.Release()
	for round := 0; round < 2; round++ {
		got, err := call(t, ec, inst, in)
		if err != nil {
			t.Fatal(err)
		}
		if got != "2,4,NULL,8,10,12,14" {
			t.Fatalf("got %s", got)
		}
	}
	// A slice (non-zero offset) is sent correctly too.
	sl := array.NewSlice(in, 3, 6)
	defer sl.Release()
	if got, err := call(t, ec, inst, sl); err != nil || got != "8,10,12" {
		t.Fatalf("slice: %s %v", got, err)
	}
	if starts(inst) != 1 {
		t.Fatalf("started %d times", starts(inst))
	}
}

// An arrow program answering int64 for a declared INT is converted, exactly.
func TestArrowAnswerIsConverted(t *testing.T) {
	ec := env(t)
	spec := arrowSpec("narrow")
	spec.Return = arrow.PrimitiveTypes.Int32
	_, inst := newInst(t, spec)
	in := intArr(ec, 1, 20)
	defer in.Release()
	out, err := inst.Call(ec, []arrow.Array{in}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if out.DataType().ID() != arrow.INT32 || render(out) != "2,40" {
		t.Fatalf("got %s %s", out.DataType(), render(out))
	}
	big := intArr(ec, 1<<31)
	defer big.Release()
	_, err = inst.Call(ec, []arrow.Array{big}, 1)
	if err == nil || !strings.Contains(err.Error(), "answered BIGINT values that do not fit INT") {
		t.Fatalf("want an overflow error, got %v", err)
	}
}

// failure cases for both protocols: the error must name the function and
// the problem, and the next batch must work again (restart).
func TestMisbehavingPrograms(t *testing.T) {
	tests := []struct {
		name     string
		spec     Spec
		bad      func(ec *functions.EvalContext) arrow.Array
		want     []string
		restarts bool
	}{
		{"jsonl crash", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "a", "crash") },
			[]string{"function j, batch 2:", "exited with status 3", "stderr:", "segfault in model"}, true},
		{"jsonl hang", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "hang") },
			[]string{"function j, batch 2:", "no answer within 2s", "killed"}, true},
		{"jsonl garbage", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "garbage") },
			[]string{"function j, batch 2:", "not a JSON answer", `"this is not json"`}, true},
		{"jsonl short", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "a", "short", "c") },
			[]string{"function j, batch 2:", "answered 2 results for a batch of 3 rows"}, true},
		{"jsonl wrong batch", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "wrongbatch") },
			[]string{"answered batch 102, expected batch 2"}, true},
		{"jsonl batch error", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "batcherr") },
			[]string{"function j, batch 2:", "the program reported an error: model not loaded"}, false},
		{"jsonl row error", jsonlSpec("j"), func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "a", "bad") },
			[]string{"function j, row 1: cannot handle bad"}, false},
		{"arrow crash", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, 1, -1) },
			[]string{"function a, batch 2:", "exited with status 4", "out of memory"}, true},
		{"arrow hang", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, -2) },
			[]string{"no answer within 2s"}, true},
		{"arrow garbage at start", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, -3) },
			[]string{"function a, batch 2:", "not an Arrow IPC stream", "Loading "}, true},
		{"arrow garbage mid-stream", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, -3) },
			[]string{"function a, batch 2:", "not a valid Arrow IPC stream", "exceeds limit"}, true},
		{"arrow short", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, 1, -4, 3) },
			[]string{"answered 2 rows for a batch of 3 rows"}, true},
		{"arrow wrong type", arrowSpec("a"), func(ec *functions.EvalContext) arrow.Array { return intArr(ec, -5) },
			[]string{"answered a column of type DOUBLE", "expected BIGINT"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ec := env(t)
			spec := tc.spec
			if strings.Contains(tc.name, "hang") {
				spec.Timeout = time.Second
				for i, w := range tc.want {
					tc.want[i] = strings.Replace(w, "2s", "1s", 1)
				}
			}
			_, inst := newInst(t, spec)
			// A first batch warms the program up (StartTimeout is generous so
			// that slow starts on a loaded machine do not count); the bad
			// batch is then batch 2, under Timeout.
			var good arrow.Array
			var want string
			if spec.Protocol == "jsonl" {
				good, want = strArr(ec, "ok"), "OK"
			} else {
				good, want = intArr(ec, 21), "42"
			}
			defer good.Release()
			// (A schema change is only possible at the start of a stream.)
			warm := tc.name != "arrow wrong type" && tc.name != "arrow garbage at start"
			if warm {
				if got, err := call(t, ec, inst, good); err != nil || got != want {
					t.Fatalf("warm-up: %q %v", got, err)
				}
			} else {
				for i, w := range tc.want {
					tc.want[i] = strings.Replace(w, ", batch 2:", ", batch 1:", 1)
				}
			}
			bad := tc.bad(ec)
			defer bad.Release()
			start := time.Now()
			_, err := call(t, ec, inst, bad)
			if err == nil {
				t.Fatal("no error")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var se *sqlerr.Error
			var fe *udf.FuncError
			if !errors.As(err, &se) || !errors.As(err, &fe) {
				t.Errorf("want a sqlerr.Error wrapping a udf.FuncError, got %T", err)
			}
			// The next batch is computed, by a restarted program if needed.
			got, err := call(t, ec, inst, good)
			if err != nil || got != want {
				t.Fatalf("after failure: %q %v", got, err)
			}
			wantStarts := 1
			if tc.restarts {
				wantStarts = 2
			}
			if starts(inst) != wantStarts {
				t.Fatalf("started %d times, want %d", starts(inst), wantStarts)
			}
		})
	}
}

func TestPoliciesWithPrograms(t *testing.T) {
	type rep struct {
		row     int
		msg     string
		attempt int
	}
	tests := []struct {
		name    string
		spec    Spec
		policy  udf.Policy
		in      func(ec *functions.EvalContext) arrow.Array
		want    string
		wantErr string
		reps    []rep
		starts  int
	}{
		{"jsonl skip crash isolates the row", jsonlSpec("j"), udf.Policy{Mode: udf.Skip},
			func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "a", "crash", "b") },
			"A,NULL,B", "", []rep{{1, "the program exited with status 3", 1}}, 3},
		{"jsonl skip row errors without re-running", jsonlSpec("j"), udf.Policy{Mode: udf.Skip},
			func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "bad", "a", "bad") },
			"NULL,A,NULL", "", []rep{{0, "cannot handle bad", 1}, {2, "cannot handle bad", 1}}, 1},
		{"arrow skip hang", arrowSpec("a"), udf.Policy{Mode: udf.Skip},
			func(ec *functions.EvalContext) arrow.Array { return intArr(ec, 5, -2) },
			"10,NULL", "", []rep{{1, "no answer within 2s", 1}}, 2},
		{"jsonl skip gives up when rows keep timing out", jsonlSpec("j"), udf.Policy{Mode: udf.Skip},
			func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "hang", "hang", "hang", "hang", "hang") },
			"", "both timed out", []rep{{0, "no answer within 1s", 1}}, 3},
		{"jsonl retry crash fails after N attempts", jsonlSpec("j"), udf.Policy{Mode: udf.Retry, Retries: 3, Backoff: time.Millisecond},
			func(ec *functions.EvalContext) arrow.Array { return strArr(ec, "crash") },
			"", "after 3 attempts", []rep{{-1, "the program exited with status 3", 1}, {-1, "the program exited with status 3", 2}}, 3},
		{"arrow fail", arrowSpec("a"), udf.Policy{Mode: udf.Fail},
			func(ec *functions.EvalContext) arrow.Array { return intArr(ec, -1) },
			"", "exited with status 4", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ec := env(t)
			spec := tc.spec
			spec.Timeout = time.Second
			if tc.name == "arrow skip hang" {
				// Row 0 must be answered by a fresh process even on a
				// loaded machine, or it too counts as a timeout.
				spec.Timeout = 2 * time.Second
			}
			// Hangs here happen in freshly started programs.
			spec.StartTimeout = spec.Timeout
			spec.OnError = tc.policy
			b, inst := newInst(t, spec)
			if p, ok := udf.PolicyOf(b); !ok || p != tc.policy {
				t.Fatalf("PolicyOf = %v %v", p, ok)
			}
			in := tc.in(ec)
			defer in.Release()
			var reps []rep
			out, err := udf.CallWithPolicy(context.Background(), ec, inst, []arrow.Array{in}, in.Len(), tc.policy,
				func(row int, msg string, attempt int) { reps = append(reps, rep{row, msg, attempt}) })
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
			if len(reps) != len(tc.reps) {
				t.Fatalf("reports %+v, want %+v", reps, tc.reps)
			}
			for i, r := range reps {
				w := tc.reps[i]
				if r.row != w.row || r.attempt != w.attempt || !strings.Contains(r.msg, w.msg) {
					t.Fatalf("report %d = %+v, want %+v", i, r, w)
				}
			}
			if starts(inst) != tc.starts {
				t.Fatalf("started %d times, want %d", starts(inst), tc.starts)
			}
		})
	}
}

func TestKernelSharesOneProcessAndSkipsWithWarnings(t *testing.T) {
	ec := env(t)
	var warns []string
	ec.Warn = func(code int, msg string) { warns = append(warns, msg) }
	spec := jsonlSpec("shared")
	spec.OnError = udf.Policy{Mode: udf.Skip}
	e, err := NewEntry(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Scalar([]arrow.DataType{str})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := strArr(ec, "x", "y")
			defer in.Release()
			out, err := b.Kernel(ec, []arrow.Array{in}, 2)
			if err != nil {
				errs <- err
				return
			}
			if render(out) != "X,Y" {
				errs <- fmt.Errorf("got %s", render(out))
			}
			out.Release()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	in := strArr(ec, "bad", "z")
	defer in.Release()
	out, err := b.Kernel(ec, []arrow.Array{in}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if render(out) != "NULL,Z" || len(warns) != 1 || !strings.Contains(warns[0], "function shared, row 0: cannot handle bad") {
		t.Fatalf("got %s, warnings %q", render(out), warns)
	}
	if err := udf.Release(e); err != nil {
		t.Fatal(err)
	}
	if e.Info.Kind != "external" || e.Info.Signature != "(VARCHAR) -> VARCHAR" || !strings.HasPrefix(e.Info.Version, "x") {
		t.Fatalf("info %+v", e.Info)
	}
}

func TestEnvironmentAndDir(t *testing.T) {
	ec := env(t)
	t.Setenv("H7_UDF_TEST", "from-engine")
	dir := t.TempDir()
	spec := jsonlSpec("envdir")
	spec.Dir = dir
	_, inst := newInst(t, spec)
	in := strArr(ec, "env:H7_UDF_TEST", "pwd")
	defer in.Release()
	out, err := inst.Call(ec, []arrow.Array{in}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	s := out.(*array.String)
	real, _ := filepath.EvalSymlinks(dir)
	if s.Value(0) != "from-engine" || (s.Value(1) != dir && s.Value(1) != real) {
		t.Fatalf("env %q, dir %q (want %q)", s.Value(0), s.Value(1), dir)
	}
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name, cmd string
		want      []string
	}{
		{"missing", "/nonexistent/h7-prog --x", []string{"cannot start program \"/nonexistent/h7-prog\"", "no such file"}},
		{"exits", helperCommand("exit"), []string{"exited with status 2", "cannot load model: file missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ec := env(t)
			spec := jsonlSpec("s")
			spec.Command = tc.cmd
			e, err := NewEntry(spec)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := e.Scalar([]arrow.DataType{str})
			inst, err := b.NewInstance(context.Background())
			if err == nil {
				defer inst.Close()
				in := strArr(ec, "a")
				defer in.Release()
				_, err = inst.Call(ec, []arrow.Array{in}, 1)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCancelAndCloseNeverHang(t *testing.T) {
	ec := env(t)
	spec := jsonlSpec("c")
	spec.Timeout = time.Minute
	_, inst := newInst(t, spec)
	ctx, cancel := context.WithCancel(context.Background())
	ec.Ctx = ctx
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	in := strArr(ec, "hang")
	defer in.Release()
	start := time.Now()
	_, err := inst.Call(ec, []arrow.Array{in}, 1)
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Code != sqlerr.ErrQueryCanceled || time.Since(start) > 3*time.Second {
		t.Fatalf("want prompt cancellation, got %v after %v", err, time.Since(start))
	}

	// Close of a program that ignores end of input (and has a child in its
	// process group) returns after the grace period, with everything killed.
	spec2 := Spec{Name: "stubborn", Args: []arrow.DataType{str}, Return: str, Protocol: "jsonl",
		Command: `sh -c 'sleep 60 & echo "child $!" >&2; wait'`, Timeout: 500 * time.Millisecond}
	_, inst2 := newInst(t, spec2)
	var child int
	for i := 0; i < 250 && child == 0; i++ {
		fmt.Sscanf(Stderr(inst2), "child %d", &child)
		time.Sleep(20 * time.Millisecond)
	}
	if child == 0 {
		t.Fatalf("no child pid in stderr %q", Stderr(inst2))
	}
	start = time.Now()
	if err := inst2.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v", d)
	}
	// The background sleep was in the program's process group: gone too
	// (or a zombie waiting for init to reap it).
	for i := 0; i < 100 && alive(child); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(child) {
		t.Fatalf("process %d started by the program survived Close", child)
	}
	// Calls after Close are refused, not hung.
	ec.Ctx = context.Background()
	if _, err := inst2.Call(ec, []arrow.Array{in}, 1); err == nil || !strings.Contains(err.Error(), "after Close") {
		t.Fatalf("call after close: %v", err)
	}
}

func TestNewEntryValidates(t *testing.T) {
	vec := arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32)
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"noname", Spec{Return: str, Command: "cat"}, "needs a name"},
		{"noret", Spec{Name: "f", Command: "cat"}, "no RETURNS type"},
		{"emptycmd", Spec{Name: "f", Return: str, Command: "  "}, "empty command"},
		{"pipe", Spec{Name: "f", Return: str, Command: "cat | tr a b"}, "without a shell"},
		{"proto", Spec{Name: "f", Return: str, Command: "cat", Protocol: "grpc"}, "unknown protocol \"grpc\""},
		{"jsonl type", Spec{Name: "f", Return: str, Command: "cat", Protocol: "jsonl",
			Args: []arrow.DataType{arrow.StructOf(arrow.Field{Name: "a", Type: str})}}, "cannot send argument 1"},
		{"names", Spec{Name: "f", Return: str, Command: "cat", Args: []arrow.DataType{str}, ArgNames: []string{"a", "b"}}, "2 argument names for 1 arguments"},
		{"negative", Spec{Name: "f", Return: str, Command: "cat", Timeout: -1}, "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEntry(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
	e, err := NewEntry(Spec{Name: "v", Args: []arrow.DataType{vec}, Return: vec, Command: "cat", Protocol: "JSONL", Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := SpecOf(e)
	if !ok || s.Protocol != "jsonl" || s.BatchSize != DefaultBatchSize || s.Timeout != DefaultTimeout || s.Workers != 3 ||
		s.ArgNames[0] != "arg1" {
		t.Fatalf("spec %+v", s)
	}
	// Changing the command changes the version.
	e2, _ := NewEntry(Spec{Name: "v", Args: []arrow.DataType{vec}, Return: vec, Command: "cat -u", Protocol: "jsonl"})
	if e.Info.Version == e2.Info.Version {
		t.Fatal("different commands should have different versions")
	}
}

// The shipped examples, run for real.
func TestExamplePrograms(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	t.Run("upper_jsonl.py", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 not installed")
		}
		ec := env(t)
		spec := Spec{Name: "upper_ext", Args: []arrow.DataType{str}, Return: str, Protocol: "jsonl",
			Command: "python3 examples/udf/upper_jsonl.py", Dir: root, Timeout: 10 * time.Second}
		_, inst := newInst(t, spec)
		in := strArr(ec, "hello", "NULL", "straße", `q"uote`)
		defer in.Release()
		got, err := call(t, ec, inst, in)
		if err != nil {
			t.Fatal(err)
		}
		if got != `HELLO,NULL,STRASSE,Q"UOTE` {
			t.Fatalf("got %s", got)
		}
		// stderr is copied by its own goroutine: give it a moment.
		for i := 0; i < 100 && !strings.Contains(Stderr(inst), "upper_jsonl: ready"); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(Stderr(inst), "upper_jsonl: ready") {
			t.Fatalf("stderr %q", Stderr(inst))
		}
	})
	t.Run("arrowdouble", func(t *testing.T) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Skip("go not installed")
		}
		bin := filepath.Join(t.TempDir(), "arrowdouble")
		cmd := exec.Command(goBin, "build", "-o", bin, "./examples/udf/arrowdouble")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		ec := env(t)
		for _, dt := range []arrow.DataType{i64, arrow.PrimitiveTypes.Float64} {
			spec := Spec{Name: "double_ext", Args: []arrow.DataType{dt}, Return: dt, Command: "'" + bin + "'", Timeout: 10 * time.Second}
			_, inst := newInst(t, spec)
			b := array.NewBuilder(ec.Mem, dt)
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.AppendValues([]int64{1, 0, -7}, []bool{true, false, true})
			case *array.Float64Builder:
				bb.AppendValues([]float64{1.5, 0, -7}, []bool{true, false, true})
			}
			in := b.NewArray()
			b.Release()
			got, err := call(t, ec, inst, in)
			in.Release()
			if err != nil {
				t.Fatal(err)
			}
			if want := map[arrow.Type]string{arrow.INT64: "2,NULL,-14", arrow.FLOAT64: "3,NULL,-14"}[dt.ID()]; got != want {
				t.Fatalf("%s: got %s want %s", dt, got, want)
			}
		}
	})
}

// Crashes, timeouts, restarts and Close leave no goroutine behind.
func TestNoGoroutineLeaks(t *testing.T) {
	ec := env(t)
	before := runtime.NumGoroutine()
	for _, spec := range []Spec{jsonlSpec("leak"), arrowSpec("leak")} {
		spec.Timeout = 500 * time.Millisecond
		e, err := NewEntry(spec)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := e.Scalar(spec.Args)
		inst, err := udf.RawInstance(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		var ok, crash, hang arrow.Array
		if spec.Protocol == "jsonl" {
			ok, crash, hang = strArr(ec, "a"), strArr(ec, "crash"), strArr(ec, "hang")
		} else {
			ok, crash, hang = intArr(ec, 1), intArr(ec, -1), intArr(ec, -2)
		}
		for _, in := range []arrow.Array{ok, crash, ok, hang, ok} {
			out, err := inst.Call(ec, []arrow.Array{in}, 1)
			if err == nil {
				out.Release()
			}
		}
		ok.Release()
		crash.Release()
		hang.Release()
		if err := inst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}
