package functions

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// Vector functions use TiDB's names. VECTOR(n) is fixed_size_list<float32>;
// vector text ('[0.1, 0.2]') is converted by the planner's cast to AnyVector.

// vecPairKernel computes a distance per row from two vectors of equal
// dimension; f returns ok=false to yield NULL (e.g. cosine with a zero vector).
func vecPairKernel(f func(a, b []float32) (float64, bool)) Kernel {
	return func(ec *EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
		if allNull(args[0]) || allNull(args[1]) {
			// NULL has no dimension: the answer is NULL whatever the other side.
			return NullArray(ec.mem(), Float64, n), nil
		}
		av, ad := vectorData(args[0])
		bv, bd := vectorData(args[1])
		if ad != bd {
			return nil, sqlerr.New(sqlerr.ErrWrongArguments, "vectors have different dimensions: %d and %d", ad, bd)
		}
		out := NewFixedOut[float64](ec.mem(), Float64, n)
		out.InheritNulls(args[0], args[1])
		for i := 0; i < n; i++ {
			if out.IsNull(i) {
				continue
			}
			v, ok := f(av[i*ad:(i+1)*ad], bv[i*ad:(i+1)*ad])
			if !ok {
				out.SetNull(i)
				continue
			}
			out.Values[i] = v
		}
		return out.Finish(), nil
	}
}

// VecL2Distance is the Euclidean distance.
func VecL2Distance(a, b []float32) float64 {
	var s float64
	for k := range a {
		d := float64(a[k]) - float64(b[k])
		s += d * d
	}
	return math.Sqrt(s)
}

// VecInnerProduct is the dot product.
func VecInnerProduct(a, b []float32) float64 {
	var s float64
	for k := range a {
		s += float64(a[k]) * float64(b[k])
	}
	return s
}

// VecCosineDistance is 1 - cosine similarity; ok=false for a zero vector.
func VecCosineDistance(a, b []float32) (float64, bool) {
	var dot, na, nb float64
	for k := range a {
		x, y := float64(a[k]), float64(b[k])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0, false
	}
	sim := dot / (math.Sqrt(na) * math.Sqrt(nb))
	sim = max(min(sim, 1), -1) // rounding can push it just past ±1
	return 1 - sim, true
}

func vecUnaryKernel(f func(v []float32) float64) Kernel {
	return func(ec *EvalContext, args []arrow.Array, n int) (arrow.Array, error) {
		vals, d := vectorData(args[0])
		out := NewFixedOut[float64](ec.mem(), Float64, n)
		out.InheritNulls(args[0])
		for i := 0; i < n; i++ {
			if !out.IsNull(i) {
				out.Values[i] = f(vals[i*d : (i+1)*d])
			}
		}
		return out.Finish(), nil
	}
}

func registerVector(r *Registry) {
	v2 := []arrow.DataType{AnyVector, AnyVector}
	v1 := []arrow.DataType{AnyVector}
	ok := func(f func(a, b []float32) float64) func(a, b []float32) (float64, bool) {
		return func(a, b []float32) (float64, bool) { return f(a, b), true }
	}
	r.Register(NewScalarEntry("vec_l2_distance", "Euclidean distance between two vectors", Immutable,
		Overload{Args: v2, Return: Float64, Kernel: vecPairKernel(ok(VecL2Distance))}))
	r.Register(NewScalarEntry("vec_cosine_distance", "1 - cosine similarity (NULL for a zero vector)", Immutable,
		Overload{Args: v2, Return: Float64, Kernel: vecPairKernel(VecCosineDistance)}))
	r.Register(NewScalarEntry("vec_negative_inner_product", "negated dot product", Immutable,
		Overload{Args: v2, Return: Float64, Kernel: vecPairKernel(ok(func(a, b []float32) float64 { return -VecInnerProduct(a, b) }))}))
	r.Register(NewScalarEntry("vec_l1_distance", "Manhattan distance", Immutable,
		Overload{Args: v2, Return: Float64, Kernel: vecPairKernel(ok(func(a, b []float32) float64 {
			var s float64
			for k := range a {
				s += math.Abs(float64(a[k]) - float64(b[k]))
			}
			return s
		}))}))
	r.Register(NewScalarEntry("vec_l2_norm", "Euclidean norm", Immutable,
		Overload{Args: v1, Return: Float64, Kernel: vecUnaryKernel(func(v []float32) float64 { return math.Sqrt(VecInnerProduct(v, v)) })}))
	r.Register(NewScalarEntry("vec_dims", "number of dimensions", Immutable, Overload{Args: v1, Return: Int64,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			d := int64(a[0].DataType().(*arrow.FixedSizeListType).Len())
			out := NewFixedOut[int64](ec.mem(), Int64, n)
			out.InheritNulls(a[0])
			for i := range out.Values {
				out.Values[i] = d
			}
			return out.Finish(), nil
		}}))
	r.Register(customEntry("vec_from_text", "(VARCHAR) -> VECTOR", "parse '[0.1, 0.2]' into a vector", Immutable, 1, 1, func(args []arrow.DataType) (*Bound, error) {
		if !IsString(args[0]) && !IsNull(args[0]) && !IsVector(args[0]) {
			return nil, ErrWrongArgTypes("vec_from_text", args)
		}
		// The dimension is only known from the data, so the result type is
		// AnyVector's concrete form chosen at run time; planners that need a
		// fixed type should CAST(... AS VECTOR(n)) instead.
		return bound("vec_from_text", []arrow.DataType{Utf8}, AnyVector, Immutable, func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) {
			return Cast(ec, a[0], AnyVector)
		}), nil
	}))
	r.Register(NewScalarEntry("vec_as_text", "vector as text '[0.1,0.2]'", Immutable, Overload{Args: v1, Return: Utf8,
		Kernel: func(ec *EvalContext, a []arrow.Array, n int) (arrow.Array, error) { return castToString(ec, a[0]) }}))
}

func allNull(a arrow.Array) bool { return a.Len() > 0 && a.NullN() == a.Len() }
