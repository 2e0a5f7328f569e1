package catalog

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/types"

	"github.com/genevasql/genevasql/parser"
	"github.com/genevasql/genevasql/sqlerr"
)

// Field metadata keys GenevaSQL keeps on Arrow (and so Lance) fields.
const (
	// MetaSQLType is the column's declared SQL type, for DESCRIBE.
	MetaSQLType = "genevasql:sql_type"
	// MetaJSON marks a utf8 column holding JSON documents.
	MetaJSON = "genevasql:json"
	// MetaDefault is the column's DEFAULT expression (SQL text).
	MetaDefault = "genevasql:default"
)

// ArrowType maps a MySQL column type (as TiDB parses it) to the Arrow type
// the column is stored as. BOOLEAN (TINYINT(1) in MySQL) is stored as Arrow
// bool so that other Lance readers see a boolean.
func ArrowType(ft *types.FieldType) (arrow.DataType, error) {
	unsigned := mysql.HasUnsignedFlag(ft.GetFlag())
	switch ft.GetType() {
	case mysql.TypeTiny:
		if ft.GetFlen() == 1 && !unsigned {
			return arrow.FixedWidthTypes.Boolean, nil
		}
		if unsigned {
			return arrow.PrimitiveTypes.Uint8, nil
		}
		return arrow.PrimitiveTypes.Int8, nil
	case mysql.TypeShort:
		if unsigned {
			return arrow.PrimitiveTypes.Uint16, nil
		}
		return arrow.PrimitiveTypes.Int16, nil
	case mysql.TypeInt24, mysql.TypeLong:
		if unsigned {
			return arrow.PrimitiveTypes.Uint32, nil
		}
		return arrow.PrimitiveTypes.Int32, nil
	case mysql.TypeLonglong:
		if unsigned {
			return arrow.PrimitiveTypes.Uint64, nil
		}
		return arrow.PrimitiveTypes.Int64, nil
	case mysql.TypeBit:
		return arrow.PrimitiveTypes.Uint64, nil
	case mysql.TypeYear:
		return arrow.PrimitiveTypes.Int16, nil
	case mysql.TypeFloat:
		return arrow.PrimitiveTypes.Float32, nil
	case mysql.TypeDouble:
		return arrow.PrimitiveTypes.Float64, nil
	case mysql.TypeNewDecimal:
		p, s := ft.GetFlen(), ft.GetDecimal()
		if p <= 0 {
			p = 10
		}
		if s < 0 {
			s = 0
		}
		if p > 38 {
			return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "DECIMAL precision %d is larger than the maximum 38", p)
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	case mysql.TypeVarchar, mysql.TypeVarString, mysql.TypeString, mysql.TypeTinyBlob, mysql.TypeBlob,
		mysql.TypeMediumBlob, mysql.TypeLongBlob, mysql.TypeEnum, mysql.TypeSet:
		if mysql.HasBinaryFlag(ft.GetFlag()) && ft.GetCharset() == "binary" {
			return arrow.BinaryTypes.Binary, nil
		}
		return arrow.BinaryTypes.String, nil
	case mysql.TypeJSON:
		return arrow.BinaryTypes.String, nil
	case mysql.TypeDate:
		return arrow.FixedWidthTypes.Date32, nil
	case mysql.TypeDatetime:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case mysql.TypeTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case mysql.TypeTiDBVectorFloat32:
		n := ft.GetFlen()
		if n <= 0 {
			return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "VECTOR needs a dimension, as in VECTOR(3)")
		}
		return arrow.FixedSizeListOf(int32(n), arrow.PrimitiveTypes.Float32), nil
	}
	return nil, sqlerr.New(sqlerr.ErrUnsupportedType, "unsupported column type %s", strings.ToUpper(ft.String()))
}

// ColumnField builds the Arrow field of a column declared as ft.
func ColumnField(name string, ft *types.FieldType, notNull bool) (arrow.Field, error) {
	dt, err := ArrowType(ft)
	if err != nil {
		return arrow.Field{}, err
	}
	keys := []string{MetaSQLType}
	vals := []string{SQLTypeName(ft)}
	if ft.GetType() == mysql.TypeJSON {
		keys, vals = append(keys, MetaJSON), append(vals, "true")
	}
	return arrow.Field{Name: name, Type: dt, Nullable: !notNull, Metadata: arrow.NewMetadata(keys, vals)}, nil
}

