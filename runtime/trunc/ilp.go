package trunc

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mfcproject/mfc/runtime/lp"
)

func init() { Register("ilp", solveILP) }

// ilpForm selects the coordinates of ilp's LPs.
type ilpForm int

const (
	// formAuto uses re-entry coordinates when Q_r is nonsingular, the direct LP otherwise.
	formAuto ilpForm = iota
	formDirect
	formReentry
)

// ilpSolver optimises linear functionals over one polytope 𝒫_r (seed-003 §3.6), warm
// starting each LP from the previous basis. In re-entry coordinates (the digest's
// [DERIVED] form) the variables are t ∈ ℝ^{B_i} with π = Σ_z t_z π^z: the solutions of the
// N_r balance equations are exactly span{π^z : z ∈ B_i} when Q_r is nonsingular, so
//
//	𝒫_r = { Σ_z t_z π^z :  Σ_z t_z π^z(x) ≥ 0 ∀x ∈ S,  1 − m ≤ Σ_z t_z ≤ 1,  Σ_z t_z π^z(w) ≤ c },
//
// |B_i| variables instead of |S| at the same optima. Every bound is certified on the
// direct LP (exact data: Q_r, w, c) with the Neumaier–Shcherbina safe bound of runtime/lp:
// in re-entry coordinates the direct multipliers are rebuilt from the t-LP's duals μ (rows
// π(x) ≥ 0), μ_m (mass), μ_w (moment): g = f − μ − μ_m·1 − μ_w·w is orthogonal to every π^z,
// so g = Q_r·v with v = Q_r^{-1}g vanishing on B_i up to round-off, and v on N_r are the
// multipliers of the balance rows.
type ilpSolver struct {
	set    *outerSet
	re     *reentryBasis
	direct *lp.Problem
	prob   *lp.Problem
	s      lp.Solver
	// cold re-solves the objectives whose warm start ended badly (coldSolves of them).
	cold       lp.Solver
	coldSolves int
	// fallback solves on the direct LP the objectives whose certificate in re-entry
	// coordinates is loose (fallbacks of them).
	fallback   lp.Solver
	fallbacks  int
	objectives int
	// basis is an orthonormal basis of span{π^z} (re-entry form).
	basis [][]float64
	stats LPStats
}

func newILPSolver(t *Truncation, o *Options, form ilpForm) (*ilpSolver, []string, error) {
	set, err := newOuterSet(t, o)
	if err != nil {
		return nil, nil, err
	}
	s := &ilpSolver{set: set, direct: set.direct()}
	var notes []string
	if form != formDirect {
		re, err := reentryVectors(t)
		if err == nil && t.NumStates()*len(t.In) > maxReentryEntries {
			re, err = nil, fmt.Errorf("trunc: the re-entry LP would have %d × %d dense entries, more than %d", t.NumStates(), len(t.In), maxReentryEntries)
		}
		switch {
		case err == nil:
			s.re = re
		case form == formReentry:
			return nil, nil, err
		default:
			notes = append(notes, "direct LP ("+err.Error()+")")
		}
	}
	s.prob = s.direct
	if s.re != nil {
		s.prob = s.reentryProblem()
		notes = append(notes, fmt.Sprintf("solved in re-entry coordinates (%d variables for %d states); bounds certified on the direct LP", len(s.basis), t.NumStates()))
	}
	s.s = lp.New()
	if err := s.s.Load(s.prob, s.lpOptions(false)); err != nil {
		s.s.Close()
		return nil, nil, err
	}
	return s, notes, nil
}

// maxReentryEntries caps |S|·|B_i|, the size of the orthonormal basis of span{π^z} and of
// the dense LP in re-entry coordinates (50 MB of float64, as the 2 500² of the dense
// factorisation this replaced); larger truncations use the direct LP.
const maxReentryEntries = 2500 * 2500

