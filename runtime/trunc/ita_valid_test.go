package trunc

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// bdLaw is a birth–death chain whose stationary law is known in closed form.
type bdLaw struct {
	name         string
	birth, death func(x float64) float64
	pi           func(x int) float64
	mean         float64
}

// poissonLaw is M/M/∞ (birth λ, death μx): Poisson(λ/μ). geometricLaw is M/M/1 (birth λ,
// death μ for x ≥ 1): π(x) = (1 − ρ)ρˣ.
func poissonLaw(lambda, mu float64) bdLaw {
	m := lambda / mu
	return bdLaw{fmt.Sprintf("M/M/∞ λ=%.3g μ=%.3g", lambda, mu),
		func(float64) float64 { return lambda }, func(x float64) float64 { return mu * x },
		func(x int) float64 {
			lg, _ := math.Lgamma(float64(x) + 1)
			return math.Exp(float64(x)*math.Log(m) - m - lg)
		}, m}
}

func geometricLaw(lambda, mu float64) bdLaw {
	rho := lambda / mu
	return bdLaw{fmt.Sprintf("M/M/1 ρ=%.3g", rho),
		func(float64) float64 { return lambda },
		func(x float64) float64 {
			if x >= 1 {
				return mu
			}
			return 0
		},
		func(x int) float64 { return (1 - rho) * math.Pow(rho, float64(x)) }, rho / (1 - rho)}
}

// checkBounds checks the validity identities of seed-003 (T17, acceptance 12) for bounds l ≤
// u on S against the exact law p on S with the true tail m: l ≤ π ≤ u state-wise (to 1e-12
// relative), ℓ¹(u − π) = u(S) − 1 + m and ℓ¹(l − π) = (1 − m) − l(S) (to 1e-12 absolute).
func checkBounds(t *testing.T, name string, l, u, p []float64, m float64) {
	t.Helper()
	for x := range p {
		if (l != nil && l[x] > p[x]*(1+1e-12)) || p[x] > u[x]*(1+1e-12) {
			t.Fatalf("%s: state %d: π = %g outside [%g, %g]", name, x, p[x], l[x], u[x])
		}
	}
	if d := L1Diff(u, p) - (massOf(u) - 1 + m); math.Abs(d) > 1e-12 {
		t.Errorf("%s: ℓ¹(u) − (u(S) − 1 + m_r) = %g", name, d)
	}
	if l != nil {
		if d := L1Diff(l, p) - (1 - m - massOf(l)); math.Abs(d) > 1e-12 {
			t.Errorf("%s: ℓ¹(l) − (1 − m_r − l(S)) = %g", name, d)
		}
	}
}

// TestITAValidity is the property test of acceptance 12 for the direct schemes: ITA (and bdp)
// bounds on random M/M/∞ and M/M/1 chains (exact laws), on Schlögl (b) for r ∈ [10, 60]
// (reference: bdp at r = 400), and ITA on the toggle switch for L ∈ [2, 30] (reference: TA
// at L = 238), with the moment assumption π(w) ≤ c of each (the true mean, or 1.8e7).
func TestITAValidity(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 14))
	var laws []bdLaw
	for range 6 {
		laws = append(laws, poissonLaw(0.5+20*rng.Float64(), 0.2+2*rng.Float64()))
		laws = append(laws, geometricLaw(0.1+0.8*rng.Float64(), 1))
	}
	for _, law := range laws {
		for _, r := range []int{5, 12, 30, 60} {
			tr := birthDeathTruncation(r, law.birth, law.death)
			w := make([]float64, r)
			p := make([]float64, r)
			m := 1.0
			for x := range w {
				w[x], p[x] = float64(x), law.pi(x)
				m -= p[x]
			}
			m = max(m, 0)
			o := &Options{Moment: &Moment{Label: "mean", W: w, C: law.mean, R: float64(r)}}
			for _, scheme := range []string{"ita", "bdp"} {
				res, err := Run(context.Background(), scheme, tr, o)
				if err != nil {
					t.Fatal(err)
				}
				checkBounds(t, fmt.Sprintf("%s %s r=%d", scheme, law.name, r), res.Lower, res.Upper, p, m)
			}
		}
	}
	ref := schloglRef()['b']
	for r := 10; r <= 60; r += 5 {
		tr := schloglTruncation('b', r)
		w := make([]float64, r)
		for x := range w {
			w[x] = float64(x)
		}
		res, err := Run(context.Background(), "ita", tr, &Options{Moment: &Moment{Label: "mean", W: w, C: 17.9537405265, R: float64(r)}})
		if err != nil {
			t.Fatal(err)
		}
		_, tail := tvToRef(res.Upper, ref)
		checkBounds(t, fmt.Sprintf("ita Schlögl (b) r=%d", r), res.Lower, res.Upper, ref[:r], tail)
	}
	for L := 2; L <= 30; L += 4 {
		tr := toggleTruncation(L, 20)
		res, err := Run(context.Background(), "ita", tr, &Options{Moment: toggleMoment(tr, L)})
		if err != nil {
			t.Fatal(err)
		}
		p, tail := refOn(tr)
		checkBounds(t, fmt.Sprintf("ita toggle L=%d", L), res.Lower, res.Upper, p, tail)
	}
}

// TestITABox checks ITA when the in-boundary spans several levels: the toggle switch on the
// box {x1, x2 < 8} (no level function: breadth-first levels x1 + x2, B_i on levels 7..14).
// Every TA vector is recomputed by a dense GTH solve of its augmented chain (an independent
// algorithm) and u = max_z π^z, min_z π^z must agree to 1e-13 relative.
func TestITABox(t *testing.T) {
	t.Parallel()
	const N = 8
	var states [][]int32
	for x1 := int32(0); x1 < N; x1++ {
		for x2 := int32(0); x2 < N; x2++ {
			states = append(states, []int32{x1, x2})
		}
	}
	tr := gen([]string{"P1", "P2"}, states, func(x []int32) ([][]int32, []float64) {
		x1, x2 := x[0], x[1]
		return [][]int32{{x1 + 1, x2}, {x1 - 1, x2}, {x1, x2 + 1}, {x1, x2 - 1}},
			[]float64{20 / (1 + float64(x2)), float64(x1), 20 / (1 + float64(x1)), float64(x2)}
	})
	res, err := Run(context.Background(), "ita", tr, &Options{TailBound: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.In) != 2*N-1 {
		t.Fatalf("|B_i| = %d, want %d", len(tr.In), 2*N-1)
	}
	n := tr.NumStates()
	hi, lo := make([]float64, n), make([]float64, n)
	for x := range lo {
		lo[x] = math.Inf(1)
	}
	for _, z := range tr.In {
		p := make([]float64, n)
		if err := linalg.StationaryGTH(p, augmentSingle(tr, z)); err != nil {
			t.Fatal(err)
		}
		for x, v := range p {
			hi[x], lo[x] = max(hi[x], v), min(lo[x], v)
		}
	}
	for x := range hi {
		if !relClose(res.Upper[x], hi[x], 1e-13) || !relClose(res.Lower[x], 0.5*lo[x], 1e-13) {
			t.Errorf("%s: ITA [%g, %g], dense [%g, %g]", tr.StateString(x), res.Lower[x], res.Upper[x], 0.5*lo[x], hi[x])
		}
	}
	if !res.Error.TVLower.Certified || res.Error.TVLower.Given != "--tail-bound (user-asserted)" {
		t.Errorf("tail bound: %+v", res.Error.TVLower)
	}
}
