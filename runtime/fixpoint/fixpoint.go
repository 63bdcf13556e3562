package fixpoint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/ode"
)

// Stability classifies a fixed point by the eigenvalues of its reduced Jacobian
// (linalg.Classify).
type Stability = linalg.Stability

// The stability classes.
const (
	Stable   = linalg.Stable
	Unstable = linalg.Unstable
	Marginal = linalg.Marginal
)

// Settings controls Find. A nil *Settings means DefaultSettings(); zero fields take their
// defaults.
type Settings struct {
	// Starts is the number of Newton starts: the initial state, then Starts-1 deterministic
	// pseudo-random points with the same conserved totals. Default 1.
	Starts int
	// Seed seeds the pseudo-random starts (PCG). Default 1.
	Seed uint64
	// Tol is the convergence tolerance on ‖F(x)‖∞. Default 1e-12.
	Tol float64
	// MaxIter bounds the Newton iterations per start. Default 100.
	MaxIter int
	// Horizon is the final time of the ODE fallback. Default 1e4.
	Horizon float64
	// NoODE disables the ODE fallback.
	NoODE bool
	// Box is the upper bound of the random starts for species covered by no nonnegative
	// conservation law. Default max(1, 2·x0_i).
	Box float64
	// DedupTol: two fixed points closer than this in ∞-norm are the same. Default 1e-8.
	DedupTol float64
	// EigTol is the margin of the stability classification (linalg.Classify), relative to
	// max(1, ‖PᵀJP‖∞). Default linalg.StabilityTol.
	EigTol float64
	// AllowNegative keeps fixed points with a component below -1e-9 (discarded by default,
	// since densities are nonnegative).
	AllowNegative bool
	// Guess, if it has one value per species, is tried before the other starts, projected
	// onto the conservation class of the initial state: the fixed point at a nearby
	// parameter value, for continuation along a sweep. Points are listed in the order of
	// their starts, so the branch through Guess comes first.
	Guess []float64
}

// DefaultSettings returns the default settings (one start from the initial state).
func DefaultSettings() *Settings {
	return &Settings{Starts: 1, Seed: 1, Tol: 1e-12, MaxIter: 100, Horizon: 1e4, DedupTol: 1e-8, EigTol: linalg.StabilityTol}
}

