package plot

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/compare"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var update = flag.Bool("update", false, "rewrite the golden SVG files")

// raster draws p on an image of the default size and returns the image and the map from
// data coordinates to pixel coordinates (column, row from the top).
func raster(t *testing.T, f *Figure) (image.Image, func(x, y float64) (int, int)) {
	t.Helper()
	w, h := (*Options)(nil).size()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	pc := f.Draw(draw.New(c))
	da := f.Plot.DataCanvas(pc)
	xf, yf := f.Plot.Transforms(&da)
	img := c.Image()
	hp := img.Bounds().Dy()
	scale := 96.0 / 72.0
	return img, func(x, y float64) (int, int) {
		return int(math.Round(float64(xf(x)) * scale)), hp - int(math.Round(float64(yf(y))*scale))
	}
}

// near reports whether a pixel within r of (px, py) has a colour within tol of c (per
// channel, on opaque RGB).
func near(img image.Image, px, py, r int, c color.RGBA, tol int) bool {
	for dx := -r; dx <= r; dx++ {
		for dy := -r; dy <= r; dy++ {
			if close(img.At(px+dx, py+dy), c, tol) {
				return true
			}
		}
	}
	return false
}

func close(a color.Color, c color.RGBA, tol int) bool {
	r, g, b, _ := a.RGBA()
	d := func(x uint32, y uint8) bool { return math.Abs(float64(x>>8)-float64(y)) <= float64(tol) }
	return d(r, c.R) && d(g, c.G) && d(b, c.B)
}

func timeGrid(n int, tEnd float64) []float64 {
	ts := make([]float64, n+1)
	for k := range ts {
		ts[k] = tEnd * float64(k) / float64(n)
	}
	return ts
}

