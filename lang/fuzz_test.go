package lang

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mfcproject/mfc/lang/diag"
)

var fzCode = regexp.MustCompile(`^E10[1-6]$`)

// fzAssumeSeeds are seeds for assume and drift (docs/language.md §5.7, §6.11).
var fzAssumeSeeds = []string{
	"species X as x\nassume moment: stationary(x^2) <= 4 * k\nregion r = x^2 < 9\n",
	"assume stationary(drift(x) + w) <= c assume m2: stationary(w)<=1e9\n",
	"observable Qv = drift(x1 + 2 * x2)\nregion F = drift(v) > -1\nlet q = drift(drift(x))\n",
	"assume m stationary(w) <= 1\n",
	"assume m: stationary(w) <\n",
	"species assume\nassume: 0 -> X @ 1\n",
}

// FuzzParse checks that Parse never panics or hangs, that every diagnostic is a well-formed
// front-end diagnostic positioned inside the source, and that parsing is deterministic.
// Seeds: every example model and spec example, the bad inputs of the diagnostics tests and
// the files of testdata/errors.
func FuzzParse(f *testing.F) {
	var files []string
	for _, dir := range []string{filepath.Join("..", "examples"), ptSpecExamplesDir, filepath.Join("testdata", "errors")} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.mf"))
		files = append(files, m...)
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, c := range ptDiagCases {
		f.Add([]byte(c.src))
	}
	for _, src := range fzAssumeSeeds {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 64<<10 {
			t.Skip("inputs above 64 KiB test the parser's speed, not its logic")
		}
		type result struct {
			file *File
			ds   diag.List
		}
		parse := func() result {
			done := make(chan result, 1)
			go func() {
				file, ds := Parse("fuzz.mf", src)
				done <- result{file, ds}
			}()
			select {
			case r := <-done:
				return r
			case <-time.After(10 * time.Second):
				t.Fatalf("Parse did not return within 10s on %q", src)
				return result{}
			}
		}
		if err := CheckTwin("fuzz.mf", src); err != nil {
			t.Fatalf("%v\ninput: %q", err, src)
		}
		r := parse()
		if r.file == nil {
			t.Fatal("Parse returned a nil File")
		}
		lines := strings.Split(string(src), "\n")
		for _, d := range r.ds {
			p := d.Pos
			switch {
			case d == nil:
				t.Fatal("nil diagnostic")
			case !fzCode.MatchString(d.Code):
				t.Errorf("code %q is not a front-end code: %s", d.Code, d.Error())
			case d.Msg == "" || d.Hint == "":
				t.Errorf("empty message or hint: %s", d.Error())
			case d.Severity != diag.Error:
				t.Errorf("front-end diagnostic is not an error: %s", d.Error())
			case p.File != "fuzz.mf":
				t.Errorf("file %q: %s", p.File, d.Error())
			case p.Line < 1 || p.Col < 1 || p.Line > len(lines):
				t.Errorf("position %d:%d outside the source (%d lines): %s", p.Line, p.Col, len(lines), d.Error())
			case p.Col > utf8.RuneCountInString(lines[p.Line-1])+1:
				t.Errorf("column %d beyond the end of line %d (%q): %s", p.Col, p.Line, lines[p.Line-1], d.Error())
			case p.Offset < 0 || p.Offset > len(src):
				t.Errorf("offset %d outside the source (%d bytes): %s", p.Offset, len(src), d.Error())
			}
		}
		for i := 1; i < len(r.ds); i++ {
			if r.ds[i].Pos.Before(r.ds[i-1].Pos) {
				t.Errorf("diagnostics not sorted:\n%s", r.ds.Error())
				break
			}
		}
		// Determinism: a second parse gives identical diagnostics (and, for a clean file,
		// the same number of statements).
		again := parse()
		if !reflect.DeepEqual(r.ds, again.ds) {
			t.Errorf("second parse differs:\n%s\n----\n%s", r.ds.Error(), again.ds.Error())
		}
		if !r.ds.HasErrors() && len(r.file.Stmts) != len(again.file.Stmts) {
			t.Errorf("second parse has %d statements, first %d", len(again.file.Stmts), len(r.file.Stmts))
		}
	})
}
