package views

import (
	"errors"
	"math"
	"testing"
	"time"

	"workcomm/apperr"
)

// FuzzDecodeCursor: any cursor string either decodes to a position with a
// positive id that encodes back to one naming the same position, or is a
// validation error.
func FuzzDecodeCursor(f *testing.F) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	for _, s := range []string{"", "djE6MQ", *IDCursor(42).Encode(), *(Cursor{At: at, ID: 7}).Encode(), "!!!", "djE6MA", "djE6LTE",
		"djE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "djI6MTox", "djI6MDox", "djI6eDox"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, apperr.ErrValidation) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if s == "" {
			if !c.IsZero() {
				t.Fatalf("empty cursor gave %+v", c)
			}
			return
		}
		if c.IsZero() || c.ID > math.MaxInt64 {
			t.Fatalf("%q decoded to %+v", s, c)
		}
		back := c.Encode()
		again, err := DecodeCursor(*back)
		if err != nil || again.ID != c.ID || !again.At.Equal(c.At) {
			// Another spelling of the same position is accepted; it must still name it.
			t.Fatalf("%q → %+v → %q → %+v, %v", s, c, *back, again, err)
		}
	})
}

func TestCursorsRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	cases := []struct {
		story string
		c     Cursor
	}{
		{"an id alone", IDCursor(42)},
		{"a time to the nanosecond and an id", Cursor{At: at, ID: 7}},
		{"the largest id", IDCursor(math.MaxInt64)},
	}
	for _, tc := range cases {
		t.Run(tc.story, func(t *testing.T) {
			got, err := DecodeCursor(*tc.c.Encode())
			if err != nil || got.ID != tc.c.ID || !got.At.Equal(tc.c.At) || (!got.At.IsZero() && got.At.Location() != time.UTC) {
				t.Fatalf("%+v decoded as %+v (%v)", tc.c, got, err)
			}
		})
	}
	if IDCursor(0).Encode() != nil || (Cursor{}).Encode() != nil {
		t.Fatal("the zero cursor (no next page) must encode as null")
	}
	if _, err := DecodeCursor(*IDCursor(math.MaxInt64 + 1).Encode()); !errors.Is(err, apperr.ErrValidation) {
		t.Fatalf("an id past the database range decoded: %v", err)
	}
}
