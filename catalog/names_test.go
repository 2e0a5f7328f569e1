package catalog

import "testing"

func TestEncodeName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"clips", "clips"},
		{"Clips", "clips"},
		{"my table", "my%20table"},
		{"../etc", "%2E%2E%2Fetc"},
		{"a/b", "a%2Fb"},
		{"a\\b", "a%5Cb"},
		{".hidden", "%2Ehidden"},
		{"v1.2", "v1.2"},
		{"con", "%63on"},
		{"NUL", "%6Eul"},
		{"_genevasql", "%5Fgenevasql"},
		{"a\x00b", "a%00b"},
		{"naïve", "na%C3%AFve"},
	}
	for _, c := range cases {
		got, err := EncodeName(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("EncodeName(%q) = %q, want %q", c.in, got, c.want)
		}
		if dec := DecodeName(got); dec != toLower(c.in) {
			t.Errorf("DecodeName(%q) = %q, want %q", got, dec, toLower(c.in))
		}
	}
	for _, bad := range []string{"", "\xff"} {
		if _, err := EncodeName(bad); err == nil {
			t.Errorf("EncodeName(%q) should fail", bad)
		}
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
