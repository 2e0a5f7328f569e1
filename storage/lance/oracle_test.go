package lance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/storage/lance/format"
)

// The oracle is official LanceDB run by Node (scripts in ./oracle). Tests
// find its node_modules in $GENEVASQL_LANCE_ORACLE or ./oracle (CI runs
// `npm ci` there) and skip with a message when node or LanceDB is missing.
func oracle(t *testing.T) (node, modules string) {
	t.Helper()
	dir := os.Getenv("GENEVASQL_LANCE_ORACLE")
	if dir == "" {
		dir = "oracle"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("LanceDB oracle skipped: node is not installed")
	}
	modules, _ = filepath.Abs(filepath.Join(dir, "node_modules"))
	if _, err := os.Stat(filepath.Join(modules, "@lancedb", "lancedb")); err != nil {
		t.Skipf("LanceDB oracle skipped: %s has no @lancedb/lancedb; run `npm ci` in storage/lance/oracle or set GENEVASQL_LANCE_ORACLE", modules)
	}
	return node, modules
}

func runOracle(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	node, modules := oracle(t)
	cmd := exec.Command(node, append([]string{filepath.Join("oracle", script)}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s %v: %v\n%s", script, args, err, stderr.String())
	}
	return out
}

// TestOracleLanceDBWritesGoReads: LanceDB creates a table (two fragments,
// deletions, appends, optimize) and Go must read every version identically.
func TestOracleLanceDBWritesGoReads(t *testing.T) {
	for _, fv := range []string{"2.0", "2.1"} {
		t.Run(fv, func(t *testing.T) {
			needFormat(t, fv)
			dir := t.TempDir()
			out := runOracle(t, "lancedb_write.js", dir, "t", fv)
			var want []versionRows
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatalf("oracle output: %v", err)
			}
			checkAgainstOracle(t, filepath.Join(dir, "t.lance"), want)
		})
	}
}

// oracleSchema and oracleBatch mirror batch() in oracle/common.js.
var oracleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "v", Type: arrow.FixedSizeListOfField(4, arrow.Field{Name: "item", Type: arrow.PrimitiveTypes.Float32, Nullable: true}), Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

func oracleBatch(mem memory.Allocator, start, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, oracleSchema)
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%7 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(float64(i) * 0.5)
		}
		if i%5 == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("s%d", i))
		}
		b.Field(3).(*array.BooleanBuilder).Append(i%3 == 0)
		lb := b.Field(4).(*array.FixedSizeListBuilder)
		lb.Append(true)
		for k := 0; k < 4; k++ {
			lb.ValueBuilder().(*array.Float32Builder).Append(float32(i + k))
		}
		b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp((1700000000000 + int64(i)) * 1000))
		if i%4 == 0 {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.BinaryBuilder).Append([]byte{byte(i), 1, 2})
		}
		if i%9 == 0 {
			b.Field(7).AppendNull()
		} else {
			b.Field(7).(*array.Int32Builder).Append(int32(-i))
		}
	}
	return b.NewRecordBatch()
}

func recordReader(t testing.TB, recs ...arrow.RecordBatch) array.RecordReader {
	t.Helper()
	rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return rdr
}

