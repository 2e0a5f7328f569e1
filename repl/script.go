// Package repl holds GenevaSQL's interactive shell and the pieces it shares
// with script mode: result formatting (table, CSV, TSV, JSON), running a
// script statement by statement with positioned errors, and the progress bar.
package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// Runner is what scripts and the shell need from a database. *genevasql.DB
// implements it.
type Runner interface {
	Run(ctx context.Context, stmt genevasql.Statement, args ...any) (*genevasql.Result, error)
}

// ScriptOptions configure RunScript.
type ScriptOptions struct {
	// Name is the script's name in error messages: a path, "-c" or "<stdin>".
	Name string
	// Printer prints results; nil discards them.
	Printer *Printer
	// Errors receives error messages (file:line:column: message).
	Errors io.Writer
	// ContinueOnError runs the statements after a failed one too.
	ContinueOnError bool
}

// ScriptError is the first error of a script, positioned in the script.
type ScriptError struct {
	Name         string
	Line, Column int
	Err          error
	// Failed counts the statements that failed (more than one only with
	// ContinueOnError).
	Failed int
}

func (e *ScriptError) Error() string { return FormatError(e.Name, e.Err) }

func (e *ScriptError) Unwrap() error { return e.Err }

// FormatError renders err as "name:line:column: message". The message is
// the error's own text without its trailing position note, which the prefix
// already gives.
func FormatError(name string, err error) string {
	line, col := 0, 0
	msg := err.Error()
	var se *sqlerr.Error
	if errors.As(err, &se) {
		line, col = se.Line, se.Column
		c := *se
		c.Line, c.Column = 0, 0
		msg = c.Error()
	}
	if line <= 0 {
		return fmt.Sprintf("%s: %s", name, msg)
	}
	if col <= 0 {
		col = 1
	}
	return fmt.Sprintf("%s:%d:%d: %s", name, line, col, msg)
}

// RunScript runs script's statements in order. At the first error it writes
// "name:line:column: message" to opts.Errors and stops (the statements before
// it have run, those after it have not), unless ContinueOnError is set, in
// which case it reports every error and goes on. A script that cannot be
// split (an unterminated string) runs the complete statements before the
// broken one and then reports it. The returned error is a *ScriptError
// describing the first failure, or a context error when ctx ends.
func RunScript(ctx context.Context, db Runner, script string, opts ScriptOptions) error {
	stmts, splitErr := genevasql.Split(script)
	if splitErr != nil {
		stmts = completeBefore(script, splitErr)
	}
	var first *ScriptError
	fail := func(err error) {
		se := sqlerr.Wrap(err)
		if first == nil {
			first = &ScriptError{Name: opts.Name, Line: se.Line, Column: se.Column, Err: err}
		}
		first.Failed++
		if opts.Errors != nil {
			fmt.Fprintln(opts.Errors, FormatError(opts.Name, err))
		}
	}
	for _, st := range stmts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := runOne(ctx, db, st, opts.Printer); err != nil {
			fail(err)
			if !opts.ContinueOnError {
				return first
			}
		}
	}
	if splitErr != nil {
		fail(splitErr)
	}
	if first != nil {
		return first
	}
	return nil
}

// runOne runs one statement, prints its result and converts panics of the
// engine into errors, so one bad statement cannot take the shell down.
func runOne(ctx context.Context, db Runner, st genevasql.Statement, p *Printer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.ErrUnknownSystem, "internal error: %v", r).At(st.Line, st.Column)
		}
	}()
	start := time.Now()
	res, err := db.Run(ctx, st)
	if err != nil {
		return positioned(err, st)
	}
	if p == nil {
		if res != nil && res.Reader != nil {
			for res.Reader.Next() {
			}
			err = res.Reader.Err()
			res.Reader.Release()
		}
		return positioned(err, st)
	}
	return positioned(p.Print(res, start), st)
}

// positioned gives an error without a position the statement's start, so
// every error a user sees says where.
func positioned(err error, st genevasql.Statement) error {
	if err == nil {
		return nil
	}
	se := sqlerr.Wrap(err)
	if se.Line > 0 {
		return err
	}
	if errors.Is(err, context.Canceled) {
		se = sqlerr.New(sqlerr.ErrQueryCanceled, "Query execution was interrupted")
		se.Cause = err
	}
	return se.At(st.Line, st.Column)
}

// completeBefore returns the statements of script that end with a semicolon
// before the position of a split error.
func completeBefore(script string, splitErr error) []genevasql.Statement {
	se := sqlerr.Wrap(splitErr)
	if se.Line <= 0 {
		return nil
	}
	off := offsetOf(script, se.Line, se.Column)
	prefix := script[:off]
	stmts, err := genevasql.Split(prefix)
	if err != nil || len(stmts) == 0 {
		return nil
	}
	last := stmts[len(stmts)-1]
	rest := prefix[last.Offset+len(last.Text):]
	if !strings.HasPrefix(strings.TrimLeft(rest, " \t\r\n"), ";") {
		// The last piece is the start of the broken statement.
		stmts = stmts[:len(stmts)-1]
	}
	return stmts
}

// offsetOf converts a 1-based line and column (in characters) to a byte
// offset of s.
func offsetOf(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(s); c++ {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

// Complete reports whether text holds at least one statement and ends with
// a statement terminator outside quotes and comments, i.e. whether the
// shell should run it rather than read another line.
func Complete(text string) bool {
	stmts, err := parser.Split(text)
	if err != nil {
		return false // an open quote or comment: keep reading
	}
	if len(stmts) == 0 {
		return false
	}
	last := stmts[len(stmts)-1]
	rest := text[last.Offset+len(last.Text):]
	rest = strings.TrimLeft(rest, " \t\r\n")
	return strings.HasPrefix(rest, ";")
}

// SplitComplete cuts text after its last statement that is terminated by a
// semicolon: done holds the complete statements (empty if there are none),
// rest the unfinished remainder with leading white space removed (empty
// when nothing but comments or space follows).
func SplitComplete(text string) (done, rest string) {
	stmts, err := parser.Split(text)
	if err != nil {
		stmts = completeBefore(text, err)
	}
	cut := -1
	for _, st := range stmts {
		after := st.Offset + len(st.Text)
		trimmed := strings.TrimLeft(text[after:], " \t\r\n")
		if strings.HasPrefix(trimmed, ";") {
			cut = len(text) - len(trimmed) + 1
		}
	}
	if cut < 0 {
		return "", strings.TrimLeft(text, " \t\r\n")
	}
	rest = strings.TrimLeft(text[cut:], " \t\r\n")
	if rs, err := parser.Split(rest); err == nil && len(rs) == 0 {
		rest = "" // only comments
	}
	return text[:cut], rest
}
