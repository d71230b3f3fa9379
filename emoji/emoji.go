// Package emoji tells whether a string is exactly one emoji of Unicode's emoji
// list, for reactions. The list is Unicode's own (emoji-test.txt of Unicode
// Emoji 17.0, with the RGI set of emoji-sequences.txt and
// emoji-zwj-sequences.txt: skin tones, ZWJ sequences, flags, keycaps and tag
// sequences included), embedded from emoji-17.0.txt; no pattern is written by
// hand.
package emoji

//go:generate sh gen/fetch.sh

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Version is the Unicode Emoji version of the embedded list.
const Version = "17.0"

// vs16 is VARIATION SELECTOR-16, which asks for the emoji presentation of the
// character before it. Qualified and unqualified forms of one emoji differ
// only by it.
const vs16 = "\uFE0F"

//go:embed emoji-17.0.txt
var data string

var (
	loadOnce sync.Once
	// canonical maps every sequence of emoji-test.txt (fully-qualified,
	// minimally-qualified or unqualified) to the fully-qualified RGI form of
	// the same emoji.
	canonical map[string]string
	rgiCount  int
)

// Normalize reports whether s is exactly one emoji of Unicode's list and
// returns its fully-qualified (RGI) form: "❤" (U+2764 without VS16, which
// emoji-test.txt lists as unqualified) gives "❤️", so that two clients that
// send either form react with the same emoji. Anything else (text, two emoji,
// an emoji followed by text, an empty string, a sequence outside the list) is
// ("", false).
func Normalize(s string) (string, bool) {
	loadOnce.Do(load)
	rgi, ok := canonical[s]
	return rgi, ok
}

// Valid reports whether s is exactly one emoji of Unicode's list, in any of
// the forms emoji-test.txt lists.
func Valid(s string) bool {
	_, ok := Normalize(s)
	return ok
}

// Count is the number of distinct emoji (RGI sequences) the list holds.
func Count() int {
	loadOnce.Do(load)
	return rgiCount
}

// load parses the embedded list. The file is generated and committed, so a
// malformed line is a programming error: it panics (and the package's tests,
// which load it, fail first).
func load() {
	table, n, err := parse(data)
	if err != nil {
		panic("emoji: " + err.Error())
	}
	canonical, rgiCount = table, n
}

// parse reads lines "CODEPOINTS ; rgi|variant" and maps each sequence to its
// RGI form: the RGI sequence equal to it once U+FE0F is removed from both.
func parse(text string) (map[string]string, int, error) {
	type entry struct {
		seq string
		rgi bool
	}
	var entries []entry
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cps, status, ok := strings.Cut(line, ";")
		if !ok {
			return nil, 0, fmt.Errorf("line %d: no ';'", i+1)
		}
		var b strings.Builder
		for _, h := range strings.Fields(cps) {
			r, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				return nil, 0, fmt.Errorf("line %d: %q is not a code point", i+1, h)
			}
			b.WriteRune(rune(r))
		}
		switch strings.TrimSpace(status) {
		case "rgi":
			entries = append(entries, entry{b.String(), true})
		case "variant":
			entries = append(entries, entry{b.String(), false})
		default:
			return nil, 0, fmt.Errorf("line %d: unknown status %q", i+1, status)
		}
	}
	byBase := make(map[string]string)
	n := 0
	for _, e := range entries {
		if !e.rgi {
			continue
		}
		base := strings.ReplaceAll(e.seq, vs16, "")
		if other, dup := byBase[base]; dup {
			return nil, 0, fmt.Errorf("%+q and %+q differ only by U+FE0F", other, e.seq)
		}
		byBase[base] = e.seq
		n++
	}
	table := make(map[string]string, len(entries))
	for _, e := range entries {
		rgi, ok := byBase[strings.ReplaceAll(e.seq, vs16, "")]
		if !ok {
			return nil, 0, fmt.Errorf("%+q has no RGI form", e.seq)
		}
		table[e.seq] = rgi
	}
	return table, n, nil
}
