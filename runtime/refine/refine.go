package refine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
	"github.com/mfcproject/mfc/runtime/ode"
)

// Settings controls Stationary and Transient. A nil *Settings, or nil fields, select the
// defaults of the packages they are passed to.
type Settings struct {
	// Fixpoint is passed to fixpoint.Find (Stationary only).
	Fixpoint *fixpoint.Settings
	// ODE is passed to ode.Solve (Transient only).
	ODE *ode.Settings
	// Order is the order of the expansion: 1 (the default when 0) gives V, 2 also A.
	Order int
}

// Observable is the order-1 refined expectation of one observable with a density
// expansion h = h₀(x) + h₁(x)/N + …: E h(X_N) = MeanField + C/N + O(1/N²), with
// MeanField = h₀(x), C = Dh₀(x)·V + ½ D²h₀(x):W + h₁(x) and Refined1 = MeanField + C/N at
// the scale N of the inputs.
//
// At order 2, E h(X_N) = MeanField + C/N + D/N² + O(1/N³) and Refined2 = Refined1 + D/N²
// (see the package documentation for D); both are 0 at order 1.
type Observable struct {
	Name                   string
	MeanField, Refined1, C float64
	Refined2, D            float64
}

// Result is the order-1 refined mean field at a stable fixed point.
type Result struct {
	// X is the fixed point x*, V the 1/N correction: E[X_N] = X + V/N + O(1/N²).
	X, V []float64
	// A is the 1/N² correction, E[X_N] = X + V/N + A/N² + O(1/N³) (order 2 only).
	A []float64
	// Order is the order computed (1 or 2).
	Order int
	// W is the LNA covariance lim N·Cov(X_N) (d×d, row-major rows).
	W [][]float64
	// Eigenvalues of the reduced Jacobian PᵀA P at x*, by decreasing real part.
	Eigenvalues []complex128
	// N is the scale of the inputs, used for Refined1.
	N float64
	// Observables lists the observables with a density expansion (ObservableScaled).
	Observables []Observable
}

// NoStableError means fixpoint.Find found no stable fixed point.
var NoStableError = errors.New("refine: no stable fixed point found (try more Newton starts: --starts k on the command line, fixpoint.Settings.Starts in Go)")

// DegenerateError means the fixed point found is a degenerate root (fixpoint.Point.Degenerate):
// its reduced Jacobian is singular, as at a bifurcation, and the expansion in 1/N, whose
// terms divide by that Jacobian, does not exist there.
type DegenerateError struct {
	X            []float64
	Multiplicity int
	Names        []string
}

// Error names the point and what to use instead.
func (e *DegenerateError) Error() string {
	var b strings.Builder
	for i, x := range e.X {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 6 {
			b.WriteString("…")
			break
		}
		fmt.Fprintf(&b, "%s = %.6g", e.Names[i], x)
	}
	return fmt.Sprintf("refine: the fixed point (%s) is degenerate, a root of multiplicity %d: the reduced Jacobian is singular there (a bifurcation), so the expansion in 1/N does not exist; compare the mean field with mfc exact or mfc ssa at your N", b.String(), e.Multiplicity)
}

// check refuses a model without a mean field, or with a fast environment: the refined mean
// field of such a model is the two-timescale one of package runtime/average.
func check(m *runtime.Model) error {
	if !m.HasDrift() {
		return runtime.ErrNoMeanField
	}
	if m.HasFastEnvironment() {
		return fmt.Errorf("refine: %w", runtime.ErrFastEnvironment)
	}
	return nil
}

// order2Tensors is the number of d×d×d arrays of float64 alive at the peak of the order-2
// expansion: stationary, the right-hand side R3, its Schur transform, M3 and the
// transforms of the reduced basis; transient, the state of the ODE solver (its stages hold
// d³/6 packed entries each) and the right-hand side's tensors.
const (
	order2Tensors   = 6
	order2Transient = 8
)

