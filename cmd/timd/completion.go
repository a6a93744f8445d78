package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/timdhq/timd/internal/config"
)

// completionCommand is `timd completion bash|zsh`.
func completionCommand() command {
	return command{
		name: "completion", synopsis: "bash|zsh", summary: "print a shell completion script for bash or zsh",
		minArgs: 1, maxArgs: 1,
		help: `
Print a script that completes timd's commands and flags (and file names where a flag or
argument takes one) in bash or zsh. It completes 'timd' and any path to it, such as
bin/timd.

Examples:
  source <(timd completion bash)                  # this bash session
  timd completion bash > /etc/bash_completion.d/timd
  source <(timd completion zsh)                   # this zsh session (after compinit)
  timd completion zsh > "${fpath[1]}/_timd"       # zsh, for good
`,
		setup: func(*flag.FlagSet) action {
			return func(_ context.Context, c *cli, _ config.Config, args []string) error {
				switch args[0] {
				case "bash":
					return writeCompletion(c.stdout, bashCompletion)
				case "zsh":
					return writeCompletion(c.stdout, zshCompletion)
				}
				return usageErrorf("completion", "unknown shell %q: want bash or zsh", args[0])
			}
		},
	}
}

// fileFlags and dirFlags are the flags whose value completes as a file or a directory.
var (
	fileFlags = []string{"-config", "-tls-cert", "-tls-key", "-o"}
	dirFlags  = []string{"-data"}
)

// flagsOf returns the flags of cmd as the shell sees them: -name, sorted.
func flagsOf(cmd command) []string {
	fs := newFlagSet(cmd)
	cmd.setup(fs)
	if cmd.config {
		_, _ = config.Load(fs, []string{"-h"}, nil) // registers the configuration flags
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	slices.Sort(names)
	return names
}

// writeCompletion writes a completion script made by script from the command table.
func writeCompletion(w io.Writer, script func(cmds []command) string) error {
	_, err := io.WriteString(w, script(commands()))
	return err
}

// bashCompletion returns the bash completion script.
func bashCompletion(cmds []command) string {
	var cases strings.Builder
	for _, cmd := range cmds {
		fmt.Fprintf(&cases, "        %s) flags=%q ;;\n", cmd.name, strings.Join(flagsOf(cmd), " "))
	}
	return fmt.Sprintf(`# bash completion for timd. Load it with: source <(timd completion bash)
_timd() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands=%q
    if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]}
    [[ $cmd == -* ]] && cmd=serve
    case $prev in
        %s) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        %s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    case $cmd in
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
    esac
    local flags=
    case $cmd in
%s    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    elif [[ $cmd == import ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o default -F _timd timd
`, strings.Join(commandNames(), " "), strings.Join(fileFlags, "|"), strings.Join(dirFlags, "|"), cases.String())
}

// zshCompletion returns the zsh completion script.
func zshCompletion(cmds []command) string {
	var described, cases strings.Builder
	for _, cmd := range cmds {
		fmt.Fprintf(&described, "    %q\n", cmd.name+":"+cmd.summary)
		fmt.Fprintf(&cases, "    %s) flags=(%s) ;;\n", cmd.name, strings.Join(flagsOf(cmd), " "))
	}
	return fmt.Sprintf(`#compdef timd
# zsh completion for timd. Load it with: source <(timd completion zsh), after compinit;
# or save it as _timd in a directory of $fpath.
compdef _timd timd

_timd() {
  local -a commands flags
  commands=(
%s  )
  if (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then
    _describe -t commands 'timd command' commands
    return
  fi
  local cmd=$words[2]
  [[ $cmd == -* ]] && cmd=serve
  case $words[CURRENT-1] in
    %s) _files; return ;;
    %s) _files -/; return ;;
  esac
  case $cmd in
    help) _describe -t commands 'timd command' commands; return ;;
    completion) compadd bash zsh; return ;;
  esac
  case $cmd in
%s  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $flags
  elif [[ $cmd == import ]]; then
    _files
  fi
}

# Run the function when zsh autoloads this file from $fpath, not when it is sourced.
if [[ $funcstack[1] == _timd ]]; then
  _timd "$@"
fi
`, described.String(), strings.Join(fileFlags, "|"), strings.Join(dirFlags, "|"), cases.String())
}
