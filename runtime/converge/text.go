package converge

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteText writes the report as the human-readable diagnostics of the command line
// (stability, hypotheses, constants, bounds, warnings). Cost O(d² + J).
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	h, st, pr := rep.Hypotheses, rep.Stability, rep.Prediction
	fmt.Fprintf(&b, "== Rate of convergence of the mean field (Ying; seed 001) ==\n")
	fmt.Fprintf(&b, "model: %s  species: %s  reduced dimension r = %d\n", rep.Model, capList(rep.Species, maxRows), rep.R)
	fmt.Fprintf(&b, "hypotheses:\n")
	fmt.Fprintf(&b, "  perfect (no rate depends on N) ... %s\n", yesNo(h.Perfect))
	fmt.Fprintf(&b, "  drift C² (smooth rates) .......... %s\n", yesNo(h.Smooth))
	fmt.Fprintf(&b, "  bounded jumps .................... yes, c~ = %.4g (max ‖ℓ‖₂)\n", h.CTilde)
	fmt.Fprintf(&b, "  bounded normalised rate .......... sampled sup Σβ = %.6g (inf %.6g)\n", h.SupRate, h.InfRate)
	fmt.Fprintf(&b, "  unique equilibrium ............... %s (%d found)\n", yesNo(h.UniqueEquilibrium), len(rep.Equilibria))
	fmt.Fprintf(&b, "equilibrium: x* = %s\n", fmtVec(rep.X))
	fmt.Fprintf(&b, "local stability: reduced Jacobian eigenvalues %s; abscissa %.6g → exponentially stable\n", fmtComplex(st.Eigenvalues), st.Abscissa)
	if st.Removed > 0 {
		fmt.Fprintf(&b, "  (%d zero eigenvalue(s) of the full Jacobian along the conservation laws excluded)\n", st.Removed)
	}
	fmt.Fprintf(&b, "  Lyapunov Π (J_rᵀΠ + ΠJ_r = −I): λmin %.6g, λmax %.6g, cond %.4g; linear decay rate %.6g\n", st.PiMin, st.PiMax, st.PiCond, st.LinearDecay)
	fmt.Fprintf(&b, "global stability: %s\n", st.Global)
	fmt.Fprintf(&b, "  κ estimate for α = %.4g: %.4g\n", st.Alpha, st.Kappa)
	fmt.Fprintf(&b, "error constant:\n")
	fmt.Fprintf(&b, "  lim N·E‖X − x*‖² = C = tr W = %.10g   (Stein terms Σ β ℓᵀΠℓ = %.10g)\n", pr.C, pr.CStein)
	for i, v := range pr.PerSpecies {
		if i == maxRows {
			fmt.Fprintf(&b, "    … %d more species\n", len(pr.PerSpecies)-maxRows)
			break
		}
		fmt.Fprintf(&b, "    %-12s lim N·E(X_i − x*_i)² = %.10g\n", rep.Species[i], v)
	}
	fmt.Fprintf(&b, "  per transition (β_j(x*) · (−½ℓᵀ∇²g(x*)ℓ)):\n")
	for j, t := range pr.Terms {
		if j == maxRows {
			fmt.Fprintf(&b, "    … %d more transitions\n", len(pr.Terms)-maxRows)
			break
		}
		fmt.Fprintf(&b, "    %-20s %.10g\n", t.Label, t.Value)
	}
	if pr.Bounded {
		fmt.Fprintf(&b, "  bound for every N (sampled sups): N·E‖X − x*‖² ≤ %.6g", pr.Upper)
		if pr.OneSign {
			fmt.Fprintf(&b, ", ≥ %.6g", pr.Lower)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("  bounds for every N: skipped (see warnings)\n")
	}
	if pr.Corollary1 > 0 {
		fmt.Fprintf(&b, "  (includes the drift-error term max‖∇g‖·sup‖F₁‖ = %.6g)\n", pr.Corollary1)
	}
	if pr.Bounded {
		fmt.Fprintf(&b, "  Poisson self-test |∇²g(x*) + 2Π| (relative) = %.2g; sampled max ‖∇g‖ = %.6g\n", pr.HessianCheck, pr.MaxGrad)
	}
	cn := rep.Constants
	fmt.Fprintf(&b, "paper constants (sampled): L = %.6g, μ = %.6g, c_l = %.6g, c_u = %.6g, c_p = %.6g, c_d = %.6g\n", cn.L, cn.Mu, cn.Cl, cn.Cu, cn.Cp, cn.Cd)
	if pr.Bias != nil {
		fmt.Fprintf(&b, "refined mean field (bias, not the MSE): E[X] ≈ x* + %s/N\n", fmtVec(pr.Bias))
	}
	for _, s := range rep.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the comparison with the exact chain as a table. Cost O(len(Points)).
func (c *Comparison) WriteText(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%8s %9s %14s %14s %12s %9s %12s\n", "N", "states", "N·E‖X−x*‖²", "gap to C", "RMS", "in bounds", "Stein diff")
	for _, p := range c.Points {
		stein := "—"
		if p.Stein != nil {
			stein = fmt.Sprintf("%.2g", p.Stein.Diff)
		}
		note := ""
		if !p.Irreducible {
			note = "  (not irreducible)"
		}
		in := "—"
		if p.InBounds != nil {
			in = yesNo(*p.InBounds)
		}
		fmt.Fprintf(&b, "%8d %9d %14.10g %14.6g %12.6g %9s %12s%s\n", p.N, p.States, p.Scaled, p.Gap, math.Sqrt(p.MSE), in, stein, note)
	}
	fmt.Fprintf(&b, "prediction C = %.10g", rep.Prediction.C)
	if c.Slope != 0 {
		fmt.Fprintf(&b, "; fit |gap| ∝ N^%.4f (theory: −1)", c.Slope)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// maxRows caps the per-species and per-transition lists of the text output.
const maxRows = 20

func capList(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(", … (%d in all)", len(s))
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func fmtComplex(ev []Complex) string {
	var parts []string
	for i, v := range ev {
		if i == maxRows {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(ev)))
			break
		}
		if v.Im == 0 {
			parts = append(parts, fmt.Sprintf("%.6g", v.Re))
		} else {
			parts = append(parts, fmt.Sprintf("%.6g%+.6gi", v.Re, v.Im))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
