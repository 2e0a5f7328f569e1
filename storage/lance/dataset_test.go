package lance

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
	"github.com/genevasql/genevasql/storage/objstore"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func TestCreateOpenVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Version() != 1 || d.CountRows() != 0 || len(d.Fragments()) != 0 {
		t.Fatalf("new dataset: v%d rows %d", d.Version(), d.CountRows())
	}
	if _, err := Create(ctx, path, testSchema, CreateOptions{}); !isCode(err, sqlerr.ErrTableExists) {
		t.Fatalf("second Create: %v", err)
	}
	d2, err := d.UpdateSchemaMetadata(ctx, map[string]string{"view": "select 1", "k": ""})
	if err != nil {
		t.Fatal(err)
	}
	d3, err := d2.UpdateSchemaMetadata(ctx, map[string]string{"view": "select 2"})
	if err != nil {
		t.Fatal(err)
	}
	if d3.Version() != 3 {
		t.Fatalf("version %d", d3.Version())
	}
	o, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if o.Version() != 3 || o.SchemaMetadata()["view"] != "select 2" {
		t.Fatalf("latest: v%d %v", o.Version(), o.SchemaMetadata())
	}
	if !arrow.NewSchema(o.Schema().Fields(), nil).Equal(testSchema) {
		t.Fatalf("schema %v", o.Schema())
	}
	if md, ok := o.Schema().Field(0).Metadata.GetValue("lance:field_id"); ok {
		t.Fatalf("field id metadata leaked: %s", md)
	}
	tests := []struct {
		opt  OpenOption
		want uint64
		meta map[string]string
	}{
		{WithVersion(1), 1, map[string]string{"k": "v"}},
		{WithVersion(2), 2, map[string]string{"view": "select 1"}},
		{WithTimestamp(d2.Timestamp()), 2, map[string]string{"view": "select 1"}},
		{WithTimestamp(d3.Timestamp().Add(time.Hour)), 3, map[string]string{"view": "select 2"}},
	}
	for _, tc := range tests {
		o, err := Open(ctx, path, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if o.Version() != tc.want || fmt.Sprint(o.SchemaMetadata()) != fmt.Sprint(tc.meta) {
			t.Errorf("want v%d %v, got v%d %v", tc.want, tc.meta, o.Version(), o.SchemaMetadata())
		}
	}
	if _, err := Open(ctx, path, WithVersion(9)); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing version: %v", err)
	}
	if _, err := Open(ctx, path, WithTimestamp(d.Timestamp().Add(-time.Hour))); !errors.Is(err, ErrNotFound) {
		t.Errorf("too early: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "none.lance")); !errors.Is(err, ErrNotFound) || !isCode(err, sqlerr.ErrNoSuchTable) {
		t.Errorf("no dataset: %v", err)
	}
	vs, err := o.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []string{"Overwrite", "UpdateConfig", "UpdateConfig"}
	if len(vs) != 3 {
		t.Fatalf("versions %v", vs)
	}
	for i, v := range vs {
		if v.Version != uint64(i+1) || v.Operation != wantOps[i] || (i > 0 && !v.Timestamp.After(vs[i-1].Timestamp)) {
			t.Errorf("version %d: %+v", i, v)
		}
	}
	// Latest from an old snapshot.
	old, _ := Open(ctx, path, WithVersion(1))
	l, err := old.Latest(ctx)
	if err != nil || l.Version() != 3 {
		t.Fatalf("Latest: %v %v", l, err)
	}
}

func isCode(err error, code int) bool {
	var e *sqlerr.Error
	return errors.As(err, &e) && e.Code == code
}

// A stale or missing hint must not hide the latest version.
func TestHintIsOnlyAHint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateSchemaMetadata(ctx, map[string]string{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	s, _ := objstore.NewLocal(path)
	if err := putFile(ctx, s, "_versions/latest_version_hint.json", []byte(`{"version":1}`)); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, path)
	if err != nil || o.Version() != 2 {
		t.Fatalf("stale hint: %v %v", o, err)
	}
	s.Delete(ctx, "_versions/latest_version_hint.json")
	if o, err = Open(ctx, path); err != nil || o.Version() != 2 {
		t.Fatalf("no hint: %v %v", o, err)
	}
}

// Concurrent metadata updates from one base version all land: each loser
// rebases on the winner.
func TestConcurrentMetadataCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = d.UpdateSchemaMetadata(ctx, map[string]string{fmt.Sprintf("k%d", i): "x"})
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Version() != n+1 || len(l.SchemaMetadata()) != n {
		t.Fatalf("v%d meta %v", l.Version(), l.SchemaMetadata())
	}
}

func TestRefuseUnknownFeatures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		mutate func(m *manifest)
		write  bool // refused only for writes
	}{
		{"stable row ids", func(m *manifest) { m.ReaderFlags |= flagStableRowIDs; m.WriterFlags |= flagStableRowIDs }, false},
		{"base paths", func(m *manifest) { m.ReaderFlags |= flagBasePaths }, false},
		{"future flag", func(m *manifest) { m.ReaderFlags |= 1 << 40 }, false},
		{"future writer flag", func(m *manifest) { m.WriterFlags |= 1 << 41 }, true},
	} {
		path := filepath.Join(t.TempDir(), "t.lance")
		d, err := Create(ctx, path, testSchema, CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := d.m.clone()
		m.Version = 2
		tc.mutate(m)
		s, _ := objstore.NewLocal(path)
		if err := s.PutIfAbsent(ctx, manifestName(2, true), encodeManifestFile(m)); err != nil {
			t.Fatal(err)
		}
		o, err := Open(ctx, path)
		if !tc.write {
			if !isCode(err, sqlerr.ErrNotSupported) {
				t.Errorf("%s: open gave %v", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := o.UpdateSchemaMetadata(ctx, map[string]string{"a": "b"}); !isCode(err, sqlerr.ErrNotSupported) {
			t.Errorf("%s: write gave %v", tc.name, err)
		}
	}
}

// Datasets written with V1 manifest names ({version}.manifest) stay V1.
func TestV1ManifestNames(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.lance")
	d, err := Create(ctx, path, testSchema, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := objstore.NewLocal(path)
	b, err := s.ReadFile(ctx, manifestName(1, true))
	if err != nil {
		t.Fatal(err)
	}
	s.Delete(ctx, manifestName(1, true))
	if err := s.PutIfAbsent(ctx, "_versions/1.manifest", b); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, path)
	if err != nil || o.Version() != 1 {
		t.Fatalf("open V1: %v %v", o, err)
	}
	if _, err := o.UpdateSchemaMetadata(ctx, map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadFile(ctx, "_versions/2.manifest"); err != nil {
		t.Fatalf("commit did not keep V1 naming: %v", err)
	}
	_ = d
}
