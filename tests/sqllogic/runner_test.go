package sqllogic

import (
	"context"
	"crypto/md5"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	schemaIT = arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	schemaR = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	schemaI = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
)

func md5Hex(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }

// fakeAnswers are the rows the fake database returns for the scripts below.
func fakeAnswers(db *fakeDB) {
	db.answers["SELECT a, b FROM t"] = fakeAnswer{schema: schemaIT, batches: []string{
		`[{"a": 2, "b": "x"}, {"a": null, "b": ""}]`,
		`[{"a": 1, "b": "y z"}]`,
	}}
	db.answers["SELECT x FROM r"] = fakeAnswer{schema: schemaR, batches: []string{`[{"x": 1.5}, {"x": -0.25}, {"x": null}, {"x": 3}]`}}
	db.answers["SELECT x FROM i"] = fakeAnswer{schema: schemaI, batches: []string{`[{"x": 10}, {"x": 9}, {"x": 100}]`}}
	db.answers["SELECT nothing"] = fakeAnswer{schema: schemaI, batches: nil}
	db.answers["SELECT bad"] = fakeAnswer{err: fmt.Errorf("ERROR 1054 (42S22): Unknown column 'bad' in 'field list'")}
}

func TestRunRecords(t *testing.T) {
	hashIT := md5Hex("1\ny z\n2\nx\nNULL\n(empty)\n")
	tests := []struct {
		name   string
		script string
		// pass/fail/skip counts expected, and a substring of the first failure.
		passed, failed, skipped, notRun int
		failMsg                         string
	}{
		{"statement ok", "statement ok\nCREATE TABLE t (a INT)\n", 1, 0, 0, 0, ""},
		{"statement error expected and got", "statement error\nERR x\n", 1, 0, 0, 0, ""},
		{"statement error with matching pattern", "statement error 1146\nERR x\n", 1, 0, 0, 0, ""},
		{"statement error pattern mismatch", "statement error 1054\nERR x\n", 0, 1, 0, 0, "does not match /1054/"},
		{"statement error but succeeded", "statement error\nCREATE TABLE t (a INT)\n", 0, 1, 0, 0, "expected an error"},
		{"statement ok but failed", "statement ok\nERR x\n", 0, 1, 0, 0, "unexpected error: ERROR 1146"},
		{"query nosort values", "query IT nosort\nSELECT a, b FROM t\n----\n2\nx\nNULL\n(empty)\n1\ny z\n", 1, 0, 0, 0, ""},
		{"query rowsort values", "query IT rowsort\nSELECT a, b FROM t\n----\n1\ny z\n2\nx\nNULL\n(empty)\n", 1, 0, 0, 0, ""},
		{"query rowsort row layout", "query IT rowsort\nSELECT a, b FROM t\n----\n1 y z\n2 x\nNULL (empty)\n", 1, 0, 0, 0, ""},
		{"query row layout mismatch", "query IT rowsort\nSELECT a, b FROM t\n----\n1 y z\n2 x\nNULL NULL\n", 0, 1, 0, 0, "wrong result (rows)"},
		{"query nosort order matters", "query IT nosort\nSELECT a, b FROM t\n----\n1\ny z\n2\nx\nNULL\n(empty)\n", 0, 1, 0, 0, "wrong result"},
		{"query nosort rows order matters", "query IT nosort\nSELECT a, b FROM t\n----\n1 y z\n2 x\nNULL (empty)\n", 0, 1, 0, 0, "wrong result (rows)"},
		{"rowsort expected in any order", "query IT rowsort\nSELECT a, b FROM t\n----\nNULL\n(empty)\n2\nx\n1\ny z\n", 1, 0, 0, 0, ""},
		{"rowsort rows in any order", "query IT rowsort\nSELECT a, b FROM t\n----\n2 x\nNULL (empty)\n1 y z\n", 1, 0, 0, 0, ""},
		{"valuesort expected in any order", "query IT valuesort\nSELECT a, b FROM t\n----\nx\n1\n2\nNULL\n(empty)\ny z\n", 1, 0, 0, 0, ""},
		{"query valuesort", "query IT valuesort\nSELECT a, b FROM t\n----\n(empty)\n1\n2\nNULL\nx\ny z\n", 1, 0, 0, 0, ""},
		{"query hash", "query IT rowsort\nSELECT a, b FROM t\n----\n6 values hashing to " + hashIT + "\n", 1, 0, 0, 0, ""},
		{"query hash wrong", "query IT nosort\nSELECT a, b FROM t\n----\n6 values hashing to " + hashIT + "\n", 0, 1, 0, 0, "got hash"},
		{"query hash wrong count", "query IT rowsort\nSELECT a, b FROM t\n----\n8 values hashing to " + hashIT + "\n", 0, 1, 0, 0, "expected 8 values, got 6"},
		{"R formats 3 decimals", "query R rowsort\nSELECT x FROM r\n----\n-0.250\n1.500\n3.000\nNULL\n", 1, 0, 0, 0, ""},
		{"I column may come back as float when whole", "query I nosort\nSELECT x FROM r\n----\n1.500\n-0.250\nNULL\n3\n", 1, 0, 0, 0, ""},
		{"R column may come back as integer", "query R nosort\nSELECT x FROM i\n----\n10.000\n9.000\n100.000\n", 1, 0, 0, 0, ""},
		{"rowsort compares as strings", "query I rowsort\nSELECT x FROM i\n----\n10\n100\n9\n", 1, 0, 0, 0, ""},
		{"text expected, integer got", "query T rowsort\nSELECT x FROM i\n----\n10\n100\n9\n", 0, 1, 0, 0, "expected type T, got I"},
		{"column count", "query II rowsort\nSELECT x FROM i\n----\n", 0, 1, 0, 0, "expected 2 columns"},
		{"empty result", "query I nosort\nSELECT nothing\n----\n", 1, 0, 0, 0, ""},
		{"empty result without separator", "query I nosort\nSELECT nothing\n", 1, 0, 0, 0, ""},
		{"rows where none expected", "query I nosort\nSELECT x FROM i\n", 0, 1, 0, 0, "0 values expected, 3 got"},
		{"query error", "query error Unknown column\nSELECT bad\n", 1, 0, 0, 0, ""},
		{"query error but rows", "query error\nSELECT x FROM i\n", 0, 1, 0, 0, "expected an error, but the query succeeded"},
		{"query unexpected error", "query I nosort\nSELECT bad\n----\n1\n", 0, 1, 0, 0, "Unknown column 'bad'"},
		{"panic is a failure", "statement ok\nPANIC\n\nstatement ok\nCREATE TABLE t (a INT)\n", 1, 1, 0, 0, "engine panicked: boom"},
		{"panic is not the error expected", "statement error\nPANIC\n", 0, 1, 0, 0, "got a panic"},
		{"timeout honoured", "statement ok\nSLEEP\n\nstatement ok\nCREATE TABLE t (a INT)\n", 1, 1, 0, 0, "timed out"},
		{"skipif mysql", "skipif mysql\nstatement ok\nERR x\n\nstatement ok\nX\n", 1, 0, 1, 0, ""},
		{"onlyif other engine", "onlyif sqlite\nstatement ok\nERR x\n", 0, 0, 1, 0, ""},
		{"onlyif mysql", "onlyif mysql # comment\nstatement ok\nX\n", 1, 0, 0, 0, ""},
		{"onlyif ignored next to skipif", "skipif mssql\nonlyif sqlite\nstatement ok\nX\n", 1, 0, 0, 0, ""},
		{"halt for mysql", "statement ok\nX\n\nonlyif mysql\nhalt\n\nstatement ok\nY\n\nquery I nosort\nSELECT 1\n", 1, 0, 0, 2, ""},
		{"halt for others ignored", "onlyif sqlite\nhalt\n\nstatement ok\nY\n", 1, 0, 0, 0, ""},
		{"comments and hash-threshold", "# comment\nhash-threshold 8\n\n# another\nstatement ok\nX\n", 1, 0, 0, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			db := newFakeDB(mem)
			fakeAnswers(db)
			recs, err := Parse(strings.NewReader(tc.script), "x.test")
			if err != nil {
				t.Fatal(err)
			}
			res := RunRecords(context.Background(), "x.test", recs, db, Options{Timeout: 200 * time.Millisecond})
			if res.Passed != tc.passed || res.Failed != tc.failed || res.Skipped != tc.skipped || res.NotRun != tc.notRun {
				t.Fatalf("passed/failed/skipped/notrun = %d/%d/%d/%d, want %d/%d/%d/%d; failures: %v",
					res.Passed, res.Failed, res.Skipped, res.NotRun, tc.passed, tc.failed, tc.skipped, tc.notRun, res.Failures)
			}
			if res.Run != res.Passed+res.Failed {
				t.Errorf("run %d != passed %d + failed %d", res.Run, res.Passed, res.Failed)
			}
			if tc.failMsg == "" {
				return
			}
			if len(res.Failures) == 0 || !strings.Contains(res.Failures[0].Msg, tc.failMsg) {
				t.Fatalf("first failure %v, want one containing %q", res.Failures, tc.failMsg)
			}
			if res.Failures[0].Line == 0 || res.Failures[0].File != "x.test" {
				t.Errorf("failure without position: %+v", res.Failures[0])
			}
		})
	}
}

