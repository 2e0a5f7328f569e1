package catalog

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/genevasql/genevasql/sqlerr"
)

// Trigger is a stored trigger definition. Triggers live in the system
// folder, one JSON file each (<db>/_genevasql/triggers/<name>.json), with
// the CREATE TRIGGER text exactly as written.
type Trigger struct {
	Name   string `json:"name"`
	Table  string `json:"table"`
	Timing string `json:"timing"` // BEFORE, AFTER
	Event  string `json:"event"`  // INSERT, UPDATE, DELETE
	// ActionOrder is the trigger's place (1, 2, …) among the triggers of its
	// table with the same timing and event, as MySQL's ACTION_ORDER.
	ActionOrder int       `json:"action_order"`
	Definer     string    `json:"definer,omitempty"`
	Created     time.Time `json:"created"`
	// Statement is the CREATE TRIGGER text; Body (from BodyOffset) its body.
	Statement  string `json:"statement"`
	Body       string `json:"body"`
	BodyOffset int    `json:"body_offset"`
}

// Trigger errors as MySQL reports them.
const (
	ErrTriggerExists        = 1359 // ER_TRG_ALREADY_EXISTS
	ErrTriggerDoesNotExist  = 1360 // ER_TRG_DOES_NOT_EXIST
	ErrReferencedTrgMissing = 3011 // ER_REFERENCED_TRG_DOES_NOT_EXIST
)

func (c *Catalog) triggerPath(name string) (string, error) {
	stem, err := EncodeName(name)
	if err != nil {
		return "", err
	}
	return c.SystemPath("triggers", stem+".json"), nil
}

// Triggers lists every trigger, sorted by table, event, timing and
// action order (the order SHOW TRIGGERS gives).
func (c *Catalog) Triggers() ([]*Trigger, error) {
	dir := c.SystemPath("triggers")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Trigger
	for _, de := range entries {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // dropped meanwhile
		}
		if err != nil {
			return nil, err
		}
		var t Trigger
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "corrupt trigger definition %s: %v", de.Name(), err)
		}
		out = append(out, &t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ta, tb := strings.ToLower(a.Table), strings.ToLower(b.Table); ta != tb {
			return ta < tb
		}
		if a.Event != b.Event {
			return eventRank(a.Event) < eventRank(b.Event)
		}
		if a.Timing != b.Timing {
			return a.Timing == "BEFORE"
		}
		return a.ActionOrder < b.ActionOrder
	})
	return out, nil
}

func eventRank(e string) int {
	return strings.Index("INSERT UPDATE DELETE", e)
}

// TableTriggers returns the triggers of table with the given timing and
// event, in the order they fire.
func (c *Catalog) TableTriggers(table, timing, event string) ([]*Trigger, error) {
	all, err := c.Triggers()
	if err != nil {
		return nil, err
	}
	var out []*Trigger
	for _, t := range all {
		if strings.EqualFold(t.Table, table) && t.Timing == timing && t.Event == event {
			out = append(out, t)
		}
	}
	return out, nil
}

// HasTriggers reports whether any trigger is stored (a cheap test before
// the DML path looks for a table's triggers).
func (c *Catalog) HasTriggers() bool {
	entries, err := os.ReadDir(c.SystemPath("triggers"))
	if err != nil {
		return false
	}
	for _, de := range entries {
		if strings.HasSuffix(de.Name(), ".json") {
			return true
		}
	}
	return false
}

// LookupTrigger finds a trigger by name (case-insensitively).
func (c *Catalog) LookupTrigger(name string) (*Trigger, error) {
	all, err := c.Triggers()
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if strings.EqualFold(t.Name, name) {
			return t, nil
		}
	}
	return nil, sqlerr.New(ErrTriggerDoesNotExist, "Trigger does not exist")
}

// CreateTrigger stores t. order is "", "FOLLOWS" or "PRECEDES" other, a
// trigger of the same table, timing and event; without it the new trigger
// fires last. It returns false (and no error) if a trigger of that name
// exists and ifNotExists is set.
func (c *Catalog) CreateTrigger(t *Trigger, ifNotExists bool, order, other string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, err := c.Triggers()
	if err != nil {
		return false, err
	}
	var group []*Trigger // same table, timing and event, in firing order
	for _, x := range all {
		if strings.EqualFold(x.Name, t.Name) {
			if ifNotExists {
				return false, nil
			}
			return false, sqlerr.New(ErrTriggerExists, "Trigger already exists")
		}
		if strings.EqualFold(x.Table, t.Table) && x.Timing == t.Timing && x.Event == t.Event {
			group = append(group, x)
		}
	}
	at := len(group)
	if order != "" {
		at = -1
		for i, x := range group {
			if strings.EqualFold(x.Name, other) {
				at = i
				if order == "FOLLOWS" {
					at++
				}
			}
		}
		if at < 0 {
			return false, sqlerr.New(ErrReferencedTrgMissing, "Referenced trigger '%s' for the given action time and event type does not exist.", other)
		}
	}
	group = append(group[:at], append([]*Trigger{t}, group[at:]...)...)
	// Write the new trigger last so that a failure leaves no half-created
	// trigger; renumbered neighbours keep their relative order either way.
	for i, x := range group {
		if x != t && x.ActionOrder == i+1 {
			continue
		}
		x.ActionOrder = i + 1
		if x == t {
			continue
		}
		if err := c.writeTrigger(x); err != nil {
			return false, err
		}
	}
	if err := c.writeTrigger(t); err != nil {
		return false, err
	}
	return true, nil
}

func (c *Catalog) writeTrigger(t *Trigger) error {
	p, err := c.triggerPath(t.Name)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(t, "", "  ")
	return writeFileAtomic(p, b)
}

// DropTrigger removes a trigger; false (and no error) if it does not exist
// and ifExists is set.
func (c *Catalog) DropTrigger(name string, ifExists bool) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.LookupTrigger(name)
	if err != nil {
		if ifExists && sqlerr.Wrap(err).Code == ErrTriggerDoesNotExist {
			return false, nil
		}
		return false, err
	}
	p, err := c.triggerPath(t.Name)
	if err != nil {
		return false, err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// DropTableTriggers removes the triggers of a dropped table (MySQL drops
// them with it).
func (c *Catalog) DropTableTriggers(table string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, _ := c.Triggers()
	for _, t := range all {
		if strings.EqualFold(t.Table, table) {
			if p, err := c.triggerPath(t.Name); err == nil {
				_ = os.Remove(p)
			}
		}
	}
}
