package compiler

import (
	"fmt"
	"strconv"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// paramDecl is a parameter's default: an expression, or a (nested) array literal.
type paramDecl struct {
	value *expr
	array *arrayLit
}

type arrayLit struct {
	pos   diag.Pos
	elems []*arrayLit // nested rows, or nil
	value *expr       // a leaf element
}

type measureDecl struct {
	kind string
	args []*expr
}

// transDecl is one transition as written.
type transDecl struct {
	pos      diag.Pos // first token: the label if any
	label    string
	labelPos diag.Pos
	arrow    string // "->", "<->", or "" for an update alone
	lhs, rhs []termDecl
	sets     []assignDecl
	when     *expr
	rate     *expr
	rev      *expr
}

type termDecl struct {
	pos      diag.Pos
	coef     int   // literal coefficient (1 if none)
	coefName *expr // named coefficient
	species  *expr // nil for the literal 0
}

type assignDecl struct {
	pos    diag.Pos
	target *expr
	value  *expr
}

// loopDecl is a 'for' statement with its body.
type loopDecl struct {
	pos     diag.Pos
	binders *binders
	body    []loopItem
}

type loopItem struct {
	loop  *loopDecl
	trans *transDecl
}

type initDecl struct {
	pos     diag.Pos
	density bool
	items   []initItem
}

type initItem struct {
	pos        diag.Pos
	binders    *binders // 'for binders:' prefix
	stationary bool     // env ~ stationary
	target     *expr
	value      *expr
	law        []arm
}

// declare registers a global name after checking reserved names and duplicates.
func (c *compiler) declare(id *lang.Ident, kind symKind) *symbol {
	at := c.at(id.Pos)
	if why := reserved(id.Name); why != "" {
		c.errorf(at, "E203", "rename it", "'%s' is reserved: %s", id.Name, why)
		return nil
	}
	if old, ok := c.syms[id.Name]; ok {
		c.errorf(at, "E202", "parameters, species, environments, lets, observables, regions and measures share one namespace",
			"'%s' is already declared (%s)", id.Name, old.describe())
		return nil
	}
	s := c.newSymbol()
	s.name, s.kind, s.pos, s.seq = id.Name, kind, at, c.seq
	c.syms[id.Name] = s
	c.order = append(c.order, s)
	return s
}

// laterPos returns the first declaration of name anywhere in the file, for E201's hint
// ("declared later"). The table is built on the first call: a valid file never pays for it.
func (c *compiler) laterPos(name string) (diag.Pos, bool) {
	if c.later == nil {
		c.later = map[string]diag.Pos{}
		c.collectLater(c.ast)
	}
	p, ok := c.later[name]
	return p, ok
}

// collectLater records every declared name and its first position.
func (c *compiler) collectLater(f *lang.File) {
	add := func(id *lang.Ident) {
		if id == nil {
			return
		}
		if _, ok := c.later[id.Name]; !ok {
			c.later[id.Name] = c.at(id.Pos)
		}
	}
	for _, s := range f.Stmts {
		switch {
		case s.Scale != nil:
			add(s.Scale.Name)
		case s.Param != nil:
			for _, it := range s.Param.Items {
				add(it.Name)
			}
		case s.Species != nil:
			for _, it := range s.Species.Items {
				add(it.Name)
				add(it.Alias)
			}
		case s.Env != nil:
			add(s.Env.Name)
		case s.Def != nil:
			add(s.Def.Name)
		case s.Measure != nil:
			add(s.Measure.Name)
		}
	}
}

// declarations runs stages 2 and 3 of docs/language.md §7.1 over the statements, in order: each
// statement is checked against the names declared before it, then declares its own.
func (c *compiler) declarations(f *lang.File) {
	c.ast = f
	for _, s := range f.Stmts {
		c.seq++
		switch {
		case s.Time != nil:
			c.timeDecl(s.Time)
		case s.Scale != nil:
			c.scaleDecl(s.Scale)
		case s.Param != nil:
			for _, it := range s.Param.Items {
				c.paramItem(it)
				c.seq++
			}
		case s.Species != nil:
			for _, it := range s.Species.Items {
				c.speciesItem(it)
				c.seq++
			}
		case s.Env != nil:
			c.envDecl(s.Env)
		case s.Def != nil:
			c.defDecl(s.Def)
		case s.Measure != nil:
			c.measureDecl(s.Measure)
		case s.Assume != nil:
			c.assumeDecl(s.Assume)
		case s.Init != nil:
			c.initDecl(s.Init)
		case s.For != nil:
			c.bodyStarted(c.at(s.Pos))
			c.loops = append(c.loops, loopItem{loop: c.forDecl(s.For, nil)})
		case s.Transition != nil:
			c.bodyStarted(c.at(s.Pos))
			c.loops = append(c.loops, loopItem{trans: c.transDecl(s.Transition, nil)})
		}
	}
	c.seq++
}

// bodyStarted notes the first transition, init or measure: 'time' must come before it.
func (c *compiler) bodyStarted(at diag.Pos) {
	if !c.firstBody.IsValid() {
		c.firstBody = at
	}
}

func (c *compiler) timeDecl(d *lang.TimeDecl) {
	at := c.at(d.Pos)
	switch {
	case c.timePos.IsValid():
		c.errorf(at, "E205", "a model has one 'time' declaration", "second 'time' declaration (first at %s)", c.timePos.Short())
	case c.firstBody.IsValid():
		c.errorf(at, "E205", "'time' comes before the first transition, init and measure", "'time' declared after the model body started (%s)", c.firstBody.Short())
	}
	if !c.timePos.IsValid() {
		c.timePos = at
		c.discrete = d.Kind == "discrete"
	}
}

func (c *compiler) scaleDecl(d *lang.ScaleDecl) {
	at := c.at(d.Pos)
	if c.scale != nil {
		c.errorf(at, "E205", "a model has one scale", "second 'scale' declaration (first at %s)", c.scalePos.Short())
		return
	}
	v := c.convExpr(d.Value)
	c.checkWant(v, nil, false, numT)
	c.noState(v, "the scale's default", "E307")
	if s := c.declare(d.Name, symScale); s != nil {
		c.scale, c.scalePos, s.value = s, at, v
	}
}

// noState reports references to species, environment, t or the scale in a parameter-like
// expression (docs/language.md §4.4).
func (c *compiler) noState(e *expr, what, code string) {
	e.walk(func(x *expr) {
		if x.kind != eRef || x.bind {
			return
		}
		if x.name == "t" && x.sym == nil {
			c.errorf(c.at(x.pos), code, "use literals and parameters only", "%s must be a constant; it uses the time 't'", what)
			return
		}
		s := x.sym
		if s == nil {
			return
		}
		switch s.kind {
		case symSpecies, symAlias, symEnv:
			c.errorf(c.at(x.pos), code, "use literals and parameters only", "%s must be a constant; '%s' is a %s", what, s.name, s.kind)
		case symScale:
			if code == "E307" && what != "the scale's default" {
				c.errorf(c.at(x.pos), "E308", fmt.Sprintf("parameters are O(1) constants; write 'let %s = ...' for a quantity that depends on %s", "k", s.name),
					"%s uses the scale '%s'", what, s.name)
			}
		case symLet, symObservable, symRegion:
			c.noState(s.value, what, code)
		}
	})
}

func (c *compiler) paramItem(it *lang.ParamItem) {
	shape := c.convShape(it.Shape)
	inner := c.bindAll(shape, nil)
	pd := &paramDecl{}
	isBool := false
	if it.Array != nil {
		pd.array = c.convArray(it.Array, inner)
	} else {
		pd.value = c.convExpr(it.Value)
		t := c.check(pd.value, inner, false)
		isBool = t.k == tBool
		if t.k == tState {
			c.expect(pd.value, t, numT)
		}
	}
	s := c.declare(it.Name, symParam)
	if s == nil {
		return
	}
	s.shape, s.paramDecl, s.boolParam = shape, pd, isBool
	visit := func(e *expr) {
		e.walk(func(x *expr) {
			if x.sym != nil && x.sym.kind == symParam {
				s.addRead(x.sym)
			}
		})
		c.paramDefault(e, s.name)
	}
	if pd.value != nil {
		visit(pd.value)
	}
	pd.array.each(visit)
	c.params = append(c.params, s)
}

// paramDefault reports what a parameter default may not use (E307, E308).
func (c *compiler) paramDefault(e *expr, param string) {
	e.walk(func(x *expr) {
		if x.kind != eRef || x.bind || x.sym == nil {
			return
		}
		switch x.sym.kind {
		case symScale:
			c.errorf(c.at(x.pos), "E308", fmt.Sprintf("parameters are O(1) constants; write 'let k = c / %s'", x.sym.name), "default of '%s' uses the scale '%s'", param, x.sym.name)
		case symLet, symObservable, symRegion:
			c.errorf(c.at(x.pos), "E307", "a default uses literals, earlier parameters and its own shape binders", "default of '%s' uses the %s '%s'", param, x.sym.kind, x.sym.name)
		case symSpecies, symAlias, symEnv:
			c.errorf(c.at(x.pos), "E307", "a default uses literals, earlier parameters and its own shape binders", "default of '%s' uses the %s '%s'", param, x.sym.kind, x.sym.name)
		}
	})
	e.walk(func(x *expr) {
		if x.kind == eRef && x.name == "t" && x.sym == nil && !x.bind {
			c.errorf(c.at(x.pos), "E307", "a default uses literals, earlier parameters and its own shape binders", "default of '%s' uses the time 't'", param)
		}
	})
}

func (a *arrayLit) each(f func(*expr)) {
	if a == nil {
		return
	}
	if a.value != nil {
		f(a.value)
	}
	for _, e := range a.elems {
		e.each(f)
	}
}

func (c *compiler) convArray(a *lang.ArrayLit, sc *scope) *arrayLit {
	out := &arrayLit{pos: c.at(a.Pos)}
	for _, el := range a.Elems {
		if el.Array != nil {
			out.elems = append(out.elems, c.convArray(el.Array, sc))
			continue
		}
		v := c.convExpr(el.Value)
		c.checkWant(v, sc, false, numT)
		out.elems = append(out.elems, &arrayLit{pos: c.at(v.pos), value: v})
	}
	return out
}

func (c *compiler) speciesItem(it *lang.SpeciesItem) {
	shape := c.convShape(it.Shape)
	c.bindAll(shape, nil)
	s := c.declare(it.Name, symSpecies)
	if s == nil {
		return
	}
	s.shape = shape
	c.species = append(c.species, s)
	if it.Alias != nil {
		c.seq++
		if a := c.declare(it.Alias, symAlias); a != nil {
			a.shape, a.target = shape, s
		}
	}
}

func (c *compiler) envDecl(d *lang.EnvDecl) {
	shape := c.convShape(d.Shape)
	c.bindAll(shape, nil)
	var rng *binder
	var states []string
	if d.Range != nil {
		rng = &binder{pos: c.at(d.Range.Pos), lo: c.convExpr(d.Range.Lo), hi: c.convExpr(d.Range.Hi)}
		c.checkWant(rng.lo, nil, true, numT)
		c.checkWant(rng.hi, nil, true, numT)
	} else {
		seen := map[string]diag.Pos{}
		for _, st := range d.States {
			at := c.at(st.Pos)
			if p, dup := seen[st.Name]; dup {
				c.errorf(at, "E202", "the states of one environment are distinct", "state '%s' is already listed (%s)", st.Name, p.Short())
				continue
			}
			if why := reserved(st.Name); why != "" {
				c.errorf(at, "E203", "rename it", "'%s' is reserved: %s", st.Name, why)
			}
			seen[st.Name] = at
			states = append(states, st.Name)
		}
	}
	s := c.declare(d.Name, symEnv)
	if s == nil {
		return
	}
	s.shape, s.rng, s.states = shape, rng, states
	c.envs = append(c.envs, s)
}

func (c *compiler) defDecl(d *lang.DefDecl) {
	shape := c.convShape(d.Shape)
	inner := c.bindAll(shape, nil)
	v := c.convExpr(d.Value)
	kind := symLet
	switch d.Kind {
	case "observable":
		kind = symObservable
	case "region":
		kind = symRegion
	}
	var t typ
	switch kind {
	case symObservable:
		t = c.checkWant(v, inner, false, numT)
	case symRegion:
		t = c.checkWant(v, inner, false, boolT)
	default:
		t = c.check(v, inner, false)
	}
	s := c.declare(d.Name, kind)
	if s == nil {
		return
	}
	s.shape, s.value, s.vtyp = shape, v, t
	v.walk(func(x *expr) {
		if x.sym == nil {
			return
		}
		switch x.sym.kind {
		case symParam:
			s.addRead(x.sym)
		case symLet:
			for p := range x.sym.reads {
				s.addRead(p)
			}
		}
	})
	switch kind {
	case symLet:
		c.lets = append(c.lets, s)
	case symObservable:
		c.observables = append(c.observables, s)
	case symRegion:
		c.regions = append(c.regions, s)
	}
}

func (c *compiler) measureDecl(d *lang.MeasureDecl) {
	c.bodyStarted(c.at(d.Pos))
	shape := c.convShape(d.Shape)
	inner := c.bindAll(shape, nil)
	m := &measureDecl{kind: d.Kind}
	for _, a := range d.Args {
		m.args = append(m.args, c.convExpr(a))
	}
	at := c.at(d.Pos)
	want := 2
	if d.Kind == "stationary" {
		want = 1
	}
	if len(m.args) != want {
		c.errorf(at, "E705", measureHint(d.Kind), "%s takes %d %s, got %d", d.Kind, want, plural(want, "argument", "arguments"), len(m.args))
	}
	for i, a := range m.args {
		switch {
		case i == 0:
			c.checkWant(a, inner, false, numT)
		case d.Kind == "until":
			c.checkWant(a, inner, false, boolT)
		default:
			c.checkWant(a, inner, false, numT)
			c.horizon(a, d.Kind, d.Name.Name)
		}
	}
	if s := c.declare(d.Name, symMeasure); s != nil {
		s.shape, s.measure = shape, m
		c.measures = append(c.measures, s)
	}
}

func measureHint(kind string) string {
	switch kind {
	case "stationary":
		return "write stationary(f)"
	case "transient", "cumulative":
		return "write " + kind + "(f, T)"
	case "discounted":
		return "write discounted(f, a) with a discount rate a > 0"
	}
	return "write until(f, R) with a region or condition R"
}

// horizon checks that a horizon or discount rate is a parameter expression (E705).
func (c *compiler) horizon(e *expr, kind, name string) {
	what := "horizon"
	if kind == "discounted" {
		what = "discount rate"
	}
	e.walk(func(x *expr) {
		if x.kind != eRef || x.bind {
			return
		}
		var bad string
		switch {
		case x.sym == nil && x.name == "t":
			bad = "the time 't'"
		case x.sym == nil:
			return
		case x.sym.kind == symSpecies || x.sym.kind == symAlias || x.sym.kind == symEnv:
			bad = fmt.Sprintf("the %s '%s'", x.sym.kind, x.sym.name)
		case x.sym.kind == symScale:
			bad = fmt.Sprintf("the scale '%s'", x.sym.name)
		}
		if bad != "" {
			c.errorf(c.at(x.pos), "E705", "horizons and discount rates use literals and parameters only",
				"%s of '%s' must be a parameter expression; it uses %s", what, name, bad)
		}
	})
}

func (c *compiler) initDecl(d *lang.InitDecl) {
	c.bodyStarted(c.at(d.Pos))
	in := &initDecl{pos: c.at(d.Pos), density: d.Density}
	if d.Density && c.scale == nil {
		c.errorf(in.pos, "E701", "give counts in 'init { ... }'", "'init density' needs a scale")
	}
	for _, it := range d.Items {
		item := initItem{pos: c.at(it.Pos)}
		var sc *scope
		a := it.Assign
		switch {
		case it.EnvStationary:
			item.stationary = true
			if len(c.envs) == 0 {
				c.errorf(item.pos, "E704", "remove it, or declare an environment", "'env ~ stationary' but the model has no environment")
			}
			in.items = append(in.items, item)
			continue
		case it.For != nil:
			item.binders = c.convBinders(it.For.Binders)
			sc = c.bindAll(item.binders, nil)
			a = it.For.Assign
		}
		item.target = c.convRef(a.Target)
		c.initTarget(&item, a, sc, d.Density)
		in.items = append(in.items, item)
	}
	c.inits = append(c.inits, in)
}

func (c *compiler) initTarget(item *initItem, a *lang.InitAssign, sc *scope, density bool) {
	tgt := item.target
	before := len(c.errs)
	t := c.check(tgt, sc, false)
	s := tgt.sym
	if s == nil {
		if len(c.errs) == before {
			// A name without a symbol that checks: the time t, pi or a loop variable.
			c.errorf(c.at(tgt.pos), "E707", "init sets species and environment components", "'%s' is not a species or an environment component; init sets species and environment components", tgt.name)
		}
		return
	}
	if s.kind != symSpecies && s.kind != symAlias && s.kind != symEnv {
		c.errorf(c.at(tgt.pos), "E707", "init sets species and environment components", "'%s' is a %s; init sets species and environment components", s.name, kindNoun(s))
		return
	}
	if a.Value != nil {
		item.value = c.convExpr(a.Value)
		if s.kind == symEnv && s.states != nil {
			c.checkState(item.value, sc, true, s)
		} else {
			c.checkWant(item.value, sc, s.kind == symEnv, numT)
		}
		return
	}
	if s.kind != symEnv {
		c.errorf(c.at(tgt.pos), "E704", "only environment components take an initial law", "'%s' is a %s and cannot have an initial law", s.name, s.kind)
		return
	}
	_ = t
	for _, arm := range a.Law {
		ar := c.convArm(arm)
		switch {
		case s.states != nil && (ar.isInt || indexOf(s.states, ar.name) < 0):
			c.errorf(c.at(ar.pos), "E704", "weights are ≥ 0, sum to 1 and name states of the component", "'%s' is not a state of '%s'", armKey(ar), s.name)
		case s.states == nil && !ar.isInt:
			c.errorf(c.at(ar.pos), "E704", "weights are ≥ 0, sum to 1 and name values of the component", "'%s' is not a value of '%s'", ar.name, s.name)
		}
		c.checkWant(ar.body, sc, false, numT)
		item.law = append(item.law, ar)
	}
}

func armKey(a arm) string {
	if a.isInt {
		return strconv.Itoa(a.value)
	}
	return a.name
}
