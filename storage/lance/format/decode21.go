package format

import "github.com/genevasql/genevasql/sqlerr"

// decodePage21 decodes a 2.1 PageLayout page.
func (r *Reader) decodePage21(fi *fieldInfo, p *page, a, b uint64, out *outCol, dst int) error {
	return sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: reading Lance 2.1 pages (PageLayout) is not supported yet", fi.field.Name)
}
