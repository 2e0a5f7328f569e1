package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type fakeEngine struct{ closed bool }

func (f *fakeEngine) query(_ context.Context, sql string) (Rows, error) {
	switch sql {
	case "ok":
		return Rows{{1.0, "a"}}, nil
	case "fail":
		return nil, errors.New("no such table")
	}
	panic("kernel bug")
}

func (f *fakeEngine) close() error { f.closed = true; return nil }

// The child answers one JSON line per request, turns errors and panics into
// replies (the parent must learn of them, not hang), and stops at "exit".
func TestServe(t *testing.T) {
	reqs := []request{{Op: "query", SQL: "ok"}, {Op: "query", SQL: "fail"}, {Op: "query", SQL: "boom"}, {Op: "exit"}, {Op: "query", SQL: "ok"}}
	var in strings.Builder
	for _, r := range reqs {
		b, _ := json.Marshal(r)
		in.Write(append(b, '\n'))
	}
	var out strings.Builder
	eng := &fakeEngine{}
	if err := serve(context.Background(), eng, strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	if !eng.closed {
		t.Error("engine not closed")
	}
	var got []reply
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var r reply
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d replies, want 3 (nothing after exit): %s", len(got), out.String())
	}
	if got[0].Err != "" || compareRows(got[0].Rows, Rows{{1.0, "a"}}) != "" {
		t.Errorf("ok reply = %+v", got[0])
	}
	if got[1].Err != "no such table" {
		t.Errorf("error reply = %+v", got[1])
	}
	if !strings.Contains(got[2].Err, "panic: kernel bug") {
		t.Errorf("panic reply = %+v", got[2])
	}
}
