package external

import (
	"fmt"
	"strings"
)

// SplitCommand splits a command line into words the way a POSIX shell would,
// without running one: blanks separate words, '…' quotes literally, "…"
// quotes with \" \\ \$ \` escapes, and a backslash outside quotes escapes the
// next character. Nothing is expanded. Unquoted shell operators (| & ; < >
// $ `) are refused with a hint, since without a shell they would silently be
// plain arguments; a command that needs them names a shell itself, as in
// sh -c "tr a-z A-Z | cat".
func SplitCommand(cmd string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word (possibly an empty quoted one)
	)
	flush := func() {
		if in {
			words = append(words, cur.String())
			cur.Reset()
			in = false
		}
	}
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			flush()
		case '\\':
			if i+1 >= len(cmd) {
				return nil, fmt.Errorf("command ends with a lone backslash")
			}
			i++
			if cmd[i] != '\n' { // backslash-newline continues the line
				cur.WriteByte(cmd[i])
				in = true
			}
		case '\'':
			end := strings.IndexByte(cmd[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote at offset %d in command", i)
			}
			cur.WriteString(cmd[i+1 : i+1+end])
			in = true
			i += end + 1
		case '"':
			j := i + 1
			for ; j < len(cmd) && cmd[j] != '"'; j++ {
				switch cmd[j] {
				case '\\':
					if j+1 < len(cmd) && strings.IndexByte("\"\\$`\n", cmd[j+1]) >= 0 {
						j++
						if cmd[j] != '\n' {
							cur.WriteByte(cmd[j])
						}
						continue
					}
				case '$', '`':
					return nil, fmt.Errorf("%q inside double quotes at offset %d would be expanded by a shell; escape it or use single quotes", cmd[j], j)
				}
				cur.WriteByte(cmd[j])
			}
			if j >= len(cmd) {
				return nil, fmt.Errorf("unterminated double quote at offset %d in command", i)
			}
			in = true
			i = j
		case '|', '&', ';', '<', '>', '$', '`':
			return nil, fmt.Errorf("unquoted %q at offset %d: the command runs without a shell; quote it, or name a shell as in sh -c \"…\"", c, i)
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	flush()
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return words, nil
}
