package catalog

import "sync/atomic"

type refCount = atomic.Int64
