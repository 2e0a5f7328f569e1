package functions

import (
	"bytes"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/sqlerr"
)

// JSON functions that compare, search and modify documents, following
// MySQL 8 (JSON_CONTAINS, JSON_SET, JSON_MERGE_PATCH, …).

// jsonNumber reads a JSON number exactly (integers and decimals alike).
func jsonNumber(n json.Number) *big.Rat {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// jsonEqual is MySQL's JSON equality: numbers by value (1 = 1.0), objects
// regardless of key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && jsonNumber(x).Cmp(jsonNumber(y)) == 0
	case float64:
		return jsonEqual(json.Number(jsonText(x)), b)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonContains is JSON_CONTAINS(target, candidate): an array contains a
// candidate array when it contains each of its elements, and any other
// candidate when some element contains it; an object contains a candidate
// object when each of its members is contained in the same key's value;
// a scalar contains only an equal scalar.
func jsonContains(target, cand any) bool {
	switch t := target.(type) {
	case []any:
		if c, ok := cand.([]any); ok {
			for _, e := range c {
				if !jsonContains(t, e) {
					return false
				}
			}
			return true
		}
		for _, e := range t {
			if jsonContains(e, cand) {
				return true
			}
		}
		return false
	case map[string]any:
		c, ok := cand.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range c {
			w, ok := t[k]
			if !ok || !jsonContains(w, v) {
				return false
			}
		}
		return true
	}
	return jsonEqual(target, cand)
}

// jsonOverlaps is JSON_OVERLAPS: two arrays share an element, two objects
// share a key with equal values, otherwise the values are equal (a scalar
// against an array: the array holds it).
func jsonOverlaps(a, b any) bool {
	x, xa := a.([]any)
	y, ya := b.([]any)
	switch {
	case xa && ya:
		for _, e := range x {
			for _, f := range y {
				if jsonEqual(e, f) {
					return true
				}
			}
		}
		return false
	case xa:
		return jsonOverlaps(x, []any{b})
	case ya:
		return jsonOverlaps([]any{a}, y)
	}
	m, mo := a.(map[string]any)
	n, no := b.(map[string]any)
	if mo && no {
		for k, v := range m {
			if w, ok := n[k]; ok && jsonEqual(v, w) {
				return true
			}
		}
		return false
	}
	return jsonEqual(a, b)
}

func jsonDepth(v any) int64 {
	d := int64(0)
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d = max(d, jsonDepth(e))
		}
	case map[string]any:
		for _, e := range x {
			d = max(d, jsonDepth(e))
		}
	default:
		return 1
	}
	return d + 1
}

// jsonDocs parses argument j of row i as a JSON document, reporting MySQL's
// error 3141 with the argument's position and the function's name.
type jsonDocs struct {
	fn   string
	args []StringView
	err  error
}

func newJSONDocs(fn string, a []arrow.Array) *jsonDocs {
	d := &jsonDocs{fn: fn, args: make([]StringView, len(a))}
	for j, x := range a {
		if IsString(x.DataType()) {
			d.args[j] = StringsOf(x)
		}
	}
	return d
}

func (d *jsonDocs) doc(j, i int) (any, bool) {
	v, err := parseJSON(d.args[j].Get(i))
	if err != nil {
		d.err = sqlerr.New(3141, "Invalid JSON text in argument %d to function %s: %v", j+1, d.fn, err)
		return nil, false
	}
	return v, true
}

func (d *jsonDocs) path(j, i int) ([]pathStep, bool) {
	steps, err := ParseJSONPath(d.args[j].Get(i))
	if err != nil {
		d.err = err
		return nil, false
	}
	return steps, true
}

// boolJSONKernel runs f for each row whose arguments are all non-NULL; f
// reports the value, whether it is non-NULL, and parse errors through d.
func boolJSONKernel(fn string, f func(d *jsonDocs, i int) (bool, bool)) Kernel {
	return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		d := newJSONDocs(fn, a)
		res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
			if d.err != nil {
				return 0, false
			}
			v, ok := f(d, i)
			if !ok {
				return 0, false
			}
			return b2i64(v), true
		})
		if d.err != nil {
			res.Release()
			return nil, d.err
		}
		return res, nil
	}
}

