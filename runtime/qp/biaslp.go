package qp

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mfcproject/mfc/runtime/lp"
)

// MaxLPDegree is the largest degree M of the bias LP's polynomial bounds.
const MaxLPDegree = 4

// LPResult is the outcome of the bias-bound LP.
type LPResult struct {
	// Status is "optimal", "infeasible", "unbounded" or the solver's other outcome;
	// infeasibility is a result (no bias bound of this structure), not an error. For
	// one-sided bounds it is the status of the first LP, or of the second when the
	// first is optimal.
	Status                 string
	Variables, Constraints int
	// Objective is the LP's minimum: the bound g(1) + g(2) + g(3) (two-sided), or the
	// larger of Upper and Lower (one-sided).
	Objective     float64
	Level, Degree int
	// OneSided is set for the one-sided LP (--lp-sided one).
	OneSided bool
	// Bias holds B1, B2 (degree ≤ M) and B3 when Status is "optimal" (two-sided only).
	Bias *Bias
	// Dirs are the direction bounds the LP found (Status "optimal"): B_u of the two-sided
	// LP, or U_u and L_u of the one-sided LP that minimises the upper bound of 𝓕̄ − 𝓕.
	// DirsLower are those of the one-sided LP that minimises the upper bound of 𝓕 − 𝓕̄.
	Dirs, DirsLower *DirBounds
	// Upper and Lower are the one-sided LPs' minima: bounds on 𝓕̄ − 𝓕 and on 𝓕 − 𝓕̄ as
	// the LP sums them (SignedBound re-sums them with a certified tail).
	Upper, Lower float64
	// PrimalResidual is the largest violation of a row by the solution (the bias bounds
	// satisfy the sufficient conditions up to it).
	PrimalResidual float64
}

// lpOpts are the solver options of the bias LP.
var lpOpts = lp.Options{}

// dirsUp are the directions u whose bounds are variables; B_{−u}(n) = B_u(n − u) because
// D_{−u}(n) = −D_u(n − u).
var dirsUp = [][2]int{{1, 0}, {0, 1}, {1, 1}, {1, -1}}

// allDirs are the eight jumps (i, j) ≠ 0 in the order i, then j, from −1.
var allDirs = func() [][2]int {
	var d [][2]int
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			if i != 0 || j != 0 {
				d = append(d, [2]int{i, j})
			}
		}
	}
	return d
}()

// monomials returns the exponents (a, b) with a + b ≤ m, by total degree, then a
// descending: (0,0), (1,0), (0,1), (2,0), (1,1), (0,2), …
func monomials(m int) [][2]int {
	var out [][2]int
	for d := 0; d <= m; d++ {
		for a := d; a >= 0; a-- {
			out = append(out, [2]int{a, d - a})
		}
	}
	return out
}

func monoIndex(a, b int) int { d := a + b; return d*(d+1)/2 + b }

// binom returns the binomial coefficient C(n, k) for small n.
func binom(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	c := 1
	for i := 0; i < k; i++ {
		c = c * (n - i) / (i + 1)
	}
	return c
}

func ipow(x, e int) int {
	r := 1
	for range e {
		r *= x
	}
	return r
}

// DirBounds are the direction bounds found by the bias LP: on each component (c1, c2) of
// the partition (classes 0..L−1 and the tail L of each coordinate) and for u ∈ {(1,0),
// (0,1), (1,1), (1,−1)}, U_u(x) = Σ_{a+b≤M} u_{ab} (x1 − s1)^a (x2 − s2)^b (a > 0 only on a
// tail in x1, b > 0 only on a tail in x2; s_k = L on a tail for M ≥ 2, else 0), L_u likewise; the other directions follow from
// D_{−u}(n) = −D_u(n − u): U_{−u}(n) = L_u(n − u), L_{−u}(n) = U_u(n − u). Two-sided
// bounds have U = L = B.
type DirBounds struct {
	L, Degree int
	mono      [][2]int
	// shift is subtracted from a tail coordinate before it is raised (0 or L).
	shift int
	x     [2][]float64
}

// DirCell is one component of the partition with the coefficients of the bounds of one
// direction there, in the order of DirBounds.Monomials.
type DirCell struct {
	// U is the direction, one of (1,0), (0,1), (1,1), (1,−1) (the others follow by
	// D_{−u}(n) = −D_u(n − u)); Cell the component (c1, c2), c = L for the tail n ≥ L.
	U, Cell      [2]int
	Upper, Lower []float64
}

// Monomials returns the exponents (a, b) of the monomials (x1 − s1)^a (x2 − s2)^b of the
// bounds, and the shift s applied on a tail coordinate (0 on a point coordinate).
func (d *DirBounds) Monomials() ([][2]int, int) { return d.mono, d.shift }

// Cells returns the coefficients of U_u and L_u on every component where one is not 0, in
// the order direction, c1, c2. O(L²·M²).
func (d *DirBounds) Cells() []DirCell {
	nc, nm := d.L+1, len(d.mono)
	var out []DirCell
	for ui, u := range dirsUp {
		for c1 := range nc {
			for c2 := range nc {
				base := ((ui*nc+c1)*nc + c2) * nm
				up, lo := d.x[0][base:base+nm], d.x[1][base:base+nm]
				if !slices.ContainsFunc(up, func(v float64) bool { return v != 0 }) && !slices.ContainsFunc(lo, func(v float64) bool { return v != 0 }) {
					continue
				}
				out = append(out, DirCell{U: u, Cell: [2]int{c1, c2}, Upper: slices.Clone(up), Lower: slices.Clone(lo)})
			}
		}
	}
	return out
}

// Upper returns U_u(n) ≥ D_u(n) = V_t(n + u) − V_t(n) (all t ≥ 0), for n, n + u ∈ ℕ². O(M²).
func (d *DirBounds) Upper(u [2]int, n1, n2 int) float64 { return d.eval(0, u, n1, n2) }

// Lower returns L_u(n) with D_u(n) ≥ −L_u(n). O(M²).
func (d *DirBounds) Lower(u [2]int, n1, n2 int) float64 { return d.eval(1, u, n1, n2) }

