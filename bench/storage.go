package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance"
)

type storageResult struct {
	Rows    int64     `json:"rows"`
	WriteMs []float64 `json:"write_ms"`
	ScanMs  []float64 `json:"scan_ms"`
	Err     string    `json:"error,omitempty"`
}

// runStorageChild times storage/lance writing lineitem (already in memory)
// to a new dataset and scanning every column of it, reps times each; the
// LanceDB script does the same with the same rows.
func runStorageChild(ctx context.Context, dir string, reps int) error {
	mem := memory.NewGoAllocator()
	ds, err := lance.Open(ctx, filepath.Join(gsqlDir(dir), "lineitem.lance"), lance.WithAllocator(mem))
	if err != nil {
		return err
	}
	sc, err := ds.Scan(ctx, lance.ScanOptions{BatchSize: 65536})
	if err != nil {
		return err
	}
	var recs []arrow.RecordBatch
	var rows int64
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rows += rec.NumRows()
		recs = append(recs, rec)
	}
	sc.Close()
	defer releaseAll(recs)
	schema := ds.Schema()
	res := storageResult{Rows: rows}
	out := filepath.Join(dir, "storage", "go", "lineitem_w.lance")
	for r := 0; r < reps; r++ {
		os.RemoveAll(out)
		ms, err := timeIt(func() error {
			w, err := lance.Create(ctx, out, schema, lance.CreateOptions{Mem: mem})
			if err != nil {
				return err
			}
			rdr, err := array.NewRecordReader(schema, recs)
			if err != nil {
				return err
			}
			defer rdr.Release()
			_, err = w.Append(ctx, rdr)
			return err
		})
		if err != nil {
			return fmt.Errorf("lance write: %w", err)
		}
		res.WriteMs = append(res.WriteMs, ms)
		var n int64
		ms, err = timeIt(func() error { var err error; n, err = scanAll(ctx, out, mem); return err })
		if err != nil {
			return fmt.Errorf("lance scan: %w", err)
		}
		if n != rows {
			return fmt.Errorf("lance scan read %d rows, wrote %d", n, rows)
		}
		res.ScanMs = append(res.ScanMs, ms)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// runLanceDB runs bench/lancedb/bench.js (after npm ci) on the same table.
func runLanceDB(dir string, reps int, script string) (storageResult, float64, error) {
	var res storageResult
	out := filepath.Join(dir, "storage", "lancedb")
	os.RemoveAll(out)
	cmd := exec.Command("node", script, gsqlDir(dir), out, fmt.Sprint(reps))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return res, 0, fmt.Errorf("node %s: %w", script, err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, 0, fmt.Errorf("LanceDB script output %q: %w", b, err)
	}
	if res.Err != "" {
		return res, 0, fmt.Errorf("LanceDB script: %s", res.Err)
	}
	return res, maxRSS(cmd.ProcessState), nil
}
