package poisson

import (
	"context"
	"errors"
	"fmt"
	"gonum.org/v1/gonum/floats"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// Method selects how a chain is factorised.
type Method int

const (
	// Auto is Dense up to Options.DenseMax states and Iterative above.
	Auto Method = iota
	// Dense is gonum's dense LU of M: O(n³) once, O(n²) a solve.
	Dense
	// Iterative is GMRES with ILU(0) preconditioning: O(nnz + m·n) an iteration.
	Iterative
)

func (m Method) String() string {
	switch m {
	case Dense:
		return "dense"
	case Iterative:
		return "iterative"
	}
	return "auto"
}

// Options are the settings of NewCTMC and NewDTMC. A nil *Options, and zero fields, mean the
// defaults.
type Options struct {
	Method   Method
	DenseMax int     // largest chain factorised densely by Auto; default 2000
	Tol      float64 // backward error ‖b − Mx‖∞/(‖A‖∞‖x‖∞ + ‖b‖∞) of an iterative solve; default 1e-12
	MaxIter  int     // GMRES iterations per solve; default 5000
	Restart  int     // GMRES restart length m; default 50
	// Pi, when not nil, is the stationary law (from a closed form or package ctmc's GTH); it
	// is used as given and the stationary solve is skipped.
	Pi []float64
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	orDefault(&r.DenseMax, 2000)
	orDefault(&r.Tol, 1e-12)
	orDefault(&r.MaxIter, 5000)
	orDefault(&r.Restart, 50)
	return r
}

// method resolves Auto for a system of n unknowns: Dense up to DenseMax, else Iterative.
func (o Options) method(n int) Method {
	if o.Method != Auto {
		return o.Method
	}
	if n <= o.DenseMax {
		return Dense
	}
	return Iterative
}

// orDefault sets a setting that is not positive to its default.
func orDefault[T int | float64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Stats describes one solve.
type Stats struct {
	Method     Method
	Iterations int     // GMRES iterations; 0 for a dense solve
	Residual   float64 // backward error of the equation solved (see the package doc)
}

// ReducibleError reports a chain that is not irreducible: there is no path of positive
// rates from state From to state To.
type ReducibleError struct{ From, To int }

func (e *ReducibleError) Error() string {
	return fmt.Sprintf("poisson: the chain is reducible: state %d cannot reach state %d", e.From, e.To)
}

// ConvergenceError reports an iterative solve that stopped above the tolerance.
type ConvergenceError struct {
	Iterations    int
	Residual, Tol float64
}

func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("poisson: GMRES did not converge: backward error %.3g > %.3g after %d iterations", e.Residual, e.Tol, e.Iterations)
}

// ErrSingular means the dense factorisation of M is numerically singular (condition number
// above 10¹⁴): the chain has several recurrent classes, or nearly so.
var ErrSingular = errors.New("poisson: the bordered matrix is singular: the stationary law is not unique")

// factor solves with M = A + σ1e_nᵀ (trans: with Mᵀ), setting x and returning the
// iterations used.
type factor interface {
	solve(ctx context.Context, x, b []float64, trans bool) (int, error)
}

// Chain is a factorised chain. Its methods may be called from several goroutines.
type Chain struct {
	a     *linalg.CSR // A = −Q or I − P, rows summing to 0, every diagonal stored
	at    *linalg.CSR // Aᵀ
	norm  [2]float64  // ‖A‖∞, ‖Aᵀ‖∞ (the backward errors of the solves)
	sigma float64
	pi    []float64
	fac   factor
	stats Stats
	// discrete is set by NewDTMC, selfLoop when some p_ii > 0 (Period).
	discrete, selfLoop bool
}

// NewCTMC factorises the irreducible generator q (n×n, off-diagonal rates ≥ 0, rows summing
// to 0 up to 1e-9 of the row's rates; its diagonal is rebuilt from them) and computes π.
// Cost: see the package doc.
func NewCTMC(ctx context.Context, q *linalg.CSR, o *Options) (*Chain, error) {
	a, err := fromGenerator(q)
	if err != nil {
		return nil, err
	}
	return newChain(ctx, a, o)
}

// NewDTMC factorises I − P for the irreducible transition matrix p (n×n, entries ≥ 0, rows
// summing to 1 up to 1e-9) and computes π. Periodic chains are allowed: Z = (I − P + Π)⁻¹
// exists for them too.
func NewDTMC(ctx context.Context, p *linalg.CSR, o *Options) (*Chain, error) {
	a, err := fromTransition(p)
	if err != nil {
		return nil, err
	}
	c, err := newChain(ctx, a, o)
	if err != nil {
		return nil, err
	}
	c.discrete = true
	for i := 0; i < p.Rows && !c.selfLoop; i++ {
		c.selfLoop = p.At(i, i) > 0
	}
	return c, nil
}

func newChain(ctx context.Context, a *linalg.CSR, o *Options) (*Chain, error) {
	opt := o.withDefaults()
	// Irreducible: every state reached from state 0, before transposing, and reaching it.
	if s := unreached(a); s >= 0 {
		return nil, &ReducibleError{From: 0, To: s}
	}
	at := a.Transpose()
	if s := unreached(at); s >= 0 {
		return nil, &ReducibleError{From: s, To: 0}
	}
	c := &Chain{a: a, at: at, norm: [2]float64{a.NormInf(), at.NormInf()}, sigma: diagScale(a), pi: make([]float64, a.Rows)}
	method := opt.method(a.Rows)
	c.stats.Method = method
	var err error
	if method == Dense {
		err = c.factorDense()
	} else {
		err = c.factorIterative(ctx, opt)
	}
	if err != nil {
		return nil, err
	}
	if opt.Pi != nil {
		if len(opt.Pi) != a.Rows {
			panic("poisson: len(Options.Pi) != n")
		}
		copy(c.pi, opt.Pi)
	}
	r := make([]float64, a.Rows)
	at.MulVec(r, c.pi)
	c.stats.Residual = floats.Norm(r, 1) / c.sigma
	return c, nil
}

// factorDense borders the last state and computes π by the dense LU.
func (c *Chain) factorDense() error {
	n := c.a.Rows
	f, err := newDenseFactor(borderedDense(c.a, c.sigma))
	if err != nil {
		return err
	}
	c.fac = f
	_, err = stationary(context.Background(), f, c.pi, n-1)
	return err
}

// factorIterative borders a state of large probability (guessed by Gauss–Seidel, see
// krylov) and computes π; when the bordered state turns out to have less than 1% of the
// largest probability, it borders the largest and solves again (at most twice).
func (c *Chain) factorIterative(ctx context.Context, o Options) error {
	k := heavyState(c.at, 20)
	for pass := 0; ; pass++ {
		f, err := newKrylov(c.a, k, c.sigma, o)
		if err != nil {
			return err
		}
		c.fac = f
		if o.Pi != nil {
			return nil
		}
		it, err := stationary(ctx, f, c.pi, k)
		c.stats.Iterations += it
		if err != nil {
			return err
		}
		best := floats.MaxIdx(c.pi)
		if c.pi[k] >= 0.01*c.pi[best] || pass == 2 {
			return nil
		}
		k = best
	}
}

// stationary sets pi = e_kᵀM⁻¹ normalised to sum 1, for M bordered at state k.
func stationary(ctx context.Context, f factor, pi []float64, k int) (int, error) {
	n := len(pi)
	b := make([]float64, n)
	b[k] = 1
	it, err := f.solve(ctx, pi, b, true)
	if err != nil {
		return it, err
	}
	s := 0.0
	for _, v := range pi {
		s += v
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return it, ErrSingular
	}
	for i := range pi {
		pi[i] /= s
	}
	return it, nil
}

// N returns the number of states.
func (c *Chain) N() int { return c.a.Rows }

// Pi returns a copy of the stationary law π.
func (c *Chain) Pi() []float64 { return append([]float64(nil), c.pi...) }

// PiStats returns the statistics of the stationary solve (Residual ‖πA‖₁/σ).
func (c *Chain) PiStats() Stats { return c.stats }

// Solve sets dst = D f, the solution g of A g = f − (πf)1 with πg = 0 (Q g = −(f − (πf)1) in
// continuous time, (I − P) g = f − (πf)1 in discrete time). dst and f have length n (else
// it panics) and may be the same slice. One solve with M.
func (c *Chain) Solve(ctx context.Context, dst, f []float64) (Stats, error) {
	return c.solve(ctx, dst, f, false)
}

// SolveRow sets dst = μ D, the solution h of h A = μ − (μ1)π with h1 = 0 (h Q = −(μ − (μ1)π)
// in continuous time, h (I − P) = μ − (μ1)π in discrete time). Sizes as for Solve.
func (c *Chain) SolveRow(ctx context.Context, dst, mu []float64) (Stats, error) {
	return c.solve(ctx, dst, mu, true)
}

// solveRowBare is SolveRow without the backward error (Stats.Residual 0), for the
// iterations that do not report it (RelaxationTime). The same dst.
func (c *Chain) solveRowBare(ctx context.Context, dst, mu []float64) error {
	_, err := c.solveOpt(ctx, dst, mu, true, false)
	return err
}

// Z sets dst = Z f = D f + (πf)1, with Z = (I − P + Π)⁻¹ in discrete time and (Π − Q)⁻¹ in
// continuous time. Sizes as for Solve.
func (c *Chain) Z(ctx context.Context, dst, f []float64) (Stats, error) {
	m := floats.Dot(c.pi, f)
	st, err := c.solve(ctx, dst, f, false)
	for i := range dst {
		dst[i] += m
	}
	return st, err
}

// ZRow sets dst = μ Z = μ D + (μ1)π. Sizes as for Solve.
func (c *Chain) ZRow(ctx context.Context, dst, mu []float64) (Stats, error) {
	m := floats.Sum(mu)
	st, err := c.solve(ctx, dst, mu, true)
	for i := range dst {
		dst[i] += m * c.pi[i]
	}
	return st, err
}

// solve centres the right side (b = f − (πf)1, or μ − (μ1)π for rows), solves with M (or
// Mᵀ), projects the result onto πg = 0 (or h1 = 0) and measures the residual in A.
func (c *Chain) solve(ctx context.Context, dst, f []float64, row bool) (Stats, error) {
	return c.solveOpt(ctx, dst, f, row, true)
}

// solveOpt is solve, with the backward error computed when residual is set.
func (c *Chain) solveOpt(ctx context.Context, dst, f []float64, row, residual bool) (Stats, error) {
	n := c.a.Rows
	if len(dst) != n || len(f) != n {
		panic("poisson: vector length differs from the number of states")
	}
	b := make([]float64, n)
	if row {
		m := floats.Sum(f)
		for i := range b {
			b[i] = f[i] - m*c.pi[i]
		}
	} else {
		m := floats.Dot(c.pi, f)
		for i := range b {
			b[i] = f[i] - m
		}
	}
	st := Stats{Method: c.stats.Method}
	var err error
	st.Iterations, err = c.fac.solve(ctx, dst, b, row)
	if err != nil {
		return st, err
	}
	if row {
		m := floats.Sum(dst)
		for i := range dst {
			dst[i] -= m * c.pi[i]
		}
	} else {
		m := floats.Dot(c.pi, dst)
		for i := range dst {
			dst[i] -= m
		}
	}
	if residual {
		st.Residual = c.residual(dst, b, row)
	}
	return st, nil
}

// residual returns the backward error ‖A x − b‖∞/(‖A‖∞‖x‖∞ + ‖b‖∞) (with Aᵀ for rows), 0
// when x = b = 0.
func (c *Chain) residual(x, b []float64, row bool) float64 {
	a, norm := c.a, c.norm[0]
	if row {
		a, norm = c.at, c.norm[1]
	}
	ax := make([]float64, len(x))
	a.MulVec(ax, x)
	r, xn, bn := 0.0, 0.0, 0.0
	for i, v := range ax {
		r = math.Max(r, math.Abs(v-b[i]))
		xn = math.Max(xn, math.Abs(x[i]))
		bn = math.Max(bn, math.Abs(b[i]))
	}
	if d := norm*xn + bn; d > 0 {
		return r / d
	}
	return r
}
