package sqllogic

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/genevasql/genevasql"
)

// genevaDB adapts genevasql.DB to the runner's DB.
type genevaDB struct{ db *genevasql.DB }

func (g genevaDB) Exec(ctx context.Context, sql string) error {
	_, err := g.db.Exec(ctx, sql)
	return err
}

func (g genevaDB) Query(ctx context.Context, sql string) (array.RecordReader, error) {
	return g.db.Query(ctx, sql)
}

// RunFile runs the script at path in a fresh GenevaSQL database created in a
// new folder under tmpRoot ("" for the system default), and removes the
// folder afterwards. name is how the file is called in failures.
func RunFile(ctx context.Context, path, name, tmpRoot string, opts Options, dbOpts ...genevasql.Option) FileResult {
	start := time.Now()
	fail := func(line int, msg string) FileResult {
		return FileResult{File: name, Run: 1, Failed: 1, Elapsed: time.Since(start),
			Failures: []Failure{{File: name, Line: line, Msg: msg}}}
	}
	recs, err := ParseFile(path)
	if err != nil {
		return fail(0, "cannot parse: "+err.Error())
	}
	dir, err := os.MkdirTemp(tmpRoot, "slt-*")
	if err != nil {
		return fail(0, "cannot create database folder: "+err.Error())
	}
	db, err := openDB(dir, dbOpts)
	if err != nil {
		os.RemoveAll(dir)
		return fail(0, "cannot open database: "+err.Error())
	}
	res := RunRecords(ctx, name, recs, genevaDB{db}, opts)
	closeAndRemove := func() error {
		err := safeClose(db)
		os.RemoveAll(dir)
		return err
	}
	if res.Hung {
		// A statement is still running: close in the background so this
		// file's result is reported now.
		go closeAndRemove()
		return res
	}
	if err := closeAndRemove(); err != nil {
		res.Failed++
		res.Failures = append(res.Failures, Failure{File: name, Msg: "closing the database: " + err.Error()})
	}
	res.Elapsed = time.Since(start)
	return res
}

// openDB and safeClose turn engine panics into errors.
func openDB(dir string, opts []genevasql.Option) (db *genevasql.DB, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("engine panicked in Open: %v", v)
		}
	}()
	return genevasql.Open(dir, opts...)
}

func safeClose(db *genevasql.DB) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("engine panicked in Close: %v", v)
		}
	}()
	return db.Close()
}