func b2i64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// jsonModify is JSON_SET, JSON_INSERT and JSON_REPLACE: set replaces and
// adds, insert only adds, replace only replaces.
func jsonModify(doc any, steps []pathStep, val any, add, replace bool) (any, error) {
	if len(steps) == 0 {
		if replace {
			return val, nil
		}
		return doc, nil
	}
	if err := noWildcards(steps); err != nil {
		return nil, err
	}
	out, _ := editAt(doc, steps, func(_ any, has bool) (any, bool, bool) {
		if has {
			return val, false, !replace
		}
		return val, false, !add
	})
	return out, nil
}

// jsonRemove is JSON_REMOVE of one path ($ itself cannot be removed).
func jsonRemove(doc any, steps []pathStep) (any, error) {
	if len(steps) == 0 {
		return nil, sqlerr.New(3153, "The path expression '$' is not allowed in this context.")
	}
	if err := noWildcards(steps); err != nil {
		return nil, err
	}
	out, _ := editAt(doc, steps, func(_ any, has bool) (any, bool, bool) { return nil, has, !has })
	return out, nil
}

// noWildcards refuses paths with * (they name no single place to change).
func noWildcards(steps []pathStep) error {
	if hasWildcard(steps) {
		return sqlerr.New(3149, "In this situation, path expressions may not contain the * and ** tokens.")
	}
	return nil
}

// editFn decides what happens at a path's place, given the value there
// (has=false when there is none): a new value, remove it, or keep the
// document as it is.
type editFn func(cur any, has bool) (nv any, remove, keep bool)

// editAt returns doc with the place steps name changed by edit, copying
// only the containers on the way (a parsed value may be shared). As in
// MySQL, a non-array is a one-element array for [0] and [last], and a
// larger index past an array's end adds at the end.
func editAt(doc any, steps []pathStep, edit editFn) (any, bool) {
	st, rest := steps[0], steps[1:]
	if st.kind == 0 {
		m, ok := doc.(map[string]any)
		if !ok {
			return doc, false
		}
		cur, has := m[st.key]
		if len(rest) > 0 {
			if !has {
				return doc, false
			}
			nv, changed := editAt(cur, rest, edit)
			if !changed {
				return doc, false
			}
			out := copyObject(m)
			out[st.key] = nv
			return out, true
		}
		nv, remove, keep := edit(cur, has)
		if keep {
			return doc, false
		}
		out := copyObject(m)
		if remove {
			delete(out, st.key)
		} else {
			out[st.key] = nv
		}
		return out, true
	}
	arr, isArr := doc.([]any)
	if !isArr {
		if st.index == 0 || st.kind == 4 {
			if len(rest) > 0 {
				return editAt(doc, rest, edit)
			}
			if nv, remove, keep := edit(doc, true); !keep && !remove {
				return nv, true
			}
			return doc, false
		}
		arr = []any{doc} // auto-wrapped: an addition makes [doc, value]
	}
	i := st.index
	if st.kind == 4 {
		i = len(arr) - 1
	}
	if i < 0 || i >= len(arr) {
		if len(rest) > 0 {
			return doc, false
		}
		if nv, remove, keep := edit(nil, false); !keep && !remove {
			return append(append([]any(nil), arr...), nv), true
		}
		return doc, false
	}
	out := append([]any(nil), arr...)
	if len(rest) > 0 {
		nv, changed := editAt(arr[i], rest, edit)
		if !changed {
			return doc, false
		}
		out[i] = nv
		return out, true
	}
	nv, remove, keep := edit(arr[i], true)
	switch {
	case keep:
		return doc, false
	case remove:
		return append(out[:i], out[i+1:]...), true
	}
	out[i] = nv
	return out, true
}

// copyObject copies an object's members, with room for one more.
func copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// jsonMergePatch is RFC 7396 (JSON_MERGE_PATCH): object members of the
// patch replace or (when null) remove the target's; anything else replaces.
func jsonMergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	out := make(map[string]any, len(t)+len(p))
	if ok {
		for k, v := range t {
			out[k] = v
		}
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = jsonMergePatch(out[k], v)
	}
	return out
}

