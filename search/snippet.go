package search

import "strings"

// Snippet limits.
const (
	// SnippetChars is the most code points a snippet holds.
	SnippetChars = 200
	// snippetLead is how much text a snippet keeps before its first hit.
	snippetLead = 40
)

// Snippet is plain text around a message's first hit, with the hits as
// code-point ranges [start, end) in it: never HTML.
type Snippet struct {
	Text       string   `json:"text"`
	Highlights [][2]int `json:"highlights"`
}

// MakeSnippet cuts body around the first token the query matches and
// marks every matching token wholly inside the cut.
func MakeSnippet(body string, q Query) Snippet {
	toks := tokenize(body)
	runes := []rune(body)
	hits := make([]token, 0, 4)
	for _, t := range toks {
		if q.matches(t.norm) {
			hits = append(hits, t)
		}
	}
	start := 0
	if len(hits) > 0 && len(runes) > SnippetChars {
		start = max(0, hits[0].start-snippetLead)
		start = min(start, len(runes)-SnippetChars)
	}
	end := min(len(runes), start+SnippetChars)
	s := Snippet{Text: string(runes[start:end]), Highlights: [][2]int{}}
	for _, h := range hits {
		if h.start >= start && h.end <= end {
			s.Highlights = append(s.Highlights, [2]int{h.start - start, h.end - start})
		}
	}
	return s
}

// matches reports whether a token of a text is one the query looks for: a
// token of a phrase, or starting with a phrase's last (prefix) token.
func (q Query) matches(tok string) bool {
	for _, p := range q.Phrases {
		for i, want := range p {
			if tok == want || (i == len(p)-1 && strings.HasPrefix(tok, want)) {
				return true
			}
		}
	}
	return false
}
