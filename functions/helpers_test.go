package functions

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

var builtins = NewBuiltinRegistry()

func newMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func newEC(mem memory.Allocator) (*EvalContext, *[]string) {
	var warns []string
	return &EvalContext{
		Mem:  mem,
		Now:  time.Date(2024, 3, 15, 10, 20, 30, 0, time.UTC),
		Warn: func(code int, msg string) { warns = append(warns, fmt.Sprintf("%d %s", code, msg)) },
	}, &warns
}

// col builds a column of typ from Go values; nil is NULL. Decimals, dates and
// datetimes are given as strings and converted by Cast.
func col(t *testing.T, mem memory.Allocator, typ arrow.DataType, vals ...any) arrow.Array {
	t.Helper()
	if IsDecimal(typ) || IsTemporal(typ) || IsVector(typ) {
		s := col(t, mem, Utf8, vals...)
		defer s.Release()
		ec, _ := newEC(mem)
		out, err := Cast(ec, s, typ)
		if err != nil {
			t.Fatalf("building %s column: %v", TypeName(typ), err)
		}
		return out
	}
	if IsNull(typ) {
		return array.NewNull(len(vals))
	}
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			bb.Append(int64(v.(int)))
		case *array.Int32Builder:
			bb.Append(int32(v.(int)))
		case *array.Int8Builder:
			bb.Append(int8(v.(int)))
		case *array.Uint64Builder:
			switch x := v.(type) {
			case int:
				bb.Append(uint64(x))
			case uint64:
				bb.Append(x)
			}
		case *array.Float64Builder:
			switch x := v.(type) {
			case int:
				bb.Append(float64(x))
			case float64:
				bb.Append(x)
			}
		case *array.Float32Builder:
			bb.Append(float32(v.(float64)))
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.LargeStringBuilder:
			bb.Append(v.(string))
		case *array.BinaryBuilder:
			bb.AppendString(v.(string))
		case *array.BooleanBuilder:
			bb.Append(v.(bool))
		default:
			t.Fatalf("col: unsupported builder %T", b)
		}
	}
	return b.NewArray()
}

// render turns an array into MySQL-style text, "NULL" for NULL.
func render(t *testing.T, ec *EvalContext, a arrow.Array) []string {
	t.Helper()
	if a.DataType().ID() == arrow.NULL {
		out := make([]string, a.Len())
		for i := range out {
			out[i] = "NULL"
		}
		return out
	}
	quiet := *ec
	quiet.Warn = nil
	quiet.Strict = false
	s, err := Cast(&quiet, a, Utf8)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	defer s.Release()
	sv := StringsOf(s)
	out := make([]string, a.Len())
	for i := range out {
		if s.IsNull(i) {
			out[i] = "NULL"
		} else {
			out[i] = sv.Get(i)
		}
	}
	return out
}

// call resolves name for the arguments' types, casts them as the planner
// would, runs the kernel and renders the result.
func call(t *testing.T, ec *EvalContext, name string, args ...arrow.Array) ([]string, arrow.DataType, error) {
	t.Helper()
	types := make([]arrow.DataType, len(args))
	n := 0
	for i, a := range args {
		types[i] = a.DataType()
		n = a.Len()
	}
	b, err := builtins.ResolveScalar(name, types)
	if err != nil {
		return nil, nil, err
	}
	cast := make([]arrow.Array, len(args))
	for i, a := range args {
		c, err := Cast(ec, a, b.ArgTypes[i])
		if err != nil {
			for _, x := range cast[:i] {
				x.Release()
			}
			return nil, nil, err
		}
		cast[i] = c
	}
	defer func() {
		for _, c := range cast {
			c.Release()
		}
	}()
	res, err := b.Kernel(ec, cast, n)
	if err != nil {
		return nil, b.ReturnType, err
	}
	defer res.Release()
	if res.Len() != n {
		t.Fatalf("%s returned %d rows, want %d", name, res.Len(), n)
	}
	if !arrow.TypeEqual(res.DataType(), b.ReturnType) {
		t.Fatalf("%s returned %s, bound return type is %s", name, res.DataType(), b.ReturnType)
	}
	return render(t, ec, res), b.ReturnType, nil
}

func errCode(err error) int {
	if err == nil {
		return 0
	}
	return sqlerr.Wrap(err).Code
}

func joined(s []string) string { return strings.Join(s, "|") }
