package functions

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

var (
	dayNames   = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// dayOfWeek0 is 0 for Sunday .. 6 for Saturday (1970-01-01 was a Thursday).
func dayOfWeek0(days int64) int64 { return ((days+4)%7 + 7) % 7 }

func dayOfYear(y, m, d int64) int64 { return daysFromCivil(y, m, d) - daysFromCivil(y, 1, 1) + 1 }

func isDateOnlyUnit(u string) bool {
	switch u {
	case "DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "YEAR_MONTH":
		return true
	}
	return false
}

// unitFields lists the parts of an INTERVAL unit from left to right.
var unitFields = map[string][]string{
	"MICROSECOND": {"us"}, "SECOND": {"s"}, "MINUTE": {"m"}, "HOUR": {"h"}, "DAY": {"d"},
	"WEEK": {"w"}, "MONTH": {"mo"}, "QUARTER": {"q"}, "YEAR": {"y"},
	"SECOND_MICROSECOND": {"s", "us"}, "MINUTE_MICROSECOND": {"m", "s", "us"}, "MINUTE_SECOND": {"m", "s"},
	"HOUR_MICROSECOND": {"h", "m", "s", "us"}, "HOUR_SECOND": {"h", "m", "s"}, "HOUR_MINUTE": {"h", "m"},
	"DAY_MICROSECOND": {"d", "h", "m", "s", "us"}, "DAY_SECOND": {"d", "h", "m", "s"}, "DAY_MINUTE": {"d", "h", "m"},
	"DAY_HOUR": {"d", "h"}, "YEAR_MONTH": {"y", "mo"},
}

// Interval is a parsed INTERVAL value: whole months plus microseconds.
type Interval struct {
	Months int64
	Micros int64
}

// ParseInterval parses INTERVAL text for a unit ('1', '-1 2', '1:30', '1.5'),
// assuming the leftmost parts are missing when fewer are given, like MySQL.
func ParseInterval(value, unit string) (Interval, error) {
	unit = strings.ToUpper(strings.TrimSpace(unit))
	fields, ok := unitFields[unit]
	if !ok {
		return Interval{}, sqlerr.New(sqlerr.ErrWrongArguments, "unknown INTERVAL unit '%s'", unit)
	}
	v := strings.TrimSpace(value)
	neg := strings.HasPrefix(v, "-")
	if neg {
		v = v[1:]
	}
	var iv Interval
	if len(fields) == 1 {
		f, err := strconv.ParseFloat(trimSpaces(v[:floatPrefixLen(v)]), 64)
		if err != nil {
			return Interval{}, sqlerr.New(sqlerr.ErrTruncatedValue, "Incorrect INTERVAL value: '%s'", value)
		}
		if fields[0] != "s" {
			f = math.Round(f)
		}
		if neg {
			f = -f
		}
		switch fields[0] {
		case "us":
			iv.Micros = int64(f)
		case "s":
			iv.Micros = int64(math.Round(f * 1e6))
		case "m":
			iv.Micros = int64(f) * 60_000_000
		case "h":
			iv.Micros = int64(f) * 3_600_000_000
		case "d":
			iv.Micros = int64(f) * usPerDay
		case "w":
			iv.Micros = int64(f) * 7 * usPerDay
		case "mo":
			iv.Months = int64(f)
		case "q":
			iv.Months = int64(f) * 3
		case "y":
			iv.Months = int64(f) * 12
		}
		return iv, nil
	}
	var nums []int64
	var fracDigits int
	cur, in := int64(0), false
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] >= '0' && v[i] <= '9' {
			cur = cur*10 + int64(v[i]-'0')
			in = true
			if len(nums) == len(fields)-1 && fields[len(fields)-1] == "us" {
				fracDigits++
			}
			continue
		}
		if in {
			nums = append(nums, cur)
			cur, in = 0, false
		}
	}
	if len(nums) == 0 || len(nums) > len(fields) {
		return Interval{}, sqlerr.New(sqlerr.ErrTruncatedValue, "Incorrect INTERVAL value: '%s'", value)
	}
	fields = fields[len(fields)-len(nums):]
	for k, f := range fields {
		x := nums[k]
		switch f {
		case "us":
			for d := fracDigits; d < 6 && d > 0; d++ {
				x *= 10 // '1.5' SECOND_MICROSECOND means 1.500000 seconds
			}
			iv.Micros += x
		case "s":
			iv.Micros += x * 1_000_000
		case "m":
			iv.Micros += x * 60_000_000
		case "h":
			iv.Micros += x * 3_600_000_000
		case "d":
			iv.Micros += x * usPerDay
		case "mo":
			iv.Months += x
		case "y":
			iv.Months += x * 12
		}
	}
	if neg {
		iv.Months, iv.Micros = -iv.Months, -iv.Micros
	}
	return iv, nil
}