// jsonMergePreserve is JSON_MERGE_PRESERVE: arrays concatenate, objects
// merge with the values of shared keys merged, and a scalar is a
// one-element array.
func jsonMergePreserve(a, b any) any {
	m, mo := a.(map[string]any)
	n, no := b.(map[string]any)
	if mo && no {
		out := make(map[string]any, len(m)+len(n))
		for k, v := range m {
			out[k] = v
		}
		for k, v := range n {
			if w, ok := out[k]; ok {
				out[k] = jsonMergePreserve(w, v)
			} else {
				out[k] = v
			}
		}
		return out
	}
	asArr := func(v any) []any {
		if x, ok := v.([]any); ok {
			return x
		}
		return []any{v}
	}
	return append(append([]any(nil), asArr(a)...), asArr(b)...)
}

// jsonSearch collects the paths of string values matching a LIKE pattern.
func jsonSearch(v any, path string, pat string, esc rune, all bool, out []string) []string {
	if !all && len(out) > 0 {
		return out
	}
	switch x := v.(type) {
	case string:
		if LikeMatch(x, pat, esc) {
			out = append(out, path)
		}
	case []any:
		for i, e := range x {
			out = jsonSearch(e, path+"["+strconv.Itoa(i)+"]", pat, esc, all, out)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortJSONKeys(keys)
		for _, k := range keys {
			out = jsonSearch(x[k], path+"."+jsonPathKey(k), pat, esc, all, out)
		}
	}
	return out
}

// jsonPathKey quotes a member name in a path when it is not an identifier.
func jsonPathKey(k string) string {
	ok := k != ""
	for i, r := range k {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 || i > 0 && r >= '0' && r <= '9') {
			ok = false
			break
		}
	}
	if ok {
		return k
	}
	return jsonText(k)
}

// sortJSONKeys orders object keys as MySQL stores them: by length, then bytes.
func sortJSONKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
}

// jsonPretty prints v as JSON_PRETTY does: two-space indents, one member
// or element per line.
func jsonPretty(b *bytes.Buffer, v any, indent string) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(indent + "  ")
			jsonPretty(b, e, indent+"  ")
		}
		b.WriteString("\n" + indent + "]")
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortJSONKeys(keys)
		b.WriteString("{\n")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(indent + "  " + jsonText(k) + ": ")
			jsonPretty(b, x[k], indent+"  ")
		}
		b.WriteString("\n" + indent + "}")
	default:
		WriteJSON(b, v)
	}
}

// jsonValueTypes keeps each value argument's canonical type (so numbers
// stay numbers and strings become JSON strings) and makes documents and
// paths text; isValue says which arguments are values.
func jsonValueTypes(args []arrow.DataType, isValue func(i int) bool) []arrow.DataType {
	want := make([]arrow.DataType, len(args))
	for i, t := range args {
		switch {
		case !isValue(i):
			want[i] = Utf8
		case t.ID() == arrow.LARGE_STRING:
			want[i] = JSONDocType // a JSON document value (json_doc)
		case IsVector(t):
			want[i] = t
		case t.ID() == arrow.NULL, t.ID() == arrow.BOOL, IsDecimal(t), IsSigned(t), IsUnsigned(t), IsFloat(t):
			want[i] = CanonicalType(t)
		default:
			want[i] = Utf8
		}
	}
	return want
}

// jsonDocKernel builds a JSON document per row with f; a row with a NULL
// document or path is NULL, NULL values are JSON null.
func jsonDocKernel(fn string, nullable func(j int) bool, f func(d *jsonDocs, a []arrow.Array, valid []Validity, i int) (any, bool)) Kernel {
	return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		d := newJSONDocs(fn, a)
		valid := make([]Validity, len(a))
		var strictArgs []arrow.Array
		for j := range a {
			valid[j] = ValidityOf(a[j])
			if !nullable(j) {
				strictArgs = append(strictArgs, a[j])
			}
		}
		var b bytes.Buffer
		res := StringKernel(ec, strictArgs, n, func(i int) (string, bool) {
			if d.err != nil {
				return "", false
			}
			v, ok := f(d, a, valid, i)
			if !ok {
				return "", false
			}
			b.Reset()
			WriteJSON(&b, v)
			return b.String(), true
		})
		if d.err != nil {
			res.Release()
			return nil, d.err
		}
		return res, nil
	}
}

