package average

import (
	"gonum.org/v1/gonum/mat"
)

// second holds the pieces of a second-order contraction with one symmetric matrix M that
// do not depend on the function being averaged: P = M ∂π (d×m, P_l = Σ_k M_lk ∂_kπ), the
// contraction of the rate Hessians s[y][j] = ∂²β₀_j(x, y) : M, and ∂²π : M.
type second struct {
	m    *mat.Dense  // sym(M)
	pm   *mat.Dense  // d×m
	s    [][]float64 // s[y][j]
	d2pi []float64   // (∂²π : M)_y
}

// contract prepares the contraction of every second derivative with the symmetric part of
// m (the tensors B = ∂²F̄ and ∂²π are never formed). With
//
//	∂²π[k,l]ᵀ = −(∂_kπᵀ ∂_lK + ∂_lπᵀ ∂_kK + πᵀ ∂²_{kl}K) K⁺
//
// it computes ∂²π:M = −(2 Σ_l P_lᵀ ∂_lK + πᵀ(∂²K:M)) K⁺. Cost O(d²m) for P, O(d m²) for
// Σ_l P_lᵀ∂_lK, O(m²) for the product with K⁺, and O(Σ|block|²) over the rate Hessian
// blocks of all m states. The point must have been evaluated at order 2.
func (p *point) contract(m mat.Matrix) *second {
	s := p.s
	d, ns := s.d, s.ns
	ms := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			ms.Set(i, j, 0.5*(m.At(i, j)+m.At(j, i)))
		}
	}
	c := &second{m: ms, pm: mat.NewDense(d, ns, nil), d2pi: make([]float64, ns)}
	c.pm.Mul(ms, p.dpi)
	// Rate Hessians contracted with M, and ∂²K:M.
	h := mat.NewDense(ns, ns, nil)
	pat := s.beta0.Pattern()
	for y := 0; y < ns; y++ {
		sy := make([]float64, len(s.jumps))
		blk := p.halpha[y]
		for _, pr := range s.pairs[y] {
			cols := pat.Col[pat.RowPtr[pr.j]:pat.RowPtr[pr.j+1]]
			vals := blk.Val[blk.Off[pr.j]:blk.Off[pr.j+1]]
			v := 0.0
			for a, ca := range cols {
				row := ms.RawRowView(int(ca))
				for b, cb := range cols {
					v += vals[a*len(cols)+b] * row[cb]
				}
			}
			sy[pr.j] = v
			if pr.to != y {
				h.Set(y, pr.to, h.At(y, pr.to)+v)
				h.Set(y, y, h.At(y, y)-v)
			}
		}
		c.s = append(c.s, sy)
	}
	if ns > 1 {
		v := make([]float64, ns)
		p.piTimes(v, h)
		for l := 0; l < d; l++ {
			pl := c.pm.RawRowView(l)
			dk := p.dk[l]
			for y := 0; y < ns; y++ {
				if pl[y] == 0 {
					continue
				}
				row := dk.RawRowView(y)
				for z, kv := range row {
					v[z] += 2 * pl[y] * kv
				}
			}
		}
		p.timesKp(c.d2pi, v, -1)
	}
	return c
}

// driftB sets dst = B:M = Σ_kl ∂²F̄/∂x_k∂x_l M_kl from a prepared contraction:
//
//	B:M = Σ_y (∂²π:M)_y F(y) + 2 Σ_y Σ_l P_ly ∂_lF(y) + Σ_y π_y Σ_j ℓ_j (∂²β₀_j(y):M).
//
// Cost O(m d²) plus O(Σ_y Σ_j |ℓ_j|).
func (p *point) driftB(dst []float64, c *second) {
	s := p.s
	d, ns := s.d, s.ns
	for i := range dst {
		dst[i] = 0
	}
	for y := 0; y < ns; y++ {
		if w := c.d2pi[y]; w != 0 {
			row := p.f.RawRowView(y)
			for i := 0; i < d; i++ {
				dst[i] += w * row[i]
			}
		}
		df := p.df[y]
		for l := 0; l < d; l++ {
			w := 2 * c.pm.At(l, y)
			if w == 0 {
				continue
			}
			for i := 0; i < d; i++ {
				dst[i] += w * df.At(i, l)
			}
		}
		if p.pi[y] == 0 {
			continue
		}
		for _, pr := range s.pairs[y] {
			v := p.pi[y] * c.s[y][pr.j]
			if v == 0 {
				continue
			}
			for _, jp := range s.jumps[pr.j] {
				dst[jp.Species] += float64(jp.Delta) * v
			}
		}
	}
}