// AddInterval adds iv to a DATETIME (microseconds); month arithmetic clamps
// the day to the end of the month (2024-01-31 + 1 MONTH = 2024-02-29).
func AddInterval(us int64, iv Interval) (int64, bool) {
	if iv.Months != 0 {
		days := floorDiv(us, usPerDay)
		tod := us - days*usPerDay
		y, m, d := civil(days)
		total := y*12 + (m - 1) + iv.Months
		y, m = floorDiv(total, 12), total-floorDiv(total, 12)*12+1
		d = min(d, daysInMonth(y, m))
		us = daysFromCivil(y, m, d)*usPerDay + tod
	}
	us += iv.Micros
	y, _, _, _, _, _, _ := splitMicros(us)
	return us, y >= 1 && y <= 9999
}

// dateAddKernel evaluates DATE_ADD/DATE_SUB. sign is +1 or -1. For DATETIME
// input the result is DATETIME; for DATE or string input it is MySQL's text
// ('2024-01-02' when no time part is involved).
func dateAddKernel(sign int64, text bool) Kernel {
	return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		ivs, units := StringsOf(a[1]), StringsOf(a[2])
		var lastV, lastU string
		var last Interval
		var lastErr error
		interval := func(i int) (Interval, error) {
			v, u := ivs.Get(i), units.Get(i)
			if v != lastV || u != lastU || (last == Interval{} && lastErr == nil) {
				lastV, lastU = v, u
				last, lastErr = ParseInterval(v, u)
			}
			return last, lastErr
		}
		if !text {
			vals := Values[arrow.Timestamp](a[0])
			out := NewFixedOut[arrow.Timestamp](ec.mem(), Datetime, n)
			out.InheritNulls(a...)
			for i := 0; i < n; i++ {
				if out.IsNull(i) {
					continue
				}
				iv, err := interval(i)
				if err != nil {
					out.Release()
					return nil, err
				}
				r, ok := AddInterval(int64(vals[i]), Interval{iv.Months * sign, iv.Micros * sign})
				if !ok {
					out.SetNull(i)
					continue
				}
				out.Values[i] = arrow.Timestamp(r)
			}
			return out.Finish(), nil
		}
		sv := StringsOf(a[0])
		var buf []byte
		var ferr error
		res := StringKernel(ec, a, n, func(i int) (string, bool) {
			if ferr != nil {
				return "", false
			}
			s := sv.Get(i)
			us, hasTime, ok := ParseDatetime(s)
			if !ok {
				if err := ec.dataError(sqlerr.ErrTruncatedValue, "Incorrect datetime value: '%s'", s); err != nil {
					ferr = err
				}
				return "", false
			}
			iv, err := interval(i)
			if err != nil {
				ferr = err
				return "", false
			}
			r, ok := AddInterval(us, Interval{iv.Months * sign, iv.Micros * sign})
			if !ok {
				return "", false
			}
			if !hasTime && isDateOnlyUnit(strings.ToUpper(strings.TrimSpace(units.Get(i)))) {
				buf = appendDate(buf[:0], floorDiv(r, usPerDay))
			} else {
				buf = appendDatetime(buf[:0], r)
			}
			return string(buf), true
		})
		if ferr != nil {
			res.Release()
			return nil, ferr
		}
		return res, nil
	}
}

// FormatDate implements DATE_FORMAT's specifiers on a DATETIME value.
func FormatDate(dst []byte, us int64, format string) []byte {
	days := floorDiv(us, usPerDay)
	y, mo, d, h, mi, s, frac := splitMicros(us)
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			dst = append(dst, c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			dst = append(dst, dayNames[dayOfWeek0(days)][:3]...)
		case 'b':
			dst = append(dst, monthNames[mo-1][:3]...)
		case 'c':
			dst = strconv.AppendInt(dst, mo, 10)
		case 'D':
			dst = strconv.AppendInt(dst, d, 10)
			switch {
			case d >= 11 && d <= 13:
				dst = append(dst, "th"...)
			case d%10 == 1:
				dst = append(dst, "st"...)
			case d%10 == 2:
				dst = append(dst, "nd"...)
			case d%10 == 3:
				dst = append(dst, "rd"...)
			default:
				dst = append(dst, "th"...)
			}
		case 'd':
			dst = appendNum(dst, d, 2)
		case 'e':
			dst = strconv.AppendInt(dst, d, 10)
		case 'f':
			dst = appendNum(dst, frac, 6)
		case 'H':
			dst = appendNum(dst, h, 2)
		case 'h', 'I':
			dst = appendNum(dst, h12, 2)
		case 'i':
			dst = appendNum(dst, mi, 2)
		case 'j':
			dst = appendNum(dst, dayOfYear(y, mo, d), 3)
		case 'k':
			dst = strconv.AppendInt(dst, h, 10)
		case 'l':
			dst = strconv.AppendInt(dst, h12, 10)
		case 'M':
			dst = append(dst, monthNames[mo-1]...)
		case 'm':
			dst = appendNum(dst, mo, 2)
		case 'p':
			if h < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'r':
			dst = appendNum(dst, h12, 2)
			dst = append(dst, ':')
			dst = appendNum(dst, mi, 2)
			dst = append(dst, ':')
			dst = appendNum(dst, s, 2)
			if h < 12 {
				dst = append(dst, " AM"...)
			} else {
				dst = append(dst, " PM"...)
			}
		case 'S', 's':
			dst = appendNum(dst, s, 2)
		case 'T':
			dst = appendNum(dst, h, 2)
			dst = append(dst, ':')
			dst = appendNum(dst, mi, 2)
			dst = append(dst, ':')
			dst = appendNum(dst, s, 2)
		case 'W':
			dst = append(dst, dayNames[dayOfWeek0(days)]...)
		case 'w':
			dst = strconv.AppendInt(dst, dayOfWeek0(days), 10)
		case 'Y':
			dst = appendNum(dst, y, 4)
		case 'y':
			dst = appendNum(dst, y%100, 2)
		case 'U':
			dst = appendNum(dst, weekNumber(y, mo, d, false), 2)
		case 'u':
			dst = appendNum(dst, weekNumber(y, mo, d, true), 2)
		case 'V':
			w, _ := calcWeek(y, mo, d, weekMode(2))
			dst = appendNum(dst, w, 2)
		case 'v':
			w, _ := calcWeek(y, mo, d, weekMode(3))
			dst = appendNum(dst, w, 2)
		case 'X':
			_, wy := calcWeek(y, mo, d, weekMode(2)|weekYear)
			dst = appendNum(dst, wy, 4)
		case 'x':
			_, wy := calcWeek(y, mo, d, weekMode(3)|weekYear)
			dst = appendNum(dst, wy, 4)
		default:
			dst = append(dst, format[i]) // %% and unknown specifiers print the character
		}
	}
	return dst
}

