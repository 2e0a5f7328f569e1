package driver

import (
	"database/sql/driver"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
)

// rows walks an Arrow record reader row by row for database/sql.
type rows struct {
	rdr   array.RecordReader
	cols  []string
	rec   arrow.RecordBatch // current batch, owned by rdr
	conv  []valueFn         // per column of rec
	row   int
	nrows int
}

// valueFn converts row i of a non-null value to a driver.Value.
type valueFn func(i int) driver.Value

var (
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

func newRows(rdr array.RecordReader) *rows {
	fields := rdr.Schema().Fields()
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	return &rows{rdr: rdr, cols: cols}
}

func (r *rows) Columns() []string { return r.cols }

func (r *rows) Close() error {
	if r.rdr != nil {
		r.rdr.Release()
		r.rdr, r.rec, r.conv = nil, nil, nil
	}
	return nil
}

func (r *rows) Next(dest []driver.Value) (err error) {
	defer recoverInto(&err)
	for r.rec == nil || r.row >= r.nrows {
		if r.rdr == nil || !r.rdr.Next() {
			if r.rdr != nil {
				if err := r.rdr.Err(); err != nil {
					return err
				}
			}
			return io.EOF
		}
		r.rec = r.rdr.RecordBatch()
		r.nrows, r.row = int(r.rec.NumRows()), 0
		r.conv = r.conv[:0]
		for c := 0; c < int(r.rec.NumCols()); c++ {
			r.conv = append(r.conv, converter(r.rec.Column(c)))
		}
	}
	for c, fn := range r.conv {
		if r.rec.Column(c).IsNull(r.row) {
			dest[c] = nil
		} else {
			dest[c] = fn(r.row)
		}
	}
	r.row++
	return nil
}

// converter picks the Go representation of a column: int64, float64,
// string, []byte, bool, time.Time; decimals as strings with their scale.
func converter(arr arrow.Array) valueFn {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(i int) driver.Value { return a.Value(i) }
	case *array.Int8:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Int16:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Int32:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Int64:
		return func(i int) driver.Value { return a.Value(i) }
	case *array.Uint8:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Uint16:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Uint32:
		return func(i int) driver.Value { return int64(a.Value(i)) }
	case *array.Uint64:
		return func(i int) driver.Value {
			v := a.Value(i)
			if v > math.MaxInt64 {
				return strconv.FormatUint(v, 10) // database/sql has no uint64 value
			}
			return int64(v)
		}
	case *array.Float16:
		return func(i int) driver.Value { return float64(a.Value(i).Float32()) }
	case *array.Float32:
		return func(i int) driver.Value { return float64(a.Value(i)) }
	case *array.Float64:
		return func(i int) driver.Value { return a.Value(i) }
	case *array.Decimal32:
		return decimalValue(a, a.DataType().(*arrow.Decimal32Type).Scale)
	case *array.Decimal64:
		return decimalValue(a, a.DataType().(*arrow.Decimal64Type).Scale)
	case *array.Decimal128:
		return decimalValue(a, a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		return decimalValue(a, a.DataType().(*arrow.Decimal256Type).Scale)
	case *array.String:
		// Clone: the batch's buffers go back to the allocator after Next.
		return func(i int) driver.Value { return strings.Clone(a.Value(i)) }
	case *array.LargeString:
		return func(i int) driver.Value { return strings.Clone(a.Value(i)) }
	case *array.StringView:
		return func(i int) driver.Value { return strings.Clone(a.Value(i)) }
	case *array.Binary:
		return func(i int) driver.Value { return clone(a.Value(i)) }
	case *array.LargeBinary:
		return func(i int) driver.Value { return clone(a.Value(i)) }
	case *array.BinaryView:
		return func(i int) driver.Value { return clone(a.Value(i)) }
	case *array.FixedSizeBinary:
		return func(i int) driver.Value { return clone(a.Value(i)) }
	case *array.Date32:
		return func(i int) driver.Value { return a.Value(i).ToTime().UTC() }
	case *array.Date64:
		return func(i int) driver.Value { return a.Value(i).ToTime().UTC() }
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) driver.Value { return a.Value(i).ToTime(unit).UTC() }
	case *array.FixedSizeList:
		n := int(a.DataType().(*arrow.FixedSizeListType).Len())
		if f32, ok := a.ListValues().(*array.Float32); ok {
			off := a.Data().Offset()
			return func(i int) driver.Value {
				start := (off + i) * n
				return vectorText(f32.Float32Values()[start : start+n])
			}
		}
	case *array.Dictionary:
		inner := converter(a.Dictionary())
		return func(i int) driver.Value { return inner(a.GetValueIndex(i)) }
	case array.ExtensionArray:
		return converter(a.Storage())
	}
	// Lists, structs, times of day and the rest: Arrow's text.
	return func(i int) driver.Value { return arr.ValueStr(i) }
}

