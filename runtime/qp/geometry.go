package qp

import (
	"math"
	"sort"
)

// QCurve returns Σ_{i,j} ρ^{−i} σ^{−j} q_{i,j} − Σ q_{i,j}: zero iff ρ^{n1}σ^{n2} satisfies
// the interior balance equations (the curve Q of digest 002 §1.5). O(1).
func (w *Walk) QCurve(rho, sigma float64) float64 {
	s := -w.Q.Total()
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			if i != 0 || j != 0 {
				s += pw(rho, -i) * pw(sigma, -j) * w.Q.At(i, j)
			}
		}
	}
	return s
}

// qScale is the size of the terms of QCurve, for relative tests.
func (w *Walk) qScale(rho, sigma float64) float64 {
	s := w.Q.Total()
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			s += pw(rho, -i) * pw(sigma, -j) * w.Q.At(i, j)
		}
	}
	return s
}

// SigmaOnQ returns the roots σ ∈ (0, 1) of a_{−1}σ² + a_0σ + a_1 = 0, the points (ρ, σ) of
// Q, in increasing order. O(1).
func (w *Walk) SigmaOnQ(rho float64) []float64 {
	var a [3]float64
	for j := -1; j <= 1; j++ {
		for i := -1; i <= 1; i++ {
			a[j+1] += pw(rho, -i) * w.Q.At(i, j)
		}
	}
	a[1] -= w.Q.Total()
	A, B, C := a[0], a[1], a[2]
	var roots []float64
	if A == 0 {
		if B != 0 {
			roots = []float64{-C / B}
		}
	} else if d := B*B - 4*A*C; d >= 0 {
		sq := math.Sqrt(d)
		// Stable form: q = −(B + sign(B)√d)/2, roots q/A and C/q.
		q := -0.5 * (B + math.Copysign(sq, B))
		roots = []float64{q / A}
		if q != 0 {
			roots = append(roots, C/q)
		}
	}
	var out []float64
	for _, s := range roots {
		if s > 0 && s < 1 {
			out = append(out, s)
		}
	}
	sort.Float64s(out)
	return out
}

// sigmaOnH returns σ(ρ) on the curve H (linear in σ), and whether it exists.
func (w *Walk) sigmaOnH(rho float64) (float64, bool) {
	a := 0.0
	for i := -1; i <= 1; i++ {
		a += pw(rho, -i) * w.Q.At(i, -1)
	}
	c := w.H.At(-1, 1) + w.H.At(0, 1) + w.H.At(1, 1) + w.H.At(-1, 0) + w.H.At(1, 0) -
		w.H.At(1, 0)/rho - rho*w.H.At(-1, 0)
	if a == 0 {
		return 0, false
	}
	return c / a, true
}

// rhoOnV returns ρ(σ) on the curve V (linear in ρ), and whether it exists.
func (w *Walk) rhoOnV(sigma float64) (float64, bool) {
	a := 0.0
	for j := -1; j <= 1; j++ {
		a += pw(sigma, -j) * w.Q.At(-1, j)
	}
	c := w.V.At(1, -1) + w.V.At(1, 0) + w.V.At(1, 1) + w.V.At(0, -1) + w.V.At(0, 1) -
		w.V.At(0, 1)/sigma - sigma*w.V.At(0, -1)
	if a == 0 {
		return 0, false
	}
	return c / a, true
}

// Point is a point (ρ, σ) of (0, 1)².
type Point struct{ Rho, Sigma float64 }

// IntersectQH returns the points of Q ∩ H in (0, 1)²: the roots in ρ of Q(ρ, σ_H(ρ)) found
// by a scan of (0, 1) on 1000 points followed by bisection to full precision. Points on the
// boundary of (0, 1)² (the spurious root ρ = 1) are never returned. O(scan).
func (w *Walk) IntersectQH() []Point {
	return scanRoots(func(x float64) (float64, float64, bool) {
		s, ok := w.sigmaOnH(x)
		if !ok || !(s > 0 && s < 1) {
			return 0, 0, false
		}
		return s, w.QCurve(x, s), true
	}, false)
}

// IntersectQV returns the points of Q ∩ V in (0, 1)² (see IntersectQH).
func (w *Walk) IntersectQV() []Point {
	return scanRoots(func(x float64) (float64, float64, bool) {
		r, ok := w.rhoOnV(x)
		if !ok || !(r > 0 && r < 1) {
			return 0, 0, false
		}
		return r, w.QCurve(r, x), true
	}, true)
}

// Diagonal returns the points (ρ, ρ) of Q with ρ ∈ (0, 1), the product-form candidates of a
// walk symmetric in n1 ↔ n2.
func (w *Walk) Diagonal() []Point {
	return scanRoots(func(x float64) (float64, float64, bool) { return x, w.QCurve(x, x), true }, false)
}

// scanRoots finds the sign changes of f on (0, 1) and refines them by bisection; f returns
// the other coordinate, the value and whether x is admissible. swap puts x second.
func scanRoots(f func(x float64) (float64, float64, bool), swap bool) []Point {
	const n = 1000
	var out []Point
	emit := func(x float64) {
		y, _, _ := f(x)
		p := Point{x, y}
		if swap {
			p = Point{y, x}
		}
		if p.Rho <= 0 || p.Rho >= 1-1e-9 || p.Sigma <= 0 || p.Sigma >= 1-1e-9 {
			return // the spurious boundary root, or outside (0, 1)²
		}
		for _, q := range out {
			if math.Abs(q.Rho-p.Rho) < 1e-10 && math.Abs(q.Sigma-p.Sigma) < 1e-10 {
				return
			}
		}
		out = append(out, p)
	}
	xp, okp := 0.0, false
	var fp float64
	for k := 1; k < n; k++ {
		x := float64(k) / n
		_, fx, ok := f(x)
		if ok && fx == 0 {
			emit(x)
		} else if ok && okp && fp != 0 && (fx < 0) != (fp < 0) {
			lo, hi, flo := xp, x, fp
			for range 200 {
				mid := 0.5 * (lo + hi)
				if mid <= lo || mid >= hi {
					break
				}
				_, fm, okm := f(mid)
				if !okm {
					break
				}
				if (fm < 0) == (flo < 0) {
					lo, flo = mid, fm
				} else {
					hi = mid
				}
			}
			_, flo2, _ := f(lo)
			_, fhi2, _ := f(hi)
			if math.Abs(flo2) <= math.Abs(fhi2) {
				emit(lo)
			} else {
				emit(hi)
			}
		}
		xp, fp, okp = x, fx, ok
	}
	return out
}

// pw returns x^k for k ∈ {−1, 0, 1}.
func pw(x float64, k int) float64 {
	switch k {
	case -1:
		return 1 / x
	case 1:
		return x
	}
	return 1
}
