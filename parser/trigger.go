package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/genevasql/genevasql/sqlerr"
)

// CreateTrigger is MySQL's
//
//	CREATE [DEFINER = user] TRIGGER [IF NOT EXISTS] name {BEFORE|AFTER}
//	    {INSERT|UPDATE|DELETE} ON tbl FOR EACH ROW [{FOLLOWS|PRECEDES} other] body
//
// where body is one statement or BEGIN [stmt; …] END.
type CreateTrigger struct {
	Definer     string // as written, "" if none
	IfNotExists bool
	Name        string
	Timing      string // "BEFORE" or "AFTER"
	Event       string // "INSERT", "UPDATE" or "DELETE"
	Table       string
	// Order is "FOLLOWS" or "PRECEDES" ("" if none); OrderOf the other trigger.
	Order, OrderOf string
	// Body is the body text as written; BodyOffset its byte offset in the
	// statement.
	Body       string
	BodyOffset int
	// Statements are the body's statements (the inside of BEGIN … END, or
	// the single statement), positioned relative to the CREATE statement.
	Statements []Statement
}

// DropTrigger is DROP TRIGGER [IF EXISTS] [schema.]name.
type DropTrigger struct {
	Name     string
	IfExists bool
}

// ShowTriggers is SHOW TRIGGERS [{FROM|IN} db] [LIKE 'pattern']; as in
// MySQL the pattern matches table names.
type ShowTriggers struct{ Like string }

// ShowCreateTrigger is SHOW CREATE TRIGGER name.
type ShowCreateTrigger struct{ Name string }

func (*CreateTrigger) ownStmt()     {}
func (*DropTrigger) ownStmt()       {}
func (*ShowTriggers) ownStmt()      {}
func (*ShowCreateTrigger) ownStmt() {}

// isTriggerStmt reports whether the tokens start a trigger statement (the
// own-statement dispatch asks before anything else).
func isTriggerStmt(toks []token) bool {
	w := func(i int) string {
		if i < len(toks) && toks[i].kind == tkWord {
			return strings.ToUpper(toks[i].text)
		}
		return ""
	}
	switch w(0) {
	case "CREATE":
		return triggerKeyword(toks) > 0
	case "DROP":
		return w(1) == "TRIGGER"
	case "DELIMITER": // the mysql client's command, common around triggers
		return true
	case "SHOW":
		return w(1) == "TRIGGERS" || (w(1) == "CREATE" && w(2) == "TRIGGER")
	}
	return false
}

// triggerKeyword returns the index of TRIGGER in CREATE [DEFINER = user]
// TRIGGER, or -1 when the statement creates something else.
func triggerKeyword(toks []token) int {
	if len(toks) < 2 || toks[0].kind != tkWord || !strings.EqualFold(toks[0].text, "CREATE") {
		return -1
	}
	if toks[1].kind == tkWord && strings.EqualFold(toks[1].text, "TRIGGER") {
		return 1
	}
	if !(toks[1].kind == tkWord && strings.EqualFold(toks[1].text, "DEFINER")) {
		return -1
	}
	// The definer is a few tokens ('u'@'h', CURRENT_USER()); the object
	// keyword follows it.
	for i := 2; i < len(toks) && i < 16; i++ {
		if toks[i].kind != tkWord {
			continue
		}
		switch strings.ToUpper(toks[i].text) {
		case "TRIGGER":
			return i
		case "VIEW", "FUNCTION", "PROCEDURE", "EVENT", "SQL", "ALGORITHM":
			return -1
		}
	}
	return -1
}

func (p *ownParser) parseTrigger() (OwnStmt, error) {
	switch strings.ToUpper(p.next().text) {
	case "CREATE":
		return p.createTrigger()
	case "DELIMITER":
		return nil, p.errAt(0, "DELIMITER is a command of the mysql client, not SQL: GenevaSQL keeps a trigger's BEGIN … END in one statement without it, so remove the DELIMITER lines and end each statement with ;")
	case "DROP":
		p.pos++ // TRIGGER
		st := &DropTrigger{IfExists: p.acceptWords("IF", "EXISTS")}
		name, err := p.qualifiedIdent("trigger name")
		if err != nil {
			return nil, err
		}
		st.Name = name
		return st, p.end()
	default: // SHOW
		if p.acceptWords("CREATE", "TRIGGER") {
			name, err := p.qualifiedIdent("trigger name")
			if err != nil {
				return nil, err
			}
			return &ShowCreateTrigger{Name: name}, p.end()
		}
		p.pos++ // TRIGGERS
		st := &ShowTriggers{}
		if p.acceptWords("FROM") || p.acceptWords("IN") {
			if _, err := p.ident("database name"); err != nil {
				return nil, err
			}
		}
		if p.acceptWords("LIKE") {
			t := p.peek()
			if t.kind != tkString {
				return nil, p.errExpected("a quoted pattern after LIKE")
			}
			p.pos++
			st.Like = t.text
		} else if p.peekWord("WHERE") {
			return nil, &sqlerr.Error{Code: sqlerr.ErrNotSupported, Msg: "SHOW TRIGGERS … WHERE is not supported; use LIKE 'table pattern'"}
		}
		return st, p.end()
	}
}

