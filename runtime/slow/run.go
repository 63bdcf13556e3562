package slow

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/poisson"
)

// run dispatches to the kernel of the measure's kind; it returns the factorised frozen
// chain when the kernel needed one.
func run(ctx context.Context, ms *ir.Measure, mats Matrices, chain *ctmc.Chain, m *runtime.Model, in *ir.Inputs,
	mu, r []float64, arg float64, order int, discrete bool, set *Settings, out *Measure) (*Result, *poisson.Chain, error) {
	frozen := func() (*poisson.Chain, error) {
		if discrete {
			return poisson.NewDTMC(ctx, mats.P, set.Poisson)
		}
		return poisson.NewCTMC(ctx, mats.P, set.Poisson)
	}
	switch {
	case ms.Kind == ir.Discounted && discrete:
		res, err := Discounted(ctx, mats, mu, r, arg, order, set.Poisson)
		return res, nil, err
	case ms.Kind == ir.Discounted:
		res, err := DiscountedContinuous(ctx, mats, mu, r, arg, order, set.Poisson)
		return res, nil, err
	case ms.Kind == ir.Until:
		region := ctmc.StateValues(chain, m, in, ms.Args[1:2], in.Time)[0]
		inC := make([]bool, len(region))
		for i, v := range region {
			inC[i] = v == 0
		}
		res, err := Hitting(ctx, mats, mu, r, inC, order, set.Poisson)
		if err == nil {
			out.Regime = append(out.Regime, contraction(mats, inC))
		}
		return res, nil, err
	}
	fc, err := frozen()
	if err != nil {
		return nil, nil, fmt.Errorf("the frozen chain at t = %v: %w (the expansion needs Z = (I − P̃ + Π̃)⁻¹ of an irreducible frozen chain)", out.T, err)
	}
	out.Pi = fc.Pi()
	var res *Result
	switch {
	case !discrete:
		res, err = Transient(ctx, fc, mats, r, order)
		if err == nil && order >= 1 {
			out.PiDot, out.PMF, err = PMFCorrection(ctx, fc, mats)
		}
	case ms.Kind == ir.Transient && out.Expand == "end":
		res, err = TransientEnd(ctx, fc, mats, r, order)
	case ms.Kind == ir.Transient:
		res, err = TransientStart(ctx, fc, mats, r, arg, order)
	default:
		res, err = Cumulative(ctx, fc, mats, mu, r, arg, order)
	}
	return res, fc, err
}

// contraction describes the contraction of B̃ on C: the smallest l ≤ 10⁴ with
// ‖B̃ˡ‖∞ < 1 (B̃ ≥ 0, so ‖B̃ˡ‖∞ = max(B̃ˡ1)), and the rate ‖B̃ˡ‖∞^{1/l}. O(l·nnz).
func contraction(m Matrices, inC []bool) string {
	n := len(inC)
	v := make([]float64, n)
	for i := range v {
		if inC[i] {
			v[i] = 1
		}
	}
	w := make([]float64, n)
	for l := 1; l <= 10000; l++ {
		worst := 0.0
		for i := 0; i < n; i++ {
			if !inC[i] {
				continue
			}
			s := 0.0
			for p := m.P.RowPtr[i]; p < m.P.RowPtr[i+1]; p++ {
				if j := m.P.Col[p]; inC[j] {
					s += m.P.Val[p] * v[j]
				}
			}
			w[i] = s
			worst = math.Max(worst, s)
		}
		v, w = w, v
		if worst < 1-1e-12 {
			return fmt.Sprintf("contraction of B̃ on the continuation set: ‖B̃^%d‖ = %.4g < 1 (rate %.4g per step); Theorem 3 also needs it uniformly along the path", l, worst, math.Pow(worst, 1/float64(l)))
		}
	}
	return "contraction of B̃: ‖B̃^l‖ is still 1 at l = 10000: the continuation set is left slowly, the expansion is unreliable"
}

