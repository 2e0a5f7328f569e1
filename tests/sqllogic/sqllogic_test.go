package sqllogic

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
)

// Environment knobs (all optional):
//
//	GENEVASQL_SLT_DIR      corpus folder (default ../shared/sqllogictest from the repo root)
//	GENEVASQL_SLT_FILTER   regexp on file paths (ours and corpus) to run
//	GENEVASQL_SLT_TIMEOUT  per-record timeout, a Go duration (default 20s)
//	GENEVASQL_SLT_SAMPLE   run every Nth query of the big generated corpus files (index/, random/)
//	GENEVASQL_SLT_BUDGET   wall-clock budget of the corpus run (default 4m30s); records not reached count as not run
//	GENEVASQL_SLT_FILE_BUDGET  wall-clock budget of one corpus file (default 60s)
//	GENEVASQL_SLT_PENDING  set to 1 to fail on pending files too (to see their failures)
const (
	oursDir      = "testdata"
	pendingList  = "ours_pending.txt"
	mustPassList = "corpus_must_pass.txt"
	resultsFile  = "corpus-results.txt"
)

func envDuration(t testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

func envFilter(t testing.TB) *regexp.Regexp {
	v := os.Getenv("GENEVASQL_SLT_FILTER")
	if v == "" {
		return nil
	}
	re, err := regexp.Compile(v)
	if err != nil {
		t.Fatalf("GENEVASQL_SLT_FILTER=%q: %v", v, err)
	}
	return re
}

// readList reads a committed list of file names: one per line, # comments.
func readList(t testing.TB, path string) map[string]bool {
	set := map[string]bool{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return set
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(stripComment(sc.Text()))
		if l != "" {
			set[l] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return set
}

// findTests lists *.test files under dir as slash paths relative to dir.
func findTests(t testing.TB, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".test") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// runChild runs one script in a child process (see RunIsolated), giving it
// a little more than its deadline before killing it.
func runChild(req ChildRequest) ChildResult {
	ctx := context.Background()
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline.Add(req.Timeout+30*time.Second))
		defer cancel()
	}
	return RunIsolated(ctx, req, os.Args[0], "-test.run=^TestSLTChild$")
}

// TestSLTChild is the child process of TestOurs and TestCorpus: it runs the
// one script named in $GENEVASQL_SLT_CHILD and writes its result as JSON.
func TestSLTChild(t *testing.T) {
	spec := os.Getenv(ChildEnv)
	if spec == "" {
		t.Skip("runs only as a child process of TestOurs and TestCorpus")
	}
	var req ChildRequest
	if err := json.Unmarshal([]byte(spec), &req); err != nil {
		t.Fatalf("bad %s: %v", ChildEnv, err)
	}
	var dbOpts []genevasql.Option
	var mem *memory.CheckedAllocator
	if req.CheckLeaks {
		mem = memory.NewCheckedAllocator(memory.NewGoAllocator())
		dbOpts = append(dbOpts, genevasql.WithAllocator(mem))
	}
	progress, err := os.OpenFile(req.Progress, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer progress.Close()
	opts := Options{Engines: req.Engines, Timeout: req.Timeout, SampleEvery: req.Sample, Deadline: req.Deadline,
		MaxFailures: req.MaxFailures, BeforeRecord: ChildProgress(progress)}
	res := ChildResult{FileResult: RunFile(context.Background(), req.Path, req.Name, "", opts, dbOpts...)}
	if mem != nil && !res.Hung {
		res.Leaked = mem.CurrentAlloc()
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(req.Out, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOurs runs our own behaviour tests, each file in a fresh database.
// Files listed in ours_pending.txt run too, but report their progress by
// skipping instead of failing.
func TestOurs(t *testing.T) {
	files := findTests(t, oursDir)
	if len(files) == 0 {
		t.Fatal("no .test files in testdata")
	}
	pending := readList(t, pendingList)
	for p := range pending {
		if _, err := os.Stat(filepath.Join(oursDir, p)); err != nil {
			t.Errorf("%s lists %s, which does not exist", pendingList, p)
		}
	}
	failPending := os.Getenv("GENEVASQL_SLT_PENDING") == "1"
	filter := envFilter(t)
	timeout := envDuration(t, "GENEVASQL_SLT_TIMEOUT", 20*time.Second)
	for _, name := range files {
		if filter != nil && !filter.MatchString(name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cres := runChild(ChildRequest{Path: filepath.Join(oursDir, name), Name: filepath.Join("testdata", name),
				Engines: []string{"mysql", "genevasql"}, Timeout: timeout, CheckLeaks: true})
			res := cres.FileResult
			if pending[name] && !failPending {
				if res.Ok() && res.NotRun == 0 {
					t.Skipf("pending, but all %d records now pass: remove %s from %s", res.Run, name, pendingList)
				}
				msg := ""
				if len(res.Failures) > 0 {
					msg = "; first failure: " + firstLine(res.Failures[0].String(), 3)
				}
				t.Skipf("pending (%s): %d/%d records pass, %d not run%s", pendingList, res.Passed, res.Records, res.NotRun, msg)
			}
			for _, f := range res.Failures {
				t.Error(f.String())
			}
			if (res.Hung || res.Crashed) && res.NotRun > 0 {
				t.Errorf("%d records not run after the failure above", res.NotRun)
			} else if !res.Hung && !res.Crashed && cres.Leaked != 0 {
				t.Errorf("the engine did not release %d bytes of Arrow memory after Close", cres.Leaked)
			}
		})
	}
}

// firstLine keeps the first n lines of s.
func firstLine(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, " | ")
}

// corpusDir finds the corpus; "" when it is absent.
func corpusDir() string {
	if d := os.Getenv("GENEVASQL_SLT_DIR"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "sqllogictest"))
	if err != nil {
		return ""
	}
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return ""
	}
	return d
}

// bigGenerated reports the corpus files with thousands of generated records,
// which are sampled when GENEVASQL_SLT_SAMPLE asks.
func bigGenerated(name string) bool {
	return strings.HasPrefix(name, "index/") || strings.HasPrefix(name, "random/")
}

// defaultSample is GENEVASQL_SLT_SAMPLE's default: every query runs (the
// whole corpus takes about a minute on two cores).
const defaultSample = 1

// TestCorpus runs the sqllogictest corpus as a progress measure: failures
// are counted and written to corpus-results.txt, and fail the test only in
// the files listed in corpus_must_pass.txt.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: corpus skipped")
	}
	dir := corpusDir()
	if dir == "" {
		t.Skip("sqllogictest corpus not found (../shared/sqllogictest from the repo root, or set GENEVASQL_SLT_DIR)")
	}
	files := findTests(t, dir)
	mustPass := readList(t, mustPassList)
	for p := range mustPass {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			if os.Getenv("GENEVASQL_SLT_DIR") != "" {
				// Another corpus (or a subset) is being run on purpose.
				t.Logf("%s lists %s, which is not in %s", mustPassList, p, dir)
				continue
			}
			t.Errorf("%s lists %s, which is not in the corpus", mustPassList, p)
		}
	}
	filter := envFilter(t)
	timeout := envDuration(t, "GENEVASQL_SLT_TIMEOUT", 20*time.Second)
	budget := envDuration(t, "GENEVASQL_SLT_BUDGET", 270*time.Second)
	fileBudget := envDuration(t, "GENEVASQL_SLT_FILE_BUDGET", 60*time.Second)
	// The big generated files hold ~10,000 queries each; running them all
	// takes far longer than the 5 minutes this test may take on 2 cores, so
	// by default every 10th query runs (statements always run).
	sample := defaultSample
	if v := os.Getenv("GENEVASQL_SLT_SAMPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GENEVASQL_SLT_SAMPLE=%q: want a positive integer", v)
		}
		sample = n
	}
	start := time.Now()
	deadline := start.Add(budget)
	var queue []string
	for _, name := range files {
		if filter == nil || filter.MatchString(name) {
			queue = append(queue, name)
		}
	}
	// Must-pass files first, then the smallest first: if the budget runs
	// out it cuts the big generated files, not the regression checks or the
	// hand-written ones. A fixed pool of workers keeps that order.
	size := map[string]int64{}
	for _, name := range queue {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil {
			size[name] = st.Size()
		}
	}
	sort.SliceStable(queue, func(i, j int) bool {
		a, b := queue[i], queue[j]
		if mustPass[a] != mustPass[b] {
			return mustPass[a]
		}
		return size[a] < size[b]
	})
	results := make(map[string]FileResult, len(queue))
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(queue) {
					return
				}
				name := queue[i]
				// Each file also has a budget of its own, so that one slow
				// file (select5's many-way joins) cannot starve the others.
				fileDeadline := time.Now().Add(fileBudget)
				if fileDeadline.After(deadline) {
					fileDeadline = deadline
				}
				req := ChildRequest{Path: filepath.Join(dir, name), Name: name, Timeout: timeout, Deadline: fileDeadline, MaxFailures: 50}
				if bigGenerated(name) {
					req.Sample = sample
				}
				res := runChild(req).FileResult
				mu.Lock()
				results[name] = res
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, name := range queue {
		res := results[name]
		if !mustPass[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, f := range res.Failures {
				t.Error(f.String())
			}
			if res.Deadline {
				// A slow machine is not a regression.
				t.Logf("the budget ran out: %d records of this must-pass file not run", res.NotRun)
			}
		})
	}
	report := corpusReport(results, mustPass, sample, budget, time.Since(start))
	if err := os.WriteFile(resultsFile, []byte(report), 0o644); err != nil {
		t.Errorf("writing %s: %v", resultsFile, err)
	}
	t.Log("\n" + report)
}

