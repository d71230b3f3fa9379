package search

import "testing"

// TestWalkBeatsTheIndexOnlyWhenCheaper: the second window is read when the
// rates seen in the first one say it fills the page for fewer rows than the
// index step would recheck, and never for a query with no match in it.
func TestWalkBeatsTheIndexOnlyWhenCheaper(t *testing.T) {
	cases := []struct {
		name string
		w    window
		walk bool
	}{
		// Two words in a third of the messages, side by side in one in fifteen,
		// 8 of them above the floor: 1,400 rows against 5,400.
		{"a phrase of common words", window{read: 355, hits: 24, ids: make([]uint64, 8), cands: 123, left: 15477}, true},
		// Every candidate matches (no phrase): the index rechecks as many rows as it keeps.
		{"a word in 0.4 % of the messages", window{read: 500, hits: 2, ids: make([]uint64, 2), cands: 2, left: 22000}, false},
		{"no match in the window", window{read: 500, hits: 0, cands: 0, left: 22000}, false},
		// 1,575 rows against 880.
		{"two words in 4 % of the messages", window{read: 500, hits: 20, ids: make([]uint64, 10), cands: 20, left: 22000}, false},
		// All of them above the floor: 525 rows against 2,200.
		{"two words in 10 % of the messages", window{read: 500, hits: 20, ids: make([]uint64, 20), cands: 50, left: 22000}, true},
		// Cheaper than the index, but past maxWalk.
		{"a phrase rare in a large history", window{read: 1000, hits: 1, ids: make([]uint64, 1), cands: 100, left: 1000000}, false},
	}
	for _, c := range cases {
		rows, ok := c.w.walkBeats(20)
		if ok != c.walk {
			t.Errorf("%s: walk %v (%d rows), want %v", c.name, ok, rows, c.walk)
		}
		if ok && rows <= c.w.read {
			t.Errorf("%s: a walk of %d rows is no longer than the first window", c.name, rows)
		}
	}
}
