// Package plot draws the typed reports of runtime/analysis as figures (gonum.org/v1/plot),
// so that the CLI's --plot, sweeps and Go users share one drawing of each report:
//
//   - trajectories: the mean-field ODE (ode), the refined mean field on [0, T] (refine or
//     run with --transient: x, x + V/N and x + V/N + A/N² per species or observable, in one
//     colour per quantity and one dash pattern per order), the simulation mean with its 95 %
//     confidence band (ssa);
//   - stationary values: bars per species of the mean field and its refinements (refine,
//     run) or of the exact chain's means (exact, run without a mean field);
//   - convergence: |approximation − exact| against N on log–log axes for each method and
//     observable of a comparison (validate), with the fitted slope in the legend.
//
// Titles carry the model's name and N, axes their quantity. New returns the figure;
// Render writes it as PNG, SVG or PDF. Nothing here runs an analysis: a figure is a view
// of a report.
package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/compare"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Options select what a figure shows and its size.
type Options struct {
	// Only lists the species or observables to draw (by name); empty draws every species
	// (every observable of a comparison, every quantity of a simulation).
	Only []string
	// Width and Height are the size of the figure; 0 means 16 cm × 10 cm, the width
	// of the plot, to which the legend's strip is added.
	Width, Height vg.Length
}

func (o *Options) size() (vg.Length, vg.Length) {
	w, h := 16*vg.Centimeter, 10*vg.Centimeter
	if o != nil && o.Width > 0 {
		w = o.Width
	}
	if o != nil && o.Height > 0 {
		h = o.Height
	}
	return w, h
}

// Formats are the file formats Render writes, by file extension.
var Formats = []string{"png", "svg", "pdf"}

// FormatOf returns the format of a figure file from its extension (.png, .svg or .pdf).
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if slices.Contains(Formats, ext) {
		return ext, nil
	}
	return "", fmt.Errorf("cannot tell the figure format of %s: name it .png, .svg or .pdf", strconv.Quote(path))
}

// ErrNoFigure is returned (wrapped) for a report that has no figure.
var ErrNoFigure = errors.New("no figure")

// Figure is a plot with its legend, which is drawn in a strip to the right of the plot
// (inside, it would hide curves).
type Figure struct {
	Plot   *plot.Plot
	Legend plot.Legend
	// colorBar, if not nil, is drawn in the strip instead of the legend (heat maps).
	colorBar *plot.Plot
}

func newFigure(title, x, y string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	return &Figure{Plot: p, Legend: l}
}

// Draw draws the figure on c and returns the canvas of the plot (without the legend's
// strip), from which p.DataCanvas and p.Transforms give the data area.
func (f *Figure) Draw(c draw.Canvas) draw.Canvas {
	lw := f.legendWidth(c)
	if max := c.Max.X - c.Min.X; lw > max/2 {
		lw = max / 2
	}
	pc := draw.Crop(c, 0, -lw, 0, 0)
	f.Plot.Draw(pc)
	if lw > 0 {
		// The strip's top lines up with the data area's.
		da := f.Plot.DataCanvas(pc)
		strip := draw.Crop(c, c.Max.X-c.Min.X-lw+vg.Points(4), 0, da.Min.Y-c.Min.Y, da.Max.Y-c.Max.Y)
		if f.colorBar != nil {
			f.colorBar.Draw(strip)
		} else {
			f.Legend.Draw(strip)
		}
	}
	return pc
}

// legendWidth is the width of the legend's strip, 0 without a legend.
func (f *Figure) legendWidth(c draw.Canvas) vg.Length {
	if f.colorBar != nil {
		return 3 * vg.Centimeter
	}
	lw := f.Legend.Rectangle(c).Size().X
	if lw > 0 {
		lw += vg.Points(8)
	}
	return lw
}

// Render draws the figure of rep (New) and writes it to w in format (png, svg or pdf).
func Render(w io.Writer, rep analysis.Report, format string, opt *Options) error {
	f, err := New(rep, opt)
	if err != nil {
		return err
	}
	return f.Write(w, format, opt)
}

