package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mfcproject/mfc/runtime/analysis"
)

func TestParseAxis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []float64
		err  string
	}{
		{"rho=0.5:0.9:5", []float64{0.5, 0.6, 0.7, 0.8, 0.9}, ""},
		{"k=1:100:3,log", []float64{1, 10, 100}, ""},
		{"beta[1]=1,2,4", []float64{1, 2, 4}, ""},
		{"x=3:7:1", []float64{3}, ""},
		{"x=0:1:0", nil, "integer in [1,"},
		{"x=0:1:2,log", nil, "lo > 0"},
		{"x=1:NaN:2", nil, "finite"},
		{"x=1:2:3,cubic", nil, "unknown spacing"},
		{"=1:2:3", nil, "expected NAME="},
		{"x=1:2", nil, "lo:hi:n"},
		{"x=1,Inf", nil, "finite"},
	} {
		ax, err := ParseAxis(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		for i := range tc.want {
			if i >= len(ax.Values) || math.Abs(ax.Values[i]-tc.want[i]) > 1e-12*math.Abs(tc.want[i]) {
				t.Errorf("%s: values %v, want %v", tc.in, ax.Values, tc.want)
				break
			}
		}
	}
	// The last value is hi exactly, whatever the round-off of the spacing.
	ax, _ := ParseAxis("rho=0.5:0.99:50")
	if ax.Values[49] != 0.99 || len(ax.Values) != 50 {
		t.Errorf("last of 0.5:0.99:50 is %v (of %d)", ax.Values[49], len(ax.Values))
	}
}

func TestPlanPoints(t *testing.T) {
	t.Parallel()
	a := Axis{"a", []float64{1, 2}}
	b := Axis{"b", []float64{10, 20, 30}}
	grid := Plan{Axes: []Axis{a, b}}
	var got [][]float64
	for k := 0; k < grid.Len(); k++ {
		got = append(got, grid.Point(k))
	}
	want := [][]float64{{1, 10}, {1, 20}, {1, 30}, {2, 10}, {2, 20}, {2, 30}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grid points %v, want %v", got, want)
	}
	zip := Plan{Axes: []Axis{a, {"c", []float64{5, 6}}}, Zip: true}
	if zip.Len() != 2 || !reflect.DeepEqual(zip.Point(1), []float64{2, 6}) {
		t.Errorf("zip: %d points, second %v", zip.Len(), zip.Point(1))
	}
	for _, bad := range []Plan{{}, {Axes: []Axis{a, a}}, {Axes: []Axis{a, b}, Zip: true}} {
		if bad.Check() == nil {
			t.Errorf("plan %+v passes Check", bad)
		}
	}
}

