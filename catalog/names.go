package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/genevasql/genevasql/sqlerr"
)

// Table and view names become folder names (<name>.lance). Names are
// case-insensitive, as MySQL identifiers are on case-insensitive systems, so
// the folder name is the lower-cased name; characters that are unsafe or
// ambiguous in a path are percent-encoded, so a name can never escape the
// database folder or clash on a case-insensitive file system.

// reservedNames are device names that Windows file systems refuse.
var reservedNames = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true}

// EncodeName returns the folder stem for a table name, or an error for a
// name that cannot be a table name at all.
func EncodeName(name string) (string, error) {
	if name == "" {
		return "", sqlerr.New(sqlerr.ErrWrongObject, "empty table name")
	}
	if !utf8.ValidString(name) {
		return "", sqlerr.New(sqlerr.ErrWrongObject, "table name %q is not valid UTF-8", name)
	}
	if len(name) > 200 {
		return "", sqlerr.New(sqlerr.ErrWrongObject, "table name %q is longer than 200 bytes", name)
	}
	lower := strings.ToLower(name)
	var b strings.Builder
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		safe := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		// A dot is safe inside a name but not first (no "..", no hidden files).
		if c == '.' && i > 0 && i < len(lower)-1 && lower[i-1] != '.' {
			safe = true
		}
		if safe {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	s := b.String()
	if reservedNames[s] || strings.HasPrefix(s, "_") && strings.HasPrefix(lower, "_genevasql") {
		s = "%" + fmt.Sprintf("%02X", s[0]) + s[1:]
	}
	return s, nil
}

// DecodeName reverses EncodeName for listing; folder names made by other
// tools (LanceDB allows upper case) decode to themselves.
func DecodeName(stem string) string {
	if !strings.Contains(stem, "%") {
		return stem
	}
	var b strings.Builder
	for i := 0; i < len(stem); i++ {
		if stem[i] == '%' && i+2 < len(stem) {
			var v byte
			if _, err := fmt.Sscanf(stem[i+1:i+3], "%02X", &v); err == nil {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(stem[i])
	}
	return b.String()
}