// modifyResolver is JSON_SET/JSON_INSERT/JSON_REPLACE/JSON_ARRAY_APPEND/
// JSON_ARRAY_INSERT(doc, path, value, ...).
func modifyResolver(name string, op func(doc any, steps []pathStep, val any) (any, error)) ScalarResolver {
	return func(args []arrow.DataType) (*Bound, error) {
		if len(args) < 3 || len(args)%2 != 1 {
			return nil, ErrWrongArgCount(name)
		}
		isValue := func(i int) bool { return i > 0 && i%2 == 0 }
		want := jsonValueTypes(args, isValue)
		return bound(name, want, Utf8, Immutable, jsonDocKernel(name, isValue, func(d *jsonDocs, a []arrow.Array, valid []Validity, i int) (any, bool) {
			doc, ok := d.doc(0, i)
			if !ok {
				return nil, false
			}
			for j := 1; j+1 < len(a); j += 2 {
				steps, ok := d.path(j, i)
				if !ok {
					return nil, false
				}
				if doc, d.err = op(doc, steps, jsonScalar(a[j+1], valid[j+1], i)); d.err != nil {
					return nil, false
				}
			}
			return doc, true
		})), nil
	}
}

// jsonArrayAppend appends val to the array at steps (a non-array there
// becomes an array of itself and val).
func jsonArrayAppend(doc any, steps []pathStep, val any) (any, error) {
	found := evalPath(doc, steps, nil)
	if len(found) == 0 {
		return doc, nil
	}
	var nv any
	if arr, ok := found[0].([]any); ok {
		nv = append(append([]any(nil), arr...), val)
	} else {
		nv = []any{found[0], val}
	}
	return jsonModify(doc, steps, nv, false, true)
}

// jsonArrayInsert inserts val before the array index the path ends with.
func jsonArrayInsert(doc any, steps []pathStep, val any) (any, error) {
	if len(steps) == 0 || (steps[len(steps)-1].kind != 1 && steps[len(steps)-1].kind != 4) {
		return nil, sqlerr.New(3165, "A path expression is not a path to a cell in an array.")
	}
	parent, last := steps[:len(steps)-1], steps[len(steps)-1]
	found := evalPath(doc, parent, nil)
	if len(found) == 0 {
		return doc, nil
	}
	arr, ok := found[0].([]any)
	if !ok {
		return doc, nil
	}
	i := last.index
	if last.kind == 4 {
		i = len(arr) - 1
	}
	i = min(max(i, 0), len(arr))
	out := make([]any, 0, len(arr)+1)
	out = append(append(append(out, arr[:i]...), val), arr[i:]...)
	return jsonModify(doc, parent, out, false, true)
}

