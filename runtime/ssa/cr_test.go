package ssa

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestCRIndexInvariants applies random updates (including 0, subnormal and huge values and
// moves between groups) and checks after each that every transition is in the group of its
// binary exponent at the recorded position and that the group sums match a fresh sum to
// within the round-off bound 1e-12 relative (the sums are recomputed every O(size)
// updates, so the drift stays at a few ulps).
func TestCRIndexInvariants(t *testing.T) {
	const n = 50
	c := newCRIndex(n)
	rng := rand.New(rand.NewPCG(1, 2))
	want := make([]float64, n)
	values := []float64{0, 5e-324, 3e-320, 2e-310, 1e-300, 0.5, 1, 1.5, 2, 3.99, 1e6, 1e300}
	for step := 0; step < 20000; step++ {
		j := rng.IntN(n)
		var a float64
		if rng.IntN(4) == 0 {
			a = values[rng.IntN(len(values))]
		} else {
			a = math.Exp(rng.Float64()*10 - 5)
		}
		if step == 10000 {
			c.clear()
			clear(want)
		}
		c.set(j, a)
		want[j] = a
		if step%97 != 0 {
			continue
		}
		for k, v := range want {
			g := c.grp[k]
			switch {
			case v == 0 && g != -1:
				t.Fatalf("step %d: zero %d in group %d", step, k, g)
			case v > 0 && (g < 0 || c.groups[g].members[c.pos[k]] != int32(k)):
				t.Fatalf("step %d: %d (value %g) not at its position", step, k, v)
			case v > 0 && !(v < c.groups[g].upper || c.groups[g].upper == math.MaxFloat64) || v > 0 && v < c.groups[g].upper/2:
				t.Fatalf("step %d: %g in group with bound %g", step, v, c.groups[g].upper)
			}
		}
		for i, g := range c.active {
			gr := &c.groups[g]
			if len(gr.members) == 0 || (i > 0 && c.groups[c.active[i-1]].exp <= gr.exp) {
				t.Fatalf("step %d: active list %v not non-empty and descending", step, c.active)
			}
			s := 0.0
			for _, m := range gr.members {
				s += want[m]
			}
			if math.Abs(gr.sum-s) > 1e-12*s {
				t.Fatalf("step %d: group %d sum %g, want %g", step, gr.exp, gr.sum, s)
			}
		}
	}
}

// TestCRPick draws 200000 transitions from propensities spread over four orders of
// magnitude, plus a zero, which must never be drawn, and a subnormal, which keeps its own
// group, and applies a χ² goodness-of-fit test against a_j/Σa over the eight normal
// values (every expected count ≥ 14; 7 degrees of freedom; the subnormal's expected
// count, 3e−318, is no χ² cell). The seed is fixed; the test fails if p < 0.001.
func TestCRPick(t *testing.T) {
	a := []float64{3, 0.05, 1, 1.2, 0, 700, 0.3, 5, 2.5, 1e-320}
	c := newCRIndex(len(a))
	for j, v := range a {
		c.set(j, v)
	}
	rng := &pcg{hi: 3, lo: 4} // the stream of rand.NewPCG(3, 4)
	const n = 200000
	obs := make([]float64, len(a))
	tot := c.total()
	for i := 0; i < n; i++ {
		obs[c.pick(rng.Float64()*tot, rng)]++
	}
	if obs[4] != 0 {
		t.Fatalf("zero propensity drawn %g times", obs[4])
	}
	chi2, dof := 0.0, -1
	for j, v := range a {
		e := n * v / tot
		if e < 5 { // the zero and the subnormal
			continue
		}
		chi2 += (obs[j] - e) * (obs[j] - e) / e
		dof++
	}
	p := 1 - distuv.ChiSquared{K: float64(dof)}.CDF(chi2)
	t.Logf("χ² = %.3f (%d dof), p = %.3f", chi2, dof, p)
	if p < 0.001 {
		t.Errorf("χ² = %g, p = %g < 0.001; observed %v", chi2, p, obs)
	}
}

func TestMethodSetting(t *testing.T) {
	m := loadtest.Source(t, mm1k, compiler.Options{})
	big := loadtest.Source(t, network(AutoCRThreshold/2+1, 1), compiler.Options{})
	for _, tc := range []struct {
		m      *runtime.Model
		method string
		cr     bool
		err    bool
	}{
		{m, "", false, false},
		{m, MethodAuto, false, false},
		{m, MethodDirect, false, false},
		{m, MethodCR, true, false},
		{big, "", true, false},
		{big, MethodDirect, false, false},
		{m, "nrm", false, true},
	} {
		s, err := New(tc.m, tc.m.Inputs(), Settings{Method: tc.method})
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "unknown method") {
				t.Errorf("%q: err = %v, want unknown method", tc.method, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := s.cr != nil; got != tc.cr {
			t.Errorf("%d transitions, method %q: composition–rejection %v, want %v", s.p.nT, tc.method, got, tc.cr)
		}
	}
}

// network returns a model with n species X0…X(n−1) and 2n conversion transitions:
// Xi → X(i+1 mod n) and Xi → X(pseudo-random j), with rate constants spread over four
// orders of magnitude, and 100 molecules of each species initially. Each event changes
// two species, so a handful of propensities depend on it.
func network(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 99))
	var b strings.Builder
	b.WriteString("model net\nspecies ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "X%d", i)
	}
	b.WriteString("\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "f%d: X%d -> X%d @ %.4g * X%d\n", i, i, (i+1)%n, math.Pow(10, 2*rng.Float64()-2), i)
		fmt.Fprintf(&b, "g%d: X%d -> X%d @ %.4g * X%d\n", i, i, rng.IntN(n), math.Pow(10, 2*rng.Float64()-1), i)
	}
	b.WriteString("init { ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "X%d = 100", i)
	}
	b.WriteString(" }\n")
	return b.String()
}

