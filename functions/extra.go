package functions

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql/sqlerr"
)

// More MySQL 8 string, number, date and network functions.

// registerExtra adds the functions of this file.
func registerExtra(r *Registry) {
	registerExtraString(r)
	registerExtraDatetime(r)
	registerExtraNet(r)
	registerJSONAggregates(r)
	registerExtraMisc(r)
}

func registerExtraString(r *Registry) {
	// CHAR(n, … [USING charset]): TiDB's parser passes the charset (or NULL)
	// as the last argument of char_func (the planner binds it as char).
	r.Register(customEntry("char", "(BIGINT, ... [USING charset]) -> VARCHAR", "CHAR(n, ...): the characters whose codes are the arguments (each as 1-4 bytes, big-endian); NULLs are skipped", Immutable, 1, -1,
		func(args []arrow.DataType) (*Bound, error) {
			want := repeatType(Int64, len(args))
			want[len(want)-1] = Utf8
			return bound("char", want, Utf8, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
				nums := a[:len(a)-1]
				valid := make([]Validity, len(nums))
				for j := range nums {
					valid[j] = ValidityOf(nums[j])
				}
				var buf []byte
				return StringKernel(ec, nil, n, func(i int) (string, bool) {
					buf = buf[:0]
					for j := range nums {
						if !valid[j].Valid(i) {
							continue
						}
						v := uint32(Values[int64](nums[j])[i])
						var b [4]byte
						binary.BigEndian.PutUint32(b[:], v)
						k := 0
						for k < 3 && b[k] == 0 {
							k++
						}
						buf = append(buf, b[k:]...)
					}
					return string(buf), true
				}), nil
			}), nil
		}))
	// INSERT(str, pos, len, newstr): TiDB names it insert_func, bound as insert.
	r.Register(NewScalarEntry("insert", "INSERT(str, pos, len, newstr): str with len characters from pos replaced by newstr", Immutable,
		Overload{Args: []arrow.DataType{Utf8, Int64, Int64, Utf8}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			s, pos, ln, ns := StringsOf(a[0]), Values[int64](a[1]), Values[int64](a[2]), StringsOf(a[3])
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				str := s.Get(i)
				rs := []rune(str)
				p, l := pos[i], ln[i]
				if p < 1 || p > int64(len(rs)) {
					return str, true
				}
				end := int64(len(rs))
				if l >= 0 && p-1+l < end {
					end = p - 1 + l
				}
				return string(rs[:p-1]) + ns.Get(i) + string(rs[end:]), true
			}), nil
		}}))
	strFn(r, "soundex", "SOUNDEX(str): MySQL's original Soundex code (vowels dropped before duplicates, at least 4 characters)", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (string, bool) {
		sv := StringsOf(a[0])
		return func(i int) (string, bool) { return soundex(sv.Get(i)), true }
	})
	r.Register(NewScalarEntry("quote", "QUOTE(str): str as an SQL string literal ('NULL' for NULL)", Immutable,
		Overload{Args: s1, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv, valid := StringsOf(a[0]), ValidityOf(a[0])
			var b strings.Builder
			return StringKernel(ec, nil, n, func(i int) (string, bool) {
				if !valid.Valid(i) {
					return "NULL", true
				}
				b.Reset()
				b.WriteByte('\'')
				for _, c := range []byte(sv.Get(i)) {
					switch c {
					case '\\', '\'':
						b.WriteByte('\\')
						b.WriteByte(c)
					case 0:
						b.WriteString(`\0`)
					case 26:
						b.WriteString(`\Z`)
					default:
						b.WriteByte(c)
					}
				}
				b.WriteByte('\'')
				return b.String(), true
			}), nil
		}}))
	intFn(r, "bit_length", "BIT_LENGTH(str): length in bits", s1, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
		sv := StringsOf(a[0])
		return func(i int) (int64, bool) { return 8 * int64(len(sv.Get(i))), true }
	})
	r.Register(NewScalarEntry("conv", "CONV(n, from_base, to_base): n converted between bases 2-36 (negative to_base: signed)", Immutable,
		Overload{Args: sii, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv, from, to := StringsOf(a[0]), Values[int64](a[1]), Values[int64](a[2])
			return StringKernel(ec, a, n, func(i int) (string, bool) { return conv(sv.Get(i), from[i], to[i]) }), nil
		}}))
	r.Register(NewScalarEntry("make_set", "MAKE_SET(bits, str1, ...): the strings whose bits are set, comma-separated", Immutable,
		Overload{Args: i1, Variadic: Utf8, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			bits := Values[int64](a[0])
			strs := make([]StringView, len(a)-1)
			valid := make([]Validity, len(a)-1)
			for j := range strs {
				strs[j], valid[j] = StringsOf(a[j+1]), ValidityOf(a[j+1])
			}
			var buf []byte
			return StringKernel(ec, a[:1], n, func(i int) (string, bool) {
				buf = buf[:0]
				first := true
				for j := range strs {
					if j >= 64 || uint64(bits[i])&(1<<j) == 0 || !valid[j].Valid(i) {
						continue
					}
					if !first {
						buf = append(buf, ',')
					}
					first = false
					buf = append(buf, strs[j].Get(i)...)
				}
				return string(buf), true
			}), nil
		}}))
	exportSet := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		bits, on, off := Values[int64](a[0]), StringsOf(a[1]), StringsOf(a[2])
		var sep StringView
		var cnt []int64
		if len(a) > 3 {
			sep = StringsOf(a[3])
		}
		if len(a) > 4 {
			cnt = Values[int64](a[4])
		}
		var buf []byte
		return StringKernel(ec, a, n, func(i int) (string, bool) {
			s, k := ",", int64(64)
			if len(a) > 3 {
				s = sep.Get(i)
			}
			if cnt != nil && cnt[i] >= 0 && cnt[i] < 64 {
				k = cnt[i]
			}
			buf = buf[:0]
			for j := int64(0); j < k; j++ {
				if j > 0 {
					buf = append(buf, s...)
				}
				if uint64(bits[i])&(1<<j) != 0 {
					buf = append(buf, on.Get(i)...)
				} else {
					buf = append(buf, off.Get(i)...)
				}
			}
			return string(buf), true
		}), nil
	}
	r.Register(NewScalarEntry("export_set", "EXPORT_SET(bits, on, off[, separator[, number_of_bits]]): one on/off string per bit, lowest first", Immutable,
		Overload{Args: []arrow.DataType{Int64, Utf8, Utf8}, Return: Utf8, Kernel: exportSet},
		Overload{Args: []arrow.DataType{Int64, Utf8, Utf8, Utf8}, Return: Utf8, Kernel: exportSet},
		Overload{Args: []arrow.DataType{Int64, Utf8, Utf8, Utf8, Int64}, Return: Utf8, Kernel: exportSet}))
}

