package trunc

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/lp"
)

// lyapunovSet returns the set F = {x ∈ S : Qv(x) > −1} of the Foster–Lyapunov condition
// (2.18) with f = 1 on F and f = −Qv outside (so inf f = 1), closed to the smallest interval
// of counts in one dimension, and the naive constant d = max_F Qv + 1 (seed-003 §5.1.2, the
// issue's item 11). It returns an error if v < 0 somewhere on S (Theorem 2.5 needs v ≥ 0),
// if F is empty, or if F meets the out-boundary B_o: F must lie inside S, and the values of
// Qv beyond S are not known. O(|S|).
func lyapunovSet(t *Truncation, v, qv []float64) (F []int, d float64, err error) {
	n := t.NumStates()
	if len(v) != n || len(qv) != n {
		return nil, 0, fmt.Errorf("ta: the Lyapunov function has %d values and its drift %d, want %d", len(v), len(qv), n)
	}
	for x := range v {
		if !(v[x] >= 0) || math.IsNaN(qv[x]) {
			return nil, 0, fmt.Errorf("ta: the Lyapunov function is %g (drift %g) at %s; the bound (4.29) needs v ≥ 0", v[x], qv[x], t.StateString(x))
		}
	}
	in := make([]bool, n)
	lo, hi := math.MaxInt32, math.MinInt32
	for x := range qv {
		if qv[x] > -1 {
			in[x] = true
			if t.Dim() == 1 {
				c := int(t.Key(x)[0])
				lo, hi = min(lo, c), max(hi, c)
			}
		}
	}
	if t.Dim() == 1 && hi >= lo {
		for c := lo; c <= hi; c++ {
			x := t.Index([]int32{int32(c)})
			if x < 0 {
				return nil, 0, fmt.Errorf("ta: F = {Qv > −1} spans %s=%d..%d, but %d is not in S", t.Species[0], lo, hi, c)
			}
			in[x] = true
		}
	}
	d = math.Inf(-1)
	for x, ok := range in {
		if ok {
			if t.Out[x] > 0 {
				return nil, 0, fmt.Errorf("ta: F = {Qv > −1} contains the exit state %s: F may extend beyond S and the bound (4.29) needs F ⊆ S (enlarge S)", t.StateString(x))
			}
			F = append(F, x)
			d = max(d, qv[x])
		}
	}
	if len(F) == 0 {
		return nil, 0, fmt.Errorf("ta: F = {Qv > −1} is empty on S: v is not a Foster–Lyapunov function of a positive recurrent chain (Qv ≤ −1 everywhere is impossible with v ≥ 0)")
	}
	return F, d + 1, nil
}

// betaGrid returns the β values 10^lo, 10^(lo+step), …, 10^hi (in decades; zeros mean
// 1e-3:1e4:0.05, 141 values).
func betaGrid(o *Options) ([]float64, error) {
	lo, hi, step := o.BetaLo, o.BetaHi, o.BetaStep
	if lo == 0 && hi == 0 && step == 0 {
		lo, hi, step = -3, 4, 0.05
	}
	if !(step > 0) || hi < lo || (hi-lo)/step > 1e5 {
		return nil, fmt.Errorf("ta: bad β grid %g:%g:%g (decades lo:hi:step, step > 0)", lo, hi, step)
	}
	k := int(math.Round((hi - lo) / step))
	g := make([]float64, k+1)
	for i := range g {
		g[i] = math.Pow(10, lo+float64(i)*step)
	}
	return g, nil
}

// phiBar returns φ̄_r^β = max_{x∈S} min_{y∈F} φ_r^β(x, y) with φ_r^β = (I − Q_r/β)^{-1} =
// β(βI − Q_r)^{-1} (seed-003 (4.30), the literal index order), from the |F| columns y ∈ F
// solved at once on the level factorisation of βI − Q_r. O(Σ_l n_l³ + |S|·|F| + nnz·|F|).
func phiBar(sys *levelSystem, F []int, beta float64) (float64, error) {
	if pb, ok := phiBarTridiagonal(sys, F, beta); ok {
		return pb, nil
	}
	return phiBarBlocks(sys, F, beta)
}

// phiBarBlocks is phiBar by |F| column solves on the level factorisation.
func phiBarBlocks(sys *levelSystem, F []int, beta float64) (float64, error) {
	f, err := sys.factor(beta)
	if err != nil {
		return 0, err
	}
	m := len(F)
	b := make([][]float64, len(sys.states))
	for k, y := range F {
		l := sys.lev[y]
		if b[l] == nil {
			b[l] = make([]float64, len(sys.states[l])*m)
		}
		b[l][sys.pos[y]*m+k] = beta
	}
	f.solveCols(b, m)
	best := 0.0
	for l := range b {
		for i := range sys.states[l] {
			row := b[l][i*m : (i+1)*m]
			lo := row[0]
			for _, v := range row[1:] {
				lo = min(lo, v)
			}
			best = max(best, lo)
		}
	}
	return best, nil
}