func (d *DirBounds) eval(side int, u [2]int, n1, n2 int) float64 {
	ui := -1
	for k, v := range dirsUp {
		if v == u {
			ui = k
		}
	}
	if ui < 0 {
		return d.eval(1-side, [2]int{-u[0], -u[1]}, n1+u[0], n2+u[1])
	}
	nc, nm := d.L+1, len(d.mono)
	c1, c2 := min(n1, d.L), min(n2, d.L)
	base := ((ui*nc+c1)*nc + c2) * nm
	y1, y2 := float64(n1), float64(n2)
	if c1 == d.L {
		y1 -= float64(d.shift)
	}
	if c2 == d.L {
		y2 -= float64(d.shift)
	}
	s := 0.0
	for k, ab := range d.mono {
		if c := d.x[side][base+k]; c != 0 {
			s += c * math.Pow(y1, float64(ab[0])) * math.Pow(y2, float64(ab[1]))
		}
	}
	return s
}

// tailAbs returns the coefficients e_a, a ≤ M, with |U_v(n)| + |L_v(n)| ≤ Σ_a e_a (n + 1)^a
// for every direction v at the axis points (n, 0), n ≥ L + 2 (vertical: (0, n)): the sum
// of the absolute coefficients of the bounds on the components (L, 0) and (L, 1) (vertical:
// (0, L) and (1, L)), which are polynomials in the axis coordinate only, evaluated at most
// one step from n.
func (d *DirBounds) tailAbs(vertical bool) []float64 {
	nc, nm := d.L+1, len(d.mono)
	e := make([]float64, d.Degree+1)
	for side := range 2 {
		for ui := range dirsUp {
			for o := range 2 {
				c1, c2 := d.L, o
				if vertical {
					c1, c2 = o, d.L
				}
				base := ((ui*nc+c1)*nc + c2) * nm
				for k, ab := range d.mono {
					if deg := ab[0] + ab[1]; deg <= d.Degree {
						e[deg] += math.Abs(d.x[side][base+k])
					}
				}
			}
		}
	}
	return e
}

// BiasLP finds bias bounds by a reconstruction of the LP of Bai and Goseling §5.3, which the
// paper only names (digest 002 §2.8): minimise the bound g(1) + g(2) + g(3) (its (7) form,
// equal to (8) when the premise holds), linear in the coefficients of B1, B2 and B3, subject
// to sufficient conditions for |D_u(n)| ≤ B_u(n) at all times, in rates and continuous-time
// units. For each direction u and state n with n, m = n + u in ℕ², the jumps at n and at m are
// coupled: identical jumps first, then jumps landing on the same state, then the rest
// against no jump; a pair (v at n, v' at m) of mass κ moves D_u(n) to D_w(n + v),
// w = u + v' − v, so
//
//	Σ_pairs κ (B_u(n) − B̂_w(n + v)) ≥ |F(m) − F(n)|,
//
// with B̂_0 = 0, B̂_w = B_w for a unit direction and B̂_{a+b}(x) = B_a(x) + B_b(x + a)
// otherwise, is sufficient (the uniformised induction of the digest, with γ large). This
// refines the digest's set, which pairs every unequal jump with the self-loop and is
// infeasible for the joint-departure walk (the axis rates μ* and the interior's joint
// departures do not couple there; they land on the same state). B_{−u}(n) = B_u(n − u),
// since D_{−u}(n) = −D_u(n − u).
//
// Each B_u is a polynomial of total degree ≤ M (degree 0 to MaxLPDegree) on the
// components of the partition of each coordinate into 0, 1, …, L−1 and [L, ∞), in the
// tail coordinates only; the constraints are enumerated on the points 0..L+1 and the
// half-line [L+2, ∞) of each coordinate (every shift by at most 2 then stays in one
// component). On a cell with half-line coordinates, n_k = N_k + y_k with y_k ≥ 0, each
// inequality P(y) ≥ 0 is a polynomial one; it is replaced by the requirement that every
// coefficient of P in the shifted basis y1^a y2^b be ≥ 0 (the coefficients are linear in
// the variables, by the binomial expansion). This is sufficient, not necessary: the bounds
// stay certified, but the LP may miss bounds whose rows dip below zero only in the shifted
// basis. For M = 1 it is exact: the value at the corner and the signs of the slopes. A
// two-sided row |ΔF| ≤ P with ΔF not constant on the cell is the two rows P − ΔF ≥ 0 and
// P + ΔF ≥ 0. B1(n) ≥ B_u(n, 0) for u ∈ N1, B2 likewise and B3 ≥ B_u(0, 0) tie the axis
// bounds (polynomials of degree M) to the direction bounds. The reward's differences
// F(n + u) − F(n) must be polynomials of degree ≤ M in each coordinate on the half-lines
// (the origin indicator; a polynomial F of degree ≤ M + 1), checked by interpolation at
// M + 1 points per coordinate and evaluation at others; a reward of degree M + 1 gives an
// infeasible LP in practice (its bias grows like n^{M+1}). Infeasibility is a result
// (Status "infeasible"). Cost: O(L²M²) variables and O(L²M²) rows, one CLP solve
// (package runtime/lp).
func (p *Perturbed) BiasLP(f func(n1, n2 int) float64, level, degree int) (*LPResult, error) {
	return p.biasLP(f, level, degree, false)
}

