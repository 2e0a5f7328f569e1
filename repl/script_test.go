package repl

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/sqlerr"
)

// fakeDB answers "SELECT n" with one row holding n, "FAIL" with an error
// positioned at the statement (as the engine does), "BOOM" with a panic, and
// anything else with "Query OK". It records what ran.
type fakeDB struct {
	mem memory.Allocator
	ran []string
}

func (f *fakeDB) Run(ctx context.Context, st genevasql.Statement, args ...any) (*genevasql.Result, error) {
	f.ran = append(f.ran, st.Text)
	switch {
	case st.Text == "FAIL":
		return nil, sqlerr.New(sqlerr.ErrNoSuchTable, "Table 'x' doesn't exist").At(st.Line, st.Column)
	case st.Text == "BOOM":
		panic("kernel bug")
	case st.Text == "NOPOS":
		return nil, errors.New("disk on fire")
	case st.Text == "SHOW TABLES":
		return f.strings("Tables", "orders", "users"), nil
	case st.Text == "DESCRIBE `orders`":
		return f.strings("Field", "order_id", "amount"), nil
	case strings.HasPrefix(st.Text, "DESCRIBE"):
		return nil, sqlerr.New(sqlerr.ErrNoSuchTable, "no such table")
	case strings.HasPrefix(st.Text, "SELECT "):
		n, err := strconv.ParseInt(strings.TrimPrefix(st.Text, "SELECT "), 10, 64)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrParse, "bad select").At(st.Line, st.Column+7)
		}
		b := array.NewInt64Builder(f.mem)
		b.Append(n)
		col := b.NewArray()
		b.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, 1)
		col.Release()
		rdr, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		rec.Release()
		return &genevasql.Result{Reader: rdr}, nil
	}
	return &genevasql.Result{RowsAffected: 1}, nil
}

// strings returns a one-column result of texts.
func (f *fakeDB) strings(name string, vals ...string) *genevasql.Result {
	b := array.NewStringBuilder(f.mem)
	b.AppendValues(vals, nil)
	col := b.NewArray()
	b.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.BinaryTypes.String}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
	col.Release()
	rdr, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	rec.Release()
	return &genevasql.Result{Reader: rdr}
}