// Trajectories: every curve passes through the pixels of its points and nowhere near a
// point off the curves; the legend sits right of the data area.
func TestODECurvesCrossTheirPixels(t *testing.T) {
	t.Parallel()
	ts := timeGrid(200, 10)
	rep := &analysis.ODEReport{Model: "toy", Species: []string{"a", "b"}, Time: ts}
	for _, x := range ts {
		rep.X = append(rep.X, []float64{1 + 0.5*math.Sin(x), 0.2 + math.Exp(-x)})
	}
	p, err := New(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Plot.Y.Min, p.Plot.Y.Max = 0, 3
	img, at := raster(t, p)
	for _, x := range []float64{0.5, 2, 3.7, 5, 7.5, 9.5} {
		for i, c := range []color.RGBA{Colour(0), Colour(1)} {
			y := rep.X[int(math.Round(x*20))][i]
			px, py := at(x, y)
			if !near(img, px, py, 2, c, 60) {
				t.Errorf("species %d: no curve pixel near (t=%g, x=%.3f) at pixel (%d, %d)", i, x, y, px, py)
			}
		}
		// A point between the curves and the legend: no curve there.
		px, py := at(x, 2.2)
		if near(img, px, py, 2, Colour(0), 60) || near(img, px, py, 2, Colour(1), 60) {
			t.Errorf("a curve pixel near (t=%g, 2.2), where no curve passes", x)
		}
	}
	// Legend: in the strip right of the data area, dark text and a thumbnail of each
	// curve's colour.
	x0, y0 := at(10, 3)
	_, y1 := at(10, 2)
	x0 += 8
	dark, thumbs := 0, [2]int{}
	for px := x0; px < img.Bounds().Max.X; px++ {
		for py := y0; py < y1; py++ {
			switch col := img.At(px, py); {
			case close(col, color.RGBA{0, 0, 0, 255}, 80):
				dark++
			case close(col, Colour(0), 40):
				thumbs[0]++
			case close(col, Colour(1), 40):
				thumbs[1]++
			}
		}
	}
	if dark < 20 || thumbs[0] < 10 || thumbs[1] < 10 {
		t.Errorf("no legend right of the data area (%d dark pixels, thumbnails %v)", dark, thumbs)
	}
}

// The simulation band: at a time in the middle, the band's pixel run is as tall as the
// 95 % interval in data units and far taller than the mean's line.
func TestSSABandWiderThanLine(t *testing.T) {
	t.Parallel()
	ts := timeGrid(50, 10)
	rep := &analysis.SSAReport{Model: "toy", Runs: 100, Names: []string{"X"}, Time: ts}
	for _, x := range ts {
		rep.Mean = append(rep.Mean, []float64{1 + 0.1*x})
		rep.CI = append(rep.CI, []float64{0.3})
	}
	p, err := New(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Plot.Y.Min, p.Plot.Y.Max = 0, 4
	img, at := raster(t, p)
	// t = 4.6 (mean 1.46) is off the grid lines.
	px, top := at(4.6, 1.46+0.3)
	_, bottom := at(4.6, 1.46-0.3)
	_, mid := at(4.6, 1.46)
	c := Colour(0)
	tint := color.RGBA{uint8(255 - (255-int(c.R))*0x50/255), uint8(255 - (255-int(c.G))*0x50/255), uint8(255 - (255-int(c.B))*0x50/255), 255}
	band, line := 0, 0
	for py := top - 3; py <= bottom+3; py++ {
		switch col := img.At(px, py); {
		case close(col, tint, 25):
			band++
		case close(col, c, 60):
			line++
		}
	}
	want := bottom - top
	if band < want-8 || band > want+4 {
		t.Errorf("band run %d px at t = 4.6, want about %d (the interval ±0.3)", band, want)
	}
	if line == 0 || line > 4 || band < 5*line {
		t.Errorf("line run %d px, band %d px: the band must be far wider than the line", line, band)
	}
	if !near(img, px, mid, 1, c, 60) {
		t.Errorf("the mean's line does not pass through its point")
	}
}

// The comparison figure has log–log axes with one line per method and slopes in the
// legend; the refined errors are drawn where the report has them.
func TestCompareFigure(t *testing.T) {
	t.Parallel()
	f := func(x float64) *float64 { return &x }
	ns := []float64{10, 20, 40, 80}
	tab := compare.Table{Name: "x", N: ns, Slopes: map[string]float64{"mean_field": -1, "refined1": -2}}
	for _, n := range ns {
		tab.Exact = append(tab.Exact, f(1))
		tab.MeanField = append(tab.MeanField, f(1+1/n))
		tab.Refined1 = append(tab.Refined1, f(1+1/(n*n)))
		tab.Refined2 = append(tab.Refined2, nil)
		tab.SSAMean = append(tab.SSAMean, nil)
	}
	rep := &compare.Report{Model: "toy", N: ns, Tables: []compare.Table{tab}}
	p, err := New(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	img, at := raster(t, p)
	for _, n := range ns {
		for i, e := range []float64{1 / n, 1 / (n * n)} {
			px, py := at(n, e)
			if !near(img, px, py, 3, Colour(i), 60) {
				t.Errorf("method %d: no point near (N=%g, %.3g)", i, n, e)
			}
		}
	}
	var svg bytes.Buffer
	if err := p.Write(&svg, "svg", nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"slope -1.00", "slope -2.00", "mean field", "refined 1/N"} {
		if !strings.Contains(svg.String(), s) {
			t.Errorf("the SVG has no %q", s)
		}
	}
}

// Figures of real reports from the registry: each renders in every format, the title
// names the model and N, and a missing name is an error naming the names there are.
func TestReportsFromTheRegistry(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{})
	cases := []struct {
		analysis string
		set      map[string]string
		title    string
	}{
		{"ode", map[string]string{"t": "5"}, "sir — mean-field ODE"},
		{"refine", map[string]string{"transient": "2", "order": "2"}, "sir — refined mean field, N = "},
		{"refine", nil, "sir — stationary mean field and refinements, N = "},
		{"ssa", map[string]string{"runs": "20", "t": "2"}, "sir — simulation, 20 runs"},
	}
	for _, tc := range cases {
		a := analysis.Lookup(tc.analysis)
		if a == nil {
			t.Fatalf("no analysis %s", tc.analysis)
		}
		s := a.NewSettings()
		for k, v := range tc.set {
			if err := analysis.SetFlag(s, k, v); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
		if err != nil {
			t.Fatalf("%s: %v", tc.analysis, err)
		}
		p, err := New(rep, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.analysis, err)
		}
		if !strings.HasPrefix(p.Plot.Title.Text, tc.title) {
			t.Errorf("%s: title %q, want it to begin %q", tc.analysis, p.Plot.Title.Text, tc.title)
		}
		for _, format := range Formats {
			var b bytes.Buffer
			if err := Render(&b, rep, format, &Options{Width: 8 * vg.Centimeter, Height: 6 * vg.Centimeter}); err != nil || b.Len() < 500 {
				t.Errorf("%s as %s: %d bytes, %v", tc.analysis, format, b.Len(), err)
			}
			if format == "png" {
				if _, err := png.Decode(&b); err != nil {
					t.Errorf("%s: the PNG does not decode: %v", tc.analysis, err)
				}
			}
		}
		if _, err := New(rep, &Options{Only: []string{"nosuch"}}); !errors.Is(err, ErrNoFigure) || !strings.Contains(err.Error(), `"nosuch"`) {
			t.Errorf("%s: --only nosuch gave %v", tc.analysis, err)
		}
	}
	if _, err := New(&analysis.ShowReport{}, nil); !errors.Is(err, ErrNoFigure) {
		t.Errorf("a show report gave %v, want ErrNoFigure", err)
	}
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{"a.png": "png", "b.SVG": "svg", "dir/c.pdf": "pdf", "d.jpg": "", "e": ""} {
		got, err := FormatOf(path)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("FormatOf(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
}

var number = regexp.MustCompile(`-?\d+(\.\d+)?(e-?\d+)?`)

// Golden SVG of a fixed figure, compared with a tolerance of 0.05 in every number (the
// coordinates are in points; text and structure must match exactly). go test -update
// rewrites it.
func TestGoldenSVG(t *testing.T) {
	t.Parallel()
	ts := timeGrid(40, 4)
	rep := &analysis.RefineReport{Model: "toy", N: 100, Order: 2, Method: "refined mean field", Species: []string{"S", "I"}, Time: ts}
	for _, x := range ts {
		rep.X = append(rep.X, []float64{0.9 - 0.1*x, 0.1 + 0.05*x})
		rep.VT = append(rep.VT, []float64{-2 * x, x})
		rep.AT = append(rep.AT, []float64{30 * x, -20 * x})
	}
	var b bytes.Buffer
	if err := Render(&b, rep, "svg", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "refine_transient.svg")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := b.String()
	gs, ws := number.Split(got, -1), number.Split(string(want), -1)
	gn, wn := number.FindAllString(got, -1), number.FindAllString(string(want), -1)
	if len(gs) != len(ws) || len(gn) != len(wn) {
		t.Fatalf("the SVG's structure changed: %d/%d numbers (go test -update rewrites it)", len(gn), len(wn))
	}
	for i := range gs {
		if gs[i] != ws[i] {
			t.Fatalf("text %d differs: %q, want %q", i, gs[i], ws[i])
		}
	}
	for i := range gn {
		g, _ := strconv.ParseFloat(gn[i], 64)
		w, _ := strconv.ParseFloat(wn[i], 64)
		if math.Abs(g-w) > 0.05 {
			t.Fatalf("number %d is %s, want %s", i, gn[i], wn[i])
		}
	}
}