// MySQL's week behaviour bits.
const (
	weekMondayFirst  = 1
	weekYear         = 2
	weekFirstWeekday = 4
)

// weekMode turns WEEK()'s mode argument into behaviour bits.
func weekMode(mode int64) int {
	m := int(mode & 7)
	if m&weekMondayFirst == 0 {
		m ^= weekFirstWeekday
	}
	return m
}

func daysInYear(y int64) int64 {
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 366
	}
	return 365
}

// calcWeek is MySQL's week algorithm: the week number of y-m-d under the
// behaviour bits, and the year that week belongs to.
func calcWeek(y, m, d int64, behaviour int) (week, year int64) {
	daynr := daysFromCivil(y, m, d)
	first := daysFromCivil(y, 1, 1)
	mondayFirst := behaviour&weekMondayFirst != 0
	wy := behaviour&weekYear != 0
	firstWeekday := behaviour&weekFirstWeekday != 0
	// weekday of Jan 1: 0 is the first day of the week.
	weekday := dayOfWeek0(first)
	if mondayFirst {
		weekday = (weekday + 6) % 7
	}
	year = y
	if m == 1 && d <= 7-weekday {
		if !wy && ((firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4)) {
			return 0, year
		}
		wy = true
		year--
		days := daysInYear(year)
		first -= days
		weekday = (weekday + 53*7 - days) % 7
	}
	var days int64
	if (firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4) {
		days = daynr - (first + (7 - weekday))
	} else {
		days = daynr - (first - weekday)
	}
	if wy && days >= 52*7 {
		weekday = (weekday + daysInYear(year)) % 7
		if (!firstWeekday && weekday < 4) || (firstWeekday && weekday == 0) {
			return 1, year + 1
		}
	}
	return days/7 + 1, year
}

// weekNumber is %U (Sunday first, mode 0) or %u (Monday first, mode 1).
func weekNumber(y, m, d int64, monday bool) int64 {
	mode := int64(0)
	if monday {
		mode = 1
	}
	w, _ := calcWeek(y, m, d, weekMode(mode))
	return w
}