func registerJSONMore(r *Registry) {
	containsK := boolJSONKernel("json_contains", func(d *jsonDocs, i int) (bool, bool) {
		t, ok := d.doc(0, i)
		if !ok {
			return false, false
		}
		c, ok := d.doc(1, i)
		if !ok {
			return false, false
		}
		if len(d.args) > 2 {
			steps, ok := d.path(2, i)
			if !ok {
				return false, false
			}
			found := evalPath(t, steps, nil)
			if len(found) == 0 {
				return false, false
			}
			t = found[0]
		}
		return jsonContains(t, c), true
	})
	r.Register(NewScalarEntry("json_contains", "JSON_CONTAINS(target, candidate[, path]): whether the candidate document is contained in the target", Immutable,
		Overload{Args: s2, Return: Int64, Kernel: containsK}, Overload{Args: s3, Return: Int64, Kernel: containsK}))
	r.Register(NewScalarEntry("json_contains_path", "JSON_CONTAINS_PATH(doc, 'one'|'all', path, ...): whether the document has data at one or all of the paths", Immutable,
		Overload{Args: s3, Variadic: Utf8, Return: Int64, Kernel: boolJSONKernel("json_contains_path", func(d *jsonDocs, i int) (bool, bool) {
			doc, ok := d.doc(0, i)
			if !ok {
				return false, false
			}
			mode := strings.ToLower(d.args[1].Get(i))
			if mode != "one" && mode != "all" {
				d.err = sqlerr.New(3150, "The oneOrAll argument to json_contains_path may take these values: 'one' or 'all'.")
				return false, false
			}
			all := mode == "all"
			for j := 2; j < len(d.args); j++ {
				steps, ok := d.path(j, i)
				if !ok {
					return false, false
				}
				has := len(evalPath(doc, steps, nil)) > 0
				if has && !all {
					return true, true
				}
				if !has && all {
					return false, true
				}
			}
			return all, true
		})}))
	// value MEMBER OF(json_array): TiDB's parser calls it json_memberof.
	r.Register(customEntry("json_memberof", "(value, JSON) -> BOOLEAN", "value MEMBER OF(array): whether the value is an element of the JSON array (or equals a JSON scalar)", Immutable, 2, 2,
		func(args []arrow.DataType) (*Bound, error) {
			want := jsonValueTypes(args, func(i int) bool { return i == 0 })
			return bound("json_memberof", want, Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				d := newJSONDocs("member of", a)
				valid := ValidityOf(a[0])
				res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
					doc, ok := d.doc(1, i)
					if !ok {
						return 0, false
					}
					v := jsonScalar(a[0], valid, i)
					if arr, ok := doc.([]any); ok {
						for _, e := range arr {
							if jsonEqual(e, v) {
								return 1, true
							}
						}
						return 0, true
					}
					return b2i64(jsonEqual(doc, v)), true
				})
				if d.err != nil {
					res.Release()
					return nil, d.err
				}
				return res, nil
			}), nil
		}))
	r.Register(NewScalarEntry("json_overlaps", "JSON_OVERLAPS(a, b): whether two documents share an array element or an object member", Immutable,
		Overload{Args: s2, Return: Int64, Kernel: boolJSONKernel("json_overlaps", func(d *jsonDocs, i int) (bool, bool) {
			a, ok := d.doc(0, i)
			if !ok {
				return false, false
			}
			b, ok := d.doc(1, i)
			if !ok {
				return false, false
			}
			return jsonOverlaps(a, b), true
		})}))
	r.Register(NewScalarEntry("json_depth", "JSON_DEPTH(doc): maximum nesting depth (1 for a scalar or an empty array or object)", Immutable,
		Overload{Args: s1, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			d := newJSONDocs("json_depth", a)
			res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				v, ok := d.doc(0, i)
				if !ok {
					return 0, false
				}
				return jsonDepth(v), true
			})
			if d.err != nil {
				res.Release()
				return nil, d.err
			}
			return res, nil
		}}))
	docFn := func(name, desc string, f func(d *jsonDocs, i int) (any, bool)) {
		r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: s1, Variadic: Utf8, Return: Utf8,
			Kernel: jsonDocKernel(name, func(int) bool { return false }, func(d *jsonDocs, _ []arrow.Array, _ []Validity, i int) (any, bool) {
				return f(d, i)
			})}))
	}
	docFn("json_remove", "JSON_REMOVE(doc, path, ...): the document without the data at the paths", func(d *jsonDocs, i int) (any, bool) {
		doc, ok := d.doc(0, i)
		if !ok {
			return nil, false
		}
		for j := 1; j < len(d.args); j++ {
			steps, ok := d.path(j, i)
			if !ok {
				return nil, false
			}
			if doc, d.err = jsonRemove(doc, steps); d.err != nil {
				return nil, false
			}
		}
		return doc, true
	})
	merge := func(name, desc string, f func(a, b any) any) {
		r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: s2, Variadic: Utf8, Return: Utf8,
			Kernel: jsonDocKernel(name, func(int) bool { return false }, func(d *jsonDocs, _ []arrow.Array, _ []Validity, i int) (any, bool) {
				doc, ok := d.doc(0, i)
				if !ok {
					return nil, false
				}
				for j := 1; j < len(d.args); j++ {
					next, ok := d.doc(j, i)
					if !ok {
						return nil, false
					}
					doc = f(doc, next)
				}
				return doc, true
			})}))
	}
	merge("json_merge_patch", "JSON_MERGE_PATCH(doc, doc, ...): RFC 7396 merge, later members replace earlier ones", jsonMergePatch)
	merge("json_merge_preserve", "JSON_MERGE_PRESERVE(doc, doc, ...): merge keeping every value (arrays concatenate)", jsonMergePreserve)
	merge("json_merge", "JSON_MERGE(doc, doc, ...): deprecated synonym of JSON_MERGE_PRESERVE", jsonMergePreserve)
	set := func(add, replace bool) func(doc any, steps []pathStep, val any) (any, error) {
		return func(doc any, steps []pathStep, val any) (any, error) {
			return jsonModify(doc, steps, val, add, replace)
		}
	}
	r.Register(customEntry("json_set", "(doc, path, value, ...) -> JSON", "JSON_SET: replace or add the values at the paths", Immutable, 3, -1, modifyResolver("json_set", set(true, true))))
	r.Register(customEntry("json_insert", "(doc, path, value, ...) -> JSON", "JSON_INSERT: add values at paths that have none", Immutable, 3, -1, modifyResolver("json_insert", set(true, false))))
	r.Register(customEntry("json_replace", "(doc, path, value, ...) -> JSON", "JSON_REPLACE: replace values at paths that have one", Immutable, 3, -1, modifyResolver("json_replace", set(false, true))))
	r.Register(customEntry("json_array_append", "(doc, path, value, ...) -> JSON", "JSON_ARRAY_APPEND: append values to the arrays at the paths", Immutable, 3, -1, modifyResolver("json_array_append", jsonArrayAppend)))
	r.Register(customEntry("json_array_insert", "(doc, path, value, ...) -> JSON", "JSON_ARRAY_INSERT: insert values before the array positions the paths name", Immutable, 3, -1, modifyResolver("json_array_insert", jsonArrayInsert)))
	r.Register(NewScalarEntry("json_search", "JSON_SEARCH(doc, 'one'|'all', pattern[, escape[, path ...]]): path(s) of the strings matching a LIKE pattern", Immutable,
		Overload{Args: s3, Variadic: Utf8, Return: Utf8, Kernel: jsonDocKernel("json_search", func(j int) bool { return j == 3 }, func(d *jsonDocs, a []arrow.Array, valid []Validity, i int) (any, bool) {
			doc, ok := d.doc(0, i)
			if !ok {
				return nil, false
			}
			mode := strings.ToLower(d.args[1].Get(i))
			if mode != "one" && mode != "all" {
				d.err = sqlerr.New(3150, "The oneOrAll argument to json_search may take these values: 'one' or 'all'.")
				return nil, false
			}
			esc := '\\'
			if len(a) > 3 && valid[3].Valid(i) {
				if e := []rune(d.args[3].Get(i)); len(e) == 1 {
					esc = e[0]
				} else if len(e) > 1 {
					d.err = sqlerr.New(sqlerr.ErrWrongArguments, "Incorrect arguments to ESCAPE")
					return nil, false
				}
			}
			pat := d.args[2].Get(i)
			var found []string
			if len(a) <= 4 {
				found = jsonSearch(doc, "$", pat, esc, mode == "all", nil)
			}
			for j := 4; j < len(a); j++ {
				steps, ok := d.path(j, i)
				if !ok {
					return nil, false
				}
				for _, sub := range evalPath(doc, steps, nil) {
					found = jsonSearch(sub, strings.TrimSpace(d.args[j].Get(i)), pat, esc, mode == "all", found)
				}
			}
			switch {
			case len(found) == 0:
				return nil, false
			case len(found) == 1 || mode == "one":
				return found[0], true
			}
			out := make([]any, len(found))
			for k, p := range found {
				out[k] = p
			}
			return out, true
		})}))
	strFn(r, "json_pretty", "JSON_PRETTY(doc): the document indented, one member or element per line", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		d := newJSONDocs("json_pretty", a)
		var b bytes.Buffer
		return func(i int) (string, bool) {
			v, ok := d.doc(0, i)
			if !ok {
				ec.warn(3141, "Invalid JSON text in argument 1 to function json_pretty")
				return "", false
			}
			b.Reset()
			jsonPretty(&b, v, "")
			return b.String(), true
		}
	})
}

