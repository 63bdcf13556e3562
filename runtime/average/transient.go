package average

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/ode"
)

// TransientResult is the transient two-timescale refinement along the averaged trajectory
// (digest 000 §3(c)): E[X_N(t)] = X(t) + M(t)/N + O(1/N²) and N·Cov(X_N(t)) → Sigma(t) for
// every fixed t > 0.
type TransientResult struct {
	Times []float64
	// X[k] = φ(Times[k]), M[k] = m(Times[k]), Pi[k] = π(φ(Times[k])).
	X, M, Pi [][]float64
	// Sigma[k] = Σ(Times[k]).
	Sigma []*mat.SymDense
	// M0 is m(0⁺) = −Σ_y μ_y G(x₀, y) for the initial law μ of the environment.
	M0 []float64
	// Observables[k] are the refined observables that do not depend on the environment at
	// Times[k] (the transient refinement of an environment-dependent observable is not
	// covered by the theory).
	Observables [][]Observable
	N           float64
	Stats       ode.Stats
}

// Transient integrates, from φ(0) = in.Densities, Σ(0) = 0 and m(0) = −Σ_y μ_y G(x₀, y),
//
//	dφ/dt = F̄(φ)
//	dΣ/dt = A(φ)Σ + ΣA(φ)ᵀ + Q̄(φ) − O(φ) − O(φ)ᵀ
//	dm/dt = A(φ)m + ½ B(φ):Σ − R(φ) + F̄₁(φ)
//
// jointly with runtime/ode (2d + d(d+1)/2 unknowns). μ is Settings.EnvLaw, or the model's
// initial environment law (π(x₀) under 'env ~ stationary', which gives m(0) = 0). Each
// right-hand side costs one order-2 evaluation of the fast chain, the contractions of
// Stationary for one matrix, and O(d³) for AΣ. When the integration fails, or ctx is
// cancelled (checked at every step), the states reached so far are returned with the error.
func Transient(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, s *Settings) (*TransientResult, error) {
	st := s.fill()
	sys, err := newSystem(m, in)
	if err != nil {
		return nil, err
	}
	d, ns := sys.d, sys.ns
	if len(in.Densities) != d {
		return nil, fmt.Errorf("average: len(in.Densities) = %d, want %d", len(in.Densities), d)
	}
	x0 := append([]float64(nil), in.Densities...)
	pt, err := sys.at(x0, 0)
	if err != nil {
		return nil, err
	}
	mu := st.EnvLaw
	if mu == nil {
		switch env := m.IR.Env; {
		case env.Stationary:
			mu = append([]float64(nil), pt.pi...)
		case len(env.Init) == ns:
			mu = env.Init
		default:
			mu = make([]float64, ns)
			mu[0] = 1
		}
	}
	if len(mu) != ns {
		return nil, fmt.Errorf("average: the environment law has %d entries, want %d", len(mu), ns)
	}
	g := pt.poisson(pt.f)
	m0 := make([]float64, d)
	for y := 0; y < ns; y++ {
		for i := 0; i < d; i++ {
			m0[i] -= mu[y] * g.At(y, i)
		}
	}
	np := d * (d + 1) / 2
	t0 := in.Time
	sig, sigS := mat.NewDense(d, d, nil), mat.NewSymDense(d, nil)
	bs := make([]float64, d)
	var as mat.Dense
	prob := ode.Problem{
		Dim: 2*d + np,
		Func: func(t float64, y, dy []float64) error {
			sys.in.Time = t0 + t
			p, err := sys.at(y[:d], 2)
			if err != nil {
				return err
			}
			copy(dy[:d], p.fbar)
			linalg.UnpackSym(sigS, y[2*d:])
			sig.Copy(sigS) // a general matrix, so that as.Mul below stays a GEMM
			w, q := p.flows()
			gf := p.poisson(p.f)
			var o mat.Dense
			o.Mul(gf.T(), w)
			r := p.rterm(p.f, func(k int) *mat.Dense { return p.df[k] }, w)
			c := p.contract(sig)
			p.driftB(bs, c)
			f1, _, err := sys.firstOrder(p)
			if err != nil {
				return err
			}
			dm := mat.NewVecDense(d, dy[d:2*d])
			dm.MulVec(p.a, mat.NewVecDense(d, y[d:2*d]))
			for i := 0; i < d; i++ {
				dy[d+i] += 0.5*bs[i] - r[i] + f1[i]
			}
			as.Mul(p.a, sig)
			k := 2 * d
			for i := 0; i < d; i++ {
				for j := i; j < d; j++ {
					dy[k] = as.At(i, j) + as.At(j, i) + q.At(i, j) - o.At(i, j) - o.At(j, i)
					k++
				}
			}
			return nil
		},
	}
	y0 := make([]float64, 2*d+np)
	copy(y0, x0)
	copy(y0[d:], m0)
	set, done := runtime.ODEProgress(ctx, "averaged refined trajectory", times, st.ODE)
	defer done()
	sol, err := ode.Solve(ctx, prob, 0, y0, times, set)
	sys.in.Time = t0
	out := &TransientResult{Times: times, M0: m0, N: in.Scale}
	if sol == nil {
		return out, err
	}
	out.Stats = sol.Stats
	for k, yk := range sol.States {
		if yk == nil {
			break
		}
		sys.in.Time = t0 + times[k]
		x := append([]float64(nil), yk[:d]...)
		mk := append([]float64(nil), yk[d:2*d]...)
		sk := mat.NewSymDense(d, nil)
		linalg.UnpackSym(sk, yk[2*d:])
		out.X = append(out.X, x)
		out.M = append(out.M, mk)
		out.Sigma = append(out.Sigma, sk)
		p, perr := sys.at(x, 2)
		if perr != nil {
			return out, perr
		}
		out.Pi = append(out.Pi, append([]float64(nil), p.pi...))
		w, _ := p.flows()
		_, dpi1, _ := sys.firstOrder(p)
		obs, oerr := sys.observables(p, mk, p.contract(sk), w, dpi1, in.Scale, true)
		if oerr != nil {
			return out, oerr
		}
		out.Observables = append(out.Observables, obs)
	}
	sys.in.Time = t0
	return out, err
}
