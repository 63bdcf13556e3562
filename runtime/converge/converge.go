package converge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
)

// Settings controls Analyze. A nil *Settings means the defaults; zero fields take theirs.
type Settings struct {
	// Fixpoint is passed to fixpoint.Find. Default: 24 starts, so that several equilibria
	// have a chance to show up.
	Fixpoint *fixpoint.Settings
	// Samples is the number of pseudo-random points of the compatibility class (besides
	// the initial state and the vertices of the simplex laws) from which the ODE is run
	// and at which ℓᵀ∇²gℓ is evaluated. Default 24.
	Samples int
	// LyapunovSamples is the number of pseudo-random points at which the derivative of the
	// quadratic Lyapunov function and the rates are evaluated. Default 2000.
	LyapunovSamples int
	// Seed seeds the pseudo-random points. Default 7.
	Seed uint64
	// MaxVertices bounds the number of simplex vertices added to the samples. Default 64.
	MaxVertices int
	// Poisson controls the integration of g.
	Poisson PoissonSettings
	// EigTol is the margin of the stability decision (linalg.Classify), relative to
	// max(1, ‖J_r‖∞), below which the spectral abscissa counts as zero (not exponentially
	// stable). It is passed to fixpoint.Find as Fixpoint.EigTol unless that is set, so that
	// the equilibria are classified once. Default 1e-6, wider than linalg.StabilityTol: the
	// 1/N constant needs a decay rate bounded away from 0, and Newton stops short of a
	// degenerate root, reporting a cloud of nearby points with tiny negative abscissae.
	// Lower it for a model whose rates are all much smaller than 1 in its time unit.
	EigTol float64
	// MaxUnknowns bounds the size of the sensitivity ODE system integrated from each
	// sample (Poisson.Unknowns): above it the second derivatives (and then the gradient)
	// are dropped and the bounds skipped, with a warning. Default 4000.
	MaxUnknowns int
	// AlphaFraction sets the decay rate of the κ estimate, α = AlphaFraction·|abscissa|,
	// in (0, 1]. Default 0.9.
	AlphaFraction float64
}

func (s *Settings) fill() Settings {
	var o Settings
	if s != nil {
		o = *s
	}
	if o.Fixpoint == nil {
		o.Fixpoint = &fixpoint.Settings{Starts: 24}
	}
	if o.Samples <= 0 {
		o.Samples = 24
	}
	if o.LyapunovSamples <= 0 {
		o.LyapunovSamples = 2000
	}
	if o.Seed == 0 {
		o.Seed = 7
	}
	if o.MaxVertices <= 0 {
		o.MaxVertices = 64
	}
	if o.EigTol <= 0 {
		o.EigTol = 1e-6
	}
	if o.Fixpoint.EigTol <= 0 {
		fp := *o.Fixpoint
		fp.EigTol = o.EigTol
		o.Fixpoint = &fp
	}
	if o.MaxUnknowns <= 0 {
		o.MaxUnknowns = 4000
	}
	if o.AlphaFraction <= 0 || o.AlphaFraction > 1 {
		o.AlphaFraction = 0.9
	}
	return o
}

// Complex is a JSON-friendly complex number.
type Complex struct {
	// Re and Im are the real and imaginary parts.
	Re float64 `json:"re"`
	Im float64 `json:"im"`
}

// Equilibrium summarises one fixed point found by fixpoint.Find.
type Equilibrium struct {
	// X is the fixed point, Eigenvalues those of its reduced Jacobian (by decreasing real
	// part) and Stability "stable", "unstable" or "marginal" (abscissa within
	// Settings.EigTol of 0).
	X           []float64 `json:"x"`
	Eigenvalues []Complex `json:"eigenvalues"`
	Stability   string    `json:"stability"`
}

