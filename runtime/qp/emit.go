package qp

import (
	"fmt"
	"strings"
)

// reaction writes the jump (i, j) as a reaction of the species A (n1) and B (n2).
func reaction(i, j int) string {
	side := func(a, b int) string {
		var s []string
		if a > 0 {
			s = append(s, "A")
		}
		if b > 0 {
			s = append(s, "B")
		}
		if len(s) == 0 {
			return "0"
		}
		return strings.Join(s, " + ")
	}
	return side(max(-i, 0), max(-j, 0)) + " -> " + side(max(i, 0), max(j, 0))
}

// EmitModel writes R̄ as a model file: species A (n1) and B (n2), one transition per
// component and jump, guarded by the component; the inward axis rates in the scaled form
// Σ_k c_k (ρ_k/ρ_*)^n r_k / Σ_k c_k (ρ_k/ρ_*)^n, which cannot underflow. Outward jumps are
// also guarded by n < L, so `mfc exact` solves the box {0..L}² with leaving jumps dropped.
func EmitModel(p *Perturbed, name string, L int) string {
	w := p.Walk
	var b strings.Builder
	fmt.Fprintf(&b, "# The perturbed walk R̄ of Bai and Goseling's Theorem 3.1, written by mfc perturb (model %s).\n", name)
	b.WriteString("# Its stationary law is the sum of geometric terms pi(n1, n2) = sum_k c_k rho_k^n1 sigma_k^n2:\n")
	for k, t := range p.Terms {
		fmt.Fprintf(&b, "#   term %d: rho = %.17g, sigma = %.17g, c = %.17g\n", k+1, t.Rho, t.Sigma, t.C)
	}
	b.WriteString("# The outward jumps are guarded by n < L: mfc exact solves the box {0..L}^2.\n\n")
	fmt.Fprintf(&b, "model %s_perturbed\n\nparam L = %d\n\nspecies A as n1, B as n2\n\n", sanitize(name), L)
	_, rs := p.dominant(false)
	_, ss := p.dominant(true)
	var hn, hd, vn, vd []string
	for k, t := range p.Terms {
		fmt.Fprintf(&b, "let wh%d = %.17g * (%.17g)^n1\n", k+1, t.C, t.Rho/rs)
		fmt.Fprintf(&b, "let wv%d = %.17g * (%.17g)^n2\n", k+1, t.C, t.Sigma/ss)
		hn = append(hn, fmt.Sprintf("wh%d * %.17g", k+1, t.RH))
		hd = append(hd, fmt.Sprintf("wh%d", k+1))
		vn = append(vn, fmt.Sprintf("wv%d * %.17g", k+1, t.RV))
		vd = append(vd, fmt.Sprintf("wv%d", k+1))
	}
	fmt.Fprintf(&b, "let hminus = (%s) / (%s)  # h̄_{-1,0}(n1, 0)\n", strings.Join(hn, " + "), strings.Join(hd, " + "))
	fmt.Fprintf(&b, "let vminus = (%s) / (%s)  # v̄_{0,-1}(0, n2)\n\n", strings.Join(vn, " + "), strings.Join(vd, " + "))
	comps := []struct {
		label, guard string
		n1, n2       int
	}{{"int", "n1 > 0 and n2 > 0", 1, 1}, {"h", "n1 > 0 and n2 == 0", 1, 0}, {"v", "n1 == 0 and n2 > 0", 0, 1}, {"o", "n1 == 0 and n2 == 0", 0, 0}}
	dirName := func(x int) string { return map[int]string{-1: "m", 0: "0", 1: "p"}[x] }
	for _, c := range comps {
		for i := -1; i <= 1; i++ {
			for j := -1; j <= 1; j++ {
				if i == 0 && j == 0 || c.n1+i < 0 || c.n2+j < 0 {
					continue
				}
				var rate string
				switch {
				case c.label == "h" && i == -1 && j == 0:
					rate = "hminus"
				case c.label == "v" && i == 0 && j == -1:
					rate = "vminus"
				default:
					x := p.Rate(c.n1, c.n2, i, j)
					if x == 0 {
						continue
					}
					rate = fmt.Sprintf("%.17g", x)
				}
				g := c.guard
				if i > 0 {
					g += " and n1 < L"
				}
				if j > 0 {
					g += " and n2 < L"
				}
				fmt.Fprintf(&b, "%s_%s%s: %s when %s @ %s\n", c.label, dirName(i), dirName(j), reaction(i, j), g, rate)
			}
		}
	}
	_ = w
	b.WriteString("\nobservable empty = ind(n1 == 0 and n2 == 0)\nobservable jobs1 = n1\n\ninit { A = 0, B = 0 }\n\n")
	b.WriteString("measure p_empty = stationary(empty)\nmeasure mean_n1 = stationary(jobs1)\n")
	return b.String()
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "walk"
	}
	return b.String()
}
