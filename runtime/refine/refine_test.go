package refine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fit"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/ode"
)

type refFile struct {
	X0          []float64 `json:"x0"`
	SteadyState struct {
		Tight struct {
			Pi []float64   `json:"pi"`
			V  []float64   `json:"V"`
			W  [][]float64 `json:"W"`
			A  []float64   `json:"A"`
		} `json:"tight"`
	} `json:"steady_state"`
	Transient struct {
		Tight struct {
			T []float64   `json:"t"`
			X [][]float64 `json:"x"`
			V [][]float64 `json:"V"`
			A [][]float64 `json:"A"`
		} `json:"tight"`
	} `json:"transient"`
}

func loadRef(t *testing.T, name string) *refFile {
	var r refFile
	readRef(t, name, &r)
	return &r
}

// readRef decodes the JSON file testdata/ref/name into v.
func readRef(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(loadtest.Path("testdata/ref/" + name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// close reports whether got matches want to tol, relative, or absolute when |want| < 1e-6.
func close(got, want, tol float64) bool {
	if math.Abs(want) < 1e-6 {
		return math.Abs(got-want) <= tol
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func checkVec(t *testing.T, what string, got, want []float64, tol float64) float64 {
	t.Helper()
	worst := 0.0
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !close(got[i], want[i], tol) {
			t.Errorf("%s[%d] = %.17g, want %.17g (diff %.3g)", what, i, got[i], want[i], got[i]-want[i])
		}
		e := math.Abs(got[i] - want[i])
		if math.Abs(want[i]) >= 1e-6 {
			e /= math.Abs(want[i])
		}
		worst = math.Max(worst, e)
	}
	return worst
}

func TestJSQStationary(t *testing.T) {
	for _, k := range []int{5, 20} {
		ref := loadRef(t, map[int]string{5: "rmftool_jsq_K5.json", 20: "rmftool_jsq_K20.json"}[k])
		m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {float64(k)}}})
		res, err := Stationary(context.Background(), m, m.Inputs(), nil)
		if err != nil {
			t.Fatalf("K=%d: %v", k, err)
		}
		ep := checkVec(t, "pi", res.X, ref.SteadyState.Tight.Pi, 1e-8)
		ev := checkVec(t, "V", res.V, ref.SteadyState.Tight.V, 1e-8)
		t.Logf("K=%d: worst error of pi %.2g, of V %.2g", k, ep, ev)
		for i := range ref.SteadyState.Tight.W {
			checkVec(t, "W", res.W[i], ref.SteadyState.Tight.W[i], 1e-8)
		}
		// The observables level[i] = x_i have C = V_i.
		n := 0
		for _, o := range res.Observables {
			var i int
			if _, err := fmtSscanf(o.Name, &i); err == nil && i >= 1 && i <= k {
				n++
				if !close(o.C, res.V[i-1], 1e-12) || !close(o.Refined1, res.X[i-1]+res.V[i-1]/res.N, 1e-12) {
					t.Errorf("K=%d %s: C = %g, Refined1 = %g; V = %g", k, o.Name, o.C, o.Refined1, res.V[i-1])
				}
			}
		}
		if n != k {
			t.Errorf("K=%d: %d level observables, want %d", k, n, k)
		}
	}
}

func TestJSQTransient(t *testing.T) {
	for _, k := range []int{5, 20} {
		ref := loadRef(t, map[int]string{5: "rmftool_jsq_K5.json", 20: "rmftool_jsq_K20.json"}[k])
		m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {float64(k)}}})
		in := m.Inputs()
		in.Densities = append([]float64(nil), ref.X0...)
		tr := ref.Transient.Tight
		res, err := Transient(context.Background(), m, in, tr.T, &Settings{ODE: &ode.Settings{RelTol: 1e-12, AbsTol: 1e-14, Dense: true}})
		if err != nil {
			t.Fatalf("K=%d: %v", k, err)
		}
		// The reference was integrated at rtol 1e-11 (DOP853), ours at 1e-12: 1e-7 leaves
		// room for both global errors.
		var ex, ev float64
		for j := range tr.T {
			ex = math.Max(ex, checkVec(t, "x(t)", res.X[j], tr.X[j], 1e-7))
			ev = math.Max(ev, checkVec(t, "V(t)", res.V[j], tr.V[j], 1e-7))
		}
		t.Logf("K=%d: worst error of x(t) %.2g, of V(t) %.2g", k, ex, ev)
		t.Logf("K=%d transient: %+v", k, res.Stats)
	}
}

