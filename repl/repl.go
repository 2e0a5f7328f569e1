package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chzyer/readline"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/sqlerr"
)

const (
	// Prompt is the shell's prompt for a new statement.
	Prompt = "genevasql> "
	// ContinuationPrompt is shown while a statement has no terminating ';'.
	ContinuationPrompt = "    -> "
)

// Config configures the interactive shell.
type Config struct {
	DB Runner
	// Stdin, Stdout and Stderr default to the process's.
	Stdin          io.ReadCloser
	Stdout, Stderr io.Writer
	// HistoryFile defaults to HistoryPath().
	HistoryFile string
	Format      Format
	// Banner is printed once at start (e.g. the database folder).
	Banner string
}

// HistoryPath is where the shell keeps its history: $GENEVASQL_HISTORY, or
// ~/.genevasql_history.
func HistoryPath() string {
	if p := os.Getenv("GENEVASQL_HISTORY"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".genevasql_history")
}

const helpText = `Statements end with ';' and may span lines. Commands:
  \help, \h, \?     this help
  \d                list tables (SHOW TABLES)
  \d NAME           describe a table or view (DESCRIBE NAME)
  \timing           toggle the "(0.01 sec)" timing notes
  \format FORMAT    print results as table, csv, tsv or json
  \q, quit, exit    leave (Ctrl-D too)
Ctrl-C cancels the running statement, or clears the line at the prompt.
Tab completes keywords, table and column names.
`

// shell is one interactive session.
type shell struct {
	db      Runner
	out     io.Writer
	errOut  io.Writer
	printer *Printer
	comp    *completer

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement, nil at the prompt
}