// jsonAggState is JSON_ARRAYAGG(v) and JSON_OBJECTAGG(k, v): each group's
// members are kept as JSON text (values keep their own type; NULL is null)
// and assembled at finish.
type jsonAggState struct {
	object bool
	vals   [][]string // per group: values, or key, value pairs
	has    []bool
	err    error
}

func (s *jsonAggState) grow(g int) {
	s.vals = growSlice(s.vals, g, nil)
	s.has = growSlice(s.has, g, false)
}

func (s *jsonAggState) update(groups []uint32, args []arrow.Array, sel []int32) error {
	valid := make([]Validity, len(args))
	for j := range args {
		valid[j] = ValidityOf(args[j])
	}
	vi := len(args) - 1
	var keys StringView
	if s.object {
		keys = StringsOf(args[0])
	}
	var b bytes.Buffer
	forRows(len(groups), sel, func(i int) {
		if s.err != nil {
			return
		}
		g := groups[i]
		if s.object {
			if !valid[0].Valid(i) {
				s.err = sqlerr.New(3158, "JSON documents may not contain NULL member names.")
				return
			}
			s.vals[g] = append(s.vals[g], strings.Clone(keys.Get(i)))
		}
		b.Reset()
		WriteJSON(&b, jsonScalar(args[vi], valid[vi], i))
		s.vals[g] = append(s.vals[g], b.String())
		s.has[g] = true
	})
	return s.err
}

