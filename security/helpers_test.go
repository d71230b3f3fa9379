package security_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"workcomm/configs"
	"workcomm/testenv"
	"workcomm/wsclient"
)

// waitTime bounds every wait for an answer or a frame. Answers come in
// milliseconds; this is only how long a test waits before it fails.
const waitTime = 10 * time.Second

// jwtSecret is testenv.Config's JWT_SECRET: the attacker does not know it,
// the tests use it only to show that a well-formed token is accepted.
const jwtSecret = "test-secret-test-secret-test-secret-0123"

// manyRegistrations lifts the per-IP registration limit for suites that make
// many accounts from 127.0.0.1.
func manyRegistrations(c *configs.Config) { c.RegisterPerHour = 100000 }

// world is a small, realistic data set owned by victims, and an attacker
// who owns objects of every type too (so every id range has both).
//
//	alice   the victim: friends with bob, owns a group with bob, has a
//	        private conversation with bob, a payment, a pending friend request
//	        to carol
//	bob     alice's friend and co-member
//	carol   addressee of alice's request
//	mallory the attacker: a plain user with a group and a payment of her own
//	admin   an admin who banned and unbanned carol (audit entries)
type world struct {
	env                            *testenv.Env
	alice, bob, carol, mallory     *testenv.User
	admin                          *testenv.User
	privateMsgs, groupMsgs         []uint64 // alice's messages
	groupID, malloryGroup          uint64
	alicePayment, malloryPayment   uint64
	aliceSecret                    string // alice's PaymentIntent client secret
	requestID                      uint64 // alice → carol, pending
	malloryFriend                  *testenv.User
	malloryPrivateMsg, malloryMsg  uint64
	aliceGroupName, aliceGroupDesc string
}

func newWorld(t *testing.T, kind string, opts ...testenv.Option) *world {
	t.Helper()
	opts = append([]testenv.Option{manyRegistrations, testenv.WithStripe(testenv.StripeMockURL(t))}, opts...)
	env := testenv.New(t, kind, opts...)
	w := &world{env: env,
		alice: env.Register(t, "alice"), bob: env.Register(t, "bob"), carol: env.Register(t, "carol"),
		mallory: env.Register(t, "mallory"), malloryFriend: env.Register(t, "mfriend"),
		aliceGroupName: "Alice's secret project", aliceGroupDesc: "launch codes inside",
	}
	env.Befriend(t, w.alice, w.bob)
	env.Befriend(t, w.mallory, w.malloryFriend)
	for i := range 3 {
		w.privateMsgs = append(w.privateMsgs, sendREST(t, env, w.alice, fmt.Sprintf("/api/v1/chat/private/%d/messages", w.bob.ID), fmt.Sprintf("private secret %d", i)))
	}
	w.groupID = createGroup(t, env, w.alice, w.aliceGroupName, w.aliceGroupDesc, w.bob.ID)
	for i := range 3 {
		w.groupMsgs = append(w.groupMsgs, sendREST(t, env, w.alice, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.groupID), fmt.Sprintf("group secret %d", i)))
	}
	w.malloryGroup = createGroup(t, env, w.mallory, "mallory's own", "", w.malloryFriend.ID)
	w.malloryMsg = sendREST(t, env, w.mallory, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), "mine")
	w.malloryPrivateMsg = sendREST(t, env, w.mallory, fmt.Sprintf("/api/v1/chat/private/%d/messages", w.malloryFriend.ID), "mine too")
	w.alicePayment, w.aliceSecret = buyIntent(t, env, w.alice)
	w.malloryPayment, _ = buyIntent(t, env, w.mallory)
	res := env.Post(t, "/api/v1/friends/requests", w.alice.AccessToken, map[string]any{"userId": w.carol.ID})
	testenv.Expect(t, res, http.StatusCreated)
	var fr struct{ ID uint64 }
	res.JSON(t, &fr)
	w.requestID = fr.ID

	w.admin = env.RegisterAdmin(t, "admin")
	for _, banned := range []bool{true, false} {
		testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", w.carol.ID), w.admin.AccessToken, map[string]any{"banned": banned}), http.StatusOK)
	}
	env.Relogin(t, w.carol) // the ban ended carol's sessions
	return w
}

var msgSeq atomic.Int64

