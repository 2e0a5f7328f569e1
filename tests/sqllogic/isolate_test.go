package sqllogic

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperCrash is a stand-in child process that reports progress and
// then dies of a panic in a goroutine, which no recover can catch.
func TestHelperCrash(t *testing.T) {
	switch os.Getenv("SLT_HELPER") {
	case "":
		t.Skip("helper process for TestRunIsolated")
	case "crash":
		var req ChildRequest
		if err := json.Unmarshal([]byte(os.Getenv(ChildEnv)), &req); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(req.Progress)
		if err != nil {
			t.Fatal(err)
		}
		report := ChildProgress(f)
		report(&Record{Line: 1234567}, &FileResult{Passed: 99999, Failed: 99999, Skipped: 99999})
		report(&Record{Line: 7}, &FileResult{Passed: 2, Skipped: 1})
		fmt.Println("some engine log line")
		done := make(chan struct{})
		go func() { panic("kaboom in a goroutine") }()
		<-done
	case "exit":
		os.Exit(3)
	}
}

func TestRunIsolated(t *testing.T) {
	script := "statement ok\nA\n\nstatement ok\nB\n\nquery I nosort\nSELECT crash\n----\n1\n\nstatement ok\nC\n\nskipif mysql\nstatement ok\nD\n"
	path := filepath.Join(t.TempDir(), "c.test")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	req := ChildRequest{Path: path, Name: "c.test", Timeout: time.Second}

	t.Setenv("SLT_HELPER", "crash")
	res := RunIsolated(context.Background(), req, os.Args[0], "-test.run=^TestHelperCrash$")
	if !res.Crashed || res.Passed != 2 || res.Failed != 1 || res.Records != 5 || res.NotRun != 1 || res.Skipped != 1 {
		t.Fatalf("crashed=%v passed=%d failed=%d records=%d notrun=%d skipped=%d, want true/2/1/5/1/1",
			res.Crashed, res.Passed, res.Failed, res.Records, res.NotRun, res.Skipped)
	}
	f := res.Failures[0]
	if f.Line != 7 || f.SQL != "SELECT crash" || !strings.Contains(f.Msg, "panic: kaboom in a goroutine") {
		t.Errorf("failure = %+v, want line 7, its SQL, and the panic message", f)
	}

	t.Setenv("SLT_HELPER", "exit")
	res = RunIsolated(context.Background(), req, os.Args[0], "-test.run=^TestHelperCrash$")
	if !res.Crashed || len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Msg, "exit status 3") {
		t.Errorf("exit: crashed=%v failures=%v, want one failure naming exit status 3", res.Crashed, res.Failures)
	}
}
