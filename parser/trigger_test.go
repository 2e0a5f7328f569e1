package parser

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/genevasql/genevasql/sqlerr"
)

func TestSplitTriggerBodies(t *testing.T) {
	cases := []struct {
		name   string
		script string
		want   []string
	}{
		{"begin end kept whole",
			"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO a VALUES (NEW.x); DELETE FROM b; END; SELECT 1;",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO a VALUES (NEW.x); DELETE FROM b; END", "SELECT 1"}},
		{"empty body", "CREATE TRIGGER t1r1 AFTER UPDATE ON t1 FOR EACH ROW BEGIN END;\nDROP TRIGGER t1r1",
			[]string{"CREATE TRIGGER t1r1 AFTER UPDATE ON t1 FOR EACH ROW BEGIN END", "DROP TRIGGER t1r1"}},
		{"single statement body", "create trigger tr before insert on t for each row set new.x = 1; select 2",
			[]string{"create trigger tr before insert on t for each row set new.x = 1", "select 2"}},
		{"case expression inside begin", "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = CASE WHEN NEW.x > 1 THEN 1 ELSE 0 END; SET NEW.y = 2; END; SELECT 3",
			[]string{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = CASE WHEN NEW.x > 1 THEN 1 ELSE 0 END; SET NEW.y = 2; END", "SELECT 3"}},
		{"if statement and if function", "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.x > 0 THEN SET NEW.y = IF(NEW.x > 5, 1, 2); END IF; END; SELECT 4",
			[]string{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.x > 0 THEN SET NEW.y = IF(NEW.x > 5, 1, 2); END IF; END", "SELECT 4"}},
		{"definer and follows", "CREATE DEFINER = 'root'@'localhost' TRIGGER tr AFTER DELETE ON t FOR EACH ROW FOLLOWS other BEGIN DELETE FROM b; END; SELECT 5",
			[]string{"CREATE DEFINER = 'root'@'localhost' TRIGGER tr AFTER DELETE ON t FOR EACH ROW FOLLOWS other BEGIN DELETE FROM b; END", "SELECT 5"}},
		{"semicolons in strings and comments of the body", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO a VALUES (';END;'); -- END;\n END; SELECT 6",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO a VALUES (';END;'); -- END;\n END", "SELECT 6"}},
		{"transaction BEGIN is not a block", "BEGIN; SELECT 1; COMMIT", []string{"BEGIN", "SELECT 1", "COMMIT"}},
		{"other CREATE statements split as before", "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END; SELECT 1",
			[]string{"CREATE TABLE t (a INT)", "CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END", "SELECT 1"}},
		{"unterminated body runs to the end", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN DELETE FROM b; SELECT 1;",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN DELETE FROM b; SELECT 1;"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.script)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, s := range got {
				texts = append(texts, s.Text)
				if c.script[s.Offset:s.Offset+len(s.Text)] != s.Text {
					t.Errorf("offset %d does not point at %q", s.Offset, s.Text)
				}
			}
			if !reflect.DeepEqual(texts, c.want) {
				t.Errorf("got %q\nwant %q", texts, c.want)
			}
		})
	}
}

func TestParseTrigger(t *testing.T) {
	stmts := func(texts ...string) []string { return texts }
	cases := []struct {
		sql   string
		want  CreateTrigger
		stmts []string
	}{
		{"CREATE TRIGGER t1r1 AFTER UPDATE ON t1 FOR EACH ROW BEGIN END",
			CreateTrigger{Name: "t1r1", Timing: "AFTER", Event: "UPDATE", Table: "t1", Body: "BEGIN END"}, nil},
		{"create definer=`root`@`%` trigger if not exists db.tr before insert on db.t for each row precedes x set new.a = 1",
			CreateTrigger{Definer: "`root`@`%`", IfNotExists: true, Name: "tr", Timing: "BEFORE", Event: "INSERT", Table: "t",
				Order: "PRECEDES", OrderOf: "x", Body: "set new.a = 1"}, stmts("set new.a = 1")},
		{"CREATE TRIGGER tr AFTER DELETE ON t FOR EACH ROW BEGIN\n  INSERT INTO log VALUES (OLD.id);\n  DELETE FROM b WHERE id = OLD.id;\nEND",
			CreateTrigger{Name: "tr", Timing: "AFTER", Event: "DELETE", Table: "t",
				Body: "BEGIN\n  INSERT INTO log VALUES (OLD.id);\n  DELETE FROM b WHERE id = OLD.id;\nEND"},
			stmts("INSERT INTO log VALUES (OLD.id)", "DELETE FROM b WHERE id = OLD.id")},
	}
	for _, c := range cases {
		p, err := Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		got, ok := p.Own.(*CreateTrigger)
		if !ok {
			t.Fatalf("%s: got %T", c.sql, p.Own)
		}
		var texts []string
		for _, s := range got.Statements {
			texts = append(texts, s.Text)
			if c.sql[s.Offset:s.Offset+len(s.Text)] != s.Text {
				t.Errorf("%s: offset %d does not point at %q", c.sql, s.Offset, s.Text)
			}
		}
		if !reflect.DeepEqual(texts, c.stmts) {
			t.Errorf("%s: statements %q, want %q", c.sql, texts, c.stmts)
		}
		if c.sql[got.BodyOffset:] != got.Body {
			t.Errorf("%s: body offset %d does not point at the body", c.sql, got.BodyOffset)
		}
		got.Statements, got.BodyOffset = nil, 0
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.sql, *got, c.want)
		}
	}
}

