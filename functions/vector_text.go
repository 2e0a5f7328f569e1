package functions

import (
	"strconv"

	"github.com/genevasql/genevasql/sqlerr"
)

// ParseVector parses TiDB's vector text '[0.1, 0.2, 0.3]' appending the
// elements to dst.
func ParseVector(s string, dst []float32) ([]float32, error) {
	t := trimSpaces(s)
	if len(t) < 2 || t[0] != '[' || t[len(t)-1] != ']' {
		return dst, sqlerr.New(sqlerr.ErrWrongArguments, "Invalid vector text: '%s'", s)
	}
	body := t[1 : len(t)-1]
	if trimSpaces(body) == "" {
		return dst, nil
	}
	start := 0
	for i := 0; i <= len(body); i++ {
		if i == len(body) || body[i] == ',' {
			f, err := strconv.ParseFloat(trimSpaces(body[start:i]), 32)
			if err != nil {
				return dst, sqlerr.New(sqlerr.ErrWrongArguments, "Invalid vector text: '%s'", s)
			}
			dst = append(dst, float32(f))
			start = i + 1
		}
	}
	return dst, nil
}

// appendVector writes a vector as TiDB prints it: [1,2.5,3].
func appendVector(dst []byte, v []float32) []byte {
	dst = append(dst, '[')
	for i, f := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendFloat(dst, float64(f), 'g', -1, 32)
	}
	return append(dst, ']')
}
