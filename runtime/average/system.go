package average

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/poisson"
)

// ErrNotUnique means the fast kernel K(x) has more than one recurrent class (or none), so
// its stationary law π(x) is not unique: assumption (A2) of the two-timescale model fails.
var ErrNotUnique = errors.New("average: the fast kernel K(x) has several recurrent classes: its stationary law is not unique (assumption A2)")

// pair is a transition j that can fire from an environment state, with the state it
// leads to.
type pair struct{ j, to int }

// system is the two-timescale structure of a compiled model: the environment space 𝒴, for
// each y the transitions that can fire from it, and the tapes of the density rates β₀, β₁
// and of the observables. It owns one reusable evaluation point.
type system struct {
	rm     *runtime.Model
	d, ns  int
	env    [][]float64 // environment leaf values of each state of 𝒴
	jumps  [][]ir.Jump // ℓ_j, sparse
	pairs  [][]pair    // pairs[y]: transitions from y
	beta0  *runtime.Field
	beta1  *runtime.Field // nil when every β₁ is structurally zero
	obs0   *runtime.Field // h₀ of the scaled observables (nil if none)
	obs1   *runtime.Field // h₁ of the scaled observables
	obsIdx []int          // index into IR.Observables of each scaled observable
	obsEnv []bool         // the observable depends on the environment
	basis  *linalg.Basis  // the model's reduced space (runtime.Model.Reduced)
	in     ir.Inputs      // working inputs (densities, environment overwritten)
	pt     *point
}

// newSystem prepares m at the parameters, scale and time of in. Cost: compiling the tapes
// and colouring their Jacobians, O(tape·log); O(J·|𝒴|) for the move tables.
func newSystem(m *runtime.Model, in *ir.Inputs) (*system, error) {
	if !m.HasDrift() {
		return nil, runtime.ErrNoMeanField
	}
	ir0 := m.IR
	g := ir0.Graph
	d := m.Dim()
	s := &system{rm: m, d: d, in: *in}
	s.ns = len(ir0.Env.Space)
	if s.ns == 0 {
		s.ns = 1
		s.env = [][]float64{nil}
	} else {
		for _, y := range ir0.Env.Space {
			v := make([]float64, len(y))
			for c, k := range y {
				v[c] = float64(k)
			}
			s.env = append(s.env, v)
		}
	}
	s.pairs = make([][]pair, s.ns)
	b0 := make([]ir.NodeID, len(ir0.Transitions))
	b1 := make([]ir.NodeID, len(ir0.Transitions))
	any1 := false
	for j, t := range ir0.Transitions {
		if t.Density == nil {
			return nil, runtime.ErrNoMeanField
		}
		s.jumps = append(s.jumps, t.Jump)
		b0[j], b1[j] = t.Density.Beta[0], t.Density.Beta[1]
		if !g.IsZero(b1[j]) {
			any1 = true
		}
		if len(t.Moves) == 0 && len(ir0.Env.Space) <= 1 && len(t.Jump) > 0 {
			s.pairs[0] = append(s.pairs[0], pair{j, 0})
		}
		for _, mv := range t.Moves {
			if mv.From == mv.To && len(t.Jump) == 0 {
				continue
			}
			s.pairs[mv.From] = append(s.pairs[mv.From], pair{j, mv.To})
		}
	}
	s.beta0 = runtime.NewField(g, b0, d)
	if any1 {
		s.beta1 = runtime.NewField(g, b1, d)
	}
	var h0, h1 []ir.NodeID
	for i, o := range ir0.Observables {
		if o.Series == nil || o.Series.Order < 0 {
			continue
		}
		// Coef[k] multiplies h^(Order+k): shift to the coefficients of h⁰ and h¹.
		c := [2]ir.NodeID{g.Const(0), g.Const(0)}
		for k := 0; k < 2; k++ {
			if idx := k - o.Series.Order; idx >= 0 && idx < 3 {
				c[k] = o.Series.Coef[idx]
			}
		}
		h0, h1 = append(h0, c[0]), append(h1, c[1])
		s.obsIdx = append(s.obsIdx, i)
		s.obsEnv = append(s.obsEnv, g.Dep(c[0])&ir.DepEnv != 0 || g.Dep(c[1])&ir.DepEnv != 0)
	}
	if len(h0) > 0 {
		s.obs0 = runtime.NewField(g, h0, d)
		s.obs1 = runtime.NewField(g, h1, d)
	}
	s.basis = m.Reduced()
	s.pt = newPoint(s)
	return s, nil
}

