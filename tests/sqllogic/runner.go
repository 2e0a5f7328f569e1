package sqllogic

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// DB is what the runner needs from a database. genevasql.DB fits through
// the adapter in engine.go.
type DB interface {
	// Exec runs a statement, discarding any rows.
	Exec(ctx context.Context, sql string) error
	// Query runs a statement that returns rows; the caller releases the reader.
	Query(ctx context.Context, sql string) (array.RecordReader, error)
}

// Options control a run.
type Options struct {
	// Engines are the names skipif/onlyif match (default: "mysql").
	Engines []string
	// Timeout bounds each record (default 30s). A record that overruns fails;
	// if it does not stop within a grace period after cancellation, the rest
	// of the script is not run (the database's state is unknown).
	Timeout time.Duration
	// SampleEvery, when > 1, runs only every SampleEvery-th query record (the
	// first of each group, so it is deterministic); the others count as
	// skipped. Statements always run since later records depend on them.
	SampleEvery int
	// Deadline, when set, stops the run at that time; records not reached
	// count as not run.
	Deadline time.Time
	// BeforeRecord, when set, is called before each record is executed, with
	// the counts so far (a child process reports progress through it, so a
	// crash can be pinned to a record).
	BeforeRecord func(rec *Record, sofar *FileResult)
	// MaxFailures bounds the failures kept in detail (0: all); all are counted.
	MaxFailures int
}

func (o *Options) engines() []string {
	if len(o.Engines) == 0 {
		return []string{"mysql"}
	}
	return o.Engines
}

func (o *Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 30 * time.Second
	}
	return o.Timeout
}

// Failure is one failed record.
type Failure struct {
	File string
	Line int
	SQL  string
	Msg  string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s:%d: %s\n    %s", f.File, f.Line, f.Msg, strings.ReplaceAll(f.SQL, "\n", "\n    "))
}

// FileResult counts what happened to the records of one script. Control
// records (hash-threshold, halt) are not counted.
type FileResult struct {
	File     string
	Records  int // statement and query records in the script
	Run      int // records executed
	Passed   int
	Failed   int
	Skipped  int // by skipif/onlyif or sampling
	NotRun   int // after a halt, a hung record, or the deadline
	Halted   bool
	Hung     bool      // a record did not stop after its timeout
	Crashed  bool      // the process running the script died (see RunIsolated)
	Deadline bool      // the run's deadline stopped this file
	Failures []Failure // the first Options.MaxFailures failures
	// FailureKinds counts all failures by their message with values and
	// names blanked out (see normalizeMsg): what to fix first.
	FailureKinds map[string]int
	Elapsed      time.Duration
}

// Ok reports whether nothing failed.
func (r *FileResult) Ok() bool { return r.Failed == 0 }

// outcome of running one record in its own goroutine.
type outcome struct {
	err     error // the engine's error, or a panic turned into an error
	values  []string
	letters string // actual column type letters
	ncols   int
}

// errPanic marks an engine panic so it is reported as such.
type errPanic struct {
	val   any
	where string
}

func (e *errPanic) Error() string {
	s := fmt.Sprintf("engine panicked: %v", e.val)
	if e.where != "" {
		s += " (at " + e.where + ")"
	}
	return s
}

// panicSite finds the innermost project frame of a panic's stack, skipping
// the runtime and this package, so the report points at the culprit.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := lines[i]
		if !strings.Contains(fn, "genevasql/genevasql/") || strings.Contains(fn, "/tests/sqllogic.") {
			continue
		}
		loc := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndex(loc, " +0x"); j >= 0 {
			loc = loc[:j]
		}
		return loc
	}
	return ""
}

// execute runs one record against db, turning panics into errors.
func execute(ctx context.Context, db DB, rec *Record) (out outcome) {
	defer func() {
		if v := recover(); v != nil {
			out = outcome{err: &errPanic{val: v, where: panicSite(debug.Stack())}}
		}
	}()
	if rec.Kind == KindStatement {
		return outcome{err: db.Exec(ctx, rec.SQL)}
	}
	rdr, err := db.Query(ctx, rec.SQL)
	if err != nil {
		return outcome{err: err}
	}
	if rdr == nil {
		return outcome{err: errors.New("Query returned neither rows nor an error")}
	}
	defer rdr.Release()
	schema := rdr.Schema()
	out.ncols = schema.NumFields()
	letters := make([]byte, out.ncols)
	for j, f := range schema.Fields() {
		letters[j] = TypeLetter(f.Type)
		if letters[j] == 0 {
			letters[j] = '?'
		}
	}
	out.letters = string(letters)
	for rdr.Next() {
		out.values = FormatBatch(out.values, rdr.RecordBatch(), rec.Types)
	}
	out.err = rdr.Err()
	return out
}

