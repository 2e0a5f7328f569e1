// Package parser turns SQL text into statements: it splits scripts, parses the
// MySQL dialect with TiDB's parser, and parses GenevaSQL's own statements
// (materialized views, functions, backfill, jobs) with a small front parser.
package parser

import (
	"strings"

	"github.com/genevasql/genevasql/sqlerr"
)

// Statement is one statement of a script.
type Statement struct {
	// Text is the statement without its terminating semicolon.
	Text string
	// Offset is the byte offset of Text in the script; Line and Column (1-based)
	// are where Text starts.
	Offset, Line, Column int
}

// Split cuts script into statements at top-level semicolons. Semicolons inside
// quotes ('…', "…", `…`) and comments (-- …, # …, /* … */) do not count.
// Empty statements are dropped. An unterminated quote or comment is an error
// positioned where it starts.
func Split(script string) ([]Statement, error) {
	var out []Statement
	start := 0
	emit := func(end int) {
		text := script[start:end]
		trimmed := strings.TrimLeft(text, " \t\r\n")
		off := start + (len(text) - len(trimmed))
		trimmed = strings.TrimRight(trimmed, " \t\r\n")
		if onlyComments(trimmed) {
			return
		}
		line, col := Position(script, off)
		out = append(out, Statement{Text: trimmed, Offset: off, Line: line, Column: col})
	}
	i := 0
	for i < len(script) {
		c := script[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j, ok := skipQuoted(script, i)
			if !ok {
				line, col := Position(script, i)
				return nil, sqlerr.New(sqlerr.ErrParse, "unterminated quoted string starting with %c", c).At(line, col)
			}
			i = j
		case c == '-' && strings.HasPrefix(script[i:], "--") && (i+2 == len(script) || isSpace(script[i+2])):
			i = skipLine(script, i)
		case c == '#':
			i = skipLine(script, i)
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			j := strings.Index(script[i+2:], "*/")
			if j < 0 {
				line, col := Position(script, i)
				return nil, sqlerr.New(sqlerr.ErrParse, "unterminated comment").At(line, col)
			}
			i += j + 4
		case c == ';' && openTriggerBody(script[start:i]):
			i++ // inside a trigger's BEGIN … END
		case c == ';':
			emit(i)
			i++
			start = i
		default:
			i++
		}
	}
	emit(len(script))
	return out, nil
}

// skipQuoted returns the index after the quoted token starting at i.
// Doubled quotes and (outside backticks) backslash escapes stay inside.
func skipQuoted(s string, i int) (int, bool) {
	q := s[i]
	j := i + 1
	for j < len(s) {
		switch {
		case s[j] == '\\' && q != '`':
			j += 2
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1, true
		default:
			j++
		}
	}
	return j, false
}

func skipLine(s string, i int) int {
	j := strings.IndexByte(s[i:], '\n')
	if j < 0 {
		return len(s)
	}
	return i + j + 1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// onlyComments reports whether s holds nothing but white space and comments.
func onlyComments(s string) bool {
	i := 0
	for i < len(s) {
		switch {
		case isSpace(s[i]):
			i++
		case s[i] == '#' || strings.HasPrefix(s[i:], "-- ") || s[i:] == "--" || strings.HasPrefix(s[i:], "--\n") || strings.HasPrefix(s[i:], "--\t"):
			i = skipLine(s, i)
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return false
			}
			i += j + 4
		default:
			return false
		}
	}
	return true
}

// Position converts a byte offset in s to a 1-based line and column (columns
// count characters, not bytes).
func Position(s string, off int) (line, col int) {
	if off > len(s) {
		off = len(s)
	}
	line = 1 + strings.Count(s[:off], "\n")
	lineStart := strings.LastIndexByte(s[:off], '\n') + 1
	col = 1 + len([]rune(s[lineStart:off]))
	return line, col
}
