package udf

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// Mode is what happens when a user function fails.
type Mode int

const (
	// Fail (the default) fails the statement or job with the function's error.
	Fail Mode = iota
	// Skip makes the failing rows NULL and reports each of them.
	Skip
	// Retry calls the batch again, up to Policy.Retries attempts in all, with
	// exponential backoff and jitter, then fails.
	Retry
)

func (m Mode) String() string {
	switch m {
	case Skip:
		return "skip"
	case Retry:
		return "retry"
	}
	return "fail"
}

// Default backoff for Retry: 100ms, 200ms, 400ms, … capped at 10s.
const (
	DefaultBackoff    = 100 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
)

// Policy is a function's error policy (on_error = 'fail' | 'skip' | 'retry(N)').
type Policy struct {
	Mode Mode
	// Retries is the number of attempts in all for Retry: retry(3) calls a
	// batch at most 3 times.
	Retries int
	// Backoff is the wait before the first retry (doubling after each); zero
	// means DefaultBackoff. MaxBackoff caps it; zero means DefaultMaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// String renders the policy the way ParsePolicy reads it.
func (p Policy) String() string {
	if p.Mode == Retry {
		return fmt.Sprintf("retry(%d)", p.Retries)
	}
	return p.Mode.String()
}

// ParsePolicy reads "fail", "skip" or "retry(N)" (case-insensitive, N ≥ 1;
// plain "retry" means retry(3)).
func ParsePolicy(s string) (Policy, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "", "fail":
		return Policy{Mode: Fail}, nil
	case "skip":
		return Policy{Mode: Skip}, nil
	case "retry":
		return Policy{Mode: Retry, Retries: 3}, nil
	}
	if strings.HasPrefix(t, "retry(") && strings.HasSuffix(t, ")") {
		n, err := strconv.Atoi(strings.TrimSpace(t[len("retry(") : len(t)-1]))
		if err == nil && n >= 1 && n <= 100 {
			return Policy{Mode: Retry, Retries: n}, nil
		}
	}
	return Policy{}, sqlerr.New(sqlerr.ErrWrongArguments,
		"invalid on_error policy %q: expected 'fail', 'skip' or 'retry(N)' with N from 1 to 100", s)
}

