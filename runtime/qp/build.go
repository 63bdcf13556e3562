package qp

import (
	"fmt"
	"math"
	"strings"
)

// Outward chooses an outward axis rate h̄_{1,0} or v̄_{0,1} (the item 7).
type Outward struct {
	// Kind is "original" (h_{1,0}, the paper's choice), "threshold" (Theorem 3.4), "limit"
	// (Theorem 3.2: the limit of the inward rate equals the original one) or "value".
	Kind  string
	Value float64
}

// ParseOutward reads "original", "threshold", "limit" or a number ≥ 0.
func ParseOutward(s string) (Outward, error) {
	switch s {
	case "", "original":
		return Outward{Kind: "original"}, nil
	case "threshold", "limit":
		return Outward{Kind: s}, nil
	}
	var x float64
	if _, err := fmt.Sscan(s, &x); err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return Outward{}, fmt.Errorf("expected threshold, limit, original or a rate ≥ 0, got %q", s)
	}
	return Outward{Kind: "value", Value: x}, nil
}

// Spec says how to build R̄.
type Spec struct {
	// Points and C give the terms explicitly (C nil: by Weights and normalisation); no
	// Points: Q∩H and Q∩V (the paper's example choice).
	Points  []Point
	C       []float64
	Weights []float64
	H, V    Outward
}

// Build returns the inhomogeneous perturbation of w by spec. With automatic terms, the first
// points of Q∩H and Q∩V are used (all are listed by IntersectQH, IntersectQV); if they
// coincide the perturbation has one term. Notes say what was chosen.
func Build(w *Walk, spec Spec) (*Perturbed, []string, error) {
	var notes []string
	pts, c := spec.Points, spec.C
	if len(pts) == 0 {
		qh, qv := w.IntersectQH(), w.IntersectQV()
		if len(qh) == 0 || len(qv) == 0 {
			list := func(ps []Point) string {
				if len(ps) == 0 {
					return "none"
				}
				var b strings.Builder
				for k, p := range ps {
					if k > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "(%.10g, %.10g)", p.Rho, p.Sigma)
				}
				return b.String()
			}
			return nil, nil, fmt.Errorf("--terms auto needs a point of Q∩H and one of Q∩V in (0, 1)², and Q∩H has %s, Q∩V %s: give the terms with --terms \"rho,sigma,c;...\" (any points of Q)", list(qh), list(qv))
		}
		if len(qh) > 1 || len(qv) > 1 {
			notes = append(notes, fmt.Sprintf("Q∩H has %d points and Q∩V %d in (0, 1)²: the first of each is used (--terms chooses others)", len(qh), len(qv)))
		}
		pts = []Point{qh[0], qv[0]}
		if math.Abs(qh[0].Rho-qv[0].Rho) < 1e-10 && math.Abs(qh[0].Sigma-qv[0].Sigma) < 1e-10 {
			pts = pts[:1]
			notes = append(notes, "Q∩H and Q∩V coincide: the walk itself has a product-form law, and R̄ has one term")
		}
	}
	if c == nil {
		wts := spec.Weights
		if len(wts) == 0 {
			wts = make([]float64, len(pts))
			for k := range wts {
				wts[k] = 1
			}
		}
		if len(wts) != len(pts) {
			if len(pts) == 1 && len(wts) == 2 {
				wts = wts[:1]
			} else {
				return nil, nil, fmt.Errorf("%d weights for %d terms", len(wts), len(pts))
			}
		}
		var err error
		if c, err = Normalise(pts, wts); err != nil {
			return nil, nil, err
		}
	}
	p, err := NewPerturbed(w, pts, c, w.H.At(1, 0), w.V.At(0, 1))
	if err != nil {
		return nil, nil, err
	}
	n, err := p.chooseOutward(spec.H, spec.V)
	return p, append(notes, n...), err
}

// BuildHomogeneous returns the homogeneous (product-form) perturbation: one term at pt (or,
// for a walk symmetric in n1 ↔ n2, the diagonal root of Q) with c = (1 − ρ)(1 − σ).
func BuildHomogeneous(w *Walk, pt *Point, h, v Outward) (*Perturbed, []string, error) {
	if pt == nil {
		if !w.Symmetric() {
			return nil, nil, fmt.Errorf("the walk is not symmetric in n1 ↔ n2: give the product-form point with --terms rho,sigma")
		}
		d := w.Diagonal()
		if len(d) == 0 {
			return nil, nil, fmt.Errorf("Q has no diagonal point in (0, 1)²")
		}
		pt = &d[0]
	}
	p, err := NewPerturbed(w, []Point{*pt}, []float64{(1 - pt.Rho) * (1 - pt.Sigma)}, w.H.At(1, 0), w.V.At(0, 1))
	if err != nil {
		return nil, nil, err
	}
	notes, err := p.chooseOutward(h, v)
	return p, notes, err
}

func (p *Perturbed) chooseOutward(h, v Outward) ([]string, error) {
	var notes []string
	th, tv := p.Thresholds()
	lh, lv, lok := p.LimitMatch()
	pick := func(o Outward, orig, thr, lim float64, name string) (float64, error) {
		switch o.Kind {
		case "threshold":
			if !p.AllPositive() {
				notes = append(notes, name+" = threshold: Theorem 3.4 assumes every c_k > 0, which fails here")
			}
			return thr, nil
		case "limit":
			if !lok {
				return 0, fmt.Errorf("%s = limit: the weights of the dominant terms sum to zero, so Theorem 3.2's limit does not exist", name)
			}
			if lim < 0 {
				return 0, fmt.Errorf("%s = limit gives the negative rate %g", name, lim)
			}
			return lim, nil
		case "value":
			return o.Value, nil
		}
		return orig, nil
	}
	hb, err := pick(h, p.Walk.H.At(1, 0), th, lh, "--hbar10")
	if err != nil {
		return notes, err
	}
	vb, err := pick(v, p.Walk.V.At(0, 1), tv, lv, "--vbar01")
	if err != nil {
		return notes, err
	}
	p.SetOutward(hb, vb)
	return notes, nil
}

// PrintedHomogeneous returns the paper's printed homogeneous bound
// 2ρ(1 − ρ)(μ/2 − μ*)(μ − μ*)/(μμ*) for the joint-departure walk of its §5 (digest 002 §3.4),
// reported for traceability only: it is E_hom with B = (μ − μ*)/(μμ*), which is not a bias
// bound for μ* > μ/2 (there the value is negative or below the true error; pitfall 8).
// ok is false for any other walk.
func (w *Walk) PrintedHomogeneous(rho float64) (value float64, notABound, ok bool) {
	lam, mu, mus := w.Q.At(1, 0), w.Q.At(-1, -1), w.H.At(-1, 0)
	var jd Walk
	set := func(t *Table, i, j int, x float64) { t[i+1][j+1] = x }
	for _, t := range []*Table{&jd.Q, &jd.H, &jd.V, &jd.R} {
		set(t, 1, 0, lam)
		set(t, 0, 1, lam)
	}
	set(&jd.Q, -1, -1, mu)
	set(&jd.H, -1, 0, mus)
	set(&jd.V, 0, -1, mus)
	if *w != jd || lam <= 0 || mu <= 0 || mus <= 0 {
		return 0, false, false
	}
	return 2 * rho * (1 - rho) * (mu/2 - mus) * (mu - mus) / (mu * mus), mus > mu/2, true
}
