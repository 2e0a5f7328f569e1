package parser

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/genevasql/genevasql/sqlerr"
)

// OwnStmt is a GenevaSQL statement that TiDB's parser does not know.
type OwnStmt interface{ ownStmt() }

// Options are the WITH (key = value, …) settings of a statement; keys are
// lower-case, values are the literal text (strings unquoted).
type Options map[string]string

// FuncArg is one declared argument of CREATE FUNCTION.
type FuncArg struct {
	Name string
	Type string // SQL type text, e.g. "VARCHAR(20)"
}

// CreateFunction is CREATE [OR REPLACE] FUNCTION … LANGUAGE EXTERNAL AS '…'.
type CreateFunction struct {
	OrReplace bool
	Name      string
	Args      []FuncArg
	Returns   string
	Language  string
	Command   string
	With      Options
}

// DropFunction is DROP FUNCTION [IF EXISTS] name.
type DropFunction struct {
	Name     string
	IfExists bool
}

// ShowFunctions is SHOW FUNCTIONS [LIKE 'pattern'].
type ShowFunctions struct{ Like string }

// Backfill is BACKFILL t.c [WHERE pred] [WITH (…)].
type Backfill struct {
	Table, Column string
	// Where is the predicate text ("" if none); WhereOffset is its byte
	// offset in the statement, for error positions.
	Where       string
	WhereOffset int
	With        Options
}

// CreateMaterializedView is CREATE MATERIALIZED VIEW [IF NOT EXISTS] v [WITH (…)] AS SELECT ….
type CreateMaterializedView struct {
	OrReplace   bool
	IfNotExists bool
	Name        string
	With        Options
	// Query is the SELECT text; QueryOffset its byte offset in the statement.
	Query       string
	QueryOffset int
}

// RefreshMaterializedView is REFRESH MATERIALIZED VIEW v [FULL] [WITH (…)].
type RefreshMaterializedView struct {
	Name string
	Full bool
	With Options
}

// DropMaterializedView is DROP MATERIALIZED VIEW [IF EXISTS] v.
type DropMaterializedView struct {
	Name     string
	IfExists bool
}

// ShowMaterializedViews is SHOW MATERIALIZED VIEWS.
type ShowMaterializedViews struct{}

// DescribeMaterializedView is DESCRIBE MATERIALIZED VIEW v.
type DescribeMaterializedView struct{ Name string }

// ExplainRefresh is EXPLAIN REFRESH MATERIALIZED VIEW v.
type ExplainRefresh struct{ Name string }

// ShowJobs is SHOW JOBS.
type ShowJobs struct{}

// ShowJob is SHOW JOB id.
type ShowJob struct{ ID string }

// ShowErrors is SHOW ERRORS [FOR JOB id].
type ShowErrors struct{ JobID string }

// CancelJob is CANCEL JOB id.
type CancelJob struct{ ID string }

func (*CreateFunction) ownStmt()           {}
func (*DropFunction) ownStmt()             {}
func (*ShowFunctions) ownStmt()            {}
func (*Backfill) ownStmt()                 {}
func (*CreateMaterializedView) ownStmt()   {}
func (*RefreshMaterializedView) ownStmt()  {}
func (*DropMaterializedView) ownStmt()     {}
func (*ShowMaterializedViews) ownStmt()    {}
func (*DescribeMaterializedView) ownStmt() {}
func (*ExplainRefresh) ownStmt()           {}
func (*ShowJobs) ownStmt()                 {}
func (*ShowJob) ownStmt()                  {}
func (*ShowErrors) ownStmt()               {}
func (*CancelJob) ownStmt()                {}

// token kinds of the front parser.
const (
	tkEOF = iota
	tkWord
	tkQuotedIdent
	tkString
	tkNumber
	tkPunct
)

type token struct {
	kind int
	text string // for strings and quoted identifiers: the unquoted value
	off  int
}

type ownParser struct {
	src  string
	toks []token
	pos  int
}

// parseOwn recognises and parses GenevaSQL's own statements. It returns
// ok=false (and no error) for anything else, which then goes to TiDB.
func parseOwn(text string) (OwnStmt, bool, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, false, err
	}
	p := &ownParser{src: text, toks: toks}
	if isTriggerStmt(toks) { // CREATE/DROP/SHOW TRIGGER(S): see trigger.go
		st, err := p.parseTrigger()
		return st, true, err
	}
	if !p.isOwn() {
		return nil, false, nil
	}
	st, err := p.parse()
	if err != nil {
		return nil, true, err
	}
	return st, true, nil
}

