package converge

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/fixpoint"
)

// sample runs the global part of the analysis: ODE runs with the Poisson solution from the
// sample points (GAS evidence and the sampled sups of ℓᵀ∇²gℓ), the quadratic Lyapunov test
// and the rates on the Lyapunov samples, the 1-D sign test, and the bounds.
//
// Cost: (1 + Samples + vertices) Poisson evaluations (see Poisson.Eval), plus LyapunovSamples
// drift and rates evaluations, plus O(J) per sample for the bounds.
func (rep *Report) sample(ctx context.Context, m *runtime.Model, set *Settings) error {
	st := &rep.Stability
	ps, err := rep.NewPoisson(m, &set.Poisson)
	if err != nil {
		return err
	}
	lv := LevelHessian
	switch {
	case ps.Unknowns(LevelHessian) <= set.MaxUnknowns:
	case ps.Unknowns(LevelGradient) <= set.MaxUnknowns:
		lv = LevelGradient
	default:
		lv = LevelValue
	}
	pr := &rep.Prediction
	if lv < LevelHessian {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the second-order sensitivity system would have %d unknowns (> Settings.MaxUnknowns = %d): the Poisson self-test and the bounds for every N are skipped", ps.Unknowns(LevelHessian), set.MaxUnknowns))
	} else {
		// Self-test at x*: ℓᵀ∇²g(x*)ℓ from the sensitivity ODE against −2 zᵀΠz.
		at, err := ps.Eval(ctx, rep.X, LevelHessian, 0)
		if err != nil {
			return err
		}
		big := 0.0
		for _, t := range pr.Terms {
			big = math.Max(big, math.Abs(t.Second))
		}
		for j, t := range pr.Terms {
			diff := math.Abs(at.Second[rep.dirOf[j]] - t.Second)
			pr.HessianCheck = math.Max(pr.HessianCheck, diff/math.Max(big, 1e-300))
		}
		pr.Bounded = true
	}
	laws := m.IR.Conservation
	verts := vertices(laws, rep.in.Densities, set.MaxVertices)
	pts := append(fixpoint.Starts(laws, rep.in.Densities, 1+set.Samples, set.Seed, 0), verts...)
	st.Alpha = set.AlphaFraction * -st.Abscissa
	nd := len(rep.Directions)
	sup, inf := make([]float64, nd), make([]float64, nd)
	for k := range inf {
		inf[k] = math.Inf(1)
	}
	pr.OneSign = lv == LevelHessian
	report, finish := runtime.StartProgress(ctx, "Poisson equation from the sample points", int64(len(pts)))
	defer finish()
	for i, x := range pts {
		v, err := ps.Eval(ctx, x, lv, st.Alpha)
		report(int64(i+1), int64(len(pts)))
		if err != nil {
			return err
		}
		st.Starts++
		if !v.Converged {
			st.NotConverged = append(st.NotConverged, v.End)
			continue
		}
		rep.Samples = append(rep.Samples, *v)
		st.Converged++
		st.MaxTConv = math.Max(st.MaxTConv, v.TConv)
		st.Kappa = math.Max(st.Kappa, v.Kappa)
		pr.MaxGrad = math.Max(pr.MaxGrad, v.GradNorm)
		for k, h := range v.Second {
			sup[k] = math.Max(sup[k], math.Abs(h))
			inf[k] = math.Min(inf[k], math.Abs(h))
			if !(h < 0) {
				pr.OneSign = false
			}
		}
	}
	if st.Converged == 0 {
		return fmt.Errorf("converge: no ODE run from the %d sample points reached x* = %s: the equilibrium is not globally attracting", st.Starts, fmtVec(rep.X))
	}
	if err := rep.lyapunov(ctx, m, append(pts, fixpoint.Starts(laws, rep.in.Densities, set.LyapunovSamples, set.Seed+1, 0)...), sup, inf); err != nil {
		return err
	}
	if st.Converged < st.Starts {
		// Some trajectories never reach x*: g is not defined there, and the theorem fails.
		pr.Bounded, pr.Upper, pr.Lower, pr.OneSign, pr.Corollary1 = false, 0, 0, false, 0
	}
	rep.signTest(m)
	rep.summarise()
	return rep.constants(ctx, m, pts)
}