// BiasLPOneSided finds one-sided bias bounds U_u(n) ≥ D_u(n) ≥ −L_u(n), U, L ≥ 0, by two LPs
// over one constraint set (digest 002 §2.8: "solve two LPs when one-sided bounds are
// used"). The derivation, with the coupling of BiasLP (a pair of mass κ moves D_u(n)
// towards D̂_w(n + v), D̂_{a+b}(x) = D_a(x) + D_b(x + a)):
//
//	d/dt D_u(n) = ΔF_u(n) + Σ_pairs κ (D̂_w(n + v) − D_u(n)),   D_u(n) = 0 at t = 0,
//
// with signed ΔF_u(n) = F(n + u) − F(n). The box −L ≤ D ≤ U is invariant (the digest's
// uniformised induction, all coefficients ≥ 0) if 0 ≤ U, 0 ≤ L and, for every u and n,
//
//	Σ_pairs κ (U_u(n) − Û_w(n + v)) ≥ ΔF_u(n),   Σ_pairs κ (L_u(n) − L̂_w(n + v)) ≥ −ΔF_u(n),
//
// where Û_{a+b}(x) = U_a(x) + U_b(x + a), L̂ likewise, and D_{−u}(n) = −D_u(n − u) swaps
// them: U_{−u}(n) = L_u(n − u), L_{−u}(n) = U_u(n − u). The error is signed: from
// d/dt π̄V_t = 𝓕̄ + π̄(Q − Q̄)V_t and π̄V_t/t → 𝓕,
//
//	𝓕̄ − 𝓕 = lim (1/t) ∫₀^t Σ_n π̄(n) Σ_v (q̄_v(n) − q_v(n)) D^s_v(n) ds
//
// (the oracle's identity 𝓕̄ − 𝓕 = π̄(Q̄ − Q)V in the limit), so with dq = q̄ − q,
//
//	𝓕̄ − 𝓕 ≤ Σ_n π̄(n) Σ_v (dq_v⁺ U_v(n) + dq_v⁻ L_v(n)) =: upper,
//	𝓕 − 𝓕̄ ≤ Σ_n π̄(n) Σ_v (dq_v⁺ L_v(n) + dq_v⁻ U_v(n)) =: lower,
//
// and 𝓕 ∈ [𝓕̄ − upper, 𝓕̄ + lower]; dq vanishes off the axes and the origin. The first LP
// minimises upper, the second lower, over the same rows (finitised as in BiasLP, without
// B1, B2, B3: the objectives weigh the direction bounds on the axes directly, the tail
// n ≥ L + 2 by moments Σ π̄(n) dq^± n^m summed numerically). U = L = B_u of a feasible
// two-sided LP is feasible here and gives upper, lower ≤ the two-sided (7) bound, so the
// one-sided interval is never wider than the two-sided one at the same L and M (up to
// the LP tolerance). Cost: twice BiasLP's variables and rows, two CLP solves (the second
// warm-started).
func (p *Perturbed) BiasLPOneSided(f func(n1, n2 int) float64, level, degree int) (*LPResult, error) {
	return p.biasLP(f, level, degree, true)
}

// cellCoord is one coordinate of a cell: a point value, or the half-line [v, ∞).
type cellCoord struct {
	v    int
	half bool
}

