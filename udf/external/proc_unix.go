//go:build unix

package external

import (
	"os/exec"
	"syscall"
)

// procAttr puts the program in its own process group so that a kill reaches
// whatever it started (a shell's children, a worker pool).
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	// Negative pid: the whole group. Errors mean it is already gone.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