// Write writes the figure to w in format (png, svg or pdf) at the size of opt.
func (f *Figure) Write(w io.Writer, format string, opt *Options) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("plot: unknown format %q (png, svg or pdf)", format)
	}
	wd, ht := opt.size()
	if opt == nil || opt.Width <= 0 {
		// The default width is that of the plot; the legend's strip comes on top.
		wd += f.legendWidth(draw.Canvas{})
	}
	c, err := draw.NewFormattedCanvas(wd, ht, format)
	if err != nil {
		return err
	}
	f.Draw(draw.New(c))
	_, err = c.WriteTo(w)
	return err
}

// New returns the figure of a report: *analysis.ODEReport, *analysis.RefineReport,
// *analysis.SSAReport, *analysis.ExactReport or *compare.Report. Other reports, and
// selections (opt.Only) that leave nothing to draw, give an error wrapping ErrNoFigure.
func New(rep analysis.Report, opt *Options) (*Figure, error) {
	var only []string
	if opt != nil {
		only = opt.Only
	}
	switch r := rep.(type) {
	case *analysis.ODEReport:
		return odeFigure(r, only)
	case *analysis.RefineReport:
		if len(r.Time) > 0 {
			return refineTransientFigure(r, only)
		}
		return refineStationaryFigure(r, only)
	case *analysis.SSAReport:
		return ssaFigure(r, only)
	case *analysis.ExactReport:
		return exactFigure(r, only)
	case *compare.Report:
		return compareFigure(r, only)
	}
	return nil, fmt.Errorf("plot: %w for a %T report", ErrNoFigure, rep)
}

// pick returns the indices of names selected by only (all when only is empty), and an
// error naming a requested name that is not among names.
func pick(names, only []string) ([]int, error) {
	if len(only) == 0 {
		idx := make([]int, len(names))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	var idx []int
	for _, o := range only {
		k := slices.Index(names, o)
		if k < 0 {
			return nil, fmt.Errorf("plot: %w of %s: the report has %s", ErrNoFigure, strconv.Quote(o), strings.Join(names, ", "))
		}
		idx = append(idx, k)
	}
	return idx, nil
}

// Palette is the colour of the k-th quantity of a figure: distinguishable, and far from
// the white background and the black of text.
var Palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// Colour returns the k-th colour of Palette (cycling).
func Colour(k int) color.RGBA { return Palette[k%len(Palette)] }

// dashes of the orders of a refinement: solid, dashed, dotted.
var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(1.5), vg.Points(2.5)}}

