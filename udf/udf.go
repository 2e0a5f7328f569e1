// Package udf turns user code into functions the engine can call: a typed Go
// func called row at a time (Scalar), a kernel over Arrow arrays (Vectorized),
// and a function with per-worker state such as a loaded model (Stateful).
// External programs (CREATE FUNCTION … LANGUAGE EXTERNAL) live in udf/external
// and are built on the same pieces.
//
// Every function made here is a *functions.Entry with a fixed signature. Its
// Bound has:
//
//   - NewInstance: always set. Creates one worker's instance (a stateful
//     function's setup runs here, once per instance) whose calls go through
//     the function's error policy: skipped rows and retried attempts are
//     reported to EvalContext.OnRowError when set, else as warnings through
//     EvalContext.Warn. Panics become errors naming the function, and a
//     result of the wrong length or type is an error.
//   - Kernel: for callers without an instance. It applies the policy the same
//     way. Stateful and external functions share one lazily created instance
//     behind a mutex; Release closes it.
//
// RawInstance gives an instance without the policy, for callers that apply it
// themselves with CallWithPolicy.
//
// PolicyOf tells the job runner a function's error policy.
package udf

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// Option configures a user function.
type Option func(*config)

type config struct {
	volatility  functions.Volatility
	version     string
	description string
	policy      Policy
	argTypes    []arrow.DataType
	retType     arrow.DataType
}

func newConfig(opts []Option) config {
	c := config{volatility: functions.Immutable, version: "1"}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithVolatility declares when results may change (default Immutable: user
// functions are assumed deterministic, which incremental refresh relies on).
func WithVolatility(v functions.Volatility) Option { return func(c *config) { c.volatility = v } }

// WithVersion sets the implementation version (default "1"). Change it when
// the function computes something different, so materialized views know
// which values are stale.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithDescription sets the text SHOW FUNCTIONS prints.
func WithDescription(d string) Option { return func(c *config) { c.description = d } }

// WithErrorPolicy sets what happens when the function fails (default Fail).
func WithErrorPolicy(p Policy) Option { return func(c *config) { c.policy = p } }

// WithArgTypes overrides the SQL argument types Scalar derives from the Go
// parameter types (e.g. a TIMESTAMP with zone for a time.Time, or VECTOR(n)
// for a []float32). Each must still fit its Go parameter.
func WithArgTypes(ts ...arrow.DataType) Option { return func(c *config) { c.argTypes = ts } }

// WithReturnType overrides the SQL return type Scalar derives from the Go
// result type; a []float32 result needs it to say the dimension
// (WithReturnType(udf.Vector(n))).
func WithReturnType(t arrow.DataType) Option { return func(c *config) { c.retType = t } }

// Vector is VECTOR(n): fixed_size_list<float32>[n].
func Vector(n int) arrow.DataType {
	return arrow.FixedSizeListOf(int32(n), arrow.PrimitiveTypes.Float32)
}

// Datetime is the type of DATETIME (and of time.Time by default):
// microseconds since the epoch, no zone.
var Datetime arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}

// State is one worker's live copy of a stateful function: Call evaluates a
// batch (the result has nrows rows and the declared return type), Close frees
// what Setup acquired. Any functions.Instance is a State.
type State interface {
	Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error)
	Close() error
}

// Def describes a function to NewEntry. It is the common ground of the
// constructors in this package and of udf/external.
type Def struct {
	Name string
	// Kind is Info.Kind: "go" or "external".
	Kind        string
	Args        []arrow.DataType
	Return      arrow.DataType
	Volatility  functions.Volatility
	Version     string
	Description string
	Policy      Policy
	// NewInstance creates one worker's instance. Its Call may panic or
	// return a wrong result; the wrapper turns that into an error.
	NewInstance func(ctx context.Context) (functions.Instance, error)
	// Cheap says instances are stateless and free to create: the Kernel then
	// makes one per call instead of sharing one behind a mutex.
	Cheap bool
	// Bind, if set, adapts the signature to the actual argument types (a
	// VECTOR of any dimension, say): it returns the argument types to cast to
	// and the instance factory for them. Nil means Args exactly.
	Bind func(actual []arrow.DataType) ([]arrow.DataType, func(ctx context.Context) (functions.Instance, error), error)
}

// fn is a registered user function: its definition and the bound
// signatures handed out so far (with their shared instances).
type fn struct {
	def Def
	mu  sync.Mutex
	bs  map[string]*bound
}

