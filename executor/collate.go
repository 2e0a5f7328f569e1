package executor

import (
	"unicode"
	"unicode/utf8"
)

// String keys (GROUP BY, DISTINCT, set operations, join keys, ORDER BY)
// compare case-insensitively, approximating MySQL's default collation
// utf8mb4_0900_ai_ci: every rune is mapped to a canonical member of its
// Unicode simple case-folding orbit ('A', 'a' -> 'a'; 'K', 'k', KELVIN SIGN ->
// 'k') and the canonical runes compare by code point. Accents are NOT folded
// (é != e) and there is no PAD SPACE (0900 collations are NO PAD). Binary
// columns compare bytewise. Hashing uses the same canonical form, so equal
// keys always hash alike.

// foldRune returns the canonical member of r's case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	// Orbits reaching ASCII (K/k/KELVIN SIGN, S/s/LONG S) agree with the
	// ASCII fast path above, which uses the lower-case letter.
	if 'A' <= m && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// appendFolded appends the canonical form of s to dst (for hashing).
func appendFolded(dst, s []byte) []byte {
	if isASCII(s) {
		for _, c := range s {
			dst = append(dst, lowerASCII(c))
		}
		return dst
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	return dst
}

// compareFolded orders a and b by canonical runes: <0, 0, >0.
func compareFolded(a, b []byte) int {
	// ASCII fast path, byte at a time until a non-ASCII byte shows up.
	i := 0
	for i < len(a) && i < len(b) {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			break
		}
		la, lb := lowerASCII(ca), lowerASCII(cb)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		i++
	}
	a, b = a[i:], b[i:]
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		a, b = a[na:], b[nb:]
		if ra == rb {
			continue
		}
		fa, fb := foldRune(ra), foldRune(rb)
		if fa != fb {
			if fa < fb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return -1
	}
	return 1
}

func equalFolded(a, b []byte) bool {
	if len(a) == len(b) && string(a) == string(b) {
		return true
	}
	return compareFolded(a, b) == 0
}