// isOwn decides from the leading keywords whether the statement is ours.
func (p *ownParser) isOwn() bool {
	w := func(i int) string {
		if i < len(p.toks) && p.toks[i].kind == tkWord {
			return strings.ToUpper(p.toks[i].text)
		}
		return ""
	}
	switch w(0) {
	case "BACKFILL", "REFRESH", "CANCEL":
		return true
	case "CREATE":
		i := 1
		if w(1) == "OR" && w(2) == "REPLACE" {
			i = 3
		}
		return w(i) == "FUNCTION" || w(i) == "MATERIALIZED"
	case "DROP":
		return w(1) == "FUNCTION" || w(1) == "MATERIALIZED"
	case "SHOW":
		return w(1) == "FUNCTIONS" || w(1) == "MATERIALIZED" || w(1) == "JOBS" || w(1) == "JOB" || w(1) == "ERRORS"
	case "DESCRIBE", "DESC":
		return w(1) == "MATERIALIZED"
	case "EXPLAIN":
		return w(1) == "REFRESH"
	}
	return false
}

func (p *ownParser) parse() (OwnStmt, error) {
	switch kw := strings.ToUpper(p.next().text); kw {
	case "CREATE":
		orReplace := p.acceptWords("OR", "REPLACE")
		if p.acceptWords("FUNCTION") {
			return p.createFunction(orReplace)
		}
		if err := p.expectWords("MATERIALIZED", "VIEW"); err != nil {
			return nil, err
		}
		return p.createMV(orReplace)
	case "DROP":
		if p.acceptWords("FUNCTION") {
			ifExists := p.acceptWords("IF", "EXISTS")
			name, err := p.ident("function name")
			if err != nil {
				return nil, err
			}
			return &DropFunction{Name: name, IfExists: ifExists}, p.end()
		}
		if err := p.expectWords("MATERIALIZED", "VIEW"); err != nil {
			return nil, err
		}
		ifExists := p.acceptWords("IF", "EXISTS")
		name, err := p.ident("view name")
		if err != nil {
			return nil, err
		}
		return &DropMaterializedView{Name: name, IfExists: ifExists}, p.end()
	case "SHOW":
		switch {
		case p.acceptWords("FUNCTIONS"):
			st := &ShowFunctions{}
			if p.acceptWords("LIKE") {
				t := p.peek()
				if t.kind != tkString {
					return nil, p.errExpected("a quoted pattern after LIKE")
				}
				p.pos++
				st.Like = t.text
			}
			return st, p.end()
		case p.acceptWords("MATERIALIZED", "VIEWS"):
			return &ShowMaterializedViews{}, p.end()
		case p.acceptWords("JOBS"):
			return &ShowJobs{}, p.end()
		case p.acceptWords("JOB"):
			id, err := p.jobID()
			if err != nil {
				return nil, err
			}
			return &ShowJob{ID: id}, p.end()
		case p.acceptWords("ERRORS"):
			st := &ShowErrors{}
			if p.acceptWords("FOR", "JOB") {
				id, err := p.jobID()
				if err != nil {
					return nil, err
				}
				st.JobID = id
			}
			return st, p.end()
		}
		return nil, p.errExpected("FUNCTIONS, MATERIALIZED VIEWS, JOBS, JOB or ERRORS")
	case "DESCRIBE", "DESC":
		if err := p.expectWords("MATERIALIZED", "VIEW"); err != nil {
			return nil, err
		}
		name, err := p.ident("view name")
		if err != nil {
			return nil, err
		}
		return &DescribeMaterializedView{Name: name}, p.end()
	case "EXPLAIN":
		if err := p.expectWords("REFRESH", "MATERIALIZED", "VIEW"); err != nil {
			return nil, err
		}
		name, err := p.ident("view name")
		if err != nil {
			return nil, err
		}
		return &ExplainRefresh{Name: name}, p.end()
	case "REFRESH":
		if err := p.expectWords("MATERIALIZED", "VIEW"); err != nil {
			return nil, err
		}
		name, err := p.ident("view name")
		if err != nil {
			return nil, err
		}
		st := &RefreshMaterializedView{Name: name}
		st.Full = p.acceptWords("FULL")
		if st.With, err = p.withOptions(); err != nil {
			return nil, err
		}
		return st, p.end()
	case "CANCEL":
		if err := p.expectWords("JOB"); err != nil {
			return nil, err
		}
		id, err := p.jobID()
		if err != nil {
			return nil, err
		}
		return &CancelJob{ID: id}, p.end()
	case "BACKFILL":
		return p.backfill()
	}
	return nil, p.errAt(0, "unknown statement")
}

