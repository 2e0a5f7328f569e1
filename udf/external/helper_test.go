package external

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The test binary doubles as the external programs under test: run as
// "<test binary> h7-helper <mode>" it is a jsonl or arrow function that
// misbehaves on request, triggered by special argument values.
func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == "h7-helper" {
		fmt.Fprintf(os.Stderr, "helper %s started\n", os.Args[2])
		switch os.Args[2] {
		case "jsonl":
			helperJSONL()
		case "arrow":
			helperArrow()
		case "exit":
			fmt.Fprintln(os.Stderr, "cannot load model: file missing")
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperCommand is the command line that runs the helper in mode.
func helperCommand(mode string) string {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("'%s' h7-helper %s", exe, mode)
}

// helperJSONL upper-cases its string argument, except for these values:
// "crash" exits 3, "hang" sleeps, "garbage" answers a non-JSON line, "short"
// answers one result too few, "bad" fails the row, "batcherr" fails the
// batch, "wrongbatch" answers the wrong batch number, "env:NAME" returns
// $NAME, "pwd" the working directory.
func helperJSONL() {
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			return
		}
		var req struct {
			Batch int64   `json:"batch"`
			Rows  [][]any `json:"rows"`
		}
		if err := json.Unmarshal(line, &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			os.Exit(5)
		}
		ans := map[string]any{"batch": req.Batch}
		var results []any
		var errs []map[string]any
		for i, row := range req.Rows {
			s, _ := row[0].(string)
			switch {
			case row[0] == nil:
				results = append(results, nil)
				continue
			case s == "crash":
				fmt.Fprintln(os.Stderr, "segfault in model")
				os.Exit(3)
			case s == "hang":
				time.Sleep(time.Hour)
			case s == "garbage":
				fmt.Println("this is not json")
				continue
			case s == "bad":
				errs = append(errs, map[string]any{"row": i, "message": "cannot handle bad"})
				results = append(results, nil)
				continue
			case s == "batcherr":
				ans["error"] = "model not loaded"
			case s == "wrongbatch":
				ans["batch"] = req.Batch + 100
			case strings.HasPrefix(s, "env:"):
				results = append(results, os.Getenv(s[4:]))
				continue
			case s == "pwd":
				wd, _ := os.Getwd()
				results = append(results, wd)
				continue
			}
			results = append(results, strings.ToUpper(s))
		}
		for _, row := range req.Rows {
			if row[0] == "short" {
				results = results[1:]
				break
			}
		}
		if _, failed := ans["error"]; !failed {
			ans["results"] = results
		}
		if errs != nil {
			ans["errors"] = errs
		}
		b, _ := json.Marshal(ans)
		os.Stdout.Write(append(b, '\n'))
	}
}

// helperArrow doubles an int64 argument, except: -1 exits 4, -2 hangs, -3
// writes garbage, -4 answers one row too few, -5 answers a double column.
func helperArrow() {
	mem := memory.DefaultAllocator
	r, err := ipc.NewReader(os.Stdin, ipc.WithAllocator(mem))
	if err != nil {
		fmt.Fprintln(os.Stderr, "no input stream:", err)
		os.Exit(5)
	}
	outSchema := arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	w := ipc.NewWriter(os.Stdout, ipc.WithSchema(outSchema))
	var fw *ipc.Writer
	for r.Next() {
		rec := r.RecordBatch()
		col := rec.Column(0).(*array.Int64)
		b := array.NewInt64Builder(mem)
		n := col.Len()
		wrongType := false
		for i := 0; i < col.Len(); i++ {
			switch col.Value(i) {
			case -1:
				fmt.Fprintln(os.Stderr, "out of memory")
				os.Exit(4)
			case -2:
				time.Sleep(time.Hour)
			case -3:
				os.Stdout.Write([]byte("Loading model weights...\n"))
				time.Sleep(time.Hour)
			case -4:
				n = col.Len() - 1
			case -5:
				wrongType = true
			}
		}
		if wrongType {
			// A new stream with a different schema: an IPC reader sees a
			// schema message where a batch should be, or a wrong type.
			fs := arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.PrimitiveTypes.Float64}}, nil)
			if fw == nil {
				w = nil
				fw = ipc.NewWriter(os.Stdout, ipc.WithSchema(fs))
			}
			fb := array.NewFloat64Builder(mem)
			for i := 0; i < col.Len(); i++ {
				fb.Append(1.5)
			}
			fa := fb.NewArray()
			fw.Write(array.NewRecordBatch(fs, []arrow.Array{fa}, int64(col.Len())))
			continue
		}
		for i := 0; i < n; i++ {
			if col.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(2 * col.Value(i))
			}
		}
		a := b.NewArray()
		if w == nil {
			continue
		}
		w.Write(array.NewRecordBatch(outSchema, []arrow.Array{a}, int64(n)))
	}
}
