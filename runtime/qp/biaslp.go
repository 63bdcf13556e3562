package qp

import (
	"fmt"
	"math"
	"sort"

	"github.com/mfcproject/mfc/runtime/lp"
)

// LPResult is the outcome of the bias-bound LP.
type LPResult struct {
	// Status is "optimal", "infeasible", "unbounded" or the solver's other outcome;
	// infeasibility is a result (no bias bound of this structure), not an error.
	Status                 string
	Variables, Constraints int
	Objective              float64
	Level, Degree          int
	// Bias holds B1, B2 (degree ≤ 1) and B3 when Status is "optimal".
	Bias *Bias
	// PrimalResidual is the largest violation of a row by the solution (the bias bounds
	// satisfy the sufficient conditions up to it).
	PrimalResidual float64
}

// dirsUp are the directions u whose bounds are variables; B_{−u}(n) = B_u(n − u) because
// D_{−u}(n) = −D_u(n − u).
var dirsUp = [][2]int{{1, 0}, {0, 1}, {1, 1}, {1, -1}}

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
// since D_{−u}(n) = −D_u(n − u). Each B_u is affine (degree 0 or 1) on the components of the
// partition of each coordinate into 0, 1, …, L−1 and [L, ∞); the constraints are
// enumerated on the points 0..L+1 and the half-line [L+2, ∞) of each coordinate (every shift
// by at most 2 then stays in one component), an affine inequality on a half-line reduced to
// its value at the corner and the sign of its slope. B1(n) ≥ B_u(n, 0) for u ∈ N1, B2 likewise
// and B3 ≥ B_u(0, 0) tie the axis bounds to the direction bounds. The reward's differences
// must be constant on the half-lines (the origin indicator, or polynomials of degree ≤ 1).
// Infeasibility is a result (Status "infeasible"). Cost: O(L²) rows and variables, one
// CLP solve (package runtime/lp).
func (p *Perturbed) BiasLP(f func(n1, n2 int) float64, level, degree int) (*LPResult, error) {
	if degree < 0 || degree > 1 {
		return nil, fmt.Errorf("--lp-degree %d: the LP takes bounds of degree 0 or 1", degree)
	}
	if level < 1 {
		return nil, fmt.Errorf("--lp-level %d: must be ≥ 1", level)
	}
	w := p.Walk
	L := level
	// ΔF must be constant on the half-lines: check at two far points.
	for _, u := range dirsUp {
		for _, far := range [][2]int{{L + 2, 1}, {1, L + 2}, {L + 2, L + 2}, {L + 2, 0}, {0, L + 2}} {
			n1, n2 := far[0], far[1]
			if n2+u[1] < 0 {
				continue
			}
			d0 := f(n1+u[0], n2+u[1]) - f(n1, n2)
			m1, m2 := n1, n2
			if n1 >= L+2 {
				m1 = n1 + 37
			}
			if n2 >= L+2 {
				m2 = n2 + 37
			}
			if d1 := f(m1+u[0], m2+u[1]) - f(m1, m2); math.Abs(d1-d0) > 1e-9*max(1, math.Abs(d0)) {
				return nil, fmt.Errorf("the bias LP needs a reward whose differences are constant far out (the origin indicator, or a polynomial of degree ≤ 1)")
			}
		}
	}
	nc := L + 1 // classes per coordinate: 0..L−1 and the tail L
	cls := func(x int) int { return min(x, L) }
	// Variables: for each u ∈ dirsUp and component (c1, c2), (a, b, c): B = a + b x1 + c x2.
	vidx := func(ui, c1, c2, k int) int { return ((ui*nc+c1)*nc+c2)*3 + k }
	nv := len(dirsUp) * nc * nc * 3
	iB1, iB2, iB3 := nv, nv+2, nv+4
	nv += 5
	prob := lp.NewProblem(nv)
	const big = 1e6
	for j := range nv {
		prob.SetBounds(j, -big, big)
	}
	for ui := range dirsUp {
		for c1 := range nc {
			for c2 := range nc {
				if c1 < L || degree == 0 {
					prob.SetBounds(vidx(ui, c1, c2, 1), 0, 0)
				}
				if c2 < L || degree == 0 {
					prob.SetBounds(vidx(ui, c1, c2, 2), 0, 0)
				}
			}
		}
	}
	if degree == 0 {
		prob.SetBounds(iB1+1, 0, 0)
		prob.SetBounds(iB2+1, 0, 0)
	}
	// A cell: per coordinate a point value, or the half-line [L+2, ∞) (half = true).
	type coord struct {
		v    int
		half bool
	}
	coords := make([]coord, 0, L+3)
	for k := 0; k <= L+1; k++ {
		coords = append(coords, coord{v: k})
	}
	coords = append(coords, coord{v: L + 2, half: true})
	// form accumulates an affine function of n on a cell: k[0] + k[1] n1 + k[2] n2, each a
	// linear form in the variables.
	type form [3]map[int]float64
	newForm := func() form { return form{{}, {}, {}} }
	var x1, x2 coord
	// addB adds scale·B_w(n + s) to fm.
	var addB func(fm form, w [2]int, s [2]int, scale float64)
	addB = func(fm form, w [2]int, s [2]int, scale float64) {
		ui := -1
		for k, d := range dirsUp {
			if d == w {
				ui = k
			}
		}
		if ui < 0 { // B_w(x) = B_{−w}(x + w)
			addB(fm, [2]int{-w[0], -w[1]}, [2]int{s[0] + w[0], s[1] + w[1]}, scale)
			return
		}
		p1, p2 := x1.v+s[0], x2.v+s[1]
		c1, c2 := cls(p1), cls(p2)
		fm[0][vidx(ui, c1, c2, 0)] += scale
		for k, xc := range []coord{x1, x2} {
			j := vidx(ui, c1, c2, 1+k)
			if xc.half {
				fm[0][j] += scale * float64(s[k])
				fm[1+k][j] += scale
			} else {
				fm[0][j] += scale * float64([]int{p1, p2}[k])
			}
		}
	}
	// addBhat adds scale·B̂_w(n + s): 0 for w = 0, B_w for a unit direction, and for a
	// longer w = a + b (a the unit step towards w) B_a(x) + B_b(x + a).
	addBhat := func(fm form, wv [2]int, s [2]int, scale float64) {
		if wv == [2]int{} {
			return
		}
		sg := func(x int) int { return max(-1, min(1, x)) }
		a := [2]int{sg(wv[0]), sg(wv[1])}
		addB(fm, a, s, scale)
		if b := [2]int{wv[0] - a[0], wv[1] - a[1]}; b != [2]int{} {
			addB(fm, b, [2]int{s[0] + a[0], s[1] + a[1]}, scale)
		}
	}
	rows := 0
	// emit adds the rows of fm ≥ rhs on the current cell.
	emit := func(fm form, rhs float64) {
		add := func(m map[int]float64, lo float64) {
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
		corner := map[int]float64{}
		for j, a := range fm[0] {
			corner[j] += a
		}
		for k, xc := range []coord{x1, x2} {
			if xc.half {
				for j, a := range fm[1+k] {
					corner[j] += a * float64(xc.v)
				}
				add(fm[1+k], 0)
			}
		}
		add(corner, rhs)
	}
	dirs := [][2]int{}
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			if i != 0 || j != 0 {
				dirs = append(dirs, [2]int{i, j})
			}
		}
	}
	for _, a := range coords {
		for _, b := range coords {
			x1, x2 = a, b
			n1, n2 := a.v, b.v
			// B_u ≥ 0 on the cell.
			for _, u := range dirsUp {
				fm := newForm()
				addB(fm, u, [2]int{0, 0}, 1)
				emit(fm, 0)
			}
			for _, u := range dirsUp {
				m1, m2 := n1+u[0], n2+u[1]
				if m1 < 0 || m2 < 0 {
					continue
				}
				fm := newForm()
				// A coupling of the jumps at n (rates rn) and at m = n + u (rates rm); a
				// pair (v at n, v' at m) with mass κ contributes κ(B_u(n) − B̂_w(n + v)),
				// w = u + v' − v (v or v' = 0: no jump). Identical jumps first, then jumps
				// landing on the same state (w = 0), then the rest against no jump.
				rn, rm := map[[2]int]float64{}, map[[2]int]float64{}
				for _, v := range dirs {
					rn[v], rm[v] = w.Rate(n1, n2, v[0], v[1]), w.Rate(m1, m2, v[0], v[1])
				}
				pair := func(v, vp [2]int, k float64) {
					if k <= 0 {
						return
					}
					addB(fm, u, [2]int{0, 0}, k)
					addBhat(fm, [2]int{u[0] + vp[0] - v[0], u[1] + vp[1] - v[1]}, v, -k)
				}
				for _, v := range dirs {
					k := min(rn[v], rm[v])
					pair(v, v, k)
					rn[v] -= k
					rm[v] -= k
				}
				for _, v := range dirs {
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
				for _, v := range dirs {
					pair(v, [2]int{}, rn[v])
					pair([2]int{}, v, rm[v])
				}
				emit(fm, math.Abs(f(m1, m2)-f(n1, n2)))
			}
			// The axis bounds dominate the direction bounds.
			if n2 == 0 && !b.half && (n1 >= 1 || a.half) || n1 == 0 && !a.half && (n2 >= 1 || b.half) || n1 == 0 && n2 == 0 && !a.half && !b.half {
				for _, u := range dirs {
					if n1+u[0] < 0 || n2+u[1] < 0 {
						continue
					}
					fm := newForm()
					addB(fm, u, [2]int{0, 0}, -1)
					switch {
					case n1 == 0 && n2 == 0 && !a.half && !b.half:
						fm[0][iB3] += 1
					case n2 == 0 && !b.half:
						fm[0][iB1] += 1
						if a.half {
							fm[1][iB1+1] += 1
						} else {
							fm[0][iB1+1] += float64(n1)
						}
					default:
						fm[0][iB2] += 1
						if b.half {
							fm[2][iB2+1] += 1
						} else {
							fm[0][iB2+1] += float64(n2)
						}
					}
					emit(fm, 0)
				}
			}
		}
	}
	// Objective: the bound's coefficients of b_{1,m}, b_{2,m} and B3.
	c := make([]float64, nv)
	wh, wv := p.AxisWeights(2, false), p.AxisWeights(2, true)
	_, _, dr := p.Deltas()
	c[iB1], c[iB1+1], c[iB2], c[iB2+1], c[iB3] = wh[0], wh[1], wv[0], wv[1], dr*p.Mass0()
	// A coefficient that the bound does not weigh (δ_r = 0: B3) gets a tiny weight, so
	// that the LP returns its smallest value instead of an arbitrary one.
	for _, j := range []int{iB1, iB1 + 1, iB2, iB2 + 1, iB3} {
		c[j] = max(c[j], 1e-9)
	}
	solver := lp.New()
	defer solver.Close()
	if err := solver.Load(prob, lp.Options{}); err != nil {
		return nil, fmt.Errorf("bias LP: %w", err)
	}
	res, err := solver.Solve(lp.Minimize, c)
	if err != nil {
		return nil, fmt.Errorf("bias LP: %w", err)
	}
	out := &LPResult{Status: res.Status.String(), Variables: nv, Constraints: rows, Level: L, Degree: degree}
	if res.Status == lp.Optimal {
		if res.PrimalResidual > 1e-7 {
			out.Status = fmt.Sprintf("numerical (the solution violates a row by %.2g)", res.PrimalResidual)
			return out, nil
		}
		out.PrimalResidual = res.PrimalResidual
		out.Objective = res.Objective
		x := res.X
		out.Bias = &Bias{B1: []float64{max(x[iB1], 0), max(x[iB1+1], 0)}, B2: []float64{max(x[iB2], 0), max(x[iB2+1], 0)}, B3: max(x[iB3], 0)}
		if degree == 0 {
			out.Bias.B1, out.Bias.B2 = out.Bias.B1[:1], out.Bias.B2[:1]
		}
	}
	return out, nil
}