// Run starts the interactive shell and returns when the user leaves (\q or
// Ctrl-D). Statement errors are printed and the session goes on; Run returns
// an error only if the terminal cannot be used.
func Run(ctx context.Context, cfg Config) error {
	sh := &shell{db: cfg.DB, out: cfg.Stdout, errOut: cfg.Stderr, comp: newCompleter(cfg.DB)}
	if sh.out == nil {
		sh.out = os.Stdout
	}
	if sh.errOut == nil {
		sh.errOut = os.Stderr
	}
	sh.printer = &Printer{Out: sh.out, Format: cfg.Format, Timing: true}
	hist := cfg.HistoryFile
	if hist == "" {
		hist = HistoryPath()
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 Prompt,
		HistoryFile:            hist,
		HistoryLimit:           10000,
		DisableAutoSaveHistory: true, // a multi-line statement is saved as one entry
		HistorySearchFold:      true,
		AutoComplete:           sh.comp,
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
		Stdin:                  cfg.Stdin,
		Stdout:                 cfg.Stdout,
		Stderr:                 cfg.Stderr,
	})
	if err != nil {
		return fmt.Errorf("starting the shell: %w", err)
	}
	defer rl.Close()

	// While a statement runs the terminal is in cooked mode, so Ctrl-C is
	// SIGINT: it cancels the statement instead of killing the process.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt)
	defer signal.Stop(sigc)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-sigc:
				sh.mu.Lock()
				if sh.cancel != nil {
					sh.cancel()
				}
				sh.mu.Unlock()
			case <-done:
				return
			}
		}
	}()

	if cfg.Banner != "" {
		fmt.Fprintln(sh.out, cfg.Banner)
	}
	var buf strings.Builder
	for {
		if ctx.Err() != nil {
			return nil
		}
		if buf.Len() == 0 {
			rl.SetPrompt(Prompt)
		} else {
			rl.SetPrompt(ContinuationPrompt)
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset() // Ctrl-C at the prompt drops the statement being typed
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			fmt.Fprintln(sh.out, "Bye")
			return nil
		}
		if buf.Len() == 0 {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, `\`) || isQuit(trimmed) {
				_ = rl.SaveHistory(trimmed)
				if quit := sh.command(ctx, trimmed); quit {
					fmt.Fprintln(sh.out, "Bye")
					return nil
				}
				continue
			}
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		text := buf.String()
		// \q on its own line leaves even in the middle of a statement.
		if strings.TrimSpace(line) == `\q` {
			fmt.Fprintln(sh.out, "Bye")
			return nil
		}
		// Run the statements ended so far; keep an unfinished tail typed on
		// the same line for the next lines, as the mysql client does.
		ready, rest := SplitComplete(text)
		if ready == "" {
			continue
		}
		buf.Reset()
		buf.WriteString(rest)
		_ = rl.SaveHistory(historyEntry(ready))
		sh.runText(ctx, ready)
	}
}

func isQuit(s string) bool {
	s = strings.TrimSuffix(strings.ToLower(s), ";")
	return s == "quit" || s == "exit"
}

// historyEntry makes a statement one history line (the history file is
// line based) that runs the same when recalled: line breaks become spaces,
// -- and # comments become /* */ comments (so they do not swallow the rest
// of the line), and a line break inside a string becomes the \n escape.
func historyEntry(text string) string {
	text = strings.TrimSpace(text)
	b := make([]byte, 0, len(text)+8)
	var quote byte
	comment := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case comment:
			switch {
			case c == '\n':
				b = append(trimSpaceRight(b), " */ "...)
				comment = false
				i = skipIndent(text, i)
			case c == '*' && i+1 < len(text) && text[i+1] == '/':
				b = append(b, '*', ' ', '/')
				i++
			case c != '\r':
				b = append(b, c)
			}
		case quote != 0:
			switch {
			case c == '\\' && quote != '`' && i+1 < len(text) && text[i+1] != '\n':
				b = append(b, c, text[i+1])
				i++
			case c == '\n' && quote == '`':
				b = append(b, ' ')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			default:
				if c == quote {
					quote = 0 // a doubled quote closes and reopens
				}
				b = append(b, c)
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
			b = append(b, c)
		case c == '#' || c == '-' && strings.HasPrefix(text[i:], "--") && (i+2 == len(text) || isSpaceByte(text[i+2])):
			comment = true
			b = append(b, '/', '*')
			if c == '-' {
				i++
			}
		case c == '\n' || c == '\r':
			b = append(trimSpaceRight(b), ' ')
			i = skipIndent(text, i)
		default:
			b = append(b, c)
		}
	}
	if comment {
		b = append(trimSpaceRight(b), " */"...)
	}
	return string(b)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpaceRight(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// skipIndent returns the index of the last white space byte after i, so
// that the caller's loop continues at the next line's first word.
func skipIndent(s string, i int) int {
	for i+1 < len(s) && isSpaceByte(s[i+1]) {
		i++
	}
	return i
}

// command runs a backslash command; it returns true to leave.
func (sh *shell) command(ctx context.Context, cmd string) bool {
	if isQuit(cmd) {
		return true
	}
	name, arg, _ := strings.Cut(cmd, " ")
	arg = strings.TrimSuffix(strings.TrimSpace(arg), ";")
	switch name {
	case `\q`, `\quit`:
		return true
	case `\help`, `\h`, `\?`:
		fmt.Fprint(sh.out, helpText)
	case `\timing`:
		sh.printer.Timing = !sh.printer.Timing
		if sh.printer.Timing {
			fmt.Fprintln(sh.out, "Timing is on.")
		} else {
			fmt.Fprintln(sh.out, "Timing is off.")
		}
	case `\format`:
		f, err := ParseFormat(arg)
		if err != nil || arg == "" {
			fmt.Fprintf(sh.errOut, "usage: \\format table|csv|tsv|json (now %s)\n", sh.printer.Format)
			break
		}
		sh.printer.Format = f
	case `\d`:
		if arg == "" {
			sh.runText(ctx, "SHOW TABLES;")
		} else {
			sh.runText(ctx, "DESCRIBE "+quoteIdent(strings.Trim(arg, "`"))+";")
		}
	default:
		fmt.Fprintf(sh.errOut, "unknown command %s; type \\help for the list\n", name)
	}
	return false
}

// runText runs the statements of text one by one, printing results and
// errors; Ctrl-C cancels the statement running.
func (sh *shell) runText(ctx context.Context, text string) {
	stmts, err := genevasql.Split(text)
	if err != nil {
		sh.printError(text, err)
		return
	}
	for _, st := range stmts {
		sctx, cancel := context.WithCancel(ctx)
		sh.mu.Lock()
		sh.cancel = cancel
		sh.mu.Unlock()
		err := runOne(sctx, sh.db, st, sh.printer)
		sh.mu.Lock()
		sh.cancel = nil
		sh.mu.Unlock()
		interrupted := sctx.Err() != nil && ctx.Err() == nil
		cancel()
		if isDDL(st.Text) {
			sh.comp.invalidate()
		}
		if err != nil {
			if interrupted {
				err = sqlerr.New(sqlerr.ErrQueryCanceled, "Query execution was interrupted")
			}
			sh.printError(text, err)
			return // the rest of the line depended on this statement
		}
	}
}

func isDDL(s string) bool {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	switch strings.ToUpper(w) {
	case "CREATE", "DROP", "ALTER", "IMPORT":
		return true
	}
	return false
}

// printError prints err like the mysql client, then the offending line of
// text with a caret under the error column.
func (sh *shell) printError(text string, err error) {
	fmt.Fprintln(sh.errOut, errorWithCaret(text, err))
}

// errorWithCaret renders err, and when it has a position inside text, the
// line it points into and a caret under the column.
func errorWithCaret(text string, err error) string {
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Line <= 0 {
		return err.Error()
	}
	c := *se
	c.Line, c.Column = 0, 0
	msg := c.Error()
	lines := strings.Split(text, "\n")
	if se.Line > len(lines) {
		return msg
	}
	src := strings.TrimRight(lines[se.Line-1], "\r")
	col := se.Column
	if col < 1 {
		col = 1
	}
	// Keep tabs so the caret lines up with what the terminal shows.
	var pad strings.Builder
	n := 0
	for _, r := range src {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		n++
	}
	if utf8.RuneCountInString(src) < col-1 {
		pad.WriteString(strings.Repeat(" ", col-1-utf8.RuneCountInString(src)))
	}
	where := ""
	if len(lines) > 1 {
		where = fmt.Sprintf(" (line %d, column %d)", se.Line, col)
	}
	return fmt.Sprintf("%s%s\n  %s\n  %s^", msg, where, src, pad.String())
}