func (p *ownParser) createFunction(orReplace bool) (OwnStmt, error) {
	st := &CreateFunction{OrReplace: orReplace}
	var err error
	if st.Name, err = p.ident("function name"); err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	if !p.acceptPunct(")") {
		for {
			var a FuncArg
			if a.Name, err = p.ident("argument name"); err != nil {
				return nil, err
			}
			if a.Type, err = p.typeText(); err != nil {
				return nil, err
			}
			st.Args = append(st.Args, a)
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return nil, err
			}
		}
	}
	if err := p.expectWords("RETURNS"); err != nil {
		return nil, err
	}
	if st.Returns, err = p.typeText(); err != nil {
		return nil, err
	}
	if err := p.expectWords("LANGUAGE"); err != nil {
		return nil, err
	}
	lang, err := p.ident("language")
	if err != nil {
		return nil, err
	}
	st.Language = strings.ToUpper(lang)
	if st.Language != "EXTERNAL" {
		return nil, p.errAt(p.pos-1, fmt.Sprintf("unsupported LANGUAGE %s: only EXTERNAL functions can be created in SQL (Go functions are registered through the API)", lang))
	}
	if err := p.expectWords("AS"); err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tkString {
		return nil, p.errExpected("the command line as a quoted string")
	}
	p.pos++
	st.Command = t.text
	if st.With, err = p.withOptions(); err != nil {
		return nil, err
	}
	return st, p.end()
}

func (p *ownParser) createMV(orReplace bool) (OwnStmt, error) {
	st := &CreateMaterializedView{OrReplace: orReplace}
	st.IfNotExists = p.acceptWords("IF", "NOT", "EXISTS")
	var err error
	if st.Name, err = p.ident("view name"); err != nil {
		return nil, err
	}
	if st.With, err = p.withOptions(); err != nil {
		return nil, err
	}
	if err := p.expectWords("AS"); err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tkEOF {
		return nil, p.errExpected("a SELECT after AS")
	}
	st.QueryOffset = t.off
	st.Query = p.src[t.off:]
	return st, nil
}

func (p *ownParser) backfill() (OwnStmt, error) {
	st := &Backfill{}
	var err error
	if st.Table, err = p.ident("table name"); err != nil {
		return nil, err
	}
	if err := p.expectPunct("."); err != nil {
		return nil, err
	}
	if st.Column, err = p.ident("column name"); err != nil {
		return nil, err
	}
	if p.acceptWords("WHERE") {
		// The predicate runs to a top-level WITH ( or the end.
		start := p.peek()
		if start.kind == tkEOF {
			return nil, p.errExpected("a predicate after WHERE")
		}
		end := len(p.src)
		depth := 0
		for p.peek().kind != tkEOF {
			t := p.peek()
			if t.kind == tkPunct && t.text == "(" {
				depth++
			} else if t.kind == tkPunct && t.text == ")" {
				depth--
			} else if depth == 0 && t.kind == tkWord && strings.EqualFold(t.text, "WITH") &&
				p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(" {
				end = t.off
				break
			}
			p.pos++
		}
		st.WhereOffset = start.off
		st.Where = strings.TrimSpace(p.src[start.off:end])
	}
	if st.With, err = p.withOptions(); err != nil {
		return nil, err
	}
	return st, p.end()
}

