package models_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"workcomm/apperr"
	"workcomm/emoji"
	"workcomm/models"
	"workcomm/testenv"
)

// twentyEmoji are 20 different RGI emoji.
var twentyEmoji = []string{"😀", "😂", "😍", "🤔", "😢", "😡", "👍", "👎", "👏", "🙏", "🎉", "🔥", "❤️", "💯", "✅", "❌", "👀", "🚀", "☕", "🍕"}

func TestReactionsAreIdempotentAndBounded(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		alice, bob := f.users[0], f.users[1]
		m := f.message(t, alice)
		now := time.Now()
		for _, e := range twentyEmoji {
			if !emoji.Valid(e) {
				t.Fatalf("%q is not an emoji of the list", e)
			}
		}

		added, err := models.AddReaction(f.ctx, f.db, m.ID, alice.ID, "👍", now)
		if err != nil || !added {
			t.Fatalf("first add: %v %v", added, err)
		}
		added, err = models.AddReaction(f.ctx, f.db, m.ID, alice.ID, "👍", now)
		if err != nil || added {
			t.Fatalf("the same reaction again: added %v, %v; want no duplicate and no error", added, err)
		}
		if _, err := models.AddReaction(f.ctx, f.db, m.ID, bob.ID, "👍", now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		// Up to 20 different emoji (👍 is one of them).
		for i, e := range twentyEmoji {
			if _, err := models.AddReaction(f.ctx, f.db, m.ID, alice.ID, e, now.Add(time.Duration(i+2)*time.Second)); err != nil {
				t.Fatalf("emoji %d %s: %v", i+1, e, err)
			}
		}
		if n, _ := models.CountDistinctEmoji(f.ctx, f.db, m.ID); n != 20 {
			t.Fatalf("%d distinct emoji, want 20", n)
		}
		// The 21st different one is refused, for anyone...
		_, err = models.AddReaction(f.ctx, f.db, m.ID, bob.ID, "🦄", now)
		if !errors.Is(err, models.ErrTooManyReactions) || !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("21st emoji: %v, want too_many_reactions", err)
		}
		// ...but one of the 20 can still be added by someone else.
		if added, err := models.AddReaction(f.ctx, f.db, m.ID, bob.ID, "🚀", now.Add(time.Minute)); err != nil || !added {
			t.Fatalf("an existing emoji by another user: %v %v", added, err)
		}

		// Summaries for several messages in one query, for a viewer.
		other := f.message(t, bob)
		if _, err := models.AddReaction(f.ctx, f.db, other.ID, alice.ID, "🎉", now); err != nil {
			t.Fatal(err)
		}
		quiet := f.message(t, bob)
		sums, err := models.ReactionSummaries(f.ctx, f.db, []uint64{m.ID, other.ID, quiet.ID}, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 2 || len(sums[m.ID]) != 20 || len(sums[quiet.ID]) != 0 {
			t.Fatalf("summaries for %d messages, %d emoji on the first", len(sums), len(sums[m.ID]))
		}
		// In the order first used: 👍 first (alice, then bob), the rest after.
		if s := sums[m.ID][0]; s != (models.ReactionSummary{Emoji: "👍", Count: 2, Me: true}) {
			t.Fatalf("first summary %+v", s)
		}
		if s := sums[m.ID][1]; s != (models.ReactionSummary{Emoji: "😀", Count: 1, Me: false}) {
			t.Fatalf("second summary %+v", s)
		}
		var rocket models.ReactionSummary
		for _, s := range sums[m.ID] {
			if s.Emoji == "🚀" {
				rocket = s
			}
		}
		if rocket.Count != 2 || !rocket.Me {
			t.Fatalf("🚀 summary %+v", rocket)
		}
		if s := sums[other.ID]; len(s) != 1 || s[0] != (models.ReactionSummary{Emoji: "🎉", Count: 1, Me: false}) {
			t.Fatalf("other message %+v", s)
		}

		who, err := models.MessageReactions(f.ctx, f.db, m.ID)
		if err != nil || len(who) != 22 || who[0].UserID != alice.ID || who[0].Emoji != "👍" {
			t.Fatalf("who reacted: %d rows, %v", len(who), err)
		}

		// Removing: once, then nothing to remove; a freed slot takes a new emoji.
		if removed, err := models.RemoveReaction(f.ctx, f.db, m.ID, alice.ID, "😀"); err != nil || !removed {
			t.Fatalf("remove: %v %v", removed, err)
		}
		if removed, _ := models.RemoveReaction(f.ctx, f.db, m.ID, alice.ID, "😀"); removed {
			t.Fatal("removed twice")
		}
		if _, err := models.AddReaction(f.ctx, f.db, m.ID, bob.ID, "🦄", now); err != nil {
			t.Fatalf("after a removal the 20th slot is free: %v", err)
		}

		// A deleted message takes no reactions; its reactions go.
		if _, err := models.DeleteMessage(f.ctx, f.db, other.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := models.AddReaction(f.ctx, f.db, other.ID, bob.ID, "👍", now); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("reaction on a deleted message: %v, want not found", err)
		}
		if _, err := models.AddReaction(f.ctx, f.db, 987654, bob.ID, "👍", now); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("reaction on a missing message: %v, want not found", err)
		}
		if err := models.RemoveMessageReactions(f.ctx, f.db, []uint64{other.ID}); err != nil {
			t.Fatal(err)
		}
		if sums, _ := models.ReactionSummaries(f.ctx, f.db, []uint64{other.ID}, bob.ID); len(sums) != 0 {
			t.Fatalf("a deleted message keeps reactions: %+v", sums)
		}
	})
}

