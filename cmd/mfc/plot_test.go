package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --plot draws the report of the run into a figure file of the format its name says; the
// flag exists exactly on the analyses with figures, and its mistakes are usage errors.
func TestPlotFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args   []string
		status int
		file   string // written on success
		stderr string // part of the message on failure
	}{
		{[]string{"ode", "@sir", "--t", "5", "--plot", filepath.Join(dir, "ode.png")}, 0, "ode.png", ""},
		{[]string{"refine", "@sir", "--transient", "3", "--order", "2", "--plot", filepath.Join(dir, "r.svg"), "--only", "I,infected"}, 0, "r.svg", ""},
		{[]string{"ssa", "@sir", "--runs", "10", "--t", "2", "--plot", filepath.Join(dir, "s.pdf")}, 0, "s.pdf", ""},
		{[]string{"validate", "@sir", "--N", "10,20", "--ssa-t", "0", "--plot", filepath.Join(dir, "v.png")}, 0, "v.png", ""},
		{[]string{"ode", "@sir", "--plot", filepath.Join(dir, "a.jpg")}, 2, "", "name it .png, .svg or .pdf"},
		{[]string{"ode", "@sir", "--only", "S"}, 0, "", ""},
		{[]string{"ode", "@sir", "--plot", filepath.Join(dir, "q.png"), "--only", "Q"}, 2, "", `no row "Q"; it has S, I, R`},
		{[]string{"ode", "@sir", "--format", "json", "--plot", filepath.Join(dir, "q.png"), "--only", "Q"}, 2, "", `no figure of "Q": the report has S, I, R`},
		{[]string{"fixpoint", "@sir", "--plot", filepath.Join(dir, "f.png")}, 2, "", "unknown flag --plot"},
	}
	for _, tc := range cases {
		_, errOut, status := runCLI(tc.args...)
		if status != tc.status || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("mfc %s: status %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), status, errOut, tc.status, tc.stderr)
			continue
		}
		if tc.file == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Errorf("mfc %s: %v", strings.Join(tc.args, " "), err)
			continue
		}
		switch filepath.Ext(tc.file) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", tc.file, err)
			}
		case ".svg":
			if !bytes.Contains(data, []byte("<svg")) || !bytes.Contains(data, []byte("infected: + C/N")) {
				t.Errorf("%s: not an SVG of the selected curves", tc.file)
			}
		case ".pdf":
			if !bytes.HasPrefix(data, []byte("%PDF")) {
				t.Errorf("%s: not a PDF", tc.file)
			}
		}
	}
	if _, _, status := runCLI("help", "ode"); status != 0 {
		t.Errorf("help ode: status %d", status)
	}
	if out, _, _ := runCLI("help", "ode"); !strings.Contains(out, "-plot") || !strings.Contains(out, "-only") {
		t.Errorf("help ode does not list --plot and --only:\n%s", out)
	}
}
