package functions

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/genevasql/genevasql/sqlerr"
)

// CanonicalType maps a storage type to the type kernels compute in: every
// signed integer to BIGINT, unsigned to BIGINT UNSIGNED, FLOAT to DOUBLE,
// large strings to VARCHAR, any timestamp to DATETIME(us).
func CanonicalType(t arrow.DataType) arrow.DataType {
	switch {
	case IsNull(t):
		return Null
	case t.ID() == arrow.BOOL:
		return Bool
	case IsSigned(t):
		return Int64
	case IsUnsigned(t):
		return Uint64
	case IsFloat(t):
		return Float64
	case IsDecimal(t):
		p, s := decimalPS(t)
		return Decimal(p, s)
	case IsString(t):
		return Utf8
	case IsBinary(t):
		return Varbinary
	case t.ID() == arrow.DATE32 || t.ID() == arrow.DATE64:
		return Date32
	case t.ID() == arrow.TIMESTAMP:
		return Datetime
	case t.ID() == arrow.TIME32 || t.ID() == arrow.TIME64:
		return Time
	}
	return t
}

// numericRank orders numeric classes for promotion.
func commonNumeric(a, b arrow.DataType) arrow.DataType {
	switch {
	case IsFloat(a) || IsFloat(b):
		return Float64
	case IsDecimal(a) || IsDecimal(b):
		return decimalUnion(a, b)
	case IsUnsigned(a) && IsUnsigned(b):
		return Uint64
	case IsUnsigned(a) || IsUnsigned(b):
		// Mixed signed/unsigned compares exactly in DECIMAL(20,0).
		return Decimal(20, 0)
	}
	return Int64
}

// decimalUnion is the DECIMAL wide enough for both operands' integer and
// fraction digits.
func decimalUnion(a, b arrow.DataType) arrow.DataType {
	pa, sa := asDecimalPS(a)
	pb, sb := asDecimalPS(b)
	s := max(sa, sb)
	ip := max(pa-sa, pb-sb)
	return Decimal(ip+s, s)
}

func asDecimalPS(t arrow.DataType) (int32, int32) {
	if IsDecimal(t) {
		return decimalPS(t)
	}
	return decimalPS(intDecimalType(t))
}

// CommonType returns the type two operands are compared or combined in,
// following MySQL: int vs int → BIGINT, int vs decimal → DECIMAL, anything
// vs DOUBLE → DOUBLE, string vs number → DOUBLE, string vs string → VARCHAR,
// date/time vs string → the temporal type, NULL vs x → x.
func CommonType(a, b arrow.DataType) (arrow.DataType, error) {
	switch {
	case IsNull(a) && IsNull(b):
		return Null, nil
	case IsNull(a):
		return CanonicalType(b), nil
	case IsNull(b):
		return CanonicalType(a), nil
	}
	if a.ID() == arrow.BOOL && b.ID() == arrow.BOOL {
		return Bool, nil
	}
	switch {
	case IsNumeric(a) && IsNumeric(b):
		return commonNumeric(a, b), nil
	case IsString(a) && IsString(b):
		return Utf8, nil
	case (IsBinary(a) || IsString(a)) && (IsBinary(b) || IsString(b)):
		return Varbinary, nil
	case IsTemporal(a) && IsTemporal(b):
		ca, cb := CanonicalType(a), CanonicalType(b)
		if arrow.TypeEqual(ca, cb) {
			return ca, nil
		}
		return Datetime, nil
	case IsTemporal(a) && (IsString(b) || IsNumeric(b)):
		return CanonicalType(a), nil
	case IsTemporal(b) && (IsString(a) || IsNumeric(a)):
		return CanonicalType(b), nil
	case (IsString(a) || IsBinary(a)) && IsNumeric(b), IsNumeric(a) && (IsString(b) || IsBinary(b)):
		return Float64, nil
	case IsVector(a) && IsVector(b):
		if arrow.TypeEqual(a, b) {
			return a, nil
		}
	case IsVector(a) && IsString(b):
		return a, nil
	case IsVector(b) && IsString(a):
		return b, nil
	}
	return nil, sqlerr.New(sqlerr.ErrWrongArguments, "Incompatible types %s and %s", TypeName(a), TypeName(b))
}

// UnionType is the type of a value that may come from either operand (CASE,
// IF, COALESCE, UNION): like CommonType, except that mixing strings or
// temporals with other kinds gives VARCHAR, as in MySQL.
func UnionType(a, b arrow.DataType) (arrow.DataType, error) {
	switch {
	case IsNull(a) && IsNull(b):
		return Null, nil
	case IsNull(a):
		return CanonicalType(b), nil
	case IsNull(b):
		return CanonicalType(a), nil
	}
	if a.ID() == arrow.BOOL && b.ID() == arrow.BOOL {
		return Bool, nil
	}
	switch {
	case IsNumeric(a) && IsNumeric(b):
		return commonNumeric(a, b), nil
	case IsTemporal(a) && IsTemporal(b):
		return CommonType(a, b)
	case IsVector(a) && IsVector(b) && arrow.TypeEqual(a, b):
		return a, nil
	case IsBinary(a) || IsBinary(b):
		return Varbinary, nil
	}
	if CanCast(a, Utf8) && CanCast(b, Utf8) {
		return Utf8, nil
	}
	return nil, sqlerr.New(sqlerr.ErrWrongArguments, "Incompatible types %s and %s", TypeName(a), TypeName(b))
}

// CommonTypeOf folds CommonType over several types.
func CommonTypeOf(ts []arrow.DataType) (arrow.DataType, error) {
	return foldTypes(ts, CommonType)
}

// UnionTypeOf folds UnionType over several types.
func UnionTypeOf(ts []arrow.DataType) (arrow.DataType, error) {
	return foldTypes(ts, UnionType)
}

func foldTypes(ts []arrow.DataType, f func(a, b arrow.DataType) (arrow.DataType, error)) (arrow.DataType, error) {
	var acc arrow.DataType = Null
	for _, t := range ts {
		var err error
		if acc, err = f(acc, t); err != nil {
			return nil, err
		}
	}
	return acc, nil
}
