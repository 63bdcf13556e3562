package trunc

import (
	"context"
	"math"
	"strings"
	"testing"
)

// relClose reports whether got is within rel·|want| of want.
func relClose(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// TestSchloglNormalisers checks Σγ and the ₂F₂ closed form (4.32) against the digest's
// mpmath values (seed-003 §5.1.2, T1/T2, 15 significant digits given: tolerance 1e-13
// relative, above the k·ε rounding of the product recursion over the ~500 states that
// carry the mass) and against each other to ≥ 12 digits (acceptance 1).
func TestSchloglNormalisers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set  byte
		n    int
		want float64 // digest §5.1.2, mpmath at 60 digits
		k    [4]float64
	}{
		{'a', 3000, 6200934636.17009, [4]float64{0.025, 4.17e-5, 60, 3.127}},
		{'b', 400, 44168655.1705196, [4]float64{6, 1.0 / 3, 50, 3}},
	}
	for _, c := range cases {
		birth, death := schlogl(c.set)
		for _, prec := range []string{"double", "dd"} {
			sum, logSum, err := GammaSum(birth, death, c.n, prec)
			if err != nil {
				t.Fatal(err)
			}
			if !relClose(sum, c.want, 1e-13) || !relClose(logSum, math.Log(c.want), 1e-14) {
				t.Errorf("(%c) %s: Σγ = %.15g (log %.15g), want %.15g", c.set, prec, sum, logSum, c.want)
			}
		}
		f, err := SchloglNormaliser(c.k[0], c.k[1], c.k[2], c.k[3])
		if err != nil {
			t.Fatal(err)
		}
		sum, _, _ := GammaSum(birth, death, c.n, "dd")
		if !relClose(f, c.want, 1e-13) || !relClose(f, sum, 1e-12) {
			t.Errorf("(%c) ₂F₂ = %.15g, Σγ = %.15g, want %.15g", c.set, f, sum, c.want)
		}
	}
}

// TestHyp2F2Known checks the series against closed forms: ₂F₂(a, b; a, b; z) = eᶻ and
// ₂F₂(1, 1; 2, 2; z) = (Ei(z) − ln z − γ_E)/z, here at z = 1 (1.3179021514544038, to 1e-15).
func TestHyp2F2Known(t *testing.T) {
	t.Parallel()
	f, err := Hyp2F2(complex(0.3, 2), complex(0.3, -2), complex(0.3, 2), complex(0.3, -2), 7.5)
	if err != nil || !relClose(real(f), math.Exp(7.5), 1e-14) {
		t.Errorf("₂F₂(a,b;a,b;7.5) = %v (%v), want %g", f, err, math.Exp(7.5))
	}
	f, err = Hyp2F2(1, 1, 2, 2, 1)
	if err != nil || !relClose(real(f), 1.3179021514544038, 1e-15) {
		t.Errorf("₂F₂(1,1;2,2;1) = %v (%v), want 1.3179021514544038", f, err)
	}
	if _, err := Hyp2F2(1, 1, -2, 2, 1); err == nil {
		t.Error("a non-positive integer b was accepted")
	}
}

// schloglMoments returns π(0), the mean, the variance, P(X < 200), the local maxima and the
// local minima of a distribution indexed by the count.
func schloglMoments(p []float64) (p0, mean, variance, below200 float64, modes, minima []int) {
	for x, v := range p {
		mean += float64(x) * v
		if x < 200 {
			below200 += v
		}
	}
	for x, v := range p {
		variance += (float64(x) - mean) * (float64(x) - mean) * v
		if x > 0 && x+1 < len(p) && p[x+1] > 0 {
			if v > p[x-1] && v > p[x+1] {
				modes = append(modes, x)
			}
			if v < p[x-1] && v < p[x+1] {
				minima = append(minima, x)
			}
		}
	}
	return p[0], mean, variance, below200, modes, minima
}

