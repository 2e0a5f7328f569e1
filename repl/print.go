package repl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql"
)

// DefaultTableBuffer is how many rows the table format holds to size its
// columns before it starts printing. Later rows are printed with the same
// widths (a longer value widens only its own line).
const DefaultTableBuffer = 5000

// Printer writes statement results to Out in one Format. It streams: CSV,
// TSV and JSON hold one batch at a time; tables hold up to TableBuffer rows.
type Printer struct {
	Out    io.Writer
	Format Format
	// Timing appends "(0.01 sec)" to the summary lines of the table format.
	Timing bool
	// TableBuffer overrides DefaultTableBuffer when > 0.
	TableBuffer int
}

// Print writes res and releases its reader. start is when the statement
// began, for the timing note. It returns the error of the reader, if any.
func (p *Printer) Print(res *genevasql.Result, start time.Time) error {
	w := bufio.NewWriterSize(p.Out, 64<<10)
	defer w.Flush()
	if res == nil {
		res = &genevasql.Result{}
	}
	if res.Reader == nil {
		if p.Format == FormatTable {
			p.printOK(w, res, start)
		}
		return nil
	}
	rdr := res.Reader
	defer rdr.Release()
	var (
		n   int64
		err error
	)
	switch p.Format {
	case FormatCSV:
		n, err = writeDelimited(w, rdr, csvCell, ',', "")
	case FormatTSV:
		n, err = writeDelimited(w, rdr, tsvCell, '\t', "NULL")
	case FormatJSON:
		n, err = writeJSON(w, rdr)
	default:
		limit := p.TableBuffer
		if limit <= 0 {
			limit = DefaultTableBuffer
		}
		n, err = writeTable(w, rdr, limit)
	}
	if err != nil {
		return err
	}
	if p.Format == FormatTable {
		switch n {
		case 0:
			fmt.Fprintf(w, "Empty set%s\n", p.elapsed(start))
		case 1:
			fmt.Fprintf(w, "1 row in set%s\n", p.elapsed(start))
		default:
			fmt.Fprintf(w, "%d rows in set%s\n", n, p.elapsed(start))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func (p *Printer) printOK(w io.Writer, res *genevasql.Result, start time.Time) {
	rows := "rows"
	if res.RowsAffected == 1 {
		rows = "row"
	}
	fmt.Fprintf(w, "Query OK, %d %s affected%s\n", res.RowsAffected, rows, p.elapsed(start))
	if m := strings.TrimSpace(res.Message); m != "" && !strings.EqualFold(m, "Query OK") {
		fmt.Fprintln(w, m)
	}
	fmt.Fprintln(w)
}

func (p *Printer) elapsed(start time.Time) string {
	if !p.Timing || start.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (%.2f sec)", time.Since(start).Seconds())
}

// cellFns builds the per-column renderers of one record.
func cellFns(rec arrow.RecordBatch) []textFn {
	fns := make([]textFn, rec.NumCols())
	for c := range fns {
		fns[c] = textFormatter(rec.Column(c))
	}
	return fns
}

// writeTable prints an aligned table, sizing columns from the first limit
// rows. Rows beyond limit stream out with those widths.
func writeTable(w *bufio.Writer, rdr array.RecordReader, limit int) (int64, error) {
	schema := rdr.Schema()
	ncol := schema.NumFields()
	widths := make([]int, ncol)
	right := make([]bool, ncol)
	for c, f := range schema.Fields() {
		widths[c] = cellWidth(f.Name)
		right[c] = isNumeric(f.Type)
	}
	var (
		held    [][]string // rendered rows waiting for the widths
		n       int64
		started bool
	)
	line := func() {
		w.WriteByte('+')
		for _, wd := range widths {
			w.WriteString(strings.Repeat("-", wd+2))
			w.WriteByte('+')
		}
		w.WriteByte('\n')
	}
	row := func(cells []string, header bool) {
		// A cell with line breaks (an EXPLAIN plan) spans several lines.
		height := 1
		for _, s := range cells {
			if n := strings.Count(s, "\n") + 1; n > height {
				height = n
			}
		}
		rest := cells
		if height > 1 {
			rest = append([]string(nil), cells...)
		}
		for ln := 0; ln < height; ln++ {
			w.WriteByte('|')
			for c := range rest {
				s := rest[c]
				if height > 1 {
					s, rest[c], _ = strings.Cut(rest[c], "\n")
				}
				pad := widths[c] - utf8.RuneCountInString(s)
				if pad < 0 {
					pad = 0
				}
				w.WriteByte(' ')
				if right[c] && !header {
					w.WriteString(strings.Repeat(" ", pad))
					w.WriteString(s)
				} else {
					w.WriteString(s)
					w.WriteString(strings.Repeat(" ", pad))
				}
				w.WriteString(" |")
			}
			w.WriteByte('\n')
		}
	}
	start := func() {
		started = true
		line()
		names := make([]string, ncol)
		for c, f := range schema.Fields() {
			names[c] = f.Name
		}
		row(names, true)
		line()
		for i := range held {
			row(held[i], false)
		}
		held = nil
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		fns := cellFns(rec)
		for r := 0; r < int(rec.NumRows()); r++ {
			cells := make([]string, ncol)
			for c := 0; c < ncol; c++ {
				if rec.Column(c).IsNull(r) {
					cells[c] = "NULL" // right-aligned in numeric columns, as mysql does
				} else {
					cells[c] = sanitizeCell(fns[c](r))
				}
			}
			n++
			if started {
				row(cells, false)
				continue
			}
			for c, s := range cells {
				if l := cellWidth(s); l > widths[c] {
					widths[c] = l
				}
			}
			held = append(held, cells)
			if len(held) >= limit {
				start()
			}
		}
		if started {
			if err := w.Flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rdr.Err(); err != nil {
		// Rows printed so far stay printed; close the table so it stays readable.
		if started {
			line()
		}
		return n, err
	}
	if n == 0 {
		return 0, nil
	}
	if !started {
		start()
	}
	line()
	return n, nil
}

// sanitizeCell keeps the table's grid intact: tabs become spaces, and
// carriage returns and NULs become visible escapes. Line feeds stay; the
// row then spans several lines.
func sanitizeCell(s string) string {
	if !strings.ContainsAny(s, "\r\t\x00") {
		return s
	}
	return cellReplacer.Replace(s)
}

var cellReplacer = strings.NewReplacer("\r\n", "\n", "\r", `\r`, "\t", "    ", "\x00", `\0`)

// cellWidth is the width of a cell's widest line.
func cellWidth(s string) int {
	w := 0
	for {
		line, rest, more := strings.Cut(s, "\n")
		if n := utf8.RuneCountInString(line); n > w {
			w = n
		}
		if !more {
			return w
		}
		s = rest
	}
}

// csvCell appends v as a CSV field: quoted when it holds a separator,
// quote or line break, starts or ends with a space, or is empty (so that an
// empty string differs from NULL, which is an empty unquoted field).
func csvCell(b, v []byte) []byte {
	if len(v) > 0 && v[0] != ' ' && v[len(v)-1] != ' ' && !bytes.ContainsAny(v, ",\"\r\n") {
		return append(b, v...)
	}
	b = append(b, '"')
	for _, c := range v {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// tsvCell appends v escaped as mysql --batch does.
func tsvCell(b, v []byte) []byte {
	for _, c := range v {
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}

// writeDelimited prints a header and one line per row; null is the text of
// NULL (written unescaped). Cells are appended to one reused line buffer.
func writeDelimited(w *bufio.Writer, rdr array.RecordReader, cell func(b, v []byte) []byte, sep byte, null string) (int64, error) {
	var line, val []byte
	for c, f := range rdr.Schema().Fields() {
		if c > 0 {
			line = append(line, sep)
		}
		line = cell(line, []byte(f.Name))
	}
	line = append(line, '\n')
	w.Write(line)
	var (
		n    int64
		apps []appendFn
	)
	for rdr.Next() {
		rec := rdr.RecordBatch()
		ncol := int(rec.NumCols())
		apps = apps[:0]
		for c := 0; c < ncol; c++ {
			apps = append(apps, textAppender(rec.Column(c)))
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			line = line[:0]
			for c, app := range apps {
				if c > 0 {
					line = append(line, sep)
				}
				if rec.Column(c).IsNull(r) {
					line = append(line, null...)
				} else {
					val = app(val[:0], r)
					line = cell(line, val)
				}
			}
			line = append(line, '\n')
			w.Write(line)
		}
		n += rec.NumRows()
		if err := w.Flush(); err != nil {
			return n, err
		}
	}
	return n, rdr.Err()
}

// writeJSON prints one JSON array of row objects, one row per line.
func writeJSON(w *bufio.Writer, rdr array.RecordReader) (int64, error) {
	fields := rdr.Schema().Fields()
	keys := make([][]byte, len(fields))
	for c, f := range fields {
		keys[c] = append(appendJSONString(nil, f.Name), ':')
	}
	w.WriteString("[")
	var (
		n   int64
		buf []byte
	)
	for rdr.Next() {
		rec := rdr.RecordBatch()
		fns := make([]appendJSONFn, rec.NumCols())
		for c := range fns {
			if isJSONField(fields[c]) {
				fns[c] = rawJSONFormatter(rec.Column(c))
			} else {
				fns[c] = jsonFormatter(rec.Column(c))
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			buf = buf[:0]
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, "\n{"...)
			for c, fn := range fns {
				if c > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, keys[c]...)
				if rec.Column(c).IsNull(r) {
					buf = append(buf, "null"...)
				} else {
					buf = fn(buf, r)
				}
			}
			buf = append(buf, '}')
			w.Write(buf)
			n++
		}
		if err := w.Flush(); err != nil {
			return n, err
		}
	}
	if err := rdr.Err(); err != nil {
		// Close the array so that what was printed still parses.
		w.WriteString("\n]\n")
		return n, err
	}
	if n > 0 {
		w.WriteString("\n")
	}
	w.WriteString("]\n")
	return n, nil
}
