package genevasql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/genevasql/genevasql/sqlerr"
)

// A cancelled refresh stops its workers before the work is done, reports the
// job CANCELLED, and keeps what it committed.
func TestCancelRefresh(t *testing.T) {
	h := newHarness(t)
	c := &counter{sleep: 20 * time.Millisecond}
	h.db.RegisterFunction(c.entry("score"))
	h.exec("CREATE TABLE src (id BIGINT, name VARCHAR(20))")
	insertRange(h, "src", 0, 1000)
	h.exec("CREATE MATERIALIZED VIEW v AS SELECT id, score(id) AS s FROM src")

	t.Run("context", func(t *testing.T) {
		c.take()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for c.rows.Load() < 50 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := h.db.Exec(ctx, "REFRESH MATERIALIZED VIEW v WITH (batch_size = 10, workers = 2)")
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.ErrQueryCanceled {
			t.Fatalf("want a cancellation error, got %v", err)
		}
		if n := c.take(); n >= 1000 {
			t.Fatalf("the cancelled refresh computed all %d rows", n)
		}
		if jobs := strings.Join(h.rows("SHOW JOBS"), "\n"); !strings.Contains(jobs, "CANCELLED") {
			t.Fatalf("SHOW JOBS does not show the job CANCELLED:\n%s", jobs)
		}
	})

	t.Run("CANCEL JOB", func(t *testing.T) {
		c.take()
		done := make(chan error, 1)
		go func() {
			_, err := h.db.Exec(context.Background(), "REFRESH MATERIALIZED VIEW v WITH (batch_size = 10, workers = 2)")
			done <- err
		}()
		var id string
		for id == "" {
			for _, r := range h.rows("SHOW JOBS") {
				f := strings.Split(r, "|")
				if f[3] == "RUNNING" {
					id = f[0]
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		h.exec("CANCEL JOB " + id)
		if err := <-done; err == nil || !strings.Contains(err.Error(), "cancelled") {
			t.Fatalf("want the refresh to report its cancellation, got %v", err)
		}
		if n := c.take(); n >= 1000 {
			t.Fatalf("the cancelled refresh computed all %d rows", n)
		}
		if _, err := h.db.Exec(context.Background(), "CANCEL JOB "+id); err == nil {
			t.Fatal("cancelling a finished job should say it is not running")
		}
	})

	// The next refresh finishes the work; the view is then complete.
	h.exec("REFRESH MATERIALIZED VIEW v")
	h.sameAsQuery("v", "SELECT id, score(id) FROM src")
}