// StrToDate parses s with a DATE_FORMAT-style format; hasTime reports
// whether the format had time specifiers.
func StrToDate(s, format string) (us int64, hasTime bool, ok bool) {
	// Parts the format does not set are zero, and zero months or days are
	// invalid (MySQL's default NO_ZERO_IN_DATE), so such results are NULL.
	y, mo, d, h, mi, sec, frac := int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0)
	pm, h12 := false, false
	yday := int64(-1)
	j := 0
	num := func(maxDigits int) (int64, bool) {
		for j < len(s) && s[j] == ' ' {
			j++
		}
		st := j
		neg := false
		for j < len(s) && j-st < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == st {
			return 0, false
		}
		v, _ := strconv.ParseInt(s[st:j], 10, 64)
		if neg {
			v = -v
		}
		return v, true
	}
	word := func(names [12]string, n int) (int64, bool) {
		for k := 0; k < n; k++ {
			name := names[k]
			if len(s)-j >= len(name) && strings.EqualFold(s[j:j+len(name)], name) {
				j += len(name)
				return int64(k), true
			}
		}
		for k := 0; k < n; k++ {
			name := names[k][:3]
			if len(s)-j >= 3 && strings.EqualFold(s[j:j+3], name) {
				j += 3
				return int64(k), true
			}
		}
		return 0, false
	}
	var ok2 bool
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			if c == ' ' {
				for j < len(s) && s[j] == ' ' {
					j++
				}
				continue
			}
			if j >= len(s) || s[j] != c {
				return 0, false, false
			}
			j++
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			y, ok2 = num(4)
		case 'y':
			y, ok2 = num(2)
			if ok2 {
				if y < 70 {
					y += 2000
				} else {
					y += 1900
				}
			}
		case 'm', 'c':
			mo, ok2 = num(2)
		case 'd', 'e':
			d, ok2 = num(2)
		case 'D':
			d, ok2 = num(2)
			if ok2 && j+2 <= len(s) {
				j += 2
			}
		case 'j':
			yday, ok2 = num(3)
		case 'H', 'k':
			h, ok2 = num(2)
			hasTime = true
		case 'h', 'I', 'l':
			h, ok2 = num(2)
			h12, hasTime = true, true
		case 'i':
			mi, ok2 = num(2)
			hasTime = true
		case 'S', 's':
			sec, ok2 = num(2)
			hasTime = true
		case 'f':
			st := j
			for j < len(s) && j-st < 6 && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			ok2 = j > st
			frac = fracMicros(s[st:j])
			hasTime = true
		case 'p':
			ok2 = j+2 <= len(s)
			if ok2 {
				pm = strings.EqualFold(s[j:j+2], "PM")
				ok2 = pm || strings.EqualFold(s[j:j+2], "AM")
				j += 2
			}
		case 'M', 'b':
			var k int64
			k, ok2 = word(monthNames, 12)
			mo = k + 1
		case 'W', 'a':
			var days [12]string
			copy(days[:], dayNames[:])
			_, ok2 = word(days, 7)
		case 'T':
			h, ok2 = num(2)
			if ok2 && j < len(s) && s[j] == ':' {
				j++
				mi, ok2 = num(2)
				if ok2 && j < len(s) && s[j] == ':' {
					j++
					sec, ok2 = num(2)
				}
			}
			hasTime = true
		case '%':
			ok2 = j < len(s) && s[j] == '%'
			j++
		default:
			ok2 = j < len(s) && s[j] == format[i]
			j++
		}
		if !ok2 {
			return 0, false, false
		}
	}
	if h12 {
		if h < 1 || h > 12 {
			return 0, false, false
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if yday > 0 && mo == 0 && d == 0 {
		days := daysFromCivil(y, 1, 1) + yday - 1
		y, mo, d = civil(days)
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, false, false
	}
	return daysFromCivil(y, mo, d)*usPerDay + ((h*60+mi)*60+sec)*1_000_000 + frac, hasTime, true
}

func dtPart(r *Registry, name, desc string, f func(us int64) int64) {
	r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: []arrow.DataType{Datetime}, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[arrow.Timestamp, int64](ec, a[0], Int64, func(t arrow.Timestamp) int64 { return f(int64(t)) }), nil
		}}))
}

// timePart registers a DATETIME overload and a TIME overload (TIME values
// can exceed 24 hours, so they are not read as a time of day).
func timePart(r *Registry, name, desc string, fdt, ft func(us int64) int64) {
	r.Register(NewScalarEntry(name, desc, Immutable,
		Overload{Args: []arrow.DataType{Datetime}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[arrow.Timestamp, int64](ec, a[0], Int64, func(t arrow.Timestamp) int64 { return fdt(int64(t)) }), nil
		}},
		Overload{Args: []arrow.DataType{Time}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[arrow.Time64, int64](ec, a[0], Int64, func(t arrow.Time64) int64 { return ft(int64(t)) }), nil
		}},
		// text is read as a TIME, as MySQL does (HOUR('272:59:59') = 272;
		// a date and time gives its time part)
		Overload{Args: s1, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			t, err := castToTime(ec, a[0])
			if err != nil {
				return nil, err
			}
			defer t.Release()
			return Unary[arrow.Time64, int64](ec, t, Int64, func(t arrow.Time64) int64 { return ft(int64(t)) }), nil
		}}))
}

func dtText(r *Registry, name, desc string, f func(us int64) string) {
	r.Register(NewScalarEntry(name, desc, Immutable, Overload{Args: []arrow.DataType{Datetime}, Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			vals := Values[arrow.Timestamp](a[0])
			return StringKernel(ec, a, n, func(i int) (string, bool) { return f(int64(vals[i])), true }), nil
		}}))
}

// nowMicros is the statement time (ec.Now) at fsp fractional digits.
func nowMicros(ec *EvalContext, fsp int64) int64 {
	us := ec.Now.UnixMicro()
	if fsp >= 6 {
		return us
	}
	p := int64(math.Pow10(int(6 - max(fsp, 0))))
	return floorDiv(us, p) * p
}

func constKernel[T arrow.FixedWidthType](typ arrow.DataType, f func(ec *EvalContext, a []arrow.Array) T) Kernel {
	return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		out := NewFixedOut[T](ec.mem(), typ, n)
		v := f(ec, a)
		for i := range out.Values {
			out.Values[i] = v
		}
		return out.Finish(), nil
	}
}