func TestConcurrentNewEmojiStopAtTwenty(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		m := f.message(t, f.users[0])
		now := time.Now()
		for _, e := range twentyEmoji[:18] {
			if _, err := models.AddReaction(f.ctx, f.db, m.ID, f.users[0].ID, e, now); err != nil {
				t.Fatal(err)
			}
		}
		// Eight new emoji at once on a message with 18: two get in.
		extra := []string{"🦄", "🐙", "🌈", "🍩", "🎸", "🧠", "🛸", "🐢"}
		var wg sync.WaitGroup
		var mu sync.Mutex
		in, out := 0, 0
		for i, e := range extra {
			wg.Go(func() {
				_, err := models.AddReaction(f.ctx, f.db, m.ID, f.users[i%2].ID, e, now)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					in++
				case errors.Is(err, models.ErrTooManyReactions):
					out++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n, _ := models.CountDistinctEmoji(f.ctx, f.db, m.ID)
		if in != 2 || out != 6 || n != 20 {
			t.Fatalf("%d added, %d refused, %d distinct: want 2, 6, 20", in, out, n)
		}
	})
}

func TestTheLongestEmojiFitsItsColumn(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		m := f.message(t, f.users[0])
		kiss := "\U0001F469\U0001F3FB\u200D\u2764\uFE0F\u200D\U0001F48B\u200D\U0001F468\U0001F3FF"
		family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
		scotland := "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
		for _, e := range []string{kiss, family, scotland} {
			if !emoji.Valid(e) {
				t.Fatalf("%+q is not an emoji", e)
			}
			if _, err := models.AddReaction(f.ctx, f.db, m.ID, f.users[1].ID, e, time.Now()); err != nil {
				t.Fatalf("%+q (%d bytes): %v", e, len(e), err)
			}
		}
		sums, _ := models.ReactionSummaries(f.ctx, f.db, []uint64{m.ID}, f.users[1].ID)
		if got := fmt.Sprint(sums[m.ID]); len(sums[m.ID]) != 3 || sums[m.ID][0].Emoji != kiss {
			t.Fatalf("stored %s", got)
		}
	})
}
