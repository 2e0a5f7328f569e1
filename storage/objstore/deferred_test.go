package objstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDeferredWrites(t *testing.T) {
	ctx := context.Background()
	for _, s := range []Store{mustLocal(t), NewMemory()} {
		w, err := CreateDeferred(ctx, s, "data/a.bin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if b, err := s.ReadFile(ctx, "data/a.bin"); err != nil || string(b) != "hello" {
			t.Fatalf("%T: read back %q, %v", s, b, err)
		}
		if err := Sync(ctx, s, []string{"data/a.bin"}); err != nil {
			t.Fatalf("%T: Sync: %v", s, err)
		}
		if err := SyncDir(ctx, s, "data"); err != nil {
			t.Fatalf("%T: SyncDir: %v", s, err)
		}
		if _, local := s.(*Local); local {
			if err := Sync(ctx, s, []string{"data/missing.bin"}); err == nil {
				t.Fatal("Sync of a missing file succeeded")
			}
		}
		w, err = CreateDeferred(ctx, s, "data/b.bin")
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if infos, err := s.List(ctx, "data/"); err != nil || len(infos) != 1 {
			t.Fatalf("%T: after Abort, listed %v, %v", s, infos, err)
		}
	}
}

func TestLocalSyncFallback(t *testing.T) {
	// The per-file path (platforms without syncfs) flushes each named file
	// and reports a missing one.
	dir := t.TempDir()
	l := mustLocal(t)
	l.root = dir
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fsyncPath(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
	if err := fsyncPath(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("fsync of a missing file succeeded")
	}
}

func mustLocal(t *testing.T) *Local {
	t.Helper()
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}
