package main

import (
	"fmt"
	"sort"
	"strings"
)

func ms(x float64) string {
	if x >= 100 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func ratioText(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func yesNo(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// markdown renders the whole report: one table per part, the machine, and
// the pprof evidence for every missed query target.
func (r *report) markdown() string {
	var b strings.Builder
	c := r.cfg
	fmt.Fprintf(&b, "## Run of %s, %d lineitem rows\n\n", r.started.Format("2006-01-02 15:04 UTC"), c.rows)
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Load average when the run started: %s (the machine may be shared; both engines ran alternately in the same run, so ratios are fairer than absolute times)\n", r.load)
	s := scaleFor(c.rows)
	fmt.Fprintf(&b, "- Scale: lineitem %d, orders %d, customer %d, supplier %d, points %d rows; %d timed runs per query and engine, median shown, after one checked run\n\n",
		s.lineitem, s.orders, s.customer, s.supplier, s.points, c.reps)
	if len(r.queries) > 0 {
		b.WriteString("### Queries: GenevaSQL vs DuckDB\n\n")
		b.WriteString("| query | GenevaSQL ms | DuckDB ms | ratio G/D | target | result check |\n|---|---:|---:|---:|---|---|\n")
		for _, q := range r.queries {
			target := "≤ 2"
			if q.Name == "point" {
				target = "≤ 1"
			}
			if q.Status != "" {
				fmt.Fprintf(&b, "| %s | - | - | - | %s | %s |\n", q.Name, target, strings.ReplaceAll(q.Status, "|", "\\|"))
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %s %s | equal (%d rows) |\n", q.Name, ms(median(q.Gsql)), ms(median(q.Duck)), q.ratio(), target, yesNo(r.queryTargetMet(q)), q.ResultRows)
		}
		fmt.Fprintf(&b, "| peak RSS | %.0f MiB | %.0f MiB | %s | ≤ 2 %s | |\n\n", r.gsqlRSS, r.duckRSS, ratioText(r.gsqlRSS, r.duckRSS), yesNo(r.duckRSS > 0 && r.gsqlRSS/r.duckRSS <= 2))
	}
	if r.goStore.Rows > 0 || r.storageErr != "" {
		b.WriteString("### Storage: storage/lance vs LanceDB 0.31.0 (lineitem, data format 2.0)\n\n")
		if r.storageErr != "" {
			fmt.Fprintf(&b, "Failed: %s\n\n", r.storageErr)
		}
		if r.goStore.Rows > 0 && r.ldbStore.Rows > 0 {
			gw, lw := median(r.goStore.WriteMs), median(r.ldbStore.WriteMs)
			gs, ls := median(r.goStore.ScanMs), median(r.ldbStore.ScanMs)
			b.WriteString("| operation | storage/lance ms | LanceDB ms | ratio G/L | target |\n|---|---:|---:|---:|---|\n")
			fmt.Fprintf(&b, "| write %d rows | %s | %s | %.2f | ≤ 1.5 %s |\n", r.goStore.Rows, ms(gw), ms(lw), gw/lw, yesNo(gw/lw <= 1.5))
			fmt.Fprintf(&b, "| full scan | %s | %s | %.2f | ≤ 1 %s |\n", ms(gs), ms(ls), gs/ls, yesNo(gs/ls <= 1))
			fmt.Fprintf(&b, "| peak RSS | %.0f MiB | %.0f MiB | %s | |\n\n", r.goStoreRSS, r.ldbRSS, ratioText(r.goStoreRSS, r.ldbRSS))
		}
	}
	if len(r.refresh) > 0 || r.refreshErr != "" {
		b.WriteString("### Refresh: `CREATE MATERIALIZED VIEW v AS SELECT id, affine(x) AS y FROM rt` (affine = 2x+1, udf.Vectorized)\n\n")
		if r.refreshErr != "" {
			fmt.Fprintf(&b, "Failed: %s\n\n", r.refreshErr)
		}
		if len(r.refresh) > 0 {
			b.WriteString("| source rows | first REFRESH (all rows) ms | I/O floor ms | ratio | REFRESH … FULL WITH (batch_size = 65536) ms | ratio | +1% rows | incremental REFRESH ms | peak heap during REFRESH | peak RSS of the whole run |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			for i, f := range r.refresh {
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %d | %s | %.0f MiB | %.0f MiB |\n", f.Rows, ms(f.FullMs), ms(f.FloorMs), ratioText(f.FullMs, f.FloorMs),
					ms(f.BigBatchMs), ratioText(f.BigBatchMs, f.FloorMs), f.IncrRows, ms(f.IncrMs), f.RefreshHeapMiB, r.refreshRSS[i])
			}
			b.WriteString("\nThe I/O floor reads `id, x` with storage/lance Scan and writes the same rows with storage/lance Append. The view also stores each row's source row address (its identity for incremental refresh): 24 bytes per row written against the floor's 16.\n\n")
			for _, f := range r.refresh {
				if len(f.WorkersMs) == 0 {
					continue
				}
				fmt.Fprintf(&b, "Workers (`REFRESH … FULL WITH (workers = N, batch_size = 1024)`, a function sleeping 1 ms per batch, %d rows = %d batches):\n\n", f.WorkersRows, f.WorkersRows/1024)
				b.WriteString("| workers | ms | speed-up |\n|---:|---:|---:|\n")
				var keys []string
				for k := range f.WorkersMs {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(&b, "| %s | %s | %.2f |\n", k, ms(f.WorkersMs[k]), f.WorkersMs["1"]/f.WorkersMs[k])
				}
				b.WriteString("\n")
			}
		}
	}
	if len(r.pprofs) > 0 {
		b.WriteString("### CPU profiles of GenevaSQL for missed query targets (`go tool pprof -top -cum`, last timed run; harness frames removed)\n\n")
		var names []string
		for n := range r.pprofs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "%s:\n\n```\n%s```\n\n", n, r.pprofs[n])
		}
	}
	return b.String()
}