// bound is one resolved signature.
type bound struct {
	f       *fn
	b       *functions.Bound
	newInst func(ctx context.Context) (functions.Instance, error)

	mu     sync.Mutex
	shared functions.Instance
}

var (
	entries sync.Map // *functions.Entry → *fn
	bounds  sync.Map // *functions.Bound → *bound
)

// NewEntry makes a registry entry from a definition. The constructors in
// this package and udf/external use it; it is exported for other front ends.
func NewEntry(d Def) (*functions.Entry, error) {
	if strings.TrimSpace(d.Name) == "" {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "user function needs a name")
	}
	if d.Return == nil {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "function %s: no return type", d.Name)
	}
	for i, t := range d.Args {
		if t == nil {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "function %s: argument %d has no type", d.Name, i+1)
		}
	}
	if d.NewInstance == nil && d.Bind == nil {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "function %s: no implementation", d.Name)
	}
	if d.Kind == "" {
		d.Kind = "go"
	}
	if d.Version == "" {
		d.Version = "1"
	}
	f := &fn{def: d, bs: map[string]*bound{}}
	e := &functions.Entry{
		Info: functions.Info{
			Name:        d.Name,
			Kind:        d.Kind,
			Signature:   Signature(d.Args, d.Return),
			Volatility:  d.Volatility,
			Version:     d.Version,
			Description: d.Description,
		},
		Scalar: f.resolve,
	}
	entries.Store(e, f)
	return e, nil
}

// Signature renders "(bigint, text) -> double" for SHOW FUNCTIONS.
func Signature(args []arrow.DataType, ret arrow.DataType) string {
	return argList(args) + " -> " + TypeName(ret)
}

func (f *fn) resolve(actual []arrow.DataType) (*functions.Bound, error) {
	d := &f.def
	var (
		argTypes = d.Args
		newInst  = d.NewInstance
	)
	if d.Bind != nil {
		if len(actual) != len(d.Args) {
			return nil, paramCountError(d.Name, len(d.Args), len(actual))
		}
		var err error
		argTypes, newInst, err = d.Bind(actual)
		if err != nil {
			return nil, err
		}
	} else if err := MatchArgs(d.Name, d.Args, actual); err != nil {
		return nil, err
	}
	key := typesKey(argTypes)
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.bs[key]; ok {
		return b.b, nil
	}
	bd := &bound{f: f, newInst: newInst}
	bd.b = &functions.Bound{
		Name:        d.Name,
		ArgTypes:    argTypes,
		ReturnType:  d.Return,
		Volatility:  d.Volatility,
		Version:     d.Version,
		Kernel:      bd.kernel,
		NewInstance: bd.newPolicyInstance,
	}
	f.bs[key] = bd
	bounds.Store(bd.b, bd)
	return bd.b, nil
}

func typesKey(ts []arrow.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Fingerprint()
	}
	return strings.Join(parts, "|")
}

// newInstance creates a worker's instance, turning a panic in setup into an
// error and wrapping the instance so that its calls are safe.
func (bd *bound) newInstance(ctx context.Context) (inst functions.Instance, err error) {
	name := bd.f.def.Name
	defer func() {
		if r := recover(); r != nil {
			inst, err = nil, panicError(name, -1, r)
		}
	}()
	if ctx == nil {
		ctx = context.Background()
	}
	in, err := bd.newInst(ctx)
	if err != nil {
		if _, ok := err.(*sqlerr.Error); ok {
			return nil, err
		}
		return nil, NewError(name, -1, -1, err, "setup failed: %v", err)
	}
	if in == nil {
		return nil, NewError(name, -1, -1, nil, "setup returned no instance")
	}
	return wrapInstance(name, bd.b.ReturnType, in), nil
}

// kernel is the Bound's Kernel: the error policy applied on a per-call
// (cheap) or shared instance, skipped rows reported as warnings.
func (bd *bound) kernel(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	if ec == nil {
		ec = &functions.EvalContext{}
	}
	ctx := ec.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	d := &bd.f.def
	warn := func(row int, msg string, attempt int) { reportRowError(ec, d.Name, row, msg, attempt) }
	if d.Cheap {
		inst, err := bd.newInstance(ctx)
		if err != nil {
			return nil, err
		}
		defer inst.Close()
		return CallWithPolicy(ctx, ec, inst, args, nrows, d.Policy, warn)
	}
	bd.mu.Lock()
	defer bd.mu.Unlock()
	if bd.shared == nil {
		inst, err := bd.newInstance(ctx)
		if err != nil {
			return nil, err
		}
		bd.shared = inst
	}
	return CallWithPolicy(ctx, ec, bd.shared, args, nrows, d.Policy, warn)
}

