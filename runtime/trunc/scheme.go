package trunc

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// Options are the settings of a scheme (the flags of `mfc truncate`). The zero value
// selects the defaults.
type Options struct {
	// Reentry is the re-entry rule of ta and the augmented chain: "drop", "middle",
	// "nearest", "level0", "uniform" or "state:S1=3,S2=4"; "" means the scheme's default.
	// ReentryMatrix, when set, is a general re-entry law e_r (rows: exit states, columns:
	// states of S, rows summing to 1), from Go only.
	Reentry       string
	ReentryMatrix *linalg.CSR
	// Moment is the assumption `assume LABEL: stationary(w) <= c` used for the tail bound:
	// its label, its function w at every state of S, and c. MomentSublevel is set when S is
	// the sublevel set {w < R} (or {w <= R}), so that the tail bound m_r ≤ c/R is certified
	// given the assumption.
	Moment *Moment
	// TailBound, when positive, is a user-asserted bound on the mass outside S
	// (--tail-bound), used when no certified one exists.
	TailBound float64
	// Lyapunov is a Lyapunov function v at every state of S, with its drift Qv (the
	// observable of --lyapunov and drift(v)); LyapunovName names it.
	Lyapunov     []float64
	LyapunovQv   []float64
	LyapunovName string
	// BetaLo, BetaHi, BetaStep give the β grid of the (4.29) bound in decades (log10);
	// zeros mean 1e-3:1e4:0.05.
	BetaLo, BetaHi, BetaStep float64
	// TailRatio maps a measure name to a user-asserted K with |f| ≤ K·w outside S.
	TailRatio map[string]float64
	// Targets is "states", "marginal:SPECIES", "measures" or "all" (ilp).
	Targets string
	// Classes asks lp for every candidate ergodic distribution (4.54).
	Classes bool
	// LDQBDSolve is "norm" (drop one equation and normalise, the default) or "lsq".
	LDQBDSolve string
	// Precision is "double" (default) or "dd" (double-double, for BDP recursions and
	// small dense systems).
	Precision string
	// Functions are the measures to bound: name and the value of f at every state of S,
	// with what is known about f outside S.
	Functions []Function
}

// Moment is an assumption π(w) ≤ C of every stationary law.
type Moment struct {
	Label string
	W     []float64 // w at every state of S
	C     float64
	// R is the level of the sublevel truncation S = {w < R}, 0 when S is not one.
	R float64
}

// Function is a function f whose stationary mean π(f) a scheme bounds.
type Function struct {
	Name string
	F    []float64 // f at every state of S
	// Sign outside S: +1 when f ≥ 0 outside S, −1 when f ≤ 0, 0 when unknown.
	SignOutside int
	// K, when positive, is a constant with |f| ≤ K·w outside S (w of Options.Moment);
	// KAsserted reports that the user asserted it (--tail-ratio).
	K         float64
	KAsserted bool
}

// Scheme computes an approximation of, or bounds on, the stationary law from a
// truncation.
type Scheme func(ctx context.Context, t *Truncation, o *Options) (*Result, error)

var schemes = map[string]Scheme{}

// Register adds a scheme under its --scheme name; it panics on a duplicate (a programming
// error, at init time).
func Register(name string, s Scheme) {
	if _, dup := schemes[name]; dup {
		panic("trunc: scheme " + name + " registered twice")
	}
	schemes[name] = s
}

// SchemeNames returns the registered schemes, sorted.
func SchemeNames() []string {
	names := make([]string, 0, len(schemes))
	for n := range schemes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Run runs the scheme called name on t.
func Run(ctx context.Context, name string, t *Truncation, o *Options) (*Result, error) {
	s, ok := schemes[name]
	if !ok {
		return nil, fmt.Errorf("trunc: no scheme %q (the schemes are %s)", name, strings.Join(SchemeNames(), ", "))
	}
	if o == nil {
		o = &Options{}
	}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return s(ctx, t, o)
}
