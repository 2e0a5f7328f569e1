package external

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/udf"
)

// answer is what the reader goroutine hands over: a record batch (arrow), a
// line (jsonl), or why reading failed.
type answer struct {
	rec  arrow.RecordBatch
	line []byte
	err  error
}

// session speaks one protocol with one process.
type session interface {
	// send writes one request. mem is the instance's reading allocator (its
	// first call's): an arrow session reads all its answers with it.
	send(mem memory.Allocator, batch int64, args []arrow.Array, n int) error
	answers() <-chan answer
	// decode checks an answer; mem (the call's) allocates what it builds.
	// batchErr is a failure the program reported
	// for the whole batch (it is still in step); protoErr means its output
	// cannot be trusted any more (the process is restarted).
	decode(mem memory.Allocator, a answer, batch int64, n int) (out arrow.Array, rows []udf.RowError, batchErr string, protoErr error)
	// finish ends the request stream before the process is closed.
	finish()
	// wait returns once the reader goroutine has ended (after the process's
	// stdout is closed), so that it holds no memory; bounded.
	wait()
}

// Instance is one worker's running program. Calls are serialized; the
// executor gives each worker its own instance.
type Instance struct {
	spec   *Spec
	argv   []string
	stderr *ring
	errOut io.Writer

	mu       sync.Mutex
	p        *proc
	sess     session
	batch    int64
	starts   int
	closed   bool
	readMem  memory.Allocator
	answered bool // the current process has answered a batch
}

func startInstance(s *Spec, argv []string) (functions.Instance, error) {
	inst := &Instance{spec: s, argv: argv, stderr: newRing(StderrKeep)}
	inst.errOut = inst.stderr
	if s.Stderr != nil {
		inst.errOut = io.MultiWriter(inst.stderr, s.Stderr)
	}
	if err := inst.start(); err != nil {
		return nil, err
	}
	return inst, nil
}

func (i *Instance) start() error {
	p, err := startProc(i.argv, i.spec.Dir, i.errOut)
	if err != nil {
		return udf.NewError(i.spec.Name, -1, -1, err, "cannot start program %q: %v", i.argv[0], unwrapPathErr(err))
	}
	i.p = p
	i.starts++
	switch i.spec.Protocol {
	case "jsonl":
		i.sess = newJSONLSession(p, i.spec)
	default:
		i.sess = newArrowSession(p, i.spec)
	}
	return nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// drop kills the current process (if any); the next call starts a new one.
func (i *Instance) drop(reason string) {
	if i.p != nil {
		i.p.kill(reason)
		i.sess.wait()
		i.p, i.sess = nil, nil
		i.answered = false
	}
}

// Stderr returns the last StderrKeep bytes the program (all its restarts)
// wrote to stderr.
func (i *Instance) Stderr() string { return i.stderr.String() }

// Starts is how many times the program has been started (1 + restarts).
func (i *Instance) Starts() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.starts
}

// ReturnType is the declared return type.
func (i *Instance) ReturnType() arrow.DataType { return i.spec.Return }

// Call computes a batch; a row the program reports as failed fails the call.
func (i *Instance) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	out, rows, err := i.call(ec, args, nrows, false)
	if err == nil && len(rows) > 0 {
		out.Release()
		return nil, udf.NewError(i.spec.Name, -1, rows[0].Row, nil, "%s", rows[0].Msg)
	}
	return out, err
}

// CallRows computes a batch; rows the program reports as failed are NULL and
// returned (jsonl "errors").
func (i *Instance) CallRows(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, []udf.RowError, error) {
	return i.call(ec, args, nrows, true)
}

func (i *Instance) call(ec *functions.EvalContext, args []arrow.Array, nrows int, _ bool) (arrow.Array, []udf.RowError, error) {
	if ec == nil {
		ec = &functions.EvalContext{}
	}
	mem := ec.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	name := i.spec.Name
	if len(args) != len(i.spec.Args) {
		return nil, nil, udf.NewError(name, -1, -1, nil, "called with %d arguments, takes %d", len(args), len(i.spec.Args))
	}
	for k, a := range args {
		if !arrow.TypeEqual(a.DataType(), i.spec.Args[k]) {
			return nil, nil, udf.NewError(name, -1, -1, nil, "argument %d is %s, expected %s",
				k+1, udf.TypeName(a.DataType()), udf.TypeName(i.spec.Args[k]))
		}
		if a.Len() < nrows {
			return nil, nil, udf.NewError(name, -1, -1, nil, "argument %d has %d rows, expected %d", k+1, a.Len(), nrows)
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return nil, nil, udf.NewError(name, -1, -1, nil, "called after Close")
	}
	if nrows == 0 {
		return array.MakeArrayOfNull(mem, i.spec.Return, 0), nil, nil
	}
	bs := i.spec.BatchSize
	if nrows <= bs {
		return i.callChunk(ec, mem, args, nrows, 0)
	}
	var (
		parts []arrow.Array
		rows  []udf.RowError
	)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	chunk := make([]arrow.Array, len(args))
	for off := 0; off < nrows; off += bs {
		n := min(bs, nrows-off)
		for k, a := range args {
			chunk[k] = array.NewSlice(a, int64(off), int64(off+n))
		}
		out, rs, err := i.callChunk(ec, mem, chunk, n, off)
		for _, c := range chunk {
			c.Release()
		}
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, out)
		rows = append(rows, rs...)
	}
	out, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, nil, udf.NewError(name, -1, -1, err, "joining batch results: %v", err)
	}
	return out, rows, nil
}