// linearMeans returns the exact means at time tt of a network of first-order conversions
// (see network): E[X(t)] = exp(M t) X(0), with M the rate matrix read off the propensities
// at the initial state (a_j = c_j X_src).
func linearMeans(t *testing.T, m *runtime.Model, tt float64) []float64 {
	in := m.Inputs()
	a := make([]float64, len(m.IR.Transitions))
	m.Propensities(a, in)
	d := m.Dim()
	M := mat.NewDense(d, d, nil)
	for j, tr := range m.IR.Transitions {
		src := tr.Reactants[0].Species
		c := a[j] / in.Counts[src]
		for _, jp := range tr.Jump {
			M.Set(jp.Species, src, M.At(jp.Species, src)+float64(jp.Delta)*c)
		}
	}
	M.Scale(tt, M)
	var E mat.Dense
	E.Exp(M)
	var x mat.VecDense
	x.MulVec(&E, mat.NewVecDense(d, in.Counts))
	return x.RawVector().Data
}

// TestMethodsAgree compares ensembles of the direct method and composition–rejection,
// seeded differently, by a two-sample z statistic per quantity and time,
// |m₁ − m₂| / √(SE₁² + SE₂²), and, for the conversion network, each method with the exact
// means by |m − exact| / SE. With K comparisons of a kind the test fails if any statistic
// exceeds the two-sided Bonferroni bound at family level 0.001, z = Φ⁻¹(1 − 0.0005/K)
// (≈ 4.4 for K = 80, 4.5 for K = 160). Models: environment with a coupled transition (t1_sis_env), a
// guarded queue, and an 80-transition network; the seeds are fixed, so the test cannot
// flake.
func TestMethodsAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      *runtime.Model
		times  []float64
		runs   int
		linear bool // exact means by linearMeans
	}{
		{"t1_sis_env_N10", loadtest.Model(t, "@t1_sis_env", compiler.Options{Scale: 10}), []float64{0.5, 2, 5}, 4000, false},
		{"mm1k", loadtest.Source(t, mm1k, compiler.Options{}), []float64{1, 5, 20}, 4000, false},
		{"network40", loadtest.Source(t, network(40, 7), compiler.Options{}), []float64{0.2, 0.5}, 600, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res [2]*EnsembleResult
			for i, method := range []string{MethodDirect, MethodCR} {
				r, err := Ensemble(context.Background(), tc.m, tc.m.Inputs(), Settings{Runs: tc.runs, Times: tc.times, Seed: uint64(11 + i), Method: method})
				if err != nil {
					t.Fatal(err)
				}
				res[i] = r
			}
			k := len(tc.times) * len(res[0].Names)
			z := distuv.UnitNormal.Quantile(1 - 0.0005/float64(k))
			worst := 0.0
			for ti := range tc.times {
				for q, a := range res[0].Stats[ti] {
					b := res[1].Stats[ti][q]
					se := math.Hypot(a.SE, b.SE)
					if se == 0 {
						if a.Mean != b.Mean {
							t.Errorf("t = %g %s: deterministic means %g and %g differ", tc.times[ti], res[0].Names[q], a.Mean, b.Mean)
						}
						continue
					}
					d := math.Abs(a.Mean-b.Mean) / se
					worst = max(worst, d)
					if d > z {
						t.Errorf("t = %g %s: direct %g ± %g, cr %g ± %g, z = %.2f > %.2f", tc.times[ti], res[0].Names[q], a.Mean, a.SE, b.Mean, b.SE, d, z)
					}
				}
			}
			t.Logf("%d comparisons, largest z = %.2f (bound %.2f)", k, worst, z)
			if !tc.linear {
				return
			}
			worst, z = 0, distuv.UnitNormal.Quantile(1-0.0005/float64(2*k))
			for ti, tt := range tc.times {
				want := linearMeans(t, tc.m, tt)
				for i, r := range res {
					for q, w := range want {
						st := r.Stats[ti][q]
						d := math.Abs(st.Mean-w) / st.SE
						worst = max(worst, d)
						if d > z {
							t.Errorf("method %d, t = %g %s: %g ± %g, exact %g, z = %.2f > %.2f", i, tt, r.Names[q], st.Mean, st.SE, w, d, z)
						}
					}
				}
			}
			t.Logf("exact means: largest z = %.2f (bound %.2f)", worst, z)
		})
	}
}

// TestTimeAverageProgress checks that a time average reports each batch once, in order.
func TestTimeAverageProgress(t *testing.T) {
	m := loadtest.Source(t, mm1k, compiler.Options{})
	for _, method := range []string{MethodDirect, MethodCR} {
		var got []int64
		_, err := TimeAverage(context.Background(), m, m.Inputs(), Settings{T: 100, Batches: 5, Seed: 1, Method: method,
			Progress: func(done, total int64) {
				if total != 5 {
					t.Errorf("%s: total %d, want 5", method, total)
				}
				got = append(got, done)
			}})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[1 2 3 4 5]" {
			t.Errorf("%s: progress %v, want [1 2 3 4 5]", method, got)
		}
	}
}
