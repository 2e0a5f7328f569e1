package functions

import (
	"crypto/rand"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // CONVERT_TZ knows zone names without the system's database

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// More MySQL 8 functions: INTERVAL, CONVERT … USING, JSON_VALUE,
// CONVERT_TZ, TIMESTAMP(d, t), SLEEP, RANDOM_BYTES, UUID_SHORT,
// FORMAT_BYTES, FORMAT_PICO_TIME, CHARSET, COLLATION.

func registerExtraMisc(r *Registry) {
	r.Register(customEntry("interval", "(n, n1, n2, ...) -> BIGINT", "INTERVAL(N, N1, N2, ...): how many of the ascending N1, N2, ... are <= N (-1 if N is NULL)", Immutable, 2, -1,
		func(args []arrow.DataType) (*Bound, error) {
			return bound("interval", repeatType(Float64, len(args)), Int64, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				valid := make([]Validity, len(a))
				for j := range a {
					valid[j] = ValidityOf(a[j])
				}
				out := NewFixedOut[int64](ec.mem(), Int64, n)
				x := Values[float64](a[0])
				for i := 0; i < n; i++ {
					if !valid[0].Valid(i) {
						out.Values[i] = -1
						continue
					}
					k := int64(0)
					for j := 1; j < len(a); j++ {
						if valid[j].Valid(i) && Values[float64](a[j])[i] > x[i] {
							break
						}
						k++
					}
					out.Values[i] = k
				}
				return out.Finish(), nil
			}), nil
		}))
	// CONVERT(x USING charset): text is stored as utf8mb4, so it is x.
	r.Register(NewScalarEntry("convert", "CONVERT(x USING charset): x (text is always utf8mb4 here)", Immutable,
		Overload{Args: s2, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			a[0].Retain()
			return a[0], nil
		}}))
	r.Register(NewScalarEntry("json_value", "JSON_VALUE(doc, path): the scalar at the path as text (NULL if none or not a scalar)", Immutable,
		Overload{Args: s2, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			d := newJSONDocs("json_value", a)
			res := StringKernel(ec, a, n, func(i int) (string, bool) {
				doc, ok := d.doc(0, i)
				if !ok {
					return "", false
				}
				steps, ok := d.path(1, i)
				if !ok {
					return "", false
				}
				found := evalPath(doc, steps, nil)
				if len(found) != 1 {
					return "", false
				}
				switch v := found[0].(type) {
				case nil, []any, map[string]any:
					return "", false
				case string:
					return v, true
				default:
					return jsonText(v), true
				}
			})
			if d.err != nil {
				res.Release()
				return nil, d.err
			}
			return res, nil
		}}))
	var zones sync.Map // zone name -> *time.Location (nil: unknown)
	r.Register(NewScalarEntry("convert_tz", "CONVERT_TZ(dt, from_tz, to_tz): dt moved from one time zone to another ('+hh:mm', 'UTC', 'SYSTEM' or a zone name); NULL if a zone is unknown", Immutable,
		Overload{Args: []arrow.DataType{Datetime, Utf8, Utf8}, Return: Datetime, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			dt, from, to := Values[arrow.Timestamp](a[0]), StringsOf(a[1]), StringsOf(a[2])
			return RowKernel[arrow.Timestamp](ec, Datetime, a, n, func(i int) (arrow.Timestamp, bool) {
				fl, tl := zoneOf(&zones, from.Get(i)), zoneOf(&zones, to.Get(i))
				if fl == nil || tl == nil {
					return 0, false
				}
				wall := time.UnixMicro(int64(dt[i])).UTC()
				inst := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), fl)
				w := inst.In(tl)
				out := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
				return arrow.Timestamp(out.UnixMicro()), true
			}), nil
		}}))
	r.Register(NewScalarEntry("sleep", "SLEEP(seconds): waits, then returns 0 (1 if the statement was cancelled meanwhile)", Volatile,
		Overload{Args: []arrow.DataType{Float64}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			secs := Values[float64](a[0])
			valid := ValidityOf(a[0])
			out := NewFixedOut[int64](ec.mem(), Int64, n)
			for i := 0; i < n; i++ {
				if !valid.Valid(i) || secs[i] < 0 {
					out.Release()
					return nil, sqlerr.New(sqlerr.ErrWrongArguments, "Incorrect arguments to sleep.")
				}
				t := time.NewTimer(time.Duration(secs[i] * float64(time.Second)))
				var done <-chan struct{}
				if ec != nil && ec.Ctx != nil {
					done = ec.Ctx.Done()
				}
				select {
				case <-t.C:
				case <-done:
					t.Stop()
					out.Values[i] = 1
				}
			}
			return out.Finish(), nil
		}}))
	r.Register(NewScalarEntry("random_bytes", "RANDOM_BYTES(n): n (1-1024) random bytes", Volatile,
		Overload{Args: i1, Return: Varbinary, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			lens := Values[int64](a[0])
			valid := ValidityOf(a[0])
			for i := 0; i < n; i++ {
				if valid.Valid(i) && (lens[i] < 1 || lens[i] > 1024) {
					return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "length value is out of range in 'random_bytes'")
				}
			}
			buf := make([]byte, 1024)
			res := StringKernel(ec, a, n, func(i int) (string, bool) {
				b := buf[:lens[i]]
				_, _ = rand.Read(b)
				return string(b), true
			})
			defer res.Release()
			return asBinary(res), nil
		}}))
	r.Register(NewScalarEntry("uuid_short", "UUID_SHORT(): a 64-bit number unique within this process (start time << 24, plus a counter)", Volatile,
		Overload{Return: Uint64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			out := NewFixedOut[uint64](ec.mem(), Uint64, n)
			for i := 0; i < n; i++ {
				out.Values[i] = uuidShortBase + uuidShortNext.Add(1) - 1
			}
			return out.Finish(), nil
		}}))
	r.Register(NewScalarEntry("format_bytes", "FORMAT_BYTES(n): a byte count with a unit (bytes, KiB, MiB, ... EiB)", Immutable,
		Overload{Args: []arrow.DataType{Float64}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			v := Values[float64](a[0])
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				return formatUnits(v[i], 1024, "bytes", []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}), true
			}), nil
		}}))
	r.Register(NewScalarEntry("format_pico_time", "FORMAT_PICO_TIME(ps): a time in picoseconds with a unit (ps, ns, us, ms, s, min, h, d)", Immutable,
		Overload{Args: []arrow.DataType{Float64}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			v := Values[float64](a[0])
			return StringKernel(ec, a, n, func(i int) (string, bool) { return formatPicoTime(v[i]), true }), nil
		}}))
	r.Register(NewScalarEntry("get_format", "GET_FORMAT(DATE|TIME|DATETIME, 'EUR'|'USA'|'JIS'|'ISO'|'INTERNAL'): a DATE_FORMAT format string", Immutable,
		Overload{Args: s2, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			kind, std := StringsOf(a[0]), StringsOf(a[1])
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				k := strings.ToUpper(kind.Get(i))
				if k == "TIMESTAMP" {
					k = "DATETIME"
				}
				f, ok := getFormats[k+" "+strings.ToUpper(std.Get(i))]
				return f, ok
			}), nil
		}}))
	charsetFn := func(name, desc, text, other string) {
		r.Register(customEntry(name, "(any) -> VARCHAR", desc, Immutable, 1, 1, func(args []arrow.DataType) (*Bound, error) {
			v := other
			if IsString(args[0]) {
				v = text
			}
			return bound(name, []arrow.DataType{CanonicalType(args[0])}, Utf8, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return StringKernel(ec, nil, n, func(int) (string, bool) { return v, true }), nil
			}), nil
		}))
	}
	charsetFn("charset", "CHARSET(x): utf8mb4 for text, binary otherwise", "utf8mb4", "binary")
	charsetFn("collation", "COLLATION(x): utf8mb4_0900_ai_ci for text (compared case- and accent-insensitively), binary otherwise", "utf8mb4_0900_ai_ci", "binary")
}

