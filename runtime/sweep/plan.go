// Package sweep runs one registered analysis over a grid of parameter values: the points
// of a Plan (a Cartesian grid or a zip of equally long axes), on several workers, with the
// report of each point flattened into named numbers (the paths of analysis.Quantity). A
// sweep can be split into deterministic shards (Shard: point k belongs to shard k mod n),
// each run as its own process — a Slurm job-array task or a Kubernetes indexed-job pod —
// and the parts merged back (Merge) into output identical to the unsharded run. With a
// journal file, an interrupted sweep resumes where it stopped.
//
// The package does not compile models: the caller's Eval turns the parameter values of a
// point into a report (the CLI compiles the model with the values as --set overrides and
// runs the analysis from the registry).
package sweep

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Axis is one swept parameter and its values.
type Axis struct {
	// Name is the parameter, as --set names it (an element as name[i]).
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// MaxPoints bounds the points of a plan (and of an axis).
const MaxPoints = 10_000_000

// ParseAxis parses NAME=lo:hi:n (n values evenly spaced from lo to hi), NAME=lo:hi:n,log
// (geometrically spaced; lo, hi > 0) or NAME=v1,v2,... (the values listed).
func ParseAxis(s string) (Axis, error) {
	name, spec, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || spec == "" {
		return Axis{}, fmt.Errorf("expected NAME=lo:hi:n[,log] or NAME=v1,v2,..., got %q", s)
	}
	ax := Axis{Name: name}
	if strings.Contains(spec, ":") {
		rng, mode, _ := strings.Cut(spec, ",")
		if mode != "" && mode != "log" && mode != "lin" {
			return Axis{}, fmt.Errorf("%s: unknown spacing %q (log or lin)", name, mode)
		}
		parts := strings.Split(rng, ":")
		if len(parts) != 3 {
			return Axis{}, fmt.Errorf("%s: expected lo:hi:n, got %q", name, rng)
		}
		lo, err1 := parseFinite(parts[0])
		hi, err2 := parseFinite(parts[1])
		n, err3 := strconv.Atoi(strings.TrimSpace(parts[2]))
		switch {
		case err1 != nil:
			return Axis{}, fmt.Errorf("%s: lo: %v", name, err1)
		case err2 != nil:
			return Axis{}, fmt.Errorf("%s: hi: %v", name, err2)
		case err3 != nil || n < 1 || n > MaxPoints:
			return Axis{}, fmt.Errorf("%s: the number of values must be an integer in [1, %d], got %q", name, MaxPoints, parts[2])
		case mode == "log" && !(lo > 0 && hi > 0):
			return Axis{}, fmt.Errorf("%s: a log axis needs lo > 0 and hi > 0", name)
		}
		for k := 0; k < n; k++ {
			f := 0.0
			if n > 1 {
				f = float64(k) / float64(n-1)
			}
			var v float64
			switch {
			case k == n-1 && n > 1:
				v = hi // exactly, not lo + (hi−lo)·1 with round-off
			case mode == "log":
				v = lo * math.Pow(hi/lo, f)
			default:
				v = lo + (hi-lo)*f
			}
			ax.Values = append(ax.Values, v)
		}
		return ax, nil
	}
	for _, p := range strings.Split(spec, ",") {
		v, err := parseFinite(p)
		if err != nil {
			return Axis{}, fmt.Errorf("%s: %v", name, err)
		}
		ax.Values = append(ax.Values, v)
	}
	return ax, nil
}

func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected a finite number, got %q", s)
	}
	return v, nil
}

// Plan is the set of points of a sweep: the Cartesian product of the axes (the last axis
// varying fastest), or with Zip the k-th values of all axes together.
type Plan struct {
	Axes []Axis `json:"axes"`
	Zip  bool   `json:"zip,omitempty"`
	// Continue runs the points of each line of the plan in order, each from the one
	// before (Eval gets the previous row): a line is the last axis at fixed values of the
	// others (with Zip, all the points). Shards then split the plan by lines.
	Continue bool `json:"continue,omitempty"`
}