func line(xs, ys []float64, c color.Color, dash []vg.Length) (*plotter.Line, error) {
	pts := make(plotter.XYs, 0, len(xs))
	for k := range xs {
		if !finite(xs[k]) || !finite(ys[k]) {
			return nil, fmt.Errorf("plot: a point of the curve is not finite (t = %g, value %g)", xs[k], ys[k])
		}
		pts = append(pts, plotter.XY{X: xs[k], Y: ys[k]})
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1.5)
	l.LineStyle.Dashes = dash
	return l, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func nTitle(model, what string, n float64) string {
	if n > 0 {
		return fmt.Sprintf("%s — %s, N = %s", model, what, strconv.FormatFloat(n, 'g', -1, 64))
	}
	return fmt.Sprintf("%s — %s", model, what)
}

func column(rows [][]float64, i int) []float64 {
	out := make([]float64, len(rows))
	for k, r := range rows {
		out[k] = r[i]
	}
	return out
}

// odeFigure draws the species (by default) or the species and observables named in only.
func odeFigure(r *analysis.ODEReport, only []string) (*Figure, error) {
	names := slices.Clone(r.Species)
	for _, o := range r.Observables {
		names = append(names, o.Name)
	}
	if len(only) == 0 {
		only = r.Species
	}
	idx, err := pick(names, only)
	if err != nil {
		return nil, err
	}
	title, ylab := r.Model+" — mean-field ODE", "density x(t)"
	if r.Equations != "" {
		title, ylab = r.Model+" — "+r.Equations, "count x(t)"
	}
	if len(only) > 0 && len(idx) > 0 && idx[0] >= len(r.Species) {
		ylab = "value"
	}
	f := newFigure(title, "time t", ylab)
	for k, i := range idx {
		var ys []float64
		if i < len(r.Species) {
			ys = column(r.X, i)
		} else {
			ys = r.Observables[i-len(r.Species)].Values
		}
		l, err := line(r.Time, ys, Colour(k), nil)
		if err != nil {
			return nil, err
		}
		f.Plot.Add(l)
		f.Legend.Add(names[i], l)
	}
	return f, nil
}

// refineTransientFigure draws x, x + V/N (and x + V/N + A/N²) per species, or the mean
// field and refined values of the observables named in only.
func refineTransientFigure(r *analysis.RefineReport, only []string) (*Figure, error) {
	n := r.N
	if !(n > 0) {
		return nil, fmt.Errorf("plot: %w: the refined trajectories need the scale N", ErrNoFigure)
	}
	type curve struct {
		name   string
		orders [][]float64 // mean field, refined 1, refined 2
		labels []string
	}
	avg := strings.HasPrefix(r.Method, "average")
	var curves []curve
	var obsNames []string
	if len(r.ObservablesT) > 0 {
		for _, o := range r.ObservablesT[0] {
			obsNames = append(obsNames, o.Name)
		}
	}
	var sel []string
	for _, o := range only {
		if !slices.Contains(r.Species, o) && !slices.Contains(obsNames, o) {
			return nil, fmt.Errorf("plot: %w of %s: the report has %s", ErrNoFigure, strconv.Quote(o), strings.Join(append(slices.Clone(r.Species), obsNames...), ", "))
		}
		sel = append(sel, o)
	}
	if len(sel) == 0 {
		sel = r.Species
	}
	for _, name := range sel {
		c := curve{name: name, labels: []string{"mean field", "+ V/N", "+ V/N + A/N²"}}
		if avg {
			c.labels[1] = "+ C/N"
		}
		if i := slices.Index(r.Species, name); i >= 0 {
			x := column(r.X, i)
			c.orders = append(c.orders, x)
			if len(r.VT) > 0 {
				v := column(r.VT, i)
				r1 := make([]float64, len(x))
				for k := range x {
					r1[k] = x[k] + v[k]/n
				}
				c.orders = append(c.orders, r1)
				if len(r.AT) > 0 {
					a := column(r.AT, i)
					r2 := make([]float64, len(x))
					for k := range x {
						r2[k] = r1[k] + a[k]/(n*n)
					}
					c.orders = append(c.orders, r2)
				}
			}
		} else {
			c.labels = []string{"mean field", "+ C/N", "+ C/N + D/N²"}
			j := slices.Index(obsNames, name)
			mf, r1, r2 := make([]float64, len(r.Time)), make([]float64, len(r.Time)), []float64(nil)
			for k, obs := range r.ObservablesT {
				mf[k], r1[k] = obs[j].MeanField, obs[j].Refined1
				if obs[j].Refined2 != nil {
					r2 = append(r2, *obs[j].Refined2)
				}
			}
			c.orders = [][]float64{mf, r1}
			if len(r2) == len(r.Time) {
				c.orders = append(c.orders, r2)
			}
		}
		curves = append(curves, c)
	}
	what := "refined mean field"
	if avg {
		what = "average mean field"
	}
	f := newFigure(nTitle(r.Model, what, n), "time t", "density")
	for k, c := range curves {
		for o, ys := range c.orders {
			l, err := line(r.Time, ys, Colour(k), dashes[o])
			if err != nil {
				return nil, err
			}
			f.Plot.Add(l)
			f.Legend.Add(c.name+": "+c.labels[o], l)
		}
	}
	return f, nil
}

// bars adds grouped bars: one group per name, one bar per series (in the series' colour).
func bars(f *Figure, names []string, series []string, values [][]float64) error {
	const width = 14
	w := vg.Points(width)
	for s, label := range series {
		vs := make(plotter.Values, len(names))
		for k := range names {
			v := values[s][k]
			if !finite(v) {
				return fmt.Errorf("plot: the %s value of %s is not finite (%g)", label, names[k], v)
			}
			vs[k] = v
		}
		b, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return err
		}
		b.Color = Colour(s)
		b.LineStyle.Width = 0
		b.Offset = vg.Length(float64(s)-float64(len(series)-1)/2) * w
		f.Plot.Add(b)
		f.Legend.Add(label, b)
	}
	f.Plot.NominalX(names...)
	return nil
}