func (p *Perturbed) biasLP(f func(n1, n2 int) float64, level, degree int, oneSided bool) (*LPResult, error) {
	if degree < 0 || degree > MaxLPDegree {
		return nil, fmt.Errorf("--lp-degree %d: the LP takes bounds of degree 0 to %d", degree, MaxLPDegree)
	}
	if level < 1 {
		return nil, fmt.Errorf("--lp-level %d: must be ≥ 1", level)
	}
	w := p.Walk
	L := level
	// md is the structural degree: M = 0 keeps M = 1's layout with the slopes fixed at 0.
	md := max(degree, 1)
	mono := monomials(md)
	nm := len(mono)
	nc := L + 1 // classes per coordinate: 0..L−1 and the tail L
	cls := func(x int) int { return min(x, L) }
	// For M ≥ 2 the bounds on a tail component are polynomials in x_k − L (better
	// conditioned); M ≤ 1 keeps the absolute basis of the original LP.
	shift := 0
	if degree >= 2 {
		shift = L
	}
	off := func(c int) int {
		if c == L {
			return shift
		}
		return 0
	}
	sides := 1
	if oneSided {
		sides = 2
	}
	// Variables: for each side (B, or U and L), u ∈ dirsUp and component (c1, c2), the
	// coefficients of the monomials x1^a x2^b.
	nB := len(dirsUp) * nc * nc * nm
	vidx := func(side, ui, c1, c2, k int) int { return side*nB + ((ui*nc+c1)*nc+c2)*nm + k }
	nv := sides * nB
	iB1, iB2, iB3 := -1, -1, -1
	if !oneSided {
		iB1, iB2, iB3 = nv, nv+md+1, nv+2*(md+1)
		nv += 2*(md+1) + 1
	}
	prob := lp.NewProblem(nv)
	// Every coefficient lies in [−big, big]. M ≤ 1 (two-sided) keeps the original LP's box
	// 1e6; M ≥ 2 and the one-sided LP first try 1e3 and widen the box to 1e6 when the LP is
	// infeasible in it or a coefficient at its edge has a reduced cost (solve): the optimum
	// is then the same, and the coefficients that no objective weighs (the LP leaves them
	// anywhere in the box, and the solver's dual tolerance times their range is the error of
	// the objective) stay small.
	boxes := []float64{1e6}
	if oneSided || degree >= 2 {
		boxes = []float64{1e3, 1e6}
	}
	fixed := make([]bool, nv)
	setBox := func(big float64) {
		for j := range nv {
			if !fixed[j] {
				prob.SetBounds(j, -big, big)
			}
		}
		// B1, B2 and B3 are weighted by the objective and keep the widest box (in the
		// absolute basis of (8), their coefficients are those of the direction bounds times
		// powers of L).
		for j := sides * nB; j < nv; j++ {
			if !fixed[j] {
				prob.SetBounds(j, -boxes[len(boxes)-1], boxes[len(boxes)-1])
			}
		}
	}
	fix := func(j int) {
		fixed[j] = true
		prob.SetBounds(j, 0, 0)
	}
	setBox(boxes[0])
	for side := range sides {
		for ui := range dirsUp {
			for c1 := range nc {
				for c2 := range nc {
					for k, ab := range mono {
						if ab[0] > 0 && c1 < L || ab[1] > 0 && c2 < L || ab[0]+ab[1] > degree {
							fix(vidx(side, ui, c1, c2, k))
						}
					}
				}
			}
		}
	}
	if !oneSided {
		for m := degree + 1; m <= md; m++ {
			fix(iB1 + m)
			fix(iB2 + m)
		}
	}
	coords := make([]cellCoord, 0, L+3)
	for k := 0; k <= L+1; k++ {
		coords = append(coords, cellCoord{v: k})
	}
	coords = append(coords, cellCoord{v: L + 2, half: true})
	// A form is a polynomial in the cell's half-line coordinates (n_k for M ≤ 1, y_k =
	// n_k − N_k for M ≥ 2: see base), each coefficient a linear form in the variables:
	// fm[monoIndex(i1, i2)].
	type form []map[int]float64
	newForm := func() form {
		fm := make(form, nm)
		for k := range fm {
			fm[k] = map[int]float64{}
		}
		return fm
	}
	var x1, x2 cellCoord
	// base is the origin of a half-line coordinate in the forms: its corner N_k for
	// M ≥ 2 (the forms are polynomials in y_k = n_k − N_k directly, which avoids the
	// cancellation of large binomial terms), 0 for M ≤ 1 (polynomials in n_k, shifted to
	// y_k by emit, the arithmetic of the original LP).
	base := func(c cellCoord) int {
		if shift != 0 && c.half {
			return c.v
		}
		return 0
	}
	flip := func(side int) int {
		if oneSided {
			return 1 - side
		}
		return 0
	}
	// addB adds scale·B_w(n + s) (side 0: B or U, side 1: L) to fm.
	var addB func(fm form, side int, w [2]int, s [2]int, scale float64)
	addB = func(fm form, side int, w [2]int, s [2]int, scale float64) {
		ui := -1
		for k, d := range dirsUp {
			if d == w {
				ui = k
			}
		}
		if ui < 0 { // B_w(x) = B_{−w}(x + w), the sides swapped
			addB(fm, flip(side), [2]int{-w[0], -w[1]}, [2]int{s[0] + w[0], s[1] + w[1]}, scale)
			return
		}
		p1, p2 := x1.v+s[0], x2.v+s[1]
		c1, c2 := cls(p1), cls(p2)
		for k, ab := range mono {
			j := vidx(side, ui, c1, c2, k)
			// x_k^a at x_k = n_k + s_k on a half-line: Σ_i C(a, i) s_k^{a−i} n_k^i; at a
			// point: p_k^a.
			top1, top2 := 0, 0
			if x1.half {
				top1 = ab[0]
			}
			if x2.half {
				top2 = ab[1]
			}
			for i1 := 0; i1 <= top1; i1++ {
				f1 := ipow(p1-off(c1), ab[0])
				if x1.half {
					f1 = binom(ab[0], i1) * ipow(base(x1)+s[0]-off(c1), ab[0]-i1)
				}
				for i2 := 0; i2 <= top2; i2++ {
					f2 := ipow(p2-off(c2), ab[1])
					if x2.half {
						f2 = binom(ab[1], i2) * ipow(base(x2)+s[1]-off(c2), ab[1]-i2)
					}
					fm[monoIndex(i1, i2)][j] += scale * float64(f1*f2)
				}
			}
		}
	}
	// addBhat adds scale·B̂_w(n + s): 0 for w = 0, B_w for a unit direction, and for a
	// longer w = a + b (a the unit step towards w) B_a(x) + B_b(x + a).
	addBhat := func(fm form, side int, wv [2]int, s [2]int, scale float64) {
		if wv == [2]int{} {
			return
		}
		sg := func(x int) int { return max(-1, min(1, x)) }
		a := [2]int{sg(wv[0]), sg(wv[1])}
		addB(fm, side, a, s, scale)
		if b := [2]int{wv[0] - a[0], wv[1] - a[1]}; b != [2]int{} {
			addB(fm, side, b, [2]int{s[0] + a[0], s[1] + a[1]}, scale)
		}
	}
	rows := 0
	infeasible := false // a row without variables that cannot hold
	// emit adds the rows of fm ≥ rhs on the current cell: with n_k = N_k + y_k on the
	// half-lines, every coefficient of y1^j1 y2^j2 of fm − rhs is ≥ 0 (rhs is given in the
	// shifted basis). The corner (j = 0) comes last.
	emit := func(fm form, rhs map[[2]int]float64) {
		add := func(m map[int]float64, lo float64) {
			if len(m) == 0 {
				if lo > 0 {
					infeasible = true
				}
				return
			}
			cols := make([]int, 0, len(m))
			for j := range m {
				cols = append(cols, j)
			}
			sort.Ints(cols)
			vals := make([]float64, len(cols))
			for i, j := range cols {
				vals[i] = m[j]
			}
			prob.AddRow(cols, vals, lo, math.Inf(1))
			rows++
		}
		shifted := func(j1, j2 int) map[int]float64 {
			out := map[int]float64{}
			for k, ab := range mono {
				if ab[0] < j1 || ab[1] < j2 || len(fm[k]) == 0 {
					continue
				}
				c := binom(ab[0], j1) * ipow(x1.v-base(x1), ab[0]-j1) * binom(ab[1], j2) * ipow(x2.v-base(x2), ab[1]-j2)
				for j, a := range fm[k] {
					out[j] += a * float64(c)
				}
			}
			return out
		}
		var order [][2]int
		for _, ab := range mono[1:] {
			if (ab[0] == 0 || x1.half) && (ab[1] == 0 || x2.half) {
				order = append(order, ab)
			}
		}
		var extra [][2]int
		for ab := range rhs {
			if ab != [2]int{} && (ab[0]+ab[1] > md || ab[0] > 0 && !x1.half || ab[1] > 0 && !x2.half) {
				extra = append(extra, ab)
			}
		}
		sort.Slice(extra, func(a, b int) bool {
			return extra[a][0] < extra[b][0] || extra[a][0] == extra[b][0] && extra[a][1] < extra[b][1]
		})
		for _, ab := range append(append(order, extra...), [2]int{}) {
			var m map[int]float64
			if ab[0]+ab[1] <= md {
				m = shifted(ab[0], ab[1])
			} else {
				m = map[int]float64{}
			}
			add(m, rhs[ab])
		}
	}
	// dF returns ΔF_u on the current cell in the shifted basis, and whether it is constant.
	dF := func(u [2]int) (map[[2]int]float64, bool, error) {
		n1, n2 := x1.v, x2.v
		d0 := f(n1+u[0], n2+u[1]) - f(n1, n2)
		if !x1.half && !x2.half {
			return map[[2]int]float64{{}: d0}, true, nil
		}
		at := func(y1, y2 int) float64 {
			return f(n1+y1+u[0], n2+y2+u[1]) - f(n1+y1, n2+y2)
		}
		test := []int{0}
		for k := 1; k <= degree+2; k++ {
			test = append(test, k)
		}
		test = append(test, 37)
		t1, t2 := []int{0}, []int{0}
		if x1.half {
			t1 = test
		}
		if x2.half {
			t2 = test
		}
		constant := true
		for _, y1 := range t1 {
			for _, y2 := range t2 {
				if d := at(y1, y2); math.Abs(d-d0) > 1e-9*max(1, math.Abs(d0)) {
					constant = false
				}
			}
		}
		if constant {
			return map[[2]int]float64{{}: d0}, true, nil
		}
		c, ok := fitCell(at, degree, x1.half, x2.half, t1, t2)
		if !ok {
			return nil, false, fmt.Errorf("the bias LP of degree %d needs a reward whose differences F(n + u) − F(n) are polynomials of degree ≤ %d in each coordinate far out (the origin indicator, or a polynomial of degree ≤ %d); raise --lp-degree (at most %d) or give the bounds with --bias", degree, degree, degree+1, MaxLPDegree)
		}
		return c, false, nil
	}
	for _, a := range coords {
		for _, b := range coords {
			x1, x2 = a, b
			n1, n2 := a.v, b.v
			// B_u ≥ 0 on the cell.
			for side := range sides {
				for _, u := range dirsUp {
					fm := newForm()
					addB(fm, side, u, [2]int{0, 0}, 1)
					emit(fm, nil)
				}
			}
			for _, u := range dirsUp {
				m1, m2 := n1+u[0], n2+u[1]
				if m1 < 0 || m2 < 0 {
					continue
				}
				fms := make([]form, sides)
				for side := range fms {
					fms[side] = newForm()
				}
				// A coupling of the jumps at n (rates rn) and at m = n + u (rates rm); a
				// pair (v at n, v' at m) with mass κ contributes κ(B_u(n) − B̂_w(n + v)),
				// w = u + v' − v (v or v' = 0: no jump). Identical jumps first, then jumps
				// landing on the same state (w = 0), then the rest against no jump.
				rn, rm := map[[2]int]float64{}, map[[2]int]float64{}
				for _, v := range allDirs {
					rn[v], rm[v] = w.Rate(n1, n2, v[0], v[1]), w.Rate(m1, m2, v[0], v[1])
				}
				pair := func(v, vp [2]int, k float64) {
					if k <= 0 {
						return
					}
					for side, fm := range fms {
						addB(fm, side, u, [2]int{0, 0}, k)
						addBhat(fm, side, [2]int{u[0] + vp[0] - v[0], u[1] + vp[1] - v[1]}, v, -k)
					}
				}
				for _, v := range allDirs {
					k := min(rn[v], rm[v])
					pair(v, v, k)
					rn[v] -= k
					rm[v] -= k
				}
				for _, v := range allDirs {
					vp := [2]int{v[0] - u[0], v[1] - u[1]}
					if vp == [2]int{} {
						pair(v, vp, rn[v]) // n jumps onto m
						rn[v] = 0
						continue
					}
					if r, ok := rm[vp]; ok {
						k := min(rn[v], r)
						pair(v, vp, k)
						rn[v] -= k
						rm[vp] -= k
					}
				}
				for _, v := range allDirs {
					pair(v, [2]int{}, rn[v])
					pair([2]int{}, v, rm[v])
				}
				d, constant, err := dF(u)
				if err != nil {
					return nil, err
				}
				neg := map[[2]int]float64{}
				for k, c := range d {
					neg[k] = -c
				}
				switch {
				case oneSided:
					emit(fms[0], d)
					emit(fms[1], neg)
				case constant:
					emit(fms[0], map[[2]int]float64{{}: math.Abs(d[[2]int{}])})
				default:
					emit(fms[0], d)
					emit(fms[0], neg)
				}
			}
			// The axis bounds dominate the direction bounds (two-sided).
			if oneSided {
				continue
			}
			if n2 == 0 && !b.half && (n1 >= 1 || a.half) || n1 == 0 && !a.half && (n2 >= 1 || b.half) || n1 == 0 && n2 == 0 && !a.half && !b.half {
				for _, u := range allDirs {
					if n1+u[0] < 0 || n2+u[1] < 0 {
						continue
					}
					fm := newForm()
					addB(fm, 0, u, [2]int{0, 0}, -1)
					switch {
					case n1 == 0 && n2 == 0 && !a.half && !b.half:
						fm[0][iB3] += 1
					case n2 == 0 && !b.half:
						for m := 0; m <= md; m++ {
							if a.half {
								for i := m; i >= 0 && (i == m || shift != 0); i-- {
									fm[monoIndex(i, 0)][iB1+m] += float64(binom(m, i) * ipow(base(a), m-i))
								}
							} else {
								fm[0][iB1+m] += float64(ipow(n1, m))
							}
						}
					default:
						for m := 0; m <= md; m++ {
							if b.half {
								for i := m; i >= 0 && (i == m || shift != 0); i-- {
									fm[monoIndex(0, i)][iB2+m] += float64(binom(m, i) * ipow(base(b), m-i))
								}
							} else {
								fm[0][iB2+m] += float64(ipow(n2, m))
							}
						}
					}
					emit(fm, nil)
				}
			}
		}
	}
	out := &LPResult{Variables: nv, Constraints: rows, Level: L, Degree: degree, OneSided: oneSided}
	if infeasible {
		out.Status = lp.Infeasible.String()
		return out, nil
	}
	// The one-sided LPs start without CLP's presolve: with it, one of them (Table C
	// r = 0.05, M = 2) spent seconds in it; solve switches on a numerical failure.
	opts := lpOpts
	if oneSided {
		opts.NoPresolve = true
	}
	solver := lp.New()
	defer solver.Close()
	if err := solver.Load(prob, opts); err != nil {
		return nil, fmt.Errorf("bias LP: %w", err)
	}
	box := 0
	// solveBox minimises c in the smallest box that does not limit the optimum: a
	// coefficient at the edge of the box with a reduced cost above 1e-9 of the largest
	// weight, or infeasibility, moves to the next box.
	solveBox := func(c []float64) (*lp.Result, error) {
		cmax := 0.0
		for _, x := range c {
			cmax = max(cmax, math.Abs(x))
		}
		for {
			res, err := solver.Solve(lp.Minimize, c)
			if err != nil || box == len(boxes)-1 {
				return res, err
			}
			limited := res.Status != lp.Optimal
			if res.Status == lp.Optimal {
				for j, x := range res.X {
					if !fixed[j] && j < sides*nB && math.Abs(x) >= boxes[box]*(1-1e-9) && math.Abs(res.D[j]) > 1e-9*cmax {
						limited = true
						break
					}
				}
			}
			if !limited {
				return res, nil
			}
			box++
			setBox(boxes[box])
			if err := solver.Load(prob, opts); err != nil {
				return nil, err
			}
		}
	}
	// solve is solveBox, repeated with CLP's presolve switched (off if it was on, on if it
	// was off) when the solver fails numerically or its solution violates a row by more
	// than 1e-7 (the LPs of high degree at light load, whose weights span ten orders of
	// magnitude, are at the edge of its tolerances; either setting fails on some of them).
	retried := false
	solve := func(c []float64) (*lp.Result, error) {
		res, err := solveBox(c)
		bad := err == nil && (res.Status == lp.Numerical || res.Status == lp.Limit || res.Status == lp.Optimal && res.PrimalResidual > 1e-7)
		if !bad || retried {
			return res, err
		}
		retried = true
		opts.NoPresolve = !opts.NoPresolve
		if err := solver.Load(prob, opts); err != nil {
			return nil, err
		}
		return solveBox(c)
	}
	dirs := func(x []float64) *DirBounds {
		d := &DirBounds{L: L, Degree: degree, mono: mono, shift: shift}
		d.x[0] = append([]float64(nil), x[:nB]...)
		d.x[1] = d.x[0]
		if oneSided {
			d.x[1] = append([]float64(nil), x[nB:2*nB]...)
		}
		return d
	}
	if oneSided {
		// Objectives: upper = Σ π̄ Σ_v (dq⁺ U_v + dq⁻ L_v) and lower with U and L swapped,
		// over the origin, the axis points 1..L+1 and the axis tails n ≥ L + 2 (moments).
		cu, cl := make([]float64, nv), make([]float64, nv)
		dq := func(n1, n2 int, v [2]int) float64 {
			return p.Rate(n1, n2, v[0], v[1]) - w.Rate(n1, n2, v[0], v[1])
		}
		// put adds the forms of U_v and L_v weighted by the moments tp (of dq⁺) and tn (of
		// dq⁻): fm[monoIndex(i, ·)] holds the coefficient of n^i on the axis.
		put := func(v [2]int, at func(i int) int, tp, tn []float64) {
			fu, fl := newForm(), newForm()
			addB(fu, 0, v, [2]int{0, 0}, 1)
			addB(fl, 1, v, [2]int{0, 0}, 1)
			for i := range tp {
				for j, a := range fu[at(i)] {
					cu[j] += a * tp[i]
					cl[j] += a * tn[i]
				}
				for j, a := range fl[at(i)] {
					cu[j] += a * tn[i]
					cl[j] += a * tp[i]
				}
			}
		}
		points := [][2]int{{0, 0}}
		for n := 1; n <= L+1; n++ {
			points = append(points, [2]int{n, 0}, [2]int{0, n})
		}
		for _, pt := range points {
			x1, x2 = cellCoord{v: pt[0]}, cellCoord{v: pt[1]}
			pi := p.Pi(pt[0], pt[1])
			for _, v := range allDirs {
				if pt[0]+v[0] < 0 || pt[1]+v[1] < 0 {
					continue
				}
				if d := dq(pt[0], pt[1], v); d != 0 {
					put(v, func(int) int { return 0 }, []float64{pi * max(d, 0)}, []float64{pi * max(-d, 0)})
				}
			}
		}
		for _, vertical := range []bool{false, true} {
			x1, x2 = cellCoord{v: L + 2, half: true}, cellCoord{v: 0}
			at := func(i int) int { return monoIndex(i, 0) }
			if vertical {
				x1, x2 = x2, x1
				at = func(i int) int { return monoIndex(0, i) }
			}
			for _, v := range allDirs {
				if vertical && v[0] < 0 || !vertical && v[1] < 0 {
					continue
				}
				g := func(n int) float64 {
					if vertical {
						return dq(0, n, v)
					}
					return dq(n, 0, v)
				}
				gmax := p.dqMax(v, vertical, g(L+2))
				if gmax == 0 {
					continue
				}
				b0 := base(cellCoord{v: L + 2, half: true})
				tp := p.axisMoments(vertical, L+2, b0, md, func(n int) float64 { return max(g(n), 0) }, gmax)
				tn := p.axisMoments(vertical, L+2, b0, md, func(n int) float64 { return max(-g(n), 0) }, gmax)
				put(v, at, tp, tn)
			}
		}
		var sols [2]*DirBounds
		for k, c := range [][]float64{cu, cl} {
			// The objective is scaled to a largest weight 1 (the weights fall like π̄ along
			// the axes, and the solver's dual tolerance is absolute).
			mx := 0.0
			for _, x := range c {
				mx = max(mx, math.Abs(x))
			}
			if mx == 0 {
				mx = 1
			}
			cs := make([]float64, len(c))
			for i := range c {
				cs[i] = c[i] / mx
			}

			res, err := solve(cs)
			if err != nil {
				return nil, fmt.Errorf("bias LP: %w", err)
			}
			res.Objective *= mx
			out.Status = res.Status.String()
			if res.Status != lp.Optimal {
				return out, nil
			}
			if res.PrimalResidual > 1e-7 {
				out.Status = fmt.Sprintf("numerical (the solution violates a row by %.2g)", res.PrimalResidual)
				return out, nil
			}
			out.PrimalResidual = max(out.PrimalResidual, res.PrimalResidual)
			if k == 0 {
				out.Upper = res.Objective
			} else {
				out.Lower = res.Objective
			}
			sols[k] = dirs(res.X)
		}
		out.Dirs, out.DirsLower = sols[0], sols[1]
		out.Objective = max(out.Upper, out.Lower)
		return out, nil
	}
	if !oneSided {
		// Objective: the bound's coefficients of b_{1,m}, b_{2,m} and B3.
		c := make([]float64, nv)
		wh, wv := p.AxisWeights(md+1, false), p.AxisWeights(md+1, true)
		_, _, dr := p.Deltas()
		for m := 0; m <= md; m++ {
			c[iB1+m], c[iB2+m] = wh[m], wv[m]
		}
		c[iB3] = dr * p.Mass0()
		// A coefficient that the bound does not weigh (δ_r = 0: B3) gets a tiny weight, so
		// that the LP returns its smallest value instead of an arbitrary one.
		for j := iB1; j <= iB3; j++ {
			c[j] = max(c[j], 1e-9)
		}
		res, err := solve(c)
		if err != nil {
			return nil, fmt.Errorf("bias LP: %w", err)
		}
		out.Status = res.Status.String()
		if res.Status == lp.Optimal {
			if res.PrimalResidual > 1e-7 {
				out.Status = fmt.Sprintf("numerical (the solution violates a row by %.2g)", res.PrimalResidual)
				return out, nil
			}
			out.PrimalResidual = res.PrimalResidual
			out.Objective = res.Objective
			x := res.X
			out.Bias = &Bias{B1: make([]float64, degree+1), B2: make([]float64, degree+1), B3: max(x[iB3], 0)}
			for m := 0; m <= degree; m++ {
				out.Bias.B1[m], out.Bias.B2[m] = x[iB1+m], x[iB2+m]
				if degree <= 1 {
					// Raising a negative coefficient to 0 keeps B ≥ the direction bounds.
					out.Bias.B1[m], out.Bias.B2[m] = max(x[iB1+m], 0), max(x[iB2+m], 0)
				}
			}
			out.Dirs = dirs(x)
		}
	}
	return out, nil
}

