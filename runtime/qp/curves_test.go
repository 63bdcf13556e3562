package qp

import (
	"math"
	"testing"
)

// curveRoots2D finds the common zeros in (0, 1)² of Q and of the axis curve g by an
// independent method: a scan of the n×n cells of (0, 1)² for cells where both functions
// change sign at the corners, each refined by Newton's method on the 2×2 system (central
// differences), kept when it converges inside (0, 1)² (distance to the boundary > 1e-6).
func curveRoots2D(w *Walk, g func(rho, sigma float64) float64, n int) []Point {
	q := w.QCurve
	val := make([][2]float64, (n+1)*(n+1))
	at := func(i, j int) float64 { return float64(i) / float64(n) }
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			x, y := max(at(i, j), 1e-9), max(float64(j)/float64(n), 1e-9)
			val[i*(n+1)+j] = [2]float64{q(x, y), g(x, y)}
		}
	}
	var out []Point
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			ok := [2]bool{}
			for k := range 2 {
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, c := range [][2]int{{i, j}, {i + 1, j}, {i, j + 1}, {i + 1, j + 1}} {
					v := val[c[0]*(n+1)+c[1]][k]
					lo, hi = min(lo, v), max(hi, v)
				}
				ok[k] = lo <= 0 && hi >= 0
			}
			if !ok[0] || !ok[1] {
				continue
			}
			r, s := (float64(i)+0.5)/float64(n), (float64(j)+0.5)/float64(n)
			for range 60 {
				const e = 1e-7
				a, b := (q(r+e, s)-q(r-e, s))/(2*e), (q(r, s+e)-q(r, s-e))/(2*e)
				c, d := (g(r+e, s)-g(r-e, s))/(2*e), (g(r, s+e)-g(r, s-e))/(2*e)
				f1, f2 := q(r, s), g(r, s)
				det := a*d - b*c
				if det == 0 {
					break
				}
				r, s = r-(d*f1-b*f2)/det, s-(a*f2-c*f1)/det
				if !(r > 0 && r < 2 && s > 0 && s < 2) {
					break
				}
			}
			if !(r > 1e-6 && r < 1-1e-6 && s > 1e-6 && s < 1-1e-6) || math.Abs(q(r, s)) > 1e-12 || math.Abs(g(r, s)) > 1e-12 {
				continue
			}
			dup := false
			for _, p := range out {
				dup = dup || math.Abs(p.Rho-r) < 1e-9 && math.Abs(p.Sigma-s) < 1e-9
			}
			if !dup {
				out = append(out, Point{r, s})
			}
		}
	}
	return out
}

// hCurve and vCurve are the curves H and V of digest 002 §1.5, written from the digest's
// definitions (not from sigmaOnH and rhoOnV).
func hCurve(w *Walk) func(rho, sigma float64) float64 {
	return func(r, s float64) float64 {
		lhs := (w.Q.At(-1, -1)*r + w.Q.At(0, -1) + w.Q.At(1, -1)/r) * s
		lhs += w.H.At(1, 0)/r + r*w.H.At(-1, 0)
		return lhs - (w.H.At(-1, 1) + w.H.At(0, 1) + w.H.At(1, 1) + w.H.At(-1, 0) + w.H.At(1, 0))
	}
}

func vCurve(w *Walk) func(rho, sigma float64) float64 {
	return func(r, s float64) float64 {
		lhs := (w.Q.At(-1, -1)*s + w.Q.At(-1, 0) + w.Q.At(-1, 1)/s) * r
		lhs += w.V.At(0, 1)/s + s*w.V.At(0, -1)
		return lhs - (w.V.At(1, -1) + w.V.At(1, 0) + w.V.At(1, 1) + w.V.At(0, -1) + w.V.At(0, 1))
	}
}

// TestIntersectionsIndependent checks IntersectQH and IntersectQV (a scan in one
// coordinate of Q restricted to the linear curve) against curveRoots2D (a 2-D cell scan
// of Q and H or V with Newton refinement): the same points to 1e-9, for the joint-departure
// walk (digest 002 §3.6 detailed values: Q∩H = (0.588748759667329, 0.380246370823251)) and
// for the generic walk of §3.7, where Q∩H is empty in (0, 1)² and Q∩V has two points: the
// reason `mfc perturb examples/quarter_plane_generic.mf` (--terms auto) asks for --terms,
// and why the digest's §3.7 gives its terms explicitly.
func TestIntersectionsIndependent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		w      *Walk
		nH, nV int
	}{
		{"joint departures", jointDeparture(0.2, 0.6, 0.18), 1, 1},
		{"generic §3.7", generic(), 0, 2},
	}
	for _, c := range cases {
		for k, got := range [][]Point{c.w.IntersectQH(), c.w.IntersectQV()} {
			g, want := hCurve(c.w), []int{c.nH, c.nV}[k]
			if k == 1 {
				g = vCurve(c.w)
			}
			ref := curveRoots2D(c.w, g, 800)
			if len(got) != len(ref) || len(ref) != want {
				t.Errorf("%s, curve %d: %v (library) vs %v (2-D scan); want %d points", c.name, k, got, ref, want)
				continue
			}
			for _, p := range ref {
				found := false
				for _, q := range got {
					found = found || math.Abs(p.Rho-q.Rho) < 1e-9 && math.Abs(p.Sigma-q.Sigma) < 1e-9
				}
				if !found {
					t.Errorf("%s, curve %d: 2-D scan point %v not among %v", c.name, k, p, got)
				}
			}
		}
	}
	if p := jointDeparture(0.2, 0.6, 0.18).IntersectQH(); len(p) == 1 {
		near(t, "ρ1", p[0].Rho, 0.588748759667329, 1e-12)
		near(t, "σ1", p[0].Sigma, 0.380246370823251, 1e-12)
	}
}
