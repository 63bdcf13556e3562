package converge

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fit"
)

// CompareSettings controls Compare. A nil *CompareSettings means the defaults.
type CompareSettings struct {
	// MaxStates bounds the exploration of each chain. Default 200000.
	MaxStates int
	// MaxBytes is the memory budget of each exact chain and its solve (ctmc.SolveLimits);
	// 0 means no bound.
	MaxBytes int64
	// Stationary is passed to ctmc.Stationary.
	Stationary *ctmc.Settings
	// SteinMaxStates: the Stein identity is checked on chains with at most this many states
	// (one Poisson evaluation per state). Default 300; negative disables the check.
	SteinMaxStates int
}

// Exact is the exact stationary error of the chain at one scale N.
type Exact struct {
	// N is the scale and States the number of reachable states.
	N      int `json:"n"`
	States int `json:"states"`
	// MSE is E_π‖X − x*‖² (X = counts/N); Scaled = N·MSE; Gap = Scaled − C.
	MSE    float64 `json:"mse"`
	Scaled float64 `json:"scaled"`
	Gap    float64 `json:"gap"`
	// PerSpecies[i] = N·E_π[(X_i − x*_i)²]; Bias[i] = N·(E_π[X_i] − x*_i).
	PerSpecies []float64 `json:"per_species"`
	Bias       []float64 `json:"bias"`
	// RateMean is E_π[Σ_j a_j]/N, the mean total normalised rate.
	RateMean float64 `json:"rate_mean"`
	// InBounds reports Lower ≤ Scaled ≤ Upper (Lower only when the report has one); nil
	// when the report has no bounds (Prediction.Bounded false).
	InBounds *bool `json:"in_bounds,omitempty"`
	// Stein is the identity check E_π‖X − x*‖² = E_π[−Σ_y Q(x,y)(g(y) − g(x) − ∇g(x)·(y − x))]
	// (exact for every N for a perfect model); nil when not run.
	Stein *SteinCheck `json:"stein,omitempty"`
	// Residual is ‖πQ‖₁ of the stationary solve.
	Residual float64 `json:"residual"`
	// Irreducible is false when some states are transient (an absorbing set, e.g. SIS
	// without external infection): the theorem does not apply and Scaled grows like N.
	Irreducible bool `json:"irreducible"`
}

// SteinCheck holds both sides of the Stein identity.
type SteinCheck struct {
	// LHS = E_π‖X − x*‖², RHS the generator side, Diff = LHS − RHS.
	LHS  float64 `json:"lhs"`
	RHS  float64 `json:"rhs"`
	Diff float64 `json:"diff"`
}

// Predicted is the prediction of a report at one scale N.
type Predicted struct {
	N float64 `json:"n"`
	// MSE = C/N and RMS = √(C/N) predict E_π‖X − x*‖² and its root; Upper = Upper/N and
	// Lower = Lower/N bound the MSE at every N (sampled sups); Bias = V/N is the refined
	// mean-field bias E_π[X] − x*.
	MSE   float64   `json:"mse"`
	RMS   float64   `json:"rms"`
	Upper float64   `json:"upper"`
	Lower float64   `json:"lower"`
	Bias  []float64 `json:"bias,omitempty"`
}

// Predict returns the predicted errors at scale n. Cost O(d).
func (rep *Report) Predict(n float64) Predicted {
	pr := rep.Prediction
	p := Predicted{N: n, MSE: pr.C / n, RMS: math.Sqrt(pr.C / n), Upper: pr.Upper / n, Lower: pr.Lower / n}
	for _, v := range pr.Bias {
		p.Bias = append(p.Bias, v/n)
	}
	return p
}

// Comparison is the result of Compare.
type Comparison struct {
	// Points holds one entry per requested N, in order.
	Points []Exact `json:"points"`
	// Slope and Intercept fit log|Gap| = Intercept + Slope·log N by least squares over the
	// points with Gap ≠ 0: the theorem's second-order expansion predicts Slope ≈ −1.
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
}

// Compare solves the exact chain of the model at every scale in ns (load compiles it; its
// initial state must lie on the class of rep.X) and compares N·E_π‖X − x*‖² with the
// prediction of rep.
//
// Cost per N: compilation, ctmc.Explore and ctmc.Stationary (O(S·(tape + J d)) and dense LU
// O(S³) up to 2000 states, BiCGSTAB above), O(S d) for the moments, and for the Stein check
// one first-order Poisson evaluation per state plus O(E) for the sum over the generator. ctx
// is checked before each N and at every step of the Poisson evaluations (not inside
// ctmc.Explore and ctmc.Stationary).
func Compare(ctx context.Context, rep *Report, ns []int, load runtime.Loader, s *CompareSettings) (*Comparison, error) {
	if rep == nil || rep.basis == nil {
		return nil, errors.New("converge: Compare needs a report from Analyze")
	}
	set := CompareSettings{}
	if s != nil {
		set = *s
	}
	if set.MaxStates <= 0 {
		set.MaxStates = 200000
	}
	if set.SteinMaxStates == 0 {
		set.SteinMaxStates = 300
	}
	out := &Comparison{}
	report, finish := runtime.StartProgress(ctx, "exact chains", int64(len(ns)))
	defer finish()
	for i, n := range ns {
		report(int64(i), int64(len(ns)))
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("converge: Compare stopped before N = %d: %w", n, err)
		}
		m, err := load(float64(n))
		if err != nil {
			return out, err
		}
		e, err := rep.exact(ctx, m, n, &set)
		if err != nil {
			return out, err
		}
		out.Points = append(out.Points, *e)
	}
	var lx, ly []float64
	for _, p := range out.Points {
		if p.Gap != 0 {
			lx = append(lx, math.Log(float64(p.N)))
			ly = append(ly, math.Log(math.Abs(p.Gap)))
		}
	}
	if len(lx) >= 2 {
		out.Slope, out.Intercept = fit.Line(lx, ly)
	}
	return out, nil
}

