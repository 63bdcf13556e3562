package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// mfc exact --quasi-stationary on the SIS chain absorbed at I = 0 (testdata/qsd/sis.mf,
// N = 30): the stationary law is the absorbing state, with a note saying so, the closed
// class and absorbing state are reported, and the quasi-stationary law carries its keys
// (docs: README, mfc exact). The mean time to absorption from the quasi-stationary law is
// 1/θ, and the law conditioned on survival sits near the endemic point i* = 1/3.
func TestExactQuasiStationaryCLI(t *testing.T) {
	t.Parallel()
	out, errOut, status := runCLI("exact", "../../testdata/qsd/sis.mf", "--quasi-stationary", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"closed_classes", "absorbing", "transient_states", "note", "quasi_stationary"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	var q map[string]json.RawMessage
	if err := json.Unmarshal(rep["quasi_stationary"], &q); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mean", "mean_density", "absorption_rate", "mean_time_to_absorption", "observables"} {
		if _, ok := q[k]; !ok {
			t.Errorf("quasi_stationary.%s missing", k)
		}
	}
	var v struct {
		MeanDensity []float64 `json:"mean_density"`
		Rate        float64   `json:"absorption_rate"`
		Time        float64   `json:"mean_time_to_absorption"`
	}
	if err := json.Unmarshal(rep["quasi_stationary"], &v); err != nil {
		t.Fatal(err)
	}
	if len(v.MeanDensity) != 2 || math.Abs(v.MeanDensity[1]-1.0/3) > 0.1 || !(v.Rate > 0) || math.Abs(v.Time*v.Rate-1) > 1e-12 {
		t.Errorf("quasi-stationary law %+v", v)
	}
	var note string
	_ = json.Unmarshal(rep["note"], &note)
	if !strings.Contains(note, "transient") || !strings.Contains(note, "absorbing state [S=30, I=0]") {
		t.Errorf("note %q", note)
	}
	text, _, _ := runCLI("exact", "../../testdata/qsd/sis.mf", "--quasi-stationary")
	golden(t, "qsd/sis.exact_quasi.text", text)

	// A chain without absorption: the flag is refused, saying what to do instead.
	_, errOut, status = runCLI("exact", "@mm1k", "--quasi-stationary")
	if status != 1 || !strings.Contains(errOut, "no transient states") || !strings.Contains(errOut, "without --quasi-stationary") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
}

// mfc ssa --condition survival reports, per sample time, the runs not absorbed over which
// the means are taken, and the number absorbed; a value other than none or survival is a
// usage error.
func TestSSAConditionSurvivalCLI(t *testing.T) {
	t.Parallel()
	out, errOut, status := runCLI("ssa", "../../testdata/qsd/sis.mf", "--N", "20", "--runs", "100", "--t", "20", "--steps", "2", "--condition", "survival", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Runs      int
		Survivors []int
		Absorbed  int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Survivors) != 3 || rep.Survivors[0] != 100 || rep.Absorbed != 100-rep.Survivors[2] || rep.Absorbed == 0 {
		t.Errorf("report %+v", rep)
	}
	if _, errOut, status := runCLI("ssa", "../../testdata/qsd/sis.mf", "--condition", "alive"); status != 2 || !strings.Contains(errOut, "--condition") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
}

// On the Moran model (testdata/qsd/moran.mf) fixation at A = 0 or A = N gives two closed
// classes: mfc exact refuses, naming --quasi-stationary, which reports the quasi-stationary
// law with both absorbing states and no stationary mean (null); --plot then has no figure.
func TestExactQuasiStationaryTwoClassesCLI(t *testing.T) {
	t.Parallel()
	const moran = "../../testdata/qsd/moran.mf"
	if _, errOut, status := runCLI("exact", moran); status != 1 || !strings.Contains(errOut, "2 closed classes") || !strings.Contains(errOut, "mfc exact --quasi-stationary") {
		t.Errorf("without the flag: status %d, stderr %q", status, errOut)
	}
	out, errOut, status := runCLI("exact", moran, "--quasi-stationary", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Mean          []float64
		Absorbing     int
		ClosedClasses struct{ Count int } `json:"closed_classes"`
		Quasi         *struct {
			MeanDensity []float64 `json:"mean_density"`
		} `json:"quasi_stationary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mean != nil || rep.Absorbing != 2 || rep.ClosedClasses.Count != 2 || rep.Quasi == nil || !(rep.Quasi.MeanDensity[0] > 0.5) {
		t.Errorf("report %s", out)
	}
	if _, errOut, status := runCLI("exact", moran, "--quasi-stationary", "--plot", t.TempDir()+"/x.png"); status != 2 || !strings.Contains(errOut, "not unique") {
		t.Errorf("--plot: status %d, stderr %q", status, errOut)
	}
}