// Hypotheses is the checklist of the theorem's hypotheses that can be read off the model.
type Hypotheses struct {
	// Perfect: no rate depends on N (β₁ = β₂ = 0 for every transition). If false the
	// corollary for asymptotically accurate drifts applies instead of the theorem.
	Perfect bool `json:"perfect"`
	// Smooth: every β₀ is C^∞ in the densities (no min, max, abs, indicator …).
	Smooth bool `json:"smooth"`
	// CTilde is max_ℓ ‖ℓ‖₂, the jump bound in units of 1/N.
	CTilde float64 `json:"c_tilde"`
	// SupRate and InfRate are the sampled sup and inf of the total normalised rate Σ_ℓ β_ℓ(x)
	// over the samples of the compatibility class.
	SupRate float64 `json:"sup_rate"`
	InfRate float64 `json:"inf_rate"`
	// UniqueEquilibrium: fixpoint.Find found exactly one (nonnegative) fixed point.
	UniqueEquilibrium bool `json:"unique_equilibrium"`
}

// Stability is the local and global stability evidence at x*.
type Stability struct {
	// Eigenvalues of the reduced Jacobian J_r = PᵀJ(x*)P, by decreasing real part.
	Eigenvalues []Complex `json:"eigenvalues"`
	// Abscissa is max Re λ(J_r); LES is Abscissa < 0 beyond the tolerance.
	Abscissa float64 `json:"abscissa"`
	// Removed is the number of zero eigenvalues of the full Jacobian excluded because of
	// the conservation laws (d − r).
	Removed int `json:"removed_zero_eigenvalues"`
	// Pi solves J_rᵀ Π + Π J_r = −I (reduced coordinates, r×r, row-major rows);
	// PiMin, PiMax are its extreme eigenvalues and PiCond their ratio.
	Pi     [][]float64 `json:"pi"`
	PiMin  float64     `json:"pi_min"`
	PiMax  float64     `json:"pi_max"`
	PiCond float64     `json:"pi_cond"`
	// LinearDecay is 1/(2 λ_max(Π)), the guaranteed decay rate of ‖δx‖ for the linearisation.
	LinearDecay float64 `json:"linear_decay"`
	// Starts is the number of ODE runs (initial state, simplex vertices, random points);
	// Converged of them reached x*. MaxTConv is the longest time to get within 1e-6 of x*
	// (relative to max(1, ‖x(0) − x*‖)); Kappa the largest κ estimate for the decay rate
	// Alpha = Settings.AlphaFraction·|Abscissa|. NotConverged lists the end points of the runs that did not.
	Starts       int         `json:"starts"`
	Converged    int         `json:"converged"`
	MaxTConv     float64     `json:"max_t_conv"`
	Alpha        float64     `json:"alpha"`
	Kappa        float64     `json:"kappa"`
	NotConverged [][]float64 `json:"not_converged,omitempty"`
	// Quadratic Lyapunov function V(x) = zᵀΠz, z = Pᵀ(x − x*): LyapunovSamples points were
	// tested, LyapunovNegative of them have V̇ = 2zᵀΠPᵀF(x) < 0; LyapunovCd is the sampled
	// inf of −V̇/‖x − x*‖² (the constant c_d; positive when V̇ < 0 on every sample).
	LyapunovSamples  int     `json:"lyapunov_samples"`
	LyapunovNegative int     `json:"lyapunov_negative"`
	LyapunovCd       float64 `json:"lyapunov_cd"`
	// SignTest (r = 1 only): the reduced drift has the sign of −(z) on a grid of
	// SignTestPoints points of the segment forming the compatibility class.
	SignTestPoints int  `json:"sign_test_points,omitempty"`
	SignTest       bool `json:"sign_test,omitempty"`
	// Global summarises the evidence in words.
	Global string `json:"global"`
}

