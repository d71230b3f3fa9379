package tokens

import (
	"crypto/sha256"
	"time"
)

// SetClock makes m read the time from now (issue and verify alike).
func (m *Manager) SetClock(now func() time.Time) { m.now = now }

// Remembers reports whether m holds raw among the tokens that verified.
func (m *Manager) Remembers(raw string) bool { return m.verified.Contains(sha256.Sum256([]byte(raw))) }