func fill(s *Settings) Settings {
	d := DefaultSettings()
	if s == nil {
		return *d
	}
	o := *s
	if o.Starts <= 0 {
		o.Starts = d.Starts
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	if o.Tol <= 0 {
		o.Tol = d.Tol
	}
	if o.MaxIter <= 0 {
		o.MaxIter = d.MaxIter
	}
	if o.Horizon <= 0 {
		o.Horizon = d.Horizon
	}
	if o.DedupTol <= 0 {
		o.DedupTol = d.DedupTol
	}
	if o.EigTol <= 0 {
		o.EigTol = d.EigTol
	}
	return o
}

// Point is one fixed point.
type Point struct {
	X []float64
	// Residual is ‖F(X)‖∞.
	Residual float64
	// Eigenvalues of the reduced Jacobian PᵀJP, sorted by decreasing real part.
	Eigenvalues []complex128
	Stability   Stability
	// Iterations is the number of Newton iterations of the run that found the point
	// (including the polishing after an ODE fallback); Start is the index of that start
	// (0 = the initial state); ODE reports whether the ODE fallback was used.
	Iterations int
	Start      int
	ODE        bool
	// Degenerate reports a singular root: Newton converged linearly (its steps shrinking by
	// a constant ratio, the mark of a singular reduced Jacobian at the root, as at a
	// transcritical bifurcation where F ∼ x²), and the point was polished by steps of
	// m times the Newton step, m the root's estimated multiplicity, to the root itself
	// instead of the point where ‖F‖ first fell below Tol. Its stability is then usually
	// Marginal: the expansions in 1/N do not apply there.
	Degenerate bool
	// Multiplicity is the estimated multiplicity m of a degenerate root (0 otherwise).
	Multiplicity int
}

// Result lists every distinct fixed point found, in order of discovery.
type Result struct {
	Points []Point
	// Basis is P, an orthonormal basis (d×r) of the null space of the conservation-law
	// matrix; r = d - rank(C).
	Basis *mat.Dense
	// Failed counts starts that converged nowhere; Discarded counts converged points left
	// out for negative components.
	Failed, Discarded int
}

// NoConvergenceError means no start converged. Try more Starts, a longer Horizon, a looser
// Tol, or another initial state.
type NoConvergenceError struct {
	Starts   int
	Best     []float64
	Residual float64
	Cause    error
}

// Error says how many starts failed, the best residual, the last cause and what to try.
func (e *NoConvergenceError) Error() string {
	return fmt.Sprintf("fixpoint: no convergence from %d start(s) (best ‖F‖∞ = %.3g; last cause: %v); try more Starts, a longer Horizon, a looser Tol or another initial state", e.Starts, e.Residual, e.Cause)
}

// Unwrap returns the last cause.
func (e *NoConvergenceError) Unwrap() error { return e.Cause }

// SingularError means the reduced Jacobian PᵀJP is (numerically) singular at X, so Newton
// cannot step: X is near a bifurcation or a continuum of equilibria, or a conservation law
// is missing from the model. Try the ODE fallback, other starts, or other parameters.
type SingularError struct {
	X    []float64
	Cond float64
}

// Error gives the condition estimate and what to try.
func (e *SingularError) Error() string {
	return fmt.Sprintf("fixpoint: singular reduced Jacobian (cond ≈ %.3g); the point may be a bifurcation or a continuum of equilibria: try other starts, the ODE fallback or other parameters", e.Cond)
}

type solver struct {
	ctx context.Context
	m   *runtime.Model
	in  ir.Inputs
	d   int
	b   *linalg.Basis
	p   *mat.Dense
	r   int
	f   []float64
	j   *mat.Dense
	s   Settings
	res float64
	// steps holds the norms of the last full Newton steps (reduced coordinates).
	steps []float64
}

func (sv *solver) eval(x []float64) float64 {
	sv.in.Densities = x
	sv.m.Drift.Eval(sv.f, &sv.in)
	n := 0.0
	for _, v := range sv.f {
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		n = math.Max(n, math.Abs(v))
	}
	return n
}

// newton runs damped Newton in the reduced coordinates x = x0 + P z, so the conserved totals
// never change: the step solves (PᵀJP) Δz = -PᵀF, backtracking on ‖F‖∞.
func (sv *solver) newton(x []float64) (int, error) {
	xt := make([]float64, sv.d)
	g := mat.NewVecDense(sv.r, nil)
	dz := mat.NewVecDense(sv.r, nil)
	dx := mat.NewVecDense(sv.d, nil)
	nrm := sv.eval(x)
	sv.steps = sv.steps[:0]
	// One LU for all iterations (Factorize reuses its storage), of the Jacobian itself when
	// there is no law (no d×d copy per iteration: 8 MB at d = 1000).
	var lu mat.LU
	for it := 0; it <= sv.s.MaxIter; it++ {
		sv.res = nrm
		if nrm <= sv.s.Tol {
			return it, nil
		}
		if it == sv.s.MaxIter || math.IsInf(nrm, 0) {
			break
		}
		sv.in.Densities = x
		if err := sv.m.Drift.Jacobian(sv.j, &sv.in); err != nil {
			return it, err
		}
		var a mat.Matrix = sv.j
		if !sv.b.Identity() {
			a = sv.b.Reduce(sv.j)
		}
		g.MulVec(sv.p.T(), mat.NewVecDense(sv.d, sv.f))
		lu.Factorize(a)
		if c := lu.Cond(); c > 1e14 || math.IsNaN(c) {
			return it, &SingularError{X: append([]float64(nil), x...), Cond: c}
		}
		if err := lu.SolveVecTo(dz, false, g); err != nil {
			return it, &SingularError{X: append([]float64(nil), x...), Cond: math.Inf(1)}
		}
		dx.MulVec(sv.p, dz)
		t := 1.0
		accepted := false
		for k := 0; k < 40; k++ {
			for i := range xt {
				xt[i] = x[i] - t*dx.AtVec(i)
			}
			nt := sv.eval(xt)
			if nt < (1-1e-4*t)*nrm || (nt <= sv.s.Tol) {
				copy(x, xt)
				nrm = nt
				accepted = true
				if t == 1 {
					sv.steps = append(sv.steps, mat.Norm(dz, math.Inf(1)))
				} else {
					sv.steps = sv.steps[:0]
				}
				break
			}
			t /= 2
		}
		if !accepted {
			// Full-step stagnation at the noise floor counts as converged.
			if nrm <= 1e3*sv.s.Tol {
				sv.res = nrm
				return it, nil
			}
			sv.eval(x)
			return it, fmt.Errorf("fixpoint: line search failed at ‖F‖∞ = %.3g", nrm)
		}
	}
	sv.eval(x)
	return sv.s.MaxIter, fmt.Errorf("fixpoint: Newton did not reach ‖F‖∞ ≤ %g in %d iterations (‖F‖∞ = %.3g)", sv.s.Tol, sv.s.MaxIter, sv.res)
}

// multiplicity returns the multiplicity m ≥ 2 of the root Newton converged to when its last
// three full steps shrank by a steady ratio ρ ∈ [0.3, 0.95] (linear convergence: the
// error of Newton at a root of multiplicity m shrinks by (m−1)/m), or 0 (a regular root,
// where the ratio tends to 0).
func (sv *solver) multiplicity() int {
	n := len(sv.steps)
	if n < 4 {
		return 0
	}
	var rho [3]float64
	for k := range rho {
		a, b := sv.steps[n-3+k], sv.steps[n-4+k]
		if !(b > 0) {
			return 0
		}
		rho[k] = a / b
		if rho[k] < 0.3 || rho[k] > 0.95 {
			return 0
		}
	}
	if math.Abs(rho[2]-rho[1]) > 0.1 || math.Abs(rho[1]-rho[0]) > 0.1 {
		return 0
	}
	return max(2, int(math.Round(1/(1-rho[2]))))
}

// polish continues from a root of multiplicity m with the steps x ← x − m·Δx (Δx the
// Newton step), which converge quadratically to a root of that multiplicity, while ‖F‖∞
// decreases and the reduced Jacobian can be factorized.
func (sv *solver) polish(x []float64, m int) int {
	g := mat.NewVecDense(sv.r, nil)
	dz := mat.NewVecDense(sv.r, nil)
	dx := mat.NewVecDense(sv.d, nil)
	xt := make([]float64, sv.d)
	nrm := sv.eval(x)
	it := 0
	for ; it < sv.s.MaxIter && nrm > 0; it++ {
		sv.in.Densities = x
		if err := sv.m.Drift.Jacobian(sv.j, &sv.in); err != nil {
			break
		}
		var lu mat.LU
		lu.Factorize(sv.b.Reduce(sv.j))
		if c := lu.Cond(); !(c < 1e300) {
			break
		}
		g.MulVec(sv.p.T(), mat.NewVecDense(sv.d, sv.f))
		if err := lu.SolveVecTo(dz, false, g); err != nil {
			break
		}
		dx.MulVec(sv.p, dz)
		for i := range xt {
			xt[i] = x[i] - float64(m)*dx.AtVec(i)
		}
		nt := sv.eval(xt)
		if !(nt < nrm) {
			break
		}
		copy(x, xt)
		nrm = nt
	}
	// Round-off below zero at a root on the boundary of the orthant (I = 0 at a
	// transcritical bifurcation) is cleaned to 0.
	scale := 0.0
	for _, v := range x {
		scale = math.Max(scale, math.Abs(v))
	}
	for i, v := range x {
		if v < 0 && v > -1e-14*math.Max(1, scale) {
			x[i] = 0
		}
	}
	sv.res = sv.eval(x)
	return it
}

// integrate runs the mean-field ODE from x to the horizon with the exact Jacobian.
func (sv *solver) integrate(x []float64) error {
	in := sv.in
	prob := ode.Problem{
		Dim: sv.d,
		Func: func(_ float64, y, dy []float64) error {
			in.Densities = y
			sv.m.Drift.Eval(dy, &in)
			return nil
		},
		Jac: func(_ float64, y []float64, dst *mat.Dense) error {
			in.Densities = y
			return sv.m.Drift.Jacobian(dst, &in)
		},
	}
	st := ode.DefaultSettings()
	st.RelTol, st.AbsTol, st.MaxSteps = 1e-10, 1e-12, 200000
	res, err := ode.Solve(sv.ctx, prob, 0, x, []float64{sv.s.Horizon}, st)
	if err != nil {
		return err
	}
	copy(x, res.States[0])
	return nil
}

// Find locates the fixed points F(x) = 0 of the mean-field drift of m at the parameters of
// in, on the affine set of states with the conserved totals of in.Densities.
func Find(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings) (*Result, error) {
	if !m.HasDrift() {
		return nil, errors.New("fixpoint: the model has no mean field (needs a scale and density-dependent rates)")
	}
	if m.HasFastEnvironment() {
		return nil, fmt.Errorf("fixpoint: %w", runtime.ErrFastEnvironment)
	}
	d := m.Dim()
	st := fill(s)
	basis := m.Reduced()
	p := basis.P
	if p == nil {
		return nil, errors.New("fixpoint: the conservation laws fix the state completely")
	}
	_, r := basis.Dims()
	sv := &solver{ctx: ctx, m: m, in: *in, d: d, b: basis, p: p, r: r, f: make([]float64, d), j: mat.NewDense(d, d, nil), s: st}
	x0 := append([]float64(nil), in.Densities...)
	starts := Starts(m.IR.Conservation, x0, st.Starts, st.Seed, st.Box)
	if g := st.Guess; len(g) == d && allFinite(g) {
		// x0 + P Pᵀ (g − x0): the guess moved onto the class of x0.
		diff := make([]float64, d)
		for i := range diff {
			diff[i] = g[i] - x0[i]
		}
		y := make([]float64, r)
		mat.NewVecDense(r, y).MulVec(p.T(), mat.NewVecDense(d, diff))
		proj := make([]float64, d)
		mat.NewVecDense(d, proj).MulVec(p, mat.NewVecDense(r, y))
		for i := range proj {
			proj[i] += x0[i]
		}
		starts = append([][]float64{proj}, starts...)
	}
	res := &Result{Basis: p}
	var lastErr error
	best, bestRes := []float64(nil), math.Inf(1)
	// add records the converged point x unless it leaves the orthant or is a duplicate.
	add := func(x []float64, it, k int, usedODE bool) error {
		mult := sv.multiplicity()
		if mult > 0 {
			it += sv.polish(x, mult)
		}
		if !st.AllowNegative && minOf(x) < -1e-9 {
			res.Discarded++
			return nil
		}
		if dup(res.Points, x, st.DedupTol) {
			return nil
		}
		pt := Point{X: x, Residual: sv.eval(x), Iterations: it, Start: k, ODE: usedODE, Degenerate: mult > 0, Multiplicity: mult}
		sv.in.Densities = x
		if err := m.Drift.Jacobian(sv.j, &sv.in); err != nil {
			return err
		}
		a := basis.Reduce(sv.j)
		ev, err := linalg.Eigenvalues(a)
		if err != nil {
			return err
		}
		pt.Eigenvalues = ev
		pt.Stability = linalg.Classify(ev, a, st.EigTol)
		res.Points = append(res.Points, pt)
		return nil
	}
	for k, start := range starts {
		x := append([]float64(nil), start...)
		it, err := sv.newton(x)
		usedODE := false
		if err != nil && !st.NoODE {
			y := append([]float64(nil), start...)
			if e2 := sv.integrate(y); e2 == nil {
				it2, e3 := sv.newton(y)
				it += it2
				if e3 == nil {
					x, err, usedODE = y, nil, true
				} else {
					err = e3
				}
			} else {
				err = fmt.Errorf("%v; ODE fallback: %w", err, e2)
			}
		}
		if err != nil {
			res.Failed++
			lastErr = err
			if sv.res < bestRes {
				bestRes, best = sv.res, x
			}
			continue
		}
		if err := add(x, it, k, usedODE); err != nil {
			return nil, err
		}
	}
	// The attractor reached from the initial state: when Newton from the starts found no
	// stable point (it may converge to an unstable one, or leave the orthant), integrate the
	// ODE from x0 and polish.
	if !st.NoODE && !hasStable(res.Points) {
		y := append([]float64(nil), x0...)
		if err := sv.integrate(y); err == nil {
			if it, err := sv.newton(y); err == nil {
				if err := add(y, it, 0, true); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(res.Points) == 0 {
		if lastErr == nil {
			lastErr = errors.New("every converged point had a negative component (set AllowNegative to keep them)")
		}
		return res, &NoConvergenceError{Starts: len(starts), Best: best, Residual: bestRes, Cause: lastErr}
	}
	return res, nil
}

func hasStable(pts []Point) bool {
	for _, p := range pts {
		if p.Stability == Stable {
			return true
		}
	}
	return false
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = math.Min(m, v)
	}
	return m
}

func dup(pts []Point, x []float64, tol float64) bool {
	for _, p := range pts {
		same := true
		for i, v := range x {
			if math.Abs(v-p.X[i]) > tol {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// Starts returns n starting points: x0, then n-1 deterministic pseudo-random points with
// C x = C x0 and x ≥ 0. A law with nonnegative coefficients and a support disjoint from the
// other such laws spreads its total b over its support with Dirichlet(1,…,1) weights
// (x_i = b w_i / (c_i Σw)); other species are uniform on [0, box] (box default max(1, 2 x0_i));
// remaining laws are then enforced by the least-squares correction x ← x − C⁺(Cx − Cx0), pulled
// back toward x0 if that leaves the orthant.
func Starts(laws [][]int64, x0 []float64, n int, seed uint64, box float64) [][]float64 {
	d := len(x0)
	out := [][]float64{append([]float64(nil), x0...)}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	owner := make([]int, d)
	for i := range owner {
		owner[i] = -1
	}
	simplex := make([]bool, len(laws))
	for k, l := range laws {
		ok := true
		for i, c := range l {
			if c < 0 || (c > 0 && owner[i] >= 0) {
				ok = false
			}
		}
		if ok {
			simplex[k] = true
			for i, c := range l {
				if c > 0 {
					owner[i] = k
				}
			}
		}
	}
	var cm *mat.Dense
	if len(laws) > 0 {
		cm = mat.NewDense(len(laws), d, nil)
		for k, l := range laws {
			for i, c := range l {
				cm.Set(k, i, float64(c))
			}
		}
	}
	for len(out) < n {
		x := make([]float64, d)
		for i := range x {
			if owner[i] < 0 {
				ub := box
				if ub <= 0 {
					ub = math.Max(1, 2*math.Abs(x0[i]))
				}
				x[i] = ub * rng.Float64()
			}
		}
		for k, l := range laws {
			if !simplex[k] {
				continue
			}
			b, sw := 0.0, 0.0
			w := make([]float64, d)
			for i, c := range l {
				b += float64(c) * x0[i]
				if c > 0 {
					w[i] = rng.ExpFloat64()
					sw += w[i]
				}
			}
			for i, c := range l {
				if c > 0 {
					x[i] = b * w[i] / (float64(c) * sw)
				}
			}
		}
		if cm != nil {
			// Least-squares correction onto C x = C x0 (a no-op when every law is a simplex).
			diff := mat.NewVecDense(len(laws), nil)
			diff.MulVec(cm, mat.NewVecDense(d, x))
			var c0 mat.VecDense
			c0.MulVec(cm, mat.NewVecDense(d, x0))
			diff.SubVec(diff, &c0)
			if mat.Norm(diff, math.Inf(1)) > 1e-14 {
				var corr mat.VecDense
				if err := corr.SolveVec(cm, diff); err == nil {
					for i := range x {
						x[i] -= corr.AtVec(i)
					}
				}
				t := 1.0
				for i := range x {
					if x[i] < 0 && x[i] < x0[i] {
						t = math.Min(t, x0[i]/(x0[i]-x[i]))
					}
				}
				for i := range x {
					x[i] = x0[i] + t*(x[i]-x0[i])
				}
			}
		}
		out = append(out, x)
	}
	return out[:n]
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
