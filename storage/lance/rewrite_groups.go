package lance

import "sort"

// RewriteGroup is a set of fragments that compactions replaced: the rows of
// the Old fragments (of the version the map starts from) now live in the New
// fragments (of the map's version), in order.
type RewriteGroup struct {
	Old []uint64
	New []uint64
}

// Groups returns the rewrite groups the map spans, composing successive
// rewrites: if a fragment made by one compaction was compacted again, its
// group is merged with the later one.
func (r *RowAddrMap) Groups() []RewriteGroup {
	if r == nil {
		return nil
	}
	parent := map[uint64]uint64{}
	var find func(x uint64) uint64
	find = func(x uint64) uint64 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	add := func(x uint64) {
		if _, ok := parent[x]; !ok {
			parent[x] = x
		}
	}
	union := func(a, b uint64) { parent[find(a)] = find(b) }
	isOld, isNew := map[uint64]bool{}, map[uint64]bool{}
	for _, step := range r.steps {
		seen := map[*rewriteGroup]bool{}
		for _, g := range step {
			if seen[g] {
				continue
			}
			seen[g] = true
			var first uint64
			have := false
			for id := range g.idx {
				add(id)
				isOld[id] = true
				if !have {
					first, have = id, true
				} else {
					union(id, first)
				}
			}
			for _, id := range g.newIDs {
				add(id)
				isNew[id] = true
				if have {
					union(id, first)
				} else {
					first, have = id, true
				}
			}
		}
	}
	byRoot := map[uint64]*RewriteGroup{}
	for id := range parent {
		root := find(id)
		g := byRoot[root]
		if g == nil {
			g = &RewriteGroup{}
			byRoot[root] = g
		}
		// A fragment both made and consumed by rewrites is internal.
		switch {
		case isOld[id] && !isNew[id]:
			g.Old = append(g.Old, id)
		case isNew[id] && !isOld[id]:
			g.New = append(g.New, id)
		}
	}
	out := make([]RewriteGroup, 0, len(byRoot))
	for _, g := range byRoot {
		sort.Slice(g.Old, func(i, j int) bool { return g.Old[i] < g.Old[j] })
		sort.Slice(g.New, func(i, j int) bool { return g.New[i] < g.New[j] })
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Old) == 0 || len(out[j].Old) == 0 {
			return len(out[i].Old) > len(out[j].Old)
		}
		return out[i].Old[0] < out[j].Old[0]
	})
	return out
}