// soundexCode maps A-Z to Soundex digits ('0': vowels and H, W, Y).
const soundexCode = "01230120022455012623010202"

func soundex(s string) string {
	var out []byte
	last := byte(0)
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			if r > unicode.MaxASCII && unicode.IsLetter(r) && out == nil {
				// MySQL keeps a leading non-ASCII letter as it is
				out = utf8.AppendRune(out, unicode.ToUpper(r))
				last = '0'
			}
			continue
		}
		u := byte(unicode.ToUpper(r))
		code := soundexCode[u-'A']
		if out == nil {
			out = append(out, u)
			last = code
			continue
		}
		if code != '0' && code != last {
			out = append(out, code)
			last = code
		}
	}
	if out == nil {
		return ""
	}
	for utf8.RuneCount(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}

// conv is MySQL's CONV: the longest prefix of digits valid in from_base is
// read (a leading '-' negates it, modulo 2^64), then written in to_base.
func conv(s string, from, to int64) (string, bool) {
	fb, tb := from, to
	if fb < 0 {
		fb = -fb
	}
	if tb < 0 {
		tb = -tb
	}
	if fb < 2 || fb > 36 || tb < 2 || tb > 36 {
		return "", false
	}
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v uint64
	over := false
	for _, c := range []byte(s) {
		var d int64
		switch {
		case c >= '0' && c <= '9':
			d = int64(c - '0')
		case c >= 'a' && c <= 'z':
			d = int64(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int64(c-'A') + 10
		default:
			d = 99
		}
		if d >= fb {
			break
		}
		nv := v*uint64(fb) + uint64(d)
		if nv/uint64(fb) != v && !over {
			over = true
		}
		if over {
			v = ^uint64(0)
			continue
		}
		v = nv
	}
	if from < 0 && over {
		// a signed source clips to the int64 range
		v = 1<<63 - 1
		if neg {
			v = 1 << 63
			neg = false
		}
	}
	if neg {
		v = -v
	}
	if to < 0 && int64(v) < 0 {
		return "-" + strings.ToUpper(strconv.FormatUint(uint64(-int64(v)), int(tb))), true
	}
	return strings.ToUpper(strconv.FormatUint(v, int(tb))), true
}

func registerExtraDatetime(r *Registry) {
	r.Register(NewScalarEntry("maketime", "MAKETIME(hour, minute, second): a TIME (NULL if minute or second is out of 0-59)", Immutable,
		Overload{Args: []arrow.DataType{Int64, Int64, Float64}, Return: Time, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			h, m, s := Values[int64](a[0]), Values[int64](a[1]), Values[float64](a[2])
			return RowKernel[arrow.Time64](ec, Time, a, n, func(i int) (arrow.Time64, bool) {
				if m[i] < 0 || m[i] > 59 || s[i] < 0 || s[i] >= 60 {
					return 0, false
				}
				sign := int64(1)
				hh := h[i]
				if hh < 0 {
					sign, hh = -1, -hh
				}
				us := (hh*3600+m[i]*60)*1_000_000 + int64(s[i]*1_000_000+0.5)
				return arrow.Time64(max(min(sign*us, maxTimeMicros), -maxTimeMicros)), true
			}), nil
		}}))
	r.Register(NewScalarEntry("time_format", "TIME_FORMAT(time, format): like DATE_FORMAT with the hour, minute, second and microsecond specifiers", Immutable,
		Overload{Args: []arrow.DataType{Time, Utf8}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			t, f := Values[arrow.Time64](a[0]), StringsOf(a[1])
			var b []byte
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				b = timeFormat(b[:0], int64(t[i]), f.Get(i))
				return string(b), true
			}), nil
		}}))
	periodMonths := func(p int64) int64 {
		if p == 0 {
			return 0
		}
		y, m := p/100, p%100
		if y < 70 {
			y += 2000
		} else if y < 100 {
			y += 1900
		}
		return y*12 + m - 1
	}
	r.Register(NewScalarEntry("period_add", "PERIOD_ADD(P, N): N months added to the period P (YYMM or YYYYMM), as YYYYMM", Immutable,
		Overload{Args: []arrow.DataType{Int64, Int64}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			p, k := Values[int64](a[0]), Values[int64](a[1])
			return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				if p[i] == 0 {
					return 0, true
				}
				m := periodMonths(p[i]) + k[i]
				return m/12*100 + m%12 + 1, true
			}), nil
		}}))
	r.Register(NewScalarEntry("period_diff", "PERIOD_DIFF(P1, P2): months between two periods (YYMM or YYYYMM)", Immutable,
		Overload{Args: []arrow.DataType{Int64, Int64}, Return: Int64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			p, q := Values[int64](a[0]), Values[int64](a[1])
			return RowKernel[int64](ec, Int64, a, n, func(i int) (int64, bool) {
				return periodMonths(p[i]) - periodMonths(q[i]), true
			}), nil
		}}))
}