func TestRunRecordsFailurePosition(t *testing.T) {
	db := newFakeDB(memory.NewGoAllocator())
	fakeAnswers(db)
	script := "statement ok\nX\n\n# comment\nskipif sqlite\nquery I nosort\nSELECT x FROM i\n----\n1\n"
	recs, err := Parse(strings.NewReader(script), "p.test")
	if err != nil {
		t.Fatal(err)
	}
	res := RunRecords(context.Background(), "p.test", recs, db, Options{})
	if len(res.Failures) != 1 {
		t.Fatalf("failures %v", res.Failures)
	}
	f := res.Failures[0]
	if f.Line != 6 || f.SQL != "SELECT x FROM i" {
		t.Errorf("failure at line %d sql %q, want line 6 (the query header)", f.Line, f.SQL)
	}
	for _, want := range []string{"p.test:6:", "expected:\n    1", "got:\n    10\n    9\n    100"} {
		if s := f.String(); !strings.Contains(s, want) {
			t.Errorf("failure text %q lacks %q", s, want)
		}
	}
}

func TestRunRecordsHung(t *testing.T) {
	db := newFakeDB(memory.NewGoAllocator())
	defer close(db.hang)
	recs, err := Parse(strings.NewReader("statement ok\nHANG\n\nstatement ok\nX\n\nquery I nosort\nSELECT 1\n"), "h.test")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := RunRecords(context.Background(), "h.test", recs, db, Options{Timeout: 50 * time.Millisecond})
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("runner waited %v for a hung record", el)
	}
	if !res.Hung || res.Failed != 1 || res.NotRun != 2 || db.execs.Load() != 1 {
		t.Fatalf("hung=%v failed=%d notRun=%d execs=%d, want true/1/2/1", res.Hung, res.Failed, res.NotRun, db.execs.Load())
	}
}

