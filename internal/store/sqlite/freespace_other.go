//go:build !linux && !darwin

package sqlite

// freeSpace cannot tell the free space here.
func freeSpace(dir string) (uint64, bool) { return 0, false }
