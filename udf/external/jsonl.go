package external

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/udf"
)

// maxLine bounds one answer line, so that a program printing without
// newlines cannot make us buffer forever.
const maxLine = 256 << 20

// jsonSupported reports the types the jsonl protocol can carry.
func jsonSupported(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.DATE32, arrow.TIMESTAMP,
		arrow.DECIMAL128, arrow.NULL:
		return true
	case arrow.FIXED_SIZE_LIST, arrow.LIST:
		l := dt.(arrow.ListLikeType)
		return l.Elem().ID() == arrow.FLOAT32 || l.Elem().ID() == arrow.FLOAT64
	}
	return false
}

type jsonlSession struct {
	p    *proc
	spec *Spec
	ch   chan answer
	done chan struct{}
	buf  []byte
	encs []func(b []byte, row int) []byte
}

func newJSONLSession(p *proc, s *Spec) *jsonlSession {
	js := &jsonlSession{p: p, spec: s, ch: make(chan answer), done: make(chan struct{})}
	go js.read()
	return js
}

func (s *jsonlSession) answers() <-chan answer { return s.ch }

func (s *jsonlSession) read() {
	defer close(s.done)
	give := func(a answer) bool {
		select {
		case s.ch <- a:
			return true
		case <-s.p.quit:
			return false
		}
	}
	br := bufio.NewReaderSize(s.p.stdout, 64<<10)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(line) > maxLine {
				give(answer{err: fmt.Errorf("an answer line is longer than %d MiB", maxLine>>20)})
				return
			}
			continue
		}
		if err != nil {
			if len(bytes.TrimSpace(line)) > 0 && errors.Is(err, io.EOF) {
				// A last line without its newline: still an answer.
				if !give(answer{line: line}) {
					return
				}
			}
			give(answer{err: err})
			return
		}
		if len(bytes.TrimSpace(line)) == 0 {
			line = line[:0]
			continue
		}
		if !give(answer{line: line}) {
			return
		}
		line = nil
	}
}

func (s *jsonlSession) send(_ memory.Allocator, batch int64, args []arrow.Array, n int) error {
	encs := make([]func([]byte, int) []byte, len(args))
	for i, a := range args {
		e, err := jsonEncoder(a)
		if err != nil {
			return err
		}
		encs[i] = e
	}
	b := s.buf[:0]
	b = append(b, `{"batch": `...)
	b = strconv.AppendInt(b, batch, 10)
	b = append(b, `, "rows": [`...)
	for r := 0; r < n; r++ {
		if r > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '[')
		for i, a := range args {
			if i > 0 {
				b = append(b, ", "...)
			}
			if a.IsNull(r) {
				b = append(b, "null"...)
			} else {
				b = encs[i](b, r)
			}
		}
		b = append(b, ']')
	}
	b = append(b, "]}\n"...)
	s.buf = b
	_, err := s.p.stdin.Write(b)
	return err
}

func (s *jsonlSession) finish() {}

func (s *jsonlSession) wait() {
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
	}
}

// jsonAnswer is one answer line.
type jsonAnswer struct {
	Batch   *int64             `json:"batch"`
	Results *[]json.RawMessage `json:"results"`
	Errors  []struct {
		Row     *int   `json:"row"`
		Message string `json:"message"`
	} `json:"errors"`
	Error *string `json:"error"`
}

func (s *jsonlSession) decode(mem memory.Allocator, a answer, batch int64, n int) (arrow.Array, []udf.RowError, string, error) {
	var ans jsonAnswer
	if err := json.Unmarshal(a.line, &ans); err != nil {
		return nil, nil, "", fmt.Errorf("the program answered a line that is not a JSON answer (%v): %s", err, snippet(a.line))
	}
	if ans.Batch == nil {
		return nil, nil, "", fmt.Errorf(`the program's answer has no "batch": %s`, snippet(a.line))
	}
	if *ans.Batch != batch {
		return nil, nil, "", fmt.Errorf("the program answered batch %d, expected batch %d", *ans.Batch, batch)
	}
	if ans.Error != nil {
		return nil, nil, *ans.Error, nil
	}
	if ans.Results == nil {
		return nil, nil, "", fmt.Errorf(`the program's answer has neither "results" nor "error": %s`, snippet(a.line))
	}
	res := *ans.Results
	if len(res) != n {
		return nil, nil, "", fmt.Errorf("the program answered %d results for a batch of %d rows", len(res), n)
	}
	failed := make(map[int]bool, len(ans.Errors))
	var rows []udf.RowError
	for _, e := range ans.Errors {
		if e.Row == nil || *e.Row < 0 || *e.Row >= n {
			return nil, nil, "", fmt.Errorf("the program reported an error for a row outside the batch: %s", snippet(a.line))
		}
		if !failed[*e.Row] {
			failed[*e.Row] = true
			rows = append(rows, udf.RowError{Row: *e.Row, Msg: e.Message})
		}
	}
	b := array.NewBuilder(mem, s.spec.Return)
	defer b.Release()
	b.Reserve(n)
	dec, err := jsonDecoder(b)
	if err != nil {
		return nil, nil, "", err
	}
	for r, raw := range res {
		if failed[r] || isJSONNull(raw) {
			b.AppendNull()
			continue
		}
		if err := dec(raw); err != nil {
			return nil, nil, "", fmt.Errorf("row %d: cannot read %s as %s: %v", r, snippet(raw), udf.TypeName(s.spec.Return), err)
		}
	}
	sortRows(rows)
	return b.NewArray(), rows, "", nil
}