// fitCell interpolates g(y1, y2) on the grid {0..M} of each half-line coordinate by a
// polynomial of degree ≤ M in each (Newton's forward differences, converted to monomials),
// checks it at the test points t1 × t2 to 1e-9 relative, and returns its coefficients of
// y1^a y2^b (those below 1e-12 of the values dropped). O(M⁴ + |t1||t2|M²).
func fitCell(g func(y1, y2 int) float64, M int, half1, half2 bool, t1, t2 []int) (map[[2]int]float64, bool) {
	d1, d2 := 0, 0
	if half1 {
		d1 = M
	}
	if half2 {
		d2 = M
	}
	// rows[y2][a]: coefficients in y1 at each node y2.
	rows := make([][]float64, d2+1)
	for y2 := 0; y2 <= d2; y2++ {
		v := make([]float64, d1+1)
		for y1 := range v {
			v[y1] = g(y1, y2)
		}
		rows[y2] = newtonMonomial(v)
	}
	// Coefficients below 1e-12 of the values on the grid are round-off of a lower degree
	// (they would make a row without variables fail).
	scale := 1.0
	for y2 := 0; y2 <= d2; y2++ {
		for y1 := 0; y1 <= d1; y1++ {
			scale = max(scale, math.Abs(g(y1, y2)))
		}
	}
	c := map[[2]int]float64{}
	for a := 0; a <= d1; a++ {
		v := make([]float64, d2+1)
		for y2 := range v {
			v[y2] = rows[y2][a]
		}
		for b, x := range newtonMonomial(v) {
			if math.Abs(x) > 1e-12*scale {
				c[[2]int{a, b}] = x
			}
		}
	}
	for _, y1 := range t1 {
		for _, y2 := range t2 {
			want := g(y1, y2)
			got := 0.0
			for ab, x := range c {
				got += x * math.Pow(float64(y1), float64(ab[0])) * math.Pow(float64(y2), float64(ab[1]))
			}
			if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
				return nil, false
			}
		}
	}
	return c, true
}

