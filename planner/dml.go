package planner

import (
	"context"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/genevasql/genevasql/catalog"
	"github.com/genevasql/genevasql/expr"
	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// singleTable resolves the target table of a DML statement.
func (b *binder) singleTable(refs *ast.TableRefsClause) (catalog.MutableTable, *ast.TableName, string, error) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return nil, nil, "", sqlerr.New(sqlerr.ErrNotSupported, "multi-table INSERT, UPDATE and DELETE are not supported").At(1, 1)
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil, nil, "", sqlerr.New(sqlerr.ErrNotSupported, "unsupported DML target").At(1, 1)
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil, nil, "", sqlerr.New(sqlerr.ErrNotSupported, "the target of INSERT, UPDATE or DELETE must be a table").At(1, 1)
	}
	t, err := b.cat.LookupTable(b.ctx, tn.Name.O, nil)
	if err != nil {
		e := sqlerr.Wrap(err)
		if e.Line == 0 {
			return nil, nil, "", b.errAtWord(tn.Name.O, e.Code, "%s", e.Msg)
		}
		return nil, nil, "", e
	}
	if t == nil {
		return nil, nil, "", b.errAtWord(tn.Name.O, sqlerr.ErrNoSuchTable, "Table '%s' doesn't exist", tn.Name.O)
	}
	mt, ok := t.(catalog.MutableTable)
	if !ok {
		return nil, nil, "", b.errAtWord(tn.Name.O, sqlerr.ErrWrongObject, "'%s' is not a base table that can be changed", tn.Name.O)
	}
	return mt, tn, ts.AsName.O, nil
}

