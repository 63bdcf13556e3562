package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/stdlib"
)

// The language reference docs/language.md is checked against the code in three ways:
//
//   - every diagnostic code that the Go sources emit has an entry "#### CODE ..." in its
//     catalogue (§8.2), and every entry names a code that the sources emit;
//   - every section that a Go comment cites ("docs/language.md §6.8", or "docs/language.md §6.8" in the
//     old form) has a
//     heading with that number;
//   - every fenced code block of the reference compiles as it claims to. The fence's info
//     string says what the block is:
//
//     ```mf                      a complete model: 'mfc check' accepts it without any diagnostic
//     ```mf-error CODE [ARGS]    a complete model on which 'mfc ARGS FILE' (default: check)
//     reports CODE, and no error with another code
//     ```mf-fragment             part of a model, not checked
//
//     Blocks with any other info string (text, ebnf, sh, none) are not models.

const docsPath = "../../docs/language.md"

// codeInSource matches a catalogue code at the start of a Go string literal: "E201" as an
// argument of diag.Errorf, or "E805: ..." in an error message.
var codeInSource = regexp.MustCompile(`"([EW][0-9]{3})\b`)

// emittedCodes returns the codes found in the non-test Go sources of the repository, each
// with one file where it occurs.
func emittedCodes(t *testing.T, root string) map[string]string {
	t.Helper()
	codes := map[string]string{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		name := info.Name()
		if info.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range codeInSource.FindAllStringSubmatch(string(src), -1) {
			if _, ok := codes[m[1]]; !ok {
				rel, _ := filepath.Rel(root, path)
				codes[m[1]] = filepath.ToSlash(rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

var (
	// sectionCite matches a citation of the reference in a Go comment, in its old form
	// ("spec" followed by the section) or its new one ("docs/language.md §6.8").
	sectionCite = regexp.MustCompile(`(?:spec|docs/language\.md) §([0-9]+(?:\.[0-9]+)*)`)
	// sectionHeading matches "## 6. Title" and "### 6.8 Title".
	sectionHeading = regexp.MustCompile(`^#{2,3} ([0-9]+(?:\.[0-9]+)*)\.? `)
)

// citedSections returns the section numbers cited in the Go sources (tests included), each
// with one file that cites it.
func citedSections(t *testing.T, root string) map[string]string {
	t.Helper()
	cited := map[string]string{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			if path != root && strings.HasPrefix(info.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range sectionCite.FindAllStringSubmatch(string(src), -1) {
			if _, ok := cited[m[1]]; !ok {
				rel, _ := filepath.Rel(root, path)
				cited[m[1]] = filepath.ToSlash(rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cited
}

// docBlock is a fenced code block of the reference.
type docBlock struct {
	line int    // line of the opening fence
	info string // info string after ```
	body string
}

// readDoc returns the lines of the reference and its fenced blocks.
func readDoc(t *testing.T) ([]string, []docBlock) {
	t.Helper()
	f, err := os.Open(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var blocks []docBlock
	for i := 0; i < len(lines); i++ {
		ln := lines[i]
		if !strings.HasPrefix(ln, "```") {
			continue
		}
		b := docBlock{line: i + 1, info: strings.TrimSpace(strings.TrimPrefix(ln, "```"))}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: unclosed code block", docsPath, b.line)
		}
		b.body = strings.Join(body, "\n") + "\n"
		blocks = append(blocks, b)
	}
	return lines, blocks
}

var (
	catalogueEntry = regexp.MustCompile(`^#### ([EW][0-9]{3})\b`)
	reportedCode   = regexp.MustCompile(`(error|warning)\[([EW][0-9]{3})\]`)
)

// catalogue returns the codes that have an entry in §8.2, with the line of each entry.
func catalogue(t *testing.T, lines []string) map[string]int {
	t.Helper()
	start := -1
	for i, ln := range lines {
		if strings.HasPrefix(ln, "### 8.2") {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s has no section 8.2", docsPath)
	}
	codes := map[string]int{}
	for i := start + 1; i < len(lines) && !strings.HasPrefix(lines[i], "## ") && !strings.HasPrefix(lines[i], "### "); i++ {
		if m := catalogueEntry.FindStringSubmatch(lines[i]); m != nil {
			if prev, dup := codes[m[1]]; dup {
				t.Errorf("%s:%d: %s is catalogued twice (first at line %d)", docsPath, i+1, m[1], prev)
			}
			codes[m[1]] = i + 1
		}
	}
	return codes
}

// TestDocsCatalogue checks docs/language.md against the code: its diagnostic catalogue
// against the codes the sources emit, and its examples against the compiler.
func TestDocsCatalogue(t *testing.T) {
	lines, blocks := readDoc(t)

	t.Run("codes", func(t *testing.T) {
		emitted := emittedCodes(t, filepath.Join("..", ".."))
		if len(emitted) < 50 {
			t.Fatalf("found only %d codes in the sources: is the walk rooted at the repository?", len(emitted))
		}
		documented := catalogue(t, lines)
		var missing []string
		for code, file := range emitted {
			if _, ok := documented[code]; !ok {
				missing = append(missing, fmt.Sprintf("%s (emitted in %s)", code, file))
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s has no entry '#### CODE' in section 8.2 of %s", m, docsPath)
		}
		for code, line := range documented {
			if _, ok := emitted[code]; !ok {
				t.Errorf("%s:%d: %s is catalogued but no Go source emits it", docsPath, line, code)
			}
		}
	})

	t.Run("sections", func(t *testing.T) {
		cited := citedSections(t, filepath.Join("..", ".."))
		if len(cited) == 0 {
			t.Fatal("no section citations found in the sources")
		}
		headings := map[string]bool{}
		for _, ln := range lines {
			if m := sectionHeading.FindStringSubmatch(ln); m != nil {
				headings[m[1]] = true
			}
		}
		for sec, file := range cited {
			if !headings[sec] {
				t.Errorf("§%s is cited in %s but %s has no heading with that number", sec, file, docsPath)
			}
		}
	})

	t.Run("examples", func(t *testing.T) {
		dir := t.TempDir()
		models, errors := 0, 0
		for _, b := range blocks {
			fields := strings.Fields(b.info)
			if len(fields) == 0 {
				continue
			}
			kind := fields[0]
			if kind != "mf" && kind != "mf-error" {
				if strings.HasPrefix(kind, "mf") && kind != "mf-fragment" {
					t.Errorf("%s:%d: unknown info string %q (want mf, mf-error CODE or mf-fragment)", docsPath, b.line, b.info)
				}
				continue
			}
			name := fmt.Sprintf("line%d", b.line)
			path := filepath.Join(dir, name+".mf")
			if err := os.WriteFile(path, []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run(name, func(t *testing.T) {
				if kind == "mf" {
					models++
					if len(fields) != 1 {
						t.Fatalf("%s:%d: a complete model's fence is just ```mf", docsPath, b.line)
					}
					out, errOut, status := runCLI("check", path)
					if status != 0 || errOut != "" || !strings.Contains(out, ": ok: ") {
						t.Errorf("%s:%d: 'mfc check' status %d, want 0 without diagnostics:\n%s%s", docsPath, b.line, status, errOut, b.body)
					}
					return
				}
				errors++
				if len(fields) < 2 || !regexp.MustCompile(`^[EW][0-9]{3}$`).MatchString(fields[1]) {
					t.Fatalf("%s:%d: write ```mf-error CODE [command flags...]", docsPath, b.line)
				}
				code := fields[1]
				args := []string{"check"}
				if len(fields) > 2 {
					args = fields[2:]
				}
				args = append(args, path)
				out, errOut, status := runCLI(args...)
				got := reportedCode.FindAllStringSubmatch(out+errOut, -1)
				found := false
				for _, m := range got {
					if m[2] == code {
						found = true
					} else if m[1] == "error" {
						t.Errorf("%s:%d: 'mfc %s' also reports error %s:\n%s", docsPath, b.line, strings.Join(args[:len(args)-1], " "), m[2], errOut)
					}
				}
				if !found {
					t.Errorf("%s:%d: 'mfc %s' (status %d) does not report %s:\n%s%s", docsPath, b.line, strings.Join(args[:len(args)-1], " "), status, code, out, errOut)
				}
				if code[0] == 'E' && status == 0 && strings.Contains(errOut, "error["+code+"]") {
					t.Errorf("%s:%d: error %s reported with exit status 0", docsPath, b.line, code)
				}
			})
		}
		if models == 0 || errors == 0 {
			t.Errorf("%s has %d complete models and %d error examples; want some of each", docsPath, models, errors)
		}
	})
}

// TestDocsBuiltins: every function of the built-in table (package stdlib) is documented in
// §6.11 of the language reference, under its own name.
func TestDocsBuiltins(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "docs", "language.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	start := strings.Index(doc, "### 6.11 ")
	end := strings.Index(doc, "## 7. ")
	if start < 0 || end < start {
		t.Fatal("docs/language.md has no §6.11 before §7")
	}
	section := doc[start:end]
	for _, f := range stdlib.All() {
		if name := f.String(); !strings.Contains(section, "`"+name+"(") && !strings.Contains(section, "`"+name+"`") {
			t.Errorf("built-in %s is not documented in §6.11", name)
		}
	}
}
