package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// trigDB is an engine on a folder with a checked allocator.
type trigDB struct {
	t   *testing.T
	e   *Engine
	mem *memory.CheckedAllocator
}

func openTrigDB(t *testing.T, dir string) *trigDB {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	cfg := DefaultConfig()
	cfg.Mem = mem
	e, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &trigDB{t: t, e: e, mem: mem}
}

func (d *trigDB) close() {
	d.t.Helper()
	if err := d.e.Close(); err != nil {
		d.t.Fatal(err)
	}
	d.mem.AssertSize(d.t, 0)
}

// run executes a script and returns the rows of its last statement, one
// string per row with values separated by spaces.
func (d *trigDB) run(script string) ([]string, error) {
	d.t.Helper()
	stmts, err := parser.Split(script)
	if err != nil {
		return nil, err
	}
	var rows []string
	for _, st := range stmts {
		res, err := d.e.Run(context.Background(), st)
		if err != nil {
			return nil, err
		}
		rows = nil
		if res.Reader == nil {
			continue
		}
		for res.Reader.Next() {
			rec := res.Reader.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				var vals []string
				for c := 0; c < int(rec.NumCols()); c++ {
					vals = append(vals, rec.Column(c).ValueStr(i))
				}
				rows = append(rows, strings.Join(vals, " "))
			}
		}
		err = res.Reader.Err()
		res.Reader.Release()
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (d *trigDB) must(script string) []string {
	d.t.Helper()
	rows, err := d.run(script)
	if err != nil {
		d.t.Fatalf("%s: %v", script, err)
	}
	return rows
}

func (d *trigDB) want(script string, want ...string) {
	d.t.Helper()
	got := d.must(script)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		d.t.Fatalf("%s:\n got %q\nwant %q", script, got, want)
	}
}

func TestTriggersPersistAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	d := openTrigDB(t, dir)
	create := "CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW BEGIN\n" +
		"  SET NEW.name = CONCAT('[', NEW.name, ']');   -- as written, comments too\n" +
		"  INSERT INTO log VALUES (NEW.id);\nEND"
	d.must("CREATE TABLE items (id INT, name VARCHAR(20)); CREATE TABLE log (id INT); CREATE TABLE other (x INT);" +
		create + ";\nCREATE TRIGGER other_ad AFTER DELETE ON other FOR EACH ROW DELETE FROM log WHERE id = OLD.x")
	d.close()

	d = openTrigDB(t, dir)
	defer d.close()
	d.must("INSERT INTO items VALUES (1, 'a'), (2, 'b')")
	d.want("SELECT * FROM items ORDER BY id", "1 [a]", "2 [b]")
	d.want("SELECT * FROM log ORDER BY id", "1", "2")
	// The definition is kept exactly as written.
	if rows := d.must("SHOW CREATE TRIGGER items_bi"); len(rows) != 1 ||
		!strings.HasPrefix(rows[0], "items_bi "+trgSQLMode+" "+create+" utf8mb4 utf8mb4_0900_ai_ci utf8mb4_0900_ai_ci ") {
		t.Fatalf("SHOW CREATE TRIGGER: %q", rows)
	}
	// SHOW TRIGGERS LIKE matches table names, as in MySQL.
	rows := d.must("SHOW TRIGGERS LIKE 'oth%'")
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "other_ad DELETE other DELETE FROM log WHERE id = OLD.x AFTER ") {
		t.Fatalf("SHOW TRIGGERS LIKE 'oth%%': %q", rows)
	}
	if rows := d.must("SHOW TRIGGERS"); len(rows) != 2 {
		t.Fatalf("SHOW TRIGGERS: %q", rows)
	}
	d.must("INSERT INTO other VALUES (1); DELETE FROM other")
	d.want("SELECT * FROM log ORDER BY id", "2")
	d.must("DROP TRIGGER items_bi")
	if _, err := os.Stat(filepath.Join(dir, "_genevasql", "triggers", "items_bi.json")); !os.IsNotExist(err) {
		t.Fatalf("DROP TRIGGER left its file: %v", err)
	}
	d.must("INSERT INTO items VALUES (3, 'c')")
	d.want("SELECT name FROM items WHERE id = 3", "c")
}