// TestBDPSchloglReference checks the bdp scheme at r = 3000 (a) and 400 (b), where the tail
// is below 1e-370, against the digest's mpmath reference values (seed-003 §5.1.2, T3,
// acceptance 2): 11–12 digits given, tolerance 1e-10 relative (the rule); modes and
// the minimum exactly. Both precisions.
func TestBDPSchloglReference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set                       byte
		r                         int
		p0, mean, variance, below float64
		modes, minima             []int
	}{
		{'a', 3000, 1.61266012089e-10, 384.173090269, 17903.1246492, 0.115800874564, []int{22, 432}, []int{147}},
		{'b', 400, 2.26404900973e-8, 17.9537405265, 18.0557920151, 1, []int{17}, nil},
	}
	for _, c := range cases {
		for _, prec := range []string{"double", "dd"} {
			tr := schloglTruncation(c.set, c.r)
			res, err := Run(context.Background(), "bdp", tr, &Options{Precision: prec})
			if err != nil {
				t.Fatal(err)
			}
			p0, mean, variance, below, modes, minima := schloglMoments(res.Distribution)
			for _, q := range []struct {
				name      string
				got, want float64
			}{{"π(0)", p0, c.p0}, {"mean", mean, c.mean}, {"variance", variance, c.variance}, {"P(X<200)", below, c.below}} {
				if !relClose(q.got, q.want, 1e-10) {
					t.Errorf("(%c) %s: %s = %.12g, want %.12g", c.set, prec, q.name, q.got, q.want)
				}
			}
			if !equalInts(modes, c.modes) || !equalInts(minima, c.minima) {
				t.Errorf("(%c) %s: modes %v minima %v, want %v %v", c.set, prec, modes, minima, c.modes, c.minima)
			}
			if res.Lower != nil || res.Error.TVUpper != nil {
				t.Errorf("(%c): bounds without a tail bound", c.set)
			}
			// (a): π(2999) ≈ 1e-1100 underflows in the vector, not in the normaliser.
			if c.set == 'a' && (res.Distribution[2999] != 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "below the float64 range")) {
				t.Errorf("(a): π(2999) = %g, notes %q", res.Distribution[2999], res.Notes)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBDPBounds checks the lower bound l_r = (1 − c/r)·u_r and the TV errors (4.9)–(4.10)
// on Schlögl (b) with the assumption π(x) ≤ c = 18 (the true mean is 17.954, §5.1.2) and
// S = {x < r}: the exact law (bdp at r = 400) must lie between l and u state-wise, the TV
// error of l must be 1 − l(S) = c/r, and the TV error of u (= m_r) must be ≤ c/r.
func TestBDPBounds(t *testing.T) {
	t.Parallel()
	ref, _ := Run(context.Background(), "bdp", schloglTruncation('b', 400), nil)
	for _, r := range []int{20, 30, 40} {
		tr := schloglTruncation('b', r)
		w := make([]float64, r)
		for x := range w {
			w[x] = float64(x)
		}
		res, err := Run(context.Background(), "bdp", tr, &Options{Moment: &Moment{Label: "mean", W: w, C: 18, R: float64(r)}})
		if err != nil {
			t.Fatal(err)
		}
		c := 18 / float64(r)
		if res.Lower == nil || !relClose(res.Error.TVLower.Value, c, 1e-15) || !res.Error.TVLower.Certified || res.Error.TVLower.Given != "mean" {
			t.Fatalf("r = %d: lower bound %v, TV %+v", r, res.Lower != nil, res.Error.TVLower)
		}
		sumL := 0.0
		for x := range res.Upper {
			if res.Lower[x] > ref.Distribution[x]*(1+1e-13) || ref.Distribution[x] > res.Upper[x]*(1+1e-13) {
				t.Errorf("r = %d, x = %d: π = %g outside [%g, %g]", r, x, ref.Distribution[x], res.Lower[x], res.Upper[x])
			}
			sumL += res.Lower[x]
		}
		if !relClose(1-sumL, c, 1e-13) {
			t.Errorf("r = %d: 1 − l(S) = %g, want c/r = %g", r, 1-sumL, c)
		}
		padded := append(append([]float64{}, res.Upper...), make([]float64, 400-r)...)
		if tv := TVDiffTail(padded, ref.Distribution, 0); tv > res.Error.TVUpper.Value {
			t.Errorf("r = %d: TV(u − π) = %g above the bound %g", r, tv, res.Error.TVUpper.Value)
		}
	}
}

// TestBDPRefuses checks that bdp names why a truncation is not a birth–death chain.
func TestBDPRefuses(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), "bdp", toggleTruncation(5, 20), nil)
	if err == nil || !strings.Contains(err.Error(), "2 species") {
		t.Errorf("toggle: %v", err)
	}
	jump2 := gen([]string{"X"}, [][]int32{{0}, {1}, {2}, {3}}, func(x []int32) ([][]int32, []float64) {
		return [][]int32{{x[0] + 2}, {x[0] - 1}}, []float64{1, float64(x[0])}
	})
	_, err = Run(context.Background(), "bdp", jump2, nil)
	if err == nil || !strings.Contains(err.Error(), "changes the count by 2") {
		t.Errorf("jump by 2: %v", err)
	}
}

// BenchmarkBDPSchloglA is the speed target of the issue: bdp on Schlögl (a), r = 3000,
// < 1 ms.
func BenchmarkBDPSchloglA(b *testing.B) {
	tr := schloglTruncation('a', 3000)
	for b.Loop() {
		if _, err := solveBDP(context.Background(), tr, &Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// schloglTruncation is Schlögl's model, set (a) or (b), on S = {0, …, r−1}.
func schloglTruncation(set byte, r int) *Truncation {
	birth, death := schlogl(set)
	return birthDeathTruncation(r, birth, death)
}
