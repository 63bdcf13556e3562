package qp

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// MaxDegree is the largest power of n1 or n2 a polynomial reward may have.
const MaxDegree = 4

// Reward is a reward recognised in closed form: F(n) = Ind·1{n = 0} + Σ_{a,b ≤ 4} P[a][b] n1^a n2^b.
type Reward struct {
	Ind float64
	P   [MaxDegree + 1][MaxDegree + 1]float64
}

// Eval returns F(n1, n2). O(1).
func (r *Reward) Eval(n1, n2 int) float64 {
	s := 0.0
	if n1 == 0 && n2 == 0 {
		s = r.Ind
	}
	x, y := float64(n1), float64(n2)
	for a := range MaxDegree + 1 {
		for b := range MaxDegree + 1 {
			if c := r.P[a][b]; c != 0 {
				s += c * math.Pow(x, float64(a)) * math.Pow(y, float64(b))
			}
		}
	}
	return s
}

// NonNegative reports whether F ≥ 0 on ℕ² is certain from the coefficients: every
// polynomial coefficient ≥ 0 and F(0, 0) ≥ 0. The error intervals are cut at 0 only then.
// O(1).
func (r *Reward) NonNegative() bool {
	for a := range r.P {
		for b := range r.P[a] {
			if r.P[a][b] < 0 {
				return false
			}
		}
	}
	return r.Ind+r.P[0][0] >= 0
}

// Class names the reward: "origin-indicator", "polynomial" or "combination".
func (r *Reward) Class() string {
	poly := false
	for a := range r.P {
		for b := range r.P[a] {
			poly = poly || r.P[a][b] != 0
		}
	}
	switch {
	case !poly && r.Ind != 0:
		return "origin-indicator"
	case r.Ind == 0:
		return "polynomial"
	}
	return "combination"
}

// Coefficients returns the non-zero coefficients by name: "1{0}" and "n1^a n2^b".
func (r *Reward) Coefficients() map[string]float64 {
	out := map[string]float64{}
	if r.Ind != 0 {
		out["1{0}"] = r.Ind
	}
	for a := range r.P {
		for b := range r.P[a] {
			if c := r.P[a][b]; c != 0 {
				out[fmt.Sprintf("n1^%d n2^%d", a, b)] = c
			}
		}
	}
	return out
}

// String writes the reward as a formula.
func (r *Reward) String() string {
	var parts []string
	for k, c := range r.Coefficients() {
		parts = append(parts, fmt.Sprintf("%.10g·%s", c, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, " + ")
}

// Classify recognises f as a Reward by fitting the 26 basis functions on {0..5}² (least
// squares, exact for a reward of the class) and verifying the fit at 8 other states to 1e-9
// relative. A reward outside the class is an error that points to the truncation
// cross-check. O(36·26²).
func Classify(f func(n1, n2 int) float64) (*Reward, error) {
	const s = 5.0 // the monomials are scaled by s^(a+b) for conditioning
	nb := 1 + (MaxDegree+1)*(MaxDegree+1)
	var rows [][2]int
	for a := 0; a <= 5; a++ {
		for b := 0; b <= 5; b++ {
			rows = append(rows, [2]int{a, b})
		}
	}
	A := mat.NewDense(len(rows), nb, nil)
	y := mat.NewVecDense(len(rows), nil)
	for r, n := range rows {
		v := f(n[0], n[1])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("the reward is %g at (%d,%d)", v, n[0], n[1])
		}
		y.SetVec(r, v)
		if n == [2]int{} {
			A.Set(r, 0, 1)
		}
		for a := range MaxDegree + 1 {
			for b := range MaxDegree + 1 {
				A.Set(r, 1+a*(MaxDegree+1)+b, math.Pow(float64(n[0])/s, float64(a))*math.Pow(float64(n[1])/s, float64(b)))
			}
		}
	}
	var qr mat.QR
	qr.Factorize(A)
	var x mat.VecDense
	if err := qr.SolveVecTo(&x, false, y); err != nil {
		return nil, fmt.Errorf("classifying the reward: %v", err)
	}
	r := &Reward{Ind: x.AtVec(0)}
	scale := 0.0
	for _, n := range rows {
		scale = max(scale, math.Abs(f(n[0], n[1])))
	}
	for a := range MaxDegree + 1 {
		for b := range MaxDegree + 1 {
			r.P[a][b] = x.AtVec(1+a*(MaxDegree+1)+b) / math.Pow(s, float64(a+b))
		}
	}
	// Round-off of the fit: snap coefficients to the nearest multiple of 1e-12·scale.
	snap := func(c float64) float64 {
		if math.Abs(c) < 1e-10*max(scale, 1) {
			return 0
		}
		if rc := math.Round(c); math.Abs(c-rc) < 1e-10*max(1, math.Abs(c)) {
			return rc
		}
		return c
	}
	r.Ind = snap(r.Ind)
	for a := range r.P {
		for b := range r.P[a] {
			r.P[a][b] = snap(r.P[a][b])
		}
	}
	for _, n := range [][2]int{{7, 0}, {0, 7}, {9, 11}, {13, 4}, {20, 30}, {6, 6}, {1, 17}, {40, 1}} {
		want, got := f(n[0], n[1]), r.Eval(n[0], n[1])
		if math.Abs(want-got) > 1e-9*max(1, math.Abs(want)) {
			return nil, fmt.Errorf("the reward is not the origin indicator or a polynomial of degree ≤ %d in each count (at (%d,%d) it is %g, the fit on {0..5}² gives %g): use the truncation cross-check (mfc exact on a box)", MaxDegree, n[0], n[1], want, got)
		}
	}
	return r, nil
}

// Li returns the polylogarithm of non-positive integer order Li_{−m}(z) = Σ_{n≥1} n^m z^n for
// |z| < 1, by the Eulerian-number formula Li_{−m}(z) = z Σ_{k<m} A(m,k) z^k / (1 − z)^{m+1}.
// O(m²).
func Li(m int, z float64) float64 {
	if m == 0 {
		return z / (1 - z)
	}
	// Eulerian numbers A(m, k), k = 0..m−1.
	e := []float64{1}
	for mm := 2; mm <= m; mm++ {
		ne := make([]float64, mm)
		for k := range mm {
			if k < len(e) {
				ne[k] += float64(k+1) * e[k]
			}
			if k >= 1 {
				ne[k] += float64(mm-k) * e[k-1]
			}
		}
		e = ne
	}
	s := 0.0
	for k := len(e) - 1; k >= 0; k-- {
		s = s*z + e[k]
	}
	return z * s / math.Pow(1-z, float64(m+1))
}

// geomMoment returns S_m(z) = Σ_{n≥0} n^m z^n: 1/(1 − z) for m = 0, Li_{−m}(z) otherwise.
func geomMoment(m int, z float64) float64 {
	if m == 0 {
		return 1 / (1 - z)
	}
	return Li(m, z)
}

// Mean returns 𝓕̄ = Σ_n π̄(n) F(n) = Ind·Σ_k c_k + Σ_{a,b} P_ab Σ_k c_k S_a(ρ_k) S_b(σ_k).
// O(K·25).
func (r *Reward) Mean(p *Perturbed) float64 {
	s := r.Ind * p.Mass0()
	for a := range r.P {
		for b := range r.P[a] {
			if c := r.P[a][b]; c != 0 {
				for _, t := range p.Terms {
					s += c * t.C * geomMoment(a, t.Rho) * geomMoment(b, t.Sigma)
				}
			}
		}
	}
	return s
}
