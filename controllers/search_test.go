package controllers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"workcomm/testenv"
)

// searchHit is one result of GET /search/messages.
type searchHit struct {
	Message richMessage `json:"message"`
	Snippet struct {
		Text       string   `json:"text"`
		Highlights [][2]int `json:"highlights"`
	} `json:"snippet"`
}

type searchPage struct {
	Items      []searchHit `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func searchAs(t *testing.T, env *testenv.Env, u *testenv.User, query string) (*testenv.Response, searchPage) {
	t.Helper()
	res := env.Get(t, "/api/v1/search/messages?"+query, u.AccessToken)
	var p searchPage
	if res.Status == http.StatusOK {
		res.JSON(t, &p)
	}
	return res, p
}

// bodiesOf lists the bodies of the hits, newest first as answered.
func bodiesOf(p searchPage) []string {
	out := make([]string, len(p.Items))
	for i, h := range p.Items {
		out[i] = h.Message.Body
	}
	return out
}

// TestSearchMessages is the table of cases, run alike on SQLite
// (FTS5) and PostgreSQL (tsvector): the same query gives the same results.
func TestSearchMessages(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, carol, dave := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "carol"), env.Register(t, "dave")
		env.Befriend(t, alice, bob)
		env.Befriend(t, carol, dave)
		team := createGroup(t, env, alice, "Team", bob)
		left := createGroup(t, env, bob, "Left", alice)

		sendPrivate(t, env, bob, alice, "The deployment starts at noon")
		sendPrivate(t, env, alice, bob, "Rendez-vous à l'École demain")
		sendGroup(t, env, bob, team.ID, "the blue car is parked")
		sendGroup(t, env, alice, team.ID, "car blue is not a phrase")
		sendGroup(t, env, bob, team.ID, "open db.json please")
		edited := sendGroup(t, env, bob, team.ID, "original wording zebra")
		testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/chat/groups/messages/%d", edited.ID), bob.AccessToken, map[string]string{"body": "changed wording giraffe"}), http.StatusOK)
		gone := sendGroup(t, env, bob, team.ID, "secret platypus plan")
		testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/messages/%d", gone.ID), bob.AccessToken), http.StatusNoContent)
		sendGroup(t, env, bob, left.ID, "walrus in the group alice left")
		testenv.Expect(t, env.Delete(t, groupPath(left.ID, fmt.Sprintf("members/%d", alice.ID)), alice.AccessToken), http.StatusNoContent)
		sendPrivate(t, env, carol, dave, "walrus between carol and dave")

		cases := []struct {
			name, q string
			want    []string
		}{
			{"a word matches as a prefix", "depl", []string{"The deployment starts at noon"}},
			{"case does not matter", "DEPLOYMENT", []string{"The deployment starts at noon"}},
			{"accents do not matter in the query", "ecole", []string{"Rendez-vous à l'École demain"}},
			{"nor in the query's own letters", "ÉCOLÉ", []string{"Rendez-vous à l'École demain"}},
			{"accented query, plain text", "rendéz", []string{"Rendez-vous à l'École demain"}},
			{"every word must match", "blue parked", []string{"the blue car is parked"}},
			{"words in any order", "car blue", []string{"car blue is not a phrase", "the blue car is parked"}},
			{"a quoted phrase matches in order", `"blue car"`, []string{"the blue car is parked"}},
			{"a dotted name is found whole", "db.json", []string{"open db.json please"}},
			{"and by its parts", "json", []string{"open db.json please"}},
			{"an edited message matches its new text", "giraffe", []string{"changed wording giraffe"}},
			{"and not its old one", "zebra", nil},
			{"a deleted message never matches", "platypus", nil},
			{"a group left and someone else's chat give nothing", "walrus", nil},
			{"FTS syntax is text: NEAR and OR are words", "blue OR NEAR", nil},
			{"a star is no wildcard", "blu*", []string{"car blue is not a phrase", "the blue car is parked"}},
			{"tsquery syntax is text", "blue:* & car'", []string{"car blue is not a phrase", "the blue car is parked"}},
			{"an unclosed quote is a phrase to the end", `"blue car`, []string{"the blue car is parked"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, p := searchAs(t, env, alice, "q="+url.QueryEscape(c.q))
				testenv.Expect(t, res, http.StatusOK)
				got := bodiesOf(p)
				if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
					t.Fatalf("q=%q: %q, want %q", c.q, got, c.want)
				}
			})
		}
		t.Run("queries of syntax alone are 400, never 500", func(t *testing.T) {
			// As bob: alice's search budget (burst 30) is for the other cases.
			alice := bob
			for _, q := range []string{`"`, `*`, `:*`, `&`, `'`, `""`, ` `, `()`, `-`, `'; DROP TABLE messages; --`} {
				res, _ := searchAs(t, env, alice, "q="+url.QueryEscape(q))
				if q == `'; DROP TABLE messages; --` {
					testenv.Expect(t, res, http.StatusOK) // words: drop, table, messages
					continue
				}
				if res.Status != http.StatusBadRequest || res.ErrorFields()["q"] == "" {
					t.Errorf("q=%q: %d %v, want 400 on q", q, res.Status, res.ErrorFields())
				}
			}
			long := make([]byte, 201)
			for i := range long {
				long[i] = 'a'
			}
			res, _ := searchAs(t, env, alice, "q="+string(long))
			testenv.Expect(t, res, http.StatusBadRequest)
			res, _ = searchAs(t, env, alice, "q=blue&in=bogus")
			testenv.Expect(t, res, http.StatusBadRequest)
		})
		t.Run("the snippet is plain text with code-point highlights", func(t *testing.T) {
			_, p := searchAs(t, env, alice, "q=ecole")
			if len(p.Items) != 1 {
				t.Fatalf("hits = %d", len(p.Items))
			}
			sn := p.Items[0].Snippet
			runes := []rune(sn.Text)
			if len(sn.Highlights) != 1 || string(runes[sn.Highlights[0][0]:sn.Highlights[0][1]]) != "École" {
				t.Fatalf("snippet %q highlights %v", sn.Text, sn.Highlights)
			}
		})
		t.Run("in and from narrow the search", func(t *testing.T) {
			_, p := searchAs(t, env, alice, fmt.Sprintf("q=blue&in=group:%d&from=%d", team.ID, bob.ID))
			if got := bodiesOf(p); !slices.Equal(got, []string{"the blue car is parked"}) {
				t.Fatalf("%q", got)
			}
			_, p = searchAs(t, env, alice, fmt.Sprintf("q=depl&in=private:%d", bob.ID))
			if len(p.Items) != 1 {
				t.Fatalf("in a private chat: %d hits", len(p.Items))
			}
			res, _ := searchAs(t, env, alice, fmt.Sprintf("q=walrus&in=group:%d", left.ID))
			testenv.Expect(t, res, http.StatusNotFound)
		})
		t.Run("paging gives every hit once, newest first", func(t *testing.T) {
			for i := range 7 {
				sendGroup(t, env, alice, team.ID, fmt.Sprintf("pagingword number %d", i))
			}
			var ids []uint64
			cursor := ""
			for range 10 {
				_, p := searchAs(t, env, alice, "q=pagingword&limit=3"+cursor)
				for _, h := range p.Items {
					ids = append(ids, h.Message.ID)
				}
				if p.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(*p.NextCursor)
			}
			sorted := slices.Clone(ids)
			slices.Sort(sorted)
			slices.Reverse(sorted)
			if len(ids) != 7 || !slices.Equal(ids, sorted) || len(slices.Compact(sorted)) != 7 {
				t.Fatalf("ids = %v", ids)
			}
		})
	})
}
