package functions

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/genevasql/genevasql/sqlerr"
)

// JSON values are utf8 arrays holding JSON text. Results are written the way
// MySQL prints JSON: ", " and ": " separators, object keys sorted by length
// then bytes.

func parseJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, sqlerr.New(sqlerr.ErrWrongArguments, "The document root must not be followed by other values")
	}
	return v, nil
}

func invalidJSON(fn string, err error) error {
	return sqlerr.New(3141, "Invalid JSON text in argument 1 to function %s: %v", fn, err)
}

// WriteJSON serializes v in MySQL's canonical style.
func WriteJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(x))
	case float64:
		b.Write(appendFloat(nil, x, 64))
	case string:
		enc, _ := json.Marshal(x)
		b.Write(enc)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			WriteJSON(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			enc, _ := json.Marshal(k)
			b.Write(enc)
			b.WriteString(": ")
			WriteJSON(b, x[k])
		}
		b.WriteByte('}')
	case rawJSON:
		b.WriteString(string(x))
	}
}

type rawJSON string

func jsonText(v any) string {
	var b bytes.Buffer
	WriteJSON(&b, v)
	return b.String()
}

// pathStep is one step of a JSON path: a key, an index, or a wildcard.
type pathStep struct {
	key   string
	index int
	kind  int // 0 key, 1 index, 2 any key (.*), 3 any index ([*]), 4 last index ([last])
}

// ParseJSONPath parses MySQL JSON paths like $.a.b[0], $."key with space",
// $[*], $.*, $[last].
func ParseJSONPath(p string) ([]pathStep, error) {
	bad := func() ([]pathStep, error) {
		return nil, sqlerr.New(3143, "Invalid JSON path expression '%s'", p)
	}
	s := strings.TrimSpace(p)
	if !strings.HasPrefix(s, "$") {
		return bad()
	}
	s = s[1:]
	var steps []pathStep
	for len(s) > 0 {
		switch s[0] {
		case ' ':
			s = s[1:]
		case '.':
			s = s[1:]
			if strings.HasPrefix(s, "*") {
				steps = append(steps, pathStep{kind: 2})
				s = s[1:]
				continue
			}
			if strings.HasPrefix(s, `"`) {
				end := 1
				for end < len(s) && s[end] != '"' {
					if s[end] == '\\' {
						end++
					}
					end++
				}
				if end >= len(s) {
					return bad()
				}
				k, err := strconv.Unquote(s[:end+1])
				if err != nil {
					return bad()
				}
				steps = append(steps, pathStep{key: k})
				s = s[end+1:]
				continue
			}
			end := 0
			for end < len(s) && s[end] != '.' && s[end] != '[' && s[end] != ' ' {
				end++
			}
			if end == 0 {
				return bad()
			}
			steps = append(steps, pathStep{key: s[:end]})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return bad()
			}
			in := strings.TrimSpace(s[1:end])
			switch {
			case in == "*":
				steps = append(steps, pathStep{kind: 3})
			case in == "last":
				steps = append(steps, pathStep{kind: 4})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return bad()
				}
				steps = append(steps, pathStep{kind: 1, index: n})
			}
			s = s[end+1:]
		default:
			return bad()
		}
	}
	return steps, nil
}

func hasWildcard(steps []pathStep) bool {
	for _, s := range steps {
		if s.kind == 2 || s.kind == 3 {
			return true
		}
	}
	return false
}

// evalPath appends every value the path reaches in v.
func evalPath(v any, steps []pathStep, out []any) []any {
	if len(steps) == 0 {
		return append(out, v)
	}
	st, rest := steps[0], steps[1:]
	switch st.kind {
	case 0:
		if m, ok := v.(map[string]any); ok {
			if e, ok := m[st.key]; ok {
				return evalPath(e, rest, out)
			}
		}
	case 1, 4:
		if a, ok := v.([]any); ok {
			i := st.index
			if st.kind == 4 {
				i = len(a) - 1
			}
			if i >= 0 && i < len(a) {
				return evalPath(a[i], rest, out)
			}
		} else if (st.index == 0 || st.kind == 4) && v != nil {
			return evalPath(v, rest, out) // MySQL treats a scalar as a one-element array
		}
	case 2:
		if m, ok := v.(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = evalPath(m[k], rest, out)
			}
		}
	case 3:
		if a, ok := v.([]any); ok {
			for _, e := range a {
				out = evalPath(e, rest, out)
			}
		}
	}
	return out
}

// pathCache keeps the last parsed path (paths are nearly always constants).
type pathCache struct {
	text  string
	steps []pathStep
	err   error
	ok    bool
}

func (c *pathCache) get(p string) ([]pathStep, error) {
	if !c.ok || p != c.text {
		c.text, c.ok = p, true
		c.steps, c.err = ParseJSONPath(p)
	}
	return c.steps, c.err
}