// backoff is the wait before attempt+1 (attempt ≥ 1): exponential with
// "equal jitter" (half fixed, half random) so that workers that failed
// together do not retry together.
func (p Policy) backoff(attempt int) time.Duration {
	base, limit := p.Backoff, p.MaxBackoff
	if base <= 0 {
		base = DefaultBackoff
	}
	if limit <= 0 {
		limit = DefaultMaxBackoff
	}
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// RowError is one failed row of a batch.
type RowError struct {
	Row int
	Msg string
}

// RowTolerant is implemented by instances that can fail single rows without
// failing the batch (Go scalar functions, jsonl programs that answer
// "errors"). CallRows returns a result with NULL at every failed row and the
// failures; a non-nil error still means the whole batch failed.
type RowTolerant interface {
	CallRows(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, []RowError, error)
}

// CallWithPolicy calls inst on one batch under policy. It is what the job
// runner (and the non-stateful Kernel of every user function) uses.
//
//   - Fail: the first error is returned.
//   - Skip: if the batch fails, failing rows are isolated (through RowTolerant
//     when inst offers it, else by calling the rows one at a time); their
//     values become NULL and onRowError(row, message, 1) reports each.
//   - Retry: the batch is called up to policy.Retries times; before each
//     retry onRowError(-1, message, attempt) reports the failed attempt (row
//     -1 means "the whole batch", so runners can count retries); after the
//     last attempt the error is returned.
//
// Cancellation of ctx is never skipped or retried. onRowError may be nil.
func CallWithPolicy(ctx context.Context, ec *functions.EvalContext, inst functions.Instance, args []arrow.Array, nrows int,
	policy Policy, onRowError func(row int, msg string, attempt int)) (arrow.Array, error) {
	if onRowError == nil {
		onRowError = func(int, string, int) {}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	switch policy.Mode {
	case Skip:
		return callSkip(ctx, ec, inst, args, nrows, onRowError)
	case Retry:
		attempts := max(policy.Retries, 1)
		for attempt := 1; ; attempt++ {
			if err := ctx.Err(); err != nil {
				return nil, canceled(err)
			}
			out, err := inst.Call(ec, args, nrows)
			if err == nil {
				return out, nil
			}
			if attempt >= attempts || isCancel(ctx, err) {
				if attempt > 1 {
					return nil, fmt.Errorf("%w (after %d attempts)", err, attempt)
				}
				return nil, err
			}
			onRowError(-1, errorMessage(err), attempt)
			t := time.NewTimer(policy.backoff(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, canceled(ctx.Err())
			case <-t.C:
			}
		}
	default:
		return inst.Call(ec, args, nrows)
	}
}

func isCancel(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func canceled(err error) error {
	return &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: "Query execution was interrupted", Cause: err}
}

func callSkip(ctx context.Context, ec *functions.EvalContext, inst functions.Instance, args []arrow.Array, nrows int,
	onRowError func(int, string, int)) (arrow.Array, error) {
	if rt, ok := inst.(RowTolerant); ok {
		out, rows, err := rt.CallRows(ec, args, nrows)
		if err == nil {
			for _, r := range rows {
				onRowError(r.Row, r.Msg, 1)
			}
			return out, nil
		}
		if isCancel(ctx, err) {
			return nil, err
		}
		// The batch as a whole failed (a crash, say): isolate row by row below.
	} else {
		out, err := inst.Call(ec, args, nrows)
		if err == nil {
			return out, nil
		}
		if isCancel(ctx, err) {
			return nil, err
		}
		if nrows == 1 {
			onRowError(0, errorMessage(err), 1)
			return array.MakeArrayOfNull(mem(ec), returnTypeHint(inst, args), 1), nil
		}
	}
	return callRowByRow(ctx, ec, inst, args, nrows, onRowError)
}

// callRowByRow calls inst on each row alone and stitches the answers
// together, NULL where a row fails.
func callRowByRow(ctx context.Context, ec *functions.EvalContext, inst functions.Instance, args []arrow.Array, nrows int,
	onRowError func(int, string, int)) (arrow.Array, error) {
	parts := make([]arrow.Array, 0, nrows)
	defer func() {
		for _, p := range parts {
			if p != nil { // failed rows' placeholders are nil until the end
				p.Release()
			}
		}
	}()
	one := make([]arrow.Array, len(args))
	var failed []int // indexes into parts that are placeholders for failed rows
	var typ arrow.DataType
	// A program that times out on every row would take rows × timeout to
	// isolate: after two single rows in a row time out, give up on the batch.
	timeouts := 0
	for r := 0; r < nrows; r++ {
		if err := ctx.Err(); err != nil {
			return nil, canceled(err)
		}
		for i, a := range args {
			one[i] = array.NewSlice(a, int64(r), int64(r+1))
		}
		out, err := inst.Call(ec, one, 1)
		for _, a := range one {
			a.Release()
		}
		if err == nil {
			timeouts = 0
		}
		if err != nil {
			if isCancel(ctx, err) {
				return nil, err
			}
			if errors.Is(err, ErrTimeout) {
				if timeouts++; timeouts >= 2 {
					return nil, fmt.Errorf("%w (rows %d and %d both timed out while isolating the failing rows; giving up on the batch)", err, r-1, r)
				}
			} else {
				timeouts = 0
			}
			onRowError(r, errorMessage(err), 1)
			failed = append(failed, len(parts))
			parts = append(parts, nil)
			continue
		}
		if out.Len() != 1 {
			n := out.Len()
			out.Release()
			return nil, fmt.Errorf("user function returned %d rows for 1 input row", n)
		}
		typ = out.DataType()
		parts = append(parts, out)
	}
	if typ == nil {
		typ = returnTypeHint(inst, args)
	}
	for _, i := range failed {
		parts[i] = array.MakeArrayOfNull(mem(ec), typ, 1)
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(mem(ec), typ, 0), nil
	}
	return array.Concatenate(parts, mem(ec))
}

// Typed is implemented by instances that know their return type, so that a
// batch whose every row failed under Skip still gets it (else: arrow.Null).
// Every instance made by this package and by udf/external implements it.
type Typed interface{ ReturnType() arrow.DataType }

func returnTypeHint(inst functions.Instance, _ []arrow.Array) arrow.DataType {
	if t, ok := inst.(Typed); ok {
		return t.ReturnType()
	}
	return arrow.Null
}