func registerDatetime(r *Registry) {
	dt1 := []arrow.DataType{Datetime}
	nowK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		out := NewFixedOut[arrow.Timestamp](ec.mem(), Datetime, n)
		var fsp []int64
		if len(a) > 0 {
			fsp = Values[int64](a[0])
		}
		for i := range out.Values {
			f := int64(0)
			if fsp != nil {
				f = fsp[i]
			}
			out.Values[i] = arrow.Timestamp(nowMicros(ec, f))
		}
		return out.Finish(), nil
	}
	for _, name := range []string{"now", "current_timestamp", "localtime", "localtimestamp", "sysdate", "utc_timestamp"} {
		r.Register(NewScalarEntry(name, "statement start time (UTC), optional fractional digits", Stable,
			Overload{Return: Datetime, Kernel: nowK}, Overload{Args: i1, Return: Datetime, Kernel: nowK}))
	}
	for _, name := range []string{"curdate", "current_date", "utc_date"} {
		r.Register(NewScalarEntry(name, "statement start date (UTC)", Stable, Overload{Return: Date32,
			Kernel: constKernel[arrow.Date32](Date32, func(ec *EvalContext, _ []arrow.Array) arrow.Date32 {
				return arrow.Date32(floorDiv(ec.Now.UnixMicro(), usPerDay))
			})}))
	}
	for _, name := range []string{"curtime", "current_time", "utc_time"} {
		r.Register(NewScalarEntry(name, "statement start time of day (TIME)", Stable, Overload{Return: Time,
			Kernel: constKernel[arrow.Time64](Time, func(ec *EvalContext, _ []arrow.Array) arrow.Time64 {
				us := nowMicros(ec, 0)
				return arrow.Time64(us - floorDiv(us, usPerDay)*usPerDay)
			})}))
	}
	t1 := []arrow.DataType{Time}
	r.Register(NewScalarEntry("time", "TIME part of a value", Immutable, Overload{Args: t1, Return: Time,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { a[0].Retain(); return a[0], nil }}))
	clipTime := func(us int64) arrow.Time64 { return arrow.Time64(max(min(us, maxTimeMicros), -maxTimeMicros)) }
	r.Register(NewScalarEntry("timediff", "TIMEDIFF(a, b) = a - b as TIME (clipped to ±838:59:59)", Immutable,
		Overload{Args: []arrow.DataType{Datetime, Datetime}, Return: Time, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Binary[arrow.Timestamp, arrow.Timestamp, arrow.Time64](ec, a[0], a[1], Time, func(x, y arrow.Timestamp) arrow.Time64 { return clipTime(int64(x) - int64(y)) }), nil
		}},
		Overload{Args: []arrow.DataType{Time, Time}, Return: Time, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Binary[arrow.Time64, arrow.Time64, arrow.Time64](ec, a[0], a[1], Time, func(x, y arrow.Time64) arrow.Time64 { return clipTime(int64(x) - int64(y)) }), nil
		}},
		// text: two dates and times or two TIMEs (NULL when mixed), as MySQL
		Overload{Args: s2, Return: Time, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			x, y := StringsOf(a[0]), StringsOf(a[1])
			parse := func(s string) (int64, bool, bool) {
				if looksLikeDate(s) {
					us, _, ok := ParseDatetime(s)
					return us, true, ok
				}
				us, ok := ParseTime(s)
				return us, false, ok
			}
			return RowKernel[arrow.Time64](ec, Time, a, n, func(i int) (arrow.Time64, bool) {
				u, ud, ok1 := parse(x.Get(i))
				v, vd, ok2 := parse(y.Get(i))
				if !ok1 || !ok2 || ud != vd {
					return 0, false
				}
				return clipTime(u - v), true
			}), nil
		}}))
	for _, x := range []struct {
		name string
		sign int64
	}{{"addtime", 1}, {"subtime", -1}} {
		sign := x.sign
		r.Register(NewScalarEntry(x.name, "ADDTIME/SUBTIME(d, t): DATETIME or TIME shifted by a TIME", Immutable,
			Overload{Args: []arrow.DataType{Datetime, Time}, Return: Datetime, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return Binary[arrow.Timestamp, arrow.Time64, arrow.Timestamp](ec, a[0], a[1], Datetime, func(d arrow.Timestamp, t arrow.Time64) arrow.Timestamp {
					return d + arrow.Timestamp(sign*int64(t))
				}), nil
			}},
			Overload{Args: []arrow.DataType{Time, Time}, Return: Time, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				return Binary[arrow.Time64, arrow.Time64, arrow.Time64](ec, a[0], a[1], Time, func(x, y arrow.Time64) arrow.Time64 { return clipTime(int64(x) + sign*int64(y)) }), nil
			}},
			// text: a date and time or a TIME, decided per value as MySQL
			// does; the result is text in the same form
			Overload{Args: s2, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				d, t := StringsOf(a[0]), StringsOf(a[1])
				var buf []byte
				return StringKernel(ec, a, n, func(i int) (string, bool) {
					shift, ok := ParseTime(t.Get(i))
					if !ok || looksLikeDate(t.Get(i)) {
						return "", false
					}
					if s := d.Get(i); looksLikeDate(s) {
						us, _, ok := ParseDatetime(s)
						if !ok {
							return "", false
						}
						buf = appendDatetime(buf[:0], us+sign*shift)
						return string(buf), true
					}
					us, ok := ParseTime(d.Get(i))
					if !ok {
						return "", false
					}
					buf = appendTime(buf[:0], int64(clipTime(us+sign*shift)))
					return string(buf), true
				}), nil
			}}))
	}
	r.Register(NewScalarEntry("time_to_sec", "TIME as seconds", Immutable, Overload{Args: t1, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[arrow.Time64, int64](ec, a[0], Int64, func(t arrow.Time64) int64 { return int64(t) / 1_000_000 }), nil
		}}))
	r.Register(NewScalarEntry("sec_to_time", "seconds as TIME (clipped to ±838:59:59)", Immutable, Overload{Args: i1, Return: Time,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[int64, arrow.Time64](ec, a[0], Time, func(s int64) arrow.Time64 {
				return arrow.Time64(max(min(s*1_000_000, maxTimeMicros), -maxTimeMicros))
			}), nil
		}}))
	r.Register(NewScalarEntry("date", "date part of a date/time", Immutable, Overload{Args: dt1, Return: Date32,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { return castToDate(ec, a[0]) }}))
	r.Register(NewScalarEntry("timestamp", "TIMESTAMP(d[, time]): value as DATETIME, plus a time", Immutable, Overload{Args: dt1, Return: Datetime,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { a[0].Retain(); return a[0], nil }},
		Overload{Args: []arrow.DataType{Datetime, Time}, Return: Datetime, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Binary[arrow.Timestamp, arrow.Time64, arrow.Timestamp](ec, a[0], a[1], Datetime, func(d arrow.Timestamp, t arrow.Time64) arrow.Timestamp {
				return d + arrow.Timestamp(t)
			}), nil
		}}))
	ymd := func(us int64) (int64, int64, int64) {
		y, m, d := civil(floorDiv(us, usPerDay))
		return y, m, d
	}
	dtPart(r, "year", "year", func(us int64) int64 { y, _, _ := ymd(us); return y })
	dtPart(r, "month", "month 1-12", func(us int64) int64 { _, m, _ := ymd(us); return m })
	dtPart(r, "quarter", "quarter 1-4", func(us int64) int64 { _, m, _ := ymd(us); return (m + 2) / 3 })
	for _, name := range []string{"day", "dayofmonth"} {
		dtPart(r, name, "day of month 1-31", func(us int64) int64 { _, _, d := ymd(us); return d })
	}
	dtPart(r, "dayofweek", "1 = Sunday .. 7 = Saturday", func(us int64) int64 { return dayOfWeek0(floorDiv(us, usPerDay)) + 1 })
	dtPart(r, "weekday", "0 = Monday .. 6 = Sunday", func(us int64) int64 { return (dayOfWeek0(floorDiv(us, usPerDay)) + 6) % 7 })
	dtPart(r, "dayofyear", "day of year 1-366", func(us int64) int64 { y, m, d := ymd(us); return dayOfYear(y, m, d) })
	weekK := func(year bool) Kernel {
		return func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			vals := Values[arrow.Timestamp](a[0])
			var modes []int64
			if len(a) > 1 {
				modes = Values[int64](a[1])
			}
			return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				mode := int64(0)
				if modes != nil {
					mode = modes[i]
				}
				y, m, d := ymd(int64(vals[i]))
				if year {
					w, wy := calcWeek(y, m, d, weekMode(mode)|weekYear)
					return wy*100 + w, true
				}
				w, _ := calcWeek(y, m, d, weekMode(mode))
				return w, true
			}), nil
		}
	}
	r.Register(NewScalarEntry("week", "WEEK(d[, mode]): week number under MySQL's modes 0-7", Immutable,
		Overload{Args: dt1, Return: Int64, Kernel: weekK(false)}, Overload{Args: []arrow.DataType{Datetime, Int64}, Return: Int64, Kernel: weekK(false)}))
	r.Register(NewScalarEntry("yearweek", "YEARWEEK(d[, mode]): year and week as yyyyww", Immutable,
		Overload{Args: dt1, Return: Int64, Kernel: weekK(true)}, Overload{Args: []arrow.DataType{Datetime, Int64}, Return: Int64, Kernel: weekK(true)}))
	dtPart(r, "weekofyear", "ISO week 1-53 (WEEK(d, 3))", func(us int64) int64 { y, m, d := ymd(us); w, _ := calcWeek(y, m, d, weekMode(3)); return w })
	timePart(r, "hour", "hour (of a TIME: may exceed 23)", func(us int64) int64 { _, _, _, h, _, _, _ := splitMicros(us); return h },
		func(us int64) int64 { _, h, _, _, _ := splitTime(us); return h })
	timePart(r, "minute", "minute 0-59", func(us int64) int64 { _, _, _, _, m, _, _ := splitMicros(us); return m },
		func(us int64) int64 { _, _, m, _, _ := splitTime(us); return m })
	timePart(r, "second", "second 0-59", func(us int64) int64 { _, _, _, _, _, s, _ := splitMicros(us); return s },
		func(us int64) int64 { _, _, _, s, _ := splitTime(us); return s })
	timePart(r, "microsecond", "microseconds 0-999999", func(us int64) int64 { _, _, _, _, _, _, f := splitMicros(us); return f },
		func(us int64) int64 { _, _, _, _, f := splitTime(us); return f })
	dtPart(r, "to_days", "days since year 0", func(us int64) int64 { return floorDiv(us, usPerDay) + 719528 })
	dtPart(r, "to_seconds", "seconds since year 0", func(us int64) int64 { return floorDiv(us, 1_000_000) + 719528*86400 })
	dtText(r, "dayname", "name of the weekday", func(us int64) string { return dayNames[dayOfWeek0(floorDiv(us, usPerDay))] })
	dtText(r, "monthname", "name of the month", func(us int64) string { _, m, _ := ymd(us); return monthNames[m-1] })
	r.Register(NewScalarEntry("last_day", "last day of the month", Immutable, Overload{Args: dt1, Return: Date32,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[arrow.Timestamp, arrow.Date32](ec, a[0], Date32, func(t arrow.Timestamp) arrow.Date32 {
				y, m, _ := ymd(int64(t))
				return arrow.Date32(daysFromCivil(y, m, daysInMonth(y, m)))
			}), nil
		}}))
	r.Register(NewScalarEntry("from_days", "date from a day number (TO_DAYS inverse)", Immutable, Overload{Args: i1, Return: Date32,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Unary[int64, arrow.Date32](ec, a[0], Date32, func(v int64) arrow.Date32 { return arrow.Date32(v - 719528) }), nil
		}}))
	r.Register(NewScalarEntry("date_format", "format a date/time with MySQL % specifiers", Immutable, Overload{Args: []arrow.DataType{Datetime, Utf8}, Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			vals, fv := Values[arrow.Timestamp](a[0]), StringsOf(a[1])
			var buf []byte
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				buf = FormatDate(buf[:0], int64(vals[i]), fv.Get(i))
				return string(buf), true
			}), nil
		}}))
	r.Register(NewScalarEntry("datediff", "days from b to a", Immutable, Overload{Args: []arrow.DataType{Date32, Date32}, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Binary[arrow.Date32, arrow.Date32, int64](ec, a[0], a[1], Int64, func(x, y arrow.Date32) int64 { return int64(x) - int64(y) }), nil
		}}))
	r.Register(NewScalarEntry("timestampdiff", "TIMESTAMPDIFF(unit, a, b): whole units from a to b", Immutable,
		Overload{Args: []arrow.DataType{Utf8, Datetime, Datetime}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			uv := StringsOf(a[0])
			x, y := Values[arrow.Timestamp](a[1]), Values[arrow.Timestamp](a[2])
			var uerr error
			res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				v, err := timestampDiff(uv.Get(i), int64(x[i]), int64(y[i]))
				if err != nil {
					uerr = err
				}
				return v, err == nil
			})
			if uerr != nil {
				res.Release()
				return nil, uerr
			}
			return res, nil
		}}))
	for _, x := range []struct {
		name string
		sign int64
	}{{"date_add", 1}, {"adddate", 1}, {"date_sub", -1}, {"subdate", -1}} {
		desc := "DATE_ADD(d, INTERVAL v unit): args (d, v, unit); DATETIME in → DATETIME, DATE or text in → MySQL text"
		r.Register(NewScalarEntry(x.name, desc, Immutable,
			Overload{Args: []arrow.DataType{Datetime, Utf8, Utf8}, Return: Datetime, Kernel: dateAddKernel(x.sign, false)},
			Overload{Args: []arrow.DataType{Utf8, Utf8, Utf8}, Return: Utf8, Kernel: dateAddKernel(x.sign, true)},
			Overload{Args: []arrow.DataType{Date32, Utf8, Utf8}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				s, err := castToString(ec, a[0])
				if err != nil {
					return nil, err
				}
				defer s.Release()
				return dateAddKernel(x.sign, true)(ec, []arrow.Array{s, a[1], a[2]}, n)
			}}))
	}
	unixK := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		if len(a) == 0 {
			return constKernel[int64](Int64, func(ec *EvalContext, _ []arrow.Array) int64 { return ec.Now.Unix() })(ec, a, n)
		}
		return Unary[arrow.Timestamp, int64](ec, a[0], Int64, func(t arrow.Timestamp) int64 { return floorDiv(int64(t), 1_000_000) }), nil
	}
	r.Register(NewScalarEntry("unix_timestamp", "seconds since 1970-01-01 UTC (of now or of a date/time)", Stable,
		Overload{Return: Int64, Kernel: unixK}, Overload{Args: dt1, Return: Int64, Kernel: unixK}))
	r.Register(NewScalarEntry("from_unixtime", "DATETIME from seconds since the epoch; with a format, text", Immutable,
		Overload{Args: []arrow.DataType{Float64}, Return: Datetime, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return UnaryNullable[float64, arrow.Timestamp](ec, a[0], Datetime, func(s float64) (arrow.Timestamp, bool) {
				return arrow.Timestamp(math.Round(s * 1e6)), s >= 0 && s < 32536771200
			}), nil
		}},
		Overload{Args: []arrow.DataType{Float64, Utf8}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			secs, fv := Values[float64](a[0]), StringsOf(a[1])
			var buf []byte
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				if secs[i] < 0 || secs[i] >= 32536771200 {
					return "", false
				}
				buf = FormatDate(buf[:0], int64(math.Round(secs[i]*1e6)), fv.Get(i))
				return string(buf), true
			}), nil
		}}))
	r.Register(NewScalarEntry("str_to_date", "parse text with a DATE_FORMAT format; MySQL text of the DATE or DATETIME, NULL if it does not parse", Immutable,
		Overload{Args: s2, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv, fv := StringsOf(a[0]), StringsOf(a[1])
			var buf []byte
			var ferr error
			res := StringKernel(ec, a, n, func(i int) (string, bool) {
				us, hasTime, ok := StrToDate(sv.Get(i), fv.Get(i))
				if !ok {
					if err := ec.dataError(1411, "Incorrect datetime value: '%s' for function str_to_date", sv.Get(i)); err != nil && ferr == nil {
						ferr = err
					}
					return "", false
				}
				if hasTime {
					buf = appendDatetime(buf[:0], us)
				} else {
					buf = appendDate(buf[:0], floorDiv(us, usPerDay))
				}
				return string(buf), true
			})
			if ferr != nil {
				res.Release()
				return nil, ferr
			}
			return res, nil
		}}))
	r.Register(NewScalarEntry("extract", "EXTRACT(unit FROM d): args (unit, d)", Immutable,
		Overload{Args: []arrow.DataType{Utf8, Datetime}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			uv, vals := StringsOf(a[0]), Values[arrow.Timestamp](a[1])
			var uerr error
			res := RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				v, err := extract(uv.Get(i), int64(vals[i]))
				if err != nil {
					uerr = err
				}
				return v, err == nil
			})
			if uerr != nil {
				res.Release()
				return nil, uerr
			}
			return res, nil
		}}))
}

