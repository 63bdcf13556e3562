package trunc

import "fmt"

// taTridiagonalDD is TA with the single re-entry state z on a chain whose levels are single
// states (a birth–death chain), in double-double arithmetic (--precision dd): the scalar
// form of the level elimination, every step a sum of non-negative terms,
//
//	D_l = up_l + out_l + dn_l·ρ_{l−1},  ρ_l = (out_l + dn_l·ρ_{l−1})/D_l  (GTH pivots),
//	g_z = 1,  g_l = g_{l−1}·up_{l−1}/D_{l−1} (l > z),
//	x_{K−1} = g_{K−1}/D_{K−1},  x_l = (g_l + x_{l+1}·dn_{l+1})/D_l,
//
// normalised. ok is false when the chain is not of this form. O(|S|).
func taTridiagonalDD(sys *levelSystem, z int) (pi []dd, ok bool) {
	K := len(sys.states)
	up, dn := make([]float64, K), make([]float64, K)
	for l, st := range sys.states {
		if len(st) != 1 || len(sys.same[l]) != 0 {
			return nil, false
		}
		for _, u := range sys.up[l] {
			up[l] += u.v
		}
		for _, d := range sys.down[l] {
			dn[l] += d.v
		}
	}
	D := make([]dd, K)
	rho := dd{}
	for l := 0; l < K; l++ {
		leak := dd{sys.out[l][0], 0}
		if l > 0 {
			leak = leak.add(rho.mul(dd{dn[l], 0}))
		}
		D[l] = leak.add(dd{up[l], 0})
		if D[l].hi == 0 {
			return nil, false
		}
		rho = leak.div(D[l])
	}
	zl := sys.lev[z]
	x := make([]dd, K)
	g := dd{}
	for l := zl; l < K; l++ {
		if l == zl {
			g = dd{1, 0}
		} else {
			g = g.mul(dd{up[l-1], 0}).div(D[l-1])
		}
		x[l] = g // g_l, kept for the back pass
	}
	x[K-1] = x[K-1].div(D[K-1])
	for l := K - 2; l >= 0; l-- {
		x[l] = x[l].add(x[l+1].mul(dd{dn[l+1], 0})).div(D[l])
	}
	sum := dd{}
	for _, v := range x {
		sum = sum.add(v)
	}
	pi = make([]dd, sys.n)
	for l, st := range sys.states {
		pi[st[0]] = x[l].div(sum)
	}
	return pi, true
}

// taDD replaces res's distribution by the double-double TA vector when the chain is a
// birth–death chain with a single re-entry state, and refuses --precision dd otherwise.
func taDD(sys *levelSystem, re *reentry, res *Result) error {
	if re.z < 0 {
		return fmt.Errorf("ta: --precision dd needs a single re-entry state")
	}
	p, ok := taTridiagonalDD(sys, re.z)
	if !ok {
		return fmt.Errorf("ta: --precision dd is available for birth–death chains (levels of one state); use double")
	}
	for x, v := range p {
		res.Distribution[x] = v.float()
	}
	res.Diagnostics.Precision = "dd"
	return nil
}
