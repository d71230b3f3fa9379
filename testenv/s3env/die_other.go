//go:build !linux

package s3env

import "os/exec"

// dieWithParent is a no-op outside Linux: call StopS3 from TestMain there.
func dieWithParent(*exec.Cmd) {}