func extract(unit string, us int64) (int64, error) {
	y, mo, d, h, mi, s, f := splitMicros(us)
	switch strings.ToUpper(strings.TrimSpace(unit)) {
	case "YEAR":
		return y, nil
	case "QUARTER":
		return (mo + 2) / 3, nil
	case "MONTH":
		return mo, nil
	case "WEEK":
		return weekNumber(y, mo, d, false), nil
	case "YEAR_WEEK":
		w, wy := calcWeek(y, mo, d, weekMode(0)|weekYear)
		return wy*100 + w, nil
	case "DAY":
		return d, nil
	case "HOUR":
		return h, nil
	case "MINUTE":
		return mi, nil
	case "SECOND":
		return s, nil
	case "MICROSECOND":
		return f, nil
	case "YEAR_MONTH":
		return y*100 + mo, nil
	case "DAY_HOUR":
		return d*100 + h, nil
	case "DAY_MINUTE":
		return (d*100+h)*100 + mi, nil
	case "DAY_SECOND":
		return ((d*100+h)*100+mi)*100 + s, nil
	case "HOUR_MINUTE":
		return h*100 + mi, nil
	case "HOUR_SECOND":
		return (h*100+mi)*100 + s, nil
	case "MINUTE_SECOND":
		return mi*100 + s, nil
	}
	return 0, sqlerr.New(sqlerr.ErrWrongArguments, "unknown unit '%s' in EXTRACT", unit)
}

