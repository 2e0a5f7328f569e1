package catalog

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

func TestTriggerStorage(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, memory.NewGoAllocator(), functions.NewBuiltinRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if c.HasTriggers() {
		t.Fatal("a new database has triggers")
	}
	add := func(name, table, order, other string) error {
		_, err := c.CreateTrigger(&Trigger{Name: name, Table: table, Timing: "BEFORE", Event: "INSERT",
			Statement: "CREATE TRIGGER " + name + " …"}, false, order, other)
		return err
	}
	steps := []struct {
		name, table, order, other string
		code                      int // expected error code, 0 for none
	}{
		{"a", "t", "", "", 0},
		{"b", "t", "", "", 0},
		{"c", "t", "PRECEDES", "a", 0},
		{"d", "t", "FOLLOWS", "a", 0},
		{"e", "T", "FOLLOWS", "b", 0}, // table names are case-insensitive
		{"x", "u", "", "", 0},
		{"A", "u", "", "", ErrTriggerExists}, // so are trigger names
		{"y", "u", "FOLLOWS", "a", ErrReferencedTrgMissing},
	}
	for _, s := range steps {
		err := add(s.name, s.table, s.order, s.other)
		if got := sqlerr.Wrap(err); (got == nil) != (s.code == 0) || (got != nil && got.Code != s.code) {
			t.Fatalf("create %s: got %v, want code %d", s.name, err, s.code)
		}
	}
	// Reopening reads the same definitions back, in firing order.
	c2, err := Open(dir, memory.NewGoAllocator(), functions.NewBuiltinRegistry())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c2.TableTriggers("t", "BEFORE", "INSERT")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, tr := range got {
		names = append(names, tr.Name)
		if tr.ActionOrder != i+1 {
			t.Errorf("%s has action order %d, want %d", tr.Name, tr.ActionOrder, i+1)
		}
	}
	if strings.Join(names, ",") != "c,a,d,b,e" {
		t.Fatalf("firing order %v, want c,a,d,b,e", names)
	}
	if tr, err := c2.LookupTrigger("D"); err != nil || tr.Statement != "CREATE TRIGGER d …" {
		t.Fatalf("LookupTrigger: %+v, %v", tr, err)
	}
	if ok, err := c2.DropTrigger("nosuch", true); ok || err != nil {
		t.Fatalf("DROP TRIGGER IF EXISTS nosuch: %v, %v", ok, err)
	}
	if _, err := c2.DropTrigger("nosuch", false); sqlerr.Wrap(err).Code != ErrTriggerDoesNotExist {
		t.Fatalf("DROP TRIGGER nosuch: %v", err)
	}
	c2.DropTableTriggers("T")
	all, _ := c2.Triggers()
	if len(all) != 1 || all[0].Name != "x" {
		t.Fatalf("after dropping t's triggers: %+v", all)
	}
	if _, err := c2.DropTrigger("X", false); err != nil || c2.HasTriggers() {
		t.Fatalf("DROP TRIGGER X: %v (has triggers: %v)", err, c2.HasTriggers())
	}
}