// timeFormat formats a TIME (microseconds) with the DATE_FORMAT specifiers
// that concern time; date specifiers give NULL in MySQL, here their literal
// zero values.
func timeFormat(b []byte, us int64, f string) []byte {
	neg := us < 0
	if neg {
		us = -us
	}
	h := us / 3_600_000_000
	m := us / 60_000_000 % 60
	s := us / 1_000_000 % 60
	frac := us % 1_000_000
	two := func(b []byte, v int64) []byte {
		if v < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, v, 10)
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	ampm := "AM"
	if h%24 >= 12 {
		ampm = "PM"
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			b = append(b, c)
			continue
		}
		i++
		switch f[i] {
		case 'H':
			if neg {
				b = append(b, '-')
			}
			b = two(b, h)
		case 'k':
			if neg {
				b = append(b, '-')
			}
			b = strconv.AppendInt(b, h, 10)
		case 'h', 'I':
			b = two(b, h12)
		case 'l':
			b = strconv.AppendInt(b, h12, 10)
		case 'i':
			b = two(b, m)
		case 's', 'S':
			b = two(b, s)
		case 'f':
			b = append(b, strconv.FormatInt(1_000_000+frac, 10)[1:]...)
		case 'p':
			b = append(b, ampm...)
		case 'r':
			b = two(b, h12)
			b = append(b, ':')
			b = two(b, m)
			b = append(b, ':')
			b = two(b, s)
			b = append(b, ' ')
			b = append(b, ampm...)
		case 'T':
			if neg {
				b = append(b, '-')
			}
			b = two(b, h)
			b = append(b, ':')
			b = two(b, m)
			b = append(b, ':')
			b = two(b, s)
		default:
			b = append(b, f[i])
		}
	}
	return b
}