// qualifiedIdent reads name or schema.name and returns name: a database
// is one folder, so the schema is the database itself.
func (p *ownParser) qualifiedIdent(what string) (string, error) {
	name, err := p.ident(what)
	if err != nil {
		return "", err
	}
	if p.acceptPunct(".") {
		return p.ident(what)
	}
	return name, nil
}

func (p *ownParser) createTrigger() (OwnStmt, error) {
	st := &CreateTrigger{}
	kw := triggerKeyword(p.toks)
	if kw > 1 { // DEFINER = user
		d := strings.TrimSpace(p.src[p.toks[1].off:p.toks[kw].off])
		if i := strings.IndexByte(d, '='); i >= 0 {
			d = strings.TrimSpace(d[i+1:])
		}
		st.Definer = d
	}
	p.pos = kw + 1
	st.IfNotExists = p.acceptWords("IF", "NOT", "EXISTS")
	var err error
	if st.Name, err = p.qualifiedIdent("trigger name"); err != nil {
		return nil, err
	}
	switch {
	case p.acceptWords("BEFORE"):
		st.Timing = "BEFORE"
	case p.acceptWords("AFTER"):
		st.Timing = "AFTER"
	default:
		return nil, p.errExpected("BEFORE or AFTER")
	}
	for _, ev := range []string{"INSERT", "UPDATE", "DELETE"} {
		if p.acceptWords(ev) {
			st.Event = ev
		}
	}
	if st.Event == "" {
		return nil, p.errExpected("INSERT, UPDATE or DELETE")
	}
	if err := p.expectWords("ON"); err != nil {
		return nil, err
	}
	if st.Table, err = p.qualifiedIdent("table name"); err != nil {
		return nil, err
	}
	if err := p.expectWords("FOR", "EACH", "ROW"); err != nil {
		return nil, err
	}
	for _, o := range []string{"FOLLOWS", "PRECEDES"} {
		if p.acceptWords(o) {
			st.Order = o
			if st.OrderOf, err = p.qualifiedIdent("trigger name"); err != nil {
				return nil, err
			}
		}
	}
	start := p.peek()
	if start.kind == tkEOF {
		return nil, p.errExpected("the trigger body")
	}
	st.BodyOffset = start.off
	st.Body = strings.TrimSpace(p.src[start.off:])
	if !p.peekWord("BEGIN") {
		// One statement, which may be a compound one (IF … END IF) holding
		// semicolons.
		stmts, err := Split(p.src[start.off:])
		if err != nil {
			return nil, shiftIn(err, p.src, start.off)
		}
		for _, s := range stmts {
			st.Statements = append(st.Statements, p.stmtAt(start.off+s.Offset, start.off+s.Offset+len(s.Text)))
		}
		return st, nil
	}
	// BEGIN … END: the last token must be the END that closes this BEGIN.
	last := len(p.toks) - 1
	if last <= p.pos || p.toks[last].kind != tkWord || !strings.EqualFold(p.toks[last].text, "END") {
		return nil, p.errAt(len(p.toks), "expected END to close the trigger body's BEGIN")
	}
	innerStart := start.off + len(start.text)
	inner := p.src[innerStart:p.toks[last].off]
	stmts, err := Split(inner)
	if err != nil {
		return nil, shiftIn(err, p.src, innerStart)
	}
	for _, s := range stmts {
		st.Statements = append(st.Statements, p.stmtAt(innerStart+s.Offset, innerStart+s.Offset+len(s.Text)))
	}
	return st, nil
}

