// Package models is mfc's library of standard models: epidemics (SIR, SIRS, SIS), load
// balancing (JSQ(d)), caches, bike sharing, CSMA networks, queues (M/M/1/K, M/M/∞, tandem),
// reaction networks (Schlögl, toggle switch, dimerisation) and the slowly varying and
// two-timescale examples of the papers mfc implements. Each model is an embedded .mf file,
// named on the command line as @name (mfc run @sir --set beta=3), with the answers that are
// known for it independently of mfc — closed forms, peer tools, the papers' reproduced values
// — and where each comes from. The tests of this package reproduce every answer through the
// analysis registry; other tests load their models from here (runtime/load/loadtest).
package models

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.mf
var files embed.FS

// Model is one library model.
type Model struct {
	// Name is the file name without .mf; Summary its first comment line.
	Name, Summary string
	// Source is the model text.
	Source []byte
	// Answers are the known answers of the model.
	Answers []Answer
}

// Answer is a value known for a model independently of mfc, and how to reproduce it with an
// analysis of the registry (runtime/analysis).
type Answer struct {
	// Analysis is the registered analysis that computes the value, Flags its settings by
	// flag name (as on the command line), Sets parameter overrides (name=value) and N the
	// scale (0: the model's own).
	Analysis string
	Flags    map[string]string
	Sets     []string
	N        float64
	// Path is the quantity in the analysis's JSON report (see analysis.Quantity).
	Path string
	// Value is the known answer and Tol the absolute tolerance of its reproduction.
	Value, Tol float64
	// Source says where Value comes from, and Why justifies Tol.
	Source, Why string
}

// Get returns the model called name (with or without a leading @).
func Get(name string) (*Model, error) {
	name = strings.TrimPrefix(name, "@")
	src, err := files.ReadFile(name + ".mf")
	if err != nil {
		return nil, fmt.Errorf("no model @%s in the library (mfc models lists them)", name)
	}
	return &Model{Name: name, Summary: summary(src), Source: src, Answers: answers[name]}, nil
}

// Names returns the names of the library's models, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".mf"))
	}
	sort.Strings(out)
	return out
}

// summary returns the headline of the first sentence of the first comment block of src.
func summary(src []byte) string {
	var words []string
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			break
		}
		words = append(words, strings.Fields(strings.TrimPrefix(line, "#"))...)
	}
	text := strings.Join(words, " ")
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	// The headline only: before a colon, a parenthesis or, in a long line, a comma.
	for _, sep := range []string{": ", " (", ", "} {
		if i := strings.Index(text, sep); i > 20 && (sep != ", " || len(text) > 80) {
			text = text[:i]
		}
	}
	return strings.TrimSuffix(text, ".")
}