func TestParseTriggerOthers(t *testing.T) {
	cases := []struct {
		sql  string
		want OwnStmt
	}{
		{"DROP TRIGGER t1r1", &DropTrigger{Name: "t1r1"}},
		{"drop trigger if exists test.t1r1", &DropTrigger{Name: "t1r1", IfExists: true}},
		{"SHOW TRIGGERS", &ShowTriggers{}},
		{"SHOW TRIGGERS FROM test LIKE 't%'", &ShowTriggers{Like: "t%"}},
		{"SHOW CREATE TRIGGER tr", &ShowCreateTrigger{Name: "tr"}},
	}
	for _, c := range cases {
		p, err := Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if !reflect.DeepEqual(p.Own, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.sql, p.Own, c.want)
		}
	}
	// Other CREATE DEFINER statements still go to TiDB's parser.
	if p, err := Parse("CREATE DEFINER = CURRENT_USER VIEW v AS SELECT 1"); err != nil || p.AST == nil {
		t.Errorf("CREATE DEFINER … VIEW: got %+v, %v", p, err)
	}
}

func TestParseTriggerErrors(t *testing.T) {
	cases := []struct {
		sql  string
		col  int
		code int
	}{
		{"CREATE TRIGGER tr UPDATE ON t1 BEGIN SELECT 1; END", 19, sqlerr.ErrParse},       // no BEFORE/AFTER
		{"CREATE TRIGGER tr AFTER UPDATE ON t1 BEGIN SELECT 1; END", 38, sqlerr.ErrParse}, // no FOR EACH ROW
		{"CREATE TRIGGER tr AFTER TRUNCATE ON t1 FOR EACH ROW BEGIN END", 25, sqlerr.ErrParse},
		{"CREATE TRIGGER tr AFTER INSERT ON t1 FOR EACH ROW", 50, sqlerr.ErrParse},
		{"CREATE TRIGGER tr AFTER INSERT ON t1 FOR EACH ROW BEGIN DELETE FROM a;", 71, sqlerr.ErrParse},
		{"DROP TRIGGER", 13, sqlerr.ErrParse},
		{"SHOW TRIGGERS WHERE 1", 0, sqlerr.ErrNotSupported},
		{"DELIMITER //\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN END//\nDELIMITER", 1, sqlerr.ErrParse},
	}
	for _, c := range cases {
		_, err := Parse(c.sql)
		e, ok := err.(*sqlerr.Error)
		if !ok || e.Code != c.code || e.Column != c.col {
			t.Errorf("%s: want error %d at column %d, got %v", c.sql, c.code, c.col, err)
		}
	}
}

