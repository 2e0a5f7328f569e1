package lance

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// Take reads the rows at the given addresses (in any order, duplicates
// allowed) and returns them in that order as one batch with the requested
// columns (nil: all). Deleted or unknown addresses are an error.
func (d *Dataset) Take(ctx context.Context, rowAddrs []uint64, columns []string) (rec arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	sc, err := d.Scan(ctx, ScanOptions{Columns: columns})
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	byID := make(map[uint64]*fragment, len(d.m.Fragments))
	for _, f := range d.m.Fragments {
		byID[f.ID] = f
	}
	// Sort positions by address so each fragment is read once, in order.
	order := make([]int, len(rowAddrs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rowAddrs[order[a]] < rowAddrs[order[b]] })
	ncol := len(sc.ids)
	parts := make([][]arrow.Array, ncol) // per column, one array per fragment
	var pos []int                        // output position of each row read, in read order
	defer func() {
		for _, ps := range parts {
			for _, p := range ps {
				p.Release()
			}
		}
	}()
	for i := 0; i < len(order); {
		id := rowAddrs[order[i]] >> 32
		f, ok := byID[id]
		if !ok {
			return nil, errf(sqlerr.ErrWrongArguments, "row address %d: no fragment %d in version %d of %s", rowAddrs[order[i]], id, d.m.Version, d.uri)
		}
		del, err := d.deletedRows(ctx, f)
		if err != nil {
			return nil, err
		}
		var offs []uint32
		for ; i < len(order) && rowAddrs[order[i]]>>32 == id; i++ {
			off := uint32(rowAddrs[order[i]])
			if uint64(off) >= f.PhysicalRows || (del != nil && del.Contains(off)) {
				return nil, errf(sqlerr.ErrWrongArguments, "row address %d does not exist (or is deleted) in version %d of %s", rowAddrs[order[i]], d.m.Version, d.uri)
			}
			if len(offs) == 0 || offs[len(offs)-1] != off {
				offs = append(offs, off)
			}
			pos = append(pos, order[i])
		}
		cols, err := sc.readFragmentRows(ctx, f, offs)
		if err != nil {
			return nil, err
		}
		for c := range cols {
			parts[c] = append(parts[c], cols[c])
		}
	}
	// Concatenate per column, then permute back into request order
	// (duplicates repeat the same row).
	out := make([]arrow.Array, ncol)
	defer func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}()
	// Index of each requested position into the concatenated distinct rows.
	idx := make([]int, len(rowAddrs))
	k := -1
	for j, p := range pos {
		if j == 0 || rowAddrs[pos[j-1]] != rowAddrs[p] {
			k++
		}
		idx[p] = k
	}
	for c := range parts {
		var all arrow.Array
		if len(parts[c]) == 0 { // no rows asked for
			out[c] = array.MakeArrayOfNull(d.mem, sc.schema.Field(c).Type, 0)
			continue
		}
		if len(parts[c]) == 1 {
			all = parts[c][0]
			all.Retain()
		} else if all, err = array.Concatenate(parts[c], d.mem); err != nil {
			return nil, err
		}
		out[c], err = permute(d, all, idx)
		all.Release()
		if err != nil {
			return nil, err
		}
	}
	schema := arrow.NewSchema(sc.schema.Fields()[:ncol], nil)
	return array.NewRecordBatch(schema, out, int64(len(rowAddrs))), nil
}

// readFragmentRows reads sorted distinct offsets of one fragment.
func (s *Scanner) readFragmentRows(ctx context.Context, f *fragment, offs []uint32) ([]arrow.Array, error) {
	fs, err := s.openFragment(ctx, f)
	if err != nil {
		return nil, err
	}
	defer fs.close()
	cols := make([]arrow.Array, len(s.ids))
	for _, g := range fs.groups {
		arrs, err := fs.readers[g.reader].ReadRows(ctx, g.ids, offs)
		if err != nil {
			for _, c := range cols {
				if c != nil {
					c.Release()
				}
			}
			return nil, err
		}
		for i, a := range arrs {
			cols[g.outIdx[i]] = a
		}
	}
	for _, out := range fs.nullCols {
		cols[out] = array.MakeArrayOfNull(s.d.mem, s.schema.Field(out).Type, len(offs))
	}
	return cols, nil
}

// permute returns a[idx[0]], a[idx[1]], ... using runs of consecutive
// indices (the common case is the identity).
func permute(d *Dataset, a arrow.Array, idx []int) (arrow.Array, error) {
	var parts []arrow.Array
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 {
			j++
		}
		parts = append(parts, array.NewSlice(a, int64(idx[i]), int64(idx[i]+j-i)))
		i = j
	}
	if len(parts) == 1 {
		parts[0].Retain()
		return parts[0], nil
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(d.mem, a.DataType(), 0), nil
	}
	return array.Concatenate(parts, d.mem)
}