// stmtAt is the statement src[from:to] positioned in src.
func (p *ownParser) stmtAt(from, to int) Statement {
	text := strings.TrimRight(p.src[from:to], " \t\r\n")
	line, col := Position(p.src, from)
	return Statement{Text: text, Offset: from, Line: line, Column: col}
}

// shiftIn moves an error positioned in src[off:] into src's coordinates.
func shiftIn(err error, src string, off int) error {
	line, col := Position(src, off)
	return Shift(err, Statement{Offset: off, Line: line, Column: col})
}

// openTriggerBody reports whether text, a statement cut at a semicolon, is a
// CREATE TRIGGER whose body has an unclosed BEGIN (or CASE, IF, loop), so
// the semicolon belongs to the body and Split must not cut there.
func openTriggerBody(text string) bool {
	t := strings.TrimLeft(text, " \t\r\n")
	if len(t) < 6 || !strings.EqualFold(t[:6], "CREATE") {
		if !strings.HasPrefix(t, "/*") && !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	toks, err := lex(text)
	if err != nil || triggerKeyword(toks) < 0 {
		return false
	}
	// The body starts after FOR EACH ROW [{FOLLOWS|PRECEDES} name].
	b := -1
	for i := 0; i+2 < len(toks); i++ {
		if isWord(toks[i], "FOR") && isWord(toks[i+1], "EACH") && isWord(toks[i+2], "ROW") {
			b = i + 3
			break
		}
	}
	if b < 0 {
		return false
	}
	if b < len(toks) && (isWord(toks[b], "FOLLOWS") || isWord(toks[b], "PRECEDES")) {
		b += 2
		if b < len(toks) && toks[b].text == "." {
			b += 2
		}
	}
	return blockDepth(toks[min(b, len(toks)):]) > 0
}

// blockDepth counts the compound blocks a statement list leaves open:
// BEGIN, CASE and, at the start of a statement, IF, WHILE, LOOP and
// REPEAT open one; END (with its optional IF, CASE, … word) closes one.
func blockDepth(toks []token) int {
	depth := 0
	stmtStart := true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := stmtStart
		stmtStart = false
		if t.kind == tkPunct {
			stmtStart = t.text == ";"
			continue
		}
		if t.kind != tkWord {
			continue
		}
		switch strings.ToUpper(t.text) {
		case "BEGIN":
			depth++
			stmtStart = true
		case "CASE":
			depth++
		case "IF", "WHILE", "LOOP", "REPEAT":
			if next {
				depth++
			}
			stmtStart = strings.EqualFold(t.text, "LOOP") || strings.EqualFold(t.text, "REPEAT")
		case "END":
			depth--
			if i+1 < len(toks) && toks[i+1].kind == tkWord {
				switch strings.ToUpper(toks[i+1].text) {
				case "IF", "CASE", "WHILE", "LOOP", "REPEAT":
					i++
				}
			}
		case "THEN", "ELSE", "DO":
			stmtStart = true
		}
	}
	return depth
}

func isWord(t token, w string) bool { return t.kind == tkWord && strings.EqualFold(t.text, w) }

// RowRef is a NEW.col or OLD.col reference in a trigger body statement;
// Start and End are its byte span in the statement.
type RowRef struct {
	Row        string // "NEW" or "OLD"
	Column     string
	Start, End int
}

// RowRefs finds the NEW.col and OLD.col references of a statement (not
// inside strings or comments, and not the tail of a qualified name such as
// t.new).
func RowRefs(text string) ([]RowRef, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	var out []RowRef
	for i := 0; i+2 < len(toks); i++ {
		t := toks[i]
		if t.kind != tkWord || !(strings.EqualFold(t.text, "NEW") || strings.EqualFold(t.text, "OLD")) {
			continue
		}
		if i > 0 && toks[i-1].kind == tkPunct && toks[i-1].text == "." {
			continue
		}
		dot, col := toks[i+1], toks[i+2]
		if dot.kind != tkPunct || dot.text != "." || (col.kind != tkWord && col.kind != tkQuotedIdent) {
			continue
		}
		end := col.off + len(col.text)
		if col.kind == tkQuotedIdent {
			j, _ := skipQuoted(text, col.off)
			end = j
		}
		out = append(out, RowRef{Row: strings.ToUpper(t.text), Column: col.text, Start: t.off, End: end})
		i += 2
	}
	return out, nil
}