func TestRunScript(t *testing.T) {
	cases := []struct {
		name     string
		script   string
		cont     bool
		ran      []string
		errs     string // what goes to the error writer
		out      string
		failed   int
		wantLine int
	}{
		{
			name:   "all good",
			script: "SELECT 1;\nINSERT x;\n",
			ran:    []string{"SELECT 1", "INSERT x"},
			out:    "n\n1\n",
		},
		{
			name:     "stops at first error",
			script:   "SELECT 1;\nINSERT x;\n  FAIL;\nSELECT 2;",
			ran:      []string{"SELECT 1", "INSERT x", "FAIL"},
			errs:     "t.sql:3:3: ERROR 1146 (42S02): Table 'x' doesn't exist\n",
			out:      "n\n1\n",
			failed:   1,
			wantLine: 3,
		},
		{
			name:     "continue on error",
			script:   "FAIL;\nSELECT 2;\nSELECT oops;",
			cont:     true,
			ran:      []string{"FAIL", "SELECT 2", "SELECT oops"},
			errs:     "t.sql:1:1: ERROR 1146 (42S02): Table 'x' doesn't exist\nt.sql:3:8: ERROR 1064 (42000): bad select\n",
			out:      "n\n2\n",
			failed:   2,
			wantLine: 1,
		},
		{
			name:     "unterminated string runs what came before",
			script:   "SELECT 1;\nSELECT 2;\nINSERT 'abc;\nSELECT 3;",
			ran:      []string{"SELECT 1", "SELECT 2"},
			errs:     "t.sql:3:8: ERROR 1064 (42000): unterminated quoted string starting with '\n",
			out:      "n\n1\nn\n2\n",
			failed:   1,
			wantLine: 3,
		},
		{
			name:     "panic becomes an error",
			script:   "SELECT 1;\n\nBOOM;",
			ran:      []string{"SELECT 1", "BOOM"},
			errs:     "t.sql:3:1: ERROR 1105 (HY000): internal error: kernel bug\n",
			out:      "n\n1\n",
			failed:   1,
			wantLine: 3,
		},
		{
			name:     "error without position gets the statement's",
			script:   "\n\n   NOPOS",
			ran:      []string{"NOPOS"},
			errs:     "t.sql:3:4: ERROR 1105 (HY000): disk on fire\n",
			failed:   1,
			wantLine: 3,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			db := &fakeDB{mem: mem}
			var out, errs bytes.Buffer
			err := RunScript(context.Background(), db, c.script, ScriptOptions{
				Name:            "t.sql",
				Printer:         &Printer{Out: &out, Format: FormatCSV},
				Errors:          &errs,
				ContinueOnError: c.cont,
			})
			if strings.Join(db.ran, "|") != strings.Join(c.ran, "|") {
				t.Errorf("ran %q, want %q", db.ran, c.ran)
			}
			if errs.String() != c.errs {
				t.Errorf("errors %q, want %q", errs.String(), c.errs)
			}
			if out.String() != c.out {
				t.Errorf("output %q, want %q", out.String(), c.out)
			}
			var se *ScriptError
			switch {
			case c.failed == 0 && err != nil:
				t.Errorf("unexpected error %v", err)
			case c.failed > 0 && !errors.As(err, &se):
				t.Errorf("error %v is not a *ScriptError", err)
			case c.failed > 0 && (se.Failed != c.failed || se.Line != c.wantLine):
				t.Errorf("ScriptError failed=%d line=%d, want %d, %d", se.Failed, se.Line, c.failed, c.wantLine)
			}
		})
	}
}

func TestRunScriptCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db := &fakeDB{mem: memory.NewGoAllocator()}
	err := RunScript(ctx, db, "INSERT a; INSERT b;", ScriptOptions{Name: "-c"})
	if !errors.Is(err, context.Canceled) || len(db.ran) != 0 {
		t.Errorf("got %v after running %q; want context.Canceled and nothing run", err, db.ran)
	}
}

