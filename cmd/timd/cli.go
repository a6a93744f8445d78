package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/timdhq/timd/internal/config"
)

// cli is what every command gets from main: its output and its environment.
type cli struct {
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
}

// notef writes a line about what the command does to stderr, where it stays apart from
// the command's output.
func (c *cli) notef(format string, args ...any) {
	fmt.Fprintf(c.stderr, "timd: "+format+"\n", args...)
}

// An action runs a command once its flags are parsed: cfg is the loaded configuration
// (zero for a command that takes none) and args the arguments after the flags.
type action func(ctx context.Context, c *cli, cfg config.Config, args []string) error

// A command is one of timd's subcommands.
type command struct {
	name     string
	synopsis string // what follows "timd NAME" in the usage line
	summary  string // one line, for the list of commands
	help     string // what it does and examples, for `timd help NAME`
	// config reports that the command takes the configuration flags and reads the
	// configuration as the server does: flags, environment, file, defaults.
	config bool
	// minArgs and maxArgs bound the arguments after the flags.
	minArgs, maxArgs int
	// setup registers the command's own flags on fs and returns what runs the command.
	setup func(fs *flag.FlagSet) action
}

// commands returns timd's commands, in the order `timd help` lists them.
func commands() []command {
	return []command{
		serveCommand(), migrateCommand(), usersigCommand(), callCommand(), healthCommand(),
		exportCommand(), importCommand(), versionCommand(), completionCommand(), helpCommand(),
	}
}

// lookup returns the command called name.
func lookup(name string) (command, bool) {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd, true
		}
	}
	return command{}, false
}

// commandNames returns the names of the commands.
func commandNames() []string {
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	return names
}

// A usageError is a command line timd cannot run: main prints it with a pointer to the
// command's help and exits 2.
type usageError struct {
	command string // "" for timd itself
	err     error
}

func (e *usageError) Error() string {
	if e.command == "" {
		return e.err.Error()
	}
	return e.command + ": " + e.err.Error()
}

func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usageError of command.
func usageErrorf(command, format string, args ...any) error {
	return &usageError{command: command, err: fmt.Errorf(format, args...)}
}

// exitCode returns the exit status for the error run returned: 0 for none, 2 for a
// command line that cannot run, 1 for any other failure.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// report prints err to stderr as main does before exiting.
func report(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, "timd:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		topic := ue.command
		if topic != "" {
			topic = " " + topic
		}
		fmt.Fprintf(stderr, "Run 'timd help%s' for usage.\n", topic)
	}
}

// run runs the command line args (without the program name): the command args[0] names,
// serve when args[0] is a flag or there is none.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	c := &cli{stdout: stdout, stderr: stderr, lookupEnv: lookupEnv}
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			return printMainHelp(stdout)
		case "-version", "--version":
			return printVersion(stdout)
		}
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := lookup(name)
	if !ok {
		return usageErrorf("", "unknown command %q; the commands are %s", name, strings.Join(commandNames(), ", "))
	}
	return c.runCommand(ctx, cmd, args)
}

// runCommand parses args for cmd and runs it; -h prints its help.
func (c *cli) runCommand(ctx context.Context, cmd command, args []string) error {
	fs := newFlagSet(cmd)
	act := cmd.setup(fs)
	var cfg config.Config
	var err error
	if cmd.config {
		cfg, err = config.Load(fs, args, c.lookupEnv)
	} else if err = fs.Parse(args); err != nil {
		err = &config.UsageError{Err: err}
	}
	var cerr *config.UsageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return printHelp(c.stdout, cmd)
	case errors.As(err, &cerr):
		return &usageError{command: cmd.name, err: cerr.Err}
	case err != nil:
		return err
	}
	if err := checkArgs(cmd, fs.Args()); err != nil {
		return err
	}
	return act(ctx, c, cfg, fs.Args())
}

