package executor

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/genevasql/genevasql/functions"
	"github.com/genevasql/genevasql/sqlerr"
)

// Aggregates over frames. SUM, COUNT and AVG read running totals that
// restart at each partition, so a frame's total is one subtraction (and a
// frame that starts at its partition's first row, the common running sum,
// is exact and O(1)); MIN and MAX slide a monotonic deque along the frame
// ends, O(n) for any frame because both ends only move forward.

// floatRecomputeLimit: a DOUBLE sum over a sliding frame this short is
// summed directly rather than by subtracting running totals, which would
// carry rounding from rows outside the frame.
const floatRecomputeLimit = 64

func (w *windowOp) aggregate(ctx context.Context, c WindowCall, args []arrow.Array, lay *winLayout, fs, fe []int32) (arrow.Array, error) {
	if c.Agg == nil {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: window aggregate %s has no function", c.Name)
	}
	mem := w.env.mem()
	n := lay.n
	switch c.Agg.Name {
	case "count":
		out := functions.NewFixedOut[int64](mem, arrow.PrimitiveTypes.Int64, n)
		copy(out.Values, frameCounts(args, lay, fs, fe))
		return out.Finish(), nil
	case "sum", "avg":
		if len(args) != 1 {
			break
		}
		cnt := frameCounts(args, lay, fs, fe)
		if args[0].DataType().ID() == arrow.FLOAT64 {
			return floatFrameSum(mem, args[0], cnt, lay, fs, fe, c.Agg.Name == "avg"), nil
		}
		return decimalFrameSum(mem, args[0], cnt, lay, fs, fe, c)
	case "min", "max":
		if len(args) != 1 {
			break
		}
		idx, err := slidingExtreme(args[0], lay, fs, fe, c.Agg.Name == "max")
		if err != nil {
			return nil, err
		}
		return w.gather(ctx, args[0], idx, c.Type)
	}
	return w.genericAggregate(ctx, c, args, lay.n, fs, fe)
}

// genericFrameBudget bounds the rows the generic path feeds accumulators
// (the sum of all distinct frames' sizes).
const genericFrameBudget = 50_000_000

// genericAggregate computes any other aggregate (STDDEV, VARIANCE, BIT_*,
// …) through its GROUP BY accumulator: each distinct frame is a group fed
// the rows of the frame, so rows sharing a frame (a whole partition, a peer
// group) cost one group. Frames that overlap are fed repeatedly, so the
// total work is bounded by genericFrameBudget.
func (w *windowOp) genericAggregate(ctx context.Context, c WindowCall, args []arrow.Array, n int, fs, fe []int32) (arrow.Array, error) {
	mem := w.env.mem()
	gid := make([]int32, n)
	var starts, ends []int32
	var total int64
	for i := 0; i < n; i++ {
		if i > 0 && fs[i] == fs[i-1] && fe[i] == fe[i-1] {
			gid[i] = gid[i-1]
			continue
		}
		gid[i] = int32(len(starts))
		starts, ends = append(starts, fs[i]), append(ends, fe[i])
		total += int64(max(0, fe[i]-fs[i]))
	}
	if total > genericFrameBudget {
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "%s over these frames would aggregate %d rows; use a smaller ROWS frame or partition", c.Agg.Name, total)
	}
	acc, err := c.Agg.New(mem, functions.AggOptions{Separator: ","})
	if err != nil {
		return nil, err
	}
	defer acc.Release()
	const chunk = 1 << 16
	rows := make([]int32, 0, chunk)
	groups := make([]uint32, 0, chunk)
	for g := range starts {
		for r := starts[g]; r < ends[g]; r++ {
			rows = append(rows, r)
			groups = append(groups, uint32(g))
			if len(rows) == chunk {
				if err := w.feed(ctx, acc, args, rows, groups, g+1); err != nil {
					return nil, err
				}
				rows, groups = rows[:0], groups[:0]
			}
		}
	}
	if err := w.feed(ctx, acc, args, rows, groups, len(starts)); err != nil {
		return nil, err
	}
	res, err := acc.Finish(mem, len(starts))
	if err != nil {
		return nil, err
	}
	defer res.Release()
	return w.gather(ctx, res, gid, c.Type)
}