func jsonExtractKernel(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
	doc := StringsOf(a[0])
	paths := make([]StringView, len(a)-1)
	caches := make([]pathCache, len(a)-1)
	for k := range paths {
		paths[k] = StringsOf(a[k+1])
	}
	var ferr error
	res := StringKernel(ec, a, n, func(i int) (string, bool) {
		if ferr != nil {
			return "", false
		}
		v, err := parseJSON(doc.Get(i))
		if err != nil {
			ferr = invalidJSON("json_extract", err)
			return "", false
		}
		var found []any
		wrap := len(paths) > 1
		for k := range paths {
			steps, err := caches[k].get(paths[k].Get(i))
			if err != nil {
				ferr = err
				return "", false
			}
			wrap = wrap || hasWildcard(steps)
			found = evalPath(v, steps, found)
		}
		if len(found) == 0 {
			return "", false
		}
		if !wrap {
			return jsonText(found[0]), true
		}
		return jsonText(found), true
	})
	if ferr != nil {
		res.Release()
		return nil, ferr
	}
	return res, nil
}

// JSONUnquote removes JSON string quoting ('"a\nb"' → a<newline>b); other
// text is returned unchanged.
func JSONUnquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var out string
		if err := json.Unmarshal([]byte(s), &out); err == nil {
			return out
		}
	}
	return s
}

// jsonValueResolver keeps each value argument's canonical type so that
// numbers stay numbers and strings become JSON strings.
func jsonBuildResolver(name string, object bool) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if object && len(args)%2 != 0 {
			return nil, ErrWrongArgCount(name)
		}
		want := jsonValueTypes(args, func(i int) bool { return !object || i%2 == 1 })
		return bound(name, want, Utf8, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			var b bytes.Buffer
			valid := make([]Validity, len(a))
			for j := range a {
				valid[j] = ValidityOf(a[j])
			}
			var ferr error
			res := StringKernel(ec, nil, n, func(i int) (string, bool) {
				b.Reset()
				if object {
					m := make(map[string]any, len(a)/2)
					for j := 0; j < len(a); j += 2 {
						if !valid[j].Valid(i) {
							ferr = sqlerr.New(3158, "JSON documents may not contain NULL member names.")
							return "", false
						}
						m[StringsOf(a[j]).Get(i)] = jsonScalar(a[j+1], valid[j+1], i)
					}
					WriteJSON(&b, m)
				} else {
					arr := make([]any, len(a))
					for j := range a {
						arr[j] = jsonScalar(a[j], valid[j], i)
					}
					WriteJSON(&b, arr)
				}
				return b.String(), true
			})
			if ferr != nil {
				res.Release()
				return nil, ferr
			}
			return res, nil
		}), nil
	}
}

// jsonScalar converts row i of a to a JSON value.
func jsonScalar(a arrow.Array, v Validity, i int) any {
	if !v.Valid(i) {
		return nil
	}
	switch a.DataType().ID() {
	case arrow.BOOL:
		return BoolsOf(a).Get(i)
	case arrow.INT64:
		return json.Number(strconv.FormatInt(Values[int64](a)[i], 10))
	case arrow.UINT64:
		return json.Number(strconv.FormatUint(Values[uint64](a)[i], 10))
	case arrow.FLOAT64:
		return Values[float64](a)[i]
	case arrow.DECIMAL128:
		_, s := decimalPS(a.DataType())
		return json.Number(FormatDecimal(Values[decimal128.Num](a)[i], s))
	}
	if IsVector(a.DataType()) {
		vals, d := vectorData(a)
		return rawJSON(appendVector(nil, vals[i*d:(i+1)*d]))
	}
	if a.DataType().ID() == arrow.LARGE_STRING {
		// a JSON document (see json_doc): nested as a value, not a string
		if v, err := parseJSON(StringsOf(a).Get(i)); err == nil {
			return v
		}
	}
	return StringsOf(a).Get(i)
}

// JSONDocType marks an argument of a JSON function as a JSON document
// rather than text: the planner wraps JSON-valued arguments (JSON_OBJECT(…)
// inside JSON_ARRAY(…)) in json_doc, which returns this type.
var JSONDocType arrow.DataType = arrow.BinaryTypes.LargeString

func jsonTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return "INTEGER"
		}
		if _, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return "UNSIGNED INTEGER"
		}
		return "DOUBLE"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "OBJECT"
	}
	return "NULL"
}