func sortRows(rows []udf.RowError) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Row < rows[j-1].Row; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(s)
}

func isJSONNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// jsonEncoder returns an appender of a's non-null row r as JSON.
func jsonEncoder(a arrow.Array) (func(b []byte, r int) []byte, error) {
	switch arr := a.(type) {
	case *array.Boolean:
		return func(b []byte, r int) []byte { return strconv.AppendBool(b, arr.Value(r)) }, nil
	case *array.Int8:
		return func(b []byte, r int) []byte { return strconv.AppendInt(b, int64(arr.Value(r)), 10) }, nil
	case *array.Int16:
		return func(b []byte, r int) []byte { return strconv.AppendInt(b, int64(arr.Value(r)), 10) }, nil
	case *array.Int32:
		return func(b []byte, r int) []byte { return strconv.AppendInt(b, int64(arr.Value(r)), 10) }, nil
	case *array.Int64:
		return func(b []byte, r int) []byte { return strconv.AppendInt(b, arr.Value(r), 10) }, nil
	case *array.Uint8:
		return func(b []byte, r int) []byte { return strconv.AppendUint(b, uint64(arr.Value(r)), 10) }, nil
	case *array.Uint16:
		return func(b []byte, r int) []byte { return strconv.AppendUint(b, uint64(arr.Value(r)), 10) }, nil
	case *array.Uint32:
		return func(b []byte, r int) []byte { return strconv.AppendUint(b, uint64(arr.Value(r)), 10) }, nil
	case *array.Uint64:
		return func(b []byte, r int) []byte { return strconv.AppendUint(b, arr.Value(r), 10) }, nil
	case *array.Float32:
		return func(b []byte, r int) []byte { return appendFloat(b, float64(arr.Value(r)), 32) }, nil
	case *array.Float64:
		return func(b []byte, r int) []byte { return appendFloat(b, arr.Value(r), 64) }, nil
	case *array.String:
		return func(b []byte, r int) []byte { return appendJSONString(b, arr.Value(r)) }, nil
	case *array.LargeString:
		return func(b []byte, r int) []byte { return appendJSONString(b, arr.Value(r)) }, nil
	case *array.Binary:
		return func(b []byte, r int) []byte { return appendBase64(b, arr.Value(r)) }, nil
	case *array.LargeBinary:
		return func(b []byte, r int) []byte { return appendBase64(b, arr.Value(r)) }, nil
	case *array.Date32:
		return func(b []byte, r int) []byte {
			b = append(b, '"')
			b = arr.Value(r).ToTime().AppendFormat(b, time.DateOnly)
			return append(b, '"')
		}, nil
	case *array.Timestamp:
		tt := arr.DataType().(*arrow.TimestampType)
		layout := "2006-01-02T15:04:05.999999999"
		if tt.TimeZone != "" {
			layout += "Z07:00"
		}
		return func(b []byte, r int) []byte {
			b = append(b, '"')
			b = arr.Value(r).ToTime(tt.Unit).UTC().AppendFormat(b, layout)
			return append(b, '"')
		}, nil
	case *array.Decimal128:
		scale := arr.DataType().(*arrow.Decimal128Type).Scale
		return func(b []byte, r int) []byte { return append(b, arr.Value(r).ToString(scale)...) }, nil
	case *array.FixedSizeList:
		return listEncoder(arr, arr.ListValues(), arr.ValueOffsets)
	case *array.List:
		return listEncoder(arr, arr.ListValues(), arr.ValueOffsets)
	case *array.Null:
		return func(b []byte, r int) []byte { return append(b, "null"...) }, nil
	}
	return nil, fmt.Errorf("protocol 'jsonl' cannot send values of type %s", udf.TypeName(a.DataType()))
}