// feed passes the argument rows listed in rows to acc as groups.
func (w *windowOp) feed(ctx context.Context, acc functions.Accumulator, args []arrow.Array, rows []int32, groups []uint32, ngroups int) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	cols, err := takeColumns(ctx, w.env.mem(), args, rows)
	if err != nil {
		return err
	}
	defer releaseArrays(cols)
	return acc.Update(groups, ngroups, cols)
}

// runningCount[i] is the number of rows from i's partition start to i
// (inclusive) whose arguments are all non-NULL.
func runningCount(args []arrow.Array, lay *winLayout) []int64 {
	cnt := make([]int64, lay.n)
	var valid [][]bool
	for _, a := range args {
		if a.NullN() > 0 || a.DataType().ID() == arrow.NULL {
			valid = append(valid, validBools(a, nil))
		}
	}
	var run int64
	for i := range cnt {
		if lay.pstart[i] == int32(i) {
			run = 0
		}
		ok := true
		for _, v := range valid {
			ok = ok && v[i]
		}
		if ok {
			run++
		}
		cnt[i] = run
	}
	return cnt
}

// frameCounts is, per row, the number of rows of its frame whose arguments
// are all non-NULL.
func frameCounts(args []arrow.Array, lay *winLayout, fs, fe []int32) []int64 {
	run := runningCount(args, lay)
	out := make([]int64, lay.n)
	for i := range out {
		out[i] = frameCount(run, lay.pstart[i], fs[i], fe[i])
	}
	return out
}

// frameCount reads a running total for the frame [fs, fe) of a partition
// starting at ps.
func frameCount(run []int64, ps, fs, fe int32) int64 {
	if fe <= fs {
		return 0
	}
	if fs == ps {
		return run[fe-1]
	}
	return run[fe-1] - run[fs-1]
}

func floatFrameSum(mem memory.Allocator, a arrow.Array, cnt []int64, lay *winLayout, fs, fe []int32, avg bool) arrow.Array {
	vals := functions.Values[float64](a)
	valid := validBools(a, nil)
	run := make([]float64, lay.n)
	var s float64
	for i := range run {
		if lay.pstart[i] == int32(i) {
			s = 0
		}
		if valid[i] {
			s += vals[i]
		}
		run[i] = s
	}
	out := functions.NewFixedOut[float64](mem, arrow.PrimitiveTypes.Float64, lay.n)
	nullEmptyFrames(out, cnt)
	for i, k := range cnt {
		if k == 0 {
			continue
		}
		ps, f, e := lay.pstart[i], fs[i], fe[i]
		var sum float64
		switch {
		case f == ps:
			sum = run[e-1]
		case e-f <= floatRecomputeLimit:
			for j := f; j < e; j++ {
				if valid[j] {
					sum += vals[j]
				}
			}
		default:
			sum = run[e-1] - run[f-1]
		}
		if avg {
			sum /= float64(k)
		}
		out.Values[i] = sum
	}
	return out.Finish()
}

