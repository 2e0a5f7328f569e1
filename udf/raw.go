package udf

import (
	"context"

	"github.com/genevasql/genevasql/functions"
)

// RawInstance returns a worker's instance of a Bound without its error
// policy: errors come back as they are (panics and wrong results already
// turned into errors), for callers that apply the policy themselves with
// CallWithPolicy and their own onRowError. For a Bound not made by this
// package it is NewInstance.
func RawInstance(ctx context.Context, b *functions.Bound) (functions.Instance, error) {
	if v, ok := bounds.Load(b); ok {
		return v.(*bound).newInstance(ctx)
	}
	return NewInstance(ctx, b)
}
