package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// CreateView records a materialized view: it binds the query (so a broken
// view is refused now), decides whether it can refresh incrementally, and
// creates the view's empty dataset carrying the definition. It computes
// nothing: REFRESH does.
func CreateView(ctx context.Context, env *Env, name, query string, ifNotExists bool, options map[string]string) (bool, error) {
	node, err := parser.ParseTiDB(query)
	if err != nil {
		return false, err
	}
	sources, incremental, why := Analyze(node)
	if len(sources) == 0 {
		return false, sqlerr.New(sqlerr.ErrWrongObject, "materialized view '%s' reads no table", name)
	}
	for _, s := range sources {
		if strings.EqualFold(s, name) {
			return false, sqlerr.New(sqlerr.ErrWrongObject, "materialized view '%s' cannot read itself", name)
		}
	}
	if incremental && env.Catalog.IsView(sources[0]) {
		// A plain view is expanded by the planner; track it as a full refresh.
		incremental, why = false, "its source is a plain view"
	}
	def := &ViewDef{Name: name, Query: query, Incremental: incremental, Sources: sources, Why: why,
		Created: time.Now().UTC(), Options: options}
	if incremental {
		def.Source = sources[0]
	}
	schema, err := PlanView(ctx, env.Catalog, def)
	if err != nil {
		return false, err
	}
	fields := make([]arrow.Field, 0, len(schema.Fields()))
	seen := map[string]bool{}
	for _, f := range schema.Fields() {
		k := strings.ToLower(f.Name)
		if seen[k] {
			return false, sqlerr.New(1060, "Duplicate column name '%s' in materialized view '%s': give the expressions distinct aliases", f.Name, name)
		}
		seen[k] = true
		nf := arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Name != SourceRowAddr, Metadata: f.Metadata}
		fields = append(fields, nf)
	}
	md := Meta(def, &Watermark{SourceVersions: map[string]uint64{}})
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = md[k]
	}
	md2 := arrow.NewMetadata(keys, vals)
	_, created, err := env.Catalog.CreateTable(ctx, name, arrow.NewSchema(fields, &md2), ifNotExists)
	return created, err
}

// ViewInfo is what DESCRIBE MATERIALIZED VIEW and SHOW MATERIALIZED VIEWS show.
type ViewInfo struct {
	Def       *ViewDef
	Watermark *Watermark
	Rows      int64
	Version   uint64
	// Pending describes source changes not yet materialized.
	Pending string
}

// Describe reads a view's definition and state.
func Describe(ctx context.Context, env *Env, name string) (*ViewInfo, error) {
	mv, def, wm, err := openView(ctx, env, name)
	if err != nil {
		return nil, err
	}
	info := &ViewInfo{Def: def, Watermark: wm, Rows: mv.Dataset().CountRows(), Version: mv.Dataset().Version()}
	if def.Incremental {
		src, err := env.Catalog.OpenTable(ctx, def.Source, nil)
		if err != nil {
			info.Pending = "source missing: " + err.Error()
			return info, nil
		}
		ch := planChanges(ctx, wm, src.Dataset(), def.Source, false)
		if ch.empty() {
			info.Pending = "none"
		} else {
			var rows int64
			for _, f := range ch.compute {
				rows += f.PhysicalRows - f.DeletedRows
			}
			info.Pending = fmt.Sprintf("%d fragments (%d rows) to compute, %d to drop, %d with deletions", len(ch.compute), rows, len(ch.dropAll), len(ch.reconcile))
		}
	} else {
		vers, err := sourceVersions(ctx, env, def)
		if err == nil && wm.Complete && sameVersions(vers, wm.SourceVersions) {
			info.Pending = "none"
		} else {
			info.Pending = "sources changed: the next refresh recomputes the view"
		}
	}
	return info, nil
}

// ExplainRefresh says what REFRESH would do, without doing it.
func ExplainRefresh(ctx context.Context, env *Env, name string) ([]string, error) {
	_, def, wm, err := openView(ctx, env, name)
	if err != nil {
		return nil, err
	}
	if !def.Incremental {
		return []string{fmt.Sprintf("full refresh (%s): recompute the whole view from %s", def.Why, strings.Join(def.Sources, ", "))}, nil
	}
	src, err := env.Catalog.OpenTable(ctx, def.Source, nil)
	if err != nil {
		return nil, err
	}
	ch := planChanges(ctx, wm, src.Dataset(), def.Source, false)
	lines := []string{fmt.Sprintf("incremental refresh of %s from %s at version %d", def.Name, def.Source, src.Dataset().Version())}
	if ch.empty() {
		return append(lines, "nothing to do: the view is up to date"), nil
	}
	for _, f := range ch.compute {
		lines = append(lines, fmt.Sprintf("compute source fragment %d: %d rows (%d deleted)", f.ID, f.PhysicalRows-f.DeletedRows, f.DeletedRows))
	}
	ids := func(m map[uint64]bool) []uint64 {
		var out []uint64
		for id := range m {
			out = append(out, id)
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	for _, id := range ids(ch.dropAll) {
		lines = append(lines, fmt.Sprintf("delete the view rows of source fragment %d", id))
	}
	if len(ch.remapOld) > 0 {
		lines = append(lines, fmt.Sprintf("move the view rows of compacted source fragments %v to fragments %v (no function calls)", ids(ch.remapOld), ids(ch.remapNew)))
	}
	for _, id := range ids(ch.reconcile) {
		lines = append(lines, fmt.Sprintf("delete the view rows of rows deleted from source fragment %d (no function calls)", id))
	}
	return lines, nil
}

// IsMaterializedView reports whether a table is a materialized view.
func IsMaterializedView(t *catalog.LanceTable) bool {
	return t.Dataset().SchemaMetadata()[MetaKind] == KindMV
}
