package security_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
)

// attacks counts the attack cases tried (each id walked, each payload, each
// forged token), reported once at the end of the run.
var attacks atomic.Int64

func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Printf("security: %d attack cases tried\n", attacks.Load())
	os.Exit(code)
}