func listEncoder(_ arrow.Array, values arrow.Array, offsets func(int) (int64, int64)) (func(b []byte, r int) []byte, error) {
	var get func(i int64) float64
	var bits int
	switch v := values.(type) {
	case *array.Float32:
		get, bits = func(i int64) float64 { return float64(v.Value(int(i))) }, 32
	case *array.Float64:
		get, bits = func(i int64) float64 { return v.Value(int(i)) }, 64
	default:
		return nil, fmt.Errorf("protocol 'jsonl' cannot send lists of %s", udf.TypeName(values.DataType()))
	}
	return func(b []byte, r int) []byte {
		start, end := offsets(r)
		b = append(b, '[')
		for i := start; i < end; i++ {
			if i > start {
				b = append(b, ", "...)
			}
			if values.IsNull(int(i)) {
				b = append(b, "null"...)
			} else {
				b = appendFloat(b, get(i), bits)
			}
		}
		return append(b, ']')
	}, nil
}

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func appendBase64(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonDecoder returns a function appending one non-null JSON value to b.
func jsonDecoder(b array.Builder) (func(raw json.RawMessage) error, error) {
	str := func(raw json.RawMessage) (string, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("expected a JSON string")
		}
		return s, nil
	}
	integer := func(raw json.RawMessage, bits int, unsigned bool) (int64, uint64, error) {
		t := strings.TrimSpace(string(raw))
		if t == "true" || t == "false" {
			if t == "true" {
				return 1, 1, nil
			}
			return 0, 0, nil
		}
		if unsigned {
			u, err := strconv.ParseUint(t, 10, bits)
			if err == nil {
				return 0, u, nil
			}
		} else if i, err := strconv.ParseInt(t, 10, bits); err == nil {
			return i, 0, nil
		}
		// 3.0 is an integer too; 3.5 or 1e30 are not.
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return 0, 0, errors.New("expected an integer")
		}
		if f != math.Trunc(f) {
			return 0, 0, errors.New("expected an integer, got a fraction")
		}
		if unsigned {
			if f < 0 || f >= math.Ldexp(1, bits) {
				return 0, 0, errors.New("out of range")
			}
			return 0, uint64(f), nil
		}
		if f < -math.Ldexp(1, bits-1) || f >= math.Ldexp(1, bits-1) {
			return 0, 0, errors.New("out of range")
		}
		return int64(f), 0, nil
	}
	float := func(raw json.RawMessage, bits int) (float64, error) {
		t := strings.TrimSpace(string(raw))
		if len(t) > 0 && t[0] == '"' {
			s, err := str(raw)
			if err != nil {
				return 0, err
			}
			switch s {
			case "NaN":
				return math.NaN(), nil
			case "Infinity", "inf":
				return math.Inf(1), nil
			case "-Infinity", "-inf":
				return math.Inf(-1), nil
			}
			return 0, errors.New("expected a number")
		}
		f, err := strconv.ParseFloat(t, bits)
		if err != nil {
			return 0, errors.New("expected a number")
		}
		return f, nil
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		return func(raw json.RawMessage) error {
			i, _, err := integer(raw, 64, false)
			if err != nil {
				return errors.New("expected true or false")
			}
			bb.Append(i != 0)
			return nil
		}, nil
	case *array.Int8Builder:
		return func(raw json.RawMessage) error {
			i, _, err := integer(raw, 8, false)
			bb.Append(int8(i))
			return err
		}, nil
	case *array.Int16Builder:
		return func(raw json.RawMessage) error {
			i, _, err := integer(raw, 16, false)
			bb.Append(int16(i))
			return err
		}, nil
	case *array.Int32Builder:
		return func(raw json.RawMessage) error {
			i, _, err := integer(raw, 32, false)
			bb.Append(int32(i))
			return err
		}, nil
	case *array.Int64Builder:
		return func(raw json.RawMessage) error {
			i, _, err := integer(raw, 64, false)
			bb.Append(i)
			return err
		}, nil
	case *array.Uint8Builder:
		return func(raw json.RawMessage) error {
			_, u, err := integer(raw, 8, true)
			bb.Append(uint8(u))
			return err
		}, nil
	case *array.Uint16Builder:
		return func(raw json.RawMessage) error {
			_, u, err := integer(raw, 16, true)
			bb.Append(uint16(u))
			return err
		}, nil
	case *array.Uint32Builder:
		return func(raw json.RawMessage) error {
			_, u, err := integer(raw, 32, true)
			bb.Append(uint32(u))
			return err
		}, nil
	case *array.Uint64Builder:
		return func(raw json.RawMessage) error {
			_, u, err := integer(raw, 64, true)
			bb.Append(u)
			return err
		}, nil
	case *array.Float32Builder:
		return func(raw json.RawMessage) error {
			f, err := float(raw, 32)
			bb.Append(float32(f))
			return err
		}, nil
	case *array.Float64Builder:
		return func(raw json.RawMessage) error {
			f, err := float(raw, 64)
			bb.Append(f)
			return err
		}, nil
	case *array.StringBuilder:
		return func(raw json.RawMessage) error {
			s, err := str(raw)
			bb.Append(s)
			return err
		}, nil
	case *array.LargeStringBuilder:
		return func(raw json.RawMessage) error {
			s, err := str(raw)
			bb.Append(s)
			return err
		}, nil
	case *array.BinaryBuilder:
		return func(raw json.RawMessage) error {
			s, err := str(raw)
			if err != nil {
				bb.AppendNull()
				return errors.New("expected a base64 string")
			}
			v, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				bb.AppendNull()
				return errors.New("expected base64")
			}
			bb.Append(v)
			return nil
		}, nil
	case *array.Date32Builder:
		return func(raw json.RawMessage) error {
			s, err := str(raw)
			if err == nil {
				var t time.Time
				if t, err = time.Parse(time.DateOnly, s); err == nil {
					bb.Append(arrow.Date32FromTime(t))
					return nil
				}
			}
			bb.AppendNull()
			return errors.New(`expected a date "YYYY-MM-DD"`)
		}, nil
	case *array.TimestampBuilder:
		unit := bb.Type().(*arrow.TimestampType).Unit
		return func(raw json.RawMessage) error {
			s, err := str(raw)
			if err == nil {
				for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", time.DateOnly} {
					if t, perr := time.Parse(layout, s); perr == nil {
						ts, terr := arrow.TimestampFromTime(t, unit)
						if terr != nil {
							break
						}
						bb.Append(ts)
						return nil
					}
				}
			}
			bb.AppendNull()
			return errors.New(`expected a datetime "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]"`)
		}, nil
	case *array.Decimal128Builder:
		dt := bb.Type().(*arrow.Decimal128Type)
		return func(raw json.RawMessage) error {
			t := strings.TrimSpace(string(raw))
			if len(t) > 0 && t[0] == '"' {
				t, _ = str(raw)
			}
			v, err := decimal128.FromString(t, dt.Precision, dt.Scale)
			if err != nil {
				bb.AppendNull()
				return errors.New("expected a decimal number that fits")
			}
			bb.Append(v)
			return nil
		}, nil
	case *array.FixedSizeListBuilder:
		n := int(bb.Type().(*arrow.FixedSizeListType).Len())
		return listDecoder(bb, bb.ValueBuilder(), n, float)
	case *array.ListBuilder:
		return listDecoder(bb, bb.ValueBuilder(), -1, float)
	case *array.NullBuilder:
		return func(raw json.RawMessage) error {
			bb.AppendNull()
			return errors.New("expected null")
		}, nil
	}
	return nil, fmt.Errorf("protocol 'jsonl' cannot return values of type %s", udf.TypeName(b.Type()))
}

