package format

import "github.com/genevasql/genevasql/sqlerr"

// decodePage21 decodes a 2.1 PageLayout page.
func (r *Reader) decodePage21(fi *fieldInfo, p *page, a, b uint64, out *outCol, dst int) error {
	return sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: reading Lance 2.1 pages (PageLayout) is not supported yet", fi.field.Name)
}

// encodePage21 encodes the pending rows of a column as a 2.1 page.
func (w *Writer) encodePage21(c *colWriter) ([]byte, error) {
	return nil, sqlerr.New(sqlerr.ErrNotSupported, "lance: column %q: writing Lance 2.1 data files is not supported yet", c.field.Name)
}
