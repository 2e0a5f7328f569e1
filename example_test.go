package genevasql_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/udf"
)

// printRows prints a result's rows, one line each, and releases it.
func printRows(rdr array.RecordReader) {
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]string, rec.NumCols())
			for c := range vals {
				vals[c] = rec.Column(c).ValueStr(i)
			}
			fmt.Println(strings.Join(vals, " | "))
		}
	}
	if err := rdr.Err(); err != nil {
		fmt.Println("error:", err)
	}
}

// Open a database folder, create a table, insert rows and query them back
// as Arrow record batches.
func Example() {
	dir, _ := os.MkdirTemp("", "genevasql-example")
	defer os.RemoveAll(dir)

	db, err := genevasql.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	ctx := context.Background()
	_, err = db.Exec(ctx, `
		CREATE TABLE people (id INT, name VARCHAR(20));
		INSERT INTO people VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger');`)
	if err != nil {
		fmt.Println(err)
		return
	}
	rdr, err := db.Query(ctx, "SELECT id, name FROM people WHERE id >= ? ORDER BY id", 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	printRows(rdr)
	// Output:
	// 2 | grace
	// 3 | edsger
}

// Run a script statement by statement, as the genevasql command does:
// errors carry their line and column in the whole script.
func ExampleSplit() {
	stmts, err := genevasql.Split("CREATE TABLE t (a INT);\nINSERT INTO t VALUES (';');\n-- done\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stmts {
		fmt.Printf("line %d: %s\n", s.Line, s.Text)
	}
	// Output:
	// line 1: CREATE TABLE t (a INT)
	// line 2: INSERT INTO t VALUES (';')
}

// Register a Go function and call it from SQL.
func ExampleDB_RegisterFunction() {
	dir, _ := os.MkdirTemp("", "genevasql-example")
	defer os.RemoveAll(dir)
	db, err := genevasql.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	shout, err := udf.Scalar("shout", func(s string) string { return strings.ToUpper(s) + "!" })
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := db.RegisterFunction(shout); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE words (w VARCHAR(10)); INSERT INTO words VALUES ('hi'), ('there')"); err != nil {
		fmt.Println(err)
		return
	}
	rdr, err := db.Query(ctx, "SELECT shout(w) FROM words ORDER BY w")
	if err != nil {
		fmt.Println(err)
		return
	}
	printRows(rdr)
	// Output:
	// HI!
	// THERE!
}
