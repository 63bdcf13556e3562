package lang

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFastParserMatchesParticiple checks that the fast parser and the participle grammar
// agree, tree for tree, on every example, every diagnostic case and the benchmark model.
func TestFastParserMatchesParticiple(t *testing.T) {
	srcs := map[string][]byte{"bench": bnModel(300)}
	for _, dir := range []string{filepath.Join("..", "examples"), ptSpecExamplesDir, filepath.Join("testdata", "errors")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.mf"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srcs[f] = src
		}
	}
	for _, c := range ptDiagCases {
		srcs[c.src] = []byte(c.src)
	}
	for name, src := range srcs {
		if err := CheckTwin(name, src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
