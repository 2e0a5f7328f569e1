// Package sqllogic runs sqllogictest scripts against GenevaSQL: our own
// behaviour tests under testdata/ and, when present, the MySQL-flavoured
// SQLite corpus in ../shared/sqllogictest.
//
// The format is SQLite's: records separated by blank lines, each optionally
// preceded by "skipif ENGINE" / "onlyif ENGINE" lines:
//
//	statement ok|error [PATTERN]
//	SQL…
//
//	query TYPES SORTMODE [LABEL]
//	SQL…
//	----
//	expected values
//
// plus "hash-threshold N" and "halt". Two extensions for our own files: a
// regexp after "statement error" / "query error" must match the error text,
// and expected query results may be written one row per line with the
// values separated by single spaces instead of one value per line.
package sqllogic

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Kind is the kind of a record.
type Kind int

const (
	// KindStatement runs SQL and checks only success or failure.
	KindStatement Kind = iota
	// KindQuery runs SQL and compares the rows it returns.
	KindQuery
	// KindHalt stops the script (usually guarded by onlyif).
	KindHalt
	// KindHashThreshold changes the threshold above which results are hashed.
	KindHashThreshold
)

func (k Kind) String() string {
	switch k {
	case KindStatement:
		return "statement"
	case KindQuery:
		return "query"
	case KindHalt:
		return "halt"
	case KindHashThreshold:
		return "hash-threshold"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// SortMode says how query results are ordered before comparison.
type SortMode string

const (
	NoSort    SortMode = "nosort"
	RowSort   SortMode = "rowsort"
	ValueSort SortMode = "valuesort"
)

// Condition is one skipif/onlyif line.
type Condition struct {
	Only   bool // onlyif (else skipif)
	Engine string
}

// Record is one statement, query or control line of a script.
type Record struct {
	Kind Kind
	// Line is the 1-based line of the record's header ("statement ok", "query …").
	Line       int
	Conditions []Condition

	SQL          string
	ExpectError  bool
	ErrorPattern *regexp.Regexp // optional; matched against the error text

	// Query records.
	Types    string // one letter per column: I, R or T
	Sort     SortMode
	Label    string
	Expected []string // expected result lines, as written
	// HashCount and Hash are set when the result is "N values hashing to H".
	HashCount int
	Hash      string

	// Threshold is the value of a hash-threshold record.
	Threshold int
}

// IsHash reports whether the expected result is given as a hash.
func (r *Record) IsHash() bool { return r.Hash != "" }

// ShouldRun reports whether the record runs on an engine known by any of the
// names given. It follows the rules the MySQL results were generated with
// (dolthub's runner): a lone onlyif decides alone; otherwise onlyif lines are
// ignored and any matching skipif skips.
func (r *Record) ShouldRun(engines []string) bool {
	match := func(e string) bool {
		for _, n := range engines {
			if strings.EqualFold(n, e) {
				return true
			}
		}
		return false
	}
	if len(r.Conditions) == 1 && r.Conditions[0].Only {
		return match(r.Conditions[0].Engine)
	}
	for _, c := range r.Conditions {
		if !c.Only && match(c.Engine) {
			return false
		}
	}
	return true
}

var hashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

// ParseFile parses the script at path.
func ParseFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse parses a script; name is used in error messages.
func Parse(r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var (
		lines []string
	)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &parser{name: name, lines: lines}
	return p.parse()
}

type parser struct {
	name  string
	lines []string
	pos   int // index of the next line
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// stripComment removes a trailing "# comment" from a control line.
func stripComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func (p *parser) parse() ([]Record, error) {
	var recs []Record
	var conds []Condition
	for p.pos < len(p.lines) {
		raw := p.lines[p.pos]
		lineNo := p.pos + 1
		p.pos++
		if isBlank(raw) || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			continue
		}
		fields := strings.Fields(stripComment(raw))
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) < 2 {
				return nil, p.errorf(lineNo, "%s needs an engine name", fields[0])
			}
			conds = append(conds, Condition{Only: fields[0] == "onlyif", Engine: fields[1]})
			continue
		case "halt":
			recs = append(recs, Record{Kind: KindHalt, Line: lineNo, Conditions: conds})
		case "hash-threshold":
			if len(fields) != 2 {
				return nil, p.errorf(lineNo, "hash-threshold needs one number")
			}
			n, err := strconv.Atoi(fields[1])
			if err != nil || n < 0 {
				return nil, p.errorf(lineNo, "bad hash-threshold %q", fields[1])
			}
			recs = append(recs, Record{Kind: KindHashThreshold, Line: lineNo, Threshold: n, Conditions: conds})
		case "statement":
			rec, err := p.statement(raw, lineNo, conds)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		case "query":
			rec, err := p.query(raw, lineNo, conds)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		default:
			return nil, p.errorf(lineNo, "unknown record %q", fields[0])
		}
		conds = nil
	}
	if len(conds) > 0 {
		return nil, p.errorf(len(p.lines), "skipif/onlyif at end of file without a record")
	}
	return recs, nil
}

