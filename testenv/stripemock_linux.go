//go:build linux

package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the test binary exits,
// however it exits, so no stripe-mock outlives its tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
