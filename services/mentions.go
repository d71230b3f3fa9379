package services

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"workcomm/models"
)

// mentionAll is the @all of a group: every member, from an owner or admin.
const mentionAll = "all"

// ReservedUsernames cannot be registered: they have a meaning in messages.
var ReservedUsernames = []string{mentionAll}

// isUsernameRune reports a rune a username may hold ([A-Za-z0-9_.-]).
func isUsernameRune(r rune) bool {
	return r < utf8.RuneSelf && (r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r))
}

// mentionNames returns the lowercased names written as @name in body: an @
// not preceded by a username character (so "a@b.com" is no mention),
// followed by username characters. A name's trailing dots and dashes are
// kept as written and also tried without ("@bob." ends a sentence).
func mentionNames(body string) [][]string {
	var out [][]string
	prev := rune(0)
	for i, r := range body {
		if r == '@' && !isUsernameRune(prev) {
			rest := body[i+1:]
			end := strings.IndexFunc(rest, func(r rune) bool { return !isUsernameRune(r) })
			if end < 0 {
				end = len(rest)
			}
			name := strings.ToLower(rest[:end])
			if name != "" {
				forms := []string{name}
				if t := strings.TrimRight(name, ".-"); t != name && t != "" {
					forms = append(forms, t)
				}
				out = append(out, forms)
			}
		}
		prev = r
	}
	return out
}

// parseMentions returns who body mentions, in ascending id: participants
// named by their username (case-insensitively), and in a group every member
// for @all when the sender is its owner or an admin (from anyone else @all
// is text). The sender is never mentioned; a name that is no participant's
// is text.
func parseMentions(body string, senderID uint64, group bool, targets []models.MentionTarget) []uint64 {
	if !strings.Contains(body, "@") {
		return nil
	}
	byName := make(map[string]uint64, len(targets))
	canAll := false
	for _, t := range targets {
		byName[strings.ToLower(t.Username)] = t.UserID
		if t.UserID == senderID && (t.Role == models.GroupRoleOwner || t.Role == models.GroupRoleAdmin) {
			canAll = true
		}
	}
	seen := map[uint64]bool{}
	for _, forms := range mentionNames(body) {
		for _, name := range forms {
			if name == mentionAll && group && canAll {
				for _, t := range targets {
					seen[t.UserID] = true
				}
				break
			}
			if id, ok := byName[name]; ok {
				seen[id] = true
				break
			}
		}
	}
	delete(seen, senderID)
	out := make([]uint64, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