// newtonMonomial returns the monomial coefficients of the polynomial of degree
// < len(v) through (k, v[k]), k = 0, 1, …: Σ_k Δ^k v(0)/k! · y(y − 1)…(y − k + 1).
func newtonMonomial(v []float64) []float64 {
	n := len(v)
	diff := append([]float64(nil), v...)
	out := make([]float64, n)
	basis := []float64{1} // the falling factorial y(y−1)…(y−k+1)/k!
	for k := 0; k < n; k++ {
		for i, b := range basis {
			out[i] += diff[0] * b
		}
		for i := 0; i < n-k-1; i++ {
			diff[i] = diff[i+1] - diff[i]
		}
		// basis *= (y − k)/(k + 1)
		nb := make([]float64, len(basis)+1)
		for i, b := range basis {
			nb[i+1] += b / float64(k+1)
			nb[i] -= b * float64(k) / float64(k+1)
		}
		basis = nb
	}
	return out
}

// dqMax returns a bound on |q̄_v(n) − q_v(n)| along an axis (vertical: (0, n), else (n, 0)),
// n ≥ 1: |d| for every direction but the inward one, whose rate h̄_{−1,0}(n) (v̄_{0,−1}(n))
// varies; for that one, the largest |r_k − rate| and |limit − rate| (a convex combination
// of the r_k when every c_k > 0).
func (p *Perturbed) dqMax(v [2]int, vertical bool, d float64) float64 {
	w := p.Walk
	if !vertical && v != [2]int{-1, 0} || vertical && v != [2]int{0, -1} {
		return math.Abs(d)
	}
	rate := w.H.At(-1, 0)
	if vertical {
		rate = w.V.At(0, -1)
	}
	return p.inwardDeviation(rate, vertical)
}