// taBound returns the Liu–Li–Masuyama bound (4.29) for the TA vector with re-entry state z
// and outflow o,
//
//	‖π − π_r^z‖_TV ≤ ½(1 + 1/inf f)·(v(z) + d/(β φ̄_r^β))·O_r,  inf f = 1,
//
// minimised over the β grid (β ↦ βφ̄ has several local maxima, so a grid, not a search),
// the best β, and φ̄ at every β of the grid (the (C.7) refinement reuses them); ok is false
// when φ̄ = 0 for every β. O(|grid|·(Σ_l n_l³ + |S|·|F|)), O(|grid|·|S|) for a birth–death
// chain.
func taBound(ctx context.Context, sys *levelSystem, F []int, d, vz, o float64, grid []float64) (bound, beta float64, phis []float64, ok bool, err error) {
	bound = math.Inf(1)
	phis = make([]float64, len(grid))
	for i, b := range grid {
		if err := ctx.Err(); err != nil {
			return 0, 0, nil, false, err
		}
		pb, err := phiBar(sys, F, b)
		if err != nil {
			return 0, 0, nil, false, err
		}
		phis[i] = pb
		if pb > 0 {
			if v := (vz + d/(b*pb)) * o; v < bound {
				bound, beta, ok = v, b, true
			}
		}
	}
	return bound, beta, phis, ok, nil
}

// taLyapunov adds to res the error outputs of TA that use the Lyapunov function of o: the
// bound (4.29) (single re-entry state only) and the convergence factor F_r = (v(z) +
// max_{B_o} v)·O_r (4.26), which bounds nothing (seed-003 App. C.4, pitfall 6).
func taLyapunov(ctx context.Context, t *Truncation, sys *levelSystem, o *Options, re *reentry, out float64, res *Result) error {
	name := o.LyapunovName
	if name == "" {
		name = "v"
	}
	if len(o.Lyapunov) != t.NumStates() {
		return fmt.Errorf("ta: the Lyapunov function has %d values, want %d", len(o.Lyapunov), t.NumStates())
	}
	if re.z < 0 {
		res.Notes = append(res.Notes, "the bound (4.29) needs a single re-entry state; none for "+re.desc)
		return nil
	}
	v := o.Lyapunov
	vb := 0.0
	for _, x := range t.OutBoundary() {
		vb = max(vb, v[x])
	}
	cf := (v[re.z] + vb) * out
	res.Error.Uncertified.ConvergenceFactor = &cf
	if o.LyapunovQv == nil {
		res.Notes = append(res.Notes, "no drift Qv of the Lyapunov function: no bound (4.29)")
		return nil
	}
	F, d, err := lyapunovSet(t, v, o.LyapunovQv)
	if err != nil {
		return err
	}
	grid, err := betaGrid(o)
	if err != nil {
		return err
	}
	bound, beta, phis, ok, err := taBound(ctx, sys, F, d, v[re.z], out, grid)
	if err != nil {
		return err
	}
	res.Assumptions = append(res.Assumptions, name+": v ≥ 0 and Qv ≤ −1 outside S (user-asserted; checked on S)")
	if !ok {
		res.Notes = append(res.Notes, "φ̄ = 0 for every β of the grid: the bound (4.29) does not apply to this truncation (enlarge S)")
		return nil
	}
	b429 := &TABound{Value: bound, Beta: beta, Variant: "4.29", PhiIndex: "literal", Certified: true}
	res.Error.TABound = b429
	res.Notes = append(res.Notes,
		fmt.Sprintf("bound (4.29) with F = {Qv > −1} (%d states), naive d = max_F Qv + 1 = %.10g, inf f = 1, best β = %.4g on a grid of %d values", len(F), d, beta, len(grid)),
		"φ̄ = max_x min_{y∈F} φ(x, y) is the literal reading of (4.30); the resolvent-minorisation reading max_x min_{y∈F} φ(y, x) is also possible (seed-003 §3.3)",
		"the convergence factor and the residual are indicators, not error bounds")
	return taRefine(ctx, t, &TARefinement{Z: re.z, Outflow: out, V: v, QV: o.LyapunovQv, F: F, Betas: grid, PhiBars: phis}, res)
}

