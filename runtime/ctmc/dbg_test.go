package ctmc

import (
	"context"
	"fmt"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

func TestDbgAdaptive(t *testing.T) {
	m := loadtest.Model(t, "examples/sir.mf", compiler.Options{Scale: 60})
	c, _ := Explore(context.Background(), m, m.Inputs(), Limits{})
	p0 := make([]float64, c.NumStates())
	p0[c.Initial[0]] = 1
	ad, err := adaptiveTransient(context.Background(), c, p0, []float64{0.01, 0.05, 0.5}, 1e-12, 1e-10, 1e8)
	if err != nil {
		t.Fatal(err)
	}
	for k := range ad.P {
		s := 0.0
		for _, v := range ad.P[k] {
			s += v
		}
		fmt.Println(k, s, ad.Epsilon[k], ad.Restarts)
	}
}
