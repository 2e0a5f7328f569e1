//go:build !duckdb_arrow

package main

import (
	"context"
	"errors"
)

// Without the duckdb_arrow build tag the DuckDB side is not compiled (the
// Makefile target sets the tag; DuckDB's Arrow interface needs it).
func runDuckChild(context.Context, string, bool, []string) error {
	return errors.New("built without -tags duckdb_arrow: no DuckDB side")
}

const haveDuck = false
