package compiler

import (
	"fmt"
	"strconv"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

func (c *compiler) forDecl(f *lang.ForStmt, sc *scope) *loopDecl {
	l := &loopDecl{pos: c.at(f.Pos), binders: c.convBinders(f.Binders)}
	inner := c.bindAll(l.binders, sc)
	body := f.Block
	if f.Single != nil {
		body = []*lang.LoopBody{f.Single}
	}
	for _, b := range body {
		if b.For != nil {
			l.body = append(l.body, loopItem{loop: c.forDecl(b.For, inner)})
		} else {
			l.body = append(l.body, loopItem{trans: c.transDecl(b.Transition, inner)})
		}
	}
	return l
}

// transDecl converts and checks one transition as written (docs/language.md §6.1).
func (c *compiler) transDecl(t *lang.Transition, sc *scope) *transDecl {
	d := &transDecl{pos: c.at(t.Pos)}
	if t.Label != nil {
		d.label, d.labelPos = t.Label.Name, c.at(t.Label.Pos)
		if p, dup := c.labels[d.label]; dup {
			c.errorf(d.labelPos, "E204", "labels are unique; loop instances are numbered automatically", "label '%s' is already used (%s)", d.label, p.Short())
		} else {
			c.labels[d.label] = d.labelPos
		}
	} else {
		d.label = c.autoLabel(d.pos)
	}
	ch := t.Change
	if r := ch.Reaction; r != nil {
		d.arrow = r.Arrow
		d.lhs = c.side(r.LHS, sc)
		d.rhs = c.side(r.RHS, sc)
	}
	if ch.Update != nil {
		for _, a := range ch.Update.Assigns {
			d.sets = append(d.sets, c.assign(a, sc))
		}
	}
	if t.When != nil {
		d.when = c.convExpr(t.When)
		c.checkWant(d.when, sc, false, boolT)
	}
	d.rate = c.convExpr(t.Rate)
	c.checkWant(d.rate, sc, false, numT)
	if t.Reverse != nil {
		d.rev = c.convExpr(t.Reverse)
		c.checkWant(d.rev, sc, false, numT)
	}
	switch {
	case d.arrow == "<->" && (len(d.sets) > 0 || d.when != nil):
		c.errorf(d.pos, "E505", "use two '->' transitions", "'<->' takes no 'set' or 'when'")
	case d.arrow == "<->" && d.rev == nil:
		c.errorf(d.pos, "E505", "write them as '@ f, r', or use two '->' transitions", "'<->' needs two propensities (forward, backward)")
	case d.arrow != "<->" && d.rev != nil:
		c.errorf(d.pos, "E505", "use '<->' for a reversible pair, or two '->' transitions", "'->' takes one propensity, got two")
	}
	if !c.discrete && len(d.sets) == 0 && emptySide(d.lhs) && emptySide(d.rhs) {
		c.errorf(d.pos, "E507", "remove it", "'0 -> 0' without 'set' has no effect")
	}
	return d
}

func emptySide(s []termDecl) bool {
	for _, t := range s {
		if t.species != nil {
			return false
		}
	}
	return true
}

// autoLabel returns L<line>, or L<line>_k for the k-th unlabelled transition on a line.
func (c *compiler) autoLabel(at diag.Pos) string {
	c.autoCount[at.Line]++
	if k := c.autoCount[at.Line]; k > 1 {
		return fmt.Sprintf("L%d_%d", at.Line, k)
	}
	return fmt.Sprintf("L%d", at.Line)
}

func (c *compiler) side(s *lang.Side, sc *scope) []termDecl {
	var out []termDecl
	for _, t := range s.Terms {
		td := termDecl{pos: c.at(t.Pos), coef: 1}
		ref := t.BareRef
		switch {
		case t.Coef != "":
			n, err := strconv.Atoi(t.Coef)
			if err != nil {
				n = -1
			}
			td.coef = n
			ref = t.Species
			if ref == nil && n != 0 {
				c.errorf(td.pos, "E502", "reaction sides list species, e.g. 2S1; the empty complex is 0", "coefficient %s has no species", t.Coef)
			}
			if ref != nil && n <= 0 {
				c.errorf(td.pos, "E502", "reaction sides list species, e.g. 2S1", "coefficient must be a positive integer, got %s", t.Coef)
			}
		case t.CoefName != "":
			td.coefName = &expr{kind: eRef, pos: t.Pos, name: t.CoefName}
			c.checkWant(td.coefName, sc, true, numT)
			ref = t.Species
		}
		if ref != nil {
			td.species = c.convRef(ref)
			c.speciesRef(td.species, sc)
		}
		out = append(out, td)
	}
	return out
}

// speciesRef checks a reaction-side term: it must name a species (E502), not an
// environment (E503).
func (c *compiler) speciesRef(e *expr, sc *scope) {
	c.check(e, sc, false)
	s := e.sym
	if s == nil {
		if e.bind {
			c.errorf(c.at(e.pos), "E502", "reaction sides list species, e.g. 2S1", "'%s' is a loop variable, not a species", e.name)
		}
		return
	}
	switch s.kind {
	case symSpecies:
	case symEnv:
		c.errorf(c.at(e.pos), "E503", fmt.Sprintf("change it with 'set %s = ...'", e.name), "environment '%s' cannot appear in a reaction", e.name)
	case symAlias:
		c.errorf(c.at(e.pos), "E502", fmt.Sprintf("reaction sides list species: write %s", s.target.name), "'%s' is an alias, not a species", e.name)
	default:
		c.errorf(c.at(e.pos), "E502", "reaction sides list species, e.g. 2S1", "'%s' is a %s, not a species", e.name, s.kind)
	}
}

func (c *compiler) assign(a *lang.Assign, sc *scope) assignDecl {
	d := assignDecl{pos: c.at(a.Pos), target: c.convRef(a.Target), value: c.convExpr(a.Value)}
	c.check(d.target, sc, false)
	s := d.target.sym
	if s == nil || s.kind != symEnv {
		if s != nil {
			c.errorf(c.at(d.target.pos), "E311", fmt.Sprintf("change a %s with a reaction, e.g. %s -> 0", s.kind, s.name),
				"'%s' is a %s; only environment components can be set", s.name, s.kind)
		}
		c.check(d.value, sc, true)
		return d
	}
	if s.states != nil {
		c.checkState(d.value, sc, true, s)
	} else {
		c.checkWant(d.value, sc, true, numT)
	}
	return d
}
