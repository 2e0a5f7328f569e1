package parser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the AST

	"github.com/genevasql/genevasql/sqlerr"
)

// Parsed is the result of parsing one statement: exactly one of AST (a
// statement TiDB's parser knows) or Own (a GenevaSQL statement) is set.
type Parsed struct {
	AST ast.StmtNode
	Own OwnStmt
}

// TiDB parsers are not safe for concurrent use but are costly to build, so
// they are pooled.
var tidbParsers = sync.Pool{New: func() any { return parser.New() }}

// Parse parses one statement. Errors carry line and column relative to the
// statement's own text; use Statement positions to shift them (see Shift).
func Parse(text string) (*Parsed, error) {
	own, ok, err := parseOwn(text)
	if err != nil {
		return nil, err
	}
	if ok {
		return &Parsed{Own: own}, nil
	}
	node, err := ParseTiDB(text)
	if err != nil {
		return nil, err
	}
	return &Parsed{AST: node}, nil
}

// ParseTiDB parses text that must hold exactly one MySQL-dialect statement.
func ParseTiDB(text string) (ast.StmtNode, error) {
	p := tidbParsers.Get().(*parser.Parser)
	defer tidbParsers.Put(p)
	stmts, _, err := p.ParseSQL(text)
	if err != nil {
		return nil, tidbError(text, err)
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.ErrParse, "expected one statement, found %d", len(stmts)).At(1, 1)
	}
	return stmts[0], nil
}

// ParseExpr parses a standalone expression (as in a computed column or a
// BACKFILL predicate) by wrapping it in a SELECT.
func ParseExpr(text string) (ast.ExprNode, error) {
	const prefix = "SELECT "
	node, err := ParseTiDB(prefix + text)
	if err != nil {
		if e, ok := err.(*sqlerr.Error); ok && e.Line == 1 && e.Column > len(prefix) {
			e.Column -= len(prefix)
		}
		return nil, err
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.From != nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].Expr == nil {
		return nil, sqlerr.New(sqlerr.ErrParse, "expected one expression, got %q", text).At(1, 1)
	}
	return sel.Fields.Fields[0].Expr, nil
}

var tidbErrPos = regexp.MustCompile(`line (\d+) column (\d+) near "((?s).*)"`)

// tidbError turns a TiDB parse error into an sqlerr.Error positioned at the
// start of the offending token. TiDB reports the column where the scanner
// stopped, so the start is found from the "near" text, which is the rest of
// the input from the offending token on.
func tidbError(text string, err error) error {
	msg := err.Error()
	m := tidbErrPos.FindStringSubmatch(msg)
	if m == nil {
		return &sqlerr.Error{Code: sqlerr.ErrParse, Msg: msg, Cause: err}
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	near := m[3]
	off := -1
	if near != "" {
		// The near text may be cut short by TiDB; match its start.
		probe := near
		if len(probe) > 40 {
			probe = probe[:40]
		}
		off = strings.LastIndex(text, probe)
	} else {
		off = len(strings.TrimRight(text, " \t\r\n"))
	}
	if off >= 0 {
		line, col = Position(text, off)
	}
	what := "near '" + near + "'"
	if near == "" {
		what = "at the end of the statement"
	}
	return &sqlerr.Error{Code: sqlerr.ErrParse, Msg: fmt.Sprintf("You have an error in your SQL syntax %s", what),
		Line: line, Column: col, Near: near, Cause: err}
}

// Shift moves an error positioned relative to stmt's text into the
// coordinates of the script stmt came from.
func Shift(err error, stmt Statement) error {
	e, ok := err.(*sqlerr.Error)
	if !ok {
		var se *sqlerr.Error
		if !asSQLErr(err, &se) {
			e = sqlerr.Wrap(err)
		} else {
			e = se
		}
	}
	c := *e
	if c.Line == 0 {
		c.Line, c.Column = stmt.Line, stmt.Column
	} else {
		if c.Line == 1 {
			c.Column += stmt.Column - 1
		}
		c.Line += stmt.Line - 1
	}
	return &c
}