// axisMoments returns Σ_{n≥n0} π̄(n) g(n) (n − b)^i, i = 0..deg, 0 ≤ b ≤ n0, along an axis (vertical:
// π̄(0, n), else π̄(n, 0)), for 0 ≤ g ≤ gmax: summed until a certified bound of the tail
// (gmax Σ_k |c_k| Σ_{n'>n} z_k^{n'} n'^deg, the ratio of whose terms decreases) is below
// 1e-17 of the sum or of the first term's envelope; the tail bound is added to every moment.
// O(K) a term.
func (p *Perturbed) axisMoments(vertical bool, n0, b, deg int, g func(n int) float64, gmax float64) []float64 {
	out := make([]float64, deg+1)
	ref := 0.0
	for _, t := range p.Terms {
		ref += math.Abs(t.C) * math.Pow(p.coord(t, vertical), float64(n0))
	}
	ref *= gmax * math.Pow(float64(n0), float64(deg))
	for n := n0; n < n0+1_000_000; n++ {
		pin, tail := 0.0, 0.0
		for _, t := range p.Terms {
			z := p.coord(t, vertical)
			pin += t.C * math.Pow(z, float64(n))
			q := z * math.Pow(float64(n+2)/float64(n+1), float64(deg))
			if q >= 1 || math.IsInf(tail, 1) {
				tail = math.Inf(1)
				continue
			}
			tail += math.Abs(t.C) * math.Pow(z, float64(n+1)) * math.Pow(float64(n+1), float64(deg)) / (1 - q)
		}
		x := pin * g(n)
		for i := range out {
			out[i] += x
			x *= float64(n - b)
		}
		tail *= gmax
		if tail <= 1e-17*max(math.Abs(out[deg]), ref) || tail < 1e-300 {
			for i := range out {
				out[i] += tail
			}
			return out
		}
	}
	return out
}

