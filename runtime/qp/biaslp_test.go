package qp

import (
	"context"
	"math"
	"testing"
)

// TestBiasLP: at Table C's r = 0.05 (η = 0.3, F = n1) the LP bound, when the LP is
// feasible, is at least 0.99 × the oracle's floor and at least the exact error (digest
// §3.6); at r = 0.5 the LP either gives such a bound or reports infeasibility.
func TestBiasLP(t *testing.T) {
	t.Parallel()
	for _, row := range tableC1 {
		r := row[0]
		if r != 0.05 && r != 0.5 {
			continue
		}
		mu := 1 / (1 + 2*r)
		w := jointDeparture(r*mu, mu, 0.3*mu)
		p, _, _ := Build(w, Spec{})
		res, err := p.BiasLP(queue1.Eval, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("r = %g: LP %s, objective %g, %d variables, %d rows", r, res.Status, res.Objective, res.Variables, res.Constraints)
		if res.Status != "optimal" {
			if r == 0.05 || res.Status != "infeasible" {
				t.Fatalf("r = %g: LP %s", r, res.Status)
			}
			continue
		}
		e := p.Bound(res.Bias)
		box, _ := NewBox(context.Background(), w.Rate, 150)
		o, _ := p.RunOracle(context.Background(), box, queue1.Eval, queue1.Mean(p))
		exact := math.Abs(queue1.Mean(p) - o.F)
		if e.Total < 0.99*o.FloorValue || e.Total < exact {
			t.Errorf("r = %g: LP bound %g, floor %g, exact error %g", r, e.Total, o.FloorValue, exact)
		}
		if math.Abs(e.Total-res.Objective) > 1e-6*e.Total {
			t.Errorf("r = %g: bound of the LP's B %g, LP objective %g", r, e.Total, res.Objective)
		}
	}
}
