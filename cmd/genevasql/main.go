// Command genevasql is GenevaSQL's shell: it opens a database folder and runs
// SQL typed interactively, given with -c, read from a file with -f, or piped
// on stdin.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/term"

	"github.com/genevasql/genevasql"
	"github.com/genevasql/genevasql/repl"
)

const usageHead = `Usage: genevasql [flags]

Opens (creating it if needed) the database folder ./genevasql.db or --db DIR.
With no -f or -c and a terminal on stdin, starts the interactive shell;
stdin that is not a terminal runs as a script.

Statements run one by one, in order. At the first error genevasql prints
"file:line:column: message" (file is the -f path, -c or <stdin>) and exits
with status 1: the statements before it have run, those after it have not.

Security: external functions (CREATE FUNCTION ... LANGUAGE EXTERNAL) run
programs with your user's rights. They are allowed by default; use
--no-external-functions to forbid them, e.g. for scripts you did not write.

Flags (-name and --name both work):
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	db              string
	file            string
	command         string
	commandSet      bool
	format          string
	continueOnError bool
	noExternal      bool
	timing          bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("genevasql", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.db, "db", "genevasql.db", "database `folder` (created if missing)")
	fs.StringVar(&o.file, "f", "", "run the SQL script in `file` (- for stdin)")
	fs.Func("c", "run the `SQL` statements given (separated by ;)", func(s string) error {
		o.command, o.commandSet = s, true
		return nil
	})
	fs.StringVar(&o.format, "format", "table", "result `format`: table, csv, tsv, json (json: one array of row objects per result set)")
	fs.BoolVar(&o.continueOnError, "continue-on-error", false, "in scripts, report errors and go on; exit 1 at the end if any statement failed")
	fs.BoolVar(&o.noExternal, "no-external-functions", false, "forbid external functions (they run programs with your rights)")
	fs.BoolVar(&o.timing, "timing", false, "in scripts, print timing notes after results (the shell has \\timing)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (use -f FILE or -c SQL)", fs.Arg(0))
	}
	if o.file != "" && o.commandSet {
		return nil, errors.New("give either -f or -c, not both")
	}
	return o, nil
}

// run is main without the exit, so tests can call it.
func run(args []string, stdin io.ReadCloser, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "genevasql:", err)
		return 2
	}
	format, err := repl.ParseFormat(o.format)
	if err != nil {
		fmt.Fprintln(stderr, "genevasql:", err)
		return 2
	}
	interactive := o.file == "" && !o.commandSet && isTerminal(stdin)

	opts := []genevasql.Option{genevasql.WithExternalFunctions(!o.noExternal)}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts = append(opts, genevasql.WithProgress(repl.NewProgress(stderr).Report))
	}
	db, err := genevasql.Open(o.db, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "genevasql: opening %s: %v\n", o.db, err)
		return 1
	}
	defer db.Close()

	if interactive {
		err := repl.Run(context.Background(), repl.Config{
			DB:     db,
			Stdin:  stdin,
			Stdout: stdout,
			Stderr: stderr,
			Format: format,
			Banner: fmt.Sprintf("GenevaSQL shell on %s. Statements end with ';'. Type \\help for help, \\q to leave.", o.db),
		})
		if err != nil {
			fmt.Fprintln(stderr, "genevasql:", err)
			return 1
		}
		return 0
	}

	name, script := "-c", o.command
	switch {
	case o.commandSet:
	case o.file != "" && o.file != "-":
		b, err := os.ReadFile(o.file)
		if err != nil {
			fmt.Fprintln(stderr, "genevasql:", err)
			return 1
		}
		name, script = o.file, string(b)
	default:
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintln(stderr, "genevasql: reading stdin:", err)
			return 1
		}
		name, script = "<stdin>", string(b)
	}
	// Editors on Windows start files with a byte order mark; it is not SQL.
	script = strings.TrimPrefix(script, "\ufeff")

	// Ctrl-C cancels the running statement, which ends the script.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = repl.RunScript(ctx, db, script, repl.ScriptOptions{
		Name:            name,
		Printer:         &repl.Printer{Out: stdout, Format: format, Timing: o.timing},
		Errors:          stderr,
		ContinueOnError: o.continueOnError,
	})
	if err != nil {
		var se *repl.ScriptError
		if !errors.As(err, &se) {
			fmt.Fprintln(stderr, "genevasql:", err)
		}
		return 1
	}
	return 0
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