func TestComplete(t *testing.T) {
	cases := []struct {
		text string
		want bool
	}{
		{"SELECT 1;", true},
		{"SELECT 1", false},
		{"SELECT 1\n  FROM t;", true},
		{"SELECT ';'", false},
		{"SELECT 'a;\nb';", true},
		{"SELECT 1 -- ;", false},
		{"SELECT 1 /* ; */", false},
		{"SELECT 1; -- done", true},
		{"SELECT 1; SELECT", false},
		{"/* only a comment */;", false},
		{"", false},
	}
	for _, c := range cases {
		if got := Complete(c.text); got != c.want {
			t.Errorf("Complete(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestFormatError(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{sqlerr.New(sqlerr.ErrParse, "syntax").At(3, 7), "f.sql:3:7: ERROR 1064 (42000): syntax"},
		{sqlerr.New(sqlerr.ErrParse, "syntax"), "f.sql: ERROR 1064 (42000): syntax"},
		{errors.New("plain"), "f.sql: plain"},
	}
	for _, c := range cases {
		if got := FormatError("f.sql", c.err); got != c.want {
			t.Errorf("FormatError(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestErrorWithCaret(t *testing.T) {
	text := "SELECT a,\n\tb FROM nope\nWHERE 1;"
	got := errorWithCaret(text, sqlerr.New(sqlerr.ErrNoSuchTable, "Table 'nope' doesn't exist").At(2, 9))
	want := "ERROR 1146 (42S02): Table 'nope' doesn't exist (line 2, column 9)\n  \tb FROM nope\n  \t       ^"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	one := errorWithCaret("SELEC 1;", sqlerr.New(sqlerr.ErrParse, "syntax error").At(1, 1))
	if one != "ERROR 1064 (42000): syntax error\n  SELEC 1;\n  ^" {
		t.Errorf("got %q", one)
	}
}

func TestCandidates(t *testing.T) {
	names := []string{"Orders", "order_id", "price"}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"sel", []string{"ect"}},
		{"SEL", []string{"ECT"}},
		{"ord", []string{"er_id", "er"}}, // "Orders" does not start with "ord" in its own case
		{"Ord", []string{"ers"}},
		{"pri", []string{"ce"}},
		{"zzz", nil},
	}
	for _, c := range cases {
		var got []string
		for _, r := range candidates(c.prefix, names) {
			got = append(got, string(r))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("candidates(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
}

// TestCompleterLoadsNames checks that completion reads table and column
// names through SHOW TABLES and DESCRIBE, tolerates a failing DESCRIBE, and
// reloads only after invalidate.
func TestCompleterLoadsNames(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := &fakeDB{mem: mem}
	c := newCompleter(db)
	got, n := c.Do([]rune("SELECT ord FROM x"), 10)
	if n != 3 || len(got) != 3 || string(got[0]) != "er_id" || string(got[1]) != "ers" || string(got[2]) != "er" {
		t.Errorf("Do = %q, %d; want [er_id ers er], 3", got, n)
	}
	got, _ = c.Do([]rune("SELECT am"), 9)
	if len(got) != 1 || string(got[0]) != "ount" {
		t.Errorf("column completion = %q", got)
	}
	ran := len(db.ran)
	c.Do([]rune("us"), 2)
	if len(db.ran) != ran {
		t.Errorf("names reloaded without invalidate: %q", db.ran[ran:])
	}
	c.invalidate()
	c.Do([]rune("us"), 2)
	if len(db.ran) != ran+3 {
		t.Errorf("after invalidate ran %q, want SHOW TABLES and two DESCRIBEs", db.ran[ran:])
	}
	if got, n := c.Do([]rune("x "), 2); got != nil || n != 0 {
		t.Errorf("completion after a space = %q, %d", got, n)
	}
}

func TestSplitComplete(t *testing.T) {
	cases := []struct{ text, done, rest string }{
		{"SELECT 1;", "SELECT 1;", ""},
		{"SELECT 1", "", "SELECT 1"},
		{"SELECT 1; SELECT", "SELECT 1;", "SELECT"},
		{"SELECT 1; SELECT 2 ; -- note", "SELECT 1; SELECT 2 ;", ""},
		{"SELECT ';' ; SELECT 'x", "SELECT ';' ;", "SELECT 'x"},
		{"SELECT 1;\n  /* open", "SELECT 1;", "/* open"},
		{"  \n", "", ""},
	}
	for _, c := range cases {
		done, rest := SplitComplete(c.text)
		if done != c.done || rest != c.rest {
			t.Errorf("SplitComplete(%q) = %q, %q; want %q, %q", c.text, done, rest, c.done, c.rest)
		}
	}
}

// FuzzSplitComplete checks that SplitComplete never panics, that done is a
// prefix of the text ending in ';', and that rest is what follows it.
func FuzzSplitComplete(f *testing.F) {
	for _, s := range []string{"SELECT 1;", "SELECT ';", "a; b; c", "/* x */;", "-- ;\n;", "SELECT `a;b`; x", "'\\';'", "\"a\"\"b\";"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		done, rest := SplitComplete(text)
		if !strings.HasPrefix(text, done) {
			t.Fatalf("done %q is not a prefix of %q", done, text)
		}
		if done != "" && !strings.HasSuffix(done, ";") {
			t.Fatalf("done %q does not end with ';'", done)
		}
		tail := strings.TrimLeft(text[len(done):], " \t\r\n")
		if rest != tail && rest != "" {
			t.Fatalf("rest %q, want %q or empty", rest, tail)
		}
	})
}
