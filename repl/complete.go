package repl

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/genevasql/genevasql"
)

// keywords offered by tab completion, besides table and column names.
var keywords = []string{
	"ADD", "ALL", "ALTER", "AND", "AS", "ASC", "BACKFILL", "BETWEEN", "BIGINT", "BLOB",
	"BOOLEAN", "BY", "CANCEL", "CASE", "CAST", "COLUMN", "COUNT", "CREATE", "DATE",
	"DATETIME", "DECIMAL", "DELETE", "DESC", "DESCRIBE", "DISTINCT", "DOUBLE", "DROP",
	"ELSE", "END", "ERRORS", "EXCEPT", "EXISTS", "EXPLAIN", "EXTERNAL", "FALSE", "FLOAT",
	"FORMAT", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GROUP", "HAVING", "IF", "IMPORT",
	"IN", "INFILE", "INNER", "INSERT", "INT", "INTEGER", "INTERSECT", "INTO", "IS", "JOB",
	"JOBS", "JOIN", "JSON", "LANGUAGE", "LEFT", "LIKE", "LIMIT", "LOAD", "MATERIALIZED",
	"NOT", "NULL", "OF", "OFFSET", "ON", "OR", "ORDER", "OUTER", "REFRESH", "REPLACE",
	"RETURNS", "RIGHT", "SELECT", "SET", "SHOW", "TABLE", "TABLES", "TEXT", "THEN",
	"TIMESTAMP", "TRUE", "UNION", "UPDATE", "VALUES", "VARBINARY", "VARCHAR", "VECTOR",
	"VIEW", "VIEWS", "VIRTUAL", "WHEN", "WHERE", "WITH",
}

// completer offers keywords and the database's table and column names. The
// names are read with SHOW TABLES and DESCRIBE through the engine and cached;
// errors only leave the cache empty.
type completer struct {
	db Runner

	mu      sync.Mutex
	names   []string // tables and columns, sorted, deduplicated
	fresh   bool
	timeout time.Duration
}

func newCompleter(db Runner) *completer {
	return &completer{db: db, timeout: 2 * time.Second}
}

// invalidate makes the next completion reload names (after DDL).
func (c *completer) invalidate() {
	c.mu.Lock()
	c.fresh = false
	c.mu.Unlock()
}

func (c *completer) load() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fresh {
		return c.names
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	set := map[string]bool{}
	tables := firstColumn(ctx, c.db, "SHOW TABLES")
	for i, t := range tables {
		set[t] = true
		if i < 200 { // enough for a shell; bounds the cost of a big catalog
			for _, col := range firstColumn(ctx, c.db, "DESCRIBE "+quoteIdent(t)) {
				set[col] = true
			}
		}
	}
	c.names = c.names[:0]
	for n := range set {
		c.names = append(c.names, n)
	}
	sort.Strings(c.names)
	c.fresh = true
	return c.names
}

// Do implements readline.AutoCompleter: it returns the suffixes that
// complete the word before pos.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	start := pos
	for start > 0 && isWordRune(line[start-1]) {
		start--
	}
	prefix := string(line[start:pos])
	if prefix == "" {
		return nil, 0
	}
	return candidates(prefix, c.load()), len([]rune(prefix))
}

// candidates lists completions of prefix among keywords (in the case the
// user types) and names (case as stored, matched case-insensitively).
func candidates(prefix string, names []string) [][]rune {
	var out [][]rune
	seen := map[string]bool{}
	lowerPrefix := strings.ToLower(prefix)
	lower := prefix == lowerPrefix
	add := func(word string) {
		if seen[word] || len(word) <= len(prefix) && strings.EqualFold(word, prefix) {
			return
		}
		seen[word] = true
		out = append(out, []rune(word)[len([]rune(prefix)):])
	}
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), lowerPrefix) && strings.HasPrefix(n, prefix) {
			add(n)
		}
	}
	for _, k := range keywords {
		if strings.HasPrefix(k, strings.ToUpper(prefix)) {
			if lower {
				k = strings.ToLower(k)
			}
			if strings.HasPrefix(k, prefix) {
				add(k)
			}
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// firstColumn runs sql and returns the first column of its rows as text;
// any error gives what was read so far.
func firstColumn(ctx context.Context, db Runner, sql string) (out []string) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	stmts, err := genevasql.Split(sql)
	if err != nil || len(stmts) != 1 {
		return nil
	}
	res, err := db.Run(ctx, stmts[0])
	if err != nil || res == nil || res.Reader == nil {
		return nil
	}
	defer res.Reader.Release()
	for res.Reader.Next() {
		rec := res.Reader.RecordBatch()
		if rec.NumCols() == 0 {
			continue
		}
		col := rec.Column(0)
		txt := textFormatter(col)
		for i := 0; i < col.Len(); i++ {
			if !col.IsNull(i) {
				out = append(out, txt(i))
			}
		}
	}
	return out
}