func TestRowRefs(t *testing.T) {
	text := "INSERT INTO log VALUES (NEW.a, old.`b c`, 'NEW.x', t.new, x.new.y) -- NEW.z"
	refs, err := RowRefs(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []RowRef{{Row: "NEW", Column: "a", Start: 24, End: 29}, {Row: "OLD", Column: "b c", Start: 31, End: 40}}
	if !reflect.DeepEqual(refs, want) {
		t.Fatalf("got %+v, want %+v", refs, want)
	}
	got := SubstituteRowRefs(text, refs, func(r RowRef) string { return "<" + r.Row + ":" + r.Column + ">" })
	if w := "INSERT INTO log VALUES (<NEW:a>, <OLD:b c>, 'NEW.x', t.new, x.new.y) -- NEW.z"; got != w {
		t.Errorf("substituted %q, want %q", got, w)
	}
}

func TestParseRowSet(t *testing.T) {
	as, ok, err := ParseRowSet("SET NEW.a = NEW.a + 1, new.`b` := CONCAT(NEW.c, ','), NEW.d = (1, 2)")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := []RowAssign{{Row: "NEW", Column: "a", Expr: "NEW.a + 1", ExprOffset: 12},
		{Row: "NEW", Column: "b", Expr: "CONCAT(NEW.c, ',')", ExprOffset: 34},
		{Row: "NEW", Column: "d", Expr: "(1, 2)", ExprOffset: 62}}
	if !reflect.DeepEqual(as, want) {
		t.Errorf("got %+v\nwant %+v", as, want)
	}
	if _, ok, _ := ParseRowSet("INSERT INTO t VALUES (1)"); ok {
		t.Error("INSERT taken for a SET")
	}
	if _, ok, err := ParseRowSet("SET @x = 1"); !ok || err == nil {
		t.Errorf("SET @x: want an error, got ok=%v err=%v", ok, err)
	}
}

// describeSteps renders a parsed body compactly: stmt, IF(cond){…}ELSEIF…, SIGNAL.
func describeSteps(steps []TriggerStep) string {
	var parts []string
	for _, s := range steps {
		switch {
		case s.Stmt != nil:
			parts = append(parts, s.Stmt.Text)
		case s.Signal != nil:
			d := "SIGNAL " + s.Signal.SQLState
			if s.Signal.Message != nil {
				d += " msg=" + s.Signal.Message.Text
			}
			if s.Signal.Errno != 0 {
				d += fmt.Sprintf(" errno=%d", s.Signal.Errno)
			}
			parts = append(parts, d)
		default:
			d := ""
			for i, c := range s.If.Conds {
				kw := "IF"
				if i > 0 {
					kw = "ELSEIF"
				}
				d += kw + "(" + c.Text + "){" + describeSteps(s.If.Branches[i]) + "}"
			}
			if s.If.Else != nil {
				d += "ELSE{" + describeSteps(s.If.Else) + "}"
			}
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}

func TestParseTriggerBody(t *testing.T) {
	cases := []struct {
		sql, want string
	}{
		{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1", "SET NEW.a = 1"},
		{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN END", ""},
		{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW IF NEW.a > 1 THEN SET NEW.b = 'x;y'; ELSE SET NEW.b = 2; END IF",
			"IF(NEW.a > 1){SET NEW.b = 'x;y'}ELSE{SET NEW.b = 2}"},
		{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n IF NEW.a IS NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no a', MYSQL_ERRNO = 3001;\n" +
			" ELSEIF CASE WHEN NEW.a > 1 THEN 1 END THEN SET NEW.b = 2; IF NEW.c THEN DELETE FROM x; END IF;\n ELSE SET NEW.b = 3;\n END IF;\n INSERT INTO log VALUES (1);\nEND",
			"IF(NEW.a IS NULL){SIGNAL 45000 msg='no a' errno=3001}ELSEIF(CASE WHEN NEW.a > 1 THEN 1 END){SET NEW.b = 2; IF(NEW.c){DELETE FROM x}}ELSE{SET NEW.b = 3}; INSERT INTO log VALUES (1)"},
		{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN BEGIN SET NEW.a = 1; END; SIGNAL SQLSTATE VALUE '01000'; END",
			"SET NEW.a = 1; SIGNAL 01000"},
	}
	for _, c := range cases {
		p, err := Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		ct := p.Own.(*CreateTrigger)
		steps, err := ParseTriggerBody(ct.Statements)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := describeSteps(steps); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	// Conditions are positioned in the CREATE statement.
	sql := "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n  IF NEW.a > 0 THEN SET NEW.b = 1; END IF;\nEND"
	p, _ := Parse(sql)
	steps, _ := ParseTriggerBody(p.Own.(*CreateTrigger).Statements)
	if c := steps[0].If.Conds[0]; sql[c.Offset:c.Offset+len(c.Text)] != c.Text || c.Line != 2 || c.Column != 6 {
		t.Errorf("condition %q at offset %d, %d:%d", c.Text, c.Offset, c.Line, c.Column)
	}
}

func TestParseTriggerBodyErrors(t *testing.T) {
	cases := []struct {
		body string
		code int
	}{
		{"BEGIN IF NEW.a THEN SET NEW.b = 1; END", sqlerr.ErrParse},            // no END IF (the block runs to the end)
		{"BEGIN IF NEW.a SET NEW.b = 1; END IF; END", sqlerr.ErrParse},         // no THEN
		{"BEGIN ELSE SET NEW.b = 1; END", sqlerr.ErrParse},                     // ELSE without IF
		{"BEGIN IF NEW.a THEN SET NEW.b = 1; END WHILE; END", sqlerr.ErrParse}, // wrong closer
		{"BEGIN lbl: LOOP LEAVE lbl; END LOOP; END", sqlerr.ErrNotSupported},
		{"BEGIN DECLARE x INT; END", sqlerr.ErrNotSupported},
		{"BEGIN SIGNAL SQLSTATE '00000'; END", 1407},
		{"BEGIN SIGNAL SQLSTATE '45000' SET CLASS_ORIGIN = 'x'; END", sqlerr.ErrNotSupported},
	}
	for _, c := range cases {
		sql := "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW " + c.body
		p, err := Parse(sql)
		if err == nil {
			_, err = ParseTriggerBody(p.Own.(*CreateTrigger).Statements)
		}
		if e, ok := err.(*sqlerr.Error); !ok || e.Code != c.code {
			t.Errorf("%s: want error %d, got %v", c.body, c.code, err)
		}
	}
}

func TestValuesOffset(t *testing.T) {
	cases := []struct {
		text string
		want int
		ok   bool
	}{
		{"INSERT INTO log VALUES (NEW.a)", 22, true},
		{"insert into log (a, `values`) value (1)", 35, true},
		{"INSERT INTO log SELECT 'VALUES' FROM t", 0, false},
	}
	for _, c := range cases {
		got, ok := ValuesOffset(c.text)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %d %v, want %d %v", c.text, got, ok, c.want, c.ok)
		}
	}
}