// checkOrder2 refuses the order-2 expansion of a model with d species before allocating
// when its third moments do not fit the memory budget of ctx (runtime.MaxBytesOf): the
// error says how many species fit.
func checkOrder2(ctx context.Context, d int, transient bool) error {
	k := int64(order2Tensors)
	if transient {
		k = order2Transient
	}
	budget := runtime.MaxBytesOf(ctx)
	dd := float64(d)
	need := float64(k) * 8 * dd * dd * dd
	if need <= float64(budget) {
		return nil
	}
	fit := int(math.Cbrt(float64(budget) / float64(8*k)))
	return &runtime.MemoryError{What: fmt.Sprintf("refine: the order-2 expansion of %d species (third moments of %d³ entries)", d, d),
		Need: int64(math.Min(need, math.MaxInt64/2)), Limit: budget,
		Hint: fmt.Sprintf("at most %d species fit: use --order 1, or raise --max-memory", fit)}
}

// Stationary computes the order-1 refined mean field at the first stable fixed point found
// by fixpoint.Find from in (see the package documentation for the equations and costs).
func Stationary(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings) (*Result, error) {
	res, _, err := stationary(ctx, m, in, s)
	return res, err
}

// point holds the intermediate quantities of a stationary expansion that its
// sensitivities reuse.
type point struct {
	loc *ir.Inputs
	ln  *lna.Result
	g   []float64 // ½ D²F:W + F₁
	c   *contractor
	e   *expander // order 2
	mo  *moments2 // order 2
}

func stationary(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings) (*Result, *point, error) {
	if err := check(m); err != nil {
		return nil, nil, err
	}
	if s == nil {
		s = &Settings{}
	}
	if s.Order >= 2 {
		if err := checkOrder2(ctx, m.Dim(), false); err != nil {
			return nil, nil, err
		}
	}
	fp, err := fixpoint.Find(ctx, m, in, s.Fixpoint)
	if err != nil {
		return nil, nil, err
	}
	var pt *fixpoint.Point
	for i := range fp.Points {
		if fp.Points[i].Stability == fixpoint.Stable {
			pt = &fp.Points[i]
			break
		}
	}
	if pt == nil {
		for _, q := range fp.Points {
			if q.Degenerate {
				return nil, nil, &DegenerateError{X: q.X, Multiplicity: q.Multiplicity, Names: m.SpeciesNames()}
			}
		}
		return nil, nil, NoStableError
	}
	d := m.Dim()
	ln, err := lna.StationaryWithEigenvalues(m, in, pt.X, pt.Eigenvalues)
	if err != nil {
		return nil, nil, err
	}
	loc := *in
	loc.Densities = ln.X
	// b = ½ D²F(x*):W + F₁(x*).
	b := make([]float64, d)
	c := newContractor(d)
	if err := c.contract(b, m.Drift, &loc, ln.W); err != nil {
		return nil, nil, err
	}
	f1 := make([]float64, d)
	m.Drift1.Eval(f1, &loc)
	for i := range b {
		b[i] += f1[i]
	}
	v := make([]float64, d)
	basis := m.Reduced()
	if ln.P != nil {
		// A_r z = −Pᵀb, V = P z.
		if v, err = reducedSolve(basis, ln.Ar, b); err != nil {
			return nil, nil, err
		}
	}
	st := &point{loc: &loc, ln: ln, g: b, c: c}
	res := &Result{X: ln.X, V: v, W: linalg.Rows(ln.W), Eigenvalues: pt.Eigenvalues, N: in.Scale, Order: 1}
	res.Observables, err = observables(m, &loc, v, ln.W, c)
	if err != nil {
		return nil, nil, err
	}
	if s.Order < 2 || ln.P == nil {
		if s.Order >= 2 {
			res.A, res.Order = make([]float64, d), 2
		}
		return res, st, nil
	}
	e, err := newExpander(m, &loc, ln.W, c)
	if err != nil {
		return nil, nil, err
	}
	mo, err := stationary2(e, ln.Q, basis, ln.Ar, b, v)
	if err != nil {
		return nil, nil, err
	}
	st.e, st.mo = e, mo
	res.A, res.Order = mo.A, 2
	dd, err := e.observables2(v, mo)
	if err != nil {
		return nil, nil, err
	}
	for i := range res.Observables {
		ob := &res.Observables[i]
		ob.D = dd[i]
		ob.Refined2 = ob.Refined1
		if in.Scale > 0 {
			ob.Refined2 += ob.D / (in.Scale * in.Scale)
		}
	}
	return res, st, nil
}