// point holds every quantity of the fast chain at one slow state x (digest §3, Eval).
type point struct {
	s     *system
	order int
	x     []float64
	alpha [][]float64 // alpha[y][j] = β₀_j(x, y)
	f     *mat.Dense  // |𝒴|×d, row y is F(x, y)
	k     *mat.Dense  // fast kernel
	pi    []float64
	kp    *mat.Dense // group inverse K⁺
	fbar  []float64
	// order ≥ 1
	dalpha []*linalg.CSR // per y, J×d
	dk     []*mat.Dense  // dk[n] = ∂K/∂x_n
	dpi    *mat.Dense    // d×|𝒴|, row n is ∂π/∂x_n
	df     []*mat.Dense  // per y, d×d Jacobian of F(·, y)
	a      *mat.Dense    // Jacobian of F̄
	// order 2
	halpha []*autodiff.Blocks

	lu    mat.LU
	mbuf  *mat.Dense
	rhs   *mat.VecDense
	sol   *mat.VecDense
	rowb  []float64
	rowb2 []float64
}

func newPoint(s *system) *point {
	ns, d, nj := s.ns, s.d, len(s.jumps)
	p := &point{s: s, x: make([]float64, d), f: mat.NewDense(ns, d, nil), k: mat.NewDense(ns, ns, nil),
		pi: make([]float64, ns), kp: mat.NewDense(ns, ns, nil), fbar: make([]float64, d),
		dpi: mat.NewDense(d, ns, nil), a: mat.NewDense(d, d, nil),
		mbuf: mat.NewDense(ns, ns, nil), rhs: mat.NewVecDense(ns, nil), sol: mat.NewVecDense(ns, nil),
		rowb: make([]float64, ns), rowb2: make([]float64, ns)}
	for y := 0; y < ns; y++ {
		p.alpha = append(p.alpha, make([]float64, nj))
	}
	return p
}

func (p *point) ensure1() {
	if p.dk != nil {
		return
	}
	s := p.s
	for y := 0; y < s.ns; y++ {
		p.dalpha = append(p.dalpha, s.beta0.NewCSR())
		p.df = append(p.df, mat.NewDense(s.d, s.d, nil))
	}
	for n := 0; n < s.d; n++ {
		p.dk = append(p.dk, mat.NewDense(s.ns, s.ns, nil))
	}
}

func (p *point) ensure2() {
	if p.halpha != nil {
		return
	}
	for y := 0; y < p.s.ns; y++ {
		p.halpha = append(p.halpha, p.s.beta0.NewBlocks())
	}
}

// inputs returns the working inputs at environment state y and densities x.
func (s *system) inputs(x []float64, y int) *ir.Inputs {
	s.in.Densities = x
	s.in.Env = s.env[y]
	return &s.in
}

// at evaluates the fast chain at x to the given derivative order (0, 1 or 2) into the
// system's reusable point (overwritten by the next call). Cost, m = |𝒴|, J transitions,
// T the rate tape, C its Jacobian colours:
//
//	order 0: m tape evaluations, O(J·m + m³) for K, the Note 15 solve and K⁺
//	order 1: + m sparse Jacobians (C sweeps each), O(nnz·m·|ℓ|) for ∂K and ∂F,
//	         O(d·m²) for ∂π and O(m·d²) for A
//	order 2: + m Hessian blocks (C(C+1)/2 jet sweeps each)
func (s *system) at(x []float64, order int) (*point, error) {
	p := s.pt
	p.order = order
	copy(p.x, x)
	d, ns := s.d, s.ns
	if order >= 1 {
		p.ensure1()
	}
	if order >= 2 {
		p.ensure2()
	}
	p.f.Zero()
	p.k.Zero()
	for y := 0; y < ns; y++ {
		in := s.inputs(p.x, y)
		al := p.alpha[y]
		s.beta0.Eval(al, in)
		for _, pr := range s.pairs[y] {
			a := al[pr.j]
			if math.IsNaN(a) || math.IsInf(a, 0) {
				return nil, fmt.Errorf("average: density rate of %q is %g at x = %v (environment state %d)", s.rm.IR.Transitions[pr.j].Label, a, x, y)
			}
			for _, jp := range s.jumps[pr.j] {
				p.f.Set(y, jp.Species, p.f.At(y, jp.Species)+float64(jp.Delta)*a)
			}
			if pr.to != y {
				p.k.Set(y, pr.to, p.k.At(y, pr.to)+a)
				p.k.Set(y, y, p.k.At(y, y)-a)
			}
		}
		if order >= 1 {
			if err := s.beta0.JacobianCSR(p.dalpha[y], in); err != nil {
				return nil, err
			}
		}
		if order >= 2 {
			if err := s.beta0.HessianBlocks(p.halpha[y], in); err != nil {
				return nil, err
			}
		}
	}
	if err := p.stationary(); err != nil {
		return nil, err
	}
	for i := 0; i < d; i++ {
		v := 0.0
		for y := 0; y < ns; y++ {
			v += p.pi[y] * p.f.At(y, i)
		}
		p.fbar[i] = v
	}
	if order >= 1 {
		p.derivatives()
	}
	return p, nil
}

