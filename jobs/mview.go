package jobs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/storage/lance"
)

// Schema metadata keys of a materialized view's dataset.
const (
	MetaKind      = "genevasql:kind" // "materialized_view"
	MetaViewDef   = "genevasql:mv_definition"
	MetaWatermark = "genevasql:mv_watermark"
	KindMV        = "materialized_view"
	// SourceRowAddr is the hidden column of an incremental view that keeps
	// each row's source row address: deletes and updates in the source are
	// applied through it without recomputing other rows.
	SourceRowAddr = "__source_rowaddr"
)

// ViewDef is a materialized view's definition, stored with its dataset.
type ViewDef struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	// Incremental views read one source table through projection, filter and
	// functions; others are refreshed in full.
	Incremental bool     `json:"incremental"`
	Source      string   `json:"source,omitempty"`
	Sources     []string `json:"sources"`
	// Why is the reason a view is not incremental.
	Why     string            `json:"why,omitempty"`
	Created time.Time         `json:"created"`
	Options map[string]string `json:"options,omitempty"`
}

// FragState is what a refresh recorded of one source fragment.
type FragState struct {
	PhysicalRows int64  `json:"rows"`
	Deletion     string `json:"deletion,omitempty"`
	Files        string `json:"files"`
}

// Watermark is the state of the source(s) the view's rows reflect.
type Watermark struct {
	// SourceVersions are the source table versions of the last complete
	// refresh (empty before the first).
	SourceVersions map[string]uint64 `json:"source_versions"`
	// Fragments (incremental views) are the source fragments materialized,
	// with the state they had; a refresh interrupted between commits has
	// some fragments recorded and the rest still to do.
	Fragments   map[uint64]FragState `json:"fragments,omitempty"`
	Complete    bool                 `json:"complete"`
	LastRefresh time.Time            `json:"last_refresh,omitempty"`
	LastJob     string               `json:"last_job,omitempty"`
	// TaskRows is the task size the last refresh's adaptive tasks reached,
	// for the view's query and function versions named by TaskKey: the next
	// refresh starts there instead of relearning the function's speed.
	TaskRows int64  `json:"task_rows,omitempty"`
	TaskKey  string `json:"task_key,omitempty"`
}

func fragState(f lance.Fragment) FragState {
	var files []string
	for _, df := range f.DataFiles {
		files = append(files, df.Path)
	}
	sort.Strings(files)
	return FragState{PhysicalRows: f.PhysicalRows, Deletion: f.DeletionFileID, Files: strings.Join(files, ",")}
}

// LoadDef reads a view's definition and watermark from its dataset metadata.
func LoadDef(meta map[string]string) (*ViewDef, *Watermark, error) {
	if meta[MetaKind] != KindMV {
		return nil, nil, fmt.Errorf("not a materialized view")
	}
	var def ViewDef
	if err := json.Unmarshal([]byte(meta[MetaViewDef]), &def); err != nil {
		return nil, nil, fmt.Errorf("corrupt materialized view definition: %w", err)
	}
	wm := &Watermark{SourceVersions: map[string]uint64{}, Fragments: map[uint64]FragState{}}
	if s := meta[MetaWatermark]; s != "" {
		if err := json.Unmarshal([]byte(s), wm); err != nil {
			return nil, nil, fmt.Errorf("corrupt materialized view watermark: %w", err)
		}
		if wm.Fragments == nil {
			wm.Fragments = map[uint64]FragState{}
		}
		if wm.SourceVersions == nil {
			wm.SourceVersions = map[string]uint64{}
		}
	}
	return &def, wm, nil
}

// Meta renders definition and watermark as dataset metadata.
func Meta(def *ViewDef, wm *Watermark) map[string]string {
	d, _ := json.Marshal(def)
	w, _ := json.Marshal(wm)
	return map[string]string{MetaKind: KindMV, MetaViewDef: string(d), MetaWatermark: string(w)}
}

// Analyze decides whether a view's SELECT can be refreshed incrementally:
// one source table, no join, grouping, aggregate, DISTINCT, LIMIT, window or
// subquery. It returns the source table names and, if not incremental, why.
func Analyze(sel ast.StmtNode) (sources []string, incremental bool, why string) {
	v := &analyzer{}
	sel.Accept(v)
	sources = v.tables
	s, ok := sel.(*ast.SelectStmt)
	switch {
	case !ok:
		why = "a set operation (UNION/EXCEPT/INTERSECT)"
	case len(v.tables) != 1 || s.From == nil || s.From.TableRefs == nil || s.From.TableRefs.Right != nil:
		why = "it reads more than one table (a join)"
	case s.GroupBy != nil || s.Having != nil || v.aggregates:
		why = "it aggregates"
	case s.Distinct:
		why = "it uses DISTINCT"
	case s.Limit != nil:
		why = "it uses LIMIT"
	case v.windows:
		why = "it uses window functions"
	case v.subqueries:
		why = "it has a subquery"
	default:
		return sources, true, ""
	}
	return sources, false, why
}

type analyzer struct {
	tables                          []string
	aggregates, windows, subqueries bool
}

func (a *analyzer) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.TableName:
		name := x.Name.O
		for _, t := range a.tables {
			if strings.EqualFold(t, name) {
				return n, false
			}
		}
		a.tables = append(a.tables, name)
	case *ast.AggregateFuncExpr:
		a.aggregates = true
	case *ast.WindowFuncExpr:
		a.windows = true
	case *ast.SubqueryExpr:
		a.subqueries = true
	}
	return n, false
}

func (a *analyzer) Leave(n ast.Node) (ast.Node, bool) { return n, true }
