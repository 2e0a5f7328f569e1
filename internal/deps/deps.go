// Package deps pins the modules the project builds on, so that go.mod stays
// stable while packages that use them are written. It has no code.
package deps

import (
	_ "github.com/RoaringBitmap/roaring/v2"
	_ "github.com/apache/arrow-go/v18/arrow/compute"
	_ "github.com/apache/arrow-go/v18/arrow/ipc"
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/chzyer/readline"
	_ "github.com/creack/pty"
	_ "github.com/google/uuid"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/pingcap/tidb/pkg/parser"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
	_ "github.com/schollz/progressbar/v3"
	_ "golang.org/x/term"
	_ "google.golang.org/protobuf/encoding/protowire"
)
