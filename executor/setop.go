package executor

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

func (k SetOpKind) String() string {
	switch k {
	case Union:
		return "UNION"
	case Except:
		return "EXCEPT"
	case Intersect:
		return "INTERSECT"
	}
	return "SETOP"
}

// setOp implements EXCEPT and INTERSECT: the right side's rows are counted
// per key in a group table; left rows stream through the same table, so a
// group id below nRight means "also on the right".
type setOp struct {
	env         *Env
	kind        SetOpKind
	all         bool
	left, right Operator

	table  *groupTable
	nRight int
	rcount []int64 // per group: right occurrences
	lcount []int64 // per group: left occurrences so far
	gids   []uint32
	sel    []int32
	done   bool
}

// NewSetOp combines left and right rows (the right's columns must have the
// left's types; the output uses the left's schema). Rows compare with NULLs
// equal and strings case-insensitive. Distinct forms return each row once;
// ALL forms follow multiset rules: UNION ALL m+n copies, EXCEPT ALL
// max(m-n, 0), INTERSECT ALL min(m, n). EXCEPT and INTERSECT keep the left's
// row order and first spelling.
func NewSetOp(env *Env, kind SetOpKind, all bool, left, right Operator) Operator {
	if kind == Union {
		u := NewUnionAll(left, right)
		if all {
			return u
		}
		return NewDistinct(env, u)
	}
	return &setOp{env: env, kind: kind, all: all, left: left, right: right}
}

func (s *setOp) Schema() *arrow.Schema { return s.left.Schema() }

func (s *setOp) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	defer recoverErr(&err)
	if s.done {
		return nil, io.EOF
	}
	if s.table == nil {
		if err := s.buildRight(ctx); err != nil {
			return nil, err
		}
	}
	for {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		b, err := s.left.Next(ctx)
		if err != nil {
			if isEOF(err) {
				s.done = true
				s.table = nil
			}
			return nil, err
		}
		out, err := s.filter(ctx, b)
		if err != nil || out != nil {
			return out, err
		}
	}
}

func (s *setOp) buildRight(ctx context.Context) error {
	lt, rt := schemaTypes(s.left.Schema()), schemaTypes(s.right.Schema())
	if err := checkKeyTypes(lt, rt); err != nil {
		return err
	}
	s.table = newGroupTable(lt)
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		b, err := s.right.Next(ctx)
		if err != nil {
			if isEOF(err) {
				break
			}
			return err
		}
		n := int(b.NumRows())
		s.gids = growU32(s.gids, n)
		s.table.insert(b.Columns(), s.gids, false)
		b.Release()
		for len(s.rcount) < s.table.n {
			s.rcount = append(s.rcount, 0)
		}
		for _, g := range s.gids[:n] {
			s.rcount[g]++
		}
	}
	s.nRight = s.table.n
	// The right side is fully counted; free its resources now.
	return s.right.Close()
}

// filter returns the rows of b the set operation keeps (nil if none); it
// releases b.
func (s *setOp) filter(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	defer b.Release()
	n := int(b.NumRows())
	s.gids = growU32(s.gids, n)
	s.table.insert(b.Columns(), s.gids, false)
	for len(s.lcount) < s.table.n {
		s.lcount = append(s.lcount, 0)
	}
	s.sel = s.sel[:0]
	for i, g := range s.gids[:n] {
		s.lcount[g]++
		var r int64
		if int(g) < s.nRight {
			r = s.rcount[g]
		}
		l := s.lcount[g]
		var keep bool
		switch {
		case s.kind == Except && s.all:
			keep = l > r
		case s.kind == Except:
			keep = r == 0 && l == 1
		case s.all: // INTERSECT ALL
			keep = l <= r
		default:
			keep = r > 0 && l == 1
		}
		if keep {
			s.sel = append(s.sel, int32(i))
		}
	}
	switch len(s.sel) {
	case 0:
		return nil, nil
	case n:
		return withSchema(s.Schema(), retained(b))
	}
	return takeBatch(ctx, s.env.mem(), s.Schema(), b, s.sel)
}

func retained(b arrow.RecordBatch) arrow.RecordBatch {
	b.Retain()
	return b
}

func (s *setOp) Close() error {
	s.done = true
	s.table = nil
	return closeAll(s.left, s.right)
}