func TestTriggerLoadData(t *testing.T) {
	d := openTrigDB(t, t.TempDir())
	defer d.close()
	csv := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(csv, []byte("1,x\n2,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.must("CREATE TABLE t (id INT, s VARCHAR(10)); CREATE TABLE seen (id INT, s VARCHAR(10));" +
		"CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.s = UPPER(NEW.s);" +
		"CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO seen VALUES (NEW.id, NEW.s)")
	d.must("LOAD DATA INFILE '" + csv + "' INTO TABLE t FIELDS TERMINATED BY ','")
	d.want("SELECT * FROM t ORDER BY id", "1 X", "2 Y")
	d.want("SELECT * FROM seen ORDER BY id", "1 X", "2 Y")
}

func TestTriggerFailureUndoesEveryTable(t *testing.T) {
	d := openTrigDB(t, t.TempDir())
	defer d.close()
	d.must("CREATE TABLE acct (id INT, bal INT); CREATE TABLE audit (id INT, bal INT NOT NULL);" +
		"INSERT INTO acct VALUES (1, 10), (2, NULL), (3, 30);" +
		// AFTER UPDATE runs after the UPDATE's commit; row 2's audit fails.
		"CREATE TRIGGER acct_au AFTER UPDATE ON acct FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NEW.bal)")
	_, err := d.run("UPDATE acct SET bal = bal + 1")
	if e := sqlerr.Wrap(err); e == nil || e.Code != sqlerr.ErrBadNull {
		t.Fatalf("want error 1048 from the trigger, got %v", err)
	}
	d.want("SELECT id, bal FROM acct ORDER BY id", "1 10", "2 (null)", "3 30")
	d.want("SELECT COUNT(*) FROM audit", "0")
	// The restored tables take new writes as usual.
	d.must("UPDATE acct SET bal = 0 WHERE bal IS NULL; UPDATE acct SET bal = bal + 1")
	d.want("SELECT id, bal FROM audit ORDER BY id, bal", "1 11", "2 0", "2 1", "3 31")
}

// Every type's literal, as bound for NEW/OLD, reads back as the same value.
func TestSQLLiteralRoundTrip(t *testing.T) {
	d := openTrigDB(t, t.TempDir())
	defer d.close()
	mem := d.mem
	build := func(dt arrow.DataType, fill func(b array.Builder)) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		fill(b)
		return b.NewArray()
	}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	cases := []arrow.Array{
		build(arrow.PrimitiveTypes.Int32, func(b array.Builder) { b.(*array.Int32Builder).AppendValues([]int32{-7, 0, 2147483647}, nil) }),
		build(arrow.PrimitiveTypes.Int64, func(b array.Builder) { b.(*array.Int64Builder).AppendValues([]int64{-9223372036854775807, 42}, nil) }),
		build(arrow.PrimitiveTypes.Uint64, func(b array.Builder) { b.(*array.Uint64Builder).AppendValues([]uint64{18446744073709551615}, nil) }),
		build(arrow.PrimitiveTypes.Float32, func(b array.Builder) { b.(*array.Float32Builder).AppendValues([]float32{0.1, -3.5e-20}, nil) }),
		build(arrow.PrimitiveTypes.Float64, func(b array.Builder) { b.(*array.Float64Builder).AppendValues([]float64{0.1, -1e300, 5}, nil) }),
		build(&arrow.Decimal128Type{Precision: 10, Scale: 3}, func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-12500), decimal128.FromI64(7)}, nil)
		}),
		build(arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"it's", `back\slash`, "", "NEW.x"}, nil)
		}),
		build(arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 255}}, nil) }),
		build(arrow.FixedWidthTypes.Boolean, func(b array.Builder) { b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil) }),
		build(arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).AppendValues([]arrow.Date32{19782, -1}, nil) }),
		build(ts, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1700000000123456, 0}, nil)
		}),
		build(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1700000000500000}, nil)
		}),
		build(arrow.PrimitiveTypes.Int16, func(b array.Builder) { b.AppendNull() }),
	}
	s := &session{e: d.e, ctx: context.Background()}
	for _, a := range cases {
		for i := 0; i < a.Len(); i++ {
			lit, err := sqlLiteral(a, i)
			if err != nil {
				t.Fatalf("%s[%d]: %v", a.DataType(), i, err)
			}
			got, err := s.evalInTrigger("SELECT "+lit, a.DataType())
			if err != nil {
				t.Fatalf("%s[%d] as %s: %v", a.DataType(), i, lit, err)
			}
			if got.ValueStr(0) != a.ValueStr(i) || got.IsNull(0) != a.IsNull(i) {
				t.Errorf("%s[%d]: literal %s reads back as %s, want %s", a.DataType(), i, lit, got.ValueStr(0), a.ValueStr(i))
			}
			got.Release()
		}
		a.Release()
	}
}