// lpOptions: in re-entry coordinates the columns are orthonormal, and CLP's own scaling
// on top of the row scaling made it end on bases that are optimal only for its scaled
// model (toggle L = 42); it is turned off there.
func (s *ilpSolver) lpOptions(cold bool) lp.Options {
	return lp.Options{Cold: cold, NoSolverScaling: s.re != nil}
}

func (s *ilpSolver) close() {
	s.s.Close()
	if s.cold != nil {
		s.cold.Close()
	}
	if s.fallback != nil {
		s.fallback.Close()
	}
}

// reentryProblem builds 𝒫_r in re-entry coordinates. The π^z are nearly parallel (they
// all approximate π, and differ by about the tail mass), so the LP in the variables t is
// badly conditioned beyond L ≈ 30 for the toggle switch (CLP then ends on bases that are
// "optimal" for its scaled model only). The variables are therefore the coordinates τ in
// an orthonormal basis φ_1..φ_m of span{π^z} (modified Gram–Schmidt, twice): π = Σ_k τ_k φ_k,
// the same polytope, with |τ_k| = |φ_k·π| ≤ ‖π‖_2 ≤ π(S) ≤ 1, finite bounds implied by the
// rows (given as [−2, 2] to spare round-off). O(|S|·|B_i|²).
func (s *ilpSolver) reentryProblem() *lp.Problem {
	t := s.set.t
	n := t.NumStates()
	s.basis = orthonormalBasis(s.re.vectors())
	m := len(s.basis)
	p := lp.NewProblem(m)
	for k := 0; k < m; k++ {
		p.SetBounds(k, -2, 2)
	}
	cols := make([]int, m)
	vals := make([]float64, m)
	for x := 0; x < n; x++ {
		cols, vals = cols[:0], vals[:0]
		for k, phi := range s.basis {
			if v := phi[x]; v != 0 {
				cols, vals = append(cols, k), append(vals, v)
			}
		}
		p.AddRow(cols, vals, 0, math.Inf(1))
	}
	all, mass := make([]int, m), make([]float64, m)
	for k, phi := range s.basis {
		all[k], mass[k] = k, massOf(phi)
	}
	p.AddRow(all, mass, s.set.massLo, 1)
	if s.set.w != nil {
		pw := make([]float64, m)
		for k, phi := range s.basis {
			pw[k] = dotp(phi, s.set.w)
		}
		p.AddRow(all, pw, math.Inf(-1), s.set.c)
	}
	return p
}

// orthonormalBasis returns an orthonormal basis of the span of the vectors (modified
// Gram–Schmidt with one reorthogonalisation pass), dropping a vector whose component
// orthogonal to the previous ones is below 1e-13 of its norm (numerically dependent).
// O(len(v)²·n).
func orthonormalBasis(v [][]float64) [][]float64 {
	var q [][]float64
	for _, x := range v {
		u := append([]float64(nil), x...)
		n0 := math.Sqrt(dotp(u, u))
		for pass := 0; pass < 2; pass++ {
			for _, b := range q {
				c := dotp(b, u)
				for i := range u {
					u[i] -= c * b[i]
				}
			}
		}
		nu := math.Sqrt(dotp(u, u))
		if !(nu > 1e-13*n0) {
			continue
		}
		for i := range u {
			u[i] /= nu
		}
		q = append(q, u)
	}
	return q
}

