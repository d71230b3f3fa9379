//go:build unix

package faults_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"workcomm/testenv"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("faults: skipped under -short (the quick loop, make test-quick); make test runs them")
		os.Exit(0)
	}
	code := m.Run()
	testenv.RemoveBuiltServer()
	fmt.Printf("faults: %d faults injected, %d acknowledged messages checked, %d duplicates found\n",
		faultsInjected.Load(), ackedChecked.Load(), duplicates.Load())
	os.Exit(code)
}
