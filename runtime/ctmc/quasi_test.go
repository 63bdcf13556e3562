package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"gonum.org/v1/gonum/mat"
)

// denseQuasi is the reference: the left eigenvector of the dense Q_T (the generator on the
// states outside the closed classes) for its eigenvalue of largest real part, by gonum's
// nonsymmetric eigen-solver, normalised to sum 1; and θ = −that eigenvalue.
func denseQuasi(t *testing.T, c *Chain) (nu []float64, theta float64) {
	t.Helper()
	inClosed := map[int]bool{}
	for _, cl := range ClosedClasses(c) {
		for _, i := range cl {
			inClosed[i] = true
		}
	}
	var states []int
	for i := 0; i < c.NumStates(); i++ {
		if !inClosed[i] {
			states = append(states, i)
		}
	}
	n := len(states)
	q := mat.NewDense(n, n, nil)
	for a, i := range states {
		for b, j := range states {
			q.Set(a, b, c.Q.At(i, j))
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(q, mat.EigenLeft) {
		t.Fatal("eigen-decomposition failed")
	}
	vals := eig.Values(nil)
	best := 0
	for k, v := range vals {
		if real(v) > real(vals[best]) {
			best = k
		}
	}
	var vecs mat.CDense
	eig.LeftVectorsTo(&vecs)
	nu = make([]float64, c.NumStates())
	sum := 0.0
	for a := range states {
		sum += real(vecs.At(a, best))
	}
	for a, i := range states {
		v := vecs.At(a, best)
		if math.Abs(imag(v)) > 1e-12*cmplx.Abs(v) {
			t.Fatalf("complex Perron vector component %v", v)
		}
		nu[i] = real(v) / sum
	}
	return nu, -real(vals[best])
}

// The quasi-stationary law of the SIS chain without importation (absorbed at I = 0) by
// sparse inverse iteration (ILU(0)-GMRES) and by the dense LU path, against gonum's dense
// eigen-solve of Q_T. The Perron vector is well conditioned (the gap to the second
// eigenvalue is about β − γ, of order 1), so the dense reference is accurate to about
// ‖Q‖·ε/gap ≈ 1e-12 and the means agree to 1e-10 relative. The dense eigenvalue, however,
// is only accurate to about ε·‖Q‖ in absolute terms, while θ is tiny (e^{−cN}): θ is
// compared to that absolute accuracy, and relatively where it is large enough.
func TestQuasiStationarySIS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, beta  float64
		denseMax int
	}{
		{20, 1.5, -1}, {50, 1.5, -1}, {100, 1.5, -1}, {100, 2, -1}, {40, 0.8, -1},
		{20, 1.5, 0}, {100, 2, 0},
	} {
		m := loadtest.Model(t, "testdata/qsd/sis.mf", compiler.Options{Scale: tc.n, Overrides: compiler.Overrides{"beta": {tc.beta}}})
		c, err := explore(t, m, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := QuasiStationary(context.Background(), c, &Settings{DenseMax: tc.denseMax})
		if err != nil {
			t.Fatalf("N=%g β=%g: %v", tc.n, tc.beta, err)
		}
		want, theta := denseQuasi(t, c)
		meanGot, meanWant := MeanCounts(c, got.Pi), MeanCounts(c, want)
		for i := range meanGot {
			if d := math.Abs(meanGot[i] - meanWant[i]); d > 1e-10*math.Abs(meanWant[i]) {
				t.Errorf("N=%g β=%g (%s): E_ν[%s] = %.15g, dense eigenvector %.15g (relative %.2g)", tc.n, tc.beta, got.Method, c.Model.IR.Species[i].Name, meanGot[i], meanWant[i], d/meanWant[i])
			}
		}
		if d := math.Abs(got.Rate - theta); d > 1e-12*c.Q.NormInf() && d > 1e-8*theta {
			t.Errorf("N=%g β=%g: θ = %.15g, dense eigenvalue %.15g", tc.n, tc.beta, got.Rate, theta)
		}
		if got.Transient != int(tc.n) || got.Absorbing != 1 || len(got.Classes) != 1 || got.Classes[0].State != fmt.Sprintf("S=%g, I=0", tc.n) {
			t.Errorf("N=%g: %d transient states, %d absorbing, classes %+v", tc.n, got.Transient, got.Absorbing, got.Classes)
		}
		wantMethod := "GMRES"
		if tc.denseMax == 0 {
			wantMethod = "dense LU"
		}
		if !strings.Contains(got.Method, wantMethod) {
			t.Errorf("N=%g: method %q, want %s", tc.n, got.Method, wantMethod)
		}
	}
}

// Two absorbing states (X = 0 and X = 5) around one communicating transient class: the
// quasi-stationary law conditions on avoiding both (the iteration stops when ν changes by
// less than 1e-10, its accuracy here).
//
// Transient states in several classes: a pure death chain from X = 3 (classes {3}, {2}, {1}
// with decay rates 3, 2, 1) is conditioned on survival onto X = 1 with θ = 1, the slowest
// class it reaches; an SIRS epidemic without importation (the states without infection but
// with immunes are classes of their own, leaking to the absorbing state) has the law of the
// dense Perron vector. Refused: a chain without transient states, and two deaths X → 0, Y → 0
// at the same rate from (1, 1), whose conditioned law stays on {X=1, Y=0} and {X=0, Y=1},
// which cannot reach each other (every mixture of them is quasi-stationary).
func TestQuasiStationaryClasses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		rate      float64 // the expected θ, or 0 for the dense reference
		at        string  // the state holding all the mass, if any
	}{
		{"two absorbing states", `model absorb
species X
up:   0 -> X when X < 5 @ X * (5 - X)
down: X -> 0 @ X * (5 - X)
init { X = 2 }
`, 0, ""},
		{"pure death", `model pure_death
species X
die: X -> 0 @ X
init { X = 3 }
`, 1, "X=1"},
		{"sirs", `model sirs
scale N = 15
param beta = 3, gamma = 1, delta = 0.5
species S, I, R
infect:  S + I -> 2I @ beta * S * I / N
recover: I -> R      @ gamma * I
wane:    R -> S      @ delta * R
init { S = 10, I = 5, R = 0 }
`, 0, ""},
	} {
		c, err := explore(t, loadtest.Source(t, tc.src, compiler.Options{}), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		q, err := QuasiStationary(context.Background(), c, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.rate > 0 {
			if math.Abs(q.Rate-tc.rate) > 1e-10 || q.Pi[c.Index([]int{1}, 0)] < 1-1e-10 {
				t.Errorf("%s: θ = %g, ν = %v", tc.name, q.Rate, q.Pi)
			}
			continue
		}
		nu, theta := denseQuasi(t, c)
		for i := range nu {
			if math.Abs(q.Pi[i]-nu[i]) > 1e-10 {
				t.Errorf("%s: ν[%s] = %.15g, dense %.15g", tc.name, c.StateString(i), q.Pi[i], nu[i])
			}
		}
		if math.Abs(q.Rate-theta) > 1e-10*theta {
			t.Errorf("%s: θ = %g, dense %g", tc.name, q.Rate, theta)
		}
	}

	for _, tc := range []struct{ name, src, want string }{
		{"irreducible", mm1k, "no transient states"},
		{"two deaths", `model two_deaths
species X, Y
dx: X -> 0 @ X
dy: Y -> 0 @ Y
init { X = 1, Y = 1 }
`, "cannot reach each other"},
	} {
		c, err := explore(t, loadtest.Source(t, tc.src, compiler.Options{}), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = QuasiStationary(context.Background(), c, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
		var tr *TransientReducibleError
		if tc.name == "irreducible" && !errors.Is(err, ErrNoAbsorption) || tc.name != "irreducible" && !errors.As(err, &tr) {
			t.Errorf("%s: error of type %T", tc.name, err)
		}
	}
}

// At N = 1000 the SIS chain's absorption rate is about e^{−0.19N} ≈ 1e-84, far below the
// absolute accuracy of the inverse iteration (about ε·‖Q_T‖∞): the restart chain solved by
// GTH gets every component of ν to a relative accuracy, so that ν satisfies νQ_T = −θν
// componentwise (each equation to 1e-10 of the magnitude of its terms, down to the states
// near I = 0 where ν is ~1e-84). Without GTH (the iterative path forced) θ is reported as
// an upper bound only.
func TestQuasiStationaryTinyRate(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "testdata/qsd/sis.mf", compiler.Options{Scale: 1000, Overrides: compiler.Overrides{"beta": {2}}})
	c, err := explore(t, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := QuasiStationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.RateBound || !(q.Rate > 1e-90 && q.Rate < 1e-80) || !strings.Contains(q.Method, "GTH") {
		t.Fatalf("θ = %g (bound %v, %s), want about 1e-84", q.Rate, q.RateBound, q.Method)
	}
	for i := 0; i < c.NumStates(); i++ {
		if q.Pi[i] == 0 {
			continue
		}
		sum, scale := q.Rate*q.Pi[i], q.Rate*q.Pi[i]
		for j := 0; j < c.NumStates(); j++ {
			if v := q.Pi[j] * c.Q.At(j, i); v != 0 && q.Pi[j] != 0 {
				sum, scale = sum+v, scale+math.Abs(v)
			}
		}
		if math.Abs(sum) > 1e-10*scale {
			t.Fatalf("(νQ_T + θν)[%s] = %g, terms of size %g", c.StateString(i), sum, scale)
		}
	}
	it, err := QuasiStationary(context.Background(), c, &Settings{DenseMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !it.RateBound || !(it.Rate >= q.Rate) {
		t.Errorf("iterative path: θ = %g, bound %v; want an upper bound", it.Rate, it.RateBound)
	}
}

// Stationary reports the closed class it solved on and whether it is one absorbing state,
// and which states lie outside it.
func TestStationaryClass(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		m         func() *Chain
		size, abs int
		state     string
		initIn    bool
	}{
		{"sis absorbed", func() *Chain {
			c, _ := explore(t, loadtest.Model(t, "testdata/qsd/sis.mf", compiler.Options{}), Limits{})
			return c
		}, 1, 1, "S=30, I=0", false},
		{"mm1k irreducible", func() *Chain {
			c, _ := explore(t, loadtest.Source(t, mm1k, compiler.Options{}), Limits{})
			return c
		}, 11, 0, "Q=0", true},
	} {
		c := tc.m()
		r, err := Stationary(context.Background(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Class.Size != tc.size || r.Absorbing != tc.abs || r.Class.State != tc.state || r.InClosedClass(c.Initial[0]) != tc.initIn {
			t.Errorf("%s: class %+v, %d absorbing, initial state in it: %v", tc.name, r.Class, r.Absorbing, r.InClosedClass(c.Initial[0]))
		}
	}
}
