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
