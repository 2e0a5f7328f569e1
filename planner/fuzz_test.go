package planner

import (
	"context"
	"errors"
	"testing"

	"github.com/pingcap/tidb/pkg/parser"

	"github.com/genevasql/genevasql/executor"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// FuzzPlan parses, plans and (for queries) runs arbitrary SQL: whatever the
// text, the planner must return a plan or an error, never panic, and
// planner errors must be *sqlerr.Error.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{
		"SELECT a+b*2 AS x FROM t1 WHERE a > 105 ORDER BY x DESC LIMIT 2",
		"SELECT y, count(*) FROM t3 GROUP BY y HAVING count(*) > 1",
		"SELECT a, name FROM t1, t2 WHERE a = x",
		"SELECT a FROM t1 WHERE a IN (SELECT x FROM t2 WHERE x = t1.c)",
		"SELECT (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1",
		"SELECT y FROM t3 UNION SELECT 1 ORDER BY 1",
		"INSERT INTO t2 (name, x) VALUES ('d', 5)",
		"UPDATE t2 SET x = x + 1 WHERE x < 10",
		"DELETE FROM t2 WHERE x < 10",
		"EXPLAIN SELECT * FROM t1",
		"SELECT CASE a WHEN 1 THEN 2 ELSE NULL END, CAST(b AS CHAR) FROM t1 AS OF TIMESTAMP '2024-01-01'",
		"SELECT DISTINCT a FROM t1 ORDER BY b",
		"SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE x > a) AND NOT a > ALL (SELECT y FROM t3)",
	} {
		f.Add(s)
	}
	c := newCatalog(nil)
	c.addTable("t1", i64("a"), i64("b"), i64("c"), i64("d"), i64("e"))
	c.addTable("t2", i64("x"), str("name"))
	c.addTable("t3", i64("y"), f64("v"))
	c.addView("v1", "SELECT a, b FROM t1 WHERE a > 1")
	p := parser.New()
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, _, err := p.ParseSQL(sql)
		if err != nil || len(stmts) != 1 {
			return
		}
		pl, err := (&Planner{Catalog: c}).Plan(context.Background(), stmts[0], []any{int64(1), "x"})
		if err != nil {
			var se *sqlerr.Error
			if !errors.As(err, &se) {
				t.Fatalf("%q: error is not *sqlerr.Error: %T %v", sql, err, err)
			}
			return
		}
		_ = pl.Explain()
		if pl.IsDML() {
			return // keep the tables as seeded
		}
		ctx := context.Background()
		env := &executor.Env{Eval: &functions.EvalContext{Ctx: ctx, Mem: c.mem}, BatchSize: 4}
		op, err := pl.Open(ctx, env)
		if err != nil {
			return
		}
		bs, _ := executor.Drain(ctx, op)
		for _, b := range bs {
			b.Release()
		}
	})
}