// decimalFrameSum sums BIGINT or DECIMAL arguments exactly in DECIMAL, as
// the GROUP BY aggregates do; AVG divides with MySQL's rounding (half away
// from zero) at the result's scale.
func decimalFrameSum(mem memory.Allocator, a arrow.Array, cnt []int64, lay *winLayout, fs, fe []int32, c WindowCall) (arrow.Array, error) {
	var get func(i int) decimal128.Num
	var scale int32
	switch a.DataType().ID() {
	case arrow.INT64:
		v := functions.Values[int64](a)
		get = func(i int) decimal128.Num { return decimal128.FromI64(v[i]) }
	case arrow.DECIMAL128:
		v := functions.Values[decimal128.Num](a)
		get = func(i int) decimal128.Num { return v[i] }
		scale = a.DataType().(*arrow.Decimal128Type).Scale
	default:
		return nil, sqlerr.New(sqlerr.ErrNotSupported, "window %s over %s is not supported", c.Agg.Name, a.DataType())
	}
	dt, ok := c.Type.(*arrow.Decimal128Type)
	if !ok {
		return nil, sqlerr.New(sqlerr.ErrUnknownSystem, "executor: window %s returns %s, expected a DECIMAL", c.Agg.Name, c.Type)
	}
	valid := validBools(a, nil)
	run := make([]decimal128.Num, lay.n)
	var s decimal128.Num
	for i := range run {
		if lay.pstart[i] == int32(i) {
			s = decimal128.Num{}
		}
		if valid[i] {
			s = s.Add(get(i))
		}
		run[i] = s
	}
	avg := c.Agg.Name == "avg"
	up := decimal128.GetScaleMultiplier(int(dt.Scale - scale))
	out := functions.NewFixedOut[decimal128.Num](mem, c.Type, lay.n)
	nullEmptyFrames(out, cnt)
	for i, k := range cnt {
		if k == 0 {
			continue
		}
		ps, f, e := lay.pstart[i], fs[i], fe[i]
		sum := run[e-1]
		if f > ps {
			sum = sum.Sub(run[f-1])
		}
		if avg {
			sum = divRound(sum.Mul(up), decimal128.FromI64(k))
		}
		if !sum.FitsInPrecision(dt.Precision) {
			out.Release()
			return nil, sqlerr.New(sqlerr.ErrDataOutOfRange, "DECIMAL value is out of range in '%s'", c.Agg.Name)
		}
		out.Values[i] = sum
	}
	return out.Finish(), nil
}

// nullEmptyFrames marks NULL the rows whose frame has no non-NULL value
// (cnt is frameCounts), as SUM and AVG of no values are NULL.
func nullEmptyFrames[T arrow.FixedWidthType](out *functions.FixedOut[T], cnt []int64) {
	for i, k := range cnt {
		if k == 0 {
			out.SetNull(i)
		}
	}
}

// divRound divides, rounding half away from zero.
func divRound(num, den decimal128.Num) decimal128.Num {
	q, r := num.Div(den)
	if r.Abs().Mul(decimal128.FromI64(2)).GreaterEqual(den.Abs()) {
		if num.Sign()*den.Sign() < 0 {
			return q.Sub(decimal128.FromI64(1))
		}
		return q.Add(decimal128.FromI64(1))
	}
	return q
}

// slidingExtreme returns, per row, the position of the frame's MIN (or MAX)
// non-NULL argument, or -1 for none. The deque holds candidate positions
// whose values are strictly monotonic, so each row enters and leaves once.
func slidingExtreme(a arrow.Array, lay *winLayout, fs, fe []int32, isMax bool) ([]int32, error) {
	cmpf, err := comparator(a)
	if err != nil {
		return nil, err
	}
	valid := validBools(a, nil)
	out := make([]int32, lay.n)
	dq := make([]int32, 0, 64)
	head := 0
	next := int32(0) // next position to enter the deque
	for i := 0; i < lay.n; i++ {
		if lay.pstart[i] == int32(i) {
			dq, head = dq[:0], 0
			next = int32(i)
		}
		for ; next < fe[i]; next++ {
			if !valid[next] {
				continue
			}
			for len(dq) > head {
				c := cmpf(int(dq[len(dq)-1]), int(next))
				if (isMax && c > 0) || (!isMax && c < 0) {
					break
				}
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for head < len(dq) && dq[head] < fs[i] {
			head++
		}
		if head < len(dq) {
			out[i] = dq[head]
		} else {
			out[i] = -1
		}
	}
	return out, nil
}