func registerExtraNet(r *Registry) {
	r.Register(NewScalarEntry("inet_aton", "INET_ATON(ip): an IPv4 address as a number (NULL if invalid)", Immutable,
		Overload{Args: s1, Return: Uint64, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			sv := StringsOf(a[0])
			return RowKernel[uint64](ec, Uint64, a, n, func(i int) (uint64, bool) { return inetAton(sv.Get(i)) }), nil
		}}))
	r.Register(NewScalarEntry("inet_ntoa", "INET_NTOA(n): the dotted IPv4 address of a number", Immutable,
		Overload{Args: []arrow.DataType{Uint64}, Return: Utf8, Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			v := Values[uint64](a[0])
			return StringKernel(ec, a, n, func(i int) (string, bool) {
				if v[i] > 0xFFFFFFFF {
					return "", false
				}
				var b [4]byte
				binary.BigEndian.PutUint32(b[:], uint32(v[i]))
				return netip.AddrFrom4(b).String(), true
			}), nil
		}}))
	isAddr := func(name, desc string, ok func(s string) bool) {
		intFn(r, name, desc, s1, func(ec *EvalContext, a []arrow.Array) func(i int) (int64, bool) {
			sv := StringsOf(a[0])
			return func(i int) (int64, bool) { return b2i64(ok(sv.Get(i))), true }
		})
	}
	isAddr("is_ipv4", "IS_IPV4(s): whether s is a dotted IPv4 address", func(s string) bool {
		_, ok := inetAton(s)
		return ok && strings.Count(s, ".") == 3
	})
	isAddr("is_ipv6", "IS_IPV6(s): whether s is an IPv6 address", func(s string) bool {
		ip, err := netip.ParseAddr(s)
		return err == nil && ip.Is6() && ip.Zone() == ""
	})
	isAddr("is_uuid", "IS_UUID(s): whether s is a UUID (with or without dashes, optionally in braces)", func(s string) bool {
		_, ok := parseUUID(s)
		return ok
	})
	uuidToBin := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sv, swapped := StringsOf(a[0]), swapFlag(a)
		var ferr error
		res := StringKernel(ec, a[:1], n, func(i int) (string, bool) {
			u, ok := parseUUID(sv.Get(i))
			if !ok {
				if ferr == nil {
					ferr = errIncorrectUUID("uuid_to_bin", sv.Get(i))
				}
				return "", false
			}
			if swapped(i) {
				var s [16]byte
				copy(s[0:2], u[6:8])
				copy(s[2:4], u[4:6])
				copy(s[4:8], u[0:4])
				copy(s[8:], u[8:])
				u = s
			}
			return string(u[:]), true
		})
		if ferr != nil {
			res.Release()
			return nil, ferr
		}
		defer res.Release()
		return asBinary(res), nil
	}
	r.Register(NewScalarEntry("uuid_to_bin", "UUID_TO_BIN(uuid[, swap]): the 16 bytes of a UUID (swap: time-low and time-high exchanged)", Immutable,
		Overload{Args: s1, Return: Varbinary, Kernel: uuidToBin}, Overload{Args: si, Return: Varbinary, Kernel: uuidToBin}))
	binToUUID := func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
		sv, swapped := StringsOf(a[0]), swapFlag(a)
		var ferr error
		res := StringKernel(ec, a[:1], n, func(i int) (string, bool) {
			b := sv.Get(i)
			if len(b) != 16 {
				if ferr == nil {
					ferr = errIncorrectUUID("bin_to_uuid", hex.EncodeToString([]byte(b)))
				}
				return "", false
			}
			var u [16]byte
			copy(u[:], b)
			if swapped(i) {
				var s [16]byte
				copy(s[0:4], u[4:8])
				copy(s[4:6], u[2:4])
				copy(s[6:8], u[0:2])
				copy(s[8:], u[8:])
				u = s
			}
			h := hex.EncodeToString(u[:])
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
		})
		if ferr != nil {
			res.Release()
			return nil, ferr
		}
		return res, nil
	}
	r.Register(NewScalarEntry("bin_to_uuid", "BIN_TO_UUID(bin[, swap]): the text form of a 16-byte UUID", Immutable,
		Overload{Args: []arrow.DataType{Varbinary}, Return: Utf8, Kernel: binToUUID},
		Overload{Args: []arrow.DataType{Varbinary, Int64}, Return: Utf8, Kernel: binToUUID}))
}