// SignedError is the one-sided error bound of BiasLPOneSided: 𝓕̄ − 𝓕 ≤ Upper and
// 𝓕 − 𝓕̄ ≤ Lower, so 𝓕 ∈ [𝓕̄ − Upper, 𝓕̄ + Lower]; GUpper and GLower split them into
// the horizontal axis, the vertical axis and the origin (the places of g(1), g(2), g(3)).
type SignedError struct {
	Upper, Lower   float64
	GUpper, GLower [3]float64
	// Terms is the number of axis points summed per axis.
	Terms [2]int
}

// SignedBound sums Upper = Σ_n π̄(n) Σ_v (dq_v⁺ U_v(n) + dq_v⁻ L_v(n)) and Lower (U and L
// swapped), dq = q̄ − q, for the direction bounds d of the original walk (valid for any
// perturbation R̄ of it), over the origin and the axes, each axis until a certified tail
// bound, Σ_v max|dq_v| · Σ_k |c_k| Σ_{n'>n} z_k^{n'} E(n' + 1) with E the envelope of
// |U| + |L| (DirBounds.tailAbs), is below 1e-16 of the sums; the tail bound is added to
// both. O(K + M²) a term.
func (p *Perturbed) SignedBound(d *DirBounds) SignedError {
	w := p.Walk
	var e SignedError
	add := func(n1, n2, part int) {
		pi := p.Pi(n1, n2)
		for _, v := range allDirs {
			if n1+v[0] < 0 || n2+v[1] < 0 {
				continue
			}
			dq := p.Rate(n1, n2, v[0], v[1]) - w.Rate(n1, n2, v[0], v[1])
			if dq == 0 {
				continue
			}
			u, l := d.Upper(v, n1, n2), d.Lower(v, n1, n2)
			e.GUpper[part] += pi * (max(dq, 0)*u + max(-dq, 0)*l)
			e.GLower[part] += pi * (max(dq, 0)*l + max(-dq, 0)*u)
		}
	}
	add(0, 0, 2)
	for part, vertical := range []bool{false, true} {
		env := d.tailAbs(vertical)
		G := 0.0
		for _, v := range allDirs {
			if vertical && v[0] < 0 || !vertical && v[1] < 0 {
				continue
			}
			n1, n2 := d.L+2, 0
			if vertical {
				n1, n2 = 0, d.L+2
			}
			G += p.dqMax(v, vertical, p.Rate(n1, n2, v[0], v[1])-w.Rate(n1, n2, v[0], v[1]))
		}
		deg := float64(d.Degree)
		for n := 1; n <= 1_000_000; n++ {
			if vertical {
				add(0, n, part)
			} else {
				add(n, 0, part)
			}
			e.Terms[part] = n
			if n < d.L+2 {
				continue
			}
			tail := 0.0
			for _, t := range p.Terms {
				z := p.coord(t, vertical)
				q := z * math.Pow(float64(n+3)/float64(n+2), deg)
				if q >= 1 {
					tail = math.Inf(1)
					break
				}
				tail += math.Abs(t.C) * math.Pow(z, float64(n+1)) * poly(env, float64(n+2)) / (1 - q)
			}
			tail *= G
			if tail <= 1e-16*max(e.GUpper[part], e.GLower[part]) || tail < 1e-300 {
				e.GUpper[part] += tail
				e.GLower[part] += tail
				break
			}
		}
	}
	// Every summand is ≥ 0 (U, L ≥ 0); clamp the round-off of an exact 0.
	for k := range 3 {
		e.GUpper[k], e.GLower[k] = max(e.GUpper[k], 0), max(e.GLower[k], 0)
	}
	e.Upper = e.GUpper[0] + e.GUpper[1] + e.GUpper[2]
	e.Lower = e.GLower[0] + e.GLower[1] + e.GLower[2]
	return e
}

// OneSidedBound is the certified one-sided bound of an optimal BiasLPOneSided result:
// Upper from the solution of the first LP, Lower from that of the second (each pair U, L
// is a valid certificate on its own). ok is false when r holds no solution.
func (p *Perturbed) OneSidedBound(r *LPResult) (e SignedError, ok bool) {
	if r == nil || r.Dirs == nil || r.DirsLower == nil {
		return e, false
	}
	up, lo := p.SignedBound(r.Dirs), p.SignedBound(r.DirsLower)
	return SignedError{Upper: up.Upper, GUpper: up.GUpper, Lower: lo.Lower, GLower: lo.GLower,
		Terms: [2]int{max(up.Terms[0], lo.Terms[0]), max(up.Terms[1], lo.Terms[1])}}, true
}
