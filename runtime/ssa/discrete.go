package ssa

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/step"
)

// advanceDiscrete is Advance for a discrete-time model: it takes the steps from the
// current step index s.t up to ⌊tEnd⌋.
func (s *Sim) advanceDiscrete(ctx context.Context, tEnd float64, acc []float64) error {
	if left := s.limit - s.work; s.limit > 0 && math.Floor(tEnd)-s.t > float64(left) {
		// Every step counts: the budget cannot take the trajectory to tEnd.
		return &BudgetError{Msg: fmt.Sprintf("reaching step %s takes %s more steps, beyond the %d left of the event budget (--max-events)", g4(math.Floor(tEnd)), g4(math.Floor(tEnd)-s.t), left)}
	}
	if acc != nil {
		s.Observables(s.obs)
	}
	for s.t+1 <= tEnd {
		if s.max > 0 && s.events >= s.max {
			return ErrMaxEvents
		}
		if s.limit > 0 && s.work >= s.limit {
			return ErrBudget
		}
		if err := s.poll(ctx); err != nil {
			return err
		}
		s.work++
		if acc != nil {
			// X_t is held for one unit of time: its weight in the integral is 1.
			for i, v := range s.in.Counts {
				acc[i] += v
			}
			for k, v := range s.obs {
				acc[s.p.d+k] += v
			}
		}
		j, err := s.stepDiscrete()
		if err != nil {
			return err
		}
		if j >= 0 {
			if err := s.fire(j); err != nil {
				return err
			}
		}
		s.t++
		s.in.Time = s.t
		if acc != nil && (j >= 0 || s.p.obsTD) {
			s.Observables(s.obs)
		}
	}
	return nil
}

// stepDiscrete draws the instance taken in the step that starts at step index s.t: j with
// probability props[j], or −1 (the implicit self-loop) with probability 1 − Σ props. The
// time-dependent probabilities are evaluated at t = s.t; the others are kept up to date by
// fire through the dependency graph. The checks and the sum are redone only when a
// probability may have changed, so an implicit self-loop of a time-homogeneous model costs
// one uniform and one comparison. One uniform per step.
func (s *Sim) stepDiscrete() (int, error) {
	if s.p.td != nil {
		s.in.Time = s.t
		tp := s.p.tdTape
		tp.Eval(s.vals, &s.in)
		for i, j := range s.p.td {
			s.props[j] = s.vals[tp.Out[i]]
			s.mask(int(j))
		}
		s.dirty = true
	}
	if s.dirty {
		if err := s.checkProb(); err != nil {
			return -1, err
		}
		s.dirty = false
	}
	u := s.rng.Float64()
	if u >= s.psum {
		return -1, nil
	}
	last := -1
	for j, a := range s.props {
		if a > 0 {
			last = j
			if u < a {
				return j, nil
			}
			u -= a
		}
	}
	return last, nil // round-off at the end of the sum
}

// checkProb checks the probabilities of the current state by the rules of package step
// (round-off values in [−1e-12, 0) become 0; E802, E803) and sets s.psum to their sum.
func (s *Sim) checkProb() error {
	sum, err := step.Check(s.props, s.state())
	if err != nil {
		return err
	}
	s.psum = sum
	return nil
}

// checkSteps checks that v, a time of a discrete-time model, is a step index.
func checkSteps(what string, v float64) error {
	if v != math.Trunc(v) || v < 0 || v > 1<<53 {
		return fmt.Errorf("ssa: %s = %g: a discrete-time model counts time in steps, so it must be a non-negative integer", what, v)
	}
	return nil
}
