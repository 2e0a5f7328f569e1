package sqllogic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fakeDB answers a fixed set of SQL texts, so the runner's checks can be
// tested without the engine. Special texts: "PANIC" panics, "SLEEP" blocks
// until cancelled, "HANG" blocks until released.
type fakeDB struct {
	mem     memory.Allocator
	answers map[string]fakeAnswer
	execs   atomic.Int64
	hang    chan struct{}
}

type fakeAnswer struct {
	err    error
	schema *arrow.Schema
	// rows as JSON, one batch per element.
	batches []string
}

func newFakeDB(mem memory.Allocator) *fakeDB {
	return &fakeDB{mem: mem, answers: map[string]fakeAnswer{}, hang: make(chan struct{})}
}

func (f *fakeDB) special(ctx context.Context, sql string) {
	switch sql {
	case "PANIC":
		panic("boom")
	case "SLEEP":
		<-ctx.Done()
	case "HANG":
		<-f.hang
	}
}

func (f *fakeDB) Exec(ctx context.Context, sql string) error {
	f.execs.Add(1)
	f.special(ctx, sql)
	if sql == "PANIC" || sql == "SLEEP" || sql == "HANG" {
		return ctx.Err()
	}
	a, ok := f.answers[sql]
	if !ok {
		if strings.HasPrefix(sql, "ERR") {
			return errors.New("ERROR 1146 (42S02): Table 'x' doesn't exist")
		}
		return nil
	}
	return a.err
}

func (f *fakeDB) Query(ctx context.Context, sql string) (array.RecordReader, error) {
	f.execs.Add(1)
	f.special(ctx, sql)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, ok := f.answers[sql]
	if !ok {
		return nil, fmt.Errorf("fake: no answer for %q", sql)
	}
	if a.err != nil {
		return nil, a.err
	}
	var recs []arrow.RecordBatch
	for _, js := range a.batches {
		rec, _, err := array.RecordFromJSON(f.mem, a.schema, strings.NewReader(js))
		if err != nil {
			panic(err)
		}
		recs = append(recs, rec)
	}
	rdr, err := array.NewRecordReader(a.schema, recs)
	for _, r := range recs {
		r.Release() // the reader holds its own references
	}
	return rdr, err
}
