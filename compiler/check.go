package compiler

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// scope is a chain of binders (loop variables, shape binders, reduction variables).
type scope struct {
	parent *scope
	name   string
	pos    diag.Pos
}

func (s *scope) lookup(name string) *scope {
	for ; s != nil; s = s.parent {
		if s.name == name {
			return s
		}
	}
	return nil
}

// bindAll declares the binders of b in a new scope, after checking their ranges in sc, and
// checks the 'where' filter. Binders may not shadow globals or enclosing binders (E206).
func (c *compiler) bindAll(b *binders, sc *scope) *scope {
	if b == nil {
		return sc
	}
	inner := sc
	for _, x := range b.list {
		c.checkWant(x.lo, sc, true, numT)
		c.checkWant(x.hi, sc, true, numT)
		if x.name == "" {
			continue
		}
		c.checkBinderName(x.name, x.pos, inner)
		inner = &scope{parent: inner, name: x.name, pos: x.pos}
	}
	if b.where != nil {
		c.checkWant(b.where, inner, true, boolT)
	}
	return inner
}

func (c *compiler) checkBinderName(name string, at diag.Pos, sc *scope) {
	if why := reserved(name); why != "" {
		c.errorf(at, "E203", "rename it", "'%s' is reserved: %s", name, why)
		return
	}
	if s := sc.lookup(name); s != nil {
		c.errorf(at, "E206", "rename the loop variable", "loop variable '%s' shadows the loop variable '%s' (%s)", name, name, s.pos.Short())
		return
	}
	if g, ok := c.syms[name]; ok {
		c.errorf(at, "E206", "rename the loop variable", "loop variable '%s' shadows the %s '%s' (%s)", name, g.kind, name, g.pos.Short())
	}
}

// checkWant checks e and reports a mismatch with the wanted type.
func (c *compiler) checkWant(e *expr, sc *scope, static bool, want typ) typ {
	got := c.check(e, sc, static)
	c.expect(e, got, want)
	return got
}

func (c *compiler) expect(e *expr, got, want typ) {
	if got.k == tInvalid || want.k == tInvalid || got.eq(want) {
		return
	}
	switch {
	case want.k == tNum && got.k == tBool:
		c.errorf(c.at(e.pos), "E301", "convert with ind(...) or if ... then ... else", "expected a number, found a condition")
	case want.k == tNum && got.k == tState:
		c.errorf(c.at(e.pos), "E302", fmt.Sprintf("test it with %s == %s, or map it with match %s { ... }", exprName(e), got.env.states[0], exprName(e)),
			"'%s' has named states and no numeric value", exprName(e))
	case want.k == tBool && got.k == tNum:
		c.errorf(c.at(e.pos), "E301", "compare it, e.g. S > 0", "expected a condition, found a number")
	case want.k == tBool && got.k == tState:
		c.errorf(c.at(e.pos), "E301", fmt.Sprintf("compare it, e.g. %s == %s", exprName(e), got.env.states[0]), "expected a condition, found a %s", got)
	case want.k == tState && got.k == tState:
		c.errorf(c.at(e.pos), "E304", "compare each component with its own states", "expected a state of '%s', found a state of '%s'", want.env.name, got.env.name)
	default:
		c.errorf(c.at(e.pos), "E301", fmt.Sprintf("write a %s here", want), "expected a %s, found a %s", want, got)
	}
}

// exprName is a short source-like name for messages: the referenced name, or "expression".
func exprName(e *expr) string {
	if e.kind == eRef {
		return exprString(e)
	}
	if e.kind == eCall {
		return e.name + "(...)"
	}
	return "expression"
}

// check type-checks e in scope sc and records name resolutions in the tree. static marks a
// compile-time position (docs/language.md §4.4): parameters read there become structural.
func (c *compiler) check(e *expr, sc *scope, static bool) typ {
	t := c.check1(e, sc, static)
	e.typ = t
	return t
}

func (c *compiler) check1(e *expr, sc *scope, static bool) typ {
	e.static = e.static || static
	switch e.kind {
	case eNum:
		return numT
	case eBool:
		return boolT
	case eRef:
		return c.checkRef(e, sc, static)
	case eCall:
		return c.checkCall(e, sc, static)
	case eNeg:
		c.checkWant(e.args[0], sc, static, numT)
		return numT
	case eBin:
		c.checkWant(e.args[0], sc, static, numT)
		c.checkWant(e.args[1], sc, static, numT)
		return numT
	case eNot:
		c.checkWant(e.args[0], sc, static, boolT)
		return boolT
	case eAnd, eOr:
		for _, a := range e.args {
			c.checkWant(a, sc, static, boolT)
		}
		return boolT
	case eCmp:
		c.checkCmp(e, sc, static)
		return boolT
	case eIf:
		c.checkWant(e.args[0], sc, static, boolT)
		a := c.check(e.args[1], sc, static)
		if a.k == tState {
			c.checkState(e.args[2], sc, static, a.env)
			return a
		}
		c.checkWant(e.args[2], sc, static, a)
		return a
	case eMatch:
		return c.checkMatch(e, sc, static, nil)
	case eReduce:
		inner := c.bindAll(e.binders, sc)
		want := numT
		if e.op == "all" || e.op == "any" {
			want = boolT
		}
		c.checkWant(e.body, inner, static, want)
		return want
	}
	return badT
}