// errorPattern compiles the optional text after "statement error".
func (p *parser) errorPattern(rest string, lineNo int) (*regexp.Regexp, error) {
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return nil, nil
	}
	re, err := regexp.Compile(rest)
	if err != nil {
		return nil, p.errorf(lineNo, "bad error pattern: %v", err)
	}
	return re, nil
}

func (p *parser) statement(raw string, lineNo int, conds []Condition) (Record, error) {
	rec := Record{Kind: KindStatement, Line: lineNo, Conditions: conds}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "statement"))
	switch {
	case rest == "ok" || strings.HasPrefix(rest, "ok ") || strings.HasPrefix(rest, "ok#"):
	case rest == "error" || strings.HasPrefix(rest, "error "):
		rec.ExpectError = true
		re, err := p.errorPattern(strings.TrimPrefix(rest, "error"), lineNo)
		if err != nil {
			return rec, err
		}
		rec.ErrorPattern = re
	default:
		return rec, p.errorf(lineNo, "statement must be followed by ok or error, got %q", rest)
	}
	var sql []string
	for p.pos < len(p.lines) && !isBlank(p.lines[p.pos]) {
		sql = append(sql, p.lines[p.pos])
		p.pos++
	}
	if len(sql) == 0 {
		return rec, p.errorf(lineNo, "statement without SQL")
	}
	rec.SQL = strings.Join(sql, "\n")
	return rec, nil
}

func (p *parser) query(raw string, lineNo int, conds []Condition) (Record, error) {
	rec := Record{Kind: KindQuery, Line: lineNo, Conditions: conds, Sort: NoSort}
	fields := strings.Fields(raw)
	if len(fields) < 2 {
		return rec, p.errorf(lineNo, "query needs column types")
	}
	if fields[1] == "error" {
		rec.ExpectError = true
		re, err := p.errorPattern(strings.SplitN(strings.TrimSpace(raw), "error", 2)[1], lineNo)
		if err != nil {
			return rec, err
		}
		rec.ErrorPattern = re
	} else {
		rec.Types = fields[1]
		for _, c := range rec.Types {
			if c != 'I' && c != 'R' && c != 'T' {
				return rec, p.errorf(lineNo, "bad column type %q in %q (want I, R or T)", c, rec.Types)
			}
		}
		if len(fields) > 2 {
			switch m := SortMode(fields[2]); m {
			case NoSort, RowSort, ValueSort:
				rec.Sort = m
			default:
				return rec, p.errorf(lineNo, "unknown sort mode %q", fields[2])
			}
		}
		if len(fields) > 3 {
			rec.Label = fields[3]
		}
	}
	var sql []string
	sep := false
	for p.pos < len(p.lines) && !isBlank(p.lines[p.pos]) {
		l := p.lines[p.pos]
		p.pos++
		if strings.TrimSpace(l) == "----" {
			sep = true
			break
		}
		sql = append(sql, l)
	}
	if len(sql) == 0 {
		return rec, p.errorf(lineNo, "query without SQL")
	}
	rec.SQL = strings.Join(sql, "\n")
	if !sep {
		return rec, nil
	}
	if rec.ExpectError {
		return rec, p.errorf(lineNo, "query error cannot have expected results")
	}
	for p.pos < len(p.lines) && !isBlank(p.lines[p.pos]) {
		rec.Expected = append(rec.Expected, p.lines[p.pos])
		p.pos++
	}
	if len(rec.Expected) == 1 {
		if m := hashLine.FindStringSubmatch(strings.TrimSpace(rec.Expected[0])); m != nil {
			rec.HashCount, _ = strconv.Atoi(m[1])
			rec.Hash = m[2]
		}
	}
	return rec, nil
}
