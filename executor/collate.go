package executor

import (
	"unsafe"

	"github.com/genevasql/genevasql/functions"
)

// String keys (GROUP BY, DISTINCT, set operations, join keys, ORDER BY) use
// the engine's one collation, functions.CompareStrings / FoldString, so that
// grouping, joining and ordering agree with the = operator: MySQL's
// utf8mb4_0900_ai_ci approximated as case- and (Latin) accent-insensitive,
// without expansions (ß != ss), NO PAD (trailing spaces count). Binary
// columns compare bytewise. Hashing uses the fold key, so equal keys always
// hash alike.

// bstr views b as a string without copying; the string must not outlive b's
// buffer (we only compare or hash it on the spot).
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendFolded appends the collation key of s to dst (for hashing).
func appendFolded(dst, s []byte) []byte {
	return functions.AppendFold(dst, bstr(s))
}

// compareFolded orders a and b under the collation: <0, 0, >0.
func compareFolded(a, b []byte) int {
	return functions.CompareStrings(bstr(a), bstr(b))
}

func equalFolded(a, b []byte) bool {
	if len(a) == len(b) && string(a) == string(b) {
		return true
	}
	return compareFolded(a, b) == 0
}