// callChunk sends one request and waits (bounded by the timeout and ctx) for
// its answer. offset is added to reported row numbers.
func (i *Instance) callChunk(ec *functions.EvalContext, mem memory.Allocator, args []arrow.Array, n, offset int) (arrow.Array, []udf.RowError, error) {
	ctx := ec.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, canceled(err)
	}
	name := i.spec.Name
	if i.p == nil {
		if err := i.start(); err != nil {
			return nil, nil, err
		}
	}
	if i.readMem == nil {
		i.readMem = mem
	}
	p, sess := i.p, i.sess
	i.batch++
	batch := i.batch
	timeout := i.spec.Timeout
	if !i.answered {
		timeout = i.spec.StartTimeout
	}

	timer := time.AfterFunc(timeout, func() { p.kill("timeout") })
	stop := context.AfterFunc(ctx, func() { p.kill("canceled") })
	defer stop()
	settle := func() {
		// A timer that fired after the answer came has killed a healthy
		// process: start afresh next time rather than fail the next batch.
		if !timer.Stop() {
			i.drop("timeout")
		}
	}

	if err := sess.send(i.readMem, batch, args, n); err != nil {
		timer.Stop()
		return nil, nil, i.failed(ctx, p, batch, timeout, "sending the batch", err)
	}
	var a answer
	select {
	case a = <-sess.answers():
	case <-p.quit:
		timer.Stop()
		return nil, nil, i.failed(ctx, p, batch, timeout, "waiting for the answer", nil)
	}
	if a.err != nil || p.killedFor() != "" {
		// (A killed program may still hand over a partial line: the kill,
		// not the line, is what happened.)
		timer.Stop()
		if a.rec != nil {
			a.rec.Release()
		}
		return nil, nil, i.failed(ctx, p, batch, timeout, "reading the answer", a.err)
	}
	settle()
	i.answered = true
	out, rows, batchErr, perr := sess.decode(mem, a, batch, n)
	if perr != nil {
		i.drop("protocol error")
		return nil, nil, udf.NewError(name, batch, -1, perr, "%v; the program was killed and will be restarted for the next batch%s", perr, i.stderrNote())
	}
	if batchErr != "" {
		return nil, nil, udf.NewError(name, batch, -1, nil, "the program reported an error: %s%s", batchErr, i.stderrNote())
	}
	for k := range rows {
		rows[k].Row += offset
	}
	return out, rows, nil
}

// failed explains why a request got no answer and makes sure the process is
// gone (the next call starts a new one).
func (i *Instance) failed(ctx context.Context, p *proc, batch int64, timeout time.Duration, what string, err error) error {
	name := i.spec.Name
	reason := p.killedFor()
	if reason == "canceled" || ctx.Err() != nil {
		i.drop("canceled")
		return canceled(ctx.Err())
	}
	if reason == "timeout" {
		i.drop("timeout")
		return udf.NewError(name, batch, -1, udf.ErrTimeout, "no answer within %s; the program was killed and will be restarted for the next batch%s",
			timeout, i.stderrNote())
	}
	// The program closed its output or stopped reading: it is probably
	// exiting; wait a little for its exit status.
	wait := time.Duration(0)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		wait = min(2*time.Second, i.spec.Timeout)
	}
	exited, werr := p.exited(wait)
	i.drop("failed")
	if exited {
		return udf.NewError(name, batch, -1, err, "the program %s while computing the batch; it will be restarted for the next batch%s",
			exitText(werr), i.stderrNote())
	}
	return udf.NewError(name, batch, -1, err, "%s: %v; the program was killed and will be restarted for the next batch%s",
		what, err, i.stderrNote())
}

func (i *Instance) stderrNote() string {
	t := i.stderr.Tail(1024)
	if t == "" {
		return ""
	}
	return "; stderr: " + t
}

func canceled(err error) error {
	return &sqlerr.Error{Code: sqlerr.ErrQueryCanceled, Msg: "Query execution was interrupted", Cause: err}
}

// Close ends the program: end of input, a grace period to exit, then a kill
// of its process group. It does not wait longer than about two seconds.
func (i *Instance) Close() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return nil
	}
	i.closed = true
	if i.p == nil {
		return nil
	}
	grace := min(2*time.Second, i.spec.Timeout)
	p := i.p
	t := time.AfterFunc(grace, func() { p.kill("closed") })
	i.sess.finish()
	t.Stop()
	p.close(grace)
	i.sess.wait()
	i.p, i.sess = nil, nil
	return nil
}