// isBare reports whether e is an unindexed name that is neither a binder nor a visible global.
func (c *compiler) isBare(e *expr, sc *scope) bool {
	if e.kind != eRef || len(e.args) > 0 || sc.lookup(e.name) != nil {
		return false
	}
	s, ok := c.syms[e.name]
	return !ok || s.seq >= c.seq
}

func (c *compiler) checkCmp(e *expr, sc *scope, static bool) {
	l, r := e.args[0], e.args[1]
	eqOp := e.op == "==" || e.op == "!="
	if eqOp && l.kind == eRef && len(l.args) == 0 && !(r.kind == eRef && len(r.args) == 0) {
		// 'idle == A[c]': type the indexed side first, then read the bare name as a state.
		rt := c.check(r, sc, static)
		if rt.k == tState {
			c.checkState(l, sc, static, rt.env)
			return
		}
		c.checkWant(l, sc, static, rt)
		c.cmpTypes(e, c.typeOf(l), rt)
		return
	}
	lt := c.check(l, sc, static)
	if eqOp && lt.k == tState && c.stateName(r, sc, lt.env) {
		c.checkState(r, sc, static, lt.env)
		return
	}
	if !eqOp {
		c.expect(l, lt, numT)
		c.checkWant(r, sc, static, numT)
		return
	}
	rt := c.check(r, sc, static)
	c.cmpTypes(e, lt, rt)
}

func (c *compiler) typeOf(e *expr) typ { return e.typ }

// stateName reports whether e should be read in the states of env: anything but a name
// that is not a state of env and denotes a visible global or binder.
func (c *compiler) stateName(e *expr, sc *scope, env *symbol) bool {
	if e.kind != eRef || len(e.args) > 0 {
		return e.kind == eIf || e.kind == eMatch
	}
	if indexOf(env.states, e.name) >= 0 {
		return true
	}
	return c.isBare(e, sc)
}

func (c *compiler) cmpTypes(e *expr, lt, rt typ) {
	if lt.k == tInvalid || rt.k == tInvalid || lt.eq(rt) {
		return
	}
	if lt.k == tState && rt.k == tState {
		c.errorf(c.at(e.pos), "E304", "compare each component with its own states", "cannot compare '%s' (env %s) with '%s' (env %s)",
			exprName(e.args[0]), lt.env.name, exprName(e.args[1]), rt.env.name)
		return
	}
	c.expect(e.args[1], rt, lt)
}

