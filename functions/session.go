package functions

import "github.com/apache/arrow-go/v18/arrow"

// registerSession adds MySQL's session functions. They are Stable (one value
// per statement, never folded at plan time) and read EvalContext.Session;
// without one (a job, a test) they answer as a fresh session would.
func registerSession(r *Registry) {
	str := func(name, doc string, get func(s *Session) string) {
		r.Register(NewScalarEntry(name, doc, Stable, Overload{Return: Utf8,
			Kernel: func(ec *EvalContext, _ []arrow.Array, n int) (arrow.Array, error) {
				v := ""
				if ec.Session != nil {
					v = get(ec.Session)
				}
				return StringKernel(ec, nil, n, func(int) (string, bool) { return v, v != "" }), nil
			}}))
	}
	str("database", "the current database (the database folder's name)", func(s *Session) string { return s.Database })
	str("schema", "the current database (the database folder's name)", func(s *Session) string { return s.Database })
	for _, name := range []string{"user", "current_user", "session_user", "system_user"} {
		str(name, "the user, as user@host", func(s *Session) string { return s.User })
	}
	num := func(name, doc string, get func(s *Session) int64, fresh int64) {
		r.Register(NewScalarEntry(name, doc, Stable, Overload{Return: Int64,
			Kernel: constKernel[int64](Int64, func(ec *EvalContext, _ []arrow.Array) int64 {
				if ec.Session == nil {
					return fresh
				}
				return get(ec.Session)
			})}))
	}
	num("last_insert_id", "the first AUTO_INCREMENT value the last INSERT generated", func(s *Session) int64 { return s.LastInsertID }, 0)
	num("row_count", "rows changed by the previous statement (-1 after one that returned rows)", func(s *Session) int64 { return s.RowCount }, -1)
	num("connection_id", "this session's id", func(s *Session) int64 { return s.ConnectionID }, 1)
}