func TestSISLimit(t *testing.T) {
	m := loadtest.Model(t, "@sis_external", compiler.Options{})
	res, err := Stationary(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := (math.Sqrt2 - 1) / 4 // 0.1035533906, seed-001 digest §4.3
	if math.Abs(res.V[0]-want) > 1e-9 || math.Abs(res.V[0]+res.V[1]) > 1e-12 {
		t.Errorf("V = %v, want (%.10f, %.10f)", res.V, want, -want)
	}
	if w := 1 - 1/math.Sqrt2; math.Abs(res.W[0][0]-w) > 1e-9 {
		t.Errorf("W00 = %.12g, want %.12g", res.W[0][0], w)
	}
	for _, o := range res.Observables {
		// bias = x0 − x0star: C = V_0; sq_err = (x0 − x0star)²: C = W_00.
		switch o.Name {
		case "bias":
			if math.Abs(o.C-want) > 1e-9 {
				t.Errorf("bias C = %.12g, want %.12g", o.C, want)
			}
		case "sq_err":
			if math.Abs(o.C-res.W[0][0]) > 1e-9 {
				t.Errorf("sq_err C = %.12g, want %.12g", o.C, res.W[0][0])
			}
		}
	}
}

// TestSISConvergence compares with the exact chain: |E[x] − x*| = O(1/N) and
// |E[x] − x* − V/N| = O(1/N²).
func TestSISConvergence(t *testing.T) {
	var lx, l1, l2 []float64
	var v0, x0 float64
	for _, n := range []float64{10, 20, 40, 80, 160} {
		m := loadtest.Model(t, "@sis_external", compiler.Options{Scale: n})
		if v0 == 0 {
			res, err := Stationary(context.Background(), m, m.Inputs(), nil)
			if err != nil {
				t.Fatal(err)
			}
			v0, x0 = res.V[0], res.X[0]
		}
		ch, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := ctmc.Stationary(context.Background(), ch, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := ctmc.MeanCounts(ch, st.Pi)[0] / n
		lx = append(lx, math.Log(n))
		l1 = append(l1, math.Log(math.Abs(e-x0)))
		l2 = append(l2, math.Log(math.Abs(e-x0-v0/n)))
		t.Logf("N=%4g E[x0]=%.12f N(E-x*)=%.8f N²(E-x*-V/N)=%.8f", n, e, n*(e-x0), n*n*(e-x0-v0/n))
	}
	s1, s2 := slope(lx, l1), slope(lx, l2)
	t.Logf("slopes: %.4f (mean field), %.4f (refined)", s1, s2)
	if math.Abs(s1+1) > 0.15 || math.Abs(s2+2) > 0.15 {
		t.Errorf("slopes %.3f, %.3f; want -1, -2", s1, s2)
	}
}

func slope(x, y []float64) float64 {
	s, _ := fit.Line(x, y)
	return s
}

func BenchmarkStationaryJSQK100(b *testing.B) {
	m := loadtest.Model(b, "@jsq", compiler.Options{})
	in := m.Inputs()
	for i := 0; i < b.N; i++ {
		if _, err := Stationary(context.Background(), m, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// fmtSscanf parses the index of an observable named "level[i]".
func fmtSscanf(name string, i *int) (int, error) { return fmt.Sscanf(name, "level[%d]", i) }