// stationary computes π (digest Note 15: πᵀM = e_mᵀ with M = K whose last column is
// replaced by ones) and the group inverse K⁺ = (K + 1πᵀ)⁻¹ − 1πᵀ. O(m³).
func (p *point) stationary() error {
	ns := p.s.ns
	if ns == 1 {
		p.pi[0] = 1
		p.kp.Set(0, 0, 0)
		return nil
	}
	p.mbuf.Copy(p.k)
	for y := 0; y < ns; y++ {
		p.mbuf.Set(y, ns-1, 1)
	}
	p.lu.Factorize(p.mbuf)
	if c := p.lu.Cond(); c > 1e14 || math.IsNaN(c) {
		return ErrNotUnique
	}
	p.rhs.Zero()
	p.rhs.SetVec(ns-1, 1)
	if err := p.lu.SolveVecTo(p.sol, true, p.rhs); err != nil {
		return ErrNotUnique
	}
	for y := 0; y < ns; y++ {
		v := p.sol.AtVec(y)
		if v < 0 && v > -1e-13 {
			v = 0
		}
		p.pi[y] = v
	}
	if err := poisson.GroupInverse(p.kp, p.k, p.pi); err != nil {
		return ErrNotUnique
	}
	return nil
}

// derivatives assembles ∂K, ∂F from the rate Jacobians, ∂π = −πᵀ ∂K K⁺ (implicit
// differentiation of πᵀK = 0, πᵀ1 = 1) and A = ∂F̄ = Σ_y ∂π_y F(y) + π_y ∂F(y).
func (p *point) derivatives() {
	s := p.s
	d, ns := s.d, s.ns
	for n := 0; n < d; n++ {
		p.dk[n].Zero()
	}
	for y := 0; y < ns; y++ {
		df := p.df[y]
		df.Zero()
		csr := p.dalpha[y]
		for _, pr := range s.pairs[y] {
			lo, hi := csr.RowPtr[pr.j], csr.RowPtr[pr.j+1]
			for q := lo; q < hi; q++ {
				n, v := int(csr.Col[q]), csr.Val[q]
				if v == 0 {
					continue
				}
				for _, jp := range s.jumps[pr.j] {
					df.Set(jp.Species, n, df.At(jp.Species, n)+float64(jp.Delta)*v)
				}
				if pr.to != y {
					dk := p.dk[n]
					dk.Set(y, pr.to, dk.At(y, pr.to)+v)
					dk.Set(y, y, dk.At(y, y)-v)
				}
			}
		}
	}
	p.dpi.Zero()
	if ns > 1 {
		for n := 0; n < d; n++ {
			p.piTimes(p.rowb, p.dk[n])
			p.timesKp(p.dpi.RawRowView(n), p.rowb, -1)
		}
	}
	// A = (F̄ Jacobian) = Fᵀ ∂πᵀ + Σ_y π_y ∂F(y).
	p.a.Mul(p.f.T(), p.dpi.T())
	for y := 0; y < ns; y++ {
		if p.pi[y] != 0 {
			addScaled(p.a, p.pi[y], p.df[y])
		}
	}
}

// piTimes sets dst = πᵀ M.
func (p *point) piTimes(dst []float64, m *mat.Dense) {
	ns := p.s.ns
	for z := 0; z < ns; z++ {
		dst[z] = 0
	}
	for y := 0; y < ns; y++ {
		if p.pi[y] == 0 {
			continue
		}
		row := m.RawRowView(y)
		for z, v := range row {
			dst[z] += p.pi[y] * v
		}
	}
}

// timesKp sets dst = c · vᵀ K⁺.
func (p *point) timesKp(dst, v []float64, c float64) {
	ns := p.s.ns
	for z := 0; z < ns; z++ {
		dst[z] = 0
	}
	for y := 0; y < ns; y++ {
		if v[y] == 0 {
			continue
		}
		row := p.kp.RawRowView(y)
		for z, k := range row {
			dst[z] += c * v[y] * k
		}
	}
}

func addScaled(dst *mat.Dense, c float64, m *mat.Dense) {
	r, cc := dst.Dims()
	for i := 0; i < r; i++ {
		dr, mr := dst.RawRowView(i), m.RawRowView(i)
		for j := 0; j < cc; j++ {
			dr[j] += c * mr[j]
		}
	}
}