// exact solves the chain at scale n and computes its moments.
func (rep *Report) exact(ctx context.Context, m *runtime.Model, n int, set *CompareSettings) (*Exact, error) {
	d := m.Dim()
	if m.Dim() != len(rep.X) {
		return nil, fmt.Errorf("converge: the model loaded at N = %d has %d species, the report %d", n, m.Dim(), len(rep.X))
	}
	in := m.Inputs()
	if in.Scale != float64(n) {
		return nil, fmt.Errorf("converge: the model loaded at N = %d has scale %g", n, in.Scale)
	}
	for i, c := range in.Counts {
		if c != math.Round(c) || c < 0 {
			return nil, fmt.Errorf("converge: at N = %d the initial count of %s is %g, not a nonnegative integer", n, rep.Species[i], c)
		}
		in.Densities[i] = c / float64(n)
	}
	for _, l := range m.IR.Conservation {
		a, b := 0.0, 0.0
		for i, c := range l {
			a += float64(c) * in.Densities[i]
			b += float64(c) * rep.X[i]
		}
		if math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(b)) {
			return nil, fmt.Errorf("converge: at N = %d the initial state has conserved total %g, but x* has %g: the chain lives on another class (make the initial counts proportional to N)", n, a, b)
		}
	}
	ch, err := ctmc.Explore(ctx, m, in, ctmc.SolveLimits(set.MaxStates, set.MaxBytes))
	if err != nil {
		return nil, fmt.Errorf("converge: exact chain at N = %d: %w", n, err)
	}
	st, err := ctmc.Stationary(ctx, ch, set.Stationary)
	if err != nil {
		return nil, fmt.Errorf("converge: exact chain at N = %d: %w", n, err)
	}
	nf := float64(n)
	e := &Exact{N: n, States: ch.NumStates(), PerSpecies: make([]float64, d), Bias: make([]float64, d),
		Residual: st.Residual, Irreducible: st.Closed == ch.NumStates()}
	for s, p := range st.Pi {
		if p == 0 {
			continue
		}
		for i, c := range ch.Counts(s) {
			dx := float64(c)/nf - rep.X[i]
			e.PerSpecies[i] += p * dx * dx
			e.Bias[i] += p * dx
		}
		e.RateMean += p * -ch.Q.At(s, s) / nf
	}
	for i := range e.PerSpecies {
		e.MSE += e.PerSpecies[i]
		e.PerSpecies[i] *= nf
		e.Bias[i] *= nf
	}
	e.Scaled = nf * e.MSE
	e.Gap = e.Scaled - rep.Prediction.C
	pr := rep.Prediction
	if pr.Bounded {
		in := e.Scaled <= pr.Upper*(1+1e-9) && (!pr.OneSign || e.Scaled >= pr.Lower*(1-1e-9))
		e.InBounds = &in
	}
	if rep.Hypotheses.Perfect && set.SteinMaxStates > 0 && e.States <= set.SteinMaxStates {
		if e.Stein, err = rep.stein(ctx, m, ch, st.Pi, nf); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// stein evaluates both sides of the Stein identity on the chain: one first-order Poisson
// evaluation per state with positive probability or reachable from one, O(E) for the sum.
func (rep *Report) stein(ctx context.Context, m *runtime.Model, ch *ctmc.Chain, pi []float64, n float64) (*SteinCheck, error) {
	ps, err := NewPoisson(m, &rep.in, rep.X, rep.basis, rep.Stability.Abscissa, nil, &rep.settingsPoisson)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	ns := ch.NumStates()
	vals := make([]*PoissonValue, ns)
	x := func(s int) []float64 {
		v := make([]float64, d)
		for i, c := range ch.Counts(s) {
			v[i] = float64(c) / n
		}
		return v
	}
	get := func(s int) (*PoissonValue, error) {
		if vals[s] == nil {
			v, err := ps.Eval(ctx, x(s), LevelGradient, 0)
			if err != nil {
				return nil, err
			}
			if !v.Converged {
				return nil, fmt.Errorf("converge: the ODE from state %s does not reach x*", ch.StateString(s))
			}
			vals[s] = v
		}
		return vals[s], nil
	}
	out := &SteinCheck{}
	q := ch.Q
	for s, p := range pi {
		if p == 0 {
			continue
		}
		gs, err := get(s)
		if err != nil {
			return nil, err
		}
		xs := x(s)
		e2 := 0.0
		for i := range xs {
			dx := xs[i] - rep.X[i]
			e2 += dx * dx
		}
		out.LHS += p * e2
		for k := q.RowPtr[s]; k < q.RowPtr[s+1]; k++ {
			t := int(q.Col[k])
			if t == s {
				continue
			}
			gt, err := get(t)
			if err != nil {
				return nil, err
			}
			xt := x(t)
			step := make([]float64, d)
			for i := range step {
				step[i] = xt[i] - xs[i]
			}
			lin := 0.0
			for c, z := range reduce(rep.basis, step) {
				lin += gs.GradZ[c] * z
			}
			out.RHS -= p * q.Val[k] * (gt.G - gs.G - lin)
		}
	}
	out.Diff = out.LHS - out.RHS
	return out, nil
}