// Check reports a plan without axes, with a repeated name, a zip of unequal lengths or
// more than MaxPoints points.
func (p *Plan) Check() error {
	if len(p.Axes) == 0 {
		return fmt.Errorf("nothing to sweep: give at least one --vary NAME=lo:hi:n")
	}
	seen := map[string]bool{}
	total := 1.0
	for _, a := range p.Axes {
		if seen[a.Name] {
			return fmt.Errorf("%s is varied twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("%s has no values", a.Name)
		}
		if p.Zip && len(a.Values) != len(p.Axes[0].Values) {
			return fmt.Errorf("--zip needs axes of equal length: %s has %d values, %s %d", p.Axes[0].Name, len(p.Axes[0].Values), a.Name, len(a.Values))
		}
		total *= float64(len(a.Values))
	}
	if !p.Zip && total > MaxPoints {
		return fmt.Errorf("the grid has %.0f points, more than %d: use fewer values or --zip", total, MaxPoints)
	}
	return nil
}

// Len is the number of points.
func (p *Plan) Len() int {
	if len(p.Axes) == 0 {
		return 0
	}
	if p.Zip {
		return len(p.Axes[0].Values)
	}
	n := 1
	for _, a := range p.Axes {
		n *= len(a.Values)
	}
	return n
}

// lineLen is the number of points of a line (Continue): the last axis's values, or all
// the points for a zip.
func (p *Plan) lineLen() int {
	if p.Zip || len(p.Axes) == 0 {
		return max(p.Len(), 1)
	}
	return len(p.Axes[len(p.Axes)-1].Values)
}

// unit is what shards split: the point k, or its line under Continue.
func (p *Plan) unit(k int) int {
	if p.Continue {
		return k / p.lineLen()
	}
	return k
}

// Point returns the values of point k (0 ≤ k < Len), one per axis.
func (p *Plan) Point(k int) []float64 {
	out := make([]float64, len(p.Axes))
	if p.Zip {
		for i, a := range p.Axes {
			out[i] = a.Values[k]
		}
		return out
	}
	for i := len(p.Axes) - 1; i >= 0; i-- {
		n := len(p.Axes[i].Values)
		out[i] = p.Axes[i].Values[k%n]
		k /= n
	}
	return out
}

// Shard is the slice of a sweep one process computes: point k belongs to shard k mod
// Count (round robin, so that shards get points from every part of the grid, whose costs
// differ; under Plan.Continue, line l belongs to shard l mod Count). The zero value, like
// Count 1, is the whole sweep.
type Shard struct {
	Index, Count int
}

// Whole reports whether s is the whole sweep.
func (s Shard) Whole() bool { return s.Count <= 1 }

// Owns reports whether point k belongs to the shard.
func (s Shard) Owns(k int) bool { return s.Whole() || k%s.Count == s.Index }

// String is "i/n", or "" for the whole sweep.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ParseShard parses "i/n" with 0 ≤ i < n.
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > MaxPoints {
		return Shard{}, fmt.Errorf("expected i/n with 0 <= i < n, got %q", v)
	}
	return Shard{Index: i, Count: n}, nil
}

// ShardFromEnv returns the shard a scheduler assigned through the environment (getenv,
// os.Getenv when nil), and false when none did:
//
//   - Slurm job arrays: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (the index counted
//     from SLURM_ARRAY_TASK_MIN, 0 when unset), as set by sbatch --array=0-(n-1);
//   - Kubernetes indexed jobs: JOB_COMPLETION_INDEX, with the count in MFC_SHARD_COUNT
//     (set it to the job's completions in the manifest).
func ShardFromEnv(getenv func(string) string) (Shard, bool, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	num := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, fmt.Errorf("%s=%q is not an integer", name, v)
		}
		return n, true, nil
	}
	pair := func(idxName, countName string, min int) (Shard, bool, error) {
		id, okID, err := num(idxName)
		if err != nil || !okID {
			return Shard{}, false, err
		}
		n, okN, err := num(countName)
		if err != nil {
			return Shard{}, false, err
		}
		if !okN {
			return Shard{}, false, fmt.Errorf("%s is set but %s is not: cannot tell the number of shards", idxName, countName)
		}
		s := Shard{Index: id - min, Count: n}
		if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
			return Shard{}, false, fmt.Errorf("%s=%d and %s=%d do not make a shard i/n with 0 <= i < n", idxName, id, countName, n)
		}
		return s, true, nil
	}
	min, _, err := num("SLURM_ARRAY_TASK_MIN")
	if err != nil {
		return Shard{}, false, err
	}
	if s, ok, err := pair("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", min); ok || err != nil {
		return s, ok, err
	}
	return pair("JOB_COMPLETION_INDEX", "MFC_SHARD_COUNT", 0)
}