// TransientResult is the order-1 refined mean field along the trajectory from the
// deterministic start x(0) = in.Densities: E[X_N(t)] = X(t) + V(t)/N + O(1/N²).
type TransientResult struct {
	Times []float64
	X, V  [][]float64
	// A[k] is the 1/N² correction at Times[k] (order 2 only).
	A [][]float64
	// Order is the order computed (1 or 2).
	Order int
	// W[k] is lim N·Cov(X_N(Times[k])).
	W []*mat.SymDense
	// Observables[k] are the refined observables at Times[k].
	Observables [][]Observable
	N           float64
	Stats       ode.Stats
}

// Transient integrates ẋ = F(x), V̇ = A(x)V + ½ D²F(x):W + F₁(x), Ẇ = A(x)W + WA(x)ᵀ + Q(x)
// jointly with runtime/ode from x(0) = in.Densities, V(0) = 0, W(0) = 0. When the
// integration fails, or ctx is cancelled (checked at every step), the states reached so far
// are returned with the error.
func Transient(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, s *Settings) (*TransientResult, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	if s == nil {
		s = &Settings{}
	}
	if s.Order >= 2 {
		if err := checkOrder2(ctx, m.Dim(), true); err != nil {
			return nil, err
		}
		return transient2(ctx, m, in, times, s)
	}
	d := m.Dim()
	if len(in.Densities) != d {
		return nil, fmt.Errorf("refine: len(in.Densities) = %d, want %d", len(in.Densities), d)
	}
	np := d * (d + 1) / 2
	loc := *in
	a := mat.NewDense(d, d, nil)
	q := mat.NewSymDense(d, nil)
	w := mat.NewSymDense(d, nil)
	rates := make([]float64, m.Rates.Len())
	f1 := make([]float64, d)
	hw := make([]float64, d)
	c := newContractor(d)
	var aw mat.Dense
	prob := ode.Problem{
		Dim: 2*d + np,
		Func: func(t float64, y, dy []float64) error {
			loc.Densities = y[:d]
			loc.Time = in.Time + t
			m.Drift.Eval(dy[:d], &loc)
			if err := m.Drift.Jacobian(a, &loc); err != nil {
				return err
			}
			lna.Diffusion(m, &loc, q, rates)
			linalg.UnpackSym(w, y[2*d:])
			if err := c.contract(hw, m.Drift, &loc, w); err != nil {
				return err
			}
			m.Drift1.Eval(f1, &loc)
			dv := mat.NewVecDense(d, dy[d:2*d])
			dv.MulVec(a, mat.NewVecDense(d, y[d:2*d]))
			for i := 0; i < d; i++ {
				dy[d+i] += hw[i] + f1[i]
			}
			aw.Mul(a, w)
			linalg.PackSymSum(dy[2*d:], &aw, q)
			return nil
		},
	}
	y0 := make([]float64, 2*d+np)
	copy(y0, in.Densities)
	set, done := runtime.ODEProgress(ctx, "refined trajectory", times, s.ODE)
	defer done()
	sol, err := ode.Solve(ctx, prob, 0, y0, times, set)
	out := &TransientResult{Times: times, N: in.Scale, Order: 1}
	if sol == nil {
		return out, err
	}
	out.Stats = sol.Stats
	for k, st := range sol.States {
		if st == nil {
			break
		}
		x := append([]float64(nil), st[:d]...)
		v := append([]float64(nil), st[d:2*d]...)
		wk := mat.NewSymDense(d, nil)
		linalg.UnpackSym(wk, st[2*d:])
		out.X = append(out.X, x)
		out.V = append(out.V, v)
		out.W = append(out.W, wk)
		loc.Densities = x
		loc.Time = in.Time + times[k]
		obs, oerr := observables(m, &loc, v, wk, c)
		if oerr != nil {
			return out, oerr
		}
		out.Observables = append(out.Observables, obs)
	}
	return out, err
}

