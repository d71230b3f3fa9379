//go:build unix

package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"workcomm/testenv"
	"workcomm/wsclient"
)

// Counters reported once at the end of the run (TestMain).
var (
	faultsInjected atomic.Int64 // stops, kills and crashes caused on purpose
	ackedChecked   atomic.Int64 // acknowledged messages found stored exactly once
	duplicates     atomic.Int64 // stored duplicates found (must stay 0)
)

// waitTime bounds every wait for an answer or a frame.
const waitTime = 15 * time.Second

// jwtSecret is the nodes' JWT_SECRET.
const jwtSecret = "faults-secret-faults-secret-0123456789"

// nodeEnv is what every node gets; tests append their own.
func nodeEnv(extra ...string) []string {
	return append([]string{
		"APP_ENV=test", // bcrypt at its minimum cost: hundreds of accounts are made
		"JWT_SECRET=" + jwtSecret,
		"LOG_LEVEL=warn",
		"RATE_LIMIT_REGISTER_PER_HOUR=100000",
		"RATE_LIMIT_WRITES_PER_MINUTE=100000",
		"SHUTDOWN_TIMEOUT=5s",
	}, extra...)
}

// httpClient bounds every REST call of the tests.
var httpClient = &http.Client{Timeout: waitTime, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a REST request and returns the status and body (0 and the error
// text when the node did not answer).
func call(base, method, path, token string, body any, header map[string]string) (int, []byte) {
	var r io.Reader
	if body != nil {
		if b, ok := body.([]byte); ok {
			r = bytes.NewReader(b)
		} else {
			raw, _ := json.Marshal(body)
			r = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		return 0, []byte(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// must is call that fails the test unless the status is want, decoding the
// answer into out when given.
func must(t testing.TB, base, method, path, token string, body any, want int, out any) {
	t.Helper()
	status, raw := call(base, method, path, token, body, nil)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func errorCode(raw []byte) string {
	var b struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(raw, &b)
	return b.Error.Code
}

// account is a registered user.
type account struct {
	ID       uint64
	Username string
	Token    string
}

func register(t testing.TB, base, prefix string) *account {
	t.Helper()
	name := testenv.UniqueName(prefix + "_")
	var s struct {
		User        struct{ ID uint64 }
		AccessToken string
	}
	must(t, base, http.MethodPost, "/api/v1/auth/register", "", map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name}, http.StatusCreated, &s)
	return &account{ID: s.User.ID, Username: name, Token: s.AccessToken}
}

// group makes a group of owner and members and returns its id.
func group(t testing.TB, base string, owner *account, members []*account) uint64 {
	t.Helper()
	ids := make([]uint64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	var g struct{ ID uint64 }
	must(t, base, http.MethodPost, "/api/v1/chat/groups", owner.Token, map[string]any{"name": "faults", "memberIds": ids}, http.StatusCreated, &g)
	return g.ID
}

// openDB opens a database the tests read directly (the set check trusts the
// rows, not the API under test).
func openDB(t testing.TB, url string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(url), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
	return db
}

// storedMessage is a row of messages.
type storedMessage struct {
	ID          uint64
	ConvType    string
	ConvID      uint64
	Seq         uint64
	SenderID    uint64
	ClientMsgID *string
}

// stored reads every message of the group conversations, in seq order,
// retrying while the database is still coming back.
func stored(t testing.TB, db *gorm.DB, groups []uint64) map[uint64][]storedMessage {
	t.Helper()
	var rows []storedMessage
	deadline := time.Now().Add(waitTime)
	for {
		err := db.Table("messages").Select("id, conv_type, conv_id, seq, sender_id, client_msg_id").
			Where("conv_type = ? AND conv_id IN ?", "group", groups).Order("conv_id, seq").Scan(&rows).Error
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := map[uint64][]storedMessage{}
	for _, r := range rows {
		out[r.ConvID] = append(out[r.ConvID], r)
	}
	return out
}

// setCheck is the Jepsen-style check: every acknowledged message is stored,
// once, with the id it was acknowledged with; nothing is stored twice (by
// sender and clientMsgId); each conversation's seqs run 1..n without gap.
// It returns how many acknowledged messages it checked.
func setCheck(t testing.TB, acked map[string]uint64, rows map[uint64][]storedMessage) int {
	t.Helper()
	byKey := map[string][]storedMessage{}
	for conv, list := range rows {
		for i, m := range list {
			if m.Seq != uint64(i+1) {
				t.Errorf("group %d: seq %d at position %d (a gap or a repeat)", conv, m.Seq, i+1)
				break
			}
		}
		for _, m := range list {
			if m.ClientMsgID != nil {
				k := fmt.Sprintf("%d/%s", m.SenderID, *m.ClientMsgID)
				byKey[k] = append(byKey[k], m)
			}
		}
	}
	for k, list := range byKey {
		if len(list) > 1 {
			duplicates.Add(int64(len(list) - 1))
			t.Errorf("%s stored %d times", k, len(list))
		}
	}
	for k, id := range acked {
		list := byKey[k]
		switch {
		case len(list) == 0:
			t.Errorf("acknowledged %s (id %d) is not stored", k, id)
		case list[0].ID != id:
			t.Errorf("acknowledged %s as id %d, stored as %d", k, id, list[0].ID)
		}
	}
	ackedChecked.Add(int64(len(acked)))
	return len(acked)
}

// chatter is a group member's client as a browser runs it: it connects to
// one of the nodes (another after a failure), syncs from its last contiguous
// seq on every connect, and resends what was not acknowledged with the same
// clientMsgId. The account is kept for the checks and their messages.
type chatter struct {
	*wsclient.Session
	acct  *account
	group uint64
}

// newChatter makes a chatter on the nodes' /ws/group URLs, in preference order.
func newChatter(a *account, group uint64, nodes func() []string) *chatter {
	s := wsclient.NewSession(wsclient.SessionConfig{URLs: nodes, Options: wsclient.Options{Token: a.Token}, GroupID: group, AckTimeout: waitTime})
	return &chatter{Session: s, acct: a, group: group}
}

// finish syncs once more (a live delivery may have been lost between nodes)
// and closes the socket.
func (c *chatter) finish(t testing.TB, ctx context.Context) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		err := c.Resync(ctx)
		if err == nil {
			break
		}
		if attempt > 20 || ctx.Err() != nil {
			t.Fatalf("%s: final sync: %v", c.acct.Username, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Frames of the sync land on Events before sync.done; the recorder may
	// still be copying them.
	deadline := time.Now().Add(waitTime)
	for {
		if len(c.Conn().Events) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	c.Close()
}

// holdsAll checks that c received every stored message of its group, and
// nothing else, once duplicates are dropped by id.
func (c *chatter) holdsAll(t testing.TB, rows []storedMessage) (dupes int) {
	t.Helper()
	for _, m := range rows {
		if !c.Has(m.ID) {
			t.Errorf("%s misses message %d (seq %d) of group %d", c.acct.Username, m.ID, m.Seq, c.group)
			return 0
		}
	}
	if held := c.Held(); held != len(rows) {
		t.Errorf("%s holds %d messages of group %d, the database %d", c.acct.Username, held, c.group, len(rows))
	}
	return c.Deliveries() - c.Held()
}

// ledger keeps what a fault test's senders sent (per user, in sending order)
// and what was acknowledged ("user/clientMsgId" → message id): the inputs of
// senderOrder and setCheck.
type ledger struct {
	mu    sync.Mutex
	sent  map[uint64][]string
	acked map[string]uint64
}

func newLedger() *ledger {
	return &ledger{sent: map[uint64][]string{}, acked: map[string]uint64{}}
}

// ack records an acknowledged message.
func (l *ledger) ack(user uint64, cmid string, id uint64) {
	l.mu.Lock()
	l.acked[fmt.Sprintf("%d/%s", user, cmid)] = id
	l.mu.Unlock()
}

// sendLoop sends from c until sendCtx ends, one message at a time, each until
// acknowledged (ctx bounds the retries): message n has clientMsgId prefix-n
// and body "word prefix-n". After each ack it calls onAck (if not nil) and
// waits pause().
func (l *ledger) sendLoop(t testing.TB, ctx, sendCtx context.Context, c *chatter, prefix, word string, onAck func(*wsclient.Message), pause func() time.Duration) {
	for n := 0; sendCtx.Err() == nil; n++ {
		cmid := fmt.Sprintf("%s-%d", prefix, n)
		l.mu.Lock()
		l.sent[c.acct.ID] = append(l.sent[c.acct.ID], cmid)
		l.mu.Unlock()
		m, err := c.Send(ctx, word+" "+cmid, cmid)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("%s: %v", cmid, err)
			}
			return
		}
		l.ack(c.acct.ID, cmid, m.ID)
		if onAck != nil {
			onAck(m)
		}
		time.Sleep(pause())
	}
}

// every returns a pause of d.
func every(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// senderOrder checks that each sender's messages, sent one after the other
// (each waits for its ack), are stored in the order they were sent.
func senderOrder(t testing.TB, sent map[uint64][]string, rows map[uint64][]storedMessage) {
	t.Helper()
	pos := map[string]uint64{}
	for _, list := range rows {
		for _, m := range list {
			if m.ClientMsgID != nil {
				pos[fmt.Sprintf("%d/%s", m.SenderID, *m.ClientMsgID)] = m.Seq
			}
		}
	}
	for sender, cmids := range sent {
		var last uint64
		for _, cmid := range cmids {
			s, ok := pos[fmt.Sprintf("%d/%s", sender, cmid)]
			if !ok {
				continue // sent but never acknowledged
			}
			if s <= last {
				t.Errorf("sender %d: %s stored at seq %d, after seq %d of an earlier send", sender, cmid, s, last)
			}
			last = s
		}
	}
}

// sortedKeys is for stable logs.
func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// codesOf merges the error codes the chatters saw.
func codesOf(cs []*chatter) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		for k, v := range c.Codes() {
			out[k] += v
		}
	}
	return out
}

func fmtCodes(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
