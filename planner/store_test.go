package planner

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/sqlerr"
)

// Values written to a column convert strictly, with MySQL's column errors
// (naming the column and row), and JSON columns store normalized JSON.
func TestColumnConversionErrors(t *testing.T) {
	c := newCatalog(t)
	j := str("doc")
	j.Metadata = arrow.NewMetadata([]string{catalog.MetaJSON}, []string{"true"})
	c.addTable("w", i64("n"), arrow.Field{Name: "tiny", Type: arrow.PrimitiveTypes.Int8}, f64("f"),
		arrow.Field{Name: "d", Type: arrow.FixedWidthTypes.Date32}, arrow.Field{Name: "amt", Type: &arrow.Decimal128Type{Precision: 4, Scale: 1}}, j, str("s"))
	c.mustExec(t, "INSERT INTO w (n, s) VALUES (1, '{\"b\":1,\"a\":[1,2]}'), (2, 'abc')")
	for _, tc := range []struct {
		sql  string
		code int
		msg  string
	}{
		{"INSERT INTO w (n) VALUES (1), ('abc')", 1366, "Incorrect integer value: 'abc' for column 'n' at row 2"},
		{"INSERT INTO w (n) VALUES ('12abc')", 1265, "Data truncated for column 'n' at row 1"},
		{"INSERT INTO w (tiny) VALUES (300)", 1264, "Out of range value for column 'tiny' at row 1"},
		{"INSERT INTO w (n) VALUES (99999999999999999999)", 1264, "Out of range value for column 'n' at row 1"},
		{"INSERT INTO w (amt) VALUES (12345)", 1264, "Out of range value for column 'amt' at row 1"},
		{"INSERT INTO w (amt) VALUES ('x')", 1366, "Incorrect decimal value: 'x' for column 'amt' at row 1"},
		{"INSERT INTO w (f) VALUES ('abc')", 1265, "Data truncated for column 'f' at row 1"},
		{"INSERT INTO w (d) VALUES ('not a date')", 1292, "Incorrect date value: 'not a date' for column 'd' at row 1"},
		{"INSERT INTO w (doc) VALUES ('{}'), ('{not json')", 3140, ""},
		{"INSERT INTO w (n) VALUES (9223372036854775807 + 1)", sqlerr.ErrDataOutOfRange, ""}, // the expression's own error
		{"INSERT INTO w (tiny) SELECT n * 1000 FROM w", 1264, "Out of range value for column 'tiny' at row 1"},
		{"INSERT INTO w (doc) SELECT s FROM w", 3140, ""},
		{"UPDATE w SET tiny = n + 200 WHERE n = 2", 1264, "Out of range value for column 'tiny' at row 1"},
		{"UPDATE w SET n = s WHERE n = 2", 1366, "Incorrect integer value: 'abc' for column 'n' at row 1"},
	} {
		_, _, err := c.query(tc.sql)
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != tc.code || (tc.msg != "" && se.Msg != tc.msg) {
			t.Errorf("%s: got %v, want %d %q", tc.sql, err, tc.code, tc.msg)
		}
	}
	c.mustExec(t, "INSERT INTO w (n, doc) VALUES (3, '{\"b\":1,\"a\":[1,2]}')")
	c.mustExec(t, "INSERT INTO w (n, doc) SELECT 4, s FROM w WHERE n = 1")
	c.mustExec(t, "UPDATE w SET doc = '[1,{\"bb\":true,\"a\":null}]' WHERE n = 2")
	runCases(t, c, []qcase{
		{sql: "SELECT n, doc FROM w WHERE doc IS NOT NULL ORDER BY n", want: []string{
			`2 [1, {"a": null, "bb": true}]`, `3 {"a": [1, 2], "b": 1}`, `4 {"a": [1, 2], "b": 1}`}},
	})
	c.check(t)
}
