package plot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/sweep"
)

type sq struct {
	Y float64        `json:"y"`
	Z analysis.Maybe `json:"z"`
}

func (s *sq) Text() string { return "" }

func sweepOf(t *testing.T, axes ...sweep.Axis) *sweep.Result {
	t.Helper()
	res, err := sweep.Run(context.Background(), &sweep.Settings{Header: sweep.Header{Analysis: "toy", Plan: sweep.Plan{Axes: axes}}},
		func(_ context.Context, p []float64, _ *sweep.Row) (analysis.Report, error) {
			y := p[0] * p[0]
			if len(p) > 1 {
				y += p[1]
			}
			if p[0] == 3 {
				return &sq{Y: y, Z: analysis.Missing("none")}, nil
			}
			return &sq{Y: y, Z: analysis.Known(-y - 5)}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// withSlope is a report with its derivative in a, as refine --sensitivity a gives it.
type withSlope struct {
	Y           float64                       `json:"y"`
	Sensitivity map[string]map[string]float64 `json:"sensitivity"`
}

func (s *withSlope) Text() string { return "" }

// The sensitivity column of the swept parameter draws the tangent at each point: past the
// last point (a = 4), where no line runs, the tangent of y = a² reaches (4.3, 16 + 8·0.3).
func TestSweepTangents(t *testing.T) {
	t.Parallel()
	res, err := sweep.Run(context.Background(), &sweep.Settings{Header: sweep.Header{Analysis: "toy",
		Plan: sweep.Plan{Axes: []sweep.Axis{{Name: "a", Values: []float64{0, 1, 2, 3, 4}}}}}},
		func(_ context.Context, p []float64, _ *sweep.Row) (analysis.Report, error) {
			return &withSlope{Y: p[0] * p[0], Sensitivity: map[string]map[string]float64{"a": {"y": 2 * p[0]}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Sweep(res, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Plot.Y.Min, f.Plot.Y.Max, f.Plot.X.Max = -2, 20, 4.5
	img, at := raster(t, f)
	if px, py := at(4.3, 16+8*0.3); !near(img, px, py, 2, Colour(0), 60) {
		t.Errorf("no tangent past the last point")
	}
	if px, py := at(4.3, 16); near(img, px, py, 2, Colour(0), 60) {
		t.Errorf("a horizontal segment past the last point: the tangent's slope is not used")
	}
}

// One swept parameter: the key's points are drawn where they are; a missing value is a gap.
func TestSweepLines(t *testing.T) {
	t.Parallel()
	res := sweepOf(t, sweep.Axis{Name: "a", Values: []float64{0, 1, 2, 3, 4}})
	f, err := Sweep(res, []string{"y", "z"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Plot.Y.Min, f.Plot.Y.Max = -25, 20
	img, at := raster(t, f)
	for _, a := range []float64{0, 1, 2, 3, 4} {
		px, py := at(a, a*a)
		if !near(img, px, py, 3, Colour(0), 60) {
			t.Errorf("no point of y at a = %g", a)
		}
	}
	if px, py := at(3, -14); near(img, px, py, 1, Colour(1), 60) {
		t.Errorf("z is drawn at a = 3, where it has no value")
	}
	if px, py := at(4, -21); !near(img, px, py, 3, Colour(1), 60) {
		t.Errorf("no point of z at a = 4")
	}
	if _, err := Sweep(res, []string{"w"}, nil); !errors.Is(err, ErrNoFigure) || !strings.Contains(err.Error(), "keys are y, z") {
		t.Errorf("an unknown key: %v", err)
	}
}

// Two swept parameters: a heat map, blue where the value is lowest, red where highest.
func TestSweepHeatMap(t *testing.T) {
	t.Parallel()
	res := sweepOf(t, sweep.Axis{Name: "a", Values: []float64{0, 1, 2, 3, 4}}, sweep.Axis{Name: "b", Values: []float64{0, 10, 20}})
	f, err := Sweep(res, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	img, at := raster(t, f)
	px, py := at(0, 0)
	r, _, b, _ := img.At(px, py).RGBA()
	if !(b > r+0x3000) {
		t.Errorf("the lowest cell is not blue: %v", img.At(px, py))
	}
	px, py = at(4, 20)
	r, _, b, _ = img.At(px, py).RGBA()
	if !(r > b+0x3000) {
		t.Errorf("the highest cell is not red: %v", img.At(px, py))
	}
}
