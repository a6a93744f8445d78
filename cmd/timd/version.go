package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/timdhq/timd/internal/config"
)

// version overrides the version read from the build information when set at link time
// (-ldflags "-X main.version=v1.2.3"), for builds without the repository's history, such
// as an image built from a context without .git. Normally it is empty.
var version string

// versionCommand is `timd version`.
func versionCommand() command {
	return command{
		name: "version", synopsis: "", summary: "print timd's version, also as timd -version or --version",
		help: `
Print timd's version, taken from the build: the module version that go install gives, or
the pseudo-version and commit that go build stamps in a git checkout (-buildvcs, on by
default), with "+dirty" when the checkout had changes. A build without that information
(go build -buildvcs=false, or a copy of the sources without .git) says "devel".

Examples:
  timd version
  timd --version
`,
		setup: func(*flag.FlagSet) action {
			return func(_ context.Context, c *cli, _ config.Config, _ []string) error {
				return printVersion(c.stdout)
			}
		},
	}
}

// printVersion prints the version line of this binary.
func printVersion(w io.Writer) error {
	info, _ := debug.ReadBuildInfo()
	_, err := fmt.Fprintln(w, "timd", versionString(info, version))
	return err
}

// versionString describes the build from its information (nil when there is none) and
// the version set at link time: a version, then the Go release and platform.
func versionString(info *debug.BuildInfo, linked string) string {
	platform := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	if info != nil {
		platform = info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	}
	switch v := moduleVersion(info); {
	case linked != "":
		return linked + " " + platform
	case v != "":
		return v + " " + platform
	}
	rev, modified := vcsRevision(info)
	if rev == "" {
		return "devel " + platform + " (no version stamp: built with -buildvcs=false or without the git history)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "+dirty"
	}
	return "devel " + rev + " " + platform
}

// moduleVersion returns the main module's version, "" when the build has none.
func moduleVersion(info *debug.BuildInfo) string {
	if info == nil || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

// vcsRevision returns the commit the build was made from and whether the checkout had
// changes; "" when the build was not stamped.
func vcsRevision(info *debug.BuildInfo) (rev string, modified bool) {
	if info == nil {
		return "", false
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return rev, modified
}
