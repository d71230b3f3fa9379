package deploy_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain leaves the deploy tests (nginx, node processes, image files) to
// the whole suite: the quick loop (-short, make test-quick) skips them.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("deploy: skipped under -short (the quick loop, make test-quick); make test runs them")
		os.Exit(0)
	}
	os.Exit(m.Run())
}
