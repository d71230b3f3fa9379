package controllers_test

import (
	"fmt"
	"net/http"
	"testing"

	"workcomm/testenv"
)

type friendRequest struct {
	ID   uint64     `json:"id"`
	From publicUser `json:"from"`
	To   publicUser `json:"to"`
}

func TestFriends(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		ann, ben, cat := env.Register(t, "ann"), env.Register(t, "ben"), env.Register(t, "cat")
		send := func(from *testenv.User, to uint64) *testenv.Response {
			return env.Post(t, "/api/v1/friends/requests", from.AccessToken, map[string]any{"userId": to})
		}
		requests := func(u *testenv.User) (in, out []friendRequest) {
			var body struct{ Incoming, Outgoing []friendRequest }
			res := env.Get(t, "/api/v1/friends/requests", u.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			res.JSON(t, &body)
			return body.Incoming, body.Outgoing
		}
		friends := func(u *testenv.User) []uint64 {
			var body struct {
				Items []struct {
					User  publicUser `json:"user"`
					Since string     `json:"since"`
				} `json:"items"`
			}
			res := env.Get(t, "/api/v1/friends", u.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			res.JSON(t, &body)
			var ids []uint64
			for _, it := range body.Items {
				if it.Since == "" {
					t.Fatalf("friend without since: %s", res.Body)
				}
				ids = append(ids, it.User.ID)
			}
			return ids
		}

		var req friendRequest
		t.Run("a request shows on both sides", func(t *testing.T) {
			res := send(ann, ben.ID)
			testenv.Expect(t, res, http.StatusCreated)
			res.JSON(t, &req)
			if req.From.ID != ann.ID || req.To.ID != ben.ID {
				t.Fatalf("got %+v", req)
			}
			in, _ := requests(ben)
			_, out := requests(ann)
			if len(in) != 1 || in[0].ID != req.ID || len(out) != 1 || out[0].ID != req.ID {
				t.Fatalf("in=%+v out=%+v", in, out)
			}
		})
		t.Run("twice is 409, to yourself 400, to nobody 404", func(t *testing.T) {
			testenv.Expect(t, send(ann, ben.ID), http.StatusConflict)
			testenv.Expect(t, send(ann, ann.ID), http.StatusBadRequest)
			testenv.Expect(t, send(ann, 999999), http.StatusNotFound)
		})
		t.Run("only the addressee accepts; strangers do not see the request", func(t *testing.T) {
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", req.ID), ann.AccessToken, nil), http.StatusForbidden)
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", req.ID), cat.AccessToken, nil), http.StatusNotFound)
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/decline", req.ID), cat.AccessToken, nil), http.StatusNotFound)
		})
		t.Run("accepting makes both friends", func(t *testing.T) {
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", req.ID), ben.AccessToken, nil), http.StatusOK)
			if f := friends(ann); len(f) != 1 || f[0] != ben.ID {
				t.Fatalf("ann's friends %v", f)
			}
			if f := friends(ben); len(f) != 1 || f[0] != ann.ID {
				t.Fatalf("ben's friends %v", f)
			}
			in, out := requests(ben)
			if len(in)+len(out) != 0 {
				t.Fatal("accepted request still pending")
			}
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", req.ID), ben.AccessToken, nil), http.StatusNotFound)
			testenv.Expect(t, send(ben, ann.ID), http.StatusConflict)
		})
		t.Run("asking someone who already asked you makes you friends (200)", func(t *testing.T) {
			testenv.Expect(t, send(cat, ann.ID), http.StatusCreated)
			res := send(ann, cat.ID)
			testenv.Expect(t, res, http.StatusOK)
			if f := friends(cat); len(f) != 1 || f[0] != ann.ID {
				t.Fatalf("cat's friends %v", f)
			}
		})
		t.Run("decline by the addressee, withdraw by the sender", func(t *testing.T) {
			var r friendRequest
			send(ben, cat.ID).JSON(t, &r)
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/decline", r.ID), cat.AccessToken, nil), http.StatusNoContent)
			send(ben, cat.ID).JSON(t, &r)
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/decline", r.ID), ben.AccessToken, nil), http.StatusNoContent)
			in, _ := requests(cat)
			if len(in) != 0 {
				t.Fatalf("requests left: %+v", in)
			}
		})
		t.Run("removing a friend, twice is 404", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/friends/%d", ben.ID), ann.AccessToken), http.StatusNoContent)
			if f := friends(ben); len(f) != 0 {
				t.Fatalf("ben still has friends %v", f)
			}
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/friends/%d", ben.ID), ann.AccessToken), http.StatusNotFound)
		})
		t.Run("userId must be a positive number", func(t *testing.T) {
			testenv.Expect(t, env.Post(t, "/api/v1/friends/requests", ann.AccessToken, map[string]any{"userId": "x"}), http.StatusBadRequest)
			testenv.Expect(t, env.Post(t, "/api/v1/friends/requests", ann.AccessToken, map[string]any{}), http.StatusBadRequest)
		})
	})
}