// Term is the contribution of one transition to the asymptotic constant:
// C_j = −½ β_j(x*) ℓ_jᵀ∇²g(x*)ℓ_j = β_j(x*) (Pᵀℓ_j)ᵀΠ(Pᵀℓ_j).
type Term struct {
	// Label and Jump identify the transition (Jump is ℓ_j).
	Label string    `json:"label"`
	Jump  []float64 `json:"jump"`
	// Direction is the index of ±ℓ_j in Report.Directions.
	Direction int `json:"direction"`
	// Rate is β_j(x*), Second is ℓ_jᵀ∇²g(x*)ℓ_j = −2(Pᵀℓ_j)ᵀΠ(Pᵀℓ_j), Value is C_j.
	Rate   float64 `json:"rate"`
	Second float64 `json:"second"`
	Value  float64 `json:"value"`
	// SupRate is the sampled sup of β_j over the compatibility class, SupSecond and
	// InfSecond the sampled sup and inf of |ℓ_jᵀ∇²g ℓ_j| over the sample points.
	SupRate   float64 `json:"sup_rate"`
	SupSecond float64 `json:"sup_second"`
	InfSecond float64 `json:"inf_second"`
}

// Prediction is the constant of the 1/N rate and the bounds around it.
type Prediction struct {
	// C is lim N·E_π‖X − x*‖² = tr W (W the stationary LNA covariance).
	C float64 `json:"c"`
	// CStein is Σ_j C_j = tr(Π D_r); it equals C up to round-off (a consistency check).
	CStein float64 `json:"c_stein"`
	// PerSpecies[i] = W_ii = lim N·E_π[(X_i − x*_i)²].
	PerSpecies []float64 `json:"per_species"`
	// Terms is the per-transition breakdown of CStein.
	Terms []Term `json:"terms"`
	// Bounded reports whether the second derivatives were sampled (see
	// Settings.MaxUnknowns); Upper, Lower and HessianCheck are 0 otherwise.
	Bounded bool `json:"bounded"`
	// Upper = ½ sup_x Σ_j β_j(x) sup_ξ|ℓ_jᵀ∇²g(ξ)ℓ_j| bounds N·E_π‖X − x*‖² for every N
	// (perfect models; sampled sups, so not a certified bound). For an imperfect model
	// Corollary1 = max‖∇g‖·sup‖PᵀF₁‖ is the leading extra term and is included in Upper.
	Upper      float64 `json:"upper"`
	Corollary1 float64 `json:"corollary1,omitempty"`
	// Lower = ½ inf_x Σ_j β_j(x) inf_ξ|ℓ_jᵀ∇²gℓ_j| is a lower bound for every N when every
	// sampled ℓ_jᵀ∇²gℓ_j is negative (OneSign); 0 otherwise.
	Lower   float64 `json:"lower"`
	OneSign bool    `json:"one_sign"`
	// MaxGrad is the sampled max of ‖∇g‖ on the tangent space.
	MaxGrad float64 `json:"max_grad"`
	// HessianCheck is max_j |ℓ_jᵀ∇²g(x*)ℓ_j (sensitivity ODE) − (−2(Pᵀℓ_j)ᵀΠPᵀℓ_j)|,
	// relative to the largest term: a self-test of the g computation.
	HessianCheck float64 `json:"hessian_check"`
	// Bias is the refined-mean-field 1/N term V: E_π[X] = x* + V/N + O(1/N²) (a different
	// quantity from the mean-square error); nil if refine failed.
	Bias []float64 `json:"bias,omitempty"`
}

// Constants are the constants of the paper's perturbation argument that can be computed
// (seed digest 001 §2.8), all sampled on the points of the Poisson runs.
type Constants struct {
	// L = sup_ξ √(Σ_l ‖∇²F_l(ξ)‖_F²) bounds the Lipschitz constant of the Jacobian
	// (Assumption 1); Mu = sup_ξ √(Σ_l ‖∇²F_l(ξ)‖₂²) gives A(t) ≤ μ‖x⁽¹⁾(t)‖² (equal to
	// L when d > 30, where the spectral norms are replaced by Frobenius norms).
	L  float64 `json:"l"`
	Mu float64 `json:"mu"`
	// Cl, Cu, Cp, Cd are the constants of the quadratic Lyapunov function V = zᵀΠz:
	// c_l = λ_min(Π), c_u = λ_max(Π), c_p = 2λ_max(Π), c_d = Stability.LyapunovCd.
	Cl float64 `json:"c_l"`
	Cu float64 `json:"c_u"`
	Cp float64 `json:"c_p"`
	Cd float64 `json:"c_d"`
}