// flows returns w (m×d): row y′ is w_{y′} = Σ_y π_y Σ_{j: y→y′} β₀_j(x, y) ℓ_j, the mean
// jump flux that lands in y′; and Q̄ = Σ_y π_y Σ_j β₀_j ℓ_j ℓ_jᵀ. O(m J |ℓ|²).
func (p *point) flows() (w *mat.Dense, q *mat.SymDense) {
	s := p.s
	w = mat.NewDense(s.ns, s.d, nil)
	q = mat.NewSymDense(s.d, nil)
	for y := 0; y < s.ns; y++ {
		if p.pi[y] == 0 {
			continue
		}
		for _, pr := range s.pairs[y] {
			a := p.pi[y] * p.alpha[y][pr.j]
			if a == 0 {
				continue
			}
			for _, u := range s.jumps[pr.j] {
				w.Set(pr.to, u.Species, w.At(pr.to, u.Species)+a*float64(u.Delta))
				for _, v := range s.jumps[pr.j] {
					if u.Species <= v.Species {
						q.SetSym(u.Species, v.Species, q.At(u.Species, v.Species)+a*float64(u.Delta*v.Delta))
					}
				}
			}
		}
	}
	return w, q
}

// rterm returns Σ_{y′} DG_f(y′)[w_{y′}], where G_f = K⁺ f is the solution of the fast Poisson
// equation for f (m×p, row y is f(x, y)), df(y) its p×d Jacobian in x, and
//
//	DG_f(y′)[w] = Σ_{y″} (DK⁺[w])_{y′y″} f(y″) + K⁺_{y′y″} Df(y″)[w],
//	DK⁺[w] = −K⁺ DK[w] K⁺ − 1 (Dπ[w])ᵀ K⁺.
//
// For f = F it is the vector R of the digest (Eq. 28 as corrected). Cost O(m²d + m³ + m d p
// + m²p) for the first part per y′ (DK[w] costs O(d m²)), O(m d p) for the second.
func (p *point) rterm(f *mat.Dense, df func(y int) *mat.Dense, w *mat.Dense) []float64 {
	s := p.s
	d, ns := s.d, s.ns
	_, np := f.Dims()
	out := make([]float64, np)
	if ns == 1 {
		return out
	}
	dkw := mat.NewDense(ns, ns, nil)
	row := make([]float64, ns)
	r2 := make([]float64, ns)
	dpiw := make([]float64, ns)
	// Σ_{y″} K⁺_{y′y″} Df(y″) w_{y′} = Σ_{y″} Df(y″) (Σ_{y′} K⁺_{y′y″} w_{y′}).
	var kw mat.Dense
	kw.Mul(p.kp.T(), w) // row y″: Σ_{y′} K⁺_{y′y″} w_{y′}
	for y := 0; y < ns; y++ {
		dfy := df(y)
		v := kw.RawRowView(y)
		for i := 0; i < np; i++ {
			out[i] += mat.Dot(mat.NewVecDense(d, dfy.RawRowView(i)), mat.NewVecDense(d, v))
		}
	}
	for yp := 0; yp < ns; yp++ {
		wv := w.RawRowView(yp)
		nz := false
		for _, v := range wv {
			if v != 0 {
				nz = true
				break
			}
		}
		if !nz {
			continue
		}
		dkw.Zero()
		for n := 0; n < d; n++ {
			if wv[n] != 0 {
				addScaled(dkw, wv[n], p.dk[n])
			}
		}
		for y := 0; y < ns; y++ {
			dpiw[y] = 0
		}
		for n := 0; n < d; n++ {
			if wv[n] != 0 {
				r := p.dpi.RawRowView(n)
				for y := range dpiw {
					dpiw[y] += wv[n] * r[y]
				}
			}
		}
		// row = −(K⁺[y′,:] DK[w]) K⁺ − Dπ[w]ᵀ K⁺ = −(K⁺[y′,:] DK[w] + Dπ[w]ᵀ) K⁺.
		kr := p.kp.RawRowView(yp)
		for z := 0; z < ns; z++ {
			r2[z] = dpiw[z]
		}
		for y := 0; y < ns; y++ {
			if kr[y] == 0 {
				continue
			}
			dr := dkw.RawRowView(y)
			for z, v := range dr {
				r2[z] += kr[y] * v
			}
		}
		p.timesKp(row, r2, -1)
		for y := 0; y < ns; y++ {
			if row[y] == 0 {
				continue
			}
			fr := f.RawRowView(y)
			for i := 0; i < np; i++ {
				out[i] += row[y] * fr[i]
			}
		}
	}
	return out
}

// poisson returns G_f = K⁺ f (m×p): row y is the solution of the fast Poisson equation for f
// at y, with Σ_y π_y G_f(y) = 0. O(m² p).
func (p *point) poisson(f *mat.Dense) *mat.Dense {
	var g mat.Dense
	g.Mul(p.kp, f)
	return &g
}
