package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestVector(t *testing.T) {
	V := func(v ...any) arg { return arg{Vector(3), v} }
	runCases(t, []fnCase{
		{fn: "vec_l2_distance", args: []arg{V("[0,0,0]", "[1,2,3]", nil), V("[3,4,0]", "[1,2,3]", "[1,1,1]")}, want: "5|0|NULL", typ: "DOUBLE"},
		{fn: "vec_l2_distance", args: []arg{S("[1,2]"), S("[1,2]")}, want: "0"},
		{fn: "vec_l2_distance", args: []arg{S("[1,2]"), S("[1,2,3]")}, errCode: 1210},
		{fn: "vec_cosine_distance", args: []arg{V("[1,0,0]", "[1,0,0]", "[0,0,0]"), V("[0,1,0]", "[2,0,0]", "[1,1,1]")}, want: "1|0|NULL"},
		{fn: "vec_negative_inner_product", args: []arg{V("[1,2,3]"), V("[4,5,6]")}, want: "-32"},
		{fn: "vec_l1_distance", args: []arg{V("[1,2,3]"), V("[4,5,6]")}, want: "9"},
		{fn: "vec_l2_norm", args: []arg{V("[3,4,0]")}, want: "5"},
		{fn: "vec_dims", args: []arg{V("[3,4,0]", nil)}, want: "3|NULL", typ: "BIGINT"},
		{fn: "vec_dims", args: []arg{S("[1, 2]")}, want: "2"},
		{fn: "vec_as_text", args: []arg{V("[0.5, -1, 3e2]")}, want: "[0.5,-1,300]"},
		{fn: "vec_l2_norm", args: []arg{S("[1,x]")}, errCode: 1210},
		{fn: "eq", args: []arg{V("[1,2,3]", "[1,2,3]"), S("[1,2,3]", "[1,2,4]")}, want: "1|0"},
		{fn: "lt", args: []arg{V("[1,2,3]"), V("[1,3,0]")}, want: "1"},
		{fn: "coalesce", args: []arg{V(nil, "[1,2,3]"), V("[4,5,6]", "[7,8,9]")}, want: "[4,5,6]|[1,2,3]"},
	})
}

func TestVecFromText(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	s := col(t, mem, Utf8, "[1, 2.5]", nil)
	defer s.Release()
	b, err := builtins.ResolveScalar("vec_from_text", []arrow.DataType{Utf8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Kernel(ec, []arrow.Array{s}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if got := joined(render(t, ec, res)); got != "[1,2.5]|NULL" {
		t.Errorf("got %s", got)
	}
	if !IsVector(res.DataType()) {
		t.Errorf("type %s is not a vector", res.DataType())
	}
}
