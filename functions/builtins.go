package functions

// NewBuiltinRegistry returns a registry holding every built-in function.
func NewBuiltinRegistry() *Registry {
	r := NewRegistry()
	RegisterBuiltins(r)
	return r
}

// RegisterBuiltins adds every built-in function to r.
func RegisterBuiltins(r *Registry) {
	registerArith(r)
	registerCompare(r)
	registerLogic(r)
	registerControl(r)
	registerAggregates(r)
	registerMath(r)
	registerString(r)
	registerDatetime(r)
	registerJSON(r)
	registerVector(r)
	registerMisc(r)
	registerSession(r)
	registerConstRefiners(r)
	registerExtra(r)
}

func registerCompare(r *Registry) {
	for _, x := range []struct {
		name string
		op   cmpOp
		desc string
	}{
		{"eq", opEQ, "a = b"}, {"ne", opNE, "a <> b"}, {"lt", opLT, "a < b"}, {"le", opLE, "a <= b"},
		{"gt", opGT, "a > b"}, {"ge", opGE, "a >= b"}, {"nulleq", opNullEQ, "a <=> b (NULL-safe equality)"},
	} {
		r.Register(customEntry(x.name, "(any, any) -> BOOLEAN", x.desc, Immutable, 2, 2, compareResolver(x.name, x.op)))
	}
	r.Register(customEntry("in", "(value, item, ...) -> BOOLEAN", "value IN (items), three-valued", Immutable, 2, -1, inResolver))
	r.Register(customEntry("like", "(VARCHAR, VARCHAR[, VARCHAR]) -> BOOLEAN", "value LIKE pattern [ESCAPE c], case-insensitive", Immutable, 2, 3, likeResolver))
}