// checkState checks e where a state of environment env is expected: a bare name is first
// looked up among env's states (docs/language.md §4.2, rule 3).
func (c *compiler) checkState(e *expr, sc *scope, static bool, env *symbol) typ {
	want := typ{k: tState, env: env}
	switch {
	case e.kind == eRef && len(e.args) == 0 && sc.lookup(e.name) == nil:
		if i := indexOf(env.states, e.name); i >= 0 {
			e.isSt, e.state, e.typ = true, int32(i), want
			if g, ok := c.syms[e.name]; ok && g.seq < c.seq {
				c.warnf(c.at(e.pos), "W102", "rename one of them to avoid confusion",
					"state '%s' of '%s' has the same spelling as the %s '%s'; the state is used here", e.name, env.name, g.kind, e.name)
			}
			return want
		}
		if _, ok := c.syms[e.name]; !ok {
			c.errorf(c.at(e.pos), "E303", fmt.Sprintf("check the spelling in 'env %s'", env.name),
				"'%s' is not a state of '%s' (states: %s)", e.name, env.name, strings.Join(env.states, ", "))
			e.typ = badT
			return badT
		}
	case e.kind == eIf:
		c.checkWant(e.args[0], sc, static, boolT)
		c.checkState(e.args[1], sc, static, env)
		c.checkState(e.args[2], sc, static, env)
		e.typ = want
		return want
	case e.kind == eMatch:
		t := c.checkMatch(e, sc, static, env)
		e.typ = t
		return t
	}
	return c.checkWant(e, sc, static, want)
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (c *compiler) checkRef(e *expr, sc *scope, static bool) typ {
	if b := sc.lookup(e.name); b != nil {
		e.bind = true
		if len(e.args) > 0 {
			c.errorf(c.at(e.pos), "E310", "a loop variable is a number; it takes no index", "'%s' is a loop variable and takes no index", e.name)
		}
		return numT
	}
	switch e.name {
	case "t", "pi":
		if len(e.args) > 0 {
			c.errorf(c.at(e.pos), "E310", fmt.Sprintf("'%s' is a number (%s); write it without an index", e.name, map[string]string{"t": "the time", "pi": "π"}[e.name]), "'%s' takes no index", e.name)
		}
		if e.name == "t" && static {
			c.errorf(c.at(e.pos), "E307", "use literals, parameters and binders only", "this value must be known at compile time; 't' is the time")
		}
		return numT
	}
	s, ok := c.syms[e.name]
	if !ok || s.seq >= c.seq {
		c.unknown(e)
		return badT
	}
	e.sym = s
	s.used = true
	if s.kind == symMeasure {
		c.errorf(c.at(e.pos), "E201", "use the measure's argument, or declare it as an observable", "'%s' is a measure and cannot be used in an expression", e.name)
		return badT
	}
	if n := s.nDims(); len(e.args) != n {
		c.familyError(e, s)
	}
	for _, a := range e.args {
		c.checkWant(a, sc, true, numT)
	}
	if static {
		c.markStatic(e, s)
	}
	switch s.kind {
	case symScale, symSpecies, symAlias:
		return numT
	case symParam:
		if s.boolParam {
			return boolT
		}
		return numT
	case symEnv:
		if s.states != nil {
			return typ{k: tState, env: s}
		}
		return numT
	case symLet, symObservable:
		return s.vtyp
	case symRegion:
		return boolT
	}
	return badT
}

func (c *compiler) familyError(e *expr, s *symbol) {
	n := s.nDims()
	switch {
	case n == 0:
		c.errorf(c.at(e.pos), "E310", fmt.Sprintf("write %s", s.name), "'%s' is not a family and takes no index", s.name)
	default:
		idx := []string{"i", "j", "k", "l", "m"}
		if n < len(idx) {
			idx = idx[:n]
		}
		c.errorf(c.at(e.pos), "E310", fmt.Sprintf("write %s[%s]", s.name, strings.Join(idx, ", ")),
			"'%s' has %d %s, %d given", s.name, n, plural(n, "index", "indices"), len(e.args))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// markStatic records that a compile-time position reads s: parameters become structural,
// and anything that is not a compile-time constant is E307 (E404 for the scale).
func (c *compiler) markStatic(e *expr, s *symbol) {
	switch s.kind {
	case symParam:
		c.makeStructural(s)
	case symLet:
		for p := range s.reads {
			c.makeStructural(p)
		}
	}
}

func (c *compiler) makeStructural(p *symbol) {
	if p.structural {
		return
	}
	p.structural = true
	for q := range p.reads {
		c.makeStructural(q)
	}
}

func (c *compiler) unknown(e *expr) {
	if s, ok := c.syms[e.name]; ok && s.seq >= c.seq {
		c.errorf(c.at(e.pos), "E201", fmt.Sprintf("'%s' is declared later (%s); declare it before use", e.name, s.pos.Short()),
			"unknown identifier '%s'", e.name)
		return
	}
	if p, ok := c.laterPos(e.name); ok {
		c.errorf(c.at(e.pos), "E201", fmt.Sprintf("'%s' is declared later (%s); declare it before use", e.name, p.Short()),
			"unknown identifier '%s'", e.name)
		return
	}
	hint := "declare it (param, species, let, ...) before use, or check the spelling"
	if s := c.suggest(e.name); s != nil {
		hint = fmt.Sprintf("did you mean '%s' (%s)?", s.name, s.describe())
	}
	c.errorf(c.at(e.pos), "E201", hint, "unknown identifier '%s'", e.name)
}

// suggest returns the visible global closest to name within edit distance 2, and at
// most a third of the shorter name's length (at least 1): 'bta' gives 'beta', but 'zz'
// gives nothing rather than 'S'. With kinds, only symbols of those kinds are suggested.
func (c *compiler) suggest(name string, kinds ...symKind) *symbol {
	var best *symbol
	bestD := 3
	names := make([]string, 0, len(c.syms))
	for n := range c.syms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := c.syms[n]
		if s.seq >= c.seq || len(kinds) > 0 && !slices.Contains(kinds, s.kind) {
			continue
		}
		limit := max(1, min(len([]rune(name)), len([]rune(n)))/3)
		if d := editDistance(name, n); d < bestD && d <= limit {
			best, bestD = s, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (c *compiler) checkCall(e *expr, sc *scope, static bool) typ {
	f, ok := stdlib.Lookup(e.name)
	if !ok {
		hint := "see the list of built-in functions"
		if s, isSym := c.syms[e.name]; isSym {
			hint = fmt.Sprintf("'%s' is a %s; index a family with [...]", e.name, s.kind)
		}
		c.errorf(c.at(e.pos), "E305", hint, "unknown function '%s'", e.name)
		for _, a := range e.args {
			c.check(a, sc, static)
		}
		return badT
	}
	bi := f.Builtin()
	switch n := bi.MinArgs(); {
	case bi.Variadic && len(e.args) < n:
		c.errorf(c.at(e.pos), "E305", "see the list of built-in functions", "%s expects at least %d arguments, got %d", e.name, n, len(e.args))
	case !bi.Variadic && len(e.args) != n:
		c.errorf(c.at(e.pos), "E305", "see the list of built-in functions", "%s expects %d %s, got %d", e.name, n, plural(n, "argument", "arguments"), len(e.args))
	}
	for i, a := range e.args {
		arg := bi.Arg(i)
		// A Count argument (the k of choose and ff) is a compile-time integer.
		st := static || (arg.Type == stdlib.Count && i < len(bi.Args))
		c.checkWant(a, sc, st, builtinType(arg.Type))
	}
	return builtinType(bi.Result)
}

// builtinType is the type of an argument or result of a built-in function.
func builtinType(t stdlib.Type) typ {
	if t == stdlib.Cond {
		return boolT
	}
	return numT
}

// checkMatch checks 'match subject { arms }'. With want set, the arms must be states of want.
func (c *compiler) checkMatch(e *expr, sc *scope, static bool, want *symbol) typ {
	subj := e.args[0]
	st := c.check(subj, sc, static)
	var env *symbol
	if subj.sym != nil && subj.sym.kind == symEnv {
		env = subj.sym
	} else if st.k != tInvalid {
		c.errorf(c.at(subj.pos), "E306", "match takes an environment component, e.g. match E { lo: 1, hi: 2 }", "match on '%s', which is not an environment component", exprName(subj))
		return badT
	}
	seen := map[string]diag.Pos{}
	hasDefault := false
	var result typ
	for _, a := range e.arms {
		key := a.name
		if a.isInt {
			key = fmt.Sprint(a.value)
		}
		if p, dup := seen[key]; dup {
			c.errorf(c.at(a.pos), "E306", "remove one of the two arms", "duplicate arm '%s' in match (first at %s)", key, p.Short())
		}
		seen[key] = c.at(a.pos)
		switch {
		case a.name == "_":
			hasDefault = true
		case env == nil:
		case env.states != nil && a.isInt:
			c.errorf(c.at(a.pos), "E306", fmt.Sprintf("use the states of '%s': %s", env.name, strings.Join(env.states, ", ")), "match on '%s' needs state names, got %d", env.name, a.value)
		case env.states != nil && indexOf(env.states, a.name) < 0:
			c.errorf(c.at(a.pos), "E303", fmt.Sprintf("check the spelling in 'env %s'", env.name), "'%s' is not a state of '%s' (states: %s)", a.name, env.name, strings.Join(env.states, ", "))
		case env.states == nil && !a.isInt:
			c.errorf(c.at(a.pos), "E306", "an integer environment is matched with integer arms, e.g. 0: ...", "match on '%s' needs integer arms, got '%s'", env.name, a.name)
		}
		var t typ
		if want != nil {
			t = c.checkState(a.body, sc, static, want)
		} else {
			t = c.check(a.body, sc, static)
		}
		if result.k == tInvalid {
			result = t
		} else if t.k != tInvalid && !t.eq(result) {
			c.errorf(c.at(a.body.pos), "E306", "give every arm the same type", "arm '%s' is a %s, but the first arm is a %s", key, t, result)
		}
	}
	if env != nil && !hasDefault {
		c.checkExhaustive(e, env, seen)
	}
	return result
}

// checkExhaustive reports the first state of env that has no arm. Integer environments
// are checked once their bounds are known (in expansion).
func (c *compiler) checkExhaustive(e *expr, env *symbol, seen map[string]diag.Pos) {
	for _, s := range env.states {
		if _, ok := seen[s]; !ok {
			c.errorf(c.at(e.pos), "E306", "add the arm, or a default arm '_: ...'", "match on '%s' does not cover state '%s'", env.name, s)
			return
		}
	}
}

func (c *compiler) errorf(at diag.Pos, code, hint, format string, args ...any) {
	c.errs.Add(diag.Errorf(at, code, hint, format, args...))
}

func (c *compiler) warnf(at diag.Pos, code, hint, format string, args ...any) {
	c.errs.Add(diag.Warnf(at, code, hint, format, args...))
}
