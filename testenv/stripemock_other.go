//go:build !linux

package testenv

import "os/exec"

// dieWithParent is a no-op outside Linux: there a stripe-mock started by the
// tests may outlive them (set STRIPE_MOCK_URL to manage one yourself).
func dieWithParent(*exec.Cmd) {}