// contractor evaluates ½ D²G(x):W = ½ Σ_kl ∂²G/∂x_k∂x_l W_kl for a symmetric W. A field
// whose Hessian is sparse (blockField, C Hessian colours with C(C+1)/2 ≤ d: affine outputs
// need none) is
// contracted entry by entry from its per-output Hessian blocks: C(C+1)/2 second-order
// sweeps plus O(Σ_i |deps_i|²), no decomposition of W (for a banded drift, O(d) in all).
// Other fields go through the eigendecomposition W = Σ_r s_r u_r u_rᵀ:
// ½ Σ_r s_r D²G(x)[u_r, u_r], O(d³) once per W plus one D2 (one evaluation and 2
// second-order jet sweeps) per eigenvalue with |s_r| > 1e-15·max|s|. The decomposition is
// computed on first need, so a W contracted only with sparse fields is never decomposed.
type contractor struct {
	eig    mat.EigenSym
	vecs   mat.Dense
	u      []float64
	buf    []float64
	vals   []float64
	w      *mat.SymDense
	decomp bool // eig, vals, vecs hold the decomposition of w
	blocks map[blockField]*cachedBlocks
	trips  map[*runtime.Field]*cachedTriples
	polys  map[polyField]*cachedPoly
	key    []float64 // scratch for inputsKey
	pkey   []float64 // scratch of polynomial
	// fields are the model fields of the expanders made with this contractor (one set per
	// model, so that the caches keyed by field hold one entry per field, not one per
	// expander), and s their scratch buffers.
	fields   *fieldSet
	fieldsOf *runtime.Model
	s        scratch
	hbVal    []float64 // the drift's Hessian blocks of the last newExpander
}

// cachedBlocks are a field's Hessian blocks with the inputs they were evaluated at: one
// right-hand side of the order-2 system contracts the drift's Hessian with several
// matrices at one point, and the blocks are computed once there.
type cachedBlocks struct {
	b   *autodiff.Blocks
	key []float64 // the inputs, flattened (inputsKey)
}

// cachedTriples are a field's colour triples with the inputs they were evaluated at.
type cachedTriples struct {
	t   *autodiff.Triples
	key []float64
}

// thirdTriples returns f's colour triples at in, computed once per point (once for all
// densities when f is a single polynomial of degree ≤ 3 in them): one right-hand side of
// the order-2 system contracts them with M3 (third) and with W (rhs2). The triples belong
// to the cache until the next call at another point.
func (c *contractor) thirdTriples(f *runtime.Field, in *ir.Inputs) (*autodiff.Triples, error) {
	if c.trips == nil {
		c.trips = map[*runtime.Field]*cachedTriples{}
	}
	ct := c.trips[f]
	if ct == nil {
		ct = &cachedTriples{}
		c.trips[f] = ct
	}
	if deg, global := c.polynomial(f, in); deg <= 3 && global { // constant D³F
		c.key = inputsKeyFree(c.key, in, f.ReadsTime())
	} else {
		c.key = inputsKey(c.key, in)
	}
	if ct.t == nil || !slices.Equal(c.key, ct.key) {
		t, err := f.ThirdTriples(in)
		if err != nil {
			ct.t = nil
			return nil, err
		}
		ct.t, ct.key = t, append(ct.key[:0], c.key...)
	}
	return ct.t, nil
}

