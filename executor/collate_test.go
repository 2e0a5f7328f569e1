package executor

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Equal strings under the collation must land in the same group and
// unequal ones in different groups, whatever their bytes.
func TestCollationHashAgreesWithCompare(t *testing.T) {
	words := []string{"", "a", "A", "ab", "AB", "aB", "b", "é", "É", "e", "K", "k", "\u212a", "ſ", "s", "S",
		"Straße", "STRASSE", "straße", "ǅ", "Ǆ", "ǆ", "İ", "i", "ı", "Σ", "σ", "ς", "a ", "日本", "日本語", "Ⅻ", "ⅻ"}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringBuilder(mem)
	b.AppendValues(words, nil)
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	g := newGroupTable([]arrow.DataType{arrow.BinaryTypes.String})
	gids := make([]uint32, len(words))
	g.insert([]arrow.Array{arr}, gids, false)
	for i, a := range words {
		for j, c := range words {
			same := compareFolded([]byte(a), []byte(c)) == 0
			if same != (gids[i] == gids[j]) {
				t.Errorf("%q vs %q: compare equal=%v, same group=%v", a, c, same, gids[i] == gids[j])
			}
			if same != (string(appendFolded(nil, []byte(a))) == string(appendFolded(nil, []byte(c)))) {
				t.Errorf("%q vs %q: fold keys disagree with compare", a, c)
			}
			if sign(compareFolded([]byte(a), []byte(c))) != -sign(compareFolded([]byte(c), []byte(a))) {
				t.Errorf("%q vs %q: compare is not antisymmetric", a, c)
			}
		}
	}
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// NULL string slots may carry arbitrary bytes; they still form one group.
func TestNullSlotsWithGarbageBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	valid := memory.NewResizableBuffer(mem)
	valid.Resize(1)
	valid.Bytes()[0] = 0b1000 // rows 0..2 NULL, row 3 valid
	offs := memory.NewResizableBuffer(mem)
	offs.Resize(5 * 4)
	copy(offs.Bytes(), arrow.Int32Traits.CastToBytes([]int32{0, 3, 6, 9, 12}))
	data := memory.NewResizableBuffer(mem)
	data.Resize(12)
	copy(data.Bytes(), "abcxyzABCabc")
	d := array.NewData(arrow.BinaryTypes.String, 4, []*memory.Buffer{valid, offs, data}, nil, 3, 0)
	arr := array.MakeFromData(d)
	d.Release()
	valid.Release()
	offs.Release()
	data.Release()
	defer arr.Release()
	for _, typ := range []arrow.DataType{arrow.BinaryTypes.String} {
		g := newGroupTable([]arrow.DataType{typ})
		gids := make([]uint32, 4)
		g.insert([]arrow.Array{arr}, gids, false)
		if gids[0] != 0 || gids[1] != 0 || gids[2] != 0 || gids[3] != 1 {
			t.Fatalf("groups %v, want [0 0 0 1]", gids)
		}
	}
}