// SubstituteRowRefs replaces each reference (as RowRefs found them in
// text) by the text lit gives for it.
func SubstituteRowRefs(text string, refs []RowRef, lit func(RowRef) string) string {
	if len(refs) == 0 {
		return text
	}
	var b strings.Builder
	prev := 0
	for _, r := range refs {
		b.WriteString(text[prev:r.Start])
		b.WriteString(lit(r))
		prev = r.End
	}
	b.WriteString(text[prev:])
	return b.String()
}

// RowAssign is one NEW.col = expr (or OLD.col = expr, which triggers
// refuse) of a SET in a trigger body.
type RowAssign struct {
	Row, Column string
	Expr        string
	ExprOffset  int // byte offset of Expr in the statement
}

// ParseRowSet parses SET NEW.a = expr [, NEW.b = expr …]. ok is false when
// the statement is not a SET; a SET of anything but NEW/OLD columns is an
// error.
func ParseRowSet(text string) (assigns []RowAssign, ok bool, err error) {
	toks, err := lex(text)
	if err != nil {
		return nil, false, err
	}
	if len(toks) == 0 || !isWord(toks[0], "SET") {
		return nil, false, nil
	}
	p := &ownParser{src: text, toks: toks, pos: 1}
	for {
		t := p.peek()
		if !(isWord(t, "NEW") || isWord(t, "OLD")) || p.pos+2 >= len(toks) || toks[p.pos+1].text != "." {
			return nil, true, &sqlerr.Error{Code: sqlerr.ErrNotSupported, Msg: fmt.Sprintf(
				"SET in a trigger can only assign NEW.column (found %q); variables are not supported", t.text)}
		}
		p.pos += 2
		col, err := p.ident("column name")
		if err != nil {
			return nil, true, err
		}
		if !p.acceptPunct("=") {
			if !(p.peek().text == ":" && p.pos+1 < len(toks) && toks[p.pos+1].text == "=") {
				return nil, true, p.errExpected("'='")
			}
			p.pos += 2
		}
		start := p.peek()
		if start.kind == tkEOF {
			return nil, true, p.errExpected("an expression")
		}
		end := p.toTopLevelComma()
		assigns = append(assigns, RowAssign{Row: strings.ToUpper(t.text), Column: col,
			Expr: strings.TrimSpace(text[start.off:end]), ExprOffset: start.off})
		if p.pos >= len(toks) {
			return assigns, true, nil
		}
		p.pos++ // the comma
	}
}

// TriggerStep is one step of a trigger body: a plain statement, an IF, or
// a SIGNAL. Exactly one field is set.
type TriggerStep struct {
	Stmt   *Statement
	If     *TriggerIf
	Signal *TriggerSignal
}

// TriggerIf is IF cond THEN … [ELSEIF cond THEN …]… [ELSE …] END IF: the
// first true Conds[i] runs Branches[i], else Else runs.
type TriggerIf struct {
	Conds    []Statement // the condition texts, positioned like body statements
	Branches [][]TriggerStep
	Else     []TriggerStep
}

// TriggerSignal is SIGNAL SQLSTATE 'xxxxx' [SET MESSAGE_TEXT = v, MYSQL_ERRNO = n].
type TriggerSignal struct {
	SQLState string
	Message  *Statement // the MESSAGE_TEXT expression, nil if none
	Errno    int        // 0 if not given
}

// ParseTriggerBody gives the body statements (CreateTrigger.Statements)
// their structure: IF … END IF blocks, nested BEGIN … END, and SIGNAL.
// Other compound statements (CASE, loops, DECLARE) are refused.
func ParseTriggerBody(stmts []Statement) ([]TriggerStep, error) {
	b := &bodyParser{queue: append([]Statement(nil), stmts...)}
	steps, stop, err := b.steps()
	if err != nil {
		return nil, err
	}
	if stop != "" {
		return nil, b.errAt(b.queue[0], stop+" without a matching IF or BEGIN")
	}
	return steps, nil
}

type bodyParser struct {
	queue []Statement
}

func (b *bodyParser) errAt(st Statement, msg string) error {
	return &sqlerr.Error{Code: sqlerr.ErrParse, Msg: msg, Line: st.Line, Column: st.Column}
}