// RunRecords runs parsed records of the script named file against db.
func RunRecords(ctx context.Context, file string, recs []Record, db DB, opts Options) (res FileResult) {
	start := time.Now()
	res.File = file
	defer func() { res.Elapsed = time.Since(start) }()
	engines := opts.engines()
	stop := "" // why the remaining records are not run
	queries := 0
	for i := range recs {
		rec := &recs[i]
		if rec.Kind == KindStatement || rec.Kind == KindQuery {
			res.Records++
		}
		if stop != "" {
			if rec.Kind == KindStatement || rec.Kind == KindQuery {
				res.NotRun++
			}
			continue
		}
		if !opts.Deadline.IsZero() && time.Now().After(opts.Deadline) && (rec.Kind == KindStatement || rec.Kind == KindQuery) {
			res.Deadline = true
			stop = "deadline"
			res.NotRun++
			continue
		}
		if !rec.ShouldRun(engines) {
			if rec.Kind == KindStatement || rec.Kind == KindQuery {
				res.Skipped++
			}
			continue
		}
		switch rec.Kind {
		case KindHalt:
			res.Halted = true
			stop = "halt"
			continue
		case KindHashThreshold:
			// Comparison follows the expected result's form (values or a
			// hash), so the threshold itself is not needed.
			continue
		case KindQuery:
			queries++
			if opts.SampleEvery > 1 && (queries-1)%opts.SampleEvery != 0 {
				res.Skipped++
				continue
			}
		}
		if opts.BeforeRecord != nil {
			opts.BeforeRecord(rec, &res)
		}
		res.Run++
		msg, hung := runOne(ctx, db, rec, opts)
		if msg == "" {
			res.Passed++
			continue
		}
		res.Failed++
		if opts.MaxFailures <= 0 || len(res.Failures) < opts.MaxFailures {
			res.Failures = append(res.Failures, Failure{File: file, Line: rec.Line, SQL: rec.SQL, Msg: msg})
		}
		if res.FailureKinds == nil {
			res.FailureKinds = map[string]int{}
		}
		res.FailureKinds[normalizeMsg(msg)]++
		if hung {
			res.Hung = true
			stop = "hung"
		}
		if ctx.Err() != nil {
			stop = "cancelled"
		}
	}
	return res
}

// hangGrace is how long a cancelled record may take to return before the
// runner gives up on the script.
const hangGrace = 2 * time.Second

// runOne runs a record with a timeout and returns "" when it passes, or why
// it failed; hung reports a record that ignored cancellation.
func runOne(parent context.Context, db DB, rec *Record, opts Options) (msg string, hung bool) {
	ctx, cancel := context.WithTimeout(parent, opts.timeout())
	defer cancel()
	done := make(chan outcome, 1)
	go func() { done <- execute(ctx, db, rec) }()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		select {
		case <-done:
			return fmt.Sprintf("timed out after %v (cancelled)", opts.timeout()), false
		case <-time.After(hangGrace):
			return fmt.Sprintf("timed out after %v and did not stop when cancelled; rest of script not run", opts.timeout()), true
		}
	}
	return check(rec, out, opts), false
}

