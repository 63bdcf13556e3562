package trunc

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// TestLPToggle checks the lp scheme's point (4.53) on the toggle switch against the
// digest's LP column (seed-003 §5.2.4 [REPRO]). The optimum is not unique, so the vertex
// depends on the solver: acceptance 9 asks for the ℓ¹ error Σ_{x∈S}|π_r − π| within a
// factor 3 of the digest's gonum vertex. The point must lie in 𝒫_r: mass in [1 − c/r, 1]
// (here 1, the greatest), moment ≤ c, balance on N_r.
func TestLPToggle(t *testing.T) {
	t.Parallel()
	needLP(t)
	for _, c := range []struct {
		L  int
		l1 float64
	}{{17, 5.171e-01}, {20, 3.563e-01}, {24, 2.116e-01}, {28, 9.032e-02}, {30, 3.733e-02}, {35, 5.280e-03},
		{40, 2.564e-04}, {42, 6.319e-05}, {45, 6.439e-06}, {50, 9.142e-08}} {
		t.Run(fmt.Sprint("L=", c.L), func(t *testing.T) {
			t.Parallel()
			tr := toggleTruncation(c.L, 20)
			m := toggleMoment(tr, c.L)
			res, err := Run(context.Background(), "lp", tr, &Options{Moment: m})
			if err != nil {
				t.Fatal(err)
			}
			pi := restrictTo(t, tr)
			e := L1Diff(res.Distribution, pi)
			if e > 3*c.l1 || e < c.l1/3 {
				t.Errorf("L = %d: ℓ¹ error %.4g, digest %.4g (gonum's vertex): not within a factor 3", c.L, e, c.l1)
			}
			t.Logf("L = %d: ℓ¹ %.4g (digest %.4g)", c.L, e, c.l1)
			checkInOuterSet(t, tr, m, res.Distribution, 1e-9)
			if mass := massOf(res.Distribution); math.Abs(mass-1) > 1e-9 {
				t.Errorf("L = %d: mass %.12g, want 1 (the greatest mass of 𝒫_r)", c.L, mass)
			}
		})
	}
}

// checkInOuterSet checks that π lies in 𝒫_r (4.48) to the tolerance tol: balance rows of
// N_r relative to the row's 2-norm, mass, moment, π ≥ 0.
func checkInOuterSet(t *testing.T, tr *Truncation, m *Moment, pi []float64, tol float64) {
	t.Helper()
	qt := tr.Q.Transpose()
	for _, y := range tr.Interior() {
		s, norm := 0.0, 0.0
		for k := qt.RowPtr[y]; k < qt.RowPtr[y+1]; k++ {
			s += qt.Val[k] * pi[qt.Col[k]]
			norm += qt.Val[k] * qt.Val[k]
		}
		// The solver's tolerance applies to the row scaled to unit 2-norm.
		if math.Abs(s) > tol*math.Sqrt(norm) {
			t.Errorf("balance at %s violated by %g (row norm %g)", tr.StateString(y), s, math.Sqrt(norm))
			return
		}
	}
	mass, mom := 0.0, 0.0
	for x, v := range pi {
		if v < 0 {
			t.Errorf("π(%s) = %g < 0", tr.StateString(x), v)
		}
		mass += v
		mom += m.W[x] * v
	}
	if mass > 1+tol || mass < 1-m.C/m.R-tol || mom > m.C*(1+tol) {
		t.Errorf("mass %g or moment %g outside 𝒫_r", mass, mom)
	}
}

// TestLPBirthDeath: for a birth–death chain 𝒫_r is a segment of multiples of the
// conditional law (seed-003 (4.50)), so the point of greatest mass (4.53) is unique and
// equals π(·|S_r) (§3.5), here Schlögl (b) at r = 40 against the product formula
// γ(x) = Π a₊(k−1)/a₋(k) (1e-9 relative: the LP tolerance is 1e-9).
func TestLPBirthDeath(t *testing.T) {
	t.Parallel()
	needLP(t)
	birth, death := schlogl('b')
	const r = 40
	tr := birthDeathTruncation(r, birth, death)
	gamma := productLaw(r, birth, death)
	w := make([]float64, r)
	for x := range w {
		w[x] = float64(x)
	}
	// E[X] = 17.9537405265 (digest §5.1.2), so stationary(x) <= 18 holds.
	res, err := Run(context.Background(), "lp", tr, &Options{Moment: &Moment{Label: "mean", W: w, C: 18, R: r}})
	if err != nil {
		t.Fatal(err)
	}
	for x, v := range res.Distribution {
		if want := gamma[x]; math.Abs(v-want) > 1e-9*want+1e-15 {
			t.Errorf("π(%d) = %.12g, want %.12g", x, v, want)
		}
	}
}

// TestLPClasses checks the non-unique case (seed-003 T19, acceptance 14): the parity
// network on x1 + x2 < 12 has two ergodic laws, on the even and on the odd x1 with x2 = 0.
// lp --classes returns two optimisers of (4.54) with disjoint supports, each inside one
// class; ilp gives every state the lower bound 0 and no uniqueness certificate.
func TestLPClasses(t *testing.T) {
	t.Parallel()
	needLP(t)
	tr, m := parityTruncation(12)
	res, err := Run(context.Background(), "lp", tr, &Options{Moment: m, Classes: true})
	if err != nil {
		t.Fatal(err)
	}
	cands := res.Uniqueness.Candidates
	if len(cands) != 2 {
		t.Fatalf("%d candidates, want 2: %+v", len(cands), cands)
	}
	seen := map[int]bool{}
	parity := map[int32]bool{}
	for _, c := range cands {
		if c.SupportSize != len(c.Support) || c.SupportSize < 2 {
			t.Errorf("candidate %+v", c)
		}
		for _, x := range c.Support {
			k := tr.Counts(x)
			if seen[x] {
				t.Errorf("state %s in two supports", tr.StateString(x))
			}
			seen[x] = true
			if k[1] != 0 || k[0]%2 != tr.Counts(c.Support[0])[0]%2 {
				t.Errorf("candidate %s has %s in its support", c.Representative, tr.StateString(x))
			}
		}
		parity[tr.Counts(c.Support[0])[0]%2] = true
	}
	if !parity[0] || !parity[1] {
		t.Errorf("the candidates are not the even and the odd class: %+v", cands)
	}
	il, err := Run(context.Background(), "ilp", tr, &Options{Moment: m, Targets: "states"})
	if err != nil {
		t.Fatal(err)
	}
	for x, v := range il.Lower {
		if v != 0 {
			t.Errorf("ilp lower bound of %s is %g, want 0", tr.StateString(x), v)
		}
	}
	if il.Uniqueness == nil || il.Uniqueness.Certified || il.Uniqueness.Witness != nil {
		t.Errorf("uniqueness %+v, want none", il.Uniqueness)
	}
}
