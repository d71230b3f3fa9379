//go:build linux

package s3env

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill weed when the test binary exits, however
// it exits (as testenv does for its own servers).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