// getFormats are GET_FORMAT's results, by "selector standard".
var getFormats = map[string]string{
	"DATE USA": "%m.%d.%Y", "DATE JIS": "%Y-%m-%d", "DATE ISO": "%Y-%m-%d", "DATE EUR": "%d.%m.%Y", "DATE INTERNAL": "%Y%m%d",
	"DATETIME USA": "%Y-%m-%d %H.%i.%s", "DATETIME JIS": "%Y-%m-%d %H:%i:%s", "DATETIME ISO": "%Y-%m-%d %H:%i:%s",
	"DATETIME EUR": "%Y-%m-%d %H.%i.%s", "DATETIME INTERNAL": "%Y%m%d%H%i%s",
	"TIME USA": "%h:%i:%s %p", "TIME JIS": "%H:%i:%s", "TIME ISO": "%H:%i:%s", "TIME EUR": "%H.%i.%s", "TIME INTERNAL": "%H%i%s",
}

var (
	uuidShortBase = uint64(time.Now().Unix()) << 24
	uuidShortNext atomic.Uint64
)

// zoneOf resolves a CONVERT_TZ zone: '+hh:mm' / '-hh:mm' (MySQL's range
// -13:59 to +14:00), UTC or SYSTEM (this engine runs in UTC), or a name
// from the system's zone database. nil when unknown.
func zoneOf(cache *sync.Map, name string) *time.Location {
	if l, ok := cache.Load(name); ok {
		return l.(*time.Location)
	}
	var loc *time.Location
	switch s := strings.TrimSpace(name); {
	case strings.EqualFold(s, "SYSTEM"), strings.EqualFold(s, "UTC"):
		loc = time.UTC
	case len(s) > 1 && (s[0] == '+' || s[0] == '-'):
		hm := strings.SplitN(s[1:], ":", 2)
		if len(hm) == 2 {
			h, e1 := strconv.Atoi(hm[0])
			m, e2 := strconv.Atoi(hm[1])
			off := h*60 + m
			if s[0] == '-' {
				off = -off
			}
			if e1 == nil && e2 == nil && m < 60 && off >= -(13*60+59) && off <= 14*60 {
				loc = time.FixedZone(s, off*60)
			}
		}
	default:
		if l, err := time.LoadLocation(s); err == nil && s != "" && s != "Local" {
			loc = l
		}
	}
	cache.Store(name, loc)
	return loc
}

// formatUnits writes v in the largest unit it reaches (step apart), with
// two decimals, or as a whole number of the base unit.
func formatUnits(v, step float64, base string, units []string) string {
	a := math.Abs(v)
	if a < step {
		return fmt.Sprintf("%d %s", int64(v), base)
	}
	u := -1
	for u+1 < len(units) && a >= step {
		a /= step
		v /= step
		u++
	}
	return fmt.Sprintf("%.2f %s", v, units[u])
}

func formatPicoTime(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div  float64
		name string
	}{{8.64e16, "d"}, {3.6e15, "h"}, {6e13, "min"}, {1e12, "s"}, {1e9, "ms"}, {1e6, "us"}, {1e3, "ns"}} {
		if a >= u.div {
			return fmt.Sprintf("%.2f %s", v/u.div, u.name)
		}
	}
	return fmt.Sprintf("%d ps", int64(v))
}