// rest is the part of st from byte off on, positioned.
func rest(st Statement, off int) Statement {
	t := st.Text[off:]
	trimmed := strings.TrimLeft(t, " \t\r\n")
	off += len(t) - len(trimmed)
	line, col := st.Line, st.Column
	if pre := st.Text[:off]; strings.Contains(pre, "\n") {
		line += strings.Count(pre, "\n")
		col = 1 + len([]rune(pre[strings.LastIndexByte(pre, '\n')+1:]))
	} else {
		col += len([]rune(pre))
	}
	return Statement{Text: trimmed, Offset: st.Offset + off, Line: line, Column: col}
}

// steps parses statements up to one starting with ELSEIF, ELSE or END
// (left in the queue; its first word is returned) or the end.
func (b *bodyParser) steps() ([]TriggerStep, string, error) {
	var out []TriggerStep
	for len(b.queue) > 0 {
		st := b.queue[0]
		toks, err := lex(st.Text)
		if err != nil || len(toks) == 0 {
			b.queue = b.queue[1:]
			if err != nil {
				return nil, "", err
			}
			continue
		}
		first := ""
		if toks[0].kind == tkWord {
			first = strings.ToUpper(toks[0].text)
		}
		if len(toks) > 1 && toks[1].kind == tkPunct && toks[1].text == ":" {
			return nil, "", &sqlerr.Error{Code: sqlerr.ErrNotSupported, Msg: "labels are not supported in trigger bodies", Line: st.Line, Column: st.Column}
		}
		switch first {
		case "ELSEIF", "ELSE", "END":
			return out, first, nil
		case "IF":
			step, err := b.ifBlock()
			if err != nil {
				return nil, "", err
			}
			out = append(out, step)
		case "BEGIN":
			b.queue[0] = rest(st, toks[0].off+len(toks[0].text))
			inner, stop, err := b.steps()
			if err != nil {
				return nil, "", err
			}
			if err := b.end(stop, st, "BEGIN", ""); err != nil {
				return nil, "", err
			}
			out = append(out, inner...)
		case "SIGNAL":
			sig, err := parseSignal(st, toks)
			if err != nil {
				return nil, "", Shift(err, st)
			}
			b.queue = b.queue[1:]
			out = append(out, TriggerStep{Signal: sig})
		case "CASE", "WHILE", "LOOP", "REPEAT", "DECLARE", "LEAVE", "ITERATE", "RETURN", "CALL", "RESIGNAL", "GET":
			return nil, "", &sqlerr.Error{Code: sqlerr.ErrNotSupported, Msg: first +
				" is not supported in trigger bodies: a body holds INSERT, UPDATE, DELETE, SET NEW.column = expression, IF and SIGNAL",
				Line: st.Line, Column: st.Column}
		default:
			b.queue = b.queue[1:]
			s := st
			out = append(out, TriggerStep{Stmt: &s})
		}
	}
	return out, "", nil
}

// end consumes the END [word] that closes a block opened by st.
func (b *bodyParser) end(stop string, st Statement, opened, word string) error {
	closer := "END"
	if word != "" {
		closer += " " + word
	}
	if stop != "END" {
		return b.errAt(st, opened+" without "+closer)
	}
	toks, _ := lex(b.queue[0].Text)
	n := 1
	if word != "" {
		if len(toks) < 2 || !isWord(toks[1], word) {
			return b.errAt(b.queue[0], "expected "+closer)
		}
		n = 2
	}
	if len(toks) > n {
		return b.errAt(b.queue[0], fmt.Sprintf("unexpected %q after %s", toks[n].text, closer))
	}
	b.queue = b.queue[1:]
	return nil
}

