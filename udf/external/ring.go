package external

import (
	"strings"
	"sync"
)

// ring keeps the last cap bytes written to it: a program's stderr, kept for
// the job log and for error messages without growing without bound.
type ring struct {
	mu    sync.Mutex
	buf   []byte
	start int // index of the oldest byte once full
	full  bool
	total int64
}

func newRing(capacity int) *ring { return &ring{buf: make([]byte, 0, capacity)} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	r.total += int64(n)
	c := cap(r.buf)
	if len(p) >= c {
		r.buf = append(r.buf[:0], p[len(p)-c:]...)
		r.start, r.full = 0, true
		return n, nil
	}
	if !r.full {
		room := c - len(r.buf)
		if len(p) <= room {
			r.buf = append(r.buf, p...)
			return n, nil
		}
		r.buf = append(r.buf, p[:room]...)
		p = p[room:]
		r.full = true
		r.start = 0
	}
	for len(p) > 0 {
		k := copy(r.buf[r.start:], p)
		p = p[k:]
		r.start = (r.start + k) % c
	}
	return n, nil
}

// String returns what is kept, oldest first; a cut at the start is marked.
func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return string(r.buf)
	}
	return "…" + string(r.buf[r.start:]) + string(r.buf[:r.start])
}

// Tail returns about the last n bytes, starting at a line boundary when one
// is near, for error messages.
func (r *ring) Tail(n int) string {
	s := strings.TrimRight(r.String(), "\n")
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return "…" + s
}
