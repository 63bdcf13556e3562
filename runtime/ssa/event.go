package ssa

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/step"
)

// The event loop of continuous time: advanceHom draws the events of a time-homogeneous
// model, fire applies one and re-evaluates the dependents (kernels, then the tape of the
// others). bench/ssa.sh measures this loop against C++ references.

// fireInfo is what Sim.fire reads of one transition: its jump (species and changes), its
// Update, and its dependents (with kernels; the others with their tape and output slots;
// all of them).
type fireInfo struct {
	sp     []int32
	delta  []float64
	kd     []kdep
	update []int
	tape   *ir.Tape
	tdep   []int32
	tout   []int32
	dep    []int32
}

// advanceHom is Advance for a time-homogeneous continuous-time model without integrals
// or conditioning on survival: the same steps as the general loop (stepHom, the stall
// test, fire, the explosion test), with the draw inlined. O(J + dependents) per event
// (O(G + dependents) by composition–rejection).
func (s *Sim) advanceHom(ctx context.Context, tEnd float64) error {
	rng := s.rng
	for s.t < tEnd {
		if (s.max > 0 && s.events >= s.max) || (s.limit > 0 && s.work >= s.limit) {
			if s.max > 0 && s.events >= s.max {
				return ErrMaxEvents
			}
			return ErrBudget
		}
		s.polls++
		if s.polls%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("ssa: simulation stopped at t = %g after %d events: %w", s.t, s.events, err)
			}
		}
		tPrev := s.t
		var a0 float64
		if s.cr != nil {
			a0 = s.cr.total()
		} else {
			for _, a := range s.props {
				a0 += a
			}
		}
		s.a0 = a0
		if a0 <= 0 {
			s.t = tEnd
			return nil
		}
		// rng.ExpFloat64, its first try inlined.
		u := rng.Uint64()
		zj, zi := uint32(u), uint8(u>>32)
		e := float64(zj) * float64(we[zi])
		if zj >= ke[zi] {
			e = rng.expSlow(zi, e)
		}
		t := tPrev + e/a0
		if t > tEnd {
			s.t = tEnd
			return nil
		}
		s.t = t
		r := rng.Float64() * a0
		j := -1
		if s.cr != nil {
			j = s.cr.pick(r, rng)
		} else {
			for k, a := range s.props {
				if a > 0 {
					j = k
					if r < a {
						break
					}
					r -= a
				}
			}
		}
		if j < 0 {
			continue // no positive propensity (not reached: a0 > 0 and check)
		}
		s.work++
		if t == tPrev && tPrev+1/a0 == tPrev {
			return s.stalled(j)
		}
		ev := s.events
		if err := s.fire(j); err != nil {
			return err
		}
		if s.events != ev && s.events&(1<<blowupFirst-1) == 0 {
			if err := s.watch(tEnd); err != nil {
				return err
			}
		}
	}
	return nil
}

// fire applies transition j and updates the dependent propensities. In continuous time a
// propensity within round-off of 0 (step.RoundOff against the total rate s.a0 of the draw)
// does not fire: it is set to 0, as exploration drops it.
func (s *Sim) fire(j int) error {
	s.dirty = true
	c := s.in.Counts
	if !s.p.disc && math.Abs(s.props[j]) <= step.ZeroTol*s.a0 { // step.RoundOff
		// A round-off propensity counts as 0 (as in ctmc): no event.
		s.props[j] = 0
		if s.cr != nil && !s.p.isTD[j] {
			s.cr.set(j, 0)
		}
		return nil
	}
	p := s.p
	f := &p.fi[j]
	sp, delta := f.sp, f.delta
	delta = delta[:len(sp)]
	for i, sp := range sp {
		if c[sp]+delta[i] < 0 {
			return step.CheckJump(&p.mod.Transitions[j], s.props[j], s.state())
		}
	}
	for i, sp := range sp {
		v := c[sp] + delta[i]
		c[sp] = v
		if v > maxExact {
			return s.overflow(j, int(sp))
		}
		if s.scaled {
			s.in.Densities[sp] = v / s.in.Scale
		}
	}
	if u := f.update; u != nil {
		s.env = u[s.env]
		s.setEnv()
	}
	s.events++
	if p.noDeps {
		return s.evalAll()
	}
	bad := false
	props := s.props
	if kd := f.kd; len(kd) > 0 {
		lead := s.lead
		for _, d := range kd {
			var a float64
			switch d.typ {
			case kCount1:
				a = lead[d.k] * c[d.sp0]
			case kCount2:
				a = lead[d.k] * c[d.sp0] * c[d.sp1]
			default:
				a = p.ks.eval(int(d.k), c, s.in.Densities, s.kc, lead)
			}
			props[d.k] = a
			if !(a >= 0 && a <= math.MaxFloat64) {
				bad = true
			}
		}
	}
	if tp := f.tape; tp != nil {
		tp.Eval(s.vals, &s.in)
		out, vals := f.tout, s.vals
		for i, k := range f.tdep {
			a := vals[out[i]]
			props[k] = a
			if !(a >= 0 && a <= math.MaxFloat64) {
				bad = true
			}
		}
	}
	if p.masked {
		for _, k := range f.dep {
			s.mask(int(k))
		}
	}
	if bad && !p.disc {
		if err := s.check(); err != nil {
			return err
		}
	}
	if s.cr != nil {
		for _, k := range f.dep {
			if !p.isTD[k] {
				s.cr.set(int(k), props[k])
			}
		}
	}
	return nil
}
