package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ, which Linux fixes
// at 100 for that interface on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// ProcCPU returns the CPU time (user and system) process pid has used, from
// /proc/PID/stat, to the 10 ms clock tick.
func ProcCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: count fields after the
	// last ')'. utime and stime are fields 14 and 15, so 12 and 13 after it.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := bytes.Fields(data[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name, want 13 or more", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q are not integers", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// Memory is a process's resident memory, in bytes, from /proc/PID/status.
type Memory struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: the peak resident size since the process started
}

// ProcMemory returns the resident memory of process pid.
func ProcMemory(pid int) (Memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for line := range bytes.Lines(data) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch string(name) {
		case "VmRSS":
			m.RSS, err = kilobytes(value)
		case "VmHWM":
			m.HWM, err = kilobytes(value)
		}
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
	}
	return m, nil
}

// kilobytes parses "  1234 kB" into bytes.
func kilobytes(v []byte) (int64, error) {
	f := bytes.Fields(v)
	if len(f) != 2 || string(f[1]) != "kB" {
		return 0, fmt.Errorf("%q is not a size in kB", bytes.TrimSpace(v))
	}
	n, err := strconv.ParseInt(string(f[0]), 10, 64)
	return n * 1024, err
}

// SelfCPU returns the CPU time this process has used, to the microsecond.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RSSSampler polls a process's VmRSS to find its peak over a window: VmHWM cannot be
// reset, so it holds the peak of the set-up too.
type RSSSampler struct {
	pid    int
	cancel context.CancelFunc
	wg     sync.WaitGroup
	peak   int64
}

// StartRSSSampler samples pid's VmRSS every interval until Stop.
func StartRSSSampler(pid int, interval time.Duration) *RSSSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &RSSSampler{pid: pid, cancel: cancel}
	s.sample()
	s.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.sample()
			case <-ctx.Done():
				return
			}
		}
	})
	return s
}

func (s *RSSSampler) sample() {
	if m, err := ProcMemory(s.pid); err == nil {
		s.peak = max(s.peak, m.RSS)
	}
}

// Stop takes a last sample and returns the peak VmRSS seen, in bytes.
func (s *RSSSampler) Stop() int64 {
	s.cancel()
	s.wg.Wait()
	s.sample()
	return s.peak
}

// LoadAverage returns the 1-minute load average of the machine from /proc/loadavg, or ""
// when it cannot be read.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := bytes.Fields(data)
	if len(f) == 0 {
		return ""
	}
	return string(f[0])
}
