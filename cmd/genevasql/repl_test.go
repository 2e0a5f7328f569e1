package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// shell drives the binary's REPL through a pseudo-terminal.
type shell struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // output before mark has been matched already
	done chan struct{}
}

func startShell(t *testing.T, db, history string) *shell {
	t.Helper()
	cmd := exec.Command(binary, "--db", db)
	cmd.Env = append(os.Environ(), "GENEVASQL_HISTORY="+history, "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatalf("starting the shell in a pty: %v", err)
	}
	sh := &shell{t: t, pty: f, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(sh.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			sh.mu.Lock()
			sh.out.Write(buf[:n])
			sh.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
	})
	return sh
}

func (sh *shell) send(s string) {
	sh.t.Helper()
	if _, err := io.WriteString(sh.pty, s); err != nil {
		sh.t.Fatalf("writing to the shell: %v", err)
	}
}

// expect waits until one of wants appears after the last match and returns
// which one did.
func (sh *shell) expect(wants ...string) string {
	sh.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		sh.mu.Lock()
		seen := sh.out.String()[sh.mark:]
		for _, w := range wants {
			if i := strings.Index(seen, w); i >= 0 {
				sh.mark += i + len(w)
				sh.mu.Unlock()
				return w
			}
		}
		sh.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.t.Fatalf("shell output never showed %q; after the last match it shows:\n%q", wants, sh.out.String()[sh.mark:])
	return ""
}

// TestShellEditing covers what works without a running engine: multi-line
// input with the continuation prompt, history (recalled with the up arrow,
// saved as one line), Ctrl-C at the prompt, backslash commands and Ctrl-D.
func TestShellEditing(t *testing.T) {
	dir := t.TempDir()
	history := filepath.Join(dir, "history")
	sh := startShell(t, filepath.Join(dir, "db"), history)
	sh.expect("genevasql> ")

	sh.send("SELECT 1,\r")
	sh.expect("    -> ")
	sh.send("  2;\r")
	// Either the result or, before the engine works, its error.
	answer := sh.expect("1 row in set", "not implemented")
	sh.expect("genevasql> ")

	sh.send("\x1b[A") // up arrow recalls the statement as one line
	sh.expect("SELECT 1, 2;")
	sh.send("\r")
	sh.expect(answer)
	sh.expect("genevasql> ")

	// Ctrl-C drops a half-typed statement, even one spanning lines.
	sh.send("SELECT oops\r")
	sh.expect("    -> ")
	sh.send("\x03")
	sh.expect("genevasql> ")
	sh.send(`\timing` + "\r")
	sh.expect("Timing is off.")
	sh.send(`\help` + "\r")
	sh.expect(`\timing`)
	sh.send(`\bogus` + "\r")
	sh.expect("unknown command")

	sh.send("\x04") // Ctrl-D leaves
	sh.expect("Bye")
	select {
	case <-sh.done:
	case <-time.After(10 * time.Second):
		t.Fatal("shell did not exit after Ctrl-D")
	}
	if err := sh.cmd.Wait(); err != nil {
		t.Errorf("shell exit: %v", err)
	}
	hist, err := os.ReadFile(history)
	if err != nil {
		t.Fatalf("history file: %v", err)
	}
	if !strings.Contains(string(hist), "SELECT 1, 2;\n") {
		t.Errorf("history %q lacks the statement as one line", hist)
	}
	if strings.Contains(string(hist), "oops") {
		t.Errorf("history %q keeps a statement cancelled with Ctrl-C", hist)
	}
}

// TestShellCancel runs a slow query, presses Ctrl-C, and checks that the
// statement is interrupted and the session goes on.
func TestShellCancel(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	values := make([]string, 100)
	for i := range values {
		values[i] = "(1)"
	}
	r := runBinary(t, dir, "", "--db", db, "-c",
		"CREATE TABLE t (a INT); INSERT INTO t VALUES "+strings.Join(values, ","))
	if r.code != 0 {
		t.Fatalf("preparing: %s", r.stderr)
	}
	sh := startShell(t, db, filepath.Join(dir, "history"))
	sh.expect("genevasql> ")
	// 100^5 rows: far too many to finish before the Ctrl-C.
	sh.send("SELECT COUNT(*) FROM t a, t b, t c, t d, t e;\r")
	time.Sleep(time.Second)
	sh.send("\x03")
	sh.expect("interrupted")
	sh.expect("genevasql> ")
	sh.send("SELECT 40 + 2 AS answer;\r")
	sh.expect("42")
	sh.expect("1 row in set")
}

// TestShellProgress checks that a refresh run in the shell draws a progress
// bar (stderr is the terminal) and then prints its result.
func TestShellProgress(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	r := runBinary(t, dir, "", "--db", db, "-c",
		"CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2), (3); CREATE MATERIALIZED VIEW v AS SELECT a * 2 AS b FROM t")
	if r.code != 0 {
		t.Fatalf("preparing: %s", r.stderr)
	}
	sh := startShell(t, db, filepath.Join(dir, "history"))
	sh.expect("genevasql> ")
	sh.send("REFRESH MATERIALIZED VIEW v;\r")
	sh.expect("refresh")
	sh.expect("% |")
	sh.expect("rows/")
	sh.expect("Query OK, 3 rows affected")
	sh.send("\x04")
	sh.expect("Bye")
	<-sh.done

	r = runBinary(t, dir, "", "--db", db, "-c", "INSERT INTO t VALUES (4); REFRESH MATERIALIZED VIEW v")
	if r.code != 0 || strings.Contains(r.stderr, "% |") {
		t.Errorf("refresh with stderr not a terminal: exit %d, stderr %q; want no progress bar", r.code, r.stderr)
	}
}