func timestampDiff(unit string, a, b int64) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(unit))
	switch u {
	case "MICROSECOND":
		return b - a, nil
	case "SECOND":
		return (b - a) / 1_000_000, nil
	case "MINUTE":
		return (b - a) / 60_000_000, nil
	case "HOUR":
		return (b - a) / 3_600_000_000, nil
	case "DAY":
		return (b - a) / usPerDay, nil
	case "WEEK":
		return (b - a) / (7 * usPerDay), nil
	case "MONTH", "QUARTER", "YEAR":
		ya, ma, da, ha, mia, sa, fa := splitMicros(a)
		yb, mb, db, hb, mib, sb, fb := splitMicros(b)
		months := (yb-ya)*12 + (mb - ma)
		// A month only counts once the day and time of day are reached.
		restA := (((da*24+ha)*60+mia)*60+sa)*1_000_000 + fa
		restB := (((db*24+hb)*60+mib)*60+sb)*1_000_000 + fb
		if months > 0 && restB < restA {
			months--
		} else if months < 0 && restB > restA {
			months++
		}
		switch u {
		case "QUARTER":
			return months / 3, nil
		case "YEAR":
			return months / 12, nil
		}
		return months, nil
	}
	return 0, sqlerr.New(sqlerr.ErrWrongArguments, "unknown unit '%s' in TIMESTAMPDIFF", unit)
}
