// Command bench compares GenevaSQL with DuckDB (queries) and LanceDB
// (storage) on the same generated data, on the same machine, in the same
// run, and writes the figures to docs/performance.md.
//
//	go run -tags duckdb_arrow . -rows 1000000 -out ../docs/performance.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

type config struct {
	rows     int64
	dir      string
	reps     int
	out      string
	lancedb  string
	profile  bool
	regen    bool
	phases   string
	childArg string
}

func main() {
	var c config
	defRows := int64(1_000_000)
	if v, err := strconv.ParseInt(os.Getenv("BENCH_ROWS"), 10, 64); err == nil && v > 0 {
		defRows = v
	}
	flag.Int64Var(&c.rows, "rows", defRows, "lineitem rows (orders = rows/4); also the point-filter and refresh table size (env BENCH_ROWS)")
	flag.StringVar(&c.dir, "dir", filepath.Join(os.TempDir(), "genevasql-bench"), "work folder for the data sets")
	flag.IntVar(&c.reps, "reps", 5, "timed runs per query and engine (median reported)")
	flag.StringVar(&c.out, "out", "", "write the report (markdown) here")
	flag.StringVar(&c.lancedb, "lancedb", "lancedb/bench.js", "LanceDB script (empty: skip LanceDB)")
	flag.BoolVar(&c.profile, "profile", true, "CPU-profile GenevaSQL's last run of each query (pprof -top in the report where a target is missed)")
	flag.BoolVar(&c.regen, "regen", false, "regenerate the data even if the folder has it at this scale")
	flag.StringVar(&c.phases, "phases", "queries,storage,refresh", "which parts to run")
	flag.StringVar(&c.childArg, "child", "", "internal: run as a child process (gsql, duck, duck-load, storage, refresh:<rows>:<workers>)")
	flag.Parse()
	ctx := context.Background()
	var err error
	if c.childArg != "" {
		err = runChild(ctx, c)
	} else {
		err = run(ctx, c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func runChild(ctx context.Context, c config) error {
	role, rest, _ := strings.Cut(c.childArg, ":")
	switch role {
	case "gsql":
		return runGsqlChild(ctx, gsqlDir(c.dir))
	case "duck", "duck-load":
		return runDuckChild(ctx, c.dir, role == "duck-load", tableNames(scaleFor(c.rows)))
	case "storage":
		return runStorageChild(ctx, c.dir, c.reps)
	case "refresh":
		rows, workers, _ := strings.Cut(rest, ":")
		n, err := strconv.ParseInt(rows, 10, 64)
		if err != nil {
			return fmt.Errorf("refresh child: %w", err)
		}
		return runRefreshChild(ctx, c.dir, n, max(c.reps/2, 1), workers == "1")
	}
	return fmt.Errorf("unknown child role %q", c.childArg)
}

func tableNames(s scale) []string {
	var names []string
	for _, t := range tablesFor(s) {
		names = append(names, t.name)
	}
	return names
}

// prepare generates the Lance data sets unless the folder already holds them
// at this scale; it reports whether DuckDB must (re)load.
func prepare(ctx context.Context, c config) (bool, error) {
	stamp := filepath.Join(c.dir, "rows")
	if b, err := os.ReadFile(stamp); err == nil && !c.regen && strings.TrimSpace(string(b)) == fmt.Sprint(c.rows) {
		_, err := os.Stat(filepath.Join(c.dir, "duck.db"))
		return err != nil, nil
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return false, err
	}
	if err := os.MkdirAll(gsqlDir(c.dir), 0o755); err != nil {
		return false, err
	}
	mem := memory.NewGoAllocator()
	for _, t := range tablesFor(scaleFor(c.rows)) {
		ms, err := timeIt(func() error { return writeTable(ctx, mem, gsqlDir(c.dir), t) })
		if err != nil {
			return false, err
		}
		fmt.Fprintf(os.Stderr, "bench: generated %s (%d rows) in %.0f ms\n", t.name, t.rows, ms)
	}
	return true, os.WriteFile(stamp, []byte(fmt.Sprint(c.rows)), 0o644)
}