func TestShards(t *testing.T) {
	t.Parallel()
	s, err := ParseShard("2/5")
	if err != nil || s != (Shard{2, 5}) || !s.Owns(7) || s.Owns(8) || s.String() != "2/5" {
		t.Errorf("ParseShard(2/5) = %+v, %v", s, err)
	}
	for _, bad := range []string{"5/5", "-1/3", "1/0", "x", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want Shard
		ok   bool
		err  bool
	}{
		{map[string]string{}, Shard{}, false, false},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "64"}, Shard{3, 64}, true, false},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"}, Shard{3, 4}, true, false},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "3"}, Shard{}, false, true},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{}, false, true},
		{map[string]string{"JOB_COMPLETION_INDEX": "7", "MFC_SHARD_COUNT": "8"}, Shard{7, 8}, true, false},
		{map[string]string{"JOB_COMPLETION_INDEX": "x", "MFC_SHARD_COUNT": "8"}, Shard{}, false, true},
	} {
		s, ok, err := ShardFromEnv(env(tc.env))
		if s != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("env %v: %+v %v %v; want %+v %v error %v", tc.env, s, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

// toyReport is a report whose keys depend on the point: a null value, an array whose
// length grows with the parameter, and named elements.
type toyReport struct {
	Model string             `json:"model"`
	X     float64            `json:"x"`
	Roots []float64          `json:"roots"`
	Obs   []toyObs           `json:"observables"`
	Gap   analysis.Maybe     `json:"gap"`
	Extra map[string]float64 `json:"extra,omitempty"`
}

type toyObs struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

func (r *toyReport) Text() string { return fmt.Sprint(r.X) }

func toyEval(ctx context.Context, p []float64, _ *Row) (analysis.Report, error) {
	a, b := p[0], p[1]
	if a == 3 && b == 20 {
		return nil, errors.New("no fixed point")
	}
	r := &toyReport{Model: "toy", X: a * b, Obs: []toyObs{{"u", a + b}, {"v", a - b}}, Gap: analysis.Known(b)}
	for k := 0; k < int(a); k++ {
		r.Roots = append(r.Roots, float64(k)*b)
	}
	if b == 10 {
		r.Gap = analysis.Missing("none at b = 10")
	}
	return r, nil
}

func toySettings() *Settings {
	return &Settings{Header: Header{Analysis: "toy", Args: []string{"m.mf", "--order", "2"},
		Plan: Plan{Axes: []Axis{{"a", []float64{1, 2, 3}}, {"b", []float64{10, 20, 30, 40}}}}}}
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	rep, _ := toyEval(context.Background(), []float64{2, 10}, nil)
	keys, vals, err := analysis.Flatten(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"x", "roots.0", "roots.1", "observables[name=u].value", "observables[name=v].value", "gap"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	if *vals[0] != 20 || *vals[2] != 10 || *vals[4] != -8 || vals[5] != nil {
		t.Errorf("values %v", vals)
	}
	// The keys are the paths analysis.Quantity reads.
	for i, k := range keys[:5] {
		if q, err := analysis.Quantity(rep, k); err != nil || q != *vals[i] {
			t.Errorf("Quantity(%s) = %v, %v; flattened %v", k, q, err, *vals[i])
		}
	}
}

func render(t *testing.T, r *Result) (csv, js []byte) {
	t.Helper()
	var c, j bytes.Buffer
	if err := r.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	return c.Bytes(), j.Bytes()
}

// Shards run apart, written, read back and merged give the bytes of the whole run, in
// both formats; a missing or doubled part is an error naming it.
func TestShardsMergeToTheWholeRun(t *testing.T) {
	t.Parallel()
	whole, err := Run(context.Background(), toySettings(), toyEval)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Failed() != 1 || len(whole.Rows) != 12 {
		t.Fatalf("%d rows, %d failed", len(whole.Rows), whole.Failed())
	}
	wc, wj := render(t, whole)
	if !bytes.HasPrefix(wc, []byte("# mfc sweep: analysis=toy points=12 axes=2 sweep=")) ||
		!bytes.Contains(wc, []byte("\npoint,a,b,x,roots.0,observables[name=u].value,observables[name=v].value,gap,roots.1,roots.2,error\n")) {
		t.Errorf("CSV head:\n%s", wc[:min(len(wc), 300)])
	}
	if !bytes.Contains(wc, []byte("\n6,2,30,60,0,32,-28,30,30,,\n")) || !bytes.Contains(wc, []byte("\n9,3,20,,,,,,,,no fixed point\n")) {
		t.Errorf("CSV rows:\n%s", wc)
	}
	for _, format := range []string{"csv", "json"} {
		var parts []*Result
		for i := 0; i < 3; i++ {
			s := toySettings()
			s.Shard = fmt.Sprintf("%d/3", i)
			s.Workers = 2
			part, err := Run(context.Background(), s, toyEval)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if format == "csv" {
				err = part.WriteCSV(&b)
			} else {
				err = part.WriteJSON(&b)
			}
			if err != nil {
				t.Fatal(err)
			}
			back, err := Read(&b)
			if err != nil {
				t.Fatalf("%s part %d: %v", format, i, err)
			}
			parts = append(parts, back)
		}
		merged, err := Merge([]*Result{parts[2], parts[0], parts[1]})
		if err != nil {
			t.Fatal(err)
		}
		mc, mj := render(t, merged)
		if format == "csv" && !bytes.Equal(mc, wc) {
			t.Errorf("merged CSV differs from the whole run:\n%s\nwant\n%s", mc, wc)
		}
		if format == "json" && !bytes.Equal(mj, wj) {
			t.Errorf("merged JSON differs from the whole run:\n%s\nwant\n%s", mj, wj)
		}
		if _, err := Merge(parts[:2]); err == nil || !strings.Contains(err.Error(), "shards 2/3 (4 points)") {
			t.Errorf("a missing part: %v", err)
		}
		if _, err := Merge([]*Result{parts[0], parts[1], parts[1], parts[2]}); err == nil || !strings.Contains(err.Error(), "in part 2 and in part 3") {
			t.Errorf("a doubled part: %v", err)
		}
	}
	other := toySettings()
	other.Args = []string{"m.mf", "--order", "1"}
	o, _ := Run(context.Background(), other, toyEval)
	if _, err := Merge([]*Result{whole, o}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("parts of two sweeps: %v", err)
	}
}

// A sweep interrupted after some points resumes from its journal: the rerun computes only
// the rest, and the result is that of an uninterrupted run.
func TestJournalResumes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.csv.journal")
	s := toySettings()
	s.Workers = 1
	j, rows, err := OpenJournal(path, &s.Header)
	if err != nil || len(rows) != 0 {
		t.Fatal(rows, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	s.Journal = j
	_, err = Run(ctx, s, func(ctx context.Context, p []float64, prev *Row) (analysis.Report, error) {
		if calls.Add(1) == 6 {
			cancel()
			return nil, ctx.Err()
		}
		return toyEval(ctx, p, nil)
	})
	j.Close()
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "after 5 of 12 points") {
		t.Fatalf("interrupted run: %v", err)
	}
	s = toySettings()
	j, rows, err = OpenJournal(path, &s.Header)
	if err != nil || len(rows) != 5 {
		t.Fatalf("journal: %d rows, %v", len(rows), err)
	}
	s.Journal, s.Done = j, rows
	calls.Store(0)
	res, err := Run(context.Background(), s, func(ctx context.Context, p []float64, prev *Row) (analysis.Report, error) {
		calls.Add(1)
		return toyEval(ctx, p, nil)
	})
	j.Close()
	if err != nil || calls.Load() != 7 {
		t.Fatalf("resumed run: %d points computed, %v", calls.Load(), err)
	}
	whole, _ := Run(context.Background(), toySettings(), toyEval)
	rc, _ := render(t, res)
	wc, _ := render(t, whole)
	if !bytes.Equal(rc, wc) {
		t.Errorf("resumed result differs:\n%s\nwant\n%s", rc, wc)
	}
	// Another sweep refuses the journal.
	other := toySettings()
	other.Plan.Zip = false
	other.Axes = other.Axes[:1]
	if _, _, err := OpenJournal(path, &other.Header); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("a journal of another sweep: %v", err)
	}
}

// eigReport reports one eigenvalue pair, like the refine and fixpoint reports.
type eigReport struct {
	Eigenvalues [][2]float64 `json:"eigenvalues"`
	X           []float64    `json:"fixed_point"`
}

func (r *eigReport) Text() string { return "" }

// Continuation: each line runs in order with the previous row; a resumed line gets its
// done points as previous rows; shards split by lines; the stability changes are found
// where the rightmost eigenvalue crosses (fold for a real one, Hopf for a pair) or is lost.
func TestContinuation(t *testing.T) {
	t.Parallel()
	plan := Plan{Axes: []Axis{{"c", []float64{0, 1}}, {"p", []float64{0, 1, 2, 3, 4, 5}}}, Continue: true}
	eval := func(_ context.Context, p []float64, prev *Row) (analysis.Report, error) {
		k := int(p[1])
		want := p[1] - 1 // the last point that did not fail
		if p[0] == 1 && k == 5 {
			want = 3
		}
		if k > 0 && (prev == nil || prev.Params[1] != want || prev.Params[0] != p[0]) {
			return nil, fmt.Errorf("point %v: previous row %+v", p, prev)
		}
		if k == 0 && prev != nil {
			return nil, fmt.Errorf("point %v has a previous row", p)
		}
		re := p[1] - 2.5 // crosses 0 between p = 2 and 3
		if p[0] == 1 {
			if k == 4 {
				return nil, errors.New("no stable point")
			}
			re = -1 + 0.2*p[1] // lost between p = 3 and 4 (extrapolated to 5: the midpoint)
			return &eigReport{Eigenvalues: [][2]float64{{re, 0.5}, {re, -0.5}}, X: []float64{p[1]}}, nil
		}
		return &eigReport{Eigenvalues: [][2]float64{{re, 0}, {-3, 0}}, X: []float64{p[1]}}, nil
	}
	res, err := Run(context.Background(), &Settings{Header: Header{Analysis: "toy", Plan: plan}, Workers: 2}, eval)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 1 {
		for _, r := range res.Rows {
			t.Log(r.Point, r.Error)
		}
		t.Fatalf("%d failed points, want 1", res.Failed())
	}
	var got []string
	for _, e := range res.Events {
		got = append(got, fmt.Sprintf("%s %d-%d %s=%.4g", e.Kind, e.From, e.To, e.Axis, e.At))
	}
	want := []string{"fold 2-3 p=2.5", "lost 9-10 p=3.5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	// Shards own whole lines; their merge is the whole run, events included.
	var parts []*Result
	for i := 0; i < 2; i++ {
		part, err := Run(context.Background(), &Settings{Header: Header{Analysis: "toy", Plan: plan, Shard: fmt.Sprintf("%d/2", i)}}, eval)
		if err != nil {
			t.Fatal(err)
		}
		if part.Failed() != i {
			t.Errorf("shard %d/2 has %d failed points", i, part.Failed())
		}
		var b bytes.Buffer
		part.WriteCSV(&b)
		back, err := Read(&b)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, back)
	}
	merged, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	mc, _ := render(t, merged)
	wc, _ := render(t, res)
	if !bytes.Equal(mc, wc) {
		t.Errorf("merged continuation differs:\n%s\nwant\n%s", mc, wc)
	}
	if !reflect.DeepEqual(merged.Events, res.Events) {
		t.Errorf("merged events %v, want %v", merged.Events, res.Events)
	}
	// Without continuation there are no events (the reported point may switch branches).
	plain := plan
	plain.Continue = false
	res, _ = Run(context.Background(), &Settings{Header: Header{Analysis: "toy", Plan: plain}}, func(ctx context.Context, p []float64, prev *Row) (analysis.Report, error) {
		if prev != nil {
			return nil, errors.New("a previous row without continuation")
		}
		return &eigReport{Eigenvalues: [][2]float64{{p[1] - 2.5, 0}}}, nil
	})
	if len(res.Events) != 0 || res.Failed() != 0 {
		t.Errorf("without continuation: events %v, %d failed", res.Events, res.Failed())
	}
}
