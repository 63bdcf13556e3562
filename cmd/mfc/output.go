package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/mfcproject/mfc/lang/diag"
)

// writeFileAtomic replaces the file at path with data so that readers see the old or the
// new file, never a half-written one: it writes a temporary file in the directory of the
// destination, syncs it and renames it over the destination. A symbolic link is followed:
// the file it points to is replaced and the link stays. The file keeps its permissions. The
// temporary file is removed on every failure, and by removeTemps on a forced exit. The
// error names no file: the caller names the destination (the temporary name means nothing
// to the user).
func writeFileAtomic(path string, data []byte) error {
	dest, err := resolveLinks(path)
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(dest); err == nil {
		switch {
		case st.IsDir():
			return errors.New("is a directory")
		case !st.Mode().IsRegular():
			// A device or a pipe (/dev/null, /dev/stdout) is written to, never replaced.
			return writeDevice(dest, data)
		}
		mode = st.Mode().Perm()
	}
	tmp, err := createTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("the directory " + displayName(filepath.Dir(dest)) + " does not exist")
		}
		return cause(err)
	}
	name := tmp.Name()
	defer dropTemp(name) // removes the file unless the rename took it
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return cause(err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return cause(err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return cause(err)
	}
	if err := tmp.Close(); err != nil {
		return cause(err)
	}
	return cause(os.Rename(name, dest))
}

// writeDevice writes data to the device or pipe at path.
func writeDevice(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return cause(err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return cause(err)
	}
	return cause(f.Close())
}

// resolveLinks follows the symbolic links of path (the last element; a dangling link gives
// the path it points to, which the write then creates).
func resolveLinks(path string) (string, error) {
	for i := 0; i < 40; i++ {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", cause(err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", errors.New("too many levels of symbolic links")
}

// cause strips the file names from an error of package os (the temporary file's, above
// all), keeping the reason.
func cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// temps holds the temporary files of atomic writes in progress.
var temps = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

// createTemp is os.CreateTemp, with the file recorded for removeTemps.
func createTemp(dir, pattern string) (*os.File, error) {
	temps.Lock()
	defer temps.Unlock()
	f, err := os.CreateTemp(dir, pattern)
	if err == nil {
		temps.names[f.Name()] = true
	}
	return f, err
}

// dropTemp removes a temporary file (if a rename has not taken it) and forgets it.
func dropTemp(name string) {
	temps.Lock()
	defer temps.Unlock()
	os.Remove(name)
	delete(temps.names, name)
}

// removeTemps removes the temporary files of the writes in progress, before a forced exit.
func removeTemps() {
	temps.Lock()
	defer temps.Unlock()
	for name := range temps.names {
		os.Remove(name)
		delete(temps.names, name)
	}
}

// displayName is a file name as mfc prints it in its own messages, the way diagnostics
// print it (diag.QuoteName): as is when every character is printable, else quoted with Go
// escapes, so that a newline or an escape sequence in a name never reaches the terminal raw.
func displayName(name string) string { return diag.QuoteName(name) }

// checkedWriter records the first error of the writes to w; later writes are not tried.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}