// corpusReport is the per-file table, totals, and the most common failure
// messages (what to fix first).
func corpusReport(results map[string]FileResult, mustPass map[string]bool, sample int, budget, elapsed time.Duration) string {
	var sb strings.Builder
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(&sb, "sqllogictest corpus: %d files, %v", len(names), elapsed.Round(time.Second))
	if sample > 1 {
		fmt.Fprintf(&sb, ", index/ and random/ files sampled: every %d-th query", sample)
	}
	sb.WriteString("\n\n")
	fmt.Fprintf(&sb, "%-40s %7s %7s %7s %7s %7s %7s  %s\n", "file", "records", "run", "passed", "failed", "skipped", "notrun", "note")
	var tot FileResult
	deadlineHit := false
	msgs := map[string]int{}
	for _, n := range names {
		r := results[n]
		note := ""
		switch {
		case r.Crashed:
			note = "crashed"
		case r.Hung:
			note = "hung"
		case r.Deadline:
			note = "budget"
			deadlineHit = true
		case r.Halted:
			note = "halt"
		}
		if mustPass[n] {
			note = strings.TrimSpace(note + " must-pass")
		}
		fmt.Fprintf(&sb, "%-40s %7d %7d %7d %7d %7d %7d  %s %v\n", n, r.Records, r.Run, r.Passed, r.Failed, r.Skipped, r.NotRun, note, r.Elapsed.Round(time.Millisecond))
		tot.Records += r.Records
		tot.Run += r.Run
		tot.Passed += r.Passed
		tot.Failed += r.Failed
		tot.Skipped += r.Skipped
		tot.NotRun += r.NotRun
		for m, n := range r.FailureKinds {
			msgs[m] += n
		}
	}
	fmt.Fprintf(&sb, "%-40s %7d %7d %7d %7d %7d %7d\n", "TOTAL", tot.Records, tot.Run, tot.Passed, tot.Failed, tot.Skipped, tot.NotRun)
	if tot.Run > 0 {
		fmt.Fprintf(&sb, "pass rate of records run: %.1f%%\n", 100*float64(tot.Passed)/float64(tot.Run))
	}
	if deadlineHit {
		fmt.Fprintf(&sb, "files marked budget ran out of time (GENEVASQL_SLT_BUDGET %v for the run, GENEVASQL_SLT_FILE_BUDGET per file): their notrun records were not reached\n", budget)
	}
	type kv struct {
		msg string
		n   int
	}
	var top []kv
	for m, n := range msgs {
		top = append(top, kv{m, n})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].n != top[j].n {
			return top[i].n > top[j].n
		}
		return top[i].msg < top[j].msg
	})
	if len(top) > 30 {
		top = top[:30]
	}
	sb.WriteString("\nmost common failures (numbers and quoted names replaced by #):\n")
	for _, e := range top {
		fmt.Fprintf(&sb, "%7d  %s\n", e.n, e.msg)
	}
	sb.WriteString("\nfirst failures per file:\n")
	for _, n := range names {
		for i, f := range results[n].Failures {
			if i == 3 {
				break
			}
			sb.WriteString(firstLine(f.String(), 8))
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}
