// Package external runs functions implemented by other programs (CREATE
// FUNCTION … LANGUAGE EXTERNAL). The engine starts the program once per
// worker and keeps it running for the whole job, sending it one batch of
// arguments at a time on stdin and reading one batch of results from stdout:
//
//   - protocol 'arrow' (default): stdin is an Arrow IPC stream whose columns
//     are the arguments (named by Spec.ArgNames), one record batch per
//     request; the program answers each with a one-column batch of the same
//     row count, in order, on an Arrow IPC stream on stdout. An answer of a
//     wider or narrower integer, float, string or binary type than declared
//     is converted (an overflow is an error).
//   - protocol 'jsonl': one request line per batch,
//     {"batch": 7, "rows": [[a1, a2], …]}, and one answer line,
//     {"batch": 7, "results": [r1, …]} optionally with
//     "errors": [{"row": 3, "message": "…"}], or {"batch": 7, "error": "…"}.
//     NULL is null, BLOB base64, VECTOR an array of numbers, DATE
//     "2006-01-02", DATETIME "2006-01-02T15:04:05.999999" (TIMESTAMP adds
//     "Z"), DECIMAL a number; non-finite floats are the strings "NaN",
//     "Infinity" and "-Infinity".
//
// The program's stderr is kept (the last 64 KiB) for the job log and error
// messages. Every wait has the function's timeout; a program that crashes,
// hangs, or answers garbage is killed (its whole process group) and started
// again for the next batch, and the failed batch goes through the error
// policy. The program inherits the engine's environment, nothing added.
package external

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/udf"
)

// Defaults for a Spec's zero fields.
const (
	DefaultProtocol  = "arrow"
	DefaultBatchSize = 1024
	DefaultTimeout   = 30 * time.Second
	// StderrKeep is how much of a program's stderr is kept.
	StderrKeep = 64 << 10
)

// Spec is an external function as CREATE FUNCTION declares it.
type Spec struct {
	Name     string
	Args     []arrow.DataType
	ArgNames []string // the Arrow column names; default arg1, arg2, …
	Return   arrow.DataType
	// Command is the program and its arguments, split by SplitCommand.
	Command string
	// Protocol is "arrow" (default) or "jsonl".
	Protocol string
	// BatchSize is the most rows sent in one request (default 1024); bigger
	// calls are split.
	BatchSize int
	// Workers is how many processes a job runs (the job runner's business;
	// 0 means its default).
	Workers int
	// Timeout bounds every wait for the program (default 30s).
	Timeout time.Duration
	// StartTimeout bounds the wait for the first answer of a freshly started
	// program, which may load a model first (default: Timeout).
	StartTimeout time.Duration
	OnError      udf.Policy
	// Version identifies the implementation; empty means a hash of the
	// command, protocol and signature, so replacing the function with a
	// different one changes it.
	Version string
	// Dir is the program's working directory (empty: the engine's).
	Dir string
	// Description is shown by SHOW FUNCTIONS.
	Description string
	// Stderr, if set, also receives everything the program writes to stderr
	// (the job log).
	Stderr io.Writer
}

// normalize fills defaults and checks the spec.
func (s Spec) normalize() (Spec, []string, error) {
	bad := func(format string, args ...any) error {
		return sqlerr.New(sqlerr.ErrWrongArguments, "CREATE FUNCTION %s: %s", s.Name, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(s.Name) == "" {
		return s, nil, sqlerr.New(sqlerr.ErrWrongArguments, "CREATE FUNCTION: the function needs a name")
	}
	if s.Return == nil {
		return s, nil, bad("no RETURNS type")
	}
	for i, t := range s.Args {
		if t == nil {
			return s, nil, bad("argument %d has no type", i+1)
		}
	}
	argv, err := SplitCommand(s.Command)
	if err != nil {
		return s, nil, bad("bad command %q: %v", s.Command, err)
	}
	s.Protocol = strings.ToLower(strings.TrimSpace(s.Protocol))
	if s.Protocol == "" {
		s.Protocol = DefaultProtocol
	}
	switch s.Protocol {
	case "arrow":
	case "jsonl":
		for i, t := range s.Args {
			if !jsonSupported(t) {
				return s, nil, bad("protocol 'jsonl' cannot send argument %d of type %s; use protocol 'arrow'", i+1, udf.TypeName(t))
			}
		}
		if !jsonSupported(s.Return) {
			return s, nil, bad("protocol 'jsonl' cannot return type %s; use protocol 'arrow'", udf.TypeName(s.Return))
		}
	default:
		return s, nil, bad("unknown protocol %q: expected 'arrow' or 'jsonl'", s.Protocol)
	}
	if s.ArgNames == nil {
		s.ArgNames = make([]string, len(s.Args))
	}
	if len(s.ArgNames) != len(s.Args) {
		return s, nil, bad("%d argument names for %d arguments", len(s.ArgNames), len(s.Args))
	}
	names := make([]string, len(s.ArgNames))
	for i, n := range s.ArgNames {
		if n == "" {
			n = fmt.Sprintf("arg%d", i+1)
		}
		names[i] = n
	}
	s.ArgNames = names
	if s.BatchSize < 0 || s.Workers < 0 || s.Timeout < 0 || s.StartTimeout < 0 {
		return s, nil, bad("batch_size, workers and timeout must not be negative")
	}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.StartTimeout == 0 {
		s.StartTimeout = s.Timeout
	}
	if s.Version == "" {
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%s\x00%s", s.Command, s.Protocol, udf.Signature(s.Args, s.Return))
		s.Version = "x" + hex.EncodeToString(h.Sum(nil))[:12]
	}
	return s, argv, nil
}

var specs sync.Map // *functions.Entry → Spec

// NewEntry makes the registry entry of an external function. Its Bound's
// NewInstance starts one process (per worker) and keeps it until Close; its
// Kernel shares one lazily started process behind a mutex (udf.Release
// stops it). Spec errors (bad command quoting, unknown protocol, a type the
// protocol cannot carry) are reported here; a command that does not exist
// is reported when the first instance starts.
func NewEntry(spec Spec) (*functions.Entry, error) {
	s, argv, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	desc := s.Description
	if desc == "" {
		desc = fmt.Sprintf("%s (protocol %s)", s.Command, s.Protocol)
	}
	e, err := udf.NewEntry(udf.Def{
		Name: s.Name, Kind: "external", Args: s.Args, Return: s.Return,
		Volatility: functions.Immutable, Version: s.Version, Description: desc,
		Policy: s.OnError,
		NewInstance: func(ctx context.Context) (functions.Instance, error) {
			return startInstance(&s, argv)
		},
	})
	if err != nil {
		return nil, err
	}
	specs.Store(e, s)
	return e, nil
}

// SpecOf returns the (defaults filled) spec of an entry made by NewEntry,
// for the job runner (Workers, BatchSize) and SHOW FUNCTIONS.
func SpecOf(e *functions.Entry) (Spec, bool) {
	v, ok := specs.Load(e)
	if !ok {
		return Spec{}, false
	}
	return v.(Spec), true
}

// Stderr returns what the program behind an instance (from Bound.NewInstance)
// has written to stderr lately, "" if it is not an external function.
func Stderr(inst functions.Instance) string {
	for {
		switch v := inst.(type) {
		case *Instance:
			return v.Stderr()
		case interface{ Unwrap() functions.Instance }:
			inst = v.Unwrap()
		default:
			return ""
		}
	}
}