func (s *jsonAggState) finish(mem memory.Allocator, g int) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf bytes.Buffer
	for i := 0; i < g; i++ {
		if !s.has[i] {
			b.AppendNull()
			continue
		}
		buf.Reset()
		if s.object {
			// later duplicates win, keys print in MySQL's order
			m := make(map[string]any, len(s.vals[i])/2)
			for k := 0; k+1 < len(s.vals[i]); k += 2 {
				m[s.vals[i][k]] = rawJSON(s.vals[i][k+1])
			}
			WriteJSON(&buf, m)
		} else {
			buf.WriteByte('[')
			for k, v := range s.vals[i] {
				if k > 0 {
					buf.WriteString(", ")
				}
				buf.WriteString(v)
			}
			buf.WriteByte(']')
		}
		b.Append(buf.String())
	}
	return b.NewArray(), nil
}

func registerJSONAggregates(r *Registry) {
	valueType := func(t arrow.DataType) arrow.DataType {
		return jsonValueTypes([]arrow.DataType{t}, func(int) bool { return true })[0]
	}
	r.Register(aggEntry("json_arrayagg", "(any) -> JSON", "JSON array of the group's values (NULL becomes null)", func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if len(args) != 1 || distinct {
			return nil, ErrWrongArgCount("json_arrayagg")
		}
		return newAggKeepNulls("json_arrayagg", []arrow.DataType{valueType(args[0])}, func() aggState { return &jsonAggState{} }), nil
	}))
	r.Register(aggEntry("json_objectagg", "(key, value) -> JSON", "JSON object of the group's key/value pairs", func(args []arrow.DataType, distinct bool) (*BoundAggregate, error) {
		if len(args) != 2 || distinct {
			return nil, ErrWrongArgCount("json_objectagg")
		}
		return newAggKeepNulls("json_objectagg", []arrow.DataType{Utf8, valueType(args[1])}, func() aggState { return &jsonAggState{object: true} }), nil
	}))
}

// newAggKeepNulls is an aggregate whose state sees NULL arguments (the
// accumulator's DISTINCT filter, which drops them, is not used).
func newAggKeepNulls(name string, argTypes []arrow.DataType, mk func() aggState) *BoundAggregate {
	return &BoundAggregate{Name: name, ArgTypes: argTypes, ReturnType: Utf8,
		New: func(mem memory.Allocator, opts AggOptions) (Accumulator, error) {
			return newAccumulator(mk(), false), nil
		}}
}
