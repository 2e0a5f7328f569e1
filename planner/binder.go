package planner

import (
	"context"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// binder turns one statement's AST into a logical plan.
type binder struct {
	ctx    context.Context
	cat    catalog.Resolver
	reg    *functions.Registry
	params []any
	text   string // the statement's text, for error positions
	nextID int
	nsub   int
	views  int // view nesting depth
	// looseGroupBy: ungrouped columns become ANY_VALUE (sql_mode without
	// ONLY_FULL_GROUP_BY)
	looseGroupBy bool
	// ctes are the WITH clauses in effect, innermost last
	ctes []*ast.CommonTableExpression
	ec   *functions.EvalContext
	// jsonCols are the ids of scanned columns declared JSON: such a column
	// used as a value of a JSON function nests as a document
	jsonCols map[int]bool
}

func newBinder(ctx context.Context, cat catalog.Resolver, text string, params []any) *binder {
	reg := cat.Functions()
	if reg == nil {
		reg = functions.NewRegistry()
	}
	return &binder{
		ctx: ctx, cat: cat, reg: reg, params: params, text: text,
		ec: &functions.EvalContext{Ctx: ctx, Mem: memory.DefaultAllocator},
	}
}

func (b *binder) newCol(name, table string, t arrow.DataType) column {
	b.nextID++
	return column{id: b.nextID, name: name, table: table, t: t}
}

// errAt positions an error at node n (offsets are relative to the statement).
func (b *binder) errAt(n ast.Node, code int, format string, args ...any) error {
	e := sqlerr.New(code, format, args...)
	if n != nil {
		if off := n.OriginTextPosition(); off > 0 {
			line, col := position(b.text, off)
			return e.At(line, col)
		}
	}
	return e
}

// errAtWord positions an error at the first whole-word occurrence of word in
// the statement (for nodes the parser does not position, like table names).
func (b *binder) errAtWord(word string, code int, format string, args ...any) error {
	e := sqlerr.New(code, format, args...)
	if word == "" {
		return e
	}
	re, err := regexp.Compile("(?i)(?:^|[^A-Za-z0-9_$])(`?" + regexp.QuoteMeta(word) + ")(?:$|[^A-Za-z0-9_$])")
	if err != nil {
		return e
	}
	if loc := re.FindStringSubmatchIndex(b.text); loc != nil {
		line, col := position(b.text, loc[2])
		return e.At(line, col)
	}
	return e
}

// position converts a byte offset to 1-based line and column (characters).
func position(s string, off int) (int, int) {
	if off > len(s) {
		off = len(s)
	}
	line := 1 + strings.Count(s[:off], "\n")
	start := strings.LastIndexByte(s[:off], '\n') + 1
	return line, 1 + len([]rune(s[start:off]))
}

// withPos gives a positionless error the position of node n.
func (b *binder) withPos(err error, n ast.Node) error {
	if err == nil {
		return nil
	}
	e := sqlerr.Wrap(err)
	if e.Line == 0 && n != nil && n.OriginTextPosition() > 0 {
		line, col := position(b.text, n.OriginTextPosition())
		return e.At(line, col)
	}
	return e
}

// scope is the set of columns a name can refer to in one query block.
type scope struct {
	cols   []column
	parent *scope
	// outer collects columns of enclosing blocks referenced from this block.
	outer []*colRef
	// aliases are select-list names visible to GROUP BY/HAVING/ORDER BY.
	aliases []alias
	// preferAlias: ORDER BY looks at select-list names before FROM columns.
	preferAlias bool
}

type alias struct {
	name string
	e    lexpr
}

func (s *scope) addOuter(c *colRef) {
	for _, o := range s.outer {
		if o.id == c.id {
			return
		}
	}
	s.outer = append(s.outer, c)
}

// clause names for "Unknown column 'x' in '...'" messages.
const (
	inFieldList = "field list"
	inWhere     = "where clause"
	inOrder     = "order clause"
	inGroup     = "group statement"
	inHaving    = "having clause"
	inOn        = "on clause"
)

// resolveColumn finds a column by optional table qualifier and name.
func (b *binder) resolveColumn(sc *scope, n *ast.ColumnNameExpr, clause string) (lexpr, error) {
	name := n.Name.Name.O
	tbl := n.Name.Table.O
	full := name
	if tbl != "" {
		full = tbl + "." + name
	}
	if sc.preferAlias && tbl == "" {
		if e := sc.findAlias(name); e != nil {
			return e, nil
		}
	}
	var path []*scope
	for s := sc; s != nil; s = s.parent {
		var found *column
		for i := range s.cols {
			c := &s.cols[i]
			if !strings.EqualFold(c.name, name) {
				continue
			}
			if tbl != "" && !strings.EqualFold(c.table, tbl) {
				continue
			}
			if tbl == "" && c.noUnqualified {
				continue
			}
			if found != nil && found.id != c.id {
				return nil, b.errAt(n, sqlerr.ErrNonUniqField, "Column '%s' in %s is ambiguous", full, clause)
			}
			found = c
		}
		if found != nil {
			ref := found.ref()
			for _, p := range path {
				p.addOuter(ref)
			}
			return ref, nil
		}
		if s == sc && tbl == "" && !sc.preferAlias {
			if e := sc.findAlias(name); e != nil {
				return e, nil
			}
		}
		path = append(path, s)
	}
	return nil, b.errAt(n, sqlerr.ErrBadField, "Unknown column '%s' in '%s'", full, clause)
}

func (s *scope) findAlias(name string) lexpr {
	for _, a := range s.aliases {
		if strings.EqualFold(a.name, name) {
			return a.e
		}
	}
	return nil
}

func (b *binder) subID() int {
	b.nsub++
	return b.nsub
}
