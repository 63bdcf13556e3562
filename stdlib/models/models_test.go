package models_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/stdlib/models"
)

// TestAnswers reproduces every known answer of the library through the analysis registry,
// each to the tolerance its entry states and justifies.
func TestAnswers(t *testing.T) {
	count := 0
	for _, name := range models.Names() {
		m, err := models.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for k, ans := range m.Answers {
			count++
			t.Run(fmt.Sprintf("%s/%d:%s", name, k, ans.Path), func(t *testing.T) {
				t.Parallel()
				over := compiler.Overrides{}
				for _, s := range ans.Sets {
					key, v, err := compiler.ParseOverride(s)
					if err != nil {
						t.Fatal(err)
					}
					over[key] = v
				}
				mod := loadtest.Model(t, "@"+name, compiler.Options{Overrides: over, Scale: ans.N})
				a := analysis.Lookup(ans.Analysis)
				if a == nil {
					t.Fatalf("no analysis %q", ans.Analysis)
				}
				s := a.NewSettings()
				for f, v := range ans.Flags {
					if err := analysis.SetFlag(s, f, v); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := a.Run(context.Background(), &analysis.Problem{Model: mod}, s)
				if err != nil {
					t.Fatal(err)
				}
				got, err := analysis.Quantity(rep, ans.Path)
				if err != nil {
					t.Fatal(err)
				}
				if !(math.Abs(got-ans.Value) <= ans.Tol) {
					t.Errorf("%s %s %v: %s = %.15g, want %.15g ± %g (%s; %s)", ans.Analysis, ans.Path, ans.Sets, ans.Path, got, ans.Value, ans.Tol, ans.Source, ans.Why)
				}
			})
		}
	}
	if count < 30 {
		t.Errorf("only %d known answers", count)
	}
}

// TestModels checks that every library model compiles without warnings, has a summary,
// and is the same text as its copy under examples/ or testdata/ref/ where there is one.
func TestModels(t *testing.T) {
	names := models.Names()
	if len(names) < 20 {
		t.Fatalf("%d models", len(names))
	}
	for _, name := range names {
		m, _ := models.Get(name)
		if m.Summary == "" {
			t.Errorf("@%s has no summary", name)
		}
		mod, diags := load.File("@"+name, compiler.Options{})
		if mod == nil || len(diags) > 0 {
			t.Errorf("@%s: %v", name, diags)
		}
		for _, dir := range []string{"examples", "testdata/ref"} {
			copyText, err := os.ReadFile(loadtest.Path(filepath.Join(dir, name+".mf")))
			if err != nil {
				continue
			}
			if !bytes.Equal(copyText, m.Source) {
				t.Errorf("@%s differs from %s/%s.mf: keep the two copies identical", name, dir, name)
			}
			break // examples/ first: testdata/ref/sir.mf is another variant (rmftool's x0)
		}
	}
	if _, err := models.Get("nosuch"); err == nil {
		t.Error("Get(nosuch) did not fail")
	}
}
