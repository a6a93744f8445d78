// Package migration reads a store's embedded, numbered schema migrations: files named
// NNNN_description.sql, applied in the order of their numbers, each exactly once. How a
// store applies them (its transaction, its lock, its bookkeeping table) is its own.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// File is one numbered schema change.
type File struct {
	Version int    // the number the file name starts with, from 1
	Name    string // the file name, e.g. "0001_init.sql"
	SQL     string
}

// Load returns the *.sql files of dir in fsys in version order. A file whose name does
// not start with a positive number, or two files with the same number, is an error.
func Load(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var files []File
	for _, name := range names {
		f, err := read(fsys, name)
		if err != nil {
			return nil, err
		}
		if len(files) > 0 && files[len(files)-1].Version >= f.Version {
			return nil, fmt.Errorf("migration %s: out of order or a repeated number", f.Name)
		}
		files = append(files, f)
	}
	return files, nil
}

// read reads one migration file.
func read(fsys fs.FS, name string) (File, error) {
	base := path.Base(name)
	num, _, _ := strings.Cut(base, "_")
	version, err := strconv.Atoi(num)
	if err != nil || version < 1 {
		return File{}, fmt.Errorf("migration %s: the name does not start with a version number", base)
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return File{}, err
	}
	return File{Version: version, Name: base, SQL: string(b)}, nil
}