// refineStationaryFigure draws bars of the mean field, refined order 1 and 2 per species
// (or per observable named in only).
func refineStationaryFigure(r *analysis.RefineReport, only []string) (*Figure, error) {
	var obsNames []string
	for _, o := range r.Observables {
		obsNames = append(obsNames, o.Name)
	}
	useObs := len(only) > 0 && !slices.Contains(r.Species, only[0])
	names := r.Species
	if useObs {
		names = obsNames
	}
	idx, err := pick(names, only)
	if err != nil {
		return nil, err
	}
	if len(r.FixedPoint) == 0 && !useObs {
		return nil, fmt.Errorf("plot: %w: the report has no fixed point", ErrNoFigure)
	}
	series := []string{"mean field", "refined (1/N)"}
	if strings.HasPrefix(r.Method, "average") {
		series[1] = "average mean field + C/N"
	}
	order2 := r.Order >= 2 && (len(r.A) > 0 || useObs)
	if order2 {
		series = append(series, "refined (1/N²)")
	}
	values := make([][]float64, len(series))
	var sel []string
	for _, i := range idx {
		sel = append(sel, names[i])
		if useObs {
			o := r.Observables[i]
			values[0] = append(values[0], o.MeanField)
			values[1] = append(values[1], o.Refined1)
			if order2 {
				v := math.NaN()
				if o.Refined2 != nil {
					v = *o.Refined2
				}
				values[2] = append(values[2], v)
			}
			continue
		}
		x := r.FixedPoint[i]
		values[0] = append(values[0], x)
		r1 := x + r.V[i]/r.N
		values[1] = append(values[1], r1)
		if order2 {
			values[2] = append(values[2], r1+r.A[i]/(r.N*r.N))
		}
	}
	f := newFigure(nTitle(r.Model, "stationary "+strings.TrimSuffix(series[0], " field")+" field and refinements", r.N), "", "stationary density")
	if err := bars(f, sel, series, values); err != nil {
		return nil, err
	}
	return f, nil
}

