package sqllogic

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A panic in a goroutine the engine starts cannot be recovered by the
// runner and would end the whole test binary. So each script runs in a
// child process (the test binary itself, running TestSLTChild): a crash
// becomes a failure of that script, pinned to the record that was running.

// ChildEnv carries a ChildRequest (JSON) to the child process.
const ChildEnv = "GENEVASQL_SLT_CHILD"

// ChildRequest is what a child process runs.
type ChildRequest struct {
	Path     string // the script
	Name     string // how failures name it
	Out      string // where the child writes its ChildResult (JSON)
	Engines  []string
	Timeout  time.Duration
	Sample   int
	Deadline time.Time
	// CheckLeaks runs the database with a checked allocator and reports
	// bytes not released after Close.
	CheckLeaks bool
}

// ChildResult is what a child process reports.
type ChildResult struct {
	FileResult
	Leaked int // bytes of Arrow memory the engine did not release
}

// progressPrefix starts the lines a child prints before each record:
// "@@slt <line> <passed> <failed> <skipped>".
const progressPrefix = "@@slt "

// ChildProgress is the BeforeRecord hook of a child: it tells the parent
// which record is about to run.
func ChildProgress(w io.Writer) func(*Record, *FileResult) {
	return func(rec *Record, r *FileResult) {
		fmt.Fprintf(w, "%s%d %d %d %d\n", progressPrefix, rec.Line, r.Passed, r.Failed, r.Skipped)
	}
}

// RunIsolated runs req in a child process started as exe args… (normally
// os.Args[0] -test.run=^TestSLTChild$). It never fails: a crash, a kill or
// garbage output is reported as a failure of the script.
func RunIsolated(ctx context.Context, req ChildRequest, exe string, args ...string) ChildResult {
	start := time.Now()
	out, err := os.CreateTemp("", "slt-result-*.json")
	if err != nil {
		return crashResult(req, 0, FileResult{}, "cannot create result file: "+err.Error(), start)
	}
	out.Close()
	defer os.Remove(out.Name())
	req.Out = out.Name()
	spec, err := json.Marshal(req)
	if err != nil {
		return crashResult(req, 0, FileResult{}, err.Error(), start)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), ChildEnv+"="+string(spec))
	var tail tailBuffer
	cmd.Stderr = &tail
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return crashResult(req, 0, FileResult{}, err.Error(), start)
	}
	if err := cmd.Start(); err != nil {
		return crashResult(req, 0, FileResult{}, "cannot start child: "+err.Error(), start)
	}
	// Follow progress lines; keep everything else (the panic) in tail.
	lastLine := 0
	var sofar FileResult
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		l := sc.Text()
		if rest, ok := strings.CutPrefix(l, progressPrefix); ok {
			f := strings.Fields(rest)
			if len(f) == 4 {
				lastLine, _ = strconv.Atoi(f[0])
				sofar.Passed, _ = strconv.Atoi(f[1])
				sofar.Failed, _ = strconv.Atoi(f[2])
				sofar.Skipped, _ = strconv.Atoi(f[3])
			}
			continue
		}
		tail.Write([]byte(l + "\n"))
	}
	waitErr := cmd.Wait()
	data, err := os.ReadFile(req.Out)
	if err == nil && len(data) > 0 {
		var res ChildResult
		if err := json.Unmarshal(data, &res); err == nil {
			return res
		}
	}
	why := "the child process ended without a result"
	if waitErr != nil {
		why = "the child process failed (" + waitErr.Error() + ")"
	}
	if ctx.Err() != nil {
		why = "the run was cancelled (" + ctx.Err().Error() + ")"
	}
	return crashResult(req, lastLine, sofar, why+": "+crashSummary(tail.String()), start)
}

// crashResult reports a script whose child died at line, after sofar.
func crashResult(req ChildRequest, line int, sofar FileResult, msg string, start time.Time) ChildResult {
	res := sofar
	res.File = req.Name
	res.Run = res.Passed + res.Failed + 1
	res.Failed++
	res.Crashed = true
	sql := ""
	if recs, err := ParseFile(req.Path); err == nil {
		res.Records = 0
		for _, r := range recs {
			if r.Kind == KindStatement || r.Kind == KindQuery {
				res.Records++
				if r.Line == line {
					sql = r.SQL
				}
			}
		}
		res.NotRun = max(0, res.Records-res.Run-res.Skipped)
	}
	res.Failures = append(res.Failures, Failure{File: req.Name, Line: line, SQL: sql, Msg: msg})
	res.Elapsed = time.Since(start)
	return ChildResult{FileResult: res}
}

// crashSummary picks the panic message and the project frame it came from
// out of a dying process's output.
func crashSummary(out string) string {
	i := strings.Index(out, "panic: ")
	if i < 0 {
		out = strings.TrimSpace(out)
		if len(out) > 500 {
			out = "…" + out[len(out)-500:]
		}
		if out == "" {
			return "no output"
		}
		return out
	}
	msg := out[i:]
	if j := strings.IndexByte(msg, '\n'); j >= 0 {
		msg = msg[:j]
	}
	if site := panicSite([]byte(out[i:])); site != "" {
		msg += " (at " + site + ")"
	}
	return "engine crashed the process: " + msg
}

// tailBuffer keeps the last 64 KiB written to it; stderr and stdout are
// copied into it from different goroutines.
type tailBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

const tailMax = 64 * 1024

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b.Write(p)
	if t.b.Len() > 2*tailMax {
		keep := t.b.Bytes()[t.b.Len()-tailMax:]
		t.b = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.String()
}
