package objstore

import (
	"context"
	"errors"
	"testing"
)

func TestStat(t *testing.T) {
	ctx := context.Background()
	local, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Store{local, NewMemory()} {
		st := s.(Statter)
		if err := s.PutIfAbsent(ctx, "a/b", []byte("hello")); err != nil {
			t.Fatal(err)
		}
		info, err := st.Stat(ctx, "a/b")
		if err != nil || info.Size != 5 || info.Name != "a/b" {
			t.Errorf("%T: Stat = %+v, %v", s, info, err)
		}
		if _, err := st.Stat(ctx, "a/c"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%T: Stat of a missing object: %v", s, err)
		}
	}
	if _, err := local.Stat(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat of a folder: %v", err)
	}
}

func TestPutAdvisory(t *testing.T) {
	ctx := context.Background()
	local, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Store{local, NewMemory()} {
		aw := s.(AdvisoryWriter)
		for _, want := range []string{`{"version":1}`, `{"version":22}`} {
			if err := aw.PutAdvisory(ctx, "_versions/hint.json", []byte(want)); err != nil {
				t.Fatalf("%T: %v", s, err)
			}
			got, err := s.ReadFile(ctx, "_versions/hint.json")
			if err != nil || string(got) != want {
				t.Errorf("%T: read %q, %v; want %q", s, got, err, want)
			}
		}
		// No temporary file is left behind.
		objs, err := s.List(ctx, "_versions/")
		if err != nil || len(objs) != 1 {
			t.Errorf("%T: listing %v, %v", s, objs, err)
		}
	}
}
