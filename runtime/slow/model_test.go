package slow

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// expand loads a model with overrides and expands one measure.
func expand(t *testing.T, model string, over compiler.Overrides, name string, s *Settings) *Measure {
	t.Helper()
	m := loadtest.Model(t, model, compiler.Options{Overrides: over})
	res, err := Expand(context.Background(), m, m.Inputs(), name, s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// exact returns the exact reference of a measure (ctmc's stepping of the time-varying chain).
func exact(t *testing.T, model string, over compiler.Overrides, name string) float64 {
	t.Helper()
	m := loadtest.Model(t, model, compiler.Options{Overrides: over})
	v, _, err := Exact(context.Background(), m, m.Inputs(), name, Settings{}.Limits)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// series is one digest test: a measure expanded along a sequence of ε, whose terms are
// c_k ε^k exactly (the derivatives of P(εt) in t are ε P′ and ε² P″), with the exact
// values and the windows of the error ratios when ε halves.
type series struct {
	name    string
	model   string
	measure string
	eps     []float64
	over    func(eps float64) compiler.Overrides
	s       Settings
	coef    []float64 // c₀, c₁, c₂: closed form, digest §8
	exact   []float64 // digest §8, to 1e-8
	ratio   [][2]float64
}

func (c *series) run(t *testing.T) {
	var errs [][]float64
	for i, eps := range c.eps {
		over := c.over(eps)
		res := expand(t, c.model, over, c.measure, &c.s)
		for k, w := range c.coef {
			near(t, c.name+" term", res.Terms[k], w*math.Pow(eps, float64(k)), 1e-9*math.Max(1, math.Abs(w)))
		}
		ex := exact(t, c.model, over, c.measure)
		near(t, c.name+" exact", ex, c.exact[i], 1e-8)
		e := make([]float64, len(res.Terms))
		sum := 0.0
		for k, v := range res.Terms {
			sum += v
			e[k] = sum - ex
		}
		errs = append(errs, e)
	}
	// Ratios of the errors of the highest orders as ε halves.
	for k, w := range c.ratio {
		order := len(c.coef) - len(c.ratio) + k
		for i := 1; i < len(errs); i++ {
			q := errs[i-1][order] / errs[i][order]
			if q < w[0] || q > w[1] {
				t.Errorf("%s: order %d error ratio %.3g at ε = %v outside [%v, %v]", c.name, order, q, c.eps[i], w[0], w[1])
			}
		}
	}
}

// TestDigestSeries runs D1, D3, D4 and D5 of seed-004 §8 end to end: the model file, AD in t,
// the kernels and the exact stepping of ctmc. Windows: §8's [3.0, 4.6] for first order,
// [6.0, 9.0] for second order.
func TestDigestSeries(t *testing.T) {
	t.Parallel()
	first, second := [2]float64{3.0, 4.6}, [2]float64{6.0, 9.0}
	for _, c := range []series{
		{name: "D1", model: "@slow_chain", measure: "kappa", eps: []float64{0.1, 0.05, 0.025, 0.0125},
			over:  func(e float64) compiler.Overrides { return compiler.Overrides{"eps": {e}} },
			coef:  []float64{2.6195369665, -1.6449671890, 6.8188918015},
			exact: []float64{2.5002770433, 2.5507845214, 2.5821677920, 2.5999719735},
			// The ratios of D1's first order are 3.35, 3.6, 3.8 (digest §6); its second
			// order 6.5, 7.0, 7.4.
			ratio: [][2]float64{first, second}},
		{name: "D3", model: "@slow_chain", measure: "chi", eps: []float64{2e-3, 1e-3, 5e-4}, s: Settings{Expand: "start"},
			over:  func(e float64) compiler.Overrides { return compiler.Overrides{"eps": {e}, "n": {30}} },
			coef:  []float64{1.1071428571, 30*(-0.7582908163) - (-0.9660850948)},
			exact: []float64{1.066432091324, 1.086095253889, 1.096438087439},
			ratio: [][2]float64{first}},
		{name: "D4", model: "@slow_chain", measure: "chi", eps: []float64{0.02, 0.01, 0.005, 0.0025},
			over: func(e float64) compiler.Overrides {
				return compiler.Overrides{"eps": {e}, "n": {math.Round(1 / e)}, "lag": {1}}
			},
			coef:  []float64{0.7854810824, -0.0243749328, -0.0172820504},
			exact: []float64{0.784986569714, 0.785235592263, 0.785358774072, 0.785420036811},
			ratio: [][2]float64{first, second}},
		{name: "D5", model: "@slow_chain", measure: "tau", eps: []float64{4e-4, 2e-4, 1e-4},
			over:  func(e float64) compiler.Overrides { return compiler.Overrides{"eps": {e}, "n": {30}} },
			coef:  []float64{32.9272959184, -302.1487791545},
			exact: []float64{32.807512652389, 32.867136419730, 32.897148755223},
			ratio: [][2]float64{first}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.s.Order == 0 {
				c.s.Order = -1
			}
			c.run(t)
		})
	}
}

// exploreAt explores the chain of m at the inputs.
func exploreAt(m *runtime.Model, in *ir.Inputs) (*ctmc.Chain, error) {
	return ctmc.Explore(context.Background(), m, in, ctmc.Limits{})
}