// hessianBlocks returns f's Hessian blocks at in, computed once per point (the cache holds
// the last point of each field), and once for all densities when f is a single polynomial
// of degree ≤ 2 in them (a constant Hessian: JSQ's drift and rates). The blocks belong to
// the cache: copy them to keep them past the next call at another point.
func (c *contractor) hessianBlocks(f blockField, in *ir.Inputs) (*autodiff.Blocks, error) {
	if c.blocks == nil {
		c.blocks = map[blockField]*cachedBlocks{}
	}
	cb := c.blocks[f]
	if cb == nil {
		cb = &cachedBlocks{b: f.NewBlocks()}
		c.blocks[f] = cb
	}
	if deg, global := c.polynomial(f, in); deg <= 2 && global {
		c.key = inputsKeyFree(c.key, in, f.ReadsTime())
	} else {
		c.key = inputsKey(c.key, in)
	}
	if !slices.Equal(c.key, cb.key) {
		if err := f.HessianBlocks(cb.b, in); err != nil {
			cb.key = cb.key[:0]
			return nil, err
		}
		cb.key = append(cb.key[:0], c.key...)
	}
	return cb.b, nil
}

// cachedPoly is the result of a field's Polynomial with the inputs other than the
// densities it was found at (inputsKeyFree), on which alone it depends.
type cachedPoly struct {
	key    []float64
	deg    int
	global bool
}

// polynomial returns f.Polynomial(in), found once for all densities (in the transient
// order-2 system, once per run).
func (c *contractor) polynomial(f polyField, in *ir.Inputs) (deg int, global bool) {
	if c.polys == nil {
		c.polys = map[polyField]*cachedPoly{}
	}
	cp := c.polys[f]
	if cp == nil {
		cp = &cachedPoly{}
		c.polys[f] = cp
	}
	c.pkey = inputsKeyFree(c.pkey, in, f.ReadsTime())
	if cp.key == nil || !slices.Equal(c.pkey, cp.key) {
		cp.deg, cp.global = f.Polynomial(in)
		cp.key = append(cp.key[:0], c.pkey...)
	}
	return cp.deg, cp.global
}

// polyField is a field with a polynomial-degree bound (*runtime.Field, plain).
type polyField interface {
	Polynomial(in *ir.Inputs) (degree int, global bool)
	ReadsTime() bool
}

// inputsKey appends every value of in to dst[:0]: counts, densities, parameters,
// environment, time and scale, with the lengths, so that equal keys mean equal inputs.
func inputsKey(dst []float64, in *ir.Inputs) []float64 {
	dst = dst[:0]
	for _, v := range [][]float64{in.Counts, in.Densities, in.Params, in.Env} {
		dst = append(dst, float64(len(v)))
		dst = append(dst, v...)
	}
	return append(dst, in.Time, in.Scale)
}

// inputsKeyFree is inputsKey without the densities (their length replaced by −1, so that
// it never equals a key of inputsKey), and without the time unless time is set (for a
// field that reads it): equal keys mean equal inputs but for the densities (and the time),
// which the field's polynomial type and constant derivatives do not depend on.
func inputsKeyFree(dst []float64, in *ir.Inputs, time bool) []float64 {
	dst = append(dst[:0], float64(len(in.Counts)))
	dst = append(dst, in.Counts...)
	dst = append(dst, -1)
	for _, v := range [][]float64{in.Params, in.Env} {
		dst = append(dst, float64(len(v)))
		dst = append(dst, v...)
	}
	if time {
		dst = append(dst, in.Time)
	}
	return append(dst, in.Scale)
}

// blockField is a field that gives its Hessian as per-output blocks (*runtime.Field).
type blockField interface {
	polyField
	HessianColors() int
	NewBlocks() *autodiff.Blocks
	HessianBlocks(dst *autodiff.Blocks, in *ir.Inputs) error
}

func newContractor(d int) *contractor {
	return &contractor{u: make([]float64, d)}
}

// decompose remembers w as the matrix of the next apply calls; its eigendecomposition is
// computed when a field without sparse Hessian blocks needs it.
func (c *contractor) decompose(w *mat.SymDense) error {
	c.w, c.decomp = w, false
	return nil
}

// eigen computes the eigendecomposition of c.w if it is not current.
func (c *contractor) eigen() error {
	if c.decomp {
		return nil
	}
	if !c.eig.Factorize(c.w, true) {
		return errors.New("refine: eigendecomposition of W failed")
	}
	c.vals = c.eig.Values(c.vals)
	c.eig.VectorsTo(&c.vecs)
	c.decomp = true
	return nil
}

