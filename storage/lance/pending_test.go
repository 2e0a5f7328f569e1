package lance

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestPendingFragments(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d, path := newTestDataset(t, mem, 30)
	first := idBatch(mem, 0, 5)
	defer first.Release()
	d = mustAppend(t, d, first)

	a, b := idBatch(mem, 100, 20), idBatch(mem, 200, 20)
	defer a.Release()
	defer b.Release()
	// 40 rows with at most 30 per file: two files.
	ps, err := d.WriteFragments(ctx, []arrow.RecordBatch{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Rows != 30 || ps[1].Rows != 10 {
		t.Fatalf("pending files: %+v", ps)
	}
	// Written, but part of no version yet.
	if got, _ := scanAll(t, d, ScanOptions{}); len(got) != 5 {
		t.Fatalf("before commit: %d rows, want 5", len(got))
	}
	if latest, err := d.Latest(ctx); err != nil || latest.Version() != d.Version() {
		t.Fatalf("WriteFragments committed a version: %v %v", latest, err)
	}
	for _, p := range ps {
		if err := d.VerifyPending(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// Flushed ahead of the commit (as a job does in the background).
	if err := d.FlushPending(ctx, ps[:1]); err != nil {
		t.Fatal(err)
	}
	nd, err := d.Apply(ctx, Change{Fragments: ps, SetMetadata: map[string]string{"k": "v"}, BaseVersion: d.Version()})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := scanAll(t, nd, ScanOptions{})
	if len(got) != 45 || got[100] != "<null>" || got[219] != "n219" || got[3] != "n3" {
		t.Fatalf("after commit: %d rows %v", len(got), got)
	}
	if nd.SchemaMetadata()["k"] != "v" {
		t.Fatal("metadata not set in the same commit")
	}
	// Reopened from disk, the committed files read back the same.
	re, err := Open(ctx, path, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := scanAll(t, re, ScanOptions{}); len(got) != 45 {
		t.Fatalf("reopened: %d rows", len(got))
	}

	// A torn or damaged file is detected.
	ps2, err := nd.WriteFragments(ctx, []arrow.RecordBatch{a})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(path, "data", ps2[0].Path)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nd.VerifyPending(ctx, ps2[0]); err == nil {
		t.Fatal("a damaged pending file passed verification")
	}
	if err := os.WriteFile(file, raw[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nd.VerifyPending(ctx, ps2[0]); err == nil {
		t.Fatal("a truncated pending file passed verification")
	}
	nd.DeletePending(ctx, ps2)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("DeletePending left %s: %v", file, err)
	}

	// A strict change on a stale version fails and leaves the files to
	// their owner.
	ps3, err := d.WriteFragments(ctx, []arrow.RecordBatch{b})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nd.Apply(ctx, Change{Fragments: ps3, BaseVersion: d.Version()}); err == nil {
		t.Fatal("a change based on an old version committed")
	}
	if err := d.VerifyPending(ctx, ps3[0]); err != nil {
		t.Fatalf("failed commit removed a pending file: %v", err)
	}
	// Rows of the wrong shape are refused and nothing is left behind.
	before, _ := os.ReadDir(filepath.Join(path, "data"))
	good := idBatch(mem, 0, 3)
	defer good.Release()
	bad := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), good.Columns()[:1], 3)
	defer bad.Release()
	if _, err := d.WriteFragments(ctx, []arrow.RecordBatch{good, bad}); err == nil {
		t.Fatal("rows without the table's columns were written")
	}
	after, _ := os.ReadDir(filepath.Join(path, "data"))
	if len(after) != len(before) {
		t.Fatalf("a failed WriteFragments left files: %d -> %d", len(before), len(after))
	}
}