// ifBlock parses IF … END IF at the head of the queue.
func (b *bodyParser) ifBlock() (TriggerStep, error) {
	opened := b.queue[0]
	ifs := &TriggerIf{}
	for {
		st := b.queue[0]
		toks, _ := lex(st.Text)
		kw := strings.ToUpper(toks[0].text)
		if kw == "ELSE" {
			b.queue[0] = rest(st, toks[0].off+len(toks[0].text))
			steps, stop, err := b.steps()
			if err != nil {
				return TriggerStep{}, err
			}
			ifs.Else = steps
			if err := b.end(stop, opened, "IF", "IF"); err != nil {
				return TriggerStep{}, err
			}
			return TriggerStep{If: ifs}, nil
		}
		// IF or ELSEIF: the condition runs to THEN (outside CASE … END).
		then, depth := -1, 0
		for i := 1; i < len(toks) && then < 0; i++ {
			switch {
			case isWord(toks[i], "CASE"):
				depth++
			case isWord(toks[i], "END"):
				depth--
			case isWord(toks[i], "THEN") && depth == 0:
				then = i
			}
		}
		if then < 0 {
			return TriggerStep{}, b.errAt(st, kw+" without THEN")
		}
		cond := rest(st, toks[1].off)
		cond.Text = strings.TrimSpace(st.Text[toks[1].off:toks[then].off])
		if then == 1 {
			return TriggerStep{}, b.errAt(st, kw+" without a condition")
		}
		ifs.Conds = append(ifs.Conds, cond)
		b.queue[0] = rest(st, toks[then].off+len(toks[then].text))
		steps, stop, err := b.steps()
		if err != nil {
			return TriggerStep{}, err
		}
		ifs.Branches = append(ifs.Branches, steps)
		switch stop {
		case "ELSEIF", "ELSE":
			continue
		}
		if err := b.end(stop, opened, "IF", "IF"); err != nil {
			return TriggerStep{}, err
		}
		return TriggerStep{If: ifs}, nil
	}
}

// parseSignal parses SIGNAL SQLSTATE [VALUE] 'xxxxx' [SET item = v, …].
func parseSignal(st Statement, toks []token) (*TriggerSignal, error) {
	p := &ownParser{src: st.Text, toks: toks, pos: 1}
	if !p.acceptWords("SQLSTATE") {
		return nil, p.errExpected("SQLSTATE (named conditions are not supported)")
	}
	p.acceptWords("VALUE")
	t := p.peek()
	if t.kind != tkString {
		return nil, p.errExpected("a quoted SQLSTATE")
	}
	p.pos++
	sig := &TriggerSignal{SQLState: t.text}
	if len(t.text) != 5 || strings.HasPrefix(t.text, "00") {
		return nil, &sqlerr.Error{Code: 1407, SQLState: "42000", Msg: fmt.Sprintf("Bad SQLSTATE: '%s'", t.text)}
	}
	if !p.acceptWords("SET") {
		return sig, p.end()
	}
	for {
		item, err := p.ident("MESSAGE_TEXT or MYSQL_ERRNO")
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		start := p.peek()
		end := p.toTopLevelComma()
		val := rest(st, start.off)
		val.Text = strings.TrimSpace(st.Text[start.off:end])
		if val.Text == "" {
			return nil, p.errExpected("a value for " + item)
		}
		switch strings.ToUpper(item) {
		case "MESSAGE_TEXT":
			sig.Message = &val
		case "MYSQL_ERRNO":
			n, err := strconv.Atoi(val.Text)
			if err != nil || n <= 0 || n > 65535 {
				return nil, &sqlerr.Error{Code: sqlerr.ErrWrongArguments, Msg: fmt.Sprintf("MYSQL_ERRNO must be a number from 1 to 65535, got %s", val.Text)}
			}
			sig.Errno = n
		default:
			return nil, &sqlerr.Error{Code: sqlerr.ErrNotSupported, Msg: fmt.Sprintf("SIGNAL … SET %s is not supported (MESSAGE_TEXT and MYSQL_ERRNO are)", item)}
		}
		if p.pos >= len(toks) {
			return sig, nil
		}
		p.pos++ // the comma
	}
}

// ValuesOffset returns the byte offset just after the VALUES (or VALUE)
// keyword of an INSERT … VALUES statement, outside parentheses, so that the
// row lists of several such statements can be joined into one.
func ValuesOffset(text string) (int, bool) {
	toks, err := lex(text)
	if err != nil {
		return 0, false
	}
	depth := 0
	for _, t := range toks {
		switch {
		case t.kind == tkPunct && t.text == "(":
			depth++
		case t.kind == tkPunct && t.text == ")":
			depth--
		case depth == 0 && (isWord(t, "VALUES") || isWord(t, "VALUE")):
			return t.off + len(t.text), true
		}
	}
	return 0, false
}

// toTopLevelComma moves to the next comma outside parentheses (or the end)
// and returns its offset: where a SET-style value ends.
func (p *ownParser) toTopLevelComma() int {
	depth := 0
	for ; p.pos < len(p.toks); p.pos++ {
		tk := p.toks[p.pos]
		if tk.kind != tkPunct {
			continue
		}
		switch {
		case tk.text == "(":
			depth++
		case tk.text == ")":
			depth--
		case tk.text == "," && depth == 0:
			return tk.off
		}
	}
	return len(p.src)
}