// diagnose fills the relaxation time, the slowness ratio, the regime checks and the
// warnings (seed-004 §10.3).
func diagnose(ctx context.Context, out *Measure, fc *poisson.Chain, kind ir.MeasureKind, discrete bool, arg float64, set *Settings, mats Matrices) {
	if fc == nil && out.States <= 20000 {
		var err error
		switch s := poisson.Unreached(mats.P); {
		case s >= 0:
			// NewDTMC's and NewCTMC's first test, on the matrix the kernel checked: no copy.
			err = &poisson.ReducibleError{From: 0, To: s}
		case discrete:
			fc, err = poisson.NewDTMC(ctx, mats.P, set.Poisson)
		default:
			fc, err = poisson.NewCTMC(ctx, mats.P, set.Poisson)
		}
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the frozen chain is not irreducible (%v): no relaxation time", err))
		} else {
			out.Pi = fc.Pi()
		}
	}
	if fc != nil {
		// An estimate (the power iteration stops when successive values agree to 1e-4; with
		// a second eigenvalue of D close to the first its error is larger): 3 digits.
		if tau, err := fc.RelaxationTime(ctx, 40, 1e-4); err == nil && tau > 0 {
			p := math.Pow(10, math.Floor(math.Log10(tau))-2)
			out.RelaxationTime = math.Round(tau/p) * p
		}
		if p := fc.Period(); p > 1 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the frozen chain is periodic (period %d): Z exists but P̃ⁿ does not converge, so the transient and cumulative expansions are meaningless", p))
		}
	}
	if len(out.Terms) > 1 && out.Terms[0] != 0 {
		out.SlownessRatio = math.Abs(out.Terms[1]) / math.Abs(out.Terms[0])
		if out.SlownessRatio > 0.1 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("large ε: the first-order term is %.3g of the zeroth (above 0.1); the corrections may be worse than useless (digest §10.4, pitfall 7)", out.SlownessRatio))
		}
	}
	if mats.D1 != nil {
		if def := RowSums(mats.D1); def > 1e-9*math.Max(1, mats.D1.NormInf()) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the derivative matrix is not conservative (row sums up to %.3g): Q̇1 ≠ 0 (pitfall 11)", def))
		}
	}
	tau := out.RelaxationTime
	logEps := ""
	if set.Eps > 0 {
		logEps = fmt.Sprintf("; log(1/ε) relaxation times at ε = %v are %.3g %s", set.Eps, tau*math.Log(1/set.Eps), "%s")
	}
	unit := "steps"
	if !discrete {
		unit = "time units"
	}
	switch {
	case kind == ir.Discounted && discrete:
		out.Regime = append(out.Regime, fmt.Sprintf("discounting: q = e^{−α} = %.4g, effective horizon 1/(1 − q) = %.4g steps (the tail past (log 1/ε)^{1+δ} steps must be negligible)", math.Exp(-arg), 1/-math.Expm1(-arg)))
	case kind == ir.Discounted:
		out.Regime = append(out.Regime, fmt.Sprintf("discounting: effective horizon 1/α = %.4g time units", 1/arg))
	case kind == ir.Transient || kind == ir.Cumulative:
		if tau > 0 {
			ratio := arg / tau
			if logEps != "" {
				logEps = fmt.Sprintf(logEps, unit)
			}
			out.Regime = append(out.Regime, fmt.Sprintf("horizon %v %s = %.3g relaxation times (%.4g %s each)%s; the expansion needs it ≫ log(1/ε) relaxation times", arg, unit, ratio, tau, unit, logEps))
			need := 5.0
			if set.Eps > 0 {
				need = math.Max(need, math.Log(1/set.Eps))
			}
			if ratio < need {
				out.Warnings = append(out.Warnings, fmt.Sprintf("the horizon is only %.3g relaxation times: the chain has not forgotten its start, the expansion is unreliable", ratio))
			}
		}
		if set.Eps > 0 && out.Expand == "start" && discrete {
			p, thm := 1.0/3, "Theorem 4: n ≪ ε^{−1/3}"
			if kind == ir.Cumulative {
				p, thm = 1.0/4, "Theorem 8: n ≪ ε^{−1/4}"
			}
			lim := math.Pow(set.Eps, -p)
			out.Regime = append(out.Regime, fmt.Sprintf("%s = %.4g at ε = %v (n = %v)", thm, lim, set.Eps, arg))
			if arg > lim {
				out.Warnings = append(out.Warnings, fmt.Sprintf("n = %v exceeds ε^{−%v} = %.4g: the start expansion's error grows like ε²n^%v; expand at the end", arg, map[bool]string{true: "1/4", false: "1/3"}[kind == ir.Cumulative], lim, map[bool]int{true: 4, false: 3}[kind == ir.Cumulative]))
			}
		}
	}
}
