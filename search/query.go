// Package search finds messages by their words. One Engine interface, two
// engines: SQLite FTS5 (the embedded default) and PostgreSQL full-text
// search (a generated tsvector with a GIN index). Both indexes live beside
// the messages table and move with it inside the same transaction (a
// trigger, a generated column): a send, an edit or a delete is searchable as
// committed, never later, and never lost.
//
// A query is parsed here into words and phrases and rebuilt in the engine's
// syntax from letters and digits only: nothing a user types reaches an
// engine as syntax (quotes, *, NEAR, OR, :*, & and ' are words or nothing).
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"workcomm/apperr"
)

// MaxQueryChars bounds q in code points.
const MaxQueryChars = 200

// maxTerms bounds the terms of one query: each is a clause in the engine.
const maxTerms = 16

// Phrase is a run of tokens that must appear in order, next to each other;
// its last token matches as a prefix ("depl" finds "deployment"). A single
// word is a phrase of one token.
type Phrase []string

// Query is a parsed search: every phrase must match.
type Query struct {
	Phrases []Phrase
}

// Parse reads q: "quoted phrases" and words. A word made of several tokens
// ("db.json") is the phrase of its tokens. Characters other than letters and
// digits only separate tokens. An empty q, one over 200 code points, or one
// with no letter or digit is a validation error on q.
func Parse(q string) (Query, error) {
	if !utf8.ValidString(q) {
		return Query{}, apperr.Field("q", "must be UTF-8 text")
	}
	q = strings.TrimSpace(q)
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		return Query{}, apperr.Field("q", "is required")
	case n > MaxQueryChars:
		return Query{}, apperr.Field("q", "must be at most 200 characters")
	}
	var out Query
	add := func(text string) {
		if toks := Tokens(text); len(toks) > 0 {
			out.Phrases = append(out.Phrases, toks)
		}
	}
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 { // inside quotes (an unclosed one runs to the end)
			add(part)
			continue
		}
		for _, w := range strings.Fields(part) {
			add(w)
		}
	}
	if len(out.Phrases) == 0 {
		return Query{}, apperr.Field("q", "must contain a letter or a digit")
	}
	if len(out.Phrases) > maxTerms {
		return Query{}, apperr.Field("q", "must have at most 16 words or phrases")
	}
	return out, nil
}

// Tokens splits text into the tokens the indexes hold: runs of letters and
// digits, lower-cased, accents removed.
func Tokens(text string) []string {
	var out []string
	for _, t := range tokenize(text) {
		out = append(out, t.norm)
	}
	return out
}

// token is a token of a text: its normalised form and its place in the text
// in code points [start, end).
type token struct {
	norm       string
	start, end int
}

// tokenize splits text into tokens with their code-point positions.
func tokenize(text string) []token {
	var out []token
	var cur strings.Builder
	start, i := -1, 0
	flush := func() {
		if start >= 0 && cur.Len() > 0 {
			out = append(out, token{norm: cur.String(), start: start, end: i})
		}
		cur.Reset()
		start = -1
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if start < 0 {
				start = i
			}
			cur.WriteString(fold(r))
		case unicode.Is(unicode.Mn, r) && start >= 0:
			// A combining accent of the letter before: part of the token, folded away.
		default:
			flush()
		}
		i++
	}
	flush()
	return out
}

// fold lower-cases a letter and removes its accents ("É" is "e").
func fold(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if !unicode.Is(unicode.Mn, d) {
			b.WriteRune(unicode.ToLower(d))
		}
	}
	return b.String()
}