// Report is the result of Analyze.
type Report struct {
	// Model and Species name the model and its coordinates.
	Model   string   `json:"model"`
	Species []string `json:"species"`
	// X is the equilibrium x*; Equilibria lists every fixed point found.
	X          []float64     `json:"x"`
	Equilibria []Equilibrium `json:"equilibria"`
	// Conservation is the integer law matrix; R = d − rank is the reduced dimension.
	Conservation [][]int64 `json:"conservation,omitempty"`
	R            int       `json:"r"`
	// Hypotheses, Stability and Prediction are the three parts of the analysis.
	Hypotheses Hypotheses `json:"hypotheses"`
	Stability  Stability  `json:"stability"`
	Prediction Prediction `json:"prediction"`
	// Constants of the paper's Section IV, for reference (the bounds above do not need
	// them).
	Constants Constants `json:"constants"`
	// Samples holds g and its derivatives at the sample points.
	Samples []PoissonValue `json:"samples"`
	// Warnings lists hypotheses that fail or hold only numerically.
	Warnings []string `json:"warnings,omitempty"`

	// Directions are the distinct jump directions ℓ (up to sign); PoissonValue.Second[k]
	// is ℓᵀ∇²gℓ for Directions[k], and Term.Direction points here.
	Directions [][]float64 `json:"directions"`

	basis *mat.Dense
	in    ir.Inputs
	dirOf []int
	wr    *mat.SymDense
	// settingsPoisson is kept for Compare's Stein check.
	settingsPoisson PoissonSettings
}

// NoStableError means no fixed point is locally exponentially stable.
type NoStableError struct {
	// Equilibria lists every fixed point found.
	Equilibria []Equilibrium
}

// Error implements the error interface.
func (e *NoStableError) Error() string {
	return fmt.Sprintf("converge: none of the %d fixed point(s) found is stable (%s); the 1/N rate needs a unique, exponentially stable equilibrium: try more fixpoint starts or other parameters", len(e.Equilibria), listEq(e.Equilibria))
}

// SeveralStableError means fixpoint.Find found more than one stable fixed point, so the
// mean field is not globally stable and N·E‖X − x*‖² does not stay bounded in general
// (the stationary law is multimodal).
type SeveralStableError struct {
	// Equilibria lists every fixed point found.
	Equilibria []Equilibrium
}

// Error implements the error interface.
func (e *SeveralStableError) Error() string {
	return fmt.Sprintf("converge: several stable fixed points (%s): the mean field is not globally stable and the stationary law is multimodal, so no O(1/N) rate holds; change the parameters or the conserved totals until one remains", listEq(e.Equilibria))
}

// NotExponentialError means the stable candidate has a spectral abscissa within the
// tolerance of 0: it is at best stable but not exponentially, and the constant C ~
// 1/|abscissa| diverges.
type NotExponentialError struct {
	// X is the equilibrium and Abscissa the largest real part of its reduced spectrum.
	X        []float64
	Abscissa float64
}

// Error implements the error interface.
func (e *NotExponentialError) Error() string {
	return fmt.Sprintf("converge: the equilibrium %v is not locally exponentially stable (spectral abscissa %.3g ≈ 0, near a bifurcation): the 1/N constant diverges like 1/|abscissa|; move the parameters away from the bifurcation (or lower Settings.EigTol if every rate of the model is tiny in its time unit)", fmtVec(e.X), e.Abscissa)
}

func listEq(eqs []Equilibrium) string {
	var parts []string
	for _, q := range eqs {
		parts = append(parts, fmtVec(q.X)+" "+q.Stability)
	}
	return strings.Join(parts, "; ")
}

func fmtVec(x []float64) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range x {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.6g", v)
	}
	b.WriteByte(')')
	return b.String()
}

func complexes(ev []complex128) []Complex {
	out := make([]Complex, len(ev))
	for i, v := range ev {
		out[i] = Complex{real(v), imag(v)}
	}
	return out
}

