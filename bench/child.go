package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/storage/lance"
)

// Each engine runs in its own child process (this binary re-executed with
// -child), so the peak RSS the OS reports for it is that engine's alone. The
// parent drives children with one JSON request per line on stdin and reads
// one JSON reply per line on stdout.

type request struct {
	Op      string `json:"op"` // "query", "exit"
	Name    string `json:"name,omitempty"`
	SQL     string `json:"sql,omitempty"`
	Profile string `json:"profile,omitempty"` // write a CPU profile of this run here
}

type reply struct {
	Ms   float64 `json:"ms"`
	Rows Rows    `json:"rows,omitempty"`
	Err  string  `json:"err,omitempty"`
}

// queryEngine is what a child needs from an engine.
type queryEngine interface {
	query(ctx context.Context, sql string) (Rows, error)
	close() error
}

type gsqlEngine struct{ db *genevasql.DB }

func (g *gsqlEngine) query(ctx context.Context, sql string) (Rows, error) {
	rdr, err := g.db.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return drain(rdr)
}

func (g *gsqlEngine) close() error { return g.db.Close() }

// serve answers requests until "exit" or end of input.
func serve(ctx context.Context, eng queryEngine, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return fmt.Errorf("bad request: %w", err)
		}
		if req.Op == "exit" {
			break
		}
		if err := enc.Encode(runOne(ctx, eng, req)); err != nil {
			return err
		}
	}
	return eng.close()
}

func runOne(ctx context.Context, eng queryEngine, req request) (rep reply) {
	defer func() {
		if r := recover(); r != nil {
			rep = reply{Err: fmt.Sprintf("panic: %v", r)}
		}
	}()
	if req.Profile != "" {
		defer startProfile(req.Profile)()
	}
	start := time.Now()
	rows, err := eng.query(ctx, req.SQL)
	ms := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return reply{Err: err.Error()}
	}
	return reply{Ms: ms, Rows: rows}
}

// child is a running child process.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startChild(args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	return &child{cmd: cmd, in: in, out: sc}, nil
}

func (c *child) call(req request) (reply, error) {
	b, _ := json.Marshal(req)
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return reply{}, fmt.Errorf("child %s: %w", c.cmd.Args[1:], err)
	}
	if !c.out.Scan() {
		return reply{}, fmt.Errorf("child %v died: %v", c.cmd.Args[1:], c.out.Err())
	}
	var rep reply
	if err := json.Unmarshal(c.out.Bytes(), &rep); err != nil {
		return reply{}, fmt.Errorf("child reply: %w", err)
	}
	return rep, nil
}

// finish ends the child and returns its peak RSS in MiB.
func (c *child) finish() (float64, error) {
	b, _ := json.Marshal(request{Op: "exit"})
	c.in.Write(append(b, '\n'))
	c.in.Close()
	err := c.cmd.Wait()
	return maxRSS(c.cmd.ProcessState), err
}

func maxRSS(ps *os.ProcessState) float64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	return 0
}

// runGsqlChild serves queries on the GenevaSQL database folder dir.
func runGsqlChild(ctx context.Context, dir string) error {
	db, err := genevasql.Open(dir)
	if err != nil {
		return err
	}
	return serve(ctx, &gsqlEngine{db: db}, os.Stdin, os.Stdout)
}

// scanAll reads every column of a Lance dataset and returns the row count.
func scanAll(ctx context.Context, path string, mem memory.Allocator) (int64, error) {
	ds, err := lance.Open(ctx, path, lance.WithAllocator(mem))
	if err != nil {
		return 0, err
	}
	sc, err := ds.Scan(ctx, lance.ScanOptions{})
	if err != nil {
		return 0, err
	}
	defer sc.Close()
	var n int64
	for {
		rec, err := sc.Next(ctx)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
		rec.Release()
	}
}

func gsqlDir(dir string) string { return filepath.Join(dir, "gsql") }

// scanRecordReader streams a Lance scan as an Arrow record reader, the form
// DuckDB's Arrow scan imports.
type scanRecordReader struct {
	sc   *lance.Scanner
	cur  arrow.RecordBatch
	err  error
	refs int
}

func (r *scanRecordReader) Retain()                        { r.refs++ }
func (r *scanRecordReader) Schema() *arrow.Schema          { return r.sc.Schema() }
func (r *scanRecordReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *scanRecordReader) Record() arrow.RecordBatch      { return r.cur }
func (r *scanRecordReader) Err() error                     { return r.err }
func (r *scanRecordReader) Release() {
	r.refs--
	if r.refs == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.sc.Close()
	}
}
func (r *scanRecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	rec, err := r.sc.Next(context.Background())
	if err == io.EOF {
		return false
	}
	if err != nil {
		r.err = err
		return false
	}
	r.cur = rec
	return true
}

// startProfile starts a CPU profile into path and returns its stop function
// (a no-op if profiling could not start: the timings do not depend on it).
func startProfile(path string) func() {
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if pprof.StartCPUProfile(f) != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
