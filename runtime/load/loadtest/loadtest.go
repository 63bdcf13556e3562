// Package loadtest is the one helper through which tests load models: library models by
// name (@sir, package stdlib/models), files under the repository's testdata/, and model
// text written in the test.
package loadtest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	mfcruntime "github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load"
)

// Model compiles the library model @name (name with or without the @), or the file
// testdata/... of the repository (a path starting with "testdata/"), and fails the test on
// any compile error.
func Model(tb testing.TB, name string, opts compiler.Options) *mfcruntime.Model {
	tb.Helper()
	path := name
	if filepath.Dir(name) != "." || filepath.Ext(name) == ".mf" {
		path = Path(name)
	} else if name[0] != '@' {
		path = "@" + name
	}
	m, diags := load.File(path, opts)
	if m == nil {
		tb.Fatalf("load %s: %v", name, diags)
	}
	return m
}

// Source compiles model text, failing the test on any compile error.
func Source(tb testing.TB, src string, opts compiler.Options) *mfcruntime.Model {
	tb.Helper()
	m, diags := load.Source("test.mf", []byte(src), opts)
	if m == nil {
		tb.Fatalf("compile: %v", diags)
	}
	return m
}

// Path returns the absolute path of a file given relative to the repository's root (such as
// "testdata/ref/rmftool_sir.json").
func Path(rel string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "..", rel)
}
