package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// stdin is what 'mfc fmt -' reads (a variable for tests).
var stdin io.Reader = os.Stdin

// stdinName names standard input in diagnostics.
const stdinName = "<stdin>"

// readStdin reads standard input up to max bytes, as lang.ReadSource reads a file.
func readStdin(max int64) ([]byte, *diag.Diagnostic) {
	at := diag.Pos{File: stdinName}
	src, err := io.ReadAll(io.LimitReader(stdin, max+1))
	if err != nil {
		return nil, diag.Errorf(at, "E100", "check the input", "cannot read standard input: %v", err)
	}
	if int64(len(src)) > max {
		return nil, diag.Errorf(at, "E100", "raise the limit with --max-input", "standard input is larger than the limit of %d bytes", max)
	}
	return src, nil
}

// runFmt implements 'mfc fmt [-w] [-l] FILE...'; the FILE - is standard input, formatted
// to standard output.
func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", "[-w] [-l] [--max-input BYTES] FILE... (- reads standard input)", stderr)
	write := fs.Bool("w", false, "write the result to the source file instead of standard output")
	list := fs.Bool("l", false, "list files whose layout differs from the canonical one")
	maxInput := maxInputFlag(fs)
	files, err := parseInterleaved(fs, args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	if *maxInput <= 0 {
		fmt.Fprintf(stderr, "mfc fmt: --max-input %d: the limit must be a positive number of bytes\n", *maxInput)
		return 2
	}
	status := 0
	for _, path := range files {
		if path == "-" && *write {
			fmt.Fprintln(stderr, "mfc fmt: -w cannot rewrite standard input: drop -w, or name the file")
			return 2
		}
		var src []byte
		var d *diag.Diagnostic
		if path == "-" {
			src, d = readStdin(*maxInput)
			path = stdinName
		} else {
			src, d = lang.ReadSource(path, *maxInput)
		}
		if d != nil {
			fmt.Fprintln(stderr, d.Error())
			status = 1
			continue
		}
		out, diags := lang.FormatSource(path, src)
		if diags.HasErrors() {
			for _, d := range diags {
				fmt.Fprintln(stderr, d.Error())
			}
			status = 1
			continue
		}
		changed := !bytes.Equal(src, out)
		switch {
		case *list:
			if changed {
				fmt.Fprintln(stdout, displayName(path))
			}
		case *write:
			if changed {
				if err := writeFileAtomic(path, out); err != nil {
					fmt.Fprintf(stderr, "%s: %v\n", diag.QuoteName(path), err)
					status = 1
				}
			}
		default:
			stdout.Write(out)
		}
	}
	return status
}