// newFlagSet returns the flag set of cmd, silent: runCommand reports its errors.
func newFlagSet(cmd command) *flag.FlagSet {
	fs := flag.NewFlagSet("timd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// checkArgs checks the arguments left after the flags: the flag package stops at the
// first argument, so a flag after it would otherwise be silently taken as an argument.
func checkArgs(cmd command, args []string) error {
	for i, a := range args {
		if len(a) > 1 && a[0] == '-' {
			if i == 0 {
				return usageErrorf(cmd.name, "%s after \"--\": flags go before the arguments", a)
			}
			return usageErrorf(cmd.name, "flag %s after the argument %q: flags go before the arguments", a, args[i-1])
		}
	}
	switch {
	case len(args) > cmd.maxArgs && cmd.maxArgs == 0:
		return usageErrorf(cmd.name, "unexpected argument %q: %s takes no arguments", args[0], cmd.name)
	case len(args) > cmd.maxArgs:
		return usageErrorf(cmd.name, "unexpected argument %q: usage: timd %s %s", args[cmd.maxArgs], cmd.name, cmd.synopsis)
	case len(args) < cmd.minArgs:
		return usageErrorf(cmd.name, "missing argument: usage: timd %s %s", cmd.name, cmd.synopsis)
	}
	return nil
}

// printMainHelp prints timd's own help: what it is and its commands.
func printMainHelp(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`timd serves Tencent Cloud Chat's group and account REST API.

Usage:
  timd [COMMAND] [flags] [arguments]

Commands:
`)
	for _, cmd := range commands() {
		fmt.Fprintf(&b, "  %-11s %s\n", cmd.name, cmd.summary)
	}
	b.WriteString(`
With no command, timd serves: 'timd -listen :9000' is 'timd serve -listen :9000'.
Flags go before the arguments. Run 'timd help COMMAND' for a command's flags and examples.

Every command but version, completion and help reads the configuration as the server
does, from flags, then TIMD_* environment variables, then the config file (-config or
TIMD_CONFIG), then the defaults; 'timd help serve' lists the configuration flags.

Exit status: 0 on success, 1 on failure (for call, also when the answer is FAIL; for
health, when the server is not ready), 2 for a command line that cannot run.
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// printHelp prints the help of cmd: usage, description, examples and flags. serve lists
// the configuration flags in full; the other commands that take them name them.
func printHelp(w io.Writer, cmd command) error {
	fs := newFlagSet(cmd)
	cmd.setup(fs)
	if cmd.config {
		// Load registers the configuration flags; -h stops it before it reads anything.
		_, _ = config.Load(fs, []string{"-h"}, nil)
	}
	configFlags := config.FlagNames()
	own := flag.NewFlagSet("", flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if cmd.name == "serve" || !slices.Contains(configFlags, f.Name) {
			own.Var(f.Value, f.Name, f.Usage)
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: timd %s %s\n\n%s", cmd.name, cmd.synopsis, strings.TrimLeft(cmd.help, "\n"))
	if hasFlags(own) {
		b.WriteString("\nFlags:\n")
		own.SetOutput(&b)
		own.PrintDefaults()
	}
	if cmd.config && cmd.name != "serve" {
		fmt.Fprintf(&b, "\nIt also takes the server's configuration flags, and reads TIMD_* variables and the\n"+
			"config file as the server does ('timd help serve' says what each means):\n%s\n", wrapFlags(configFlags, 80))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// hasFlags reports whether fs defines any flag.
func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// wrapFlags lists flag names as -name, indented, in lines of at most width columns.
func wrapFlags(names []string, width int) string {
	var lines []string
	line := " "
	for _, n := range names {
		if len(line)+len(n)+2 > width {
			lines = append(lines, line)
			line = " "
		}
		line += " -" + n
	}
	return strings.Join(append(lines, line), "\n")
}

// helpCommand is `timd help [COMMAND]`.
func helpCommand() command {
	return command{
		name: "help", synopsis: "[COMMAND]", summary: "print help about timd or one of its commands",
		maxArgs: 1,
		help: `
Print what a command does, its flags and examples; with no command, list the commands.

Examples:
  timd help
  timd help call
`,
		setup: func(*flag.FlagSet) action {
			return func(_ context.Context, c *cli, _ config.Config, args []string) error {
				if len(args) == 0 {
					return printMainHelp(c.stdout)
				}
				cmd, ok := lookup(args[0])
				if !ok {
					return usageErrorf("help", "unknown command %q; the commands are %s", args[0], strings.Join(commandNames(), ", "))
				}
				return printHelp(c.stdout, cmd)
			}
		},
	}
}
