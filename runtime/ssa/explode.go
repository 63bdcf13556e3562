package ssa

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mfcproject/mfc/lang/diag"
)

// maxExact is 2⁵³: beyond it a count held in a float64 is no longer an exact integer.
const maxExact = 1 << 53

// The explosion test (E806, docs/language.md §8.2). A continuous-time chain explodes when
// infinitely many events happen in finite time: Σ_k 1/a0(X_k) < ∞ along the trajectory,
// typically because a propensity grows faster than linearly in a count that each event
// increases (0 → X at rate X²/N). Every time the number of events n doubles, from
// 2^blowupFirst on, the event rate of the last window [n/2, n) is compared with that of the
// window before: when it grows like n^p with p > blowupPower for blowupWindows doublings
// in a row, the windows' durations shrink geometrically (by 2^(1−p)), their sum converges,
// and the extrapolated explosion time lies before tEnd, the trajectory is stopped with E806.
// A chain without explosion has p ≤ 1 in the long run (a stationary chain p ≈ 0, a linear
// birth process p = 1).
const (
	blowupFirst   = 12
	blowupPower   = 1.5
	blowupWindows = 5
)

// explosion is the state of the explosion test of one trajectory.
type explosion struct {
	tMark  float64 // time at the start of the current window
	rate   float64 // event rate of the previous window
	streak int     // consecutive windows with p > blowupPower
	steady int     // consecutive windows with −0.5 < p ≤ blowupPower (a rate that does not fall)
}

// BudgetError is ErrBudget with the reason: the budget spent, or a projection showing that
// the trajectory cannot reach its end time within it.
type BudgetError struct{ Msg string }

// Error returns Msg.
func (e *BudgetError) Error() string { return e.Msg }

// Unwrap returns ErrBudget.
func (e *BudgetError) Unwrap() error { return ErrBudget }

// budgetSteady is the number of windows of a rate that does not fall after which a
// trajectory whose projected events to tEnd exceed budgetMargin times its remaining budget
// is stopped at once, rather than when the budget is spent (a rate of 1e32, or --t 1e300).
const (
	budgetSteady = 3
	budgetMargin = 10
)

// watch runs the explosion test; it is called when s.events is a multiple of
// 2^blowupFirst and acts at powers of two.
func (s *Sim) watch(tEnd float64) error {
	n := s.events
	if n&(n-1) != 0 {
		return nil
	}
	b := &s.blowup
	dt := s.t - b.tMark
	b.tMark = s.t
	if n == 1<<blowupFirst {
		return nil // the first window starts here
	}
	rate := float64(n/2) / dt
	p := math.Inf(1)
	if b.rate > 0 && dt > 0 {
		p = math.Log2(rate / b.rate)
	}
	if b.rate > 0 && p > -0.5 && p <= blowupPower {
		b.steady++
	} else {
		b.steady = 0
	}
	if left := float64(s.limit - s.work); s.limit > 0 && b.steady >= budgetSteady && rate*(tEnd-s.t) > budgetMargin*left {
		return &BudgetError{Msg: fmt.Sprintf("at its event rate of %s per unit time (t = %s) the trajectory needs about %s more events to reach t = %s, beyond the %s events left of the event budget (--max-events)",
			g4(rate), g4(s.t), g4(rate*(tEnd-s.t)), g4(tEnd), g4(left))}
	}
	if b.rate == 0 || !(p > blowupPower) {
		b.rate, b.streak = rate, 0
		return nil
	}
	b.rate = rate
	b.streak++
	if b.streak < blowupWindows {
		return nil
	}
	r := math.Exp2(1 - p)
	tInf := s.t + dt*r/(1-r)
	if math.IsInf(p, 1) {
		tInf = s.t
	}
	if tInf >= tEnd {
		return nil
	}
	j := s.largest()
	t := &s.p.mod.Transitions[j]
	return diag.Errorf(t.Pos, "E806", "a propensity grows faster than linearly in a count that its transition increases; bound it (a 'when' guard, a capacity) or stop earlier with --t",
		"the chain explodes: after %d events the event rate is %s per unit time and grows like n^%.1f with the number of events n, so infinitely many events happen before t ≈ %s (at t = %s, '%s' has propensity %s at %s)",
		n, g4(rate), p, g4(tInf), g4(s.t), t.Label, g4(s.props[j]), s.StateString())
}

// stalled is E806 for a clock that no longer advances: the mean waiting time 1/a0 is below
// the resolution of t.
func (s *Sim) stalled(j int) error {
	t := &s.p.mod.Transitions[j]
	return diag.Errorf(t.Pos, "E806", "lower the rates, or the time scale of the model, so that the mean waiting time is well above t·1e-16",
		"the simulation cannot advance: at t = %s the total event rate is %s, so the mean waiting time falls below the resolution of t ('%s' has propensity %s at %s)",
		g4(s.t), g4(s.a0), t.Label, g4(s.props[j]), s.StateString())
}

// overflow is E806 for a count beyond 2⁵³ after transition j fired.
func (s *Sim) overflow(j, species int) error {
	t := &s.p.mod.Transitions[j]
	return diag.Errorf(t.Pos, "E806", "counts are exact integers up to 2^53 ≈ 9.0e15; bound the growth or use smaller jumps",
		"'%s' makes %s = %s at t = %s, beyond 2^53: counts are no longer exact integers",
		t.Label, s.p.mod.Species[species].Name, g4(s.in.Counts[species]), g4(s.t))
}

// g4 prints v with 4 significant digits, as the messages of E806 give rates and times.
func g4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// largest returns the transition of largest propensity.
func (s *Sim) largest() int {
	j := 0
	for k, a := range s.props {
		if a > s.props[j] {
			j = k
		}
	}
	return j
}
