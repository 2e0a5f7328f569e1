package catalog

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// keyedTable creates table t (id INT NOT NULL, name VARCHAR, code INT) with
// the given indexes.
func keyedTable(t *testing.T, mem memory.Allocator, ix []Index) *LanceTable {
	t.Helper()
	c, err := Open(t.TempDir(), mem, functions.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	md := arrow.MetadataFrom(IndexesMeta(ix))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "code", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, &md)
	tbl, _, err := c.CreateTable(context.Background(), "t", schema, false)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// row is one row of keyedTable; a nil name or code is NULL.
type row struct {
	id   int32
	name *string
	code *int32
}

func s(v string) *string { return &v }
func n(v int32) *int32   { return &v }

func rowsStream(mem memory.Allocator, schema *arrow.Schema, batches ...[]row) RecordStream {
	out := &batchStream{schema: schema}
	for _, rows := range batches {
		b := array.NewRecordBuilder(mem, schema)
		for _, r := range rows {
			b.Field(0).(*array.Int32Builder).Append(r.id)
			if r.name == nil {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.StringBuilder).Append(*r.name)
			}
			if r.code == nil {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Int32Builder).Append(*r.code)
			}
		}
		out.batches = append(out.batches, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// contents reads the table as sorted "id:name:code" strings.
func contents(t *testing.T, tbl *LanceTable) []string {
	t.Helper()
	st, err := tbl.Scan(context.Background(), ScanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	for {
		b, err := st.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < int(b.NumRows()); r++ {
			out = append(out, b.Column(0).ValueStr(r)+":"+b.Column(1).ValueStr(r)+":"+b.Column(2).ValueStr(r))
		}
		b.Release()
	}
	sort.Strings(out)
	return out
}

func errCode(err error) int {
	var e *sqlerr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestKeyedWrites(t *testing.T) {
	pk := Index{Name: PrimaryKeyName, Columns: []string{"id"}, Unique: true, Primary: true}
	uname := Index{Name: "name", Columns: []string{"name"}, Unique: true}
	ucode := Index{Name: "uc", Columns: []string{"code"}, Unique: true}
	base := [][]row{{{1, s("a"), n(10)}, {2, s("b"), n(20)}}, {{3, nil, nil}, {4, nil, nil}}}
	tests := []struct {
		name     string
		ix       []Index
		mode     ConflictMode
		rows     [][]row
		wantErr  string // exact message, or "" for success
		wantCode int
		affected int64
		want     []string
		noBase   bool // start from an empty table
	}{
		{name: "no keys take duplicates", ix: nil, mode: ConflictError,
			rows: [][]row{{{1, s("a"), nil}}}, affected: 1,
			want: []string{"1:a:10", "1:a:(null)", "2:b:20", "3:(null):(null)", "4:(null):(null)"}},
		{name: "duplicate of a stored key", ix: []Index{pk}, mode: ConflictError,
			rows: [][]row{{{5, nil, nil}}, {{2, nil, nil}}}, wantCode: 1062,
			wantErr: "Duplicate entry '2' for key 't.PRIMARY'"},
		{name: "duplicate within the new rows", ix: []Index{pk}, mode: ConflictError,
			rows: [][]row{{{7, nil, nil}}, {{8, nil, nil}, {7, nil, nil}}}, wantCode: 1062,
			wantErr: "Duplicate entry '7' for key 't.PRIMARY'"},
		{name: "strings compare by collation", ix: []Index{uname}, mode: ConflictError,
			rows: [][]row{{{9, s("B"), nil}}}, wantCode: 1062,
			wantErr: "Duplicate entry 'B' for key 't.name'"},
		{name: "NULLs never collide", ix: []Index{uname, ucode}, mode: ConflictError,
			rows: [][]row{{{9, nil, nil}, {10, nil, nil}}}, affected: 2,
			want: []string{"1:a:10", "10:(null):(null)", "2:b:20", "3:(null):(null)", "4:(null):(null)", "9:(null):(null)"}},
		{name: "ignore skips taken keys", ix: []Index{pk}, mode: ConflictIgnore,
			rows: [][]row{{{1, s("x"), nil}, {5, s("y"), nil}}, {{5, s("z"), nil}, {6, nil, nil}}}, affected: 2,
			want: []string{"1:a:10", "2:b:20", "3:(null):(null)", "4:(null):(null)", "5:y:(null)", "6:(null):(null)"}},
		{name: "replace counts deleted rows", ix: []Index{pk, ucode}, mode: ConflictReplace,
			// 1 collides with id 1 and, by code 20, with id 2; 7 is new; the
			// second 7 replaces the first.
			rows: [][]row{{{1, s("r"), n(20)}, {7, s("p"), nil}}, {{7, s("q"), nil}}}, affected: 3 + 3,
			want: []string{"1:r:20", "3:(null):(null)", "4:(null):(null)", "7:q:(null)"}},
		{name: "primary key refuses NULL", ix: []Index{{Name: PrimaryKeyName, Columns: []string{"code"}, Unique: true, Primary: true}},
			mode: ConflictError, rows: [][]row{{{11, nil, n(1)}, {12, nil, nil}}}, wantCode: 1048, noBase: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tbl := keyedTable(t, mem, tc.ix)
			ctx := context.Background()
			// The base rows go in without keys being violated.
			start := base
			if tc.noBase {
				start = nil
			}
			in := rowsStream(mem, tbl.Schema(), start...)
			if _, err := tbl.Insert(ctx, in); err != nil {
				t.Fatal(err)
			}
			in.Close()
			before := contents(t, tbl)
			in = rowsStream(mem, tbl.Schema(), tc.rows...)
			got, err := OnConflict(tbl, tc.mode).Insert(ctx, in)
			in.Close()
			if tc.wantCode != 0 {
				if errCode(err) != tc.wantCode {
					t.Fatalf("error %v, want code %d", err, tc.wantCode)
				}
				if tc.wantErr != "" && sqlerr.Wrap(err).Msg != tc.wantErr {
					t.Fatalf("message %q, want %q", sqlerr.Wrap(err).Msg, tc.wantErr)
				}
				if after := contents(t, tbl); !slices.Equal(after, before) {
					t.Fatalf("a failed statement changed the table: %v -> %v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.affected {
				t.Errorf("affected %d, want %d", got, tc.affected)
			}
			sort.Strings(tc.want)
			if after := contents(t, tbl); !slices.Equal(after, tc.want) {
				t.Errorf("rows %v, want %v", after, tc.want)
			}
		})
	}
}

func TestKeyedUpdateAndIndexes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	tbl := keyedTable(t, mem, []Index{{Name: PrimaryKeyName, Columns: []string{"id"}, Unique: true, Primary: true}})
	in := rowsStream(mem, tbl.Schema(), []row{{1, s("a"), n(1)}, {2, s("b"), n(1)}, {3, s("c"), n(2)}})
	if _, err := tbl.Insert(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Close()
	addrs := func(ids ...int32) []uint64 {
		st, err := tbl.Scan(ctx, ScanRequest{Columns: []int{0}, WithRowAddr: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var out []uint64
		for {
			b, err := st.Next(ctx)
			if err == io.EOF {
				return out
			}
			for r := 0; r < int(b.NumRows()); r++ {
				for _, id := range ids {
					if b.Column(0).(*array.Int32).Value(r) == id {
						out = append(out, b.Column(1).(*array.Uint64).Value(r))
					}
				}
			}
			b.Release()
		}
	}
	// Moving id 1 onto 2 collides; swapping 1 and 2 in one statement does not.
	in = rowsStream(mem, tbl.Schema(), []row{{2, s("a"), n(1)}})
	_, err := tbl.Update(ctx, addrs(1), in)
	in.Close()
	if errCode(err) != 1062 {
		t.Fatalf("update onto a taken key: %v", err)
	}
	in = rowsStream(mem, tbl.Schema(), []row{{2, s("a"), n(1)}, {1, s("b"), n(1)}})
	if _, err := tbl.Update(ctx, addrs(1, 2), in); err != nil {
		t.Fatal(err)
	}
	in.Close()
	if got := contents(t, tbl); !slices.Equal(got, []string{"1:b:1", "2:a:1", "3:c:2"}) {
		t.Fatalf("after swap: %v", got)
	}

	// A unique index over duplicate data is refused and not recorded.
	err = tbl.AddIndex(ctx, Index{Name: "uc", Columns: []string{"code"}, Unique: true})
	if errCode(err) != 1062 || sqlerr.Wrap(err).Msg != "Duplicate entry '1' for key 't.uc'" {
		t.Fatalf("unique index over duplicates: %v", err)
	}
	if err := tbl.AddIndex(ctx, Index{Name: "un", Columns: []string{"name"}, Unique: true}); err != nil {
		t.Fatal(err)
	}
	if err := tbl.AddIndex(ctx, Index{Name: "un", Columns: []string{"code"}}); errCode(err) != 1061 {
		t.Fatalf("duplicate index name: %v", err)
	}
	if err := tbl.AddIndex(ctx, Index{Name: "x", Columns: []string{"nosuch"}}); errCode(err) != 1072 {
		t.Fatalf("unknown column: %v", err)
	}
	if err := tbl.AddIndex(ctx, Index{Name: PrimaryKeyName, Columns: []string{"code"}, Unique: true, Primary: true}); errCode(err) != 1068 {
		t.Fatalf("second primary key: %v", err)
	}
	var names []string
	for _, x := range SortIndexes(tbl.Indexes()) {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"PRIMARY", "un"}) {
		t.Fatalf("indexes %v", names)
	}
	in = rowsStream(mem, tbl.Schema(), []row{{9, s("C"), nil}})
	_, err = tbl.Insert(ctx, in)
	in.Close()
	if errCode(err) != 1062 {
		t.Fatalf("insert against the new unique index: %v", err)
	}
	if err := tbl.DropIndex(ctx, "un"); err != nil {
		t.Fatal(err)
	}
	err = tbl.DropIndex(ctx, "un")
	if e := sqlerr.Wrap(err); e == nil || e.Code != 1091 || e.Msg != "Can't DROP 'un'; check that column/key exists" {
		t.Fatalf("dropping an unknown index: %v", err)
	}
	in = rowsStream(mem, tbl.Schema(), []row{{9, s("C"), nil}})
	if _, err := tbl.Insert(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Close()
}

func TestKeyEncoding(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	seed := maphash.MakeSeed()
	str := func(vals ...string) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	f64 := func(vals ...float64) arrow.Array {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	tests := []struct {
		name    string
		cols    func() []arrow.Array
		lengths []int
		// same[i] says whether row 2i and row 2i+1 have equal keys
		same []bool
	}{
		{"collation folds case and accents", func() []arrow.Array { return []arrow.Array{str("Résumé", "resume", "a", "a ")} }, nil, []bool{true, false}},
		{"negative zero is zero", func() []arrow.Array { return []arrow.Array{f64(0, negZero(), 1.5, 1.25)} }, nil, []bool{true, false}},
		{"composite keys do not run into each other", func() []arrow.Array {
			return []arrow.Array{str("ab", "a", "x", "x"), str("c", "bc", "y", "Y")}
		}, nil, []bool{false, true}},
		{"prefix keys compare the first characters", func() []arrow.Array { return []arrow.Array{str("abc", "abd", "ab", "b")} }, []int{2}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cols := tc.cols()
			defer func() {
				for _, c := range cols {
					c.Release()
				}
			}()
			var e keyEncoder
			e.encode(cols, tc.lengths, seed)
			for i, want := range tc.same {
				a, b := e.key(2*i), e.key(2*i+1)
				if got := string(a) == string(b) && e.hash[2*i] == e.hash[2*i+1]; got != want {
					t.Errorf("pair %d: equal=%v, want %v", i, got, want)
				}
			}
		})
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}
