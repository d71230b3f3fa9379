package emoji

import (
	"strings"
	"testing"
)

func TestNormalizeAcceptsOneEmojiOfTheList(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"a plain emoji", "😀", "😀"},
		{"an emoji-presentation heart with VS16", "\u2764\uFE0F", "\u2764\uFE0F"},
		{"the same heart without VS16 is the same reaction", "\u2764", "\u2764\uFE0F"},
		{"thumbs up with a medium skin tone", "\U0001F44D\U0001F3FD", "\U0001F44D\U0001F3FD"},
		{"a ZWJ family: man, woman, girl, boy", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"},
		{"a ZWJ sequence with skin tones: kiss, woman and man", "\U0001F469\U0001F3FB\u200D\u2764\uFE0F\u200D\U0001F48B\u200D\U0001F468\U0001F3FF", "\U0001F469\U0001F3FB\u200D\u2764\uFE0F\u200D\U0001F48B\u200D\U0001F468\U0001F3FF"},
		{"a flag: France", "\U0001F1EB\U0001F1F7", "\U0001F1EB\U0001F1F7"},
		{"a tag sequence: the flag of Scotland", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"},
		{"a keycap: one", "1\uFE0F\u20E3", "1\uFE0F\u20E3"},
		{"a keycap without VS16", "1\u20E3", "1\uFE0F\u20E3"},
		{"rainbow flag, minimally qualified", "\U0001F3F3\u200D\U0001F308", "\U0001F3F3\uFE0F\u200D\U0001F308"},
		{"an emoji new in 17.0: distorted face", "\U0001FAEA", "\U0001FAEA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Normalize(c.in)
			if !ok || got != c.want {
				t.Fatalf("Normalize(%+q) = %+q, %v; want %+q, true", c.in, got, ok, c.want)
			}
			if !Valid(c.in) {
				t.Fatalf("Valid(%+q) = false", c.in)
			}
		})
	}
}

func TestNormalizeRefusesAnythingElse(t *testing.T) {
	cases := []struct{ name, in string }{
		{"an empty string", ""},
		{"a letter", "a"},
		{"a digit alone (an Emoji character, but no emoji of the list)", "1"},
		{"a word", "ok"},
		{"two emoji", "😀😀"},
		{"two different emoji", "👍❤️"},
		{"an emoji and text", "😀 yes"},
		{"text and an emoji", "a😀"},
		{"an emoji with a space", "😀 "},
		{"a lone regional indicator", "\U0001F1EB"},
		{"two regional indicators that are no flag", "\U0001F1FD\U0001F1FD"},
		{"a skin tone on a base that takes none", "\U0001F600\U0001F3FD"},
		{"VS16 alone", "\uFE0F"},
		{"a ZWJ alone", "\u200D"},
		{"a family with a dangling ZWJ", "\U0001F468\u200D\U0001F469\u200D"},
		{"an emoji with a text-presentation selector", "\u2764\uFE0E"},
		{"a redundant VS16 after an emoji-presentation character", "😀\uFE0F"},
		{"a shortcode", ":smile:"},
		{"an HTML entity", "&#128512;"},
		{"a control character", "\x00"},
		{"invalid UTF-8", "\xF0\x9F\x98"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, ok := Normalize(c.in); ok {
				t.Fatalf("Normalize(%+q) = %+q, true; want refused", c.in, got)
			}
		})
	}
}

func TestEmbeddedListIsWhole(t *testing.T) {
	// Unicode Emoji 17.0's RGI set has 3,953 sequences (the 9 components,
	// skin tones and hair styles, included); a truncated or wrongly
	// regenerated file shows here.
	if n := Count(); n != 3953 {
		t.Fatalf("Count() = %d, want 3953 for Unicode Emoji %s", n, Version)
	}
	for _, line := range strings.Split(data, "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if !strings.HasSuffix(line, "; rgi") && !strings.HasSuffix(line, "; variant") {
			t.Fatalf("malformed line %q", line)
		}
	}
}

func TestParseRefusesAmbiguousOrOrphanLines(t *testing.T) {
	for name, text := range map[string]string{
		"two RGI forms of one emoji": "2764 FE0F ; rgi\n2764 ; rgi\n",
		"a variant with no RGI form": "263A ; variant\n",
		"a bad code point":           "ZZZZ ; rgi\n",
		"an unknown status":          "1F600 ; maybe\n",
		"no separator":               "1F600 rgi\n",
	} {
		if _, _, err := parse(text); err == nil {
			t.Errorf("%s: parse accepted %q", name, text)
		}
	}
}
