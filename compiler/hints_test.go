package compiler

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/lang/diag"
)

// catalogueExamples returns the models of the ```mf-error blocks of docs/language.md §8.2,
// keyed by "line N".
func catalogueExamples(t *testing.T) map[string][]byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "docs", "language.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var body []string
	in, start := false, 0
	for i, ln := range strings.Split(string(src), "\n") {
		switch {
		case !in && strings.HasPrefix(ln, "```mf-error"):
			in, start, body = true, i+1, nil
		case in && strings.HasPrefix(ln, "```"):
			in = false
			out["line "+strconv.Itoa(start)] = []byte(strings.Join(body, "\n") + "\n")
		case in:
			body = append(body, ln)
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d mf-error examples in docs/language.md", len(out))
	}
	return out
}

// TestEveryDiagnosticHasHint: every diagnostic the compiler emits carries a one-line hint
// (docs/language.md §8.1), over the catalogue's examples, the semantic and mean-field cases
// and the marker files of testdata/diag; mean-field diagnostics are included.
func TestEveryDiagnosticHasHint(t *testing.T) {
	t.Parallel()
	sources := catalogueExamples(t)
	opts := map[string]Options{}
	for _, c := range append(append(append([]diagCase{}, semanticCases...), hintCases...), append(append(meanFieldCases, nonFiniteCases...), limitCases...)...) {
		if c.short || c.skip != "" {
			continue // slow by design (the default limits)
		}
		sources["case "+c.name] = diagSrc(c.src)
		opts["case "+c.name] = c.opts
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "diag", "*.mf"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = src
	}
	codes := map[string]bool{}
	for name, src := range sources {
		m, ds := CompileSource(diagFile, src, opts[name])
		if m != nil {
			ds = append(ds, m.MeanField.Diagnostics...)
		}
		for _, d := range ds {
			codes[d.Code] = true
			if strings.TrimSpace(d.Hint) == "" || strings.Contains(d.Hint, "\n") {
				t.Errorf("%s: %s has no one-line hint: %q", name, d.Code, (&diag.Diagnostic{Pos: d.Pos, Severity: d.Severity, Code: d.Code, Msg: d.Msg, Hint: d.Hint}).Error())
			}
		}
	}
	if len(codes) < 40 {
		t.Errorf("only %d distinct codes exercised", len(codes))
	}
}

// emptyHint matches a call that builds a diagnostic with the literal hint "": the code
// literal followed by an empty string (Errorf, Warnf, errorf, warnf, fail).
var emptyHint = regexp.MustCompile(`"[EW][0-9]{3}",\s*""`)

// TestNoCallSiteWithoutHint: TestEveryDiagnosticHasHint sees only the diagnostics its
// models trigger, so a path none of them reaches (an index on 't', a --set override) could
// go without a hint unseen. Every call site in the front end and the compiler must give one.
func TestNoCallSiteWithoutHint(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "series", "ir", filepath.Join("..", "lang"), filepath.Join("..", "lang", "diag")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, loc := range emptyHint.FindAllIndex(src, -1) {
				line := 1 + strings.Count(string(src[:loc[0]]), "\n")
				t.Errorf("%s:%d: %s: a diagnostic without a hint", f, line, src[loc[0]:loc[1]])
			}
		}
	}
}

// hintCases: diagnostics that lacked a hint or a position, and measure arguments that
// only the runtime used to reject.
var hintCases = []diagCase{
	{name: "E201 without suggestion", src: `
species S
decay: S -> 0 @ zzqx * S
`, pos: "2:17", tok: "zzqx", sev: E, code: "E201", msg: "unknown identifier 'zzqx'",
		hint: "declare it (param, species, let, ...) before use, or check the spelling"},
	// The E201s of --set are reached only with Options.Overrides: TestEveryDiagnosticHasHint
	// sees them through these cases.
	{name: "E201 --set unknown", opts: Options{Overrides: Overrides{"gama": {1}}}, src: `
param gamma = 1
species S
decay: S -> 0 @ gamma * S
`, file: "--set", sev: E, code: "E201", msg: "--set gama: unknown parameter 'gama'", hint: "did you mean 'gamma' (param, 1:7)?"},
	{name: "E201 --set species", opts: Options{Overrides: Overrides{"S": {1}}}, src: `
species S
decay: S -> 0 @ S
`, file: "--set", sev: E, code: "E201", msg: "--set S: 'S' is a species, not a parameter", hint: "only parameters and the scale can be set"},
	{name: "E201 --set malformed element", opts: Options{Overrides: Overrides{"k[1": {1}}}, src: `
param k = 1
species S
decay: S -> 0 @ k * S
`, file: "--set", sev: E, code: "E201", msg: "--set k[1: malformed element \"k[1\"", hint: "write name=value or name[i,j]=value"},
	{name: "E310 index on t", src: `
species S
decay: S -> 0 @ t[1] * S
`, pos: "2:17", tok: "t[1]", sev: E, code: "E310", msg: "'t' takes no index",
		hint: "'t' is a number (the time); write it without an index"},
	{name: "E201 in a range", src: `
species X[1..zz]
`, pos: "1:14", tok: "zz", sev: E, code: "E201", msg: "unknown identifier 'zz'"},
	{name: "E601 at the model header", analysis: true, src: `
model m
species S
decay: S -> 0 @ S
`, pos: "1:7", tok: "m", sev: E, code: "E601", msg: "mean-field analysis needs a 'scale' declaration"},
	{name: "E601 at the first transition", analysis: true, src: `
species S
param k = 1
decay: S -> 0 @ k * S
`, pos: "3:1", tok: "decay", sev: E, code: "E601", msg: "mean-field analysis needs a 'scale' declaration"},
	{name: "E705 discount rate 0", src: `
species S
decay: S -> 0 @ S
measure m = discounted(S, 0)
`, pos: "3:27", tok: "0", sev: E, code: "E705", msg: "discount rate of 'm' must be a finite number > 0, got 0",
		hint: "write discounted(f, a) with a discount rate a > 0"},
	{name: "E705 negative horizon", src: `
param T = -1
species S
decay: S -> 0 @ S
measure m = transient(S, T)
`, pos: "4:26", tok: "T", sev: E, code: "E705", msg: "horizon of 'm' must be a finite number ≥ 0, got -1",
		hint: "write transient(f, T) with a horizon T ≥ 0"},
	{name: "E705 infinite horizon", src: `
species S
decay: S -> 0 @ S
measure m = cumulative(S, 1/0)
`, pos: "3:28", tok: "/0", sev: E, code: "E705", msg: "horizon of 'm' must be a finite number ≥ 0, got +Inf"},
	{name: "E705 family instance", src: `
param a[1..2] = [1, -2]
species S
decay: S -> 0 @ S
measure m[i in 1..2] = discounted(S, a[i])
`, pos: "4:38", tok: "a[i]", sev: E, code: "E705", msg: "discount rate of 'm[2]' must be a finite number > 0, got -2 (instance i=2)"},
}

// TestHintCases runs hintCases.
func TestHintCases(t *testing.T) {
	t.Parallel()
	for _, c := range hintCases {
		t.Run(c.name, func(t *testing.T) { runDiagCase(t, c) })
	}
}