// constants fills Report.Constants. Cost per point: one Hessian (C(C+1)/2 second-order
// sweeps for C colours) and, for d ≤ 30, d symmetric eigenvalue problems O(d³).
func (rep *Report) constants(ctx context.Context, m *runtime.Model, pts [][]float64) error {
	c := &rep.Constants
	st := rep.Stability
	c.Cl, c.Cu, c.Cp, c.Cd = st.PiMin, st.PiMax, 2*st.PiMax, st.LyapunovCd
	d := m.Dim()
	hs := make([]*mat.SymDense, d)
	for i := range hs {
		hs[i] = &mat.SymDense{}
	}
	var es mat.EigenSym
	for _, x := range pts {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("converge: %w", err)
		}
		if err := m.Drift.Hessian(hs, withX(&rep.in, x)); err != nil {
			return err
		}
		fro, spec := 0.0, 0.0
		for _, h := range hs {
			f := mat.Norm(h, 2)
			fro += f * f
			if d <= 30 {
				if !es.Factorize(h, false) {
					return errors.New("converge: eigenvalues of a drift Hessian did not converge")
				}
				v := es.Values(nil)
				n := math.Max(math.Abs(v[0]), math.Abs(v[len(v)-1]))
				spec += n * n
			}
		}
		c.L = math.Max(c.L, math.Sqrt(fro))
		if d <= 30 {
			c.Mu = math.Max(c.Mu, math.Sqrt(spec))
		}
	}
	if d > 30 {
		c.Mu = c.L
	}
	return nil
}

// lyapunov tests V̇ < 0 for V = zᵀΠz and evaluates the rates (sampled sup/inf of Σβ, of each
// β_j, and the bounds). Cost O(samples · (drift + rates + J + r²)). ctx is checked every 64
// samples.
func (rep *Report) lyapunov(ctx context.Context, m *runtime.Model, pts [][]float64, sup, inf []float64) error {
	st, pr, h := &rep.Stability, &rep.Prediction, &rep.Hypotheses
	d, r := m.Dim(), rep.R
	f := make([]float64, d)
	f1 := make([]float64, d)
	rates := make([]float64, m.Rates.Len())
	h.InfRate = math.Inf(1)
	lo := math.Inf(1)
	sup1 := 0.0
	st.LyapunovCd = math.Inf(1)
	for k, x := range pts {
		if k%64 == 0 && ctx.Err() != nil {
			return fmt.Errorf("converge: %w", ctx.Err())
		}
		in := withX(&rep.in, x)
		m.Drift.Eval(f, in)
		m.Rates.Eval(rates, in)
		// V̇ = 2 zᵀ Π Pᵀ F(x), z = Pᵀ(x − x*).
		e := make([]float64, d)
		for i := range e {
			e[i] = x[i] - rep.X[i]
		}
		if e2 := norm(e); e2 > 1e-9 {
			z, fz := reduce(rep.basis, e), reduce(rep.basis, f)
			vdot := 0.0
			for a := 0; a < r; a++ {
				for b := 0; b < r; b++ {
					vdot += 2 * z[a] * st.Pi[a][b] * fz[b]
				}
			}
			st.LyapunovSamples++
			if vdot < 0 {
				st.LyapunovNegative++
			}
			st.LyapunovCd = math.Min(st.LyapunovCd, -vdot/(e2*e2))
		}
		tot, up, down := 0.0, 0.0, 0.0
		for j, b := range rates {
			tot += b
			k := rep.dirOf[j]
			up += b * sup[k]
			down += b * inf[k]
			pr.Terms[j].SupRate = math.Max(pr.Terms[j].SupRate, b)
		}
		h.SupRate = math.Max(h.SupRate, tot)
		h.InfRate = math.Min(h.InfRate, tot)
		pr.Upper = math.Max(pr.Upper, up/2)
		lo = math.Min(lo, down/2)
		if !h.Perfect {
			m.Drift1.Eval(f1, in)
			sup1 = math.Max(sup1, norm(f1))
		}
	}
	for j := range pr.Terms {
		k := rep.dirOf[j]
		pr.Terms[j].SupSecond, pr.Terms[j].InfSecond = sup[k], finite(inf[k])
	}
	// Keep the report JSON-encodable when a set of samples was empty.
	st.LyapunovCd, h.InfRate = finite(st.LyapunovCd), finite(h.InfRate)
	if pr.OneSign {
		pr.Lower = lo
	}
	if !h.Perfect {
		pr.Corollary1 = pr.MaxGrad * sup1
		pr.Upper += pr.Corollary1
		pr.Lower, pr.OneSign = 0, false
	}
	return nil
}

