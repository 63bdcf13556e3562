package trunc

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// BenchmarkILPToggle measures ilp on the toggle switch against the speed targets:
// --targets marginal:P1 at L = 24 / 35 / 42 (< 2 s / 10 s / 20 s), --targets states at
// L = 24 (600 LPs, < 30 s).
func BenchmarkILPToggle(b *testing.B) {
	needLP(b)
	for _, c := range []struct {
		L       int
		targets string
	}{{24, "marginal:P1"}, {35, "marginal:P1"}, {42, "marginal:P1"}, {24, "states"}} {
		b.Run(fmt.Sprintf("L=%d/%s", c.L, c.targets), func(b *testing.B) {
			tr := toggleTruncation(c.L, 20)
			o := &Options{Moment: toggleMoment(tr, c.L), Targets: c.targets}
			var res *Result
			for b.Loop() {
				var err error
				if res, err = Run(context.Background(), "ilp", tr, o); err != nil {
					b.Fatal(err)
				}
			}
			st := res.Diagnostics.LP
			b.ReportMetric(float64(st.LPs), "LPs")
			b.ReportMetric(float64(st.Pivots)/float64(st.LPs), "pivots/LP")
		})
	}
}

// BenchmarkLPToggle measures the lp scheme's point (4.53) at L = 50 (1 275 states; target
// < 2 s).
func BenchmarkLPToggle(b *testing.B) {
	needLP(b)
	tr := toggleTruncation(50, 20)
	o := &Options{Moment: toggleMoment(tr, 50)}
	for b.Loop() {
		if _, err := Run(context.Background(), "lp", tr, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToggleReference238 solves the digest's reference truncation L = 238 (28 441
// states) by banded GTH and reports its largest difference from the tests' reference at
// L = 120 on S_{50⁶} (it must be at round-off level, justifying the smaller reference).
func BenchmarkToggleReference238(b *testing.B) {
	tr50 := toggleTruncation(50, 20)
	small := restrictTo(b, tr50)
	var big *Truncation
	var pi []float64
	for b.Loop() {
		var err error
		if big, pi, err = toggleDropLaw(238); err != nil {
			b.Fatal(err)
		}
	}
	d := 0.0
	for x := range small {
		j := big.Index(tr50.Key(x))
		d = math.Max(d, math.Abs(pi[j]-small[x])/pi[j])
	}
	b.ReportMetric(d, "max-rel-diff")
}

// BenchmarkReentryVectors measures the re-entry vectors π^z of every z ∈ B_i and one
// certificate column solve on the level factorisation shared by ita and ilp (toggle L = 24,
// 42, 70 and 120: 300 to 7 260 states). The dense GTH-LU it replaced took about 3.7 ms,
// 82 ms and 1.27 s at L = 24, 42 and 70 and stopped at 2 500 states.
func BenchmarkReentryVectors(b *testing.B) {
	for _, L := range []int{24, 42, 70, 120} {
		b.Run(fmt.Sprint("L=", L), func(b *testing.B) {
			tr := toggleTruncation(L, 20)
			g := make([]float64, tr.NumStates())
			for i := range g {
				g[i] = float64(i%7) - 3
			}
			for b.Loop() {
				re, err := reentryVectors(tr)
				if err != nil {
					b.Fatal(err)
				}
				re.solveCol(g)
			}
		})
	}
}
