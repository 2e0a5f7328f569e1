package main

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Rows is a query result in a form both engines' answers can be compared in:
// every number is a float64, dates are "YYYY-MM-DD", strings stay strings,
// NULL is nil.
type Rows [][]any

// drain reads every batch of rdr and converts it at once: DuckDB's Arrow
// batches may point into buffers it reuses on the next call, so they cannot
// be kept. Both engines pay this (small: results are a few rows) cost.
func drain(rdr array.RecordReader) (Rows, error) {
	var out Rows
	for rdr.Next() {
		rows, err := normalize([]arrow.RecordBatch{rdr.RecordBatch()})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, rdr.Err()
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// normalize converts batches to Rows. It switches on the column type once per
// column, then loops over the values.
func normalize(recs []arrow.RecordBatch) (Rows, error) {
	var out Rows
	for _, rec := range recs {
		n := int(rec.NumRows())
		base := len(out)
		for i := 0; i < n; i++ {
			out = append(out, make([]any, rec.NumCols()))
		}
		for c, col := range rec.Columns() {
			if err := fillColumn(out[base:], c, col); err != nil {
				return nil, fmt.Errorf("column %s: %w", rec.ColumnName(c), err)
			}
		}
	}
	return out, nil
}

func fillColumn(rows Rows, c int, col arrow.Array) error {
	set := func(f func(i int) any) {
		for i := range rows {
			if col.IsNull(i) {
				continue
			}
			rows[i][c] = f(i)
		}
	}
	switch a := col.(type) {
	case *array.Int8:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Int16:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Int32:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Int64:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Uint8:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Uint16:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Uint32:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Uint64:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Float32:
		set(func(i int) any { return float64(a.Value(i)) })
	case *array.Float64:
		set(func(i int) any { return a.Value(i) })
	case *array.Decimal128:
		sc := a.DataType().(*arrow.Decimal128Type).Scale
		set(func(i int) any { return a.Value(i).ToFloat64(sc) })
	case *array.String:
		set(func(i int) any { return a.Value(i) })
	case *array.LargeString:
		set(func(i int) any { return a.Value(i) })
	case *array.StringView:
		set(func(i int) any { return a.Value(i) })
	case *array.Date32:
		set(func(i int) any { return a.Value(i).FormattedString() })
	case *array.Date64:
		set(func(i int) any { return a.Value(i).FormattedString() })
	case *array.Boolean:
		set(func(i int) any {
			if a.Value(i) {
				return 1.0
			}
			return 0.0
		})
	default:
		return fmt.Errorf("unsupported result type %s", col.DataType())
	}
	return nil
}

// relTol is the relative difference allowed between two floating-point
// results: sums over millions of doubles differ in the last bits when the
// engines add in different orders, nothing more.
const relTol = 1e-9

// compareRows says where a and b differ, or "" when they are equal.
func compareRows(a, b Rows) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d rows vs %d rows", len(a), len(b))
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return fmt.Sprintf("row %d: %d columns vs %d", i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if !sameValue(a[i][j], b[i][j]) {
				return fmt.Sprintf("row %d column %d: %v vs %v", i, j, a[i][j], b[i][j])
			}
		}
	}
	return ""
}

func sameValue(x, y any) bool {
	fx, okx := x.(float64)
	fy, oky := y.(float64)
	if okx && oky {
		if fx == fy {
			return true
		}
		scale := math.Max(1, math.Max(math.Abs(fx), math.Abs(fy)))
		return math.Abs(fx-fy) <= relTol*scale
	}
	return x == y
}