// ssaFigure draws the simulation mean of each quantity with its 95 % confidence band.
//
// Without a selection it draws the species (counts), not the observables, whose scale
// (densities) differs.
func ssaFigure(r *analysis.SSAReport, only []string) (*Figure, error) {
	idx, err := pick(r.Names, only)
	if err != nil {
		return nil, err
	}
	ylabel := "mean"
	if len(only) == 0 && r.Species > 0 && r.Species < len(idx) {
		idx, ylabel = idx[:r.Species], "mean count"
	}
	f := newFigure(fmt.Sprintf("%s — simulation, %d runs (mean, 95 %% band)", r.Model, r.Runs), "time t", ylabel)
	for k, i := range idx {
		mean := column(r.Mean, i)
		ci := column(r.CI, i)
		band := make(plotter.XYs, 0, 2*len(mean))
		for t := range mean {
			band = append(band, plotter.XY{X: r.Time[t], Y: mean[t] + ci[t]})
		}
		for t := len(mean) - 1; t >= 0; t-- {
			band = append(band, plotter.XY{X: r.Time[t], Y: mean[t] - ci[t]})
		}
		for _, b := range band {
			if !finite(b.Y) {
				return nil, fmt.Errorf("plot: the confidence band of %s is not finite", r.Names[i])
			}
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		c := Colour(k)
		poly.Color = color.NRGBA{c.R, c.G, c.B, 0x50}
		poly.LineStyle.Width = 0
		f.Plot.Add(poly)
		l, err := line(r.Time, mean, c, nil)
		if err != nil {
			return nil, err
		}
		f.Plot.Add(l)
		f.Legend.Add(r.Names[i], l, poly)
	}
	return f, nil
}

// exactFigure draws the exact stationary mean of each species (density when the model
// has a scale).
func exactFigure(r *analysis.ExactReport, only []string) (*Figure, error) {
	idx, err := pick(r.Species, only)
	if err != nil {
		return nil, err
	}
	if r.Mean == nil {
		return nil, fmt.Errorf("plot: %w: the chain's stationary law is not unique (%s)", ErrNoFigure, r.Note)
	}
	vals, ylabel := r.Mean, "stationary mean count"
	if len(r.MeanDensity) == len(r.Mean) && len(r.MeanDensity) > 0 {
		vals, ylabel = r.MeanDensity, "stationary mean density"
	}
	var names []string
	var v []float64
	for _, i := range idx {
		names = append(names, r.Species[i])
		v = append(v, vals[i])
	}
	f := newFigure(nTitle(r.Model, fmt.Sprintf("exact chain (%d states)", r.States), r.N), "", ylabel)
	if err := bars(f, names, []string{"exact"}, [][]float64{v}); err != nil {
		return nil, err
	}
	return f, nil
}

// compareMethods are the columns of a comparison drawn against the exact value, in order,
// with the key of their fitted slope.
var compareMethods = []struct {
	key, label string
	col        func(*compare.Table) []*float64
}{
	{"mean_field", "mean field", func(t *compare.Table) []*float64 { return t.MeanField }},
	{"refined1", "refined 1/N", func(t *compare.Table) []*float64 { return t.Refined1 }},
	{"refined2", "refined 1/N²", func(t *compare.Table) []*float64 { return t.Refined2 }},
	{"ssa", "simulation", func(t *compare.Table) []*float64 { return t.SSAMean }},
}

// compareFigure draws |approximation − exact| against N, log–log, for every method and
// observable with at least two scales where both are known; the legend carries the fitted
// slope of the report.
func compareFigure(r *compare.Report, only []string) (*Figure, error) {
	var names []string
	for _, t := range r.Tables {
		names = append(names, t.Name)
	}
	idx, err := pick(names, only)
	if err != nil {
		return nil, err
	}
	what, ylab := "error against the exact chain", "|approximation − exact|"
	if slices.Contains(r.QuasiStationary, true) {
		// W606: the exact column is the quasi-stationary law at some N.
		what, ylab = "error against the exact chain (quasi-stationary law where absorbed)", "|approximation − exact (qs)|"
	}
	if r.Transient > 0 {
		what += fmt.Sprintf(" at t = %g", r.Transient)
	}
	f := newFigure(r.Model+" — "+what, "N", ylab)
	p := f.Plot
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: 1}
	var ticks []plot.Tick // at the scales compared
	for _, n := range r.N {
		ticks = append(ticks, plot.Tick{Value: n, Label: strconv.FormatFloat(n, 'g', -1, 64)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	drawn := 0
	for oi, i := range idx {
		t := &r.Tables[i]
		for mi, m := range compareMethods {
			col := m.col(t)
			var pts plotter.XYs
			for k, n := range t.N {
				if k >= len(col) || col[k] == nil || k >= len(t.Exact) || t.Exact[k] == nil {
					continue
				}
				if e := math.Abs(*col[k] - *t.Exact[k]); e > 0 && finite(e) {
					pts = append(pts, plotter.XY{X: n, Y: e})
				}
			}
			if len(pts) < 2 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			c := Colour(mi)
			l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(1.5)
			l.LineStyle.Dashes = dashes[oi%len(dashes)]
			s.GlyphStyle.Color, s.GlyphStyle.Shape, s.GlyphStyle.Radius = c, glyphs[oi%len(glyphs)], vg.Points(3)
			f.Plot.Add(l, s)
			label := m.label
			if len(idx) > 1 {
				label = t.Name + ": " + label
			}
			if sl, ok := t.Slopes[m.key]; ok {
				label += fmt.Sprintf(" (slope %.2f)", sl)
			}
			f.Legend.Add(label, l, s)
			drawn++
		}
	}
	if drawn == 0 {
		return nil, fmt.Errorf("plot: %w: no observable has errors against the exact chain at two scales or more", ErrNoFigure)
	}
	return f, nil
}

var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}
