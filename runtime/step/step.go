// Package step holds the semantics of one step of a Markov population model, shared by
// the exploration of the state space (package ctmc) and by simulation (package ssa): which
// transitions may fire at a state, what counts as a zero propensity, and the run-time
// checks E801, E802 and E803 with their messages.
//
// The rules (docs/language.md §6.4 for discrete time):
//
//   - A transition whose 'set' clause has no successor for the current environment state
//     is not allowed there: its propensity is 0 and it is not checked.
//   - Continuous time: a propensity a with |a| ≤ ZeroTol·Σ_j |a_j|, the sum over the finite
//     propensities at the state, is round-off and counts as 0 (e.g. N·(1 − S/N − I/N) at
//     S + I = N, which may evaluate to ±1e-15). Infinite and NaN values stay out of the
//     scale, so that one of them cannot hide the others.
//   - Discrete time: propensities are probabilities of an absolute scale. Every positive
//     value is a genuine step (a Poisson tail of 1e-30 is one); only −ProbTol ≤ a < 0
//     counts as 0.
//   - E802: any other negative value, NaN or ±Inf.
//   - E801: a transition of non-zero propensity whose jump would make a count negative.
//   - E803 (discrete time): probabilities leaving a state that sum to more than 1 + ProbTol;
//     the remainder 1 − Σ_j a_j is the implicit self-loop.
package step

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// ZeroTol is the relative size below which a continuous-time propensity is round-off.
const ZeroTol = 1e-12

// ProbTol is the absolute tolerance of the discrete-time checks: a probability in
// [−ProbTol, 0) counts as 0, and the probabilities leaving a state may sum to 1 + ProbTol.
const ProbTol = 1e-12

// State is a state of the chain as the checks see it and the messages name it.
type State struct {
	Model  *ir.Model
	Counts []float64 // one per species, integers
	Env    int       // index into Model.Env.Space (0 without environment)
	// Time is the time (the step index in discrete time) of the propensities; it is named
	// in messages when Timed is set (simulation, discrete time).
	Time  float64
	Timed bool
}

// Allowed reports whether t may fire in environment state env (its 'set' clause, if any,
// has a successor there).
func Allowed(t *ir.Transition, env int) bool { return t.Update == nil || t.Update[env] >= 0 }

// Scale returns Σ_j |a_j| over the finite a_j: the scale of round-off at the state.
func Scale(props []float64) float64 {
	s := 0.0
	for _, a := range props {
		if a := math.Abs(a); a <= math.MaxFloat64 {
			s += a
		}
	}
	return s
}

// RoundOff reports whether the propensity a counts as 0 at a state whose propensities have
// the given Scale: |a| ≤ ZeroTol·scale in continuous time, −ProbTol ≤ a ≤ 0 in discrete
// time.
func RoundOff(a, scale float64, discrete bool) bool {
	if discrete {
		return a <= 0 && a >= -ProbTol
	}
	return math.Abs(a) <= ZeroTol*scale
}

// Check applies the rules to the propensities of all transitions at st, in place:
// transitions not allowed in st.Env and round-off values become 0; any other negative,
// NaN or infinite value is an E802 diagnostic naming the transition and the state; in
// discrete time a sum above 1 + ProbTol is E803. It returns Σ_j props[j] after the
// changes. O(J).
func Check(props []float64, st *State) (float64, error) {
	mod := st.Model
	disc := mod.Time == ir.Discrete
	for j := range props {
		if !Allowed(&mod.Transitions[j], st.Env) {
			props[j] = 0
		}
	}
	scale := Scale(props)
	sum := 0.0
	for j, a := range props {
		if a == 0 {
			continue
		}
		if RoundOff(a, scale, disc) {
			props[j] = 0
			continue
		}
		if !(a > 0) || a > math.MaxFloat64 {
			return 0, invalid(&mod.Transitions[j], a, st)
		}
		sum += a
	}
	if disc && sum > 1+ProbTol {
		return 0, excess(props, sum, st)
	}
	return sum, nil
}

// invalid is E802.
func invalid(t *ir.Transition, a float64, st *State) error {
	hint := "guard divisions and domain errors with 'when', e.g. when S > 0 @ k / S"
	if st.Model.Time == ir.Discrete {
		hint = "probabilities lie in [0, 1]; guard divisions and domain errors with 'when', e.g. when S > 0 @ p / S"
	}
	return diag.Errorf(t.Pos, "E802", hint, "propensity of '%s' is %s at %s%s", t.Label, FormatNum(a),
		FormatState(st.Model, st.Counts, st.Env, nil), st.when())
}

// excess is E803; it points at the largest probability.
func excess(props []float64, sum float64, st *State) error {
	big := 0
	for j, a := range props {
		if a > props[big] {
			big = j
		}
	}
	t := &st.Model.Transitions[big]
	return diag.Errorf(t.Pos, "E803", "the probabilities leaving a state sum to at most 1; the remainder is the self-loop",
		"probabilities leaving %s sum to %s at t=%s (largest: '%s' with %s)", FormatState(st.Model, st.Counts, st.Env, nil),
		strconv.FormatFloat(sum, 'g', 13, 64), FormatNum(st.Time), t.Label, FormatNum(props[big]))
}

// CheckJump returns an E801 diagnostic if firing t, of propensity a > 0, from st would
// make a count negative, and nil otherwise. O(|jump|).
func CheckJump(t *ir.Transition, a float64, st *State) error {
	for _, jp := range t.Jump {
		if v := st.Counts[jp.Species] + float64(jp.Delta); v < 0 {
			name := st.Model.Species[jp.Species].Name
			return diag.Errorf(t.Pos, "E801", fmt.Sprintf("add a guard, e.g. when %s > %d", name, -jp.Delta-1),
				"'%s' has propensity %s at %s%s and would make %s = %s", t.Label, FormatNum(a),
				FormatState(st.Model, st.Counts, st.Env, t.Jump), st.when(), name, formatCount(v))
		}
	}
	return nil
}

func (st *State) when() string {
	if !st.Timed {
		return ""
	}
	return " (t = " + FormatNum(st.Time) + ")"
}

// FormatState writes counts and environment state env as name=value pairs, e.g.
// "S=3, I=0, L=high". If only is non-nil and the model has more than 10 species, only the
// species of only are shown.
func FormatState[T int32 | float64](m *ir.Model, counts []T, env int, only []ir.Jump) string {
	var parts []string
	if only != nil && len(counts) > 10 {
		for _, j := range only {
			parts = append(parts, m.Species[j.Species].Name+"="+formatCount(float64(counts[j.Species])))
		}
	} else {
		for i, v := range counts {
			parts = append(parts, m.Species[i].Name+"="+formatCount(float64(v)))
		}
	}
	if len(m.Env.Components) > 0 && env >= 0 && env < len(m.Env.Space) {
		for k, comp := range m.Env.Components {
			v := m.Env.Space[env][k]
			s := strconv.Itoa(v)
			if comp.States != nil && v >= 0 && v < len(comp.States) {
				s = comp.States[v]
			}
			parts = append(parts, comp.Name+"="+s)
		}
	}
	return strings.Join(parts, ", ")
}

// FormatNum formats a value for a message: the shortest representation, NaN, +Inf, -Inf.
func FormatNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// formatCount formats a count in full, 1000000 rather than 1e+06.
func formatCount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