// signTest checks, for a one-dimensional class x* + t p, that t·pᵀF(x* + tp) < 0 on a grid
// of 2000 points of the segment where x ≥ 0 (capped at |t| ≤ 10 max(1, ‖x*‖)). Cost 2000
// drift evaluations.
func (rep *Report) signTest(m *runtime.Model) {
	if rep.R != 1 {
		return
	}
	d := m.Dim()
	p := make([]float64, d)
	for i := range p {
		p[i] = rep.basis.At(i, 0)
	}
	lim := 10 * math.Max(1, norm(rep.X))
	tmin, tmax := -lim, lim
	for i, pi := range p {
		switch {
		case pi > 1e-14:
			tmin = math.Max(tmin, -rep.X[i]/pi)
		case pi < -1e-14:
			tmax = math.Min(tmax, -rep.X[i]/pi)
		}
	}
	const n = 1000
	f := make([]float64, d)
	x := make([]float64, d)
	ok := true
	for k := 0; k <= 2*n; k++ {
		var t float64
		switch {
		case k < n:
			t = tmin * float64(n-k) / n
		case k == n:
			continue
		default:
			t = tmax * float64(k-n) / n
		}
		if t == 0 {
			continue
		}
		for i := range x {
			x[i] = rep.X[i] + t*p[i]
		}
		m.Drift.Eval(f, withX(&rep.in, x))
		s := 0.0
		for i := range f {
			s += p[i] * f[i]
		}
		rep.Stability.SignTestPoints++
		if !(t*s < 0) {
			ok = false
		}
	}
	rep.Stability.SignTest = ok
}

// summarise writes the global-stability verdict.
func (rep *Report) summarise() {
	st := &rep.Stability
	var s string
	switch {
	case st.Converged < st.Starts:
		s = fmt.Sprintf("NOT globally stable: %d of %d ODE runs did not reach x*", st.Starts-st.Converged, st.Starts)
		rep.Warnings = append(rep.Warnings, s)
	default:
		s = fmt.Sprintf("numerical evidence: all %d ODE runs reached x* (max time to 1e-6: %.3g)", st.Starts, st.MaxTConv)
	}
	if st.LyapunovNegative == st.LyapunovSamples && st.LyapunovSamples > 0 {
		s += fmt.Sprintf("; quadratic Lyapunov function zᵀΠz decreases on all %d samples (c_d ≥ %.4g sampled)", st.LyapunovSamples, st.LyapunovCd)
	} else if st.LyapunovSamples > 0 {
		s += fmt.Sprintf("; zᵀΠz decreases on %d of %d samples only (not a global certificate)", st.LyapunovNegative, st.LyapunovSamples)
	}
	if st.SignTestPoints > 0 {
		if st.SignTest {
			s += fmt.Sprintf("; 1-D sign test passed on %d grid points", st.SignTestPoints)
		} else {
			s += "; 1-D sign test FAILED (another equilibrium or a wrong-signed drift in the class)"
		}
	}
	st.Global = s
}

// vertices returns the vertices of the product of simplices {x ≥ 0 : c·x = c·x0} of the
// laws with nonnegative coefficients and disjoint supports, when these laws cover every
// species and there are at most max vertices; nil otherwise. Cost O(vertices · d).
func vertices(laws [][]int64, x0 []float64, max int) [][]float64 {
	d := len(x0)
	owner := make([]int, d)
	for i := range owner {
		owner[i] = -1
	}
	var simp []int
	for k, l := range laws {
		ok := true
		for i, c := range l {
			if c < 0 || (c > 0 && owner[i] >= 0) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		simp = append(simp, k)
		for i, c := range l {
			if c > 0 {
				owner[i] = k
			}
		}
	}
	if len(simp) != len(laws) {
		return nil
	}
	for _, o := range owner {
		if o < 0 {
			return nil
		}
	}
	out := [][]float64{make([]float64, d)}
	for _, k := range simp {
		l := laws[k]
		b := 0.0
		for i, c := range l {
			b += float64(c) * x0[i]
		}
		var next [][]float64
		for _, v := range out {
			for i, c := range l {
				if c > 0 {
					w := append([]float64(nil), v...)
					w[i] = b / float64(c)
					next = append(next, w)
				}
			}
		}
		if len(next) > max {
			return nil
		}
		out = next
	}
	return out
}

func finite(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return 0
	}
	return x
}
