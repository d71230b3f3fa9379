package ratelimit_test

import (
	"testing"
	"time"

	"workcomm/ratelimit"
)

func TestAllowSpendsTheBurstThenWaits(t *testing.T) {
	l := ratelimit.New(3, time.Hour)
	for i := range 3 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("event %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("k")
	if ok || wait <= 0 || wait > 20*time.Minute+time.Second {
		t.Fatalf("4th event: ok=%v wait=%v, want refused with about 20m", ok, wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("keys share a bucket")
	}
}

func TestExhaustedOnlyCountsSpentFailures(t *testing.T) {
	l := ratelimit.New(2, time.Minute)
	for range 5 {
		if limited, _ := l.Exhausted("acct"); limited {
			t.Fatal("checking alone spent the budget")
		}
	}
	l.Spend("acct")
	l.Spend("acct")
	if limited, wait := l.Exhausted("acct"); !limited || wait <= 0 {
		t.Fatalf("two failures of two: limited=%v wait=%v", limited, wait)
	}
}
