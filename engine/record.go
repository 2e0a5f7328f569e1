package engine

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// buildRecord makes a record from rows of Go values (nil is NULL). It serves
// the small results of SHOW and DESCRIBE, not query data.
func buildRecord(mem memory.Allocator, schema *arrow.Schema, rows [][]any) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch x := fb.(type) {
			case *array.StringBuilder:
				x.Append(fmt.Sprint(v))
			case *array.Int64Builder:
				switch n := v.(type) {
				case int:
					x.Append(int64(n))
				case int64:
					x.Append(n)
				case uint64:
					x.Append(int64(n))
				default:
					return nil, fmt.Errorf("buildRecord: %T for int64 column", v)
				}
			case *array.BooleanBuilder:
				x.Append(v.(bool))
			case *array.Float64Builder:
				x.Append(v.(float64))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
			default:
				return nil, fmt.Errorf("buildRecord: unsupported column type %s", fb.Type())
			}
		}
	}
	return b.NewRecordBatch(), nil
}

func stringSchema(names ...string) *arrow.Schema {
	fs := make([]arrow.Field, len(names))
	for i, n := range names {
		fs[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

func arrowNewRecord(schema *arrow.Schema, cols []arrow.Array, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, n)
}
