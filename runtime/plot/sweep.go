package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/runtime/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sweep returns the figure of a sweep: for one swept parameter, each key of keys (a column
// of the result, such as "fixed_point.0") against the parameter, with its tangent at each
// point where the sweep has the key's derivative (the column "sensitivity.P.KEY" of
// --sensitivity P, P the swept parameter); for a grid of two, a heat
// map of the first key over the two parameters with its colour bar. Points that failed, or
// whose report has no value for a key, are left out (a gap in the line, the NaN colour in
// the map).
func Sweep(r *sweep.Result, keys []string, opt *Options) (*Figure, error) {
	cols := r.Columns()
	for _, k := range keys {
		if !slices.Contains(cols, k) {
			return nil, fmt.Errorf("plot: %w of %q: the sweep's keys are %s", ErrNoFigure, k, abbreviate(cols, 12))
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("plot: %w: name the keys to draw", ErrNoFigure)
	}
	axes := r.Axes
	if len(axes) == 0 {
		return nil, fmt.Errorf("plot: %w: the sweep's axes are not recorded (a CSV part)", ErrNoFigure)
	}
	value := func(row sweep.Row, key string) float64 {
		for i, k := range row.Keys {
			if k == key && row.Values[i] != nil && row.Error == "" {
				return *row.Values[i]
			}
		}
		return math.NaN()
	}
	model := ""
	if len(r.Args) > 0 {
		model = strings.TrimSuffix(r.Args[0], ".mf") + " — "
	}
	switch {
	case len(axes) == 1 || r.Zip:
		f := newFigure(fmt.Sprintf("%s%s over %s", model, r.Analysis, axes[0].Name), axes[0].Name, strings.Join(keys, ", "))
		if len(keys) > 1 {
			f.Plot.Y.Label.Text = "value"
		}
		for c, key := range keys {
			// One line per run of consecutive points with values.
			var seg plotter.XYs
			first := true
			flush := func() error {
				if len(seg) == 0 {
					return nil
				}
				l, s, err := plotter.NewLinePoints(seg)
				if err != nil {
					return err
				}
				l.LineStyle.Color, l.LineStyle.Width = Colour(c), vg.Points(1.5)
				s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = Colour(c), vg.Points(2), draw.CircleGlyph{}
				f.Plot.Add(l, s)
				if first {
					f.Legend.Add(key, l, s)
					first = false
				}
				seg = nil
				return nil
			}
			for _, row := range r.Rows {
				v := value(row, key)
				if math.IsNaN(v) {
					if err := flush(); err != nil {
						return nil, err
					}
					continue
				}
				seg = append(seg, plotter.XY{X: row.Params[0], Y: v})
			}
			if err := flush(); err != nil {
				return nil, err
			}
			if err := tangents(f, r, key, c, value); err != nil {
				return nil, err
			}
		}
		return f, nil
	case len(axes) == 2:
		g := &grid{x: axes[0].Values, y: axes[1].Values, z: make([]float64, len(axes[0].Values)*len(axes[1].Values))}
		for i := range g.z {
			g.z[i] = math.NaN()
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, row := range r.Rows {
			v := value(row, keys[0])
			g.z[row.Point] = v
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if lo > hi {
			return nil, fmt.Errorf("plot: %w: %s has no value at any point", ErrNoFigure, keys[0])
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		cm := moreland.SmoothBlueRed()
		cm.SetMin(lo)
		cm.SetMax(hi)
		h := plotter.NewHeatMap(g, cm.Palette(255))
		h.Min, h.Max = lo, hi
		h.NaN = color.RGBA{0xd0, 0xd0, 0xd0, 0xff}
		f := newFigure(fmt.Sprintf("%s%s: %s", model, r.Analysis, keys[0]), axes[0].Name, axes[1].Name)
		f.Plot.Add(h)
		bar := plot.New()
		bar.HideX()
		bar.Y.Padding = 0
		// The key is in the figure's title.
		bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
		f.colorBar = bar
		return f, nil
	}
	return nil, fmt.Errorf("plot: %w: a figure of a sweep over %d parameters (one gives lines, two a heat map)", ErrNoFigure, len(axes))
}

// grid is the heat map's data: z at point k = i·len(y) + j is over (x[i], y[j]), the
// order of the sweep's grid.
type grid struct{ x, y, z []float64 }

func (g *grid) Dims() (c, r int)   { return len(g.x), len(g.y) }
func (g *grid) Z(c, r int) float64 { return g.z[c*len(g.y)+r] }
func (g *grid) X(c int) float64    { return g.x[c] }
func (g *grid) Y(r int) float64    { return g.y[r] }

func abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", … (%d in all)", len(names))
}

// tangents draws, for the key drawn in colour c, a short segment of slope dKEY/dP through
// each point where the column sensitivity.P.KEY has a value (P the swept parameter), over
// ±0.35 of the smallest spacing of the parameter's values.
func tangents(f *Figure, r *sweep.Result, key string, c int, value func(sweep.Row, string) float64) error {
	dkey := "sensitivity." + r.Axes[0].Name + "." + key
	if !slices.Contains(r.Columns(), dkey) {
		return nil
	}
	xs := r.Axes[0].Values
	half := math.Inf(1)
	for i := 1; i < len(xs); i++ {
		if d := math.Abs(xs[i] - xs[i-1]); d > 0 {
			half = min(half, 0.35*d)
		}
	}
	if math.IsInf(half, 1) {
		half = 0.1 * max(1, math.Abs(xs[0]))
	}
	first := true
	for _, row := range r.Rows {
		y, s := value(row, key), value(row, dkey)
		if math.IsNaN(y) || math.IsNaN(s) {
			continue
		}
		x := row.Params[0]
		l, err := plotter.NewLine(plotter.XYs{{X: x - half, Y: y - s*half}, {X: x + half, Y: y + s*half}})
		if err != nil {
			return err
		}
		l.LineStyle.Color, l.LineStyle.Width = Colour(c), vg.Points(1)
		l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		f.Plot.Add(l)
		if first {
			f.Legend.Add("tangent: slope d/d"+r.Axes[0].Name, l)
			first = false
		}
	}
	return nil
}