// SQLTypeName renders a TiDB field type the way DESCRIBE shows it.
func SQLTypeName(ft *types.FieldType) string {
	if ft.GetType() == mysql.TypeTiny && ft.GetFlen() == 1 && !mysql.HasUnsignedFlag(ft.GetFlag()) {
		return "boolean"
	}
	s := ft.CompactStr()
	if mysql.HasUnsignedFlag(ft.GetFlag()) {
		s += " unsigned"
	}
	return s
}

// TypeName gives a SQL name for an Arrow field: its declared SQL type when
// known, else one derived from the Arrow type (tables made by other tools).
func TypeName(f arrow.Field) string {
	if v, ok := f.Metadata.GetValue(MetaSQLType); ok {
		return v
	}
	return SQLTypeOf(f.Type)
}

// SQLTypeOf names the SQL type that best describes an Arrow type.
func SQLTypeOf(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return "boolean"
	case *arrow.Int8Type:
		return "tinyint"
	case *arrow.Int16Type:
		return "smallint"
	case *arrow.Int32Type:
		return "int"
	case *arrow.Int64Type:
		return "bigint"
	case *arrow.Uint8Type:
		return "tinyint unsigned"
	case *arrow.Uint16Type:
		return "smallint unsigned"
	case *arrow.Uint32Type:
		return "int unsigned"
	case *arrow.Uint64Type:
		return "bigint unsigned"
	case *arrow.Float16Type, *arrow.Float32Type:
		return "float"
	case *arrow.Float64Type:
		return "double"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case *arrow.StringType, *arrow.LargeStringType:
		return "text"
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "blob"
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "timestamp"
		}
		return "datetime"
	case *arrow.FixedSizeListType:
		if t.Elem().ID() == arrow.FLOAT32 {
			return fmt.Sprintf("vector(%d)", t.Len())
		}
	case *arrow.NullType:
		return "null"
	}
	return dt.String()
}

// MetaComputedPrefix prefixes the schema metadata key that holds a computed
// column's definition: "genevasql:computed:<column>" = JSON ComputedColumn.
const MetaComputedPrefix = "genevasql:computed:"

// ComputedPrefix starts the name of the hidden column that marks, per row,
// whether a computed column's value was computed ("never computed" and
// "computed to NULL" are different states).
const ComputedPrefix = "__computed_"

// ComputedColumn is a column declared with ADD COLUMN c type AS (expr) VIRTUAL.
type ComputedColumn struct {
	Name    string `json:"name"`
	Expr    string `json:"expr"`
	SQLType string `json:"type"`
}

// ComputedColumns returns the computed-column definitions recorded in a
// dataset's schema metadata, keyed by lower-case column name.
func ComputedColumns(meta map[string]string) map[string]ComputedColumn {
	out := map[string]ComputedColumn{}
	for k, v := range meta {
		if strings.HasPrefix(k, MetaComputedPrefix) {
			var c ComputedColumn
			if json.Unmarshal([]byte(v), &c) == nil {
				out[strings.ToLower(c.Name)] = c
			}
		}
	}
	return out
}

// ComputedMeta renders a definition as schema metadata.
func ComputedMeta(c ComputedColumn) map[string]string {
	b, _ := json.Marshal(c)
	return map[string]string{MetaComputedPrefix + strings.ToLower(c.Name): string(b)}
}

// SQLTypeField parses a SQL type (as in "VARCHAR(20)") into a column field.
func SQLTypeField(name, sqlType string) (arrow.Field, error) {
	node, err := parser.ParseTiDB("CREATE TABLE t (c " + sqlType + ")")
	if err != nil {
		return arrow.Field{}, sqlerr.New(sqlerr.ErrParse, "bad type %q", sqlType)
	}
	ct, ok := node.(*ast.CreateTableStmt)
	if !ok || len(ct.Cols) != 1 {
		return arrow.Field{}, sqlerr.New(sqlerr.ErrParse, "bad type %q", sqlType)
	}
	return ColumnField(name, ct.Cols[0].Tp, false)
}
