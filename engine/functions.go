package engine

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/udf"
	"github.com/genevasql/genevasql/udf/external"
)

// External function definitions are kept in <db>/_genevasql/functions as
// one JSON file each, exactly as written, and registered again when the
// database is opened.
type functionFile struct {
	Name      string            `json:"name"`
	Args      []parser.FuncArg  `json:"args"`
	Returns   string            `json:"returns"`
	Command   string            `json:"command"`
	With      map[string]string `json:"with,omitempty"`
	Created   time.Time         `json:"created"`
	Statement string            `json:"statement"`
}

func (e *Engine) functionPath(name string) (string, error) {
	stem, err := catalog.EncodeName(name)
	if err != nil {
		return "", err
	}
	return e.cat.SystemPath("functions", stem+".json"), nil
}

// sqlType converts a SQL type text to the Arrow type it is stored as.
func sqlType(text string) (arrow.DataType, error) {
	node, err := parser.ParseTiDB("CREATE TABLE t (c " + text + ")")
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrParse, "bad type %q", text)
	}
	ct := node.(*ast.CreateTableStmt)
	return catalog.ArrowType(ct.Cols[0].Tp)
}

// externalEntry builds the registry entry of a stored definition.
func (e *Engine) externalEntry(f *functionFile) (*functions.Entry, error) {
	spec := external.Spec{Name: f.Name, Command: f.Command, Description: "external: " + f.Command}
	for _, a := range f.Args {
		t, err := sqlType(a.Type)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "argument %s: %v", a.Name, sqlerr.Wrap(err).Msg)
		}
		spec.Args = append(spec.Args, t)
		spec.ArgNames = append(spec.ArgNames, a.Name)
	}
	ret, err := sqlType(f.Returns)
	if err != nil {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "RETURNS: %v", sqlerr.Wrap(err).Msg)
	}
	spec.Return = ret
	for k, v := range f.With {
		switch k {
		case "protocol":
			spec.Protocol = v
		case "batch_size", "workers":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, sqlerr.New(sqlerr.ErrWrongArguments, "option %s must be a positive integer, got %q", k, v)
			}
			if k == "batch_size" {
				spec.BatchSize = n
			} else {
				spec.Workers = n
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, sqlerr.New(sqlerr.ErrWrongArguments, "option timeout must be a duration such as '30s', got %q", v)
			}
			spec.Timeout = d
		case "on_error":
			p, err := udf.ParsePolicy(v)
			if err != nil {
				return nil, sqlerr.New(sqlerr.ErrWrongArguments, "option on_error: %v", err)
			}
			spec.OnError = p
		default:
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "unknown option %q (known: protocol, batch_size, workers, timeout, on_error)", k)
		}
	}
	return external.NewEntry(spec)
}

// disabledEntry stands for an external function in a database opened with
// external functions turned off: calling it says so.
func disabledEntry(f *functionFile) *functions.Entry {
	return &functions.Entry{
		Info: functions.Info{Name: f.Name, Kind: "external", Signature: "(disabled)", Description: "external: " + f.Command},
		Scalar: func([]arrow.DataType) (*functions.Bound, error) {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "function %s is an external function, and external functions are turned off for this database", f.Name)
		},
	}
}

// loadFunctions registers the stored external functions.
func (e *Engine) loadFunctions() error {
	dir := e.cat.SystemPath("functions")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, de := range entries {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return err
		}
		var f functionFile
		if err := json.Unmarshal(b, &f); err != nil {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "corrupt function definition %s: %v", de.Name(), err)
		}
		if !e.cfg.AllowExternal {
			e.fns.Register(disabledEntry(&f))
			continue
		}
		ent, err := e.externalEntry(&f)
		if err != nil {
			return sqlerr.New(sqlerr.ErrUnknownSystem, "function %s: %v", f.Name, err)
		}
		e.fns.Register(ent)
	}
	return nil
}

func (s *session) createFunction(n *parser.CreateFunction) (*Result, error) {
	e := s.e
	if !e.cfg.AllowExternal {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "external functions are turned off for this database (they run programs with the engine's rights)")
	}
	if ent, ok := e.fns.Lookup(n.Name); ok {
		if ent.Info.Builtin {
			return nil, sqlerr.New(sqlerr.ErrWrongObject, "%s is a built-in function and cannot be replaced", n.Name)
		}
		if !n.OrReplace {
			return nil, sqlerr.New(sqlerr.ErrWrongObject, "FUNCTION %s already exists (use CREATE OR REPLACE FUNCTION)", n.Name)
		}
	}
	f := &functionFile{Name: n.Name, Args: n.Args, Returns: n.Returns, Command: n.Command, With: n.With,
		Created: time.Now().UTC(), Statement: s.stmt.Text}
	ent, err := e.externalEntry(f)
	if err != nil {
		return nil, err
	}
	p, err := e.functionPath(n.Name)
	if err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	if err := catalog.WriteFileAtomic(p, b); err != nil {
		return nil, err
	}
	if old, ok := e.fns.Lookup(n.Name); ok {
		_ = udf.Release(old)
	}
	e.fns.Register(ent)
	return &Result{Message: "function " + n.Name + " created"}, nil
}

func (s *session) dropFunction(n *parser.DropFunction) (*Result, error) {
	e := s.e
	ent, ok := e.fns.Lookup(n.Name)
	if !ok || ent.Info.Builtin {
		if n.IfExists && !ok {
			return &Result{}, nil
		}
		if ok {
			return nil, sqlerr.New(sqlerr.ErrWrongObject, "%s is a built-in function and cannot be dropped", n.Name)
		}
		return nil, sqlerr.New(sqlerr.ErrNoSuchFunction, "FUNCTION %s does not exist", n.Name)
	}
	p, err := e.functionPath(n.Name)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	e.fns.Unregister(n.Name)
	_ = udf.Release(ent)
	return &Result{Message: "function " + n.Name + " dropped"}, nil
}