func TestRunRecordsSampleAndDeadline(t *testing.T) {
	db := newFakeDB(memory.NewGoAllocator())
	fakeAnswers(db)
	var sb strings.Builder
	sb.WriteString("statement ok\nX\n\n")
	for i := 0; i < 10; i++ {
		sb.WriteString("query I nosort\nSELECT nothing\n\n")
	}
	recs, err := Parse(strings.NewReader(sb.String()), "s.test")
	if err != nil {
		t.Fatal(err)
	}
	res := RunRecords(context.Background(), "s.test", recs, db, Options{SampleEvery: 4})
	// Queries 1, 5 and 9 run; the statement always runs.
	if res.Passed != 4 || res.Skipped != 7 || res.Records != 11 {
		t.Errorf("sampled: passed %d skipped %d records %d, want 4/7/11", res.Passed, res.Skipped, res.Records)
	}
	res = RunRecords(context.Background(), "s.test", recs, db, Options{Deadline: time.Now().Add(-time.Second)})
	if !res.Deadline || res.NotRun != 11 || res.Run != 0 {
		t.Errorf("past deadline: deadline=%v notRun %d run %d, want true/11/0", res.Deadline, res.NotRun, res.Run)
	}
}

func TestParse(t *testing.T) {
	script := `hash-threshold 8

# a comment
statement ok
CREATE TABLE t1(a INTEGER,
  b INTEGER)

skipif mysql # not compatible
onlyif sqlite
query IRT rowsort label-7
SELECT a, b,
 c FROM t1
----
1
2.000
x

query error no such
SELECT * FROM nope

query I valuesort
SELECT 1
----
30 values hashing to 3c13dee48d9356ae19af2515e05e6b54

statement error 1146
DROP TABLE x

halt
`
	recs, err := Parse(strings.NewReader(script), "t.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 {
		t.Fatalf("got %d records, want 7", len(recs))
	}
	checks := []struct {
		got, want any
	}{
		{recs[0].Kind, KindHashThreshold}, {recs[0].Threshold, 8},
		{recs[1].Kind, KindStatement}, {recs[1].Line, 4}, {recs[1].SQL, "CREATE TABLE t1(a INTEGER,\n  b INTEGER)"}, {recs[1].ExpectError, false},
		{recs[2].Kind, KindQuery}, {recs[2].Line, 10}, {recs[2].Types, "IRT"}, {recs[2].Sort, RowSort}, {recs[2].Label, "label-7"},
		{len(recs[2].Conditions), 2}, {recs[2].Conditions[0], Condition{Only: false, Engine: "mysql"}}, {recs[2].Conditions[1], Condition{Only: true, Engine: "sqlite"}},
		{strings.Join(recs[2].Expected, "|"), "1|2.000|x"}, {recs[2].SQL, "SELECT a, b,\n c FROM t1"},
		{recs[3].ExpectError, true}, {recs[3].ErrorPattern.String(), "no such"}, {recs[3].SQL, "SELECT * FROM nope"},
		{recs[4].IsHash(), true}, {recs[4].HashCount, 30}, {recs[4].Hash, "3c13dee48d9356ae19af2515e05e6b54"}, {recs[4].Sort, ValueSort},
		{recs[5].ExpectError, true}, {recs[5].ErrorPattern.String(), "1146"}, {recs[6].Kind, KindHalt},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
		}
	}
	if recs[2].ShouldRun([]string{"mysql"}) || !recs[1].ShouldRun([]string{"mysql"}) {
		t.Error("conditions not applied")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ script, want string }{
		{"statement maybe\nX\n", "e.test:1: statement must be followed by ok or error"},
		{"\n\nquery IX nosort\nSELECT 1\n", "e.test:3: bad column type"},
		{"query I upsidedown\nSELECT 1\n", "e.test:1: unknown sort mode"},
		{"statement ok\n\n", "e.test:1: statement without SQL"},
		{"frobnicate\n", "e.test:1: unknown record"},
		{"statement error (\nX\n", "e.test:1: bad error pattern"},
		{"statement ok\nX\n\nskipif mysql\n", "skipif/onlyif at end of file"},
		{"hash-threshold many\n", "e.test:1: bad hash-threshold"},
	}
	for _, tc := range tests {
		_, err := Parse(strings.NewReader(tc.script), "e.test")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.script, err, tc.want)
		}
	}
}