// Analyze runs the analysis of the package documentation on m at the parameters of in
// (in.Densities fixes the compatibility class and is the first start). It fails with a
// *NoStableError, *SeveralStableError or *NotExponentialError when the equilibrium
// hypotheses fail; the partial report (with Equilibria) is returned with the error. See
// the package documentation for the cost of each step: for the two-species SIS model the
// whole analysis takes about 0.2 s. ctx is checked at every step of the ODE runs from the
// sample points; a cancellation returns the partial report with an error wrapping ctx.Err().
func Analyze(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings) (*Report, error) {
	if !m.HasDrift() {
		return nil, runtime.ErrNoMeanField
	}
	if len(m.IR.Env.Components) > 0 {
		return nil, errors.New("converge: models with a random environment are outside this analysis (the drift would be frozen at one environment state)")
	}
	set := s.fill()
	rep := &Report{Model: m.IR.Name, Conservation: m.IR.Conservation, in: *in}
	rep.Species = m.SpeciesNames()
	pt, basis, err := equilibrium(ctx, m, in, &set, rep)
	if err != nil {
		return rep, err
	}
	rep.basis = basis
	rep.settingsPoisson = set.Poisson
	_, rep.R = basis.Dims()
	rep.X = pt.X
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("converge: %w", err)
	}
	if err := rep.local(m, pt, &set); err != nil {
		return rep, err
	}
	if err := rep.predict(m); err != nil {
		return rep, err
	}
	if err := rep.sample(ctx, m, &set); err != nil {
		return rep, err
	}
	if v, err := rep.bias(m); err == nil {
		rep.Prediction.Bias = v
	} else {
		rep.Warnings = append(rep.Warnings, "refined bias not computed: "+err.Error())
	}
	return rep, nil
}

func withX(in *ir.Inputs, x []float64) *ir.Inputs {
	loc := *in
	loc.Densities = append([]float64(nil), x...)
	return &loc
}

// equilibrium finds the fixed points and picks the unique stable one.
// Cost: that of fixpoint.Find (Newton from Settings.Fixpoint.Starts starts).
func equilibrium(ctx context.Context, m *runtime.Model, in *ir.Inputs, set *Settings, rep *Report) (*fixpoint.Point, *mat.Dense, error) {
	fp, err := fixpoint.Find(ctx, m, in, set.Fixpoint)
	if err != nil {
		return nil, nil, fmt.Errorf("converge: no equilibrium found: %w", err)
	}
	// fixpoint classified the points with the margin Settings.EigTol (see fill).
	var stable, marginal []*fixpoint.Point
	for i := range fp.Points {
		p := &fp.Points[i]
		stab := p.Stability
		rep.Equilibria = append(rep.Equilibria, Equilibrium{X: p.X, Eigenvalues: complexes(p.Eigenvalues), Stability: stab.String()})
		switch stab {
		case fixpoint.Stable:
			stable = append(stable, p)
		case fixpoint.Marginal:
			marginal = append(marginal, p)
		}
	}
	switch {
	case len(stable) > 1:
		return nil, nil, &SeveralStableError{Equilibria: rep.Equilibria}
	case len(stable) == 0 && len(marginal) > 0:
		p := marginal[0]
		return nil, nil, &NotExponentialError{X: p.X, Abscissa: real(p.Eigenvalues[0])}
	case len(stable) == 0:
		return nil, nil, &NoStableError{Equilibria: rep.Equilibria}
	}
	rep.Hypotheses.UniqueEquilibrium = len(fp.Points) == 1
	if len(fp.Points) > 1 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d equilibria in the class (%s): the mean field is not globally asymptotically stable; trajectories from the other ones never reach x*", len(fp.Points), listEq(rep.Equilibria)))
	}
	return stable[0], fp.Basis, nil
}

