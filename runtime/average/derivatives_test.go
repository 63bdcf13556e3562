package average

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"gonum.org/v1/gonum/mat"
)

// The fast-chain linear algebra and the exact derivatives at random interior points, on T2
// (nonlinear rates, three environment states) and the 3-node CSMA model (product-form π).
// References: the identities K K⁺ = K⁺K = I − 1πᵀ, K⁺1 = 0, πᵀK⁺ = 0 (tolerance 1e-12,
// round-off of m×m solves); the CSMA product form π_y ∝ Π_c (ν_c x_{c,1}/μ_c)^{y_c} (digest
// §4.3; 1e-14); and central differences with step h = 1e-5 of F̄, π, A and G (digest §8
// items 1–2), whose truncation error O(h²‖∂³‖) and cancellation error O(ε/h) bound the
// tolerance at 1e-7 relative to max(1, |value|).
func TestDerivatives(t *testing.T) {
	for _, model := range []string{"@t2_sirs_env", "@csma3"} {
		t.Run(model, func(t *testing.T) {
			m := loadtest.Model(t, model, compiler.Options{})
			sys, err := newSystem(m, m.Inputs())
			if err != nil {
				t.Fatal(err)
			}
			d, ns := sys.d, sys.ns
			rng := rand.New(rand.NewPCG(1, 2))
			x := make([]float64, d)
			if model == "@csma3" {
				// Decreasing densities x(c,1) ≥ … ≥ x(c,B) > 0 inside the state space.
				for c := 0; c < 3; c++ {
					v := 0.3 + 0.5*rng.Float64()
					for b := 0; b < 10; b++ {
						x[c*10+b] = v
						v *= 0.4 + 0.5*rng.Float64()
					}
				}
			} else {
				x[0], x[1] = 0.2+0.5*rng.Float64(), 0.05+0.2*rng.Float64()
			}
			u, v := make([]float64, d), make([]float64, d)
			for i := range u {
				u[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			const h = 1e-5
			check := func(what string, got, want float64) {
				t.Helper()
				if e := math.Abs(got-want) / math.Max(1, math.Abs(want)); !(e <= 1e-7) {
					t.Errorf("%s = %.12g, central difference %.12g", what, got, want)
				}
			}
			shift := func(dir []float64, s float64) []float64 {
				y := make([]float64, d)
				for i := range y {
					y[i] = x[i] + s*dir[i]
				}
				return y
			}
			// Values at x ± h·e_n and x ± h·u (each copied: the point is reused).
			type snap struct {
				fbar, pi []float64
				a, g     *mat.Dense
			}
			take := func(y []float64, order int) snap {
				p, err := sys.at(y, order)
				if err != nil {
					t.Fatal(err)
				}
				s := snap{fbar: append([]float64(nil), p.fbar...), pi: append([]float64(nil), p.pi...), g: p.poisson(p.f)}
				if order >= 1 {
					s.a = mat.DenseCopyOf(p.a)
				}
				return s
			}
			for n := 0; n < d; n++ {
				e := make([]float64, d)
				e[n] = 1
				sp, sm := take(shift(e, h), 0), take(shift(e, -h), 0)
				p, _ := sys.at(x, 1)
				for i := 0; i < d; i++ {
					check("A", p.a.At(i, n), (sp.fbar[i]-sm.fbar[i])/(2*h))
				}
				for y := 0; y < ns; y++ {
					check("∂π", p.dpi.At(n, y), (sp.pi[y]-sm.pi[y])/(2*h))
				}
			}
			// B:(u vᵀ + v uᵀ) = 2 D²F̄[u, v] = 2 D(A v)[u].
			ap, am := take(shift(u, h), 1), take(shift(u, -h), 1)
			p, err := sys.at(x, 2)
			if err != nil {
				t.Fatal(err)
			}
			muv := mat.NewDense(d, d, nil)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					muv.Set(i, j, u[i]*v[j]+v[i]*u[j])
				}
			}
			bm := make([]float64, d)
			p.driftB(bm, p.contract(muv))
			var avp, avm mat.VecDense
			avp.MulVec(ap.a, mat.NewVecDense(d, v))
			avm.MulVec(am.a, mat.NewVecDense(d, v))
			for i := 0; i < d; i++ {
				check("B:M", bm[i], 2*(avp.AtVec(i)-avm.AtVec(i))/(2*h))
			}
			// R = Σ_{y′} DG(y′)[w_{y′}] against differences of G = K⁺F along each w_{y′}.
			p, _ = sys.at(x, 1)
			w, _ := p.flows()
			r := p.rterm(p.f, func(y int) *mat.Dense { return p.df[y] }, mat.DenseCopyOf(w))
			want := make([]float64, d)
			for yp := 0; yp < ns; yp++ {
				wy := append([]float64(nil), w.RawRowView(yp)...)
				gp, gm := take(shift(wy, h), 0), take(shift(wy, -h), 0)
				for i := 0; i < d; i++ {
					want[i] += (gp.g.At(yp, i) - gm.g.At(yp, i)) / (2 * h)
				}
			}
			for i := 0; i < d; i++ {
				check("R", r[i], want[i])
			}
			// Group inverse identities.
			p, _ = sys.at(x, 0)
			var kk, kk2 mat.Dense
			kk.Mul(p.k, p.kp)
			kk2.Mul(p.kp, p.k)
			for i := 0; i < ns; i++ {
				rs := 0.0
				for j := 0; j < ns; j++ {
					want := -p.pi[j]
					if i == j {
						want++
					}
					if math.Abs(kk.At(i, j)-want) > 1e-12 || math.Abs(kk2.At(i, j)-want) > 1e-12 {
						t.Errorf("K K⁺ or K⁺ K differs from I − 1πᵀ at (%d,%d)", i, j)
					}
					rs += p.kp.At(i, j)
				}
				cs := 0.0
				for j := 0; j < ns; j++ {
					cs += p.pi[j] * p.kp.At(j, i)
				}
				if math.Abs(rs) > 1e-12 || math.Abs(cs) > 1e-12 {
					t.Errorf("K⁺1 or πᵀK⁺ nonzero: %g, %g", rs, cs)
				}
			}
			if model == "@csma3" {
				nu, mu := []float64{1.2, 2.0, 1.5}, []float64{1.4, 1.3, 1.7}
				z := make([]float64, ns)
				tot := 0.0
				for k, y := range m.IR.Env.Space {
					z[k] = 1
					for c, s := range y {
						if s == 1 {
							z[k] *= nu[c] * x[c*10] / mu[c]
						}
					}
					tot += z[k]
				}
				for k := range z {
					if math.Abs(p.pi[k]-z[k]/tot) > 1e-14 {
						t.Errorf("π[%d] = %.16g, product form %.16g", k, p.pi[k], z[k]/tot)
					}
				}
			}
		})
	}
}