func (bd *bound) release() error {
	bd.mu.Lock()
	defer bd.mu.Unlock()
	if bd.shared == nil {
		return nil
	}
	err := bd.shared.Close()
	bd.shared = nil
	return err
}

// Release closes the instances a function's Kernel created (a stateful
// function's state, an external function's shared process). Call it when the
// function is dropped or replaced, and when the database closes; the entry
// stays usable (a later call starts a new instance). Entries not made by
// this package are ignored.
func Release(e *functions.Entry) error {
	v, ok := entries.Load(e)
	if !ok {
		return nil
	}
	f := v.(*fn)
	f.mu.Lock()
	bs := make([]*bound, 0, len(f.bs))
	for _, b := range f.bs {
		bs = append(bs, b)
	}
	f.mu.Unlock()
	var first error
	for _, b := range bs {
		if err := b.release(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// PolicyOf returns the error policy of a user function's Bound; ok is false
// for functions not made by this package (built-ins: treat as Fail).
func PolicyOf(b *functions.Bound) (p Policy, ok bool) {
	v, ok := bounds.Load(b)
	if !ok {
		return Policy{}, false
	}
	return v.(*bound).f.def.Policy, true
}

// NewInstance returns a worker's instance for any Bound: its own NewInstance
// when it has one, else a wrapper around its Kernel (built-ins).
func NewInstance(ctx context.Context, b *functions.Bound) (functions.Instance, error) {
	if b.NewInstance != nil {
		return b.NewInstance(ctx)
	}
	if b.Kernel == nil {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "function %s has no kernel", b.Name)
	}
	return wrapInstance(b.Name, b.ReturnType, kernelInstance(b.Kernel)), nil
}

// kernelInstance adapts a Kernel to an Instance.
type kernelInstance functions.Kernel

func (k kernelInstance) Call(ec *functions.EvalContext, args []arrow.Array, nrows int) (arrow.Array, error) {
	return k(ec, args, nrows)
}

func (kernelInstance) Close() error { return nil }

func mem(ec *functions.EvalContext) memory.Allocator {
	if ec != nil && ec.Mem != nil {
		return ec.Mem
	}
	return memory.DefaultAllocator
}

// Vectorized makes a function from a kernel over whole batches. The kernel
// receives arrays of exactly args' types (the planner casts) and must return
// nrows values of type ret; a panic or a wrong result is an error naming the
// function.
func Vectorized(name string, args []arrow.DataType, ret arrow.DataType, k functions.Kernel, opts ...Option) *functions.Entry {
	c := newConfig(opts)
	e, err := NewEntry(Def{
		Name: name, Kind: "go", Args: args, Return: ret,
		Volatility: c.volatility, Version: c.version, Description: c.description, Policy: c.policy,
		Cheap: true,
		NewInstance: func(context.Context) (functions.Instance, error) {
			if k == nil {
				return nil, fmt.Errorf("nil kernel")
			}
			return kernelInstance(k), nil
		},
	})
	if err != nil {
		return brokenEntry(name, err)
	}
	return e
}

// Stateful makes a function whose setup runs once per worker (to load a
// model, open a connection): the executor or job runner calls
// Bound.NewInstance once per worker, which calls setup, then State.Call per
// batch and State.Close at the end. A panic in setup or Call is an error.
func Stateful(name string, args []arrow.DataType, ret arrow.DataType,
	setup func(ctx context.Context) (State, error), opts ...Option) *functions.Entry {
	c := newConfig(opts)
	e, err := NewEntry(Def{
		Name: name, Kind: "go", Args: args, Return: ret,
		Volatility: c.volatility, Version: c.version, Description: c.description, Policy: c.policy,
		NewInstance: func(ctx context.Context) (functions.Instance, error) {
			if setup == nil {
				return nil, fmt.Errorf("nil setup function")
			}
			st, err := setup(ctx)
			if err != nil {
				return nil, err
			}
			if st == nil {
				return nil, fmt.Errorf("setup returned a nil State")
			}
			return st, nil
		},
	})
	if err != nil {
		return brokenEntry(name, err)
	}
	return e
}

// brokenEntry stands for a function whose definition is invalid, for the
// constructors that cannot return an error: every call to it reports why.
func brokenEntry(name string, err error) *functions.Entry {
	return &functions.Entry{
		Info: functions.Info{Name: name, Kind: "go", Description: "invalid: " + err.Error()},
		Scalar: func([]arrow.DataType) (*functions.Bound, error) {
			return nil, err
		},
	}
}
