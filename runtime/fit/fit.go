// Package fit holds the least-squares fits the analyses use to report convergence orders:
// the slope of log|error| against log N that confirms an O(N^p) error (mfc validate, the
// seed-001 comparison with exact chains, and the tests of every expansion).
package fit

import "math"

// Line returns the least-squares slope and intercept of y against x (len(x) = len(y) ≥ 2,
// not all x equal). Cost O(n).
func Line(x, y []float64) (slope, intercept float64) {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	n := float64(len(x))
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}

// Order returns the slope of log|err| against log n over the points with err ≠ 0 and
// n > 0, and the number of such points: an error that decays like n^p gives p. With fewer
// than two points the slope is NaN. Cost O(len(ns)).
func Order(ns, errs []float64) (slope float64, points int) {
	var x, y []float64
	for i, n := range ns {
		e := math.Abs(errs[i])
		if e == 0 || !(n > 0) || math.IsNaN(e) {
			continue
		}
		x, y = append(x, math.Log(n)), append(y, math.Log(e))
	}
	if len(x) < 2 {
		return math.NaN(), len(x)
	}
	slope, _ = Line(x, y)
	return slope, len(x)
}

// OrderCorrected returns the exponent p of a least-squares fit of
// log|err| = c + p·log n + b/n over the points with err ≠ 0 and n > 0, and their number:
// the order of an error a·n^p·(1 + b/n + O(1/n²)) still in its pre-asymptotic range, where
// the plain slope (Order) is biased by the next-order term. It needs four points or more
// (NaN otherwise, or for a singular fit). Cost O(len(ns)).
func OrderCorrected(ns, errs []float64) (p float64, points int) {
	var a [3][3]float64
	var r [3]float64
	for i, n := range ns {
		e := math.Abs(errs[i])
		if e == 0 || !(n > 0) || math.IsNaN(e) {
			continue
		}
		row := [3]float64{1, math.Log(n), 1 / n}
		y := math.Log(e)
		for j := range row {
			for k := range row {
				a[j][k] += row[j] * row[k]
			}
			r[j] += row[j] * y
		}
		points++
	}
	if points < 4 {
		return math.NaN(), points
	}
	// Gaussian elimination with partial pivoting on the 3×3 normal equations.
	for c := 0; c < 3; c++ {
		piv := c
		for k := c + 1; k < 3; k++ {
			if math.Abs(a[k][c]) > math.Abs(a[piv][c]) {
				piv = k
			}
		}
		a[c], a[piv] = a[piv], a[c]
		r[c], r[piv] = r[piv], r[c]
		if a[c][c] == 0 {
			return math.NaN(), points
		}
		for k := c + 1; k < 3; k++ {
			f := a[k][c] / a[c][c]
			for j := c; j < 3; j++ {
				a[k][j] -= f * a[c][j]
			}
			r[k] -= f * r[c]
		}
	}
	var x [3]float64
	for c := 2; c >= 0; c-- {
		s := r[c]
		for j := c + 1; j < 3; j++ {
			s -= a[c][j] * x[j]
		}
		x[c] = s / a[c][c]
	}
	return x[1], points
}