func TestTriggerInsertsAreGathered(t *testing.T) {
	d := openTrigDB(t, t.TempDir())
	defer d.close()
	d.must("CREATE TABLE t (id INT); CREATE TABLE log (id INT NOT NULL, twice INT);" +
		"CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO log VALUES (NEW.id, NEW.id * 2)")
	version := func(name string) uint64 {
		lt, err := d.e.cat.OpenTable(context.Background(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return lt.Dataset().Version()
	}
	v0 := version("log")
	d.must("INSERT INTO t VALUES (1), (2), (3), (4), (5)")
	if v := version("log"); v != v0+1 {
		t.Fatalf("5 audit rows took %d commits, want 1", v-v0)
	}
	d.want("SELECT COUNT(*), SUM(twice) FROM log", "5 30")
	// Inserts naming other columns go in apart, each with its columns.
	d.must("CREATE TABLE u (id INT); CREATE TABLE log2 (a INT, b VARCHAR(5));" +
		"CREATE TRIGGER u_ai AFTER INSERT ON u FOR EACH ROW BEGIN INSERT INTO log2 (b, a) VALUES ('x', NEW.id); INSERT INTO log2 VALUES (NEW.id, 'y'); END;" +
		"INSERT INTO u VALUES (1), (2)")
	d.want("SELECT * FROM log2 ORDER BY a, b", "1 x", "1 y", "2 x", "2 y")
	// A row that reads its own table sees the rows inserted before it.
	d.must("CREATE TABLE w (id INT); CREATE TABLE seq (n INT);" +
		"CREATE TRIGGER w_ai AFTER INSERT ON w FOR EACH ROW INSERT INTO seq VALUES ((SELECT COUNT(*) FROM seq AS s2));" +
		"INSERT INTO w VALUES (1), (2), (3)")
	d.want("SELECT n FROM seq ORDER BY n", "0", "1", "2")
	// A gathered row that fails fails the statement, and nothing stays.
	if _, err := d.run("INSERT INTO t VALUES (6), (NULL)"); sqlerr.Wrap(err).Code != sqlerr.ErrBadNull {
		t.Fatalf("want error 1048, got %v", err)
	}
	d.want("SELECT (SELECT COUNT(*) FROM t), (SELECT COUNT(*) FROM log)", "5 5")

	// When another trigger reads the table, rows go in one at a time, so
	// that it sees each (as MySQL runs them).
	d.must("CREATE TABLE y (id INT); CREATE TABLE counts (n INT);" +
		"CREATE TRIGGER y_ai AFTER INSERT ON y FOR EACH ROW INSERT INTO counts SELECT COUNT(*) FROM log;" +
		"CREATE TRIGGER t_ai2 AFTER INSERT ON t FOR EACH ROW INSERT INTO y VALUES (NEW.id)")
	d.must("INSERT INTO t VALUES (7), (8), (9)")
	d.want("SELECT n FROM counts ORDER BY n", "6", "7", "8")
}

// REPLACE and INSERT IGNORE keep their key handling on a table with
// triggers, and its INSERT triggers fire.
func TestTriggerWithKeys(t *testing.T) {
	d := openTrigDB(t, t.TempDir())
	defer d.close()
	d.must("CREATE TABLE k (id INT PRIMARY KEY, s VARCHAR(10));" +
		"CREATE TRIGGER k_bi BEFORE INSERT ON k FOR EACH ROW SET NEW.s = UPPER(NEW.s);" +
		"INSERT INTO k VALUES (1, 'a'), (2, 'b')")
	d.must("REPLACE INTO k VALUES (2, 'bb'), (3, 'c')")
	d.want("SELECT * FROM k ORDER BY id", "1 A", "2 BB", "3 C")
	d.must("INSERT IGNORE INTO k VALUES (1, 'zz'), (4, 'd')")
	d.want("SELECT * FROM k ORDER BY id", "1 A", "2 BB", "3 C", "4 D")
	if _, err := d.run("INSERT INTO k VALUES (4, 'x')"); sqlerr.Wrap(err).Code != 1062 {
		t.Fatalf("duplicate key through a trigger: want 1062, got %v", err)
	}
}
