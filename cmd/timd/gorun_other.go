//go:build !linux

package main

// stopWithGoRun does nothing outside Linux: stopping `go run` there may leave timd
// running; stop timd itself.
func stopWithGoRun() {}

// goRunCommand reports false outside Linux: timd cannot tell the go tool ran it.
func goRunCommand() (string, bool) { return "", false }
