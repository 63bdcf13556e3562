// Package docs holds mfc's user documentation — the language reference with its catalogue
// of diagnostics (language.md) and the tutorial (tutorial.md) — and serves its parts as the
// topics of 'mfc help TOPIC', so that the terminal and the files say the same thing.
package docs

import (
	_ "embed"
	"regexp"
	"slices"
	"strings"
)

//go:embed language.md
var language string

//go:embed tutorial.md
var tutorial string

// Language is the language reference (docs/language.md).
func Language() string { return language }

// Tutorial is the tutorial (docs/tutorial.md).
func Tutorial() string { return tutorial }

// sections are the topics that are one section of the reference, by the start of its
// heading.
var sections = map[string]string{
	"grammar":      "### 3.1 EBNF",
	"parameters":   "### 5.1 Parameters and overrides",
	"species":      "### 5.3 Species",
	"environment":  "### 5.4 Environment",
	"transitions":  "### 6.1 Transition forms",
	"propensities": "### 6.4 Propensities",
	"scaling":      "### 6.8 The density-dependent form",
	"init":         "### 6.9 Initial state",
	"measures":     "### 6.10 Measures",
	"functions":    "### 6.11 Built-in functions",
	"limits":       "### 7.3 Size limits",
}

var codeHeading = regexp.MustCompile(`(?m)^#### ([EW]\d{3}) — (.*)$`)

// Codes returns the diagnostic codes of the catalogue, in its order.
func Codes() []string {
	var out []string
	for _, m := range codeHeading.FindAllStringSubmatch(language, -1) {
		out = append(out, m[1])
	}
	return out
}

// Topics lists the topics of Topic, codes aside.
func Topics() []string {
	t := []string{"language", "tutorial", "diagnostics"}
	var s []string
	for k := range sections {
		s = append(s, k)
	}
	slices.Sort(s)
	return append(t, s...)
}

// Topic returns the text of a help topic: "language" (the whole reference), "tutorial",
// "diagnostics" (the catalogue's codes with their titles), a section of the reference
// (Topics), or a diagnostic code such as E802 (its catalogue entry). ok is false for an
// unknown topic.
func Topic(name string) (text string, ok bool) {
	switch strings.ToLower(name) {
	case "language":
		return language, true
	case "tutorial":
		return tutorial, true
	case "diagnostics", "codes", "errors":
		var b strings.Builder
		b.WriteString("Diagnostics (mfc help CODE for one of them; docs/language.md §8):\n\n")
		for _, m := range codeHeading.FindAllStringSubmatch(language, -1) {
			b.WriteString("  " + m[1] + "  " + m[2] + "\n")
		}
		return b.String(), true
	}
	if h, ok := sections[strings.ToLower(name)]; ok {
		return section(h, "### "), true
	}
	code := strings.ToUpper(name)
	if codeHeading.MatchString("#### " + code + " — x") {
		if s := section("#### "+code+" — ", "#### "); s != "" {
			return s, true
		}
	}
	return "", false
}

// section returns the text from the line starting with heading up to the next heading of
// the same level (a line starting with level) or of a higher one.
func section(heading, level string) string {
	start := strings.Index(language, "\n"+heading)
	if start < 0 {
		return ""
	}
	rest := language[start+1:]
	end := len(rest)
	for _, stop := range []string{"\n" + level, "\n## ", "\n---"} {
		if i := strings.Index(rest[1:], stop); i >= 0 && i+1 < end {
			end = i + 1
		}
	}
	if level == "#### " {
		if i := strings.Index(rest[1:], "\n### "); i >= 0 && i+1 < end {
			end = i + 1
		}
	}
	return strings.TrimRight(rest[:end], "\n") + "\n"
}
