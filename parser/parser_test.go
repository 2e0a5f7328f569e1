package parser

import (
	"reflect"
	"testing"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name   string
		script string
		want   []string
		lines  []int
	}{
		{"simple", "SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}, []int{1, 1}},
		{"semicolon in string", "SELECT 'a;b';\nSELECT \"c;\"", []string{"SELECT 'a;b'", "SELECT \"c;\""}, []int{1, 2}},
		{"semicolon in comments", "SELECT 1 -- x;y\n;/* ; */ SELECT 2 # ;\n", []string{"SELECT 1 -- x;y", "/* ; */ SELECT 2 # ;"}, []int{1, 2}},
		{"escaped quotes", `SELECT 'it''s;', 'a\';b';`, []string{`SELECT 'it''s;', 'a\';b'`}, []int{1}},
		{"backtick", "SELECT `a;b` FROM t", []string{"SELECT `a;b` FROM t"}, []int{1}},
		{"empty statements dropped", " ; ;\n-- only a comment\n", nil, nil},
		{"multi-line positions", "\n\n  CREATE TABLE t (a INT);\n  INSERT INTO t VALUES (1)", []string{"CREATE TABLE t (a INT)", "INSERT INTO t VALUES (1)"}, []int{3, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.script)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			var lines []int
			for _, s := range got {
				texts = append(texts, s.Text)
				lines = append(lines, s.Line)
				if c.script[s.Offset:s.Offset+len(s.Text)] != s.Text {
					t.Errorf("offset %d does not point at %q", s.Offset, s.Text)
				}
			}
			if !reflect.DeepEqual(texts, c.want) || !reflect.DeepEqual(lines, c.lines) {
				t.Errorf("got %q lines %v, want %q lines %v", texts, lines, c.want, c.lines)
			}
		})
	}
}

func TestSplitUnterminated(t *testing.T) {
	_, err := Split("SELECT 1;\nSELECT 'abc")
	e, ok := err.(*sqlerr.Error)
	if !ok || e.Line != 2 || e.Column != 8 {
		t.Fatalf("want error at 2:8, got %v", err)
	}
}

func TestParseOwn(t *testing.T) {
	cases := []struct {
		sql  string
		want OwnStmt
	}{
		{"CREATE FUNCTION up(s VARCHAR(20), d DECIMAL(10, 2)) RETURNS TEXT LANGUAGE EXTERNAL AS 'python3 up.py' WITH (protocol = 'jsonl', batch_size = 64, on_error = 'retry(3)')",
			&CreateFunction{Name: "up", Args: []FuncArg{{"s", "VARCHAR(20)"}, {"d", "DECIMAL(10, 2)"}}, Returns: "TEXT", Language: "EXTERNAL",
				Command: "python3 up.py", With: Options{"protocol": "jsonl", "batch_size": "64", "on_error": "retry(3)"}}},
		{"create or replace function f() returns bigint unsigned language external as './f --x \"a b\"'",
			&CreateFunction{OrReplace: true, Name: "f", Returns: "bigint unsigned", Language: "EXTERNAL", Command: `./f --x "a b"`}},
		{"DROP FUNCTION IF EXISTS up", &DropFunction{Name: "up", IfExists: true}},
		{"show functions", &ShowFunctions{}},
		{"SHOW FUNCTIONS LIKE 'trans%'", &ShowFunctions{Like: "trans%"}},
		{"CREATE MATERIALIZED VIEW IF NOT EXISTS clips WITH (workers = 4) AS SELECT a FROM t WHERE b > 5",
			&CreateMaterializedView{IfNotExists: true, Name: "clips", With: Options{"workers": "4"}, Query: "SELECT a FROM t WHERE b > 5", QueryOffset: 67}},
		{"REFRESH MATERIALIZED VIEW clips FULL WITH (workers = 2, batch_size = 100)", &RefreshMaterializedView{Name: "clips", Full: true, With: Options{"workers": "2", "batch_size": "100"}}},
		{"refresh materialized view `my view`", &RefreshMaterializedView{Name: "my view"}},
		{"DROP MATERIALIZED VIEW v", &DropMaterializedView{Name: "v"}},
		{"SHOW MATERIALIZED VIEWS", &ShowMaterializedViews{}},
		{"DESCRIBE MATERIALIZED VIEW v", &DescribeMaterializedView{Name: "v"}},
		{"EXPLAIN REFRESH MATERIALIZED VIEW v", &ExplainRefresh{Name: "v"}},
		{"BACKFILL t.c WHERE a > (1 + 2) AND b = 'with' WITH (commit_every = 3)",
			&Backfill{Table: "t", Column: "c", Where: "a > (1 + 2) AND b = 'with'", WhereOffset: 19, With: Options{"commit_every": "3"}}},
		{"BACKFILL t.c", &Backfill{Table: "t", Column: "c"}},
		{"SHOW JOBS", &ShowJobs{}},
		{"SHOW JOB job-12-ab", &ShowJob{ID: "job-12-ab"}},
		{"CANCEL JOB job-20261125-144641-2fcb580a", &CancelJob{ID: "job-20261125-144641-2fcb580a"}},
		{"SHOW ERRORS FOR JOB 'j1'", &ShowErrors{JobID: "j1"}},
		{"SHOW ERRORS", &ShowErrors{}},
		{"CANCEL JOB j7", &CancelJob{ID: "j7"}},
	}
	for _, c := range cases {
		p, err := Parse(c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if !reflect.DeepEqual(p.Own, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.sql, p.Own, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		sql       string
		line, col int
	}{
		{"SELECT 1 FROM\n t WHERE a = = 3", 2, 14},
		{"SELEC 1", 1, 1},
		{"REFRESH MATERIALIZED VIEW", 1, 26},
		{"CREATE FUNCTION f(x INT) RETURNS INT LANGUAGE PYTHON AS 'x'", 1, 47},
		{"REFRESH MATERIALIZED VIEW v WITH (workers = 2) extra", 1, 48},
		{"SHOW JOB", 1, 9},
	}
	for _, c := range cases {
		_, err := Parse(c.sql)
		e, ok := err.(*sqlerr.Error)
		if !ok {
			t.Errorf("%s: want *sqlerr.Error, got %v", c.sql, err)
			continue
		}
		if e.Line != c.line || e.Column != c.col || e.Code != sqlerr.ErrParse {
			t.Errorf("%s: got %d:%d (%v), want %d:%d", c.sql, e.Line, e.Column, e, c.line, c.col)
		}
	}
}

func TestShift(t *testing.T) {
	stmt := Statement{Text: "x", Line: 3, Column: 5}
	e := Shift(&sqlerr.Error{Code: 1, Msg: "m", Line: 1, Column: 2}, stmt).(*sqlerr.Error)
	if e.Line != 3 || e.Column != 6 {
		t.Errorf("got %d:%d", e.Line, e.Column)
	}
	e = Shift(&sqlerr.Error{Code: 1, Msg: "m", Line: 2, Column: 2}, stmt).(*sqlerr.Error)
	if e.Line != 4 || e.Column != 2 {
		t.Errorf("got %d:%d", e.Line, e.Column)
	}
}

func TestParseExpr(t *testing.T) {
	if _, err := ParseExpr("upper(a) || 'x'"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseExpr("a,"); err == nil {
		t.Fatal("want error")
	}
}
