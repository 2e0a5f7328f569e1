package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestGatherMatchesTake checks the join's direct gather against Arrow's
// Take kernel on each type it handles, with NULLs, repeated and reversed
// indices and sliced inputs (a non-zero offset).
func TestGatherMatchesTake(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		dt   arrow.DataType
		json string
		// handled: gather copies it itself (others fall back to Take)
		handled bool
	}{
		{arrow.PrimitiveTypes.Int64, `[1, null, 3, -4, 5, 6]`, true},
		{arrow.PrimitiveTypes.Int32, `[1, 2, null, 4, 5, 6]`, true},
		{arrow.PrimitiveTypes.Int16, `[1, 2, 3, null, 5, 6]`, true},
		{arrow.PrimitiveTypes.Int8, `[1, 2, 3, 4, null, 6]`, true},
		{arrow.PrimitiveTypes.Float64, `[1.5, null, 3.25, 4, 5, 6]`, true},
		{arrow.PrimitiveTypes.Date32, `[1, 2, 3, 4, 5, null]`, true},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, `["1.25", null, "3.50", "-4.00", "5.01", "6.99"]`, true},
		{arrow.FixedWidthTypes.Boolean, `[true, false, null, true, false, true]`, true},
		{arrow.BinaryTypes.String, `["a", "", null, "dddd", "ee", "ffffff"]`, true},
		{arrow.BinaryTypes.Binary, `["YQ==", null, "", "ZGQ=", "ZWU=", "Zg=="]`, true},
		{arrow.BinaryTypes.LargeString, `["a", null, "c", "d", "e", "f"]`, false},
		{arrow.Null, `[null, null, null, null, null, null]`, false},
	}
	idx := []int32{4, 0, 0, 3, 2, 1}
	for _, tc := range tests {
		for _, off := range []int{0, 1} {
			t.Run(tc.dt.String(), func(t *testing.T) {
				full, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
				if err != nil {
					t.Fatal(err)
				}
				defer full.Release()
				in := array.NewSlice(full, int64(off), int64(full.Len()))
				defer in.Release()
				ix := idx[:len(idx)-off]
				if g := gather(mem, in, ix); g != nil {
					g.Release()
				} else if tc.handled {
					t.Fatal("gather did not handle the type")
				}
				got, err := gatherColumns(context.Background(), mem, []arrow.Array{in}, ix)
				if err != nil {
					t.Fatal(err)
				}
				defer releaseArrays(got)
				want, err := takeColumns(context.Background(), mem, []arrow.Array{in}, ix)
				if err != nil {
					t.Fatal(err)
				}
				defer releaseArrays(want)
				if !array.Equal(got[0], want[0]) {
					t.Errorf("offset %d: gather %v, take %v", off, got[0], want[0])
				}
				if got[0].NullN() != want[0].NullN() {
					t.Errorf("offset %d: %d nulls, want %d", off, got[0].NullN(), want[0].NullN())
				}
			})
		}
	}
}