// withOptions parses an optional WITH (k = v, …).
func (p *ownParser) withOptions() (Options, error) {
	if !(p.peekWord("WITH") && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(") {
		return nil, nil
	}
	p.pos += 2
	opts := Options{}
	for {
		key, err := p.ident("option name")
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		t := p.peek()
		switch t.kind {
		case tkString, tkNumber, tkWord:
			p.pos++
		default:
			return nil, p.errExpected("a value for option " + key)
		}
		k := strings.ToLower(key)
		if _, dup := opts[k]; dup {
			return nil, p.errAt(p.pos-1, "option "+k+" given twice")
		}
		opts[k] = t.text
		if p.acceptPunct(")") {
			return opts, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// typeText collects a SQL type: a word, optional UNSIGNED etc., and a
// parenthesised argument list.
func (p *ownParser) typeText() (string, error) {
	t := p.peek()
	if t.kind != tkWord {
		return "", p.errExpected("a type")
	}
	start := t.off
	p.pos++
	end := t.off + len(t.text)
	for {
		t = p.peek()
		if t.kind == tkPunct && t.text == "(" {
			depth := 0
			for {
				t = p.next()
				if t.kind == tkEOF {
					return "", p.errExpected(")")
				}
				if t.text == "(" {
					depth++
				} else if t.text == ")" {
					depth--
					if depth == 0 {
						end = t.off + 1
						break
					}
				}
			}
			continue
		}
		if t.kind == tkWord && (strings.EqualFold(t.text, "UNSIGNED") || strings.EqualFold(t.text, "PRECISION") || strings.EqualFold(t.text, "VARYING")) {
			p.pos++
			end = t.off + len(t.text)
			continue
		}
		break
	}
	return p.src[start:end], nil
}

// jobID reads a job id such as job-20260101-120000-2fcb580a: a quoted
// string, or a run of words, numbers and dashes with no space between them.
func (p *ownParser) jobID() (string, error) {
	t := p.peek()
	switch t.kind {
	case tkString, tkQuotedIdent:
		p.pos++
		return t.text, nil
	case tkWord, tkNumber:
	default:
		return "", p.errExpected("a job id")
	}
	start, end := t.off, t.off
	for {
		t = p.peek()
		adjacent := t.off == end || end == start
		ok := t.kind == tkWord || t.kind == tkNumber || (t.kind == tkPunct && t.text == "-")
		if !ok || !adjacent || t.kind == tkEOF {
			break
		}
		p.pos++
		end = t.off + len(t.text)
	}
	return p.src[start:end], nil
}

func (p *ownParser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tkEOF, off: len(p.src)}
}

func (p *ownParser) next() token {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *ownParser) peekWord(w string) bool {
	t := p.peek()
	return t.kind == tkWord && strings.EqualFold(t.text, w)
}

// acceptWords consumes the words if they all come next.
func (p *ownParser) acceptWords(ws ...string) bool {
	for i, w := range ws {
		j := p.pos + i
		if j >= len(p.toks) || p.toks[j].kind != tkWord || !strings.EqualFold(p.toks[j].text, w) {
			return false
		}
	}
	p.pos += len(ws)
	return true
}

func (p *ownParser) expectWords(ws ...string) error {
	for _, w := range ws {
		if !p.acceptWords(w) {
			return p.errExpected(w)
		}
	}
	return nil
}

func (p *ownParser) acceptPunct(s string) bool {
	t := p.peek()
	if t.kind == tkPunct && t.text == s {
		p.pos++
		return true
	}
	return false
}

func (p *ownParser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return p.errExpected("'" + s + "'")
	}
	return nil
}

func (p *ownParser) ident(what string) (string, error) {
	t := p.peek()
	if t.kind == tkWord || t.kind == tkQuotedIdent {
		p.pos++
		return t.text, nil
	}
	return "", p.errExpected(what)
}

func (p *ownParser) end() error {
	if t := p.peek(); t.kind != tkEOF {
		return p.errAt(p.pos, fmt.Sprintf("unexpected %q after the end of the statement", t.text))
	}
	return nil
}

func (p *ownParser) errExpected(what string) error {
	t := p.peek()
	found := "the end of the statement"
	if t.kind != tkEOF {
		found = fmt.Sprintf("%q", t.text)
	}
	return p.errAt(p.pos, fmt.Sprintf("expected %s, found %s", what, found))
}

func (p *ownParser) errAt(i int, msg string) error {
	off := len(p.src)
	if i < len(p.toks) {
		off = p.toks[i].off
	}
	line, col := Position(p.src, off)
	return &sqlerr.Error{Code: sqlerr.ErrParse, Msg: msg, Line: line, Column: col}
}

// lex splits a statement into tokens, skipping white space and comments.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '#' || (c == '-' && strings.HasPrefix(s[i:], "--")):
			i = skipLine(s, i)
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return nil, posErr(s, i, "unterminated comment")
			}
			i += j + 4
		case c == '\'' || c == '"' || c == '`':
			j, ok := skipQuoted(s, i)
			if !ok {
				return nil, posErr(s, i, "unterminated quoted string")
			}
			kind := tkString
			if c == '`' {
				kind = tkQuotedIdent
			}
			toks = append(toks, token{kind: kind, text: unquote(s[i:j]), off: i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tkNumber, text: s[i:j], off: i})
			i = j
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == '_' || unicode.IsLetter(r) {
				j := i + n
				for j < len(s) {
					r2, n2 := utf8.DecodeRuneInString(s[j:])
					if r2 != '_' && r2 != '$' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
						break
					}
					j += n2
				}
				toks = append(toks, token{kind: tkWord, text: s[i:j], off: i})
				i = j
				continue
			}
			toks = append(toks, token{kind: tkPunct, text: s[i : i+n], off: i})
			i += n
		}
	}
	return toks, nil
}

func posErr(s string, off int, msg string) error {
	line, col := Position(s, off)
	return &sqlerr.Error{Code: sqlerr.ErrParse, Msg: msg, Line: line, Column: col}
}

// unquote strips the quotes of a quoted token and undoes doubled quotes and
// backslash escapes (outside backticks).
func unquote(q string) string {
	quote := q[0]
	body := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' && quote != '`' && i+1 < len(body) {
			i++
			switch body[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(body[i])
			}
			continue
		}
		if c == quote && i+1 < len(body) && body[i+1] == quote {
			i++
		}
		b.WriteByte(c)
	}
	return b.String()
}
