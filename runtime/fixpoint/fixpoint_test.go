package fixpoint

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// SIS (seed-001 §4.3): x0* = 2 − √2, reduced Jacobian −√2, stable. Tolerance 1e-12.
func TestSIS(t *testing.T) {
	m := loadtest.Model(t, "@sis_external", compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), &Settings{Starts: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 {
		t.Fatalf("want 1 fixed point, got %d: %+v", len(res.Points), res.Points)
	}
	p := res.Points[0]
	if math.Abs(p.X[0]-(2-math.Sqrt2)) > 1e-12 || math.Abs(p.X[1]-(math.Sqrt2-1)) > 1e-12 {
		t.Errorf("x* = %v", p.X)
	}
	if len(p.Eigenvalues) != 1 || math.Abs(real(p.Eigenvalues[0])+math.Sqrt2) > 1e-12 || p.Stability != Stable {
		t.Errorf("eigenvalues %v, %v", p.Eigenvalues, p.Stability)
	}
	if p.Residual > 1e-12 {
		t.Errorf("residual %g", p.Residual)
	}
}

// SIR: 8 x_I² + x_I − 3 = 0, x_R = x_I/3, x_S = 1 − 4x_I/3. Tolerance 1e-12.
func TestSIR(t *testing.T) {
	m := loadtest.Model(t, "@sir", compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), &Settings{Starts: 10})
	if err != nil {
		t.Fatal(err)
	}
	xi := (-1 + math.Sqrt(1+96)) / 16
	want := []float64{1 - 4*xi/3, xi, xi / 3}
	if len(res.Points) != 1 {
		t.Fatalf("want 1 point, got %+v", res.Points)
	}
	for i, w := range want {
		if math.Abs(res.Points[0].X[i]-w) > 1e-12 {
			t.Errorf("x[%d] = %.15g, want %.15g", i, res.Points[0].X[i], w)
		}
	}
	if res.Points[0].Stability != Stable || len(res.Points[0].Eigenvalues) != 2 {
		t.Errorf("%v %v", res.Points[0].Stability, res.Points[0].Eigenvalues)
	}
}

