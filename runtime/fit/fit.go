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
