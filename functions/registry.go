// Package functions holds every function the engine can call: built-in scalar and
// aggregate functions and user-defined functions, all in one Registry and all
// called the same way. A function is a signature plus a kernel (as in DuckDB and
// DataFusion): the planner resolves a name and argument types to a Bound function
// once, and the executor calls its kernel once per batch.
package functions

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Volatility says when a function's result may change, which decides what the
// planner may fold or cache.
type Volatility int

const (
	// Immutable: same inputs give the same output, always (abs, concat).
	Immutable Volatility = iota
	// Stable: constant within one statement (now()).
	Stable
	// Volatile: may change on every call (rand()).
	Volatile
)

func (v Volatility) String() string {
	switch v {
	case Immutable:
		return "IMMUTABLE"
	case Stable:
		return "STABLE"
	default:
		return "VOLATILE"
	}
}

// EvalContext is what a kernel may use beyond its arguments.
type EvalContext struct {
	Ctx context.Context
	Mem memory.Allocator
	// Now is the statement's start time, so that NOW() is stable within a statement.
	Now time.Time
	// Strict makes data errors (division by zero, truncation) fail instead of
	// yielding NULL, as MySQL's strict mode does for INSERT and UPDATE.
	Strict bool
	// Warn records a MySQL-style warning (code and message); may be nil.
	Warn func(code int, msg string)
	// OnRowError, if set, receives the rows a user function skipped or the
	// attempts it retried under its error policy (row -1: the whole batch).
	// RowAddr maps a row of the batch being evaluated to its row address
	// when the batch carries one (ok=false otherwise).
	OnRowError func(function string, row int, rowAddr uint64, hasAddr bool, msg string, attempt int)
	RowAddr    func(row int) (uint64, bool)
	// OnCall, if set, is told of every batch a user function is called on
	// (jobs count function calls with it).
	OnCall func(function string, rows int)
	// Session, if set, answers MySQL's session functions (DATABASE(),
	// USER(), LAST_INSERT_ID(), ROW_COUNT(), CONNECTION_ID()).
	Session *Session
}

// Session is what the session functions report, as of the statement's start.
type Session struct {
	Database     string
	User         string
	ConnectionID int64
	// LastInsertID is the first AUTO_INCREMENT value the last INSERT
	// generated (0 if none yet); RowCount the rows the previous statement
	// changed (-1 after a statement that returned rows).
	LastInsertID int64
	RowCount     int64
}

// Kernel evaluates a function over one batch. Every argument array has nrows
// rows (constants are broadcast by the caller) and already has the type the
// Bound function asked for in ArgTypes. The result must have nrows rows and the
// Bound ReturnType; the caller releases it.
type Kernel func(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error)

// Bound is a scalar function resolved for concrete argument types.
type Bound struct {
	Name string
	// ArgTypes are the types the kernel expects; the planner casts the actual
	// arguments to these before calling.
	ArgTypes   []arrow.DataType
	ReturnType arrow.DataType
	Volatility Volatility
	Kernel     Kernel
	// Version identifies the implementation (user functions change it when
	// replaced; materialized views record it).
	Version string
	// Stateful functions (models loaded once per worker) create a per-worker
	// instance here; nil for plain functions. The executor calls NewInstance
	// once per worker and Close when done, and uses the instance's kernel.
	NewInstance func(ctx context.Context) (Instance, error)
}

// Instance is one worker's live copy of a stateful function.
type Instance interface {
	Call(ec *EvalContext, args []arrow.Array, nrows int) (arrow.Array, error)
	Close() error
}

// Accumulator computes an aggregate for many groups at once.
type Accumulator interface {
	// Update folds in one batch: groups[i] is the dense group index of row i,
	// ngroups is the number of groups seen so far (including new ones). args
	// are the aggregate's argument arrays (already cast to ArgTypes).
	Update(groups []uint32, ngroups int, args []arrow.Array) error
	// Finish returns one value per group, in group-index order, for ngroups groups.
	Finish(mem memory.Allocator, ngroups int) (arrow.Array, error)
	// Release frees any memory held.
	Release()
}

// BoundAggregate is an aggregate function resolved for concrete argument types.
type BoundAggregate struct {
	Name       string
	ArgTypes   []arrow.DataType
	ReturnType arrow.DataType
	Distinct   bool
	// New makes a fresh accumulator; Options carries e.g. GROUP_CONCAT's separator.
	New func(mem memory.Allocator, opts AggOptions) (Accumulator, error)
}

// AggOptions are the non-argument parts of an aggregate call.
type AggOptions struct {
	Separator string // GROUP_CONCAT SEPARATOR, default ","
	// OrderBy is GROUP_CONCAT's ORDER BY: one entry per sort key (true for
	// DESC). The keys are passed as extra arguments after the values, in
	// their own (canonical) types; ArgTypes covers only the values.
	OrderBy []bool
}

// ScalarResolver resolves argument types to a Bound function, or reports why
// the types do not fit (the registry turns that into a clear error).
type ScalarResolver func(args []arrow.DataType) (*Bound, error)

// AggregateResolver resolves an aggregate call.
type AggregateResolver func(args []arrow.DataType, distinct bool) (*BoundAggregate, error)

// Info describes a function for SHOW FUNCTIONS.
type Info struct {
	Name        string
	Kind        string // "scalar", "aggregate", "external", "go"
	Signature   string // e.g. "(varchar, int) -> varchar"
	Volatility  Volatility
	Version     string
	Description string
	Builtin     bool
}

// Entry is one registered function name.
type Entry struct {
	Info      Info
	Scalar    ScalarResolver
	Aggregate AggregateResolver
}

// Registry maps function names (case-insensitive) to entries. A child registry
// (NewChild) layers a database's user functions over the built-ins.
type Registry struct {
	mu      sync.RWMutex
	parent  *Registry
	entries map[string]*Entry
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{entries: map[string]*Entry{}} }

// NewChild returns a registry whose lookups fall back to r.
func (r *Registry) NewChild() *Registry {
	return &Registry{parent: r, entries: map[string]*Entry{}}
}

// Register adds or replaces a function.
func (r *Registry) Register(e *Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[strings.ToLower(e.Info.Name)] = e
}

// Unregister removes a function from this registry (not its parents); it
// reports whether it was there.
func (r *Registry) Unregister(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := strings.ToLower(name)
	_, ok := r.entries[k]
	delete(r.entries, k)
	return ok
}

// Lookup finds a function by name, searching parents.
func (r *Registry) Lookup(name string) (*Entry, bool) {
	k := strings.ToLower(name)
	for reg := r; reg != nil; reg = reg.parent {
		reg.mu.RLock()
		e, ok := reg.entries[k]
		reg.mu.RUnlock()
		if ok {
			return e, true
		}
	}
	return nil, false
}

// List returns every visible function, children shadowing parents.
func (r *Registry) List() []Info {
	seen := map[string]bool{}
	var out []Info
	for reg := r; reg != nil; reg = reg.parent {
		reg.mu.RLock()
		for k, e := range reg.entries {
			if !seen[k] {
				seen[k] = true
				out = append(out, e.Info)
			}
		}
		reg.mu.RUnlock()
	}
	return out
}