// d2Field is a field with second derivatives (*runtime.Field, field).
type d2Field interface {
	D2(dst []float64, in *ir.Inputs, a, b []float64) error
}

// contract sets dst to ½ D²f(x):w.
func (c *contractor) contract(dst []float64, f d2Field, in *ir.Inputs, w *mat.SymDense) error {
	if err := c.decompose(w); err != nil {
		return err
	}
	return c.apply(dst, f, in)
}

// apply sets dst to ½ D²f(x):w for the w of the last decompose call. A model field of
// polynomial degree ≤ 1 in the densities (autodiff.Polynomial: observables such as x_i or
// Σ x_i) has D²f = 0 exactly, and dst is 0 without a sweep (the sweeps would give 0 too).
func (c *contractor) apply(dst []float64, f d2Field, in *ir.Inputs) error {
	for i := range dst {
		dst[i] = 0
	}
	if pf, ok := f.(polyField); ok {
		if deg, _ := c.polynomial(pf, in); deg <= 1 {
			return nil
		}
	}
	if bf, ok := f.(blockField); ok {
		if n := bf.HessianColors(); n*(n+1)/2 <= len(c.u) {
			return c.applyBlocks(dst, bf, in)
		}
	}
	if err := c.eigen(); err != nil {
		return err
	}
	if len(c.buf) != len(dst) {
		c.buf = make([]float64, len(dst))
	}
	smax := 0.0
	for _, s := range c.vals {
		smax = math.Max(smax, math.Abs(s))
	}
	for r, s := range c.vals {
		if math.Abs(s) <= 1e-15*smax || s == 0 {
			continue
		}
		mat.Col(c.u, r, &c.vecs)
		if err := f.D2(c.buf, in, c.u, c.u); err != nil {
			return err
		}
		for i := range dst {
			dst[i] += 0.5 * s * c.buf[i]
		}
	}
	return nil
}

// applyBlocks sets dst[i] = ½ Σ_{j,k ∈ deps_i} ∂²f_i/∂x_j∂x_k W_jk from the Hessian blocks.
func (c *contractor) applyBlocks(dst []float64, f blockField, in *ir.Inputs) error {
	b, err := c.hessianBlocks(f, in)
	if err != nil {
		return err
	}
	p, w := b.Pattern, c.w.RawSymmetric()
	for i := range dst {
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		blk := b.Val[b.Off[i]:b.Off[i+1]]
		s := 0.0
		for a, j := range cols {
			row := blk[a*len(cols):]
			for bb, k := range cols {
				if h := row[bb]; h != 0 {
					jj, kk := int(j), int(k)
					if jj > kk {
						jj, kk = kk, jj
					}
					s += h * w.Data[jj*w.Stride+kk]
				}
			}
		}
		dst[i] = 0.5 * s
	}
	return nil
}

// observables evaluates the refined observables at in.Densities, with the decomposition of
// w held by c (contract must have been called with w, or it is recomputed here).
func observables(m *runtime.Model, in *ir.Inputs, v []float64, w *mat.SymDense, c *contractor) ([]Observable, error) {
	n := len(m.ObservableScaled)
	if n == 0 {
		return nil, nil
	}
	o := m.Observables
	h := make([]float64, o.Len())
	o.Eval(h, in)
	dh := make([]float64, o.Len())
	if err := o.Directional(dh, in, v); err != nil {
		return nil, err
	}
	h2 := make([]float64, o.Len())
	if c.w != w {
		if err := c.decompose(w); err != nil {
			return nil, err
		}
	}
	if err := c.apply(h2, o, in); err != nil {
		return nil, err
	}
	var out []Observable
	for i, sc := range m.ObservableScaled {
		if !sc {
			continue
		}
		cc := dh[3*i] + h2[3*i] + h[3*i+1]
		ob := Observable{Name: m.IR.Observables[i].Name, MeanField: h[3*i], C: cc, Refined1: h[3*i]}
		if in.Scale > 0 {
			ob.Refined1 += cc / in.Scale
		}
		out = append(out, ob)
	}
	return out, nil
}
