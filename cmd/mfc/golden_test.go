package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/mfcproject/mfc/runtime/analysis"
)

// goldenCommands is the matrix of TestGoldenExamples: every analysis command, with settings
// small enough that the whole matrix (14 examples × 11 commands × 3 formats) runs in
// seconds. The golden files under testdata/cli/golden were written by the CLI before its
// orchestration moved into the runtime; any change to them is a change users see.
var goldenCommands = []struct{ name, args string }{
	{"run", "run"},
	{"refine1", "refine --order 1"},
	{"refine2", "refine --order 2"},
	{"transient", "refine --order 2 --transient 1 --steps 2"},
	{"fixpoint", "fixpoint"},
	{"ode", "ode --t 2 --steps 4"},
	{"exact", "exact --max-states 20000"},
	{"ssa", "ssa --runs 4 --t 1 --steps 2 --seed 3"},
	{"converge", "converge --samples 4"},
	{"validate", "validate --N 3,4,5 --runs 2 --ssa-t 5 --max-states 5000"},
	{"show", "show"},
}

// goldenExtra shrinks the largest examples so that the matrix stays fast.
var goldenExtra = map[string]string{
	"jsq":   "--set K=10",
	"csma":  "--set B=4",
	"csma3": "--set B=4",
}

// goldenSkip lists runs left out for their time: converge on jsq samples its Lyapunov
// function for 15 s (TestConverge* covers the command on smaller models), and run on the
// infinite chains explores 2·10⁶ states before it stops (the exact fallback of run is
// covered by the models without a scale, its state limit by exact --max-states).
var goldenSkip = map[string]bool{
	"jsq.converge": true, "schlogl.run": true, "toggle.run": true, "quarter_plane.run": true, "parity.run": true,
	"quarter_plane_generic.run": true,
}

// goldenTextOnly lists runs checked in text format only.
var goldenTextOnly = map[string]bool{}

// sharedRuns makes the analyses of TestGoldenExamples run once for the three formats of a
// command: runs whose arguments differ only in --format share the report and replay what the
// run wrote (diagnostics, notes), so that each format is rendered, written and compared
// through the CLI's own path at a third of the cost. The analyses are deterministic (the
// SSA by its seed).
type sharedRuns struct {
	mu   sync.Mutex
	runs map[string]*sharedRun
}

type sharedRun struct {
	once   sync.Once
	rep    analysis.Report
	err    error
	output []byte
}

func (sr *sharedRuns) run(ctx context.Context, a *analysis.Analysis, p *analysis.Problem, s any, args []string, runErr *swappable) (analysis.Report, error) {
	key := []string{a.Name}
	for i := 0; i < len(args); i++ {
		if args[i] == "--format" {
			i++
			continue
		}
		key = append(key, args[i])
	}
	sr.mu.Lock()
	r := sr.runs[strings.Join(key, "\x00")]
	if r == nil {
		r = &sharedRun{}
		sr.runs[strings.Join(key, "\x00")] = r
	}
	sr.mu.Unlock()
	ran := false
	r.once.Do(func() {
		var buf bytes.Buffer
		w := runErr.w
		runErr.w = io.MultiWriter(w, &buf)
		r.rep, r.err = a.Run(ctx, p, s)
		runErr.w, r.output, ran = w, buf.Bytes(), true
	})
	if !ran {
		runErr.Write(r.output)
	}
	return r.rep, r.err
}

// TestGoldenExamples runs every command of goldenCommands on every example in every
// format and compares standard output, standard error and the exit status with
// testdata/cli/golden (go test ./cmd/mfc -run GoldenExamples -update rewrites them).
// Numbers are compared to a relative 1e-9: the refactorings this guards may reorder
// floating-point sums, which changes the last digits printed with %.17g, and nothing else.
func TestGoldenExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.mf")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	shared := &sharedRuns{runs: map[string]*sharedRun{}}
	ctx := context.WithValue(context.Background(), runnerKey{}, runFunc(shared.run))
	// The examples without a scale (validate runs them without --N).
	hasScale := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hasScale[strings.TrimSuffix(filepath.Base(f), ".mf")] = regexp.MustCompile(`(?m)^scale `).Match(src)
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".mf")
		for _, c := range goldenCommands {
			for _, format := range []string{"text", "csv", "json"} {
				if goldenSkip[base+"."+c.name] || format != "text" && goldenTextOnly[base+"."+c.name] {
					continue
				}
				name := fmt.Sprintf("%s.%s.%s", base, c.name, format)
				cargs := c.args
				if !hasScale[base] {
					// --N on a model without a scale is a usage error: validate compares at
					// the model's own state.
					cargs = strings.Replace(cargs, "--N 3,4,5 ", "", 1)
				}
				args := append(strings.Fields(cargs+" "+goldenExtra[base]), f, "--format", format)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					var o, e bytes.Buffer
					status := runContext(ctx, args, &o, &e)
					out, errOut := o.String(), e.String()
					got := fmt.Sprintf("$ mfc %s\n--- status %d\n--- stdout\n%s--- stderr\n%s",
						strings.Join(args, " "), status, out, errOut)
					got = strings.ReplaceAll(got, "../../", "")
					goldenNumeric(t, filepath.Join("golden", name), got)
				})
			}
		}
	}
}

// goldenNumeric is golden with numbers compared to a relative tolerance of 1e-9.
func goldenNumeric(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "cli", name)
	if *update {
		golden(t, name, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mfc -run GoldenExamples -update)", err)
	}
	if msg := numericDiff(string(want), got, 1e-9); msg != "" {
		t.Errorf("%s: %s\n--- got\n%s\n--- want\n%s", name, msg, got, want)
	}
}

// numericDiff compares two texts token by token: tokens that parse as numbers must agree to
// the relative tolerance tol (absolute below 1e-300), all others exactly, and so must the
// separators between them. It returns "" when they agree, else the first difference.
func numericDiff(want, got string, tol float64) string {
	wt, gt := numberTokens(want), numberTokens(got)
	for i := 0; i < len(wt) && i < len(gt); i++ {
		if wt[i] == gt[i] {
			continue
		}
		a, errA := strconv.ParseFloat(wt[i], 64)
		b, errB := strconv.ParseFloat(gt[i], 64)
		if errA == nil && errB == nil {
			if a == b || math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) < 1e-300 {
				continue
			}
		}
		return fmt.Sprintf("token %d: got %q, want %q", i, gt[i], wt[i])
	}
	if len(wt) != len(gt) {
		return fmt.Sprintf("%d tokens, want %d", len(gt), len(wt))
	}
	return ""
}

// numberTokens splits s into maximal runs of number characters and single other runes.
func numberTokens(s string) []string {
	var out []string
	isNum := func(r rune) bool { return unicode.IsDigit(r) || strings.ContainsRune(".eE+-", r) }
	var cur strings.Builder
	for _, r := range s {
		if isNum(r) {
			cur.WriteRune(r)
			continue
		}
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
		out = append(out, string(r))
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
