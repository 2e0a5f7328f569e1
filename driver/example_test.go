package driver_test

import (
	"database/sql"
	"fmt"
	"os"

	_ "github.com/genevasql/genevasql/driver"
)

// Use GenevaSQL through database/sql: the DSN is the database folder.
func Example() {
	dir, _ := os.MkdirTemp("", "genevasql-driver-example")
	defer os.RemoveAll(dir)

	db, err := sql.Open("genevasql", dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	if _, err := db.Exec("CREATE TABLE prices (item VARCHAR(10), price DECIMAL(6,2))"); err != nil {
		fmt.Println(err)
		return
	}
	res, err := db.Exec("INSERT INTO prices VALUES (?, ?), (?, ?)", "tea", "2.50", "cake", "3.75")
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := res.RowsAffected()
	fmt.Println("inserted", n)

	rows, err := db.Query("SELECT item, price FROM prices WHERE price > ? ORDER BY item", 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var item, price string // decimals scan as strings, keeping their scale
		if err := rows.Scan(&item, &price); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(item, price)
	}
	if err := rows.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// inserted 2
	// cake 3.75
	// tea 2.50
}
