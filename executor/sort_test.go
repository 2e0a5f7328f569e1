package executor

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSortAndTopN(t *testing.T) {
	const spec = "a:int64,b:utf8"
	in := []string{
		`[{"a":3,"b":"x"},{"a":null,"b":"y"},{"a":1,"b":"B"}]`,
		`[{"a":3,"b":"a"},{"a":2,"b":null},{"a":1,"b":"b"}]`,
		`[{"a":null,"b":"A"}]`,
	}
	asc := SortKey{Expr: col{0, i64}, NullsFirst: true}
	desc := SortKey{Expr: col{0, i64}, Desc: true}
	strAsc := SortKey{Expr: col{1, str}, NullsFirst: true}
	tests := []struct {
		name string
		keys []SortKey
		want []string
	}{
		// Stable: equal keys keep input order.
		{"asc nulls first", []SortKey{asc}, []string{"NULL|y", "NULL|A", "1|B", "1|b", "2|NULL", "3|x", "3|a"}},
		{"desc nulls last", []SortKey{desc}, []string{"3|x", "3|a", "2|NULL", "1|B", "1|b", "NULL|y", "NULL|A"}},
		{"desc nulls first", []SortKey{{Expr: col{0, i64}, Desc: true, NullsFirst: true}}, []string{"NULL|y", "NULL|A", "3|x", "3|a", "2|NULL", "1|B", "1|b"}},
		{"case-insensitive strings", []SortKey{strAsc}, []string{"2|NULL", "3|a", "NULL|A", "1|B", "1|b", "3|x", "NULL|y"}},
		{"two keys", []SortKey{desc, strAsc}, []string{"3|a", "3|x", "2|NULL", "1|B", "1|b", "NULL|A", "NULL|y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eq(t, run(t, NewSort(testEnv(mem, 2), values(t, mem, spec, in...), tt.keys)), tt.want)
			partial(t, NewSort(testEnv(mem, 2), values(t, mem, spec, in...), tt.keys))
			// TopN must equal Sort+Limit for every window, including with
			// compaction (batch size 1 forces it).
			for _, w := range [][2]int64{{0, 0}, {0, 1}, {0, 3}, {2, 3}, {5, 10}, {7, 1}, {3, -1}, {0, 100}} {
				for _, bs := range []int{1, 2, 4096} {
					want := tt.want[min(int(w[0]), len(tt.want)):]
					if w[1] >= 0 && int(w[1]) < len(want) {
						want = want[:w[1]]
					}
					got := run(t, NewTopN(testEnv(mem, bs), values(t, mem, spec, in...), tt.keys, w[0], w[1]))
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("topN %v bs=%d: got %v want %v", w, bs, got, want)
					}
				}
			}
			partial(t, NewTopN(testEnv(mem, 1), values(t, mem, spec, in...), tt.keys, 1, 2))
		})
	}
}

func TestSortTypes(t *testing.T) {
	tests := []struct {
		spec, rows string
		want       []string
	}{
		{"k:float64", `[{"k":1.5},{"k":-2},{"k":null},{"k":0}]`, []string{"NULL", "-2", "0", "1.5"}},
		{"k:uint64", `[{"k":18446744073709551615},{"k":1}]`, []string{"1", "18446744073709551615"}},
		{"k:dec", `[{"k":"10.5"},{"k":"-1.25"},{"k":"2"}]`, []string{"-1.25", "2", "10.5"}},
		{"k:date32", `[{"k":"2024-05-01"},{"k":"1999-12-31"}]`, []string{"1999-12-31", "2024-05-01"}},
		{"k:ts", `[{"k":5},{"k":-5}]`, []string{"1969-12-31T23:59:59.999995Z", "1970-01-01T00:00:00.000005Z"}},
		{"k:bool", `[{"k":true},{"k":false},{"k":null}]`, []string{"NULL", "false", "true"}},
		{"k:binary", `[{"k":"Yg=="},{"k":"QQ=="},{"k":"YQ=="}]`, []string{"QQ==", "YQ==", "Yg=="}},
		// The collation ignores case and Latin accents: é sorts as e.
		{"k:large_utf8", `[{"k":"éclair"},{"k":"Zebra"},{"k":"apple"},{"k":"Eclair"}]`, []string{"apple", "éclair", "Eclair", "Zebra"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := schemaOf(tt.spec)
			eq(t, run(t, NewSort(testEnv(mem, 0), values(t, mem, tt.spec, tt.rows), []SortKey{{Expr: col{0, s.Field(0).Type}, NullsFirst: true}})), tt.want)
		})
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, err := runErr(NewSort(testEnv(mem, 0), values(t, mem, "k:vec", `[{"k":[1,2]}]`), []SortKey{{Expr: col{0, schemaOf("k:vec").Field(0).Type}}}))
	if err == nil {
		t.Fatal("ordering by a vector must fail clearly")
	}
}

// The radix path must agree with a plain stable sort on large inputs with
// duplicates, negatives and floats.
func TestSortByWordsMatchesStableSort(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 5000} {
		w := make([]uint64, n)
		x := uint64(12345)
		for i := range w {
			x = x*6364136223846793005 + 1442695040888963407
			w[i] = x >> (x % 64) // mixed widths, many duplicates at high shifts
		}
		idx := make([]int32, n)
		sortByWords(idx, w)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int { return cmp.Compare(w[a], w[b]) })
		if !slices.Equal(idx, want) {
			t.Fatalf("n=%d: radix order differs from stable sort", n)
		}
	}
}