// swapFlag reads UUID_TO_BIN/BIN_TO_UUID's optional swap argument.
func swapFlag(a []arrow.Array) func(i int) bool {
	if len(a) < 2 {
		return func(int) bool { return false }
	}
	v, valid := Values[int64](a[1]), ValidityOf(a[1])
	return func(i int) bool { return valid.Valid(i) && v[i] != 0 }
}

// inetAton reads a.b.c.d; like MySQL it accepts short forms (a.b is a.0.0.b).
func inetAton(s string) (uint64, bool) {
	if s == "" || s[len(s)-1] == '.' {
		return 0, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return 0, false
	}
	var v uint64
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n > 255 {
			return 0, false
		}
		if i == len(parts)-1 {
			v = v<<(8*uint(5-len(parts))) | n
		} else {
			v = v<<8 | n
		}
	}
	return v, true
}

func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, false
		}
		s = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	case 32:
	default:
		return u, false
	}
	if _, err := hex.Decode(u[:], []byte(s)); err != nil {
		return u, false
	}
	return u, true
}

// asBinary views a utf8 array as VARBINARY (same layout); the caller
// releases both.
func asBinary(a arrow.Array) arrow.Array {
	d := array.NewData(Varbinary, a.Len(), a.Data().Buffers(), nil, a.NullN(), a.Data().Offset())
	defer d.Release()
	return array.MakeFromData(d)
}

func errIncorrectUUID(fn, v string) error {
	return sqlerr.New(1411, "Incorrect string value: '%s' for function %s", v, fn) // ER_WRONG_VALUE_FOR_TYPE
}