// local checks the static hypotheses and computes the reduced spectrum, the Lyapunov
// matrix Π and the per-transition jump directions. Cost: one Jacobian, O(d² r) for J_r, O(r³) for the eigenvalues and for the
// Bartels–Stewart solve of J_rᵀΠ + ΠJ_r = −I, O(J d r) for the jumps.
func (rep *Report) local(m *runtime.Model, pt *fixpoint.Point, set *Settings) error {
	d := m.Dim()
	h := &rep.Hypotheses
	h.Perfect, h.Smooth = true, true
	for _, t := range m.IR.Transitions {
		if t.Density != nil {
			h.Perfect = h.Perfect && t.Density.Perfect
			h.Smooth = h.Smooth && t.Density.Smooth
		}
		l := jumpVec(t.Jump, d)
		h.CTilde = math.Max(h.CTilde, norm(l))
		rep.dirOf = append(rep.dirOf, rep.direction(l))
	}
	if !h.Perfect {
		rep.Warnings = append(rep.Warnings, "the model is not perfect (a rate depends on N): the asymptotically-accurate corollary applies; the bound includes the leading drift-error term")
	}
	if !h.Smooth {
		rep.Warnings = append(rep.Warnings, "a rate is not smooth (min, max, abs, indicator …): the C² hypothesis fails, the numbers below are not backed by the theorem")
	}
	j := mat.NewDense(d, d, nil)
	if err := m.Drift.Jacobian(j, withX(&rep.in, rep.X)); err != nil {
		return err
	}
	jr := m.Reduced().Reduce(j)
	ev, err := linalg.Eigenvalues(jr)
	if err != nil {
		return err
	}
	st := &rep.Stability
	st.Eigenvalues = complexes(ev)
	st.Abscissa = real(ev[0])
	st.Removed = d - rep.R
	if linalg.Classify(ev, jr, set.EigTol) != linalg.Stable {
		return &NotExponentialError{X: rep.X, Abscissa: st.Abscissa}
	}
	pi, err := linalg.Lyapunov(mat.DenseCopyOf(jr.T()), identity(rep.R))
	if err != nil {
		return fmt.Errorf("converge: Lyapunov equation J_rᵀΠ + ΠJ_r = −I: %w", err)
	}
	var es mat.EigenSym
	if !es.Factorize(pi, false) {
		return errors.New("converge: eigenvalues of Π did not converge")
	}
	vals := es.Values(nil)
	st.PiMin, st.PiMax = vals[0], vals[len(vals)-1]
	st.PiCond = st.PiMax / st.PiMin
	st.LinearDecay = 1 / (2 * st.PiMax)
	st.Pi = linalg.Rows(pi)
	if st.PiMin <= 0 {
		return &NotExponentialError{X: rep.X, Abscissa: st.Abscissa}
	}
	if st.PiCond > 1e3 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("Π is ill-conditioned (λmax/λmin = %.3g): the Jacobian is strongly non-normal and the constants are large", st.PiCond))
	}
	if st.Abscissa > -1e-2*math.Max(1, mat.Norm(jr, math.Inf(1))) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the spectral abscissa %.3g is close to 0 (near a bifurcation): the constants grow like 1/|abscissa|", st.Abscissa))
	}
	return nil
}

// direction returns the index of l among the distinct jump directions (up to sign).
func (rep *Report) direction(l []float64) int {
	for k, e := range rep.Directions {
		same, opp := true, true
		for i := range l {
			same = same && l[i] == e[i]
			opp = opp && l[i] == -e[i]
		}
		if same || opp {
			return k
		}
	}
	rep.Directions = append(rep.Directions, l)
	return len(rep.Directions) - 1
}

