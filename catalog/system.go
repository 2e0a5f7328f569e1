package catalog

import "context"

// SystemTableProvider serves a system table (jobs, errors, functions) by name;
// the engine installs the providers it owns.
type SystemTableProvider func(ctx context.Context, name string) (Table, bool)

// AddSystemTables installs a provider of system tables on this catalog.
func (c *Catalog) AddSystemTables(p SystemTableProvider) { c.system = append(c.system, p) }

func (c *Catalog) systemTable(ctx context.Context, name string) (Table, bool) {
	for _, p := range c.system {
		if t, ok := p(ctx, name); ok {
			return t, true
		}
	}
	return nil, false
}
