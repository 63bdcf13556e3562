package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// runFmt implements 'mfc fmt [-w] [-l] FILE...'.
func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", "[-w] [-l] [--max-input BYTES] FILE...", stderr)
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
		src, d := lang.ReadSource(path, *maxInput)
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
				fmt.Fprintln(stdout, path)
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

// writeFileAtomic replaces path with data so that readers see the old or the new file,
// never a half-written one: it writes a temporary file in the same directory, syncs it and
// renames it over path, keeping path's permissions.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(name, mode); err != nil {
		return err
	}
	return os.Rename(name, path)
}
