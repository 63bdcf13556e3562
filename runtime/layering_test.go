package runtime_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the direction of imports: lang → compiler → autodiff → runtime →
// cmd. The analyses (every package under runtime/ but the facade runtime/load) work on the
// compiled IR and never import the front end or the compiler (the facade runtime/load and its
// test helper loadtest do); lang/diag, a leaf package of positions and messages that the IR
// carries, is allowed everywhere.
func TestLayering(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/mfcproject/mfc/"
	// Each rule: packages at or below importer (but those in except) may not depend on a
	// package at or below any of deps, unless it is in allowed.
	rules := []struct {
		importer string
		except   []string
		deps     []string
	}{
		{"lang", nil, []string{mod + "compiler", mod + "autodiff", mod + "runtime", mod + "stdlib/models"}},
		{"compiler", nil, []string{mod + "autodiff", mod + "runtime", mod + "stdlib/models"}},
		{"autodiff", nil, []string{mod + "lang", mod + "compiler/series", mod + "runtime"}},
		{"runtime", []string{"runtime/load", "runtime/load/loadtest"}, []string{mod + "lang", mod + "compiler", "github.com/alecthomas/participle"}},
	}
	allowed := []string{mod + "lang/diag", mod + "compiler/ir", mod + "runtime/linalg"}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], mod)
		for _, rule := range rules {
			if !under(pkg, rule.importer) || contains(rule.except, pkg) {
				continue
			}
			checked++
			for _, d := range f[1:] {
				if !underAny(d, allowed) && underAny(d, rule.deps) {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked; go list printed:\n%s", checked, out)
	}
}

// under reports whether package path p is dir or below it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if under(p, d) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