// JSQ, K = 5: pi vs rmftool's tight steady state to 1e-10.
func TestJSQ(t *testing.T) {
	raw, err := os.ReadFile(loadtest.Path("testdata/ref/rmftool_jsq_K5.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		SteadyState struct {
			Tight struct{ Pi []float64 } `json:"tight"`
		} `json:"steady_state"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {5}}})
	res, err := Find(context.Background(), m, m.Inputs(), &Settings{Starts: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 {
		t.Fatalf("want 1 point, got %d", len(res.Points))
	}
	for i, w := range ref.SteadyState.Tight.Pi {
		if math.Abs(res.Points[0].X[i]-w) > 1e-10 {
			t.Errorf("pi[%d] = %.16g, want %.16g", i, res.Points[0].X[i], w)
		}
	}
	if res.Points[0].Stability != Stable {
		t.Error(res.Points[0].Stability)
	}
}

// Schlögl-like bistable model: F(x) = 6 + 6x² − 11x − x³ = −(x−1)(x−2)(x−3); F'(1) = F'(3) = −2,
// F'(2) = 1. Tolerance 1e-10.
const bistable = `
model bistable
scale V = 100
species X
let x = X / V
birth: 0 -> X @ V * (6 + 6 * x^2)
death: X -> 0 @ V * (11 * x + x^3)
init density { X = 0.5 }
`

func TestBistable(t *testing.T) {
	m := loadtest.Source(t, bistable, compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), &Settings{Starts: 30, Box: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 3 {
		t.Fatalf("want 3 fixed points, got %+v", res.Points)
	}
	ns, nu := 0, 0
	for _, p := range res.Points {
		r := math.Round(p.X[0])
		if math.Abs(p.X[0]-r) > 1e-10 {
			t.Errorf("x = %.15g", p.X[0])
		}
		wantEig := map[float64]float64{1: -2, 2: 1, 3: -2}[r]
		if math.Abs(real(p.Eigenvalues[0])-wantEig) > 1e-9 {
			t.Errorf("x=%g eig %v", r, p.Eigenvalues)
		}
		switch p.Stability {
		case Stable:
			ns++
		case Unstable:
			nu++
		}
	}
	t.Logf("bistable: %d starts, failed %d, discarded %d", 30, res.Failed, res.Discarded)
	if ns != 2 || nu != 1 {
		t.Errorf("stable %d unstable %d", ns, nu)
	}
}

// Without Newton (MaxIter 1), the ODE fallback still finds the SIS point.
func TestODEFallback(t *testing.T) {
	m := loadtest.Model(t, "@sis_external", compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), &Settings{MaxIter: 3, Tol: 1e-13})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Points[0].X[0]-(2-math.Sqrt2)) > 1e-12 || !res.Points[0].ODE {
		t.Errorf("%+v", res.Points[0])
	}
}

func TestStartsConserve(t *testing.T) {
	laws := [][]int64{{1, 1, 0, 0}, {0, 0, 1, 2}}
	x0 := []float64{0.3, 0.7, 1, 0.5}
	for _, x := range Starts(laws, x0, 20, 7, 0) {
		if math.Abs(x[0]+x[1]-1) > 1e-14 || math.Abs(x[2]+2*x[3]-2) > 1e-14 || minOf(x) < 0 {
			t.Errorf("start %v", x)
		}
	}
}

// TestAttractorFromInitialState: on the SIS model x' = 2x(1 − x) − x from x0 = 0.2, Newton's
// first step leaves the orthant and it ends at the unstable disease-free point (x = 0); Find
// must still report the stable point x = 1/2 that the ODE reaches from x0 (exact values, 1e-12).
func TestAttractorFromInitialState(t *testing.T) {
	src := `
model sis2
scale N = 100
param beta = 2, gamma = 1
species S, I
infect: S -> I @ beta * S * I / N
recover: I -> S @ gamma * I
init density { S = 0.8, I = 0.2 }
`
	m := loadtest.Source(t, src, compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Points {
		if p.Stability == Stable {
			found = true
			if math.Abs(p.X[1]-0.5) > 1e-12 || !p.ODE {
				t.Errorf("stable point %v (ODE %v), want I = 0.5 from the ODE", p.X, p.ODE)
			}
		}
	}
	if !found {
		t.Errorf("no stable point among %+v", res.Points)
	}
}

// TestDegenerateRoot: at its threshold (R0 = 1) the two-patch SIS model's disease-free state
// is a double root of the drift (F ∼ −I²). Newton alone stops where ‖F‖∞ first falls below
// 1e-12, at I ≈ 1e-6, where the reduced Jacobian's slowest eigenvalue is ≈ −1e-6 and the
// point looks stable. Find must see the linear convergence, polish to the root (I within
// 1e-12 of 0) and report it degenerate, of multiplicity 2, and not stable. Above the
// threshold the endemic root is regular.
func TestDegenerateRoot(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "testdata/bifurcation/metapop_sis.mf", compiler.Options{})
	res, err := Find(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := res.Points[0]
	if !p.Degenerate || p.Multiplicity != 2 || p.Stability == Stable {
		t.Errorf("degenerate %v, multiplicity %d, %v; want a degenerate root of multiplicity 2, not stable", p.Degenerate, p.Multiplicity, p.Stability)
	}
	if math.Abs(p.X[1]) > 1e-12 || math.Abs(p.X[3]) > 1e-12 || math.Abs(p.X[0]-0.5) > 1e-12 {
		t.Errorf("x = %v, want S = 0.5, I = 0 in each patch", p.X)
	}
	m = loadtest.Model(t, "testdata/bifurcation/metapop_sis.mf", compiler.Options{Overrides: map[string][]float64{"beta": {1.2}}})
	res, err = Find(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// R0 = 1.2: I = 0.5·(1 − 1/R0) per patch.
	if p := res.Points[0]; p.Degenerate || p.Stability != Stable || math.Abs(p.X[1]-0.5*(1-1/1.2)) > 1e-12 {
		t.Errorf("R0 = 1.2: %+v", p)
	}
}
