package sqllogic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	Progress string // the file ChildProgress writes
	Engines  []string
	Timeout  time.Duration
	Sample   int
	Deadline time.Time
	// CheckLeaks runs the database with a checked allocator and reports
	// bytes not released after Close.
	CheckLeaks bool
	// MaxFailures bounds the failures reported in detail (0: all).
	MaxFailures int
}

// ChildResult is what a child process reports.
type ChildResult struct {
	FileResult
	Leaked int // bytes of Arrow memory the engine did not release
}

// ChildProgress is the BeforeRecord hook of a child: before each record it
// overwrites the progress file with "<line> <passed> <failed> <skipped>",
// so that the parent can tell, if the child dies, which record killed it.
// One pwrite per record keeps it cheap.
func ChildProgress(f *os.File) func(*Record, *FileResult) {
	buf := make([]byte, 0, 64)
	return func(rec *Record, r *FileResult) {
		buf = fmt.Appendf(buf[:0], "%12d %12d %12d %12d\n", rec.Line, r.Passed, r.Failed, r.Skipped)
		f.WriteAt(buf, 0)
	}
}

// readProgress reads what ChildProgress last wrote.
func readProgress(path string) (line int, sofar FileResult) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, sofar
	}
	f := strings.Fields(string(data))
	if len(f) != 4 {
		return 0, sofar
	}
	line, _ = strconv.Atoi(f[0])
	sofar.Passed, _ = strconv.Atoi(f[1])
	sofar.Failed, _ = strconv.Atoi(f[2])
	sofar.Skipped, _ = strconv.Atoi(f[3])
	return line, sofar
}

// RunIsolated runs req in a child process started as exe args… (normally
// os.Args[0] -test.run=^TestSLTChild$). It never fails: a crash, a kill or
// garbage output is reported as a failure of the script.
func RunIsolated(ctx context.Context, req ChildRequest, exe string, args ...string) ChildResult {
	start := time.Now()
	tmp, err := os.MkdirTemp("", "slt-child-*")
	if err != nil {
		return crashResult(req, 0, FileResult{}, "cannot create a folder for the child: "+err.Error(), start)
	}
	defer os.RemoveAll(tmp)
	req.Out = filepath.Join(tmp, "result.json")
	req.Progress = filepath.Join(tmp, "progress")
	spec, err := json.Marshal(req)
	if err != nil {
		return crashResult(req, 0, FileResult{}, err.Error(), start)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), ChildEnv+"="+string(spec))
	var tail tailBuffer
	cmd.Stderr = &tail
	cmd.Stdout = &tail
	waitErr := cmd.Run()
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
	lastLine, sofar := readProgress(req.Progress)
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
	res.FailureKinds = map[string]int{normalizeMsg(msg): 1}
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