// check compares an outcome with what the record expects.
func check(rec *Record, out outcome, opts Options) string {
	if rec.ExpectError {
		if out.err == nil {
			return "expected an error, but the " + rec.Kind.String() + " succeeded"
		}
		var p *errPanic
		if errors.As(out.err, &p) {
			return "expected an error, got a panic: " + p.Error()
		}
		if rec.ErrorPattern != nil && !rec.ErrorPattern.MatchString(out.err.Error()) {
			return fmt.Sprintf("error %q does not match /%s/", out.err.Error(), rec.ErrorPattern)
		}
		return ""
	}
	if out.err != nil {
		return "unexpected error: " + out.err.Error()
	}
	if rec.Kind == KindStatement {
		return ""
	}
	want := len(rec.Types)
	if out.ncols != want {
		return fmt.Sprintf("expected %d columns (%s), got %d (%s)", want, rec.Types, out.ncols, out.letters)
	}
	// An empty result says nothing about column types in the generating
	// engine either, so types are checked only when there are rows.
	if len(out.values) > 0 {
		for j := 0; j < want; j++ {
			if !compatibleLetters(rec.Types[j], out.letters[j]) {
				return fmt.Sprintf("column %d: expected type %c, got %c (column types %s, got %s)", j+1, rec.Types[j], out.letters[j], rec.Types, out.letters)
			}
		}
	}
	vals := sortValues(out.values, want, rec.Sort)
	if rec.IsHash() {
		if len(vals) != rec.HashCount {
			return fmt.Sprintf("expected %d values, got %d\n%s", rec.HashCount, len(vals), showValues(vals, want))
		}
		if h := HashValues(vals); h != rec.Hash {
			return fmt.Sprintf("expected %d values hashing to %s, got hash %s\n%s", rec.HashCount, rec.Hash, h, showValues(vals, want))
		}
		return ""
	}
	// Expected results are sorted the same way, so that hand-written files
	// need not list rows in string order (generated ones already do).
	if len(rec.Expected) == len(vals) {
		exp := sortValues(rec.Expected, want, rec.Sort)
		if equalLines(exp, vals) {
			return ""
		}
		return fmt.Sprintf("wrong result\nexpected:\n%s\ngot:\n%s", indent(joinRows(exp, want)), indent(joinRows(vals, want)))
	}
	// Our own files may write a whole row per line, values separated by spaces.
	if want > 1 && len(vals) > 0 && len(rec.Expected) == len(vals)/want {
		rows := joinRows(vals, want)
		exp := rec.Expected
		if rec.Sort != NoSort {
			rows = sortValues(rows, 1, ValueSort)
			exp = sortValues(exp, 1, ValueSort)
		}
		if equalLines(exp, rows) {
			return ""
		}
		return fmt.Sprintf("wrong result (rows)\nexpected:\n%s\ngot:\n%s", indent(exp), indent(rows))
	}
	return fmt.Sprintf("wrong result (%d values expected, %d got)\nexpected:\n%s\ngot:\n%s", len(rec.Expected), len(vals), indent(rec.Expected), indent(joinRows(vals, want)))
}

func equalLines(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != got[i] {
			return false
		}
	}
	return true
}

func joinRows(vals []string, ncols int) []string {
	if ncols <= 0 {
		return vals
	}
	rows := make([]string, 0, len(vals)/ncols)
	for i := 0; i+ncols <= len(vals); i += ncols {
		rows = append(rows, strings.Join(vals[i:i+ncols], " "))
	}
	return rows
}

// maxShown bounds the lines of a result shown in a failure message.
const maxShown = 40

func indent(lines []string) string {
	if len(lines) == 0 {
		return "    (no rows)"
	}
	var sb strings.Builder
	for i, l := range lines {
		if i == maxShown {
			fmt.Fprintf(&sb, "    … %d more\n", len(lines)-maxShown)
			break
		}
		sb.WriteString("    ")
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return strings.TrimRight(sb.String(), "\n")
}

func showValues(vals []string, ncols int) string {
	return "got:\n" + indent(joinRows(vals, ncols))
}

// sortValues orders values (row-major, ncols per row) as the sort mode says,
// comparing values as strings, as sqllogictest does.
func sortValues(vals []string, ncols int, mode SortMode) []string {
	switch mode {
	case ValueSort:
		out := append([]string(nil), vals...)
		sort.Strings(out)
		return out
	case RowSort:
		if ncols <= 0 || len(vals)%ncols != 0 {
			return vals
		}
		n := len(vals) / ncols
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			ra, rb := vals[idx[a]*ncols:(idx[a]+1)*ncols], vals[idx[b]*ncols:(idx[b]+1)*ncols]
			for k := range ra {
				if ra[k] != rb[k] {
					return ra[k] < rb[k]
				}
			}
			return false
		})
		out := make([]string, 0, len(vals))
		for _, i := range idx {
			out = append(out, vals[i*ncols:(i+1)*ncols]...)
		}
		return out
	}
	return vals
}

// HashValues is sqllogictest's result hash: md5 of every value followed by
// a newline, in order, as lowercase hex.
func HashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

var (
	reErrCode = regexp.MustCompile(`^(unexpected error: )?ERROR \d+ \([0-9A-Z]+\)`)
	reNumbers = regexp.MustCompile(`\d+(\.\d+)?`)
	reQuoted  = regexp.MustCompile("'[^']*'|`[^`]*`|\"[^\"]*\"")
)

// normalizeMsg groups failures that differ only in values and names.
func normalizeMsg(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	// Keep MySQL's error number: it is the most telling part.
	prefix := reErrCode.FindString(msg)
	msg = msg[len(prefix):]
	msg = reQuoted.ReplaceAllString(msg, "'#'")
	msg = prefix + reNumbers.ReplaceAllString(msg, "#")
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return msg
}
