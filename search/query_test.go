package search

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"workcomm/apperr"
)

func TestParse(t *testing.T) {
	cases := []struct {
		q    string
		want []Phrase
	}{
		{"Deploy École", []Phrase{{"deploy"}, {"ecole"}}},
		{`"blue car" db.json`, []Phrase{{"blue", "car"}, {"db", "json"}}},
		{`NEAR OR * :* & ' "`, []Phrase{{"near"}, {"or"}}},
		{`"unclosed phrase`, []Phrase{{"unclosed", "phrase"}}},
		{"e\u0301cole", []Phrase{{"ecole"}}}, // a decomposed accent
	}
	for _, c := range cases {
		got, err := Parse(c.q)
		if err != nil || !slices.EqualFunc(got.Phrases, c.want, func(a, b Phrase) bool { return slices.Equal(a, b) }) {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.q, got.Phrases, err, c.want)
		}
	}
	for _, q := range []string{"", "   ", `"*"`, strings.Repeat("a", 201), "\xff"} {
		if _, err := Parse(q); !errors.Is(err, apperr.ErrValidation) {
			t.Errorf("Parse(%q) = %v, want a validation error", q, err)
		}
	}
}

func TestQuerySyntaxNeverReachesTheEngines(t *testing.T) {
	q, err := Parse(`"a b" c'd NEAR`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fts5Query(q); got != `"a b"* AND "c d"* AND "near"*` {
		t.Errorf("fts5Query = %s", got)
	}
	if got := tsQuery(q, "g7z"); got != `('g7za' <-> 'g7zb':*) & ('g7zc' <-> 'g7zd':*) & ('g7znear':*)` {
		t.Errorf("tsQuery = %s", got)
	}
	if got := pqArray([]string{`('g7za':*)`, `a"b\c`}); got != `{"('g7za':*)","a\"b\\c"}` {
		t.Errorf("pqArray = %s", got)
	}
}

func TestMakeSnippet(t *testing.T) {
	q, _ := Parse("depl")
	body := strings.Repeat("x ", 150) + "the Déploiement and deploy again " + strings.Repeat("y ", 150)
	s := MakeSnippet(body, q)
	runes := []rune(s.Text)
	if len(runes) != SnippetChars {
		t.Fatalf("snippet of %d code points", len(runes))
	}
	var got []string
	for _, h := range s.Highlights {
		got = append(got, string(runes[h[0]:h[1]]))
	}
	if !slices.Equal(got, []string{"Déploiement", "deploy"}) {
		t.Fatalf("highlights %v in %q", got, s.Text)
	}
	short := MakeSnippet("no hit here", q)
	if short.Text != "no hit here" || len(short.Highlights) != 0 {
		t.Fatalf("%+v", short)
	}
}
