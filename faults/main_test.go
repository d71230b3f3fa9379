//go:build unix

package faults_test

import (
	"fmt"
	"os"
	"testing"

	"workcomm/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveBuiltServer()
	fmt.Printf("faults: %d faults injected, %d acknowledged messages checked, %d duplicates found\n",
		faultsInjected.Load(), ackedChecked.Load(), duplicates.Load())
	os.Exit(code)
}
