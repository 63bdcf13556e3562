package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
)

// tutorialStep is one command of docs/tutorial.md and the output shown after it, if any.
type tutorialStep struct {
	line int
	args []string
	want []string // lines that must appear, in order, in the output
}

// tutorialSteps reads the "$ mfc ..." commands of the ```sh blocks of the tutorial and the
// ```text block that may follow each.
func tutorialSteps(t *testing.T) []tutorialStep {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "tutorial.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var steps []tutorialStep
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sh" {
			continue
		}
		var cmds []tutorialStep
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			if cmd, ok := strings.CutPrefix(lines[i], "$ mfc "); ok {
				cmds = append(cmds, tutorialStep{line: i + 1, args: shellWords(t, cmd)})
			}
		}
		// A ```text block right after (blank lines between) is the output of the last command.
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j < len(lines) && strings.TrimSpace(lines[j]) == "```text" && len(cmds) > 0 {
			for j++; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
				if strings.TrimSpace(lines[j]) != "" {
					cmds[len(cmds)-1].want = append(cmds[len(cmds)-1].want, lines[j])
				}
			}
			i = j
		}
		steps = append(steps, cmds...)
	}
	return steps
}

// shellWords splits a command line as a POSIX shell would for the simple quoting the
// tutorial uses (single and double quotes, no expansions).
func shellWords(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unclosed quote in %q", s)
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

var tokenNumber = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([-+](\d+\.?\d*)([eE][-+]?\d+)?i)?$`)

// sameLine compares two output lines token by token: numbers to 6 significant digits (the
// outputs print 8), words exactly.
func sameLine(got, want string) bool {
	g, w := strings.Fields(got), strings.Fields(want)
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if g[i] == w[i] {
			continue
		}
		if !tokenNumber.MatchString(w[i]) {
			return false
		}
		gv, err1 := strconv.ParseComplex(strings.TrimSuffix(g[i], ","), 128)
		wv, err2 := strconv.ParseComplex(strings.TrimSuffix(w[i], ","), 128)
		if err1 != nil || err2 != nil {
			return false
		}
		d := gv - wv
		if abs := real(d)*real(d) + imag(d)*imag(d); abs > 1e-12*(real(wv)*real(wv)+imag(wv)*imag(wv)) && abs > 1e-24 {
			return false
		}
	}
	return true
}

// Every command of the tutorial runs (from the repository's root, its files written to a
// temporary directory) and prints what the tutorial shows after it.
func TestTutorial(t *testing.T) {
	t.Parallel()
	steps := tutorialSteps(t)
	if len(steps) < 6 {
		t.Fatalf("found %d commands in docs/tutorial.md", len(steps))
	}
	dir := t.TempDir()
	for _, st := range steps {
		args := append([]string(nil), st.args...)
		for i, a := range args {
			if strings.HasPrefix(a, "examples/") || strings.HasPrefix(a, "testdata/") {
				args[i] = filepath.Join("..", "..", a)
			}
			if i > 0 && (args[i-1] == "-o" || args[i-1] == "--plot") {
				args[i] = filepath.Join(dir, a)
			}
		}
		out, errOut, status := runCLI(args...)
		if status != 0 {
			t.Errorf("docs/tutorial.md:%d: mfc %s: status %d\n%s", st.line, strings.Join(st.args, " "), status, errOut)
			continue
		}
		// What the tutorial shows is what a terminal shows: standard output and error.
		got := strings.Split(strings.ReplaceAll(out+errOut, filepath.Join("..", "..")+"/", ""), "\n")
		k := 0
		for _, w := range st.want {
			for k < len(got) && !sameLine(got[k], w) {
				k++
			}
			if k == len(got) {
				t.Errorf("docs/tutorial.md:%d: mfc %s: the output has no line (in this order) like\n%s\noutput:\n%s", st.line, strings.Join(st.args, " "), w, out)
				break
			}
			k++
		}
	}
}

// The propensities of the tutorial's table of rate laws compile (the JSQ row is
// examples/jsq.mf, compiled by the example tests).
func TestRateLawTable(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "tutorial.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(data), "## Common rate laws")
	row := regexp.MustCompile("(?m)^\\| [^|]+ \\| `([^`]+)` \\|")
	n := 0
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		expr := m[1]
		if strings.Contains(expr, "x[i-1]") {
			continue
		}
		src := `model law
scale N = 100
param k = 1, beta = 2, vmax = 1, km = 0.5, ka = 0.3, h = 2, rho = 0.9
species S, I, R, A, B, P, D
let xS = S / N
let xI = I / N
let xR = R / N
let xA = A / N
let xB = B / N
law: 0 -> P @ ` + expr + `
out: P -> 0 @ P
init { S = 50, I = 10, R = 5, A = 20, B = 20 }
`
		if _, diags := compiler.CompileSource("law.mf", []byte(src), compiler.Options{}); diags.HasErrors() {
			t.Errorf("rate law %s: %v", expr, diags)
		}
		n++
	}
	if n != 5 {
		t.Errorf("compiled %d rate laws, want the table's 5", n)
	}
}

// mfc help TOPIC prints the documentation's part: a diagnostic's entry, a section.
func TestHelpTopics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		topic  string
		status int
		want   string
	}{
		{"E802", 0, "#### E802 — bad propensity value"},
		{"w602", 0, "#### W602 — non-smooth density rate"},
		{"measures", 0, "### 6.10 Measures"},
		{"diagnostics", 0, "E506  propensity is an invalid constant"},
		{"tutorial", 0, "# mfc in an hour"},
		{"nosuch", 2, ""},
	} {
		out, errOut, status := runCLI("help", tc.topic)
		if status != tc.status || !strings.Contains(out, tc.want) || (status != 0 && !strings.Contains(errOut, "topics: language")) {
			t.Errorf("mfc help %s: status %d, %.100q %q", tc.topic, status, out, errOut)
		}
	}
}