// sendREST sends a message over REST and returns its id.
func sendREST(t testing.TB, env *testenv.Env, u *testenv.User, path, body string) uint64 {
	t.Helper()
	res := env.Post(t, path, u.AccessToken, map[string]any{"body": body, "clientMsgId": fmt.Sprintf("sec-%d", msgSeq.Add(1))})
	testenv.Expect(t, res, http.StatusCreated)
	var m struct{ ID uint64 }
	res.JSON(t, &m)
	return m.ID
}

func createGroup(t testing.TB, env *testenv.Env, owner *testenv.User, name, desc string, members ...uint64) uint64 {
	t.Helper()
	res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": name, "description": desc, "memberIds": members})
	testenv.Expect(t, res, http.StatusCreated)
	var g struct{ ID uint64 }
	res.JSON(t, &g)
	return g.ID
}

// buyIntent starts a payment for premium_monthly (against stripe-mock).
func buyIntent(t testing.TB, env *testenv.Env, u *testenv.User) (uint64, string) {
	t.Helper()
	res := env.Post(t, "/api/v1/payments/intent", u.AccessToken, map[string]any{"planId": "premium_monthly"})
	testenv.Expect(t, res, http.StatusCreated)
	var out struct {
		Payment      struct{ ID uint64 }
		ClientSecret string
	}
	res.JSON(t, &out)
	return out.Payment.ID, out.ClientSecret
}

// expectRefused fails unless the answer is the contract's refusal: the status
// and code wanted, and a body that says nothing of the object.
func expectRefused(t testing.TB, res *testenv.Response, status int, code string, secrets ...string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code {
		t.Fatalf("answered %d %s, want %d %s", res.Status, res.Body, status, code)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(res.Body), s) {
			t.Fatalf("the refusal leaks %q: %s", s, res.Body)
		}
	}
}

func wsURL(env *testenv.Env, path string) string {
	return "ws" + strings.TrimPrefix(env.Server.URL, "http") + path
}

// dial opens a socket as u (Bearer header) and waits for ready.
func dial(t testing.TB, env *testenv.Env, path string, u *testenv.User) *wsclient.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, res, err := wsclient.Dial(ctx, wsURL(env, path), wsclient.Options{Token: u.AccessToken})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s as %s: %v (status %d)", path, u.Username, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// handshake tries a WebSocket handshake with the given headers (and query)
// and returns the HTTP status and error code the server answered; 101 means
// the upgrade happened.
func handshake(t testing.TB, env *testenv.Env, pathAndQuery string, header http.Header) (int, string) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: waitTime}
	conn, res, err := d.Dial(wsURL(env, pathAndQuery), header)
	if err == nil {
		conn.Close()
		return http.StatusSwitchingProtocols, ""
	}
	if res == nil {
		t.Fatalf("handshake %s: %v", pathAndQuery, err)
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	return res.StatusCode, body.Error.Code
}

// request sends a socket request and returns the server's error code ("" if
// it was answered without error).
func request(t testing.TB, c *wsclient.Conn, typ string, data any) (wsclient.Envelope, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	env, err := c.Request(ctx, typ, data)
	if err != nil {
		if se, ok := err.(*wsclient.ServerError); ok {
			return env, se.Code
		}
		t.Fatalf("%s: %v", typ, err)
	}
	return env, ""
}

// nextEvent waits for the next pushed frame of type typ matching match,
// failing after waitTime. Frames of other types are returned to the caller
// through seen, when given.
func nextEvent(t testing.TB, c *wsclient.Conn, typ string, match func(wsclient.Envelope) bool, seen func(wsclient.Envelope)) wsclient.Envelope {
	t.Helper()
	timeout := time.After(waitTime)
	for {
		select {
		case env := <-c.Events:
			if env.Type == typ && (match == nil || match(env)) {
				return env
			}
			if seen != nil {
				seen(env)
			}
		case <-c.Done:
			t.Fatalf("socket closed while waiting for %s: %v", typ, c.CloseErr)
		case <-timeout:
			t.Fatalf("no %s frame within %s", typ, waitTime)
		}
	}
}

// isMessage matches a message.* frame carrying message id.
func isMessage(id uint64) func(wsclient.Envelope) bool {
	return func(e wsclient.Envelope) bool {
		m, err := wsclient.DecodeMessage(e)
		return err == nil && m.ID == id
	}
}

// stripeEvent renders a PaymentIntent event as Stripe does for stripe-go v76.
func stripeEvent(t testing.TB, id, typ, intentID string) []byte {
	t.Helper()
	raw, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": time.Now().Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{"id": intentID, "object": "payment_intent", "amount": 900, "currency": "eur"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// signStripe returns a Stripe-Signature header for payload.
func signStripe(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
}