func decimalValue[T interface {
	decimal.DecimalTypes
	decimal.Num[T]
}](a interface{ Value(int) T }, scale int32) valueFn {
	return func(i int) driver.Value { return a.Value(i).ToString(scale) }
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// vectorText writes a vector as the SQL literal that reads back to it.
func vectorText(v []float32) string {
	b := make([]byte, 0, 2+len(v)*8)
	b = append(b, '[')
	for i, f := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return string(append(b, ']'))
}

// ColumnTypeDatabaseTypeName gives the SQL name of a column's type.
// The declared type (catalog metadata) wins when the result carries it, so
// a JSON column says JSON and a DATETIME says DATETIME.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	f := r.field(i)
	if v, ok := f.Metadata.GetValue(metaSQLType); ok && v != "" {
		name, _, _ := strings.Cut(v, "(")
		return strings.ToUpper(strings.TrimSpace(name))
	}
	return sqlTypeName(f.Type)
}

// metaSQLType is the catalog's field metadata key for the declared SQL type.
const metaSQLType = "genevasql:sql_type"

func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	return r.field(i).Nullable, true
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	return scanType(r.field(i).Type)
}

func (r *rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if d, isDec := r.field(i).Type.(arrow.DecimalType); isDec {
		return int64(d.GetPrecision()), int64(d.GetScale()), true
	}
	return 0, 0, false
}

func (r *rows) field(i int) arrow.Field {
	return r.rdrSchema().Field(i)
}

func (r *rows) rdrSchema() *arrow.Schema {
	if r.rdr == nil {
		// Closed: database/sql only asks before Close, but stay safe.
		fields := make([]arrow.Field, len(r.cols))
		for i, c := range r.cols {
			fields[i] = arrow.Field{Name: c, Type: arrow.Null, Nullable: true}
		}
		return arrow.NewSchema(fields, nil)
	}
	return r.rdr.Schema()
}

func sqlTypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.INT8:
		return "TINYINT"
	case arrow.INT16:
		return "SMALLINT"
	case arrow.INT32:
		return "INT"
	case arrow.INT64:
		return "BIGINT"
	case arrow.UINT8:
		return "TINYINT UNSIGNED"
	case arrow.UINT16:
		return "SMALLINT UNSIGNED"
	case arrow.UINT32:
		return "INT UNSIGNED"
	case arrow.UINT64:
		return "BIGINT UNSIGNED"
	case arrow.FLOAT16, arrow.FLOAT32:
		return "FLOAT"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return "DECIMAL"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "VARCHAR"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return "BLOB"
	case arrow.DATE32, arrow.DATE64:
		return "DATE"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.TIME32, arrow.TIME64:
		return "TIME"
	case arrow.FIXED_SIZE_LIST:
		return "VECTOR"
	case arrow.DICTIONARY:
		return sqlTypeName(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return strings.ToUpper(t.(arrow.ExtensionType).ExtensionName())
	case arrow.NULL:
		return "NULL"
	}
	return strings.ToUpper(t.Name())
}

var (
	typInt64   = reflect.TypeFor[int64]()
	typFloat64 = reflect.TypeFor[float64]()
	typString  = reflect.TypeFor[string]()
	typBytes   = reflect.TypeFor[[]byte]()
	typBool    = reflect.TypeFor[bool]()
	typTime    = reflect.TypeFor[time.Time]()
	typAny     = reflect.TypeFor[any]()
)

func scanType(t arrow.DataType) reflect.Type {
	switch t.ID() {
	case arrow.BOOL:
		return typBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return typInt64
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return typFloat64
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return typBytes
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return typTime
	case arrow.DICTIONARY:
		return scanType(t.(*arrow.DictionaryType).ValueType)
	case arrow.NULL:
		return typAny
	case arrow.EXTENSION:
		return scanType(t.(arrow.ExtensionType).StorageType())
	}
	return typString
}