// predict computes C = tr W, the per-transition terms and the per-species limits.
// Cost: one rates evaluation, lna.Stationary (O(r³)), O(J d r).
func (rep *Report) predict(m *runtime.Model) error {
	ln, err := lna.Stationary(m, &rep.in, rep.X)
	if err != nil {
		return err
	}
	d := m.Dim()
	pr := &rep.Prediction
	for i := 0; i < d; i++ {
		pr.PerSpecies = append(pr.PerSpecies, ln.W.At(i, i))
		pr.C += ln.W.At(i, i)
	}
	rates := make([]float64, m.Rates.Len())
	m.Rates.Eval(rates, withX(&rep.in, rep.X))
	pi := mat.NewDense(rep.R, rep.R, nil)
	for i, row := range rep.Stability.Pi {
		for j, v := range row {
			pi.Set(i, j, v)
		}
	}
	rep.wr = ln.Wr
	for jx, t := range m.IR.Transitions {
		l := jumpVec(t.Jump, d)
		z := reduce(rep.basis, l)
		q := mat.Inner(mat.NewVecDense(rep.R, z), pi, mat.NewVecDense(rep.R, z))
		term := Term{Label: t.Label, Jump: l, Direction: rep.dirOf[jx], Rate: rates[jx], Second: -2 * q, Value: rates[jx] * q}
		pr.Terms = append(pr.Terms, term)
		pr.CStein += term.Value
	}
	return nil
}

func jumpVec(js []ir.Jump, d int) []float64 {
	l := make([]float64, d)
	for _, j := range js {
		l[j.Species] = float64(j.Delta)
	}
	return l
}

func reduce(p *mat.Dense, l []float64) []float64 {
	d, r := p.Dims()
	z := make([]float64, r)
	for c := 0; c < r; c++ {
		for i := 0; i < d; i++ {
			z[c] += p.At(i, c) * l[i]
		}
	}
	return z
}

func identity(n int) *mat.SymDense {
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		s.SetSym(i, i, 1)
	}
	return s
}

// bias computes the order-1 refined mean-field term V (Gast and Van Houdt 2018): with the
// reduced LNA covariance W_r = Σ_k s_k u_k u_kᵀ,
//
//	J_r z = −Pᵀ(½ Σ_k s_k D²F(x*)[P u_k, P u_k] + F₁(x*)),   V = P z.
//
// Cost O(r³) for the eigendecomposition and the solve, r second-order contractions and one
// evaluation of F₁.
func (rep *Report) bias(m *runtime.Model) ([]float64, error) {
	d, r := m.Dim(), rep.R
	in := withX(&rep.in, rep.X)
	var es mat.EigenSym
	if !es.Factorize(rep.wr, true) {
		return nil, errors.New("eigendecomposition of the LNA covariance failed")
	}
	var u mat.Dense
	es.VectorsTo(&u)
	b := make([]float64, d)
	m.Drift1.Eval(b, in)
	pu := make([]float64, d)
	h := make([]float64, d)
	for k, sk := range es.Values(nil) {
		for i := 0; i < d; i++ {
			pu[i] = 0
			for c := 0; c < r; c++ {
				pu[i] += rep.basis.At(i, c) * u.At(c, k)
			}
		}
		if err := m.Drift.D2(h, in, pu, pu); err != nil {
			return nil, err
		}
		for i := range b {
			b[i] += sk * h[i] / 2
		}
	}
	rhs := mat.NewVecDense(r, reduce(rep.basis, b))
	rhs.ScaleVec(-1, rhs)
	j := mat.NewDense(d, d, nil)
	if err := m.Drift.Jacobian(j, in); err != nil {
		return nil, err
	}
	var z mat.VecDense
	if err := z.SolveVec(m.Reduced().Reduce(j), rhs); err != nil {
		return nil, err
	}
	v := make([]float64, d)
	for i := range v {
		for c := 0; c < r; c++ {
			v[i] += rep.basis.At(i, c) * z.AtVec(c)
		}
	}
	return v, nil
}

// NewPoisson returns an evaluator of the Poisson solution g of the report's model m (the
// model given to Analyze) with second derivatives along Report.Directions, for g, ∇g and
// ℓᵀ∇²gℓ at points of the user's choice. Cost O(d r).
func (rep *Report) NewPoisson(m *runtime.Model, s *PoissonSettings) (*Poisson, error) {
	if rep.basis == nil {
		return nil, errors.New("converge: the report has no equilibrium")
	}
	if s == nil {
		s = &rep.settingsPoisson
	}
	return NewPoisson(m, &rep.in, rep.X, rep.basis, rep.Stability.Abscissa, rep.Directions, s)
}