func (b *binder) bindInsert(s *ast.InsertStmt) (lnode, error) {
	if s.Setlist {
		return nil, b.errAt(s, sqlerr.ErrNotSupported, "INSERT ... SET is not supported; use INSERT ... VALUES")
	}
	tbl, _, _, err := b.singleTable(s.Table)
	if err != nil {
		return nil, err
	}
	fields := tbl.Schema().Fields()
	// target[i] is the table column that input column i fills
	var target []int
	if len(s.Columns) == 0 {
		for i := range fields {
			target = append(target, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range s.Columns {
			idx := -1
			for i, f := range fields {
				if strings.EqualFold(f.Name, c.Name.O) {
					idx = i
					break
				}
			}
			if idx < 0 {
				return nil, b.errAtWord(c.Name.O, sqlerr.ErrBadField, "Unknown column '%s' in 'field list'", c.Name.O)
			}
			if seen[idx] {
				return nil, b.errAtWord(c.Name.O, 1110, "Column '%s' specified twice", c.Name.O)
			}
			seen[idx] = true
			target = append(target, idx)
		}
	}
	if err := b.checkOmittedNotNull(s, fields, target); err != nil {
		return nil, err
	}
	var out []column
	for _, f := range fields {
		out = append(out, b.newCol(f.Name, "", f.Type))
	}
	var child lnode
	if s.Select != nil {
		q, err := b.bindResultSet(s.Select, &scope{})
		if err != nil {
			return nil, err
		}
		qc := q.cols()
		if len(qc) != len(target) {
			return nil, b.errAt(s, sqlerr.ErrWrongValueCount, "Column count doesn't match value count at row 1")
		}
		p := &lProject{child: q, out: out, strict: true}
		for i, f := range fields {
			e, err := b.defaultValue(f)
			if err != nil {
				return nil, err
			}
			for j, t := range target {
				if t == i {
					e = &castExpr{arg: qc[j].ref(), to: f.Type}
					if arrow.TypeEqual(qc[j].t, f.Type) {
						e = qc[j].ref()
					}
				}
			}
			p.exprs = append(p.exprs, e)
		}
		child = p
	} else {
		v := &lValues{out: out, strict: true}
		empty := &scope{}
		for ri, row := range s.Lists {
			if len(row) != len(target) {
				return nil, b.errAt(s, sqlerr.ErrWrongValueCount, "Column count doesn't match value count at row %d", ri+1)
			}
			vals := make([]lexpr, len(fields))
			for i, f := range fields {
				d, err := b.defaultValue(f)
				if err != nil {
					return nil, err
				}
				vals[i] = d
			}
			for j, e := range row {
				if _, ok := e.(*ast.DefaultExpr); ok {
					continue
				}
				// Values are written, so they are computed strictly (1/0 is
				// error 1365, not NULL), also when folded at plan time.
				b.ec.Strict = true
				x, err := b.bindExpr(e, empty, exprCtx{clause: inFieldList})
				b.ec.Strict = false
				if err != nil {
					return nil, err
				}
				vals[target[j]] = x
			}
			v.rows = append(v.rows, vals)
		}
		child = v
	}
	// REPLACE and INSERT IGNORE are inserts whose key conflicts the table
	// resolves (catalog/keys.go).
	if len(s.OnDuplicate) > 0 {
		upd, err := b.bindOnDuplicate(s, tbl)
		if err != nil {
			return nil, err
		}
		tbl = catalog.OnDuplicateUpdate(tbl, upd)
	} else if s.IsReplace {
		tbl = catalog.OnConflict(tbl, catalog.ConflictReplace)
	} else if s.IgnoreErr {
		tbl = catalog.OnConflict(tbl, catalog.ConflictIgnore)
	}
	return &lInsert{tbl: tbl, child: child}, nil
}

// bindDMLSource binds the scanned table of UPDATE/DELETE, filtered by
// WHERE and limited by ORDER BY/LIMIT, with its _rowaddr.
func (b *binder) bindDMLSource(refs *ast.TableRefsClause, where ast.ExprNode, order *ast.OrderByClause, limit *ast.Limit) (catalog.MutableTable, lnode, *scope, *lScan, error) {
	tbl, tn, alias, err := b.singleTable(refs)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if alias == "" {
		alias = tn.Name.O
	}
	n, cols, err := b.bindTable(tn, alias, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	scan, ok := n.(*lScan)
	if !ok {
		return nil, nil, nil, nil, b.errAtWord(tn.Name.O, sqlerr.ErrWrongObject, "'%s' is not a base table", tn.Name.O)
	}
	sc := &scope{cols: cols}
	var plan lnode = scan
	if where != nil {
		w, err := b.bindExpr(where, sc, exprCtx{clause: inWhere})
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if w, err = b.toPredicate(w, where); err != nil {
			return nil, nil, nil, nil, err
		}
		plan = &lFilter{child: plan, conds: splitAnd(w, nil)}
	}
	if order != nil {
		var keys []sortKey
		for _, it := range order.Items {
			e, err := b.bindExpr(it.Expr, sc, exprCtx{clause: inOrder})
			if err != nil {
				return nil, nil, nil, nil, err
			}
			keys = append(keys, sortKey{e: e, desc: it.Desc})
		}
		plan = &lSort{child: plan, keys: keys}
	}
	if limit != nil {
		if plan, err = b.bindLimit(limit, plan); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return tbl, plan, sc, scan, nil
}

func (b *binder) bindDelete(s *ast.DeleteStmt) (lnode, error) {
	if s.IsMultiTable {
		return nil, b.errAt(s, sqlerr.ErrNotSupported, "multi-table DELETE is not supported")
	}
	if s.With != nil {
		return nil, b.errAt(s, sqlerr.ErrNotSupported, "WITH is not supported")
	}
	tbl, plan, _, scan, err := b.bindDMLSource(s.TableRefs, s.Where, s.Order, s.Limit)
	if err != nil {
		return nil, err
	}
	return &lDelete{tbl: tbl, child: plan, rowAddr: scan.rowAddrCol.id}, nil
}

func (b *binder) bindUpdate(s *ast.UpdateStmt) (lnode, error) {
	if s.MultipleTable {
		return nil, b.errAt(s, sqlerr.ErrNotSupported, "multi-table UPDATE is not supported")
	}
	if s.With != nil {
		return nil, b.errAt(s, sqlerr.ErrNotSupported, "WITH is not supported")
	}
	tbl, plan, sc, scan, err := b.bindDMLSource(s.TableRefs, s.Where, s.Order, s.Limit)
	if err != nil {
		return nil, err
	}
	fields := tbl.Schema().Fields()
	newVals := make([]lexpr, len(fields))
	for i := range fields {
		newVals[i] = scan.out[i].ref()
	}
	assigned := make([]bool, len(fields))
	for _, a := range s.List {
		idx := -1
		for i, f := range fields {
			if strings.EqualFold(f.Name, a.Column.Name.O) {
				idx = i
			}
		}
		if idx < 0 || (a.Column.Table.O != "" && !strings.EqualFold(a.Column.Table.O, scan.alias)) {
			name := a.Column.Name.O
			if a.Column.Table.O != "" {
				name = a.Column.Table.O + "." + name
			}
			return nil, b.errAtWord(a.Column.Name.O, sqlerr.ErrBadField, "Unknown column '%s' in 'field list'", name)
		}
		var e lexpr
		if _, ok := a.Expr.(*ast.DefaultExpr); ok {
			e = &constExpr{v: scalar.MakeNullScalar(fields[idx].Type)}
		} else {
			// MySQL assigns left to right: a later assignment sees the
			// values earlier ones gave (UPDATE t SET a = a + 1, b = a).
			x, err := b.bindExpr(a.Expr, sc, exprCtx{clause: inFieldList})
			if err != nil {
				return nil, err
			}
			if x, err = mapExpr(x, func(y lexpr) (lexpr, error) {
				if r, ok := y.(*colRef); ok {
					for i, c := range scan.out {
						if c.id == r.id && assigned[i] {
							return newVals[i], nil
						}
					}
				}
				return y, nil
			}); err != nil {
				return nil, err
			}
			e = x
		}
		if !arrow.TypeEqual(e.Type(), fields[idx].Type) {
			e = &castExpr{arg: e, to: fields[idx].Type}
		}
		newVals[idx] = e
		assigned[idx] = true
	}
	p := &lProject{child: plan, strict: true}
	var ids []int
	for i, f := range fields {
		c := b.newCol(f.Name, "", f.Type)
		p.exprs = append(p.exprs, newVals[i])
		p.out = append(p.out, c)
		ids = append(ids, c.id)
	}
	ra := b.newCol(catalog.RowAddrColumn, "", arrow.PrimitiveTypes.Uint64)
	p.exprs = append(p.exprs, scan.rowAddrCol.ref())
	p.out = append(p.out, ra)
	return &lUpdate{tbl: tbl, child: p, rowAddr: ra.id, newCols: ids}, nil
}

// defaultValue is a column's DEFAULT (recorded in its field metadata by
// CREATE TABLE), cast to the column's type, or NULL.
func (b *binder) defaultValue(f arrow.Field) (lexpr, error) {
	text, ok := f.Metadata.GetValue(catalog.MetaDefault)
	if !ok || text == "" {
		return &constExpr{v: scalar.MakeNullScalar(f.Type)}, nil
	}
	node, err := parser.ParseExpr(text)
	if err != nil {
		return nil, err
	}
	e, err := b.bindExpr(node, &scope{}, exprCtx{clause: inFieldList})
	if err != nil {
		return nil, err
	}
	return b.cast(e, f.Type), nil
}

// checkOmittedNotNull is MySQL's strict-mode error for a NOT NULL column
// without a DEFAULT that the INSERT leaves out.
func (b *binder) checkOmittedNotNull(s *ast.InsertStmt, fields []arrow.Field, target []int) error {
	given := make([]bool, len(fields))
	for _, t := range target {
		given[t] = true
	}
	for i, f := range fields {
		if given[i] || f.Nullable || catalog.IsAutoIncrement(f) {
			continue
		}
		if d, ok := f.Metadata.GetValue(catalog.MetaDefault); ok && d != "" {
			continue
		}
		return b.errAt(s, 1364, "Field '%s' doesn't have a default value", f.Name)
	}
	return nil
}

// newRowQualifier prefixes the names of the new row's columns while ON
// DUPLICATE KEY UPDATE assignments are bound (VALUES(c) is rewritten to
// such a name, which no user column can have).
const newRowQualifier = "\x00new."

// bindOnDuplicate binds ON DUPLICATE KEY UPDATE c = expr, …: a bare column
// is the stored row's value, VALUES(c) the new row's. The expressions are
// lowered over [stored columns…, new columns…] and evaluated, vectorized,
// over all colliding rows at once.
func (b *binder) bindOnDuplicate(s *ast.InsertStmt, tbl catalog.MutableTable) (catalog.DuplicateUpdate, error) {
	fields := tbl.Schema().Fields()
	var oldCols, newCols []column
	for _, f := range fields {
		oldCols = append(oldCols, b.newCol(f.Name, tbl.Name(), f.Type))
	}
	for _, f := range fields {
		// Named apart so that a bare column is only the stored row's.
		newCols = append(newCols, b.newCol(newRowQualifier+f.Name, "", f.Type))
	}
	pos := map[int]int{}
	for i, c := range oldCols {
		pos[c.id] = i
	}
	for i, c := range newCols {
		pos[c.id] = len(fields) + i
	}
	sc := &scope{cols: append(append([]column(nil), oldCols...), newCols...)}
	exprs := make([]expr.Expr, len(fields))
	for i, c := range oldCols {
		e, err := lowerExpr(c.ref(), pos, nil)
		if err != nil {
			return nil, err
		}
		exprs[i] = e
	}
	for _, a := range s.OnDuplicate {
		idx := -1
		for i, f := range fields {
			if strings.EqualFold(f.Name, a.Column.Name.O) {
				idx = i
			}
		}
		if idx < 0 || (a.Column.Table.O != "" && !strings.EqualFold(a.Column.Table.O, tbl.Name())) {
			return nil, b.errAtWord(a.Column.Name.O, sqlerr.ErrBadField, "Unknown column '%s' in 'field list'", a.Column.Name.O)
		}
		node, _ := a.Expr.Accept(valuesRewriter{})
		x, err := b.bindExpr(node.(ast.ExprNode), sc, exprCtx{clause: inFieldList})
		if err != nil {
			return nil, err
		}
		e, err := lowerExpr(b.cast(x, fields[idx].Type), pos, nil)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ErrNotSupported, "ON DUPLICATE KEY UPDATE: %v", err)
		}
		exprs[idx] = e
	}
	schema := tbl.Schema()
	return func(ctx context.Context, mem memory.Allocator, old, nw arrow.RecordBatch) (_ []arrow.Array, err error) {
		cols := make([]arrow.Array, 0, 2*len(fields))
		cols = append(append(cols, old.Columns()...), nw.Columns()...)
		both := array.NewRecordBatch(arrow.NewSchema(append(append([]arrow.Field(nil), schema.Fields()...), schema.Fields()...), nil), cols, old.NumRows())
		defer both.Release()
		ec := &functions.EvalContext{Ctx: ctx, Mem: mem, Now: time.Now(), Strict: true}
		out := make([]arrow.Array, len(exprs))
		for i, e := range exprs {
			a, err := e.Eval(ec, both)
			if err != nil {
				for _, done := range out[:i] {
					done.Release()
				}
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	}, nil
}

// valuesRewriter turns VALUES(c) into the new row's column c.
type valuesRewriter struct{}

func (valuesRewriter) Enter(n ast.Node) (ast.Node, bool) { return n, false }
func (valuesRewriter) Leave(n ast.Node) (ast.Node, bool) {
	if v, ok := n.(*ast.ValuesExpr); ok && v.Column != nil {
		return &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(newRowQualifier + v.Column.Name.Name.O)}}, true
	}
	return n, true
}
