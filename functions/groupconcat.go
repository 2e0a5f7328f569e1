package functions

import (
	"bytes"
	"cmp"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// orderedConcatState is GROUP_CONCAT(… ORDER BY …): the order is only known
// once every row is in, so it keeps the argument batches (values, then sort
// keys) and each group's row numbers, and sorts each group at finish.
type orderedConcatState struct {
	sep   string
	nvals int
	desc  []bool
	parts [][]arrow.Array // per argument, the batches that had a kept row
	base  int             // rows in the kept batches so far
	rows  [][]int         // per group, row numbers into the concatenated batches
	kept  []int32
}

func (s *orderedConcatState) grow(g int) { s.rows = growSlice(s.rows, g, nil) }

func (s *orderedConcatState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	valid := make([]Validity, s.nvals)
	for j := range valid {
		valid[j] = ValidityOf(args[j])
	}
	s.kept = s.kept[:0]
	forRows(len(groups), sel, func(i int) {
		for j := range valid {
			if !valid[j].Valid(i) {
				return // a row with a NULL value is skipped, as in MySQL
			}
		}
		s.kept = append(s.kept, int32(i))
	})
	if len(s.kept) == 0 {
		return nil
	}
	if s.parts == nil {
		s.parts = make([][]arrow.Array, len(args))
	}
	for j, a := range args {
		a.Retain()
		s.parts[j] = append(s.parts[j], a)
	}
	for _, i := range s.kept {
		g := groups[i]
		s.rows[g] = append(s.rows[g], s.base+int(i))
	}
	s.base += len(groups)
	return nil
}

func (s *orderedConcatState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	cols := make([]arrow.Array, len(s.parts))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for j, p := range s.parts {
		c, err := array.Concatenate(p, mem)
		if err != nil {
			return nil, err
		}
		cols[j] = c
	}
	var keys []func(x, y int) int
	var views []StringView
	if len(cols) > 0 {
		for j, c := range cols[s.nvals:] {
			f := orderKeyCompare(c)
			if s.desc[j] {
				asc := f
				f = func(x, y int) int { return -asc(x, y) }
			}
			keys = append(keys, f)
		}
		views = make([]StringView, s.nvals)
		for j := range views {
			views[j] = StringsOf(cols[j])
		}
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for gi := 0; gi < g; gi++ {
		rows := s.rows[gi]
		if len(rows) == 0 {
			b.AppendNull()
			continue
		}
		// stable: rows with equal keys keep their input order
		sort.SliceStable(rows, func(x, y int) bool {
			for _, k := range keys {
				if c := k(rows[x], rows[y]); c != 0 {
					return c < 0
				}
			}
			return false
		})
		buf = buf[:0]
		for n, r := range rows {
			if n > 0 {
				buf = append(buf, s.sep...)
			}
			for _, v := range views {
				buf = append(buf, v.Get(r)...)
			}
		}
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}

func (s *orderedConcatState) release() {
	for _, p := range s.parts {
		for _, a := range p {
			a.Release()
		}
	}
	s.parts, s.rows = nil, nil
}

// orderKeyCompare orders rows of a as MySQL's ORDER BY does: NULL first,
// strings by the default collation.
func orderKeyCompare(a arrow.Array) func(x, y int) int {
	valid := ValidityOf(a)
	var vals func(x, y int) int
	switch a.DataType().ID() {
	case arrow.INT64:
		v := Values[int64](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.UINT64:
		v := Values[uint64](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.FLOAT64:
		v := Values[float64](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.DECIMAL128:
		v := Values[decimal128.Num](a)
		vals = func(x, y int) int { return v[x].Cmp(v[y]) }
	case arrow.DATE32:
		v := Values[arrow.Date32](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.TIMESTAMP:
		v := Values[arrow.Timestamp](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.TIME64:
		v := Values[arrow.Time64](a)
		vals = func(x, y int) int { return cmp.Compare(v[x], v[y]) }
	case arrow.BOOL:
		v := BoolsOf(a)
		vals = func(x, y int) int { return cmp.Compare(b2i(v.Get(x)), b2i(v.Get(y))) }
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		v := StringsOf(a)
		vals = func(x, y int) int { return CompareStrings(v.Get(x), v.Get(y)) }
	case arrow.BINARY:
		v := StringsOf(a)
		vals = func(x, y int) int { return cmp.Compare(v.Get(x), v.Get(y)) }
	default:
		vals = func(x, y int) int { return bytes.Compare([]byte(a.ValueStr(x)), []byte(a.ValueStr(y))) }
	}
	return func(x, y int) int {
		nx, ny := !valid.Valid(x), !valid.Valid(y)
		switch {
		case nx && ny:
			return 0
		case nx:
			return -1
		case ny:
			return 1
		}
		return vals(x, y)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