// TestOracleGoWritesLanceDBReads: Go writes a table (all test types, nulls,
// several fragments, both kinds of deletion file); LanceDB must read the
// same rows, then append, delete and compact it; Go must read LanceDB's new
// versions identically.
func TestOracleGoWritesLanceDBReads(t *testing.T) {
	oracle(t)
	for _, fv := range []string{"2.0", "2.1"} {
		t.Run(fv, func(t *testing.T) {
			needFormat(t, fv)
			ctx := context.Background()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			path := filepath.Join(dir, "t.lance")
			d, err := Create(ctx, path, oracleSchema, CreateOptions{DataFormat: fv, MaxRowsPerFile: 60, Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			rdr := recordReader(t, oracleBatch(mem, 0, 100), oracleBatch(mem, 100, 50))
			d, err = d.Append(ctx, rdr)
			rdr.Release()
			if err != nil {
				t.Fatal(err)
			}
			if n := len(d.Fragments()); n != 3 {
				t.Fatalf("%d fragments, want 3", n)
			}
			// Fragment 0 gets a .bin deletion file, fragment 1 an .arrow one.
			d, err = d.Delete(ctx, []uint64{3, 13, 17})
			if err != nil {
				t.Fatal(err)
			}
			d.arrowDeletions = true
			if d, err = d.Delete(ctx, []uint64{1<<32 | 0, 1<<32 | 5}); err != nil {
				t.Fatal(err)
			}
			if d.CountRows() != 145 {
				t.Fatalf("CountRows %d", d.CountRows())
			}
			// Catalog metadata must survive LanceDB's commits.
			if d, err = d.UpdateSchemaMetadata(ctx, map[string]string{"genevasql.view": "SELECT 1"}); err != nil {
				t.Fatal(err)
			}
			wantOurs := normalize(t, rowsJSON(t, d, mem))
			out := runOracle(t, "lancedb_read.js", dir, "t")
			var res struct {
				Read struct {
					Version uint64
					Count   int64
					Rows    []map[string]any
				}
				After []versionRows
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("oracle output: %v", err)
			}
			if res.Read.Version != d.Version() || res.Read.Count != d.CountRows() {
				t.Fatalf("LanceDB sees version %d with %d rows, we wrote version %d with %d", res.Read.Version, res.Read.Count, d.Version(), d.CountRows())
			}
			if got := normalize(t, res.Read.Rows); fmt.Sprint(got) != fmt.Sprint(wantOurs) {
				t.Fatalf("LanceDB reads different rows:\n%.500v\nwant\n%.500v", got, wantOurs)
			}
			if len(res.After) != 3 {
				t.Fatalf("oracle made %d versions", len(res.After))
			}
			checkAgainstOracle(t, path, res.After)
			// LanceDB's compaction of our fragments: RewriteMap follows it.
			pre, err := Open(ctx, path, WithVersion(res.After[1].Version), WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			post, err := Open(ctx, path, WithVersion(res.After[2].Version), WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			rm, err := post.RewriteMap(ctx, pre.Version())
			if err != nil {
				t.Fatal(err)
			}
			before, after := addrByID(t, pre), addrByID(t, post)
			if rm.Rewrites() == 0 {
				t.Fatal("LanceDB optimize recorded no Rewrite")
			}
			for id, a := range after {
				if got, ok := rm.Map(before[id]); !ok || got != a {
					t.Fatalf("id %d: %x maps to %x,%v; LanceDB put it at %x", id, before[id], got, ok, a)
				}
			}
			// And we can keep writing after LanceDB's compaction.
			l, err := Open(ctx, path, WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			if v := l.SchemaMetadata()["genevasql.view"]; v != "SELECT 1" {
				t.Fatalf("schema metadata after LanceDB commits: %q", v)
			}
			// From the stale handle d (read before LanceDB's commits), an
			// append rebases over LanceDB's transactions; a delete in
			// fragments LanceDB compacted away conflicts.
			rdr = recordReader(t, oracleBatch(mem, 2000, 10))
			l2, err := d.Append(ctx, rdr)
			rdr.Release()
			if err != nil {
				t.Fatalf("stale append over LanceDB commits: %v", err)
			}
			if l2.Version() != l.Version()+1 || l2.CountRows() != l.CountRows()+10 {
				t.Fatalf("append after LanceDB: v%d %d rows", l2.Version(), l2.CountRows())
			}
			if _, err := d.Delete(ctx, []uint64{1}); !errors.Is(err, ErrConflict) {
				t.Fatalf("stale delete in a fragment LanceDB rewrote: %v", err)
			}
			var dump struct{ Count int64 }
			if err := json.Unmarshal(runOracle(t, "lancedb_dump.js", dir, "t"), &dump); err != nil || dump.Count != l2.CountRows() {
				t.Fatalf("LanceDB after our rebased append: %+v %v", dump, err)
			}
		})
	}
}

// needFormat skips a subtest when the data file package cannot yet write and
// read a format version (2.1 arrives after 2.0).
func needFormat(t *testing.T, fv string) {
	t.Helper()
	v, err := parseFormat(fv)
	if err == nil {
		err = probeFormat(v)
	}
	if err != nil {
		t.Skipf("data file format %s not available in package format yet: %v", fv, err)
	}
}

func probeFormat(v format.Version) error {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	fields, _, err := format.FromArrow(schema, 0)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := format.NewWriter(&buf, fields, format.WriterOptions{Version: v, Mem: mem})
	if err != nil {
		return err
	}
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2}, []bool{true, false})
	a := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{a}, 2)
	a.Release()
	err = w.Write(rec)
	rec.Release()
	if err != nil {
		return err
	}
	if _, err := w.Finish(); err != nil {
		return err
	}
	r, err := format.OpenReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), format.ReaderOptions{Mem: mem})
	if err != nil {
		return err
	}
	arrs, err := r.ReadRange(context.Background(), []int32{0}, 0, 2)
	if err != nil {
		return err
	}
	defer arrs[0].Release()
	if arrs[0].Len() != 2 || !arrs[0].IsNull(1) || arrs[0].(*array.Int64).Value(0) != 1 {
		return fmt.Errorf("round trip gave %v", arrs[0])
	}
	return nil
}
