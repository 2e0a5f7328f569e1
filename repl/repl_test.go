package repl

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
)

// TestShellSession feeds the shell lines without a terminal (readline then
// reads plain lines) and checks statements, commands and error carets.
func TestShellSession(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := &fakeDB{mem: mem}
	input := strings.Join([]string{
		"SELECT 1,",           // continues on the next line
		"  2;",                // the fake cannot parse "1,\n  2": error with caret
		"INSERT x; SELECT 5;", // two statements on one line
		"SELECT 6; INSERT",    // the first runs now, the tail waits
		"y;",
		`\d`,
		`\d orders`,
		`\timing`,
		`\format csv`,
		"SELECT 7;",
		`\format xml`,
		"FAIL;",
		"SELECT 8;",
		`\q`,
		"SELECT 9;", // never runs
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	err := Run(context.Background(), Config{
		DB:          db,
		Stdin:       io.NopCloser(strings.NewReader(input)),
		Stdout:      &out,
		Stderr:      &errOut,
		HistoryFile: filepath.Join(t.TempDir(), "hist"),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRan := []string{"SELECT 1,\n  2", "INSERT x", "SELECT 5", "SELECT 6", "INSERT\ny", "SHOW TABLES", "DESCRIBE `orders`", "SELECT 7", "FAIL", "SELECT 8"}
	if strings.Join(db.ran, "|") != strings.Join(wantRan, "|") {
		t.Errorf("ran %q\nwant %q", db.ran, wantRan)
	}
	o := out.String()
	for _, want := range []string{
		"Query OK, 1 row affected (",                 // timing is on at start
		"| n |\n+---+\n| 5 |\n+---+\n1 row in set (", // aligned table
		"| Tables |\n+--------+\n| orders |\n| users  |",
		"| order_id |",
		"Timing is off.",
		"n\n7\n", // csv after \format csv
		"n\n8\n", // the session goes on after an error
		"Bye",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	e := errOut.String()
	for _, want := range []string{
		"ERROR 1064 (42000): bad select (line 1, column 8)\n  SELECT 1,\n         ^\n",
		"usage: \\format table|csv|tsv|json (now csv)",
		"ERROR 1146 (42S02): Table 'x' doesn't exist\n  FAIL;\n  ^\n",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("errors lack %q:\n%s", want, e)
		}
	}
}

func TestHistoryEntry(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT a,\n   b\n FROM t;\n", "SELECT a, b FROM t;"},
		{"SELECT 1 -- note\nFROM t;", "SELECT 1 /* note */ FROM t;"},
		{"SELECT 1 # a */ b\n, 2;", "SELECT 1 /* a * / b */ , 2;"},
		{"SELECT 1; -- done", "SELECT 1; /* done */"},
		{"INSERT INTO t VALUES ('a\nb', 'it''s', 'x\\'y');", `INSERT INTO t VALUES ('a\nb', 'it''s', 'x\'y');`},
		{"SELECT 5--3;", "SELECT 5--3;"},
		{"SELECT '-- not a comment'\n;", "SELECT '-- not a comment' ;"},
	}
	for _, c := range cases {
		got := historyEntry(c.in)
		if got != c.want {
			t.Errorf("historyEntry(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("historyEntry(%q) has a line break", c.in)
		}
		// Recalled, it must split into the same statements.
		orig, err1 := genevasql.Split(c.in)
		back, err2 := genevasql.Split(got)
		if err1 != nil || err2 != nil || len(orig) != len(back) {
			t.Errorf("historyEntry(%q) = %q splits differently: %v %v", c.in, got, err2, back)
		}
	}
}

func TestHistoryPath(t *testing.T) {
	t.Setenv("GENEVASQL_HISTORY", "/x/h")
	if HistoryPath() != "/x/h" {
		t.Errorf("GENEVASQL_HISTORY not honoured: %q", HistoryPath())
	}
	t.Setenv("GENEVASQL_HISTORY", "")
	t.Setenv("HOME", "/home/u")
	if HistoryPath() != "/home/u/.genevasql_history" {
		t.Errorf("default history path %q", HistoryPath())
	}
}
