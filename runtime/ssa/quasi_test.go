package ssa

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// qsdSIS is the SIS chain without importation at N = 20, β = 1.5 (absorbed at I = 0 after
// about 1/θ ≈ 30 time units) with its exact quasi-stationary mean of I.
func qsdSIS(t *testing.T) (*runtime.Model, float64) {
	t.Helper()
	m := loadtest.Model(t, "testdata/qsd/sis.mf", compiler.Options{Scale: 20})
	c, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ctmc.QuasiStationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, ctmc.MeanCounts(c, q.Pi)[1]
}

// An ensemble conditioned on survival leaves out the runs absorbed at each sample time and
// counts them; at t = 15 (past the relaxation, about 1/(β − γ) = 2) the conditioned mean
// is the quasi-stationary mean. Without conditioning the absorbed runs pull the mean down.
// An ensemble whose runs are all absorbed by a sample time is refused.
func TestEnsembleConditionSurvival(t *testing.T) {
	t.Parallel()
	m, want := qsdSIS(t)
	set := Settings{Runs: 400, T: 15, Times: []float64{1, 15}, Seed: 7, Workers: 2, ConditionSurvival: true}
	res, err := Ensemble(context.Background(), m, m.Inputs(), set)
	if err != nil {
		t.Fatal(err)
	}
	if res.Survivors[0] > 400 || res.Survivors[1] >= res.Survivors[0] || res.Absorbed != 400-res.Survivors[1] || res.Absorbed < 50 {
		t.Fatalf("survivors %v, absorbed %d", res.Survivors, res.Absorbed)
	}
	st := res.Stats[1][1]
	if math.Abs(st.Mean-want) > 4*st.SE {
		t.Errorf("conditioned E[I(15)] = %g ± %g, quasi-stationary mean %g", st.Mean, st.SE, want)
	}
	set.ConditionSurvival = false
	plain, err := Ensemble(context.Background(), m, m.Inputs(), set)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Survivors != nil || plain.Stats[1][1].Mean > 0.8*want {
		t.Errorf("unconditioned E[I(15)] = %g (survivors %v), want well below %g", plain.Stats[1][1].Mean, plain.Survivors, want)
	}
	set.ConditionSurvival, set.Times, set.T = true, []float64{5000}, 5000
	if _, err := Ensemble(context.Background(), m, m.Inputs(), set); err == nil {
		t.Error("an ensemble absorbed entirely was not refused")
	}
}

// A time average conditioned on survival restarts the trajectory on absorption from a state
// drawn afresh from its occupation measure, and estimates the quasi-stationary mean; it
// counts the absorptions. On a birth–death chain absorbed at 0 (about 800 absorptions) and
// on the SIS chain the estimate agrees with ctmc.QuasiStationary within 4 standard errors.
// (A draw that is not independent of the earlier ones, such as one state kept by reservoir
// sampling, keeps restarting from the same state: it missed by tens of standard errors on this chain.)
// Discrete-time models are refused.
func TestTimeAverageConditionSurvival(t *testing.T) {
	t.Parallel()
	bd := loadtest.Source(t, `model absorb
species X
up:   0 -> X when X < 6 @ 2*X
down: X -> 0 @ X
init { X = 2 }
`, compiler.Options{})
	c, err := ctmc.Explore(context.Background(), bd, bd.Inputs(), ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ctmc.QuasiStationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	sis, wantSIS := qsdSIS(t)
	for _, tc := range []struct {
		m    *runtime.Model
		q    int
		want float64
		T    float64
	}{
		{bd, 0, ctmc.MeanCounts(c, q.Pi)[0], 20000},
		{sis, 1, wantSIS, 3000},
	} {
		res, err := TimeAverage(context.Background(), tc.m, tc.m.Inputs(), Settings{T: tc.T, Burnin: 50, Batches: 20, Seed: 3, ConditionSurvival: true})
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stats[tc.q]
		if res.Absorptions < 20 || math.Abs(st.Mean-tc.want) > 4*st.SE {
			t.Errorf("%s: conditioned time average %g ± %g after %d absorptions, quasi-stationary mean %g", tc.m.IR.Name, st.Mean, st.SE, res.Absorptions, tc.want)
		}
	}
	disc := loadtest.Model(t, "@inventory", compiler.Options{})
	if _, err := TimeAverage(context.Background(), disc, disc.Inputs(), Settings{T: 100, Batches: 5, ConditionSurvival: true}); !errors.Is(err, ErrCondition) {
		t.Errorf("discrete time: %v", err)
	}
}