type appender interface{ Append(bool) }

func listDecoder(lb appender, vb array.Builder, n int, float func(json.RawMessage, int) (float64, error)) (func(json.RawMessage) error, error) {
	var put func(f float64)
	bits := 64
	switch v := vb.(type) {
	case *array.Float32Builder:
		put, bits = func(f float64) { v.Append(float32(f)) }, 32
	case *array.Float64Builder:
		put = v.Append
	default:
		return nil, fmt.Errorf("protocol 'jsonl' cannot return lists of %s", udf.TypeName(vb.Type()))
	}
	var elems []json.RawMessage
	var vals []float64
	nullList := func() {
		// A null fixed-size list still needs its n (null) child slots, which
		// the builder's AppendNull provides.
		if nb, ok := lb.(interface{ AppendNull() }); ok {
			nb.AppendNull()
		}
	}
	return func(raw json.RawMessage) error {
		elems = elems[:0]
		if err := json.Unmarshal(raw, &elems); err != nil {
			nullList()
			return errors.New("expected a JSON array of numbers")
		}
		if n >= 0 && len(elems) != n {
			nullList()
			return fmt.Errorf("expected %d numbers, got %d", n, len(elems))
		}
		vals = vals[:0]
		for _, e := range elems {
			f, err := float(e, bits)
			if err != nil {
				nullList()
				return errors.New("expected a JSON array of numbers")
			}
			vals = append(vals, f)
		}
		lb.Append(true)
		for _, f := range vals {
			put(f)
		}
		return nil
	}, nil
}
