package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/stdlib/models"
)

// runModels implements 'mfc models [@name]': the library of standard models (package
// stdlib/models), or the text of one of them.
func runModels(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("models", "[@name] [--format text|json]", stderr)
	format := fs.String("format", "text", "output format: text or json")
	names, err := parseInterleaved(fs, args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "mfc models: unknown format %q\n", *format)
		return 2
	}
	if len(names) > 1 {
		fs.Usage()
		return 2
	}
	if len(names) == 1 {
		m, err := models.Get(names[0])
		if err != nil {
			fmt.Fprintf(stderr, "mfc models: %v\n", err)
			return 1
		}
		if *format == "json" {
			return writeJSON(stdout, stderr, m)
		}
		return emit(stdout, stderr, "", m.Source)
	}
	var list []*models.Model
	for _, n := range models.Names() {
		m, _ := models.Get(n)
		list = append(list, m)
	}
	if *format == "json" {
		return writeJSON(stdout, stderr, list)
	}
	var b strings.Builder
	b.WriteString("the model library (mfc run @name; mfc models @name prints the model):\n\n")
	for _, m := range list {
		fmt.Fprintf(&b, "  @%-15s %s", m.Name, m.Summary)
		if len(m.Answers) > 0 {
			fmt.Fprintf(&b, " [%d known answers]", len(m.Answers))
		}
		b.WriteString("\n")
	}
	return emit(stdout, stderr, "", []byte(b.String()))
}

func writeJSON(stdout, stderr io.Writer, v any) int {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "mfc models: %v\n", err)
		return 1
	}
	return emit(stdout, stderr, "", append(data, '\n'))
}
