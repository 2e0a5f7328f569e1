package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// affected runs one statement and returns its affected-rows count.
func (d *trigDB) affected(sql string) (int64, error) {
	d.t.Helper()
	stmts, err := parser.Split(sql)
	if err != nil || len(stmts) != 1 {
		d.t.Fatalf("%s: want one statement (%v)", sql, err)
	}
	res, err := d.e.Run(context.Background(), stmts[0])
	if err != nil {
		return 0, err
	}
	if res.Reader != nil {
		res.Reader.Release()
	}
	return res.RowsAffected, nil
}

// TestKeysAffectedRows checks MySQL's affected-rows counts, which the
// sqllogictest files cannot see: REPLACE counts each row inserted plus each
// row deleted, INSERT IGNORE only the rows inserted, ON DUPLICATE KEY UPDATE
// 2 per row changed; LOAD DATA takes REPLACE and IGNORE too.
func TestKeysAffectedRows(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "rows.csv")
	if err := os.WriteFile(csv, []byte("2,B\n3,c\n3,C\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := openTrigDB(t, filepath.Join(dir, "db"))
	defer d.close()
	d.must("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(5), u INT, UNIQUE KEY uu (u)); INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)")
	tests := []struct {
		sql      string
		affected int64
		code     int
		rows     []string
	}{
		{"INSERT INTO t VALUES (3, 'x', 3)", 1, 0, []string{"1 a 1", "2 b 2", "3 x 3"}},
		{"INSERT INTO t VALUES (4, 'y', 4), (3, 'z', 5)", 0, 1062, []string{"1 a 1", "2 b 2", "3 x 3"}},
		// replaces id 1 (by id) and id 2 (by u): 1 inserted + 2 deleted
		{"REPLACE INTO t VALUES (1, 'r', 2)", 3, 0, []string{"1 r 2", "3 x 3"}},
		// 5 inserted, then replaced by the second 5: 3
		{"REPLACE INTO t VALUES (5, 'p', NULL), (5, 'q', NULL)", 3, 0, []string{"1 r 2", "3 x 3", "5 q (null)"}},
		{"INSERT IGNORE INTO t VALUES (1, 'i', 9), (6, 'j', 3), (7, 'k', 7), (7, 'l', 8)", 1, 0, []string{"1 r 2", "3 x 3", "5 q (null)", "7 k 7"}},
		{"UPDATE t SET u = 3 WHERE id = 7", 0, 1062, []string{"1 r 2", "3 x 3", "5 q (null)", "7 k 7"}},
		{"LOAD DATA INFILE '" + csv + "' INTO TABLE t FIELDS TERMINATED BY ',' (id, v)", 0, 1062, []string{"1 r 2", "3 x 3", "5 q (null)", "7 k 7"}},
		{"LOAD DATA INFILE '" + csv + "' IGNORE INTO TABLE t FIELDS TERMINATED BY ',' (id, v)", 1, 0, []string{"1 r 2", "2 B (null)", "3 x 3", "5 q (null)", "7 k 7"}},
		// 2 and 3 replace stored rows, the second 3 the first: 3 + 3
		{"LOAD DATA INFILE '" + csv + "' REPLACE INTO TABLE t FIELDS TERMINATED BY ',' (id, v)", 6, 0, []string{"1 r 2", "2 B (null)", "3 C (null)", "5 q (null)", "7 k 7"}},
		// ON DUPLICATE KEY UPDATE: 2 per row updated, 1 per row inserted,
		// 0 per row the update leaves as it was
		{"INSERT INTO t VALUES (1, 'n', 2), (8, 'm', 8) ON DUPLICATE KEY UPDATE v = CONCAT(v, VALUES(v))", 3, 0, []string{"1 rn 2", "2 B (null)", "3 C (null)", "5 q (null)", "7 k 7", "8 m 8"}},
		{"INSERT INTO t VALUES (9, 'z', 7) ON DUPLICATE KEY UPDATE v = v", 0, 0, []string{"1 rn 2", "2 B (null)", "3 C (null)", "5 q (null)", "7 k 7", "8 m 8"}},
		{"INSERT INTO t VALUES (9, 'z', 7) ON DUPLICATE KEY UPDATE u = 8", 0, 1062, []string{"1 rn 2", "2 B (null)", "3 C (null)", "5 q (null)", "7 k 7", "8 m 8"}},
	}
	for _, tc := range tests {
		n, err := d.affected(tc.sql)
		if tc.code != 0 {
			if e := sqlerr.Wrap(err); e == nil || e.Code != tc.code {
				t.Fatalf("%s: error %v, want %d", tc.sql, err, tc.code)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		} else if n != tc.affected {
			t.Errorf("%s: %d rows affected, want %d", tc.sql, n, tc.affected)
		}
		d.want("SELECT id, v, u FROM t ORDER BY id", tc.rows...)
	}
}