func TestHashValues(t *testing.T) {
	vals := []string{"1", "NULL", "(empty)", "x y"}
	if got, want := HashValues(vals), md5Hex("1\nNULL\n(empty)\nx y\n"); got != want {
		t.Errorf("HashValues = %s, want %s", got, want)
	}
	if got, want := HashValues(nil), md5Hex(""); got != want {
		t.Errorf("HashValues(nil) = %s, want %s", got, want)
	}
}

func TestSortValues(t *testing.T) {
	vals := []string{"b", "2", "a", "10", "a", "1"}
	tests := []struct {
		mode SortMode
		want string
	}{
		{NoSort, "b 2 a 10 a 1"},
		{RowSort, "a 1 a 10 b 2"},
		{ValueSort, "1 10 2 a a b"},
	}
	for _, tc := range tests {
		got := strings.Join(sortValues(vals, 2, tc.mode), " ")
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.mode, got, tc.want)
		}
	}
	if strings.Join(vals, " ") != "b 2 a 10 a 1" {
		t.Error("sortValues changed its input")
	}
}

func TestNormalizeMsg(t *testing.T) {
	tests := []struct{ in, want string }{
		{"unexpected error: ERROR 1146 (42S02): Table 'x' doesn't exist at line 3 column 7",
			"unexpected error: ERROR 1146 (42S02): Table '#' doesn't exist at line # column #"},
		{"expected 30 values, got 12\ngot:\n    1", "expected # values, got #"},
		{"column 2: expected type T, got I", "column #: expected type T, got I"},
	}
	for _, tc := range tests {
		if got := normalizeMsg(tc.in); got != tc.want {
			t.Errorf("normalizeMsg(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if a, b := normalizeMsg("unexpected error: ERROR 1054 (42S22): Unknown column 'a'"), normalizeMsg("unexpected error: ERROR 1054 (42S22): Unknown column 'zz'"); a != b {
		t.Errorf("messages differing only in names group apart: %q vs %q", a, b)
	}
}
