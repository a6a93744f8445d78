package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// stopWithGoRun makes timd stop when `go run` does. `go run` builds timd and runs it as
// a child; killing the go process (SIGTERM, as kill sends) does not reach the child, which
// would go on serving and holding its port. So when timd's parent is the go tool, timd
// asks the kernel to send it SIGTERM when that parent dies (PR_SET_PDEATHSIG), which
// timd answers with its graceful shutdown. Other parents (a shell, systemd, a container
// runtime) are left alone: timd outliving them may be intended.
func stopWithGoRun() {
	ppid := os.Getppid()
	if !isGoTool(ppid) {
		return
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if errno != 0 {
		return
	}
	// The parent may have died before the prctl took effect: timd then has another.
	if os.Getppid() != ppid {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}

// isGoTool reports whether process pid is the go command, by the name the kernel keeps
// for it.
func isGoTool(pid int) bool {
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "go"
}

// goRunCommand returns the `go run PACKAGE` command that ran timd, when its parent is
// the go tool: "go run ./cmd/timd" if the package cannot be read off its command line.
func goRunCommand() (string, bool) {
	ppid := os.Getppid()
	if !isGoTool(ppid) {
		return "", false
	}
	raw, _ := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/cmdline")
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "run" && !strings.HasPrefix(args[i+1], "-") {
			return "go run " + shellQuote(args[i+1]), true
		}
	}
	return "go run ./cmd/timd", true
}