func registerJSON(r *Registry) {
	r.Register(NewScalarEntry("json_extract", "JSON_EXTRACT(doc, path, ...): value(s) at MySQL JSON paths, NULL if none", Immutable,
		Overload{Args: s2, Variadic: Utf8, Return: Utf8, Kernel: jsonExtractKernel}))
	strFn(r, "json_unquote", "unquote a JSON string value", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) { return JSONUnquote(sv.Get(i)), true }
	})
	strFn(r, "json_quote", "quote a string as a JSON string", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) { return jsonText(sv.Get(i)), true }
	})
	r.Register(NewScalarEntry("json_valid", "whether the text is valid JSON", Immutable, Overload{Args: s1, Return: Bool,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv := StringsOf(a[0])
			out := NewBoolOut(ec.mem(), n)
			out.InheritNulls(a[0])
			v := ValidityOf(a[0])
			for i := 0; i < n; i++ {
				if v.Valid(i) {
					out.Set(i, json.Valid([]byte(sv.Get(i))))
				}
			}
			return out.Finish(), nil
		}}))
	lenK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		doc := StringsOf(a[0])
		var pv StringView
		var pc pathCache
		if len(a) > 1 {
			pv = StringsOf(a[1])
		}
		var ferr error
		res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
			v, err := parseJSON(doc.Get(i))
			if err != nil {
				ferr = invalidJSON("json_length", err)
				return 0, false
			}
			if len(a) > 1 {
				steps, err := pc.get(pv.Get(i))
				if err != nil {
					ferr = err
					return 0, false
				}
				found := evalPath(v, steps, nil)
				if len(found) == 0 {
					return 0, false
				}
				v = found[0]
			}
			switch x := v.(type) {
			case []any:
				return int64(len(x)), true
			case map[string]any:
				return int64(len(x)), true
			}
			return 1, true
		})
		if ferr != nil {
			res.Release()
			return nil, ferr
		}
		return res, nil
	}
	r.Register(NewScalarEntry("json_length", "number of elements (1 for scalars), optionally at a path", Immutable,
		Overload{Args: s1, Return: Int64, Kernel: lenK}, Overload{Args: s2, Return: Int64, Kernel: lenK}))
	strFn(r, "json_type", "type of a JSON value: OBJECT, ARRAY, INTEGER, DOUBLE, STRING, BOOLEAN, NULL", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) {
			v, err := parseJSON(sv.Get(i))
			if err != nil {
				ec.warn(3141, "Invalid JSON text in argument 1 to function json_type")
				return "", false
			}
			return jsonTypeName(v), true
		}
	})
	strFn(r, "json_keys", "keys of a JSON object as a JSON array", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) {
			v, err := parseJSON(sv.Get(i))
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				return "", false
			}
			keys := make([]any, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(x, y int) bool {
				kx, ky := keys[x].(string), keys[y].(string)
				if len(kx) != len(ky) {
					return len(kx) < len(ky)
				}
				return kx < ky
			})
			return jsonText(keys), true
		}
	})
	r.Register(NewScalarEntry("json_doc", "json_doc(json): marks a JSON document used as a value of another JSON function (the planner adds it)", Immutable,
		Overload{Args: s1, Return: JSONDocType, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return castLargeString(ec, a[0]), nil
		}}))
	r.Register(customEntry("cast_json", "(any) -> JSON", "CAST(x AS JSON): text is parsed and normalized (error 3141 if invalid), other values become JSON scalars", Immutable, 1, 1, castJSONResolver))
	r.Register(customEntry("json_object", "(key, value, ...) -> JSON", "JSON object from key/value pairs", Immutable, 0, -1, jsonBuildResolver("json_object", true)))
	r.Register(customEntry("json_array", "(value, ...) -> JSON", "JSON array of the arguments", Immutable, 0, -1, jsonBuildResolver("json_array", false)))
	registerJSONMore(r)
}

// castJSONResolver implements CAST(x AS JSON); the planner calls it by name
// because JSON shares the VARCHAR representation.
func castJSONResolver(args []arrow.DataType) (*Bound, error) {
	t := CanonicalType(args[0])
	text := IsString(t) // JSON text; temporal and binary values become JSON strings
	switch {
	case IsString(t), IsNull(t), IsNumeric(t), IsVector(t):
	case IsTemporal(t) || IsBinary(t):
		t = Utf8
	default:
		return nil, ErrWrongArgTypes("cast_json", args)
	}
	return bound("cast_json", []arrow.DataType{t}, Utf8, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		valid := ValidityOf(a[0])
		var ferr error
		var b bytes.Buffer
		res := StringKernel(ec, a, n, func(i int) (string, bool) {
			var v any
			if text {
				var err error
				if v, err = parseJSON(StringsOf(a[0]).Get(i)); err != nil {
					ferr = sqlerr.New(3141, "Invalid JSON text in argument 1 to function cast_as_json: %v", err)
					return "", false
				}
			} else {
				v = jsonScalar(a[0], valid, i)
			}
			b.Reset()
			WriteJSON(&b, v)
			return b.String(), true
		})
		if ferr != nil {
			res.Release()
			return nil, ferr
		}
		return res, nil
	}), nil
}

// castLargeString copies a utf8 array into a large_utf8 one.
func castLargeString(ec *EvalContext, a arrow.Array) arrow.Array {
	sv, valid := StringsOf(a), ValidityOf(a)
	b := array.NewLargeStringBuilder(ec.mem())
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if valid.Valid(i) {
			b.Append(sv.Get(i))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}