func dotp(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// lpBound is one optimised functional: the solver's value and the certified bound
// (Certified false: Bound is the solver's value and Reason says why).
type lpBound struct {
	Value, Bound float64
	Certified    bool
	Reason       string
}

// optimise returns the least (Minimize) or greatest (Maximize) value of Σ_x f(x)π(x) over
// 𝒫_r. O(LP) + O(Σ_l n_l² + nnz) for the certificate in re-entry coordinates.
func (s *ilpSolver) optimise(ctx context.Context, sense lp.Sense, f []float64) (lpBound, error) {
	if err := ctx.Err(); err != nil {
		return lpBound{}, err
	}
	s.objectives++
	if s.re != nil && s.fallbacks >= 8 && 2*s.fallbacks > s.objectives {
		// Most certificates in re-entry coordinates were loose: go on with the direct LP.
		d, err := s.solveDirect(sense, f)
		if err != nil {
			return lpBound{}, err
		}
		if d.Status != lp.Optimal {
			return lpBound{}, lpStatusError(d, s.set)
		}
		b := lpBound{Value: d.Objective, Bound: d.Objective, Certified: d.Certified, Reason: d.Reason}
		if d.Certified {
			b.Bound = d.Bound
		}
		return b, nil
	}
	c := f
	if s.re != nil {
		c = make([]float64, len(s.basis))
		for k, phi := range s.basis {
			c[k] = dotp(phi, f)
		}
	}
	r, err := s.s.Solve(sense, c)
	if err != nil {
		return lpBound{}, err
	}
	s.stats.LPs++
	s.stats.Pivots += r.Iterations
	if r.Status != lp.Optimal || r.Note != "" || s.re != nil && r.DualResidual > dualResidualTol*(1+maxAbs(c)) {
		// A warm start can end on a basis that is optimal only for CLP's scaled model
		// ("unscaled has dual infeasibilities"): the value is then off the optimum,
		// beyond what the certificate repairs. Solve this objective again from scratch.
		if r, err = s.solveCold(sense, c); err != nil {
			return lpBound{}, err
		}
	}
	s.stats.Status = r.Status.String()
	if r.Status != lp.Optimal {
		return lpBound{}, lpStatusError(r, s.set)
	}
	b := lpBound{Value: r.Objective, Bound: r.Objective, Certified: r.Certified, Reason: r.Reason}
	if s.re == nil {
		if r.Certified {
			b.Bound = r.Bound
		}
		return b, nil
	}
	y := s.directMultipliers(f, r.Y)
	bound, ok, reason := lp.SafeBound(s.direct, sense, f, y)
	b.Certified, b.Reason = ok, reason
	if ok {
		b.Bound = bound
	}
	if !ok || math.Abs(bound-r.Objective) > fallbackGap*math.Max(1, math.Abs(r.Objective)) {
		// The multipliers went through Q_r^{-1}, which multiplies the t-LP's dual
		// errors by the expected time in S (large when the tail is small): solve this
		// objective on the direct LP too and keep the tighter certified bound.
		d, err := s.solveDirect(sense, f)
		if err != nil {
			return lpBound{}, err
		}
		if d.Status == lp.Optimal && d.Certified && (!b.Certified || (sense == lp.Minimize) == (d.Bound > b.Bound)) {
			b = lpBound{Value: d.Objective, Bound: d.Bound, Certified: true}
		}
	}
	return b, nil
}

// fallbackGap is the gap between a re-entry-coordinate optimum and its certified bound
// (relative to max(1, |value|)) above which the objective is solved on the direct LP too.
const fallbackGap = 1e-9

// solveDirect solves one objective on the direct LP, warm-started from the previous
// direct solve (loaded on first use).
func (s *ilpSolver) solveDirect(sense lp.Sense, f []float64) (*lp.Result, error) {
	if s.fallback == nil {
		s.fallback = lp.New()
		if err := s.fallback.Load(s.direct, lp.Options{}); err != nil {
			return nil, err
		}
	}
	r, err := s.fallback.Solve(sense, f)
	if err != nil {
		return nil, err
	}
	s.stats.LPs++
	s.stats.Pivots += r.Iterations
	s.fallbacks++
	return r, nil
}

// dualResidualTol is the dual residual (relative to the objective's size) above which a
// warm-started optimum in re-entry coordinates is solved again cold: the certificate
// there goes through Q_r^{-1}, which amplifies dual errors by the expected time in S.
const dualResidualTol = 1e-12

// solveCold solves one objective on a solver that starts every objective from scratch
// (loaded on first use).
func (s *ilpSolver) solveCold(sense lp.Sense, c []float64) (*lp.Result, error) {
	if s.cold == nil {
		s.cold = lp.New()
		if err := s.cold.Load(s.prob, s.lpOptions(true)); err != nil {
			return nil, err
		}
	}
	r, err := s.cold.Solve(sense, c)
	if err != nil {
		return nil, err
	}
	s.stats.LPs++
	s.stats.Pivots += r.Iterations
	s.coldSolves++
	return r, nil
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// directMultipliers maps the duals of the re-entry LP to multipliers of the direct LP's
// rows (see ilpSolver), by one column solve on the level factorisation of −Q_r that gave
// the π^z. O(Σ_l n_l² + nnz).
func (s *ilpSolver) directMultipliers(f, yt []float64) []float64 {
	t := s.set.t
	n := t.NumStates()
	g := make([]float64, n)
	ym := yt[n]
	yw := 0.0
	if s.set.w != nil {
		yw = yt[n+1]
	}
	for x := range g {
		g[x] = f[x] - yt[x] - ym
		if s.set.w != nil {
			g[x] -= yw * s.set.w[x]
		}
	}
	v := s.re.solveCol(g) // (−Q_r)v = g, so Q_r(−v) = g
	y := make([]float64, 0, s.direct.NumRows())
	for _, x := range s.set.interior {
		y = append(y, -v[x])
	}
	y = append(y, ym)
	if s.set.w != nil {
		y = append(y, yw)
	}
	return y
}

// interval bounds Σ f·π over 𝒫_r from both sides; indicator functionals (ind true) are
// clamped to [0, 1], which every point of 𝒫_r satisfies (a lower bound of −1e-19 is
// round-off, seed-003 pitfall 10).
func (s *ilpSolver) interval(ctx context.Context, f []float64, ind bool) (lo, hi lpBound, err error) {
	if lo, err = s.optimise(ctx, lp.Minimize, f); err != nil {
		return
	}
	if hi, err = s.optimise(ctx, lp.Maximize, f); err != nil {
		return
	}
	if ind {
		lo.Value, lo.Bound = math.Max(lo.Value, 0), math.Max(lo.Bound, 0)
		hi.Value, hi.Bound = math.Min(hi.Value, 1), math.Min(hi.Bound, 1)
	}
	return
}

// ilpTargets is the parsed --targets.
type ilpTargets struct {
	states   bool
	species  []int
	measures bool
}

func parseTargets(t *Truncation, o *Options) (ilpTargets, error) {
	var tg ilpTargets
	spec := o.Targets
	if spec == "" {
		spec = "states"
		tg.measures = len(o.Functions) > 0
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "states":
			tg.states = true
		case part == "measures":
			tg.measures = true
		case part == "all":
			tg.states, tg.measures = true, true
			tg.species = tg.species[:0]
			for k := range t.Species {
				tg.species = append(tg.species, k)
			}
		case strings.HasPrefix(part, "marginal:"):
			name := strings.TrimPrefix(part, "marginal:")
			k := -1
			for i, sp := range t.Species {
				if sp == name {
					k = i
				}
			}
			if k < 0 {
				return tg, fmt.Errorf("trunc: --targets %s: no species %q (the species are %s)", part, name, strings.Join(t.Species, ", "))
			}
			tg.species = append(tg.species, k)
		default:
			return tg, fmt.Errorf("trunc: --targets %q: want states, marginal:SPECIES, measures or all", part)
		}
	}
	if tg.measures && len(o.Functions) == 0 {
		return tg, fmt.Errorf("trunc: --targets measures: the model has no measure to bound")
	}
	return tg, nil
}

// solveILP is the ilp scheme (seed-003 §3.6): lower and upper bounds on π over 𝒫_r for
// every target, a uniqueness certificate when some state's lower bound is positive.
func solveILP(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	return runILP(ctx, t, o, formAuto)
}

func runILP(ctx context.Context, t *Truncation, o *Options, form ilpForm) (*Result, error) {
	if err := lp.Available(); err != nil {
		return nil, fmt.Errorf("trunc: the ilp scheme needs an LP solver: %w", err)
	}
	tg, err := parseTargets(t, o)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	s, notes, err := newILPSolver(t, o, form)
	if err != nil {
		return nil, err
	}
	defer s.close()
	set := s.set
	res := newLPResult(t, "ilp", set)
	res.Notes = append(res.Notes, notes...)
	var uncertified []string
	note := func(what string, b lpBound) {
		if !b.Certified {
			uncertified = append(uncertified, what+" ("+b.Reason+")")
		}
	}
	n := t.NumStates()
	f := make([]float64, n)
	if tg.states {
		res.Lower, res.Upper = make([]float64, n), make([]float64, n)
		res.LowerSolver, res.UpperSolver = make([]float64, n), make([]float64, n)
		res.Uniqueness = &Uniqueness{}
		for x := 0; x < n; x++ {
			clear(f)
			f[x] = 1
			lo, hi, err := s.interval(ctx, f, true)
			if err != nil {
				return nil, err
			}
			note("the bounds of "+t.StateString(x), lo)
			note("the upper bound of "+t.StateString(x), hi)
			res.Lower[x], res.Upper[x] = lo.Bound, hi.Bound
			res.LowerSolver[x], res.UpperSolver[x] = lo.Value, hi.Value
			if lo.Certified && lo.Bound > 0 && res.Uniqueness.Witness == nil {
				w := t.StateString(x)
				res.Uniqueness.Certified, res.Uniqueness.Witness = true, &w
			}
		}
		res.Error = BoundErrors(res.Lower, res.Upper, set.tail, set.given)
		if res.Uniqueness.Certified {
			res.Notes = append(res.Notes, fmt.Sprintf("the lower bound of %s is positive: the chain has at most one stationary law satisfying the assumptions", *res.Uniqueness.Witness))
		} else {
			res.Notes = append(res.Notes, "no state has a positive lower bound: uniqueness is not certified (there may be several stationary laws, or the truncation is too small)")
		}
	}
	for _, k := range tg.species {
		if res.Marginals == nil {
			res.Marginals = map[string]*Marginal{}
		}
		values, pos := SpeciesValues(t, k)
		lh, uh := make([]float64, len(values)), make([]float64, len(values))
		for i, v := range values {
			for x := range f {
				f[x] = 0
				if pos[x] == i {
					f[x] = 1
				}
			}
			lo, hi, err := s.interval(ctx, f, true)
			if err != nil {
				return nil, err
			}
			what := fmt.Sprintf("the bound of %s = %d", t.Species[k], v)
			note(what, lo)
			note(what, hi)
			lh[i], uh[i] = lo.Bound, hi.Bound
		}
		res.Marginals[t.Species[k]] = NewMarginal(values, nil, lh, uh, set.tail, set.given)
	}
	if tg.measures {
		res.Measures = map[string]*MeasureBounds{}
		for _, fn := range o.Functions {
			if len(fn.F) != n {
				return nil, fmt.Errorf("trunc: measure %s has %d values for %d states", fn.Name, len(fn.F), n)
			}
			lo, hi, err := s.interval(ctx, fn.F, false)
			if err != nil {
				return nil, err
			}
			note("the bound of "+fn.Name, lo)
			note("the bound of "+fn.Name, hi)
			mb := MeasureFromMeanBounds(lo.Bound, hi.Bound, fn, o.Moment, set.tail)
			mb.Certified = mb.Certified && lo.Certified && hi.Certified
			if fn.KAsserted {
				res.Notes = append(res.Notes, fmt.Sprintf("the bound of %s uses the user-asserted tail ratio K = %g", fn.Name, fn.K))
			}
			res.Measures[fn.Name] = mb
		}
	}
	if s.fallbacks > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d objectives were solved on the direct LP too, their certificate in re-entry coordinates being loose", s.fallbacks))
	}
	if len(uncertified) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d bounds could not be certified and are the solver's values: %s", len(uncertified), strings.Join(firstN(uncertified, 5), "; ")))
	}
	res.Diagnostics = &Diagnostics{Solver: "clp", Scaling: "rows to unit 2-norm", Precision: "double", LP: &s.stats}
	s.stats.Seconds = time.Since(start).Seconds()
	return res, nil
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}