// taRefine adds the LP refinement (C.6)–(C.7) of the bound (4.29) already in
// res.Error.TABound when an LP solver is available (seed-003 App. C.5). ta_bound holds one
// bound: the better certified of the two, which is (C.7) (it is never above (4.29), whose
// point w = v, e = d is feasible in (C.6)), with its variant; the other is kept in
// TABound.Other for Go callers and stated in Notes. Without an LP solver (4.29) stays, with
// a note. O(|grid| LPs on |F| rows).
func taRefine(ctx context.Context, t *Truncation, in *TARefinement, res *Result) error {
	b429 := res.Error.TABound
	if err := lp.Available(); err != nil {
		res.Notes = append(res.Notes, "no LP solver: no (C.7) refinement of the bound (4.29) ("+err.Error()+")")
		return nil
	}
	c7, err := RefineTABound(ctx, t, in)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		res.Notes = append(res.Notes, "the (C.7) refinement failed, (4.29) is reported: "+err.Error())
		return nil
	}
	if c7.Value < b429.Value {
		c7.Other = b429
		res.Error.TABound = c7
		res.Notes = append(res.Notes, fmt.Sprintf("ta_bound is the LP refinement (C.7) (%.6g at β = %.4g); the bound (4.29) is %.6g at β = %.4g", c7.Value, c7.Beta, b429.Value, b429.Beta))
		return nil
	}
	b429.Other = c7
	res.Notes = append(res.Notes, fmt.Sprintf("the LP refinement (C.7) gives %.6g at β = %.4g, not below the bound (4.29): ta_bound is (4.29)", c7.Value, c7.Beta))
	return nil
}

// phiBarTridiagonal is phiBar for a chain whose levels are single states with positive rates
// to both neighbours (a birth–death chain), in O(|S|) rather than O(|S|·|F|): the inverse
// G = (βI − Q_r)^{-1} of a tridiagonal matrix is semiseparable,
//
//	G(x, y) = G(y, y)·Π_{k=x}^{y−1} up_k/D_k   (x ≤ y),
//	G(x, y) = G(x, x)·Π_{k=y}^{x−1} dn_{k+1}/D_k   (y ≤ x),
//
// with D_k the pivots of the elimination from level 0 (levelFactor) and, subtraction-free,
//
//	1/G(x, x) = β + q_o(x) + dn_x·ρ↓_{x−1} + up_x·ρ↑_{x+1},
//
// ρ↓_k (ρ↑_k) being the probability of being killed or leaving S before passing above
// (below) k, from k, in the chain restricted to the states below (above) it. In logs, the
// minimum over y ∈ F of each row is a suffix minimum and a prefix maximum. ok is false when
// the chain is not of this form.
func phiBarTridiagonal(sys *levelSystem, F []int, beta float64) (pb float64, ok bool) {
	K := len(sys.states)
	up, dn, e := make([]float64, K), make([]float64, K), make([]float64, K)
	for l, st := range sys.states {
		if len(st) != 1 || len(sys.same[l]) != 0 {
			return 0, false
		}
		for _, u := range sys.up[l] {
			up[l] += u.v
		}
		for _, d := range sys.down[l] {
			dn[l] += d.v
		}
		if (l+1 < K && !(up[l] > 0)) || (l > 0 && !(dn[l] > 0)) {
			return 0, false
		}
		e[l] = sys.out[l][0] + beta
	}
	// ρ↓ and the pivots D from below; ρ↑ from above.
	D, down := make([]float64, K), make([]float64, K)
	for l := 0; l < K; l++ {
		leak := e[l]
		if l > 0 {
			leak += dn[l] * down[l-1]
		}
		D[l] = up[l] + leak
		down[l] = leak / D[l]
	}
	upw := make([]float64, K)
	for l := K - 1; l >= 0; l-- {
		leak := e[l]
		if l+1 < K {
			leak += up[l] * upw[l+1]
		}
		upw[l] = leak / (dn[l] + leak)
	}
	// logG[x] = log G(x, x); LA[x] = Σ_{k<x} log(up_k/D_k); LC[x] = Σ_{k<x} log(dn_{k+1}/D_k).
	logG, LA, LC := make([]float64, K), make([]float64, K), make([]float64, K)
	for x := 0; x < K; x++ {
		inv := e[x]
		if x > 0 {
			inv += dn[x] * down[x-1]
			LA[x] = LA[x-1] + math.Log(up[x-1]/D[x-1])
			LC[x] = LC[x-1] + math.Log(dn[x]/D[x-1])
		}
		if x+1 < K {
			inv += up[x] * upw[x+1]
		}
		logG[x] = -math.Log(inv)
	}
	inF := make([]bool, K)
	for _, y := range F {
		inF[sys.lev[y]] = true
	}
	// suffix min over y ≥ x of logG[y] + LA[y]; prefix max over y ≤ x of LC[y].
	suf := make([]float64, K+1)
	suf[K] = math.Inf(1)
	for y := K - 1; y >= 0; y-- {
		suf[y] = suf[y+1]
		if inF[y] {
			suf[y] = min(suf[y], logG[y]+LA[y])
		}
	}
	pre := math.Inf(-1)
	best := math.Inf(-1)
	for x := 0; x < K; x++ {
		if inF[x] {
			pre = max(pre, LC[x])
		}
		lo := suf[x] - LA[x]
		if !math.IsInf(pre, -1) {
			lo = min(lo, logG[x]+LC[x]-pre)
		}
		best = max(best, lo)
	}
	return beta * math.Exp(best), true
}
