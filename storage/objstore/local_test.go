package objstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLocalRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, "a/b/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("hello world")); err != nil {
		t.Fatal(err)
	}
	// Not visible before Close.
	if _, err := s.Open(ctx, "a/b/data.bin"); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open before close: got %v, want ErrNotFound", err)
	}
	if l, _ := s.List(ctx, "a/"); len(l) != 0 {
		t.Fatalf("temp file listed: %v", l)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(ctx, "a/b/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size() != 11 {
		t.Fatalf("size %d", f.Size())
	}
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, 6); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if string(buf) != "world" {
		t.Fatalf("ReadAt got %q", buf)
	}
	b, err := s.ReadFile(ctx, "a/b/data.bin")
	if err != nil || string(b) != "hello world" {
		t.Fatalf("ReadFile %q %v", b, err)
	}
	if _, err := s.ReadFile(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadFile missing: %v", err)
	}
	if err := s.Delete(ctx, "a/b/data.bin"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a/b/data.bin"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

func TestLocalAbort(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := NewLocal(dir)
	w, err := s.Create(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("junk"))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Fatalf("abort left files: %v", ents)
	}
}

func TestLocalList(t *testing.T) {
	s, _ := NewLocal(t.TempDir())
	testList(t, s)
	testList(t, NewMemory())
}

func testList(t *testing.T, s Store) {
	ctx := context.Background()
	for _, n := range []string{"_versions/2.manifest", "_versions/1.manifest", "data/x.lance", "_versions_other/z"} {
		if err := s.PutIfAbsent(ctx, n, []byte(n)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"_versions/", []string{"_versions/1.manifest", "_versions/2.manifest"}},
		{"_versions", []string{"_versions/1.manifest", "_versions/2.manifest", "_versions_other/z"}},
		{"data/x", []string{"data/x.lance"}},
		{"missing/", nil},
		{"", []string{"_versions/1.manifest", "_versions/2.manifest", "_versions_other/z", "data/x.lance"}},
	}
	for _, tc := range tests {
		got, err := s.List(ctx, tc.prefix)
		if err != nil {
			t.Fatalf("%q: %v", tc.prefix, err)
		}
		var names []string
		for _, o := range got {
			names = append(names, o.Name)
			if o.Size != int64(len(o.Name)) {
				t.Errorf("%s: size %d", o.Name, o.Size)
			}
		}
		if len(names) != len(tc.want) {
			t.Fatalf("%q: got %v want %v", tc.prefix, names, tc.want)
		}
		for i := range names {
			if names[i] != tc.want[i] {
				t.Fatalf("%q: got %v want %v", tc.prefix, names, tc.want)
			}
		}
	}
}

func TestPutIfAbsentExclusive(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewLocal(dir)
	putRace(t, s)
	ents, _ := os.ReadDir(filepath.Join(dir, "v"))
	if len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
	putRace(t, NewMemory())
}

func putRace(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.PutIfAbsent(ctx, "v/1", []byte{byte(i)})
		}(i)
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
			b, _ := s.ReadFile(ctx, "v/1")
			if len(b) != 1 || b[0] != byte(i) {
				t.Fatalf("winner %d but content %v", i, b)
			}
		case errors.Is(err, ErrExists):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d winners, want 1", winners)
	}
}

func TestInvalidNames(t *testing.T) {
	s, _ := NewLocal(t.TempDir())
	for _, n := range []string{"", "/", `a\b`} {
		if _, err := s.ReadFile(context.Background(), n); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("%q: want invalid-name error, got %v", n, err)
		}
	}
}

func TestListUnderAFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "plain")
	os.WriteFile(f, []byte("x"), 0o644)
	s, _ := NewLocal(f)
	got, err := s.List(context.Background(), "_versions/")
	if err != nil || len(got) != 0 {
		t.Fatalf("list under a file: %v %v", got, err)
	}
}
