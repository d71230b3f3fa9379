package controllers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/configs"
	"workcomm/models"
	"workcomm/storage"
	"workcomm/testenv"
)

// attachment is the view of POST /attachments and of a message's files.
type attachment struct {
	ID           uint64
	Name         string
	Size         int64
	ContentType  string
	Width        *int
	Height       *int
	URL          string
	ThumbnailURL *string
}

// fileMessage is a message view with its files and reactions.
type fileMessage struct {
	ID          uint64
	Body        string
	Deleted     bool
	Attachments []attachment
	Reactions   []struct {
		Emoji string
		Count int
		Me    bool
	}
}

// multipartFile is a multipart body holding one "file" part.
func multipartFile(t testing.TB, name string, data []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts one file as the user.
func upload(t testing.TB, env *testenv.Env, u *testenv.User, name string, data []byte) *testenv.Response {
	t.Helper()
	body, ct := multipartFile(t, name, data)
	return env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/attachments", Token: u.AccessToken, Body: body,
		Header: map[string]string{"Content-Type": ct}})
}

// uploaded posts one file and expects it stored.
func uploaded(t testing.TB, env *testenv.Env, u *testenv.User, name string, data []byte) attachment {
	t.Helper()
	res := upload(t, env, u, name, data)
	testenv.Expect(t, res, http.StatusCreated)
	var a attachment
	res.JSON(t, &a)
	return a
}

// pngBytes encodes a w×h opaque PNG.
func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngClaiming is a tiny valid PNG whose header declares w×h: a
// decompression bomb as its header shows it.
func pngClaiming(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := pngBytes(t, 1, 1)
	// The IHDR chunk: length at 8, type at 12, data at 16 (width, height), CRC at 29.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// fetch GETs a link (signed, no token) with optional headers.
func fetch(t testing.TB, env *testenv.Env, link string, header map[string]string) *testenv.Response {
	t.Helper()
	return env.Do(t, testenv.Req{Method: http.MethodGet, Path: link, Header: header})
}

// sendWithFiles sends a private message with attachments.
func sendWithFiles(t testing.TB, env *testenv.Env, from, to *testenv.User, body string, ids ...uint64) *testenv.Response {
	t.Helper()
	return env.Post(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", to.ID), from.AccessToken,
		map[string]any{"body": body, "attachmentIds": ids})
}

// stored reports whether the object of the attachment's variant is in the store.
func stored(t testing.TB, env *testenv.Env, id uint64, variant string) bool {
	t.Helper()
	var a models.Attachment
	if err := env.App.DB.Unscoped().First(&a, id).Error; err != nil {
		return false // the row is gone: so must the bytes be, checked by key elsewhere
	}
	ok, err := env.App.Services.Storage.Exists(context.Background(), a.ObjectKey(variant))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// storageKey is the attachment's storage prefix, read before it goes.
func storageKey(t testing.TB, env *testenv.Env, id uint64) string {
	t.Helper()
	var a models.Attachment
	if err := env.App.DB.First(&a, id).Error; err != nil {
		t.Fatal(err)
	}
	return a.StorageKey
}

func exists(t testing.TB, env *testenv.Env, key string) bool {
	t.Helper()
	ok, err := env.App.Services.Storage.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestAttachments(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		t.Run("file storage", func(t *testing.T) { attachmentCases(t, testenv.New(t, kind)) })
		t.Run("S3 storage", func(t *testing.T) {
			url := testenv.S3StorageURL(t)
			attachmentCases(t, testenv.New(t, kind, func(c *configs.Config) { c.StorageURL = url }))
		})
	})
}

func attachmentCases(t *testing.T, env *testenv.Env) {
	alice, bob, eve := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "eve")
	env.Befriend(t, alice, bob)

	t.Run("a PNG named .exe is an inline image with its size and a thumbnail", func(t *testing.T) {
		data := pngBytes(t, 640, 480)
		a := uploaded(t, env, alice, "holiday.exe", data)
		if a.ContentType != "image/png" || a.Size != int64(len(data)) || a.Width == nil || *a.Width != 640 || *a.Height != 480 || a.ThumbnailURL == nil {
			t.Fatalf("upload %+v", a)
		}
		res := fetch(t, env, a.URL, nil)
		testenv.Expect(t, res, http.StatusOK)
		if !bytes.Equal(res.Body, data) || res.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			res.Header.Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
			t.Fatalf("download headers %v", res.Header)
		}
		thumb := fetch(t, env, *a.ThumbnailURL, nil)
		testenv.Expect(t, thumb, http.StatusOK)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb.Body))
		if err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumbnail %v %+v", err, cfg)
		}
	})

	t.Run("an HTML page named .png is a download of its sniffed type", func(t *testing.T) {
		a := uploaded(t, env, alice, "cat.png", []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"))
		if !strings.HasPrefix(a.ContentType, "text/html") || a.ThumbnailURL != nil || a.Width != nil {
			t.Fatalf("upload %+v", a)
		}
		res := fetch(t, env, a.URL, nil)
		testenv.Expect(t, res, http.StatusOK)
		if res.Header.Get("Content-Type") != "application/octet-stream" ||
			res.Header.Get("Content-Disposition") != `attachment; filename=cat.png` ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download headers %v", res.Header)
		}
	})

	t.Run("a 30000×30000 PNG is refused as an image: stored as a file, never decoded", func(t *testing.T) {
		a := uploaded(t, env, alice, "bomb.png", pngClaiming(t, 30000, 30000))
		if a.Width != nil || a.Height != nil || a.ThumbnailURL != nil {
			t.Fatalf("a bomb was decoded: %+v", a)
		}
		if stored(t, env, a.ID, models.VariantThumb) {
			t.Fatal("a thumbnail was made")
		}
	})

	t.Run("a file over the plan's size is 413 and leaves nothing", func(t *testing.T) {
		u := env.Register(t, "big")
		objsBefore, bytesBefore, err := env.App.Services.Storage.Usage(context.Background(), "att/")
		if err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte("x"), 10<<20+1)
		res := upload(t, env, u, "big.bin", big)
		if res.Status != http.StatusRequestEntityTooLarge || res.ErrorCode() != "payload_too_large" {
			t.Fatalf("declared: %d %s", res.Status, res.Body)
		}
		// Without a Content-Length, the stream is cut at the limit.
		body, ct := multipartFile(t, "big.bin", big)
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/api/v1/attachments", io.MultiReader(bytes.NewReader(body)))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+u.AccessToken)
		req.ContentLength = -1
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("streamed: %d", r.StatusCode)
		}
		var n int64
		env.App.DB.Model(&models.Attachment{}).Where("owner_id = ?", u.ID).Count(&n)
		if n != 0 {
			t.Fatalf("%d rows left behind", n)
		}
		if objs, size, err := env.App.Services.Storage.Usage(context.Background(), "att/"); err != nil || objs != objsBefore || size != bytesBefore {
			t.Fatalf("the refused uploads left files: %d objects (%d bytes), before %d (%d) %v", objs, size, objsBefore, bytesBefore, err)
		}
	})

	t.Run("over the plan's quota is 403 plan_limit", func(t *testing.T) {
		u := env.Register(t, "full")
		now := time.Now()
		hog := &models.Attachment{OwnerID: u.ID, Name: "hog", Size: 1<<30 - 100, StorageKey: models.NewStorageKey("att"), UploadedAt: &now}
		if err := env.App.DB.Create(hog).Error; err != nil {
			t.Fatal(err)
		}
		res := upload(t, env, u, "one.txt", bytes.Repeat([]byte("y"), 1000))
		if res.Status != http.StatusForbidden || res.ErrorCode() != "plan_limit" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})

	t.Run("attached to a message: participants only, Range, fresh links", func(t *testing.T) {
		data := []byte("0123456789abcdefghij report body")
		a := uploaded(t, env, alice, "report.txt", data)
		res := sendWithFiles(t, env, alice, bob, "", a.ID)
		testenv.Expect(t, res, http.StatusCreated)
		var m fileMessage
		res.JSON(t, &m)
		if len(m.Attachments) != 1 || m.Attachments[0].ID != a.ID || m.Attachments[0].Name != "report.txt" {
			t.Fatalf("message %+v", m)
		}
		var hist struct{ Items []fileMessage }
		res = env.Get(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", alice.ID), bob.AccessToken)
		testenv.Expect(t, res, http.StatusOK)
		res.JSON(t, &hist)
		last := hist.Items[len(hist.Items)-1]
		if len(last.Attachments) != 1 || last.Attachments[0].ID != a.ID {
			t.Fatalf("history %+v", hist)
		}
		testenv.Expect(t, env.Get(t, fmt.Sprintf("/api/v1/attachments/%d", a.ID), bob.AccessToken), http.StatusOK)
		testenv.Expect(t, env.Get(t, fmt.Sprintf("/api/v1/attachments/%d", a.ID), eve.AccessToken), http.StatusNotFound)

		ranged := fetch(t, env, last.Attachments[0].URL, map[string]string{"Range": "bytes=10-19"})
		testenv.Expect(t, ranged, http.StatusPartialContent)
		if string(ranged.Body) != "abcdefghij" || ranged.Header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", len(data)) {
			t.Fatalf("range: %q %v", ranged.Body, ranged.Header)
		}

		// Without the signature, or with one from 20 minutes ago, it is 404.
		path, _, _ := strings.Cut(a.URL, "?")
		testenv.Expect(t, fetch(t, env, path, nil), http.StatusNotFound)
		past, err := storage.NewLinksClock([]byte("test-secret-test-secret-test-secret-0123"), func() time.Time { return time.Now().Add(-20 * time.Minute) })
		if err != nil {
			t.Fatal(err)
		}
		old := path + "?" + past.Sign(storage.KindAttachment, a.ID, models.VariantOriginal).Encode()
		testenv.Expect(t, fetch(t, env, old, nil), http.StatusNotFound)
		// The same signature on another attachment's id is 404 too.
		other := strings.Replace(a.URL, fmt.Sprintf("/%d/", a.ID), fmt.Sprintf("/%d/", a.ID+1), 1)
		testenv.Expect(t, fetch(t, env, other, nil), http.StatusNotFound)
	})

	t.Run("attachmentIds: own unattached uploads only, at most 10", func(t *testing.T) {
		mine := uploaded(t, env, alice, "a.txt", []byte("mine"))
		theirs := uploaded(t, env, eve, "e.txt", []byte("theirs"))
		for name, ids := range map[string][]uint64{
			"someone else's": {theirs.ID}, "unknown": {999999}, "mine and someone else's": {mine.ID, theirs.ID},
			"eleven": {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		} {
			res := sendWithFiles(t, env, alice, bob, "see attached", ids...)
			if res.Status != http.StatusBadRequest || res.ErrorFields()["attachmentIds"] == "" {
				t.Errorf("%s: %d %s", name, res.Status, res.Body)
			}
		}
		testenv.Expect(t, sendWithFiles(t, env, alice, bob, "", mine.ID), http.StatusCreated)
		res := sendWithFiles(t, env, alice, bob, "again", mine.ID)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("an attached upload attached again: %d", res.Status)
		}
		res = sendWithFiles(t, env, alice, bob, "  ")
		if res.Status != http.StatusBadRequest || res.ErrorFields()["body"] == "" {
			t.Fatalf("an empty message: %d %s", res.Status, res.Body)
		}
	})

	t.Run("a deleted message's files are 404 and their bytes gone", func(t *testing.T) {
		a := uploaded(t, env, alice, "photo.png", pngBytes(t, 64, 64))
		key := storageKey(t, env, a.ID)
		res := sendWithFiles(t, env, alice, bob, "look", a.ID)
		testenv.Expect(t, res, http.StatusCreated)
		var m fileMessage
		res.JSON(t, &m)
		testenv.Expect(t, fetch(t, env, m.Attachments[0].URL, nil), http.StatusOK)
		testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", m.ID), alice.AccessToken), http.StatusNoContent)
		testenv.Expect(t, fetch(t, env, m.Attachments[0].URL, nil), http.StatusNotFound)
		testenv.Expect(t, fetch(t, env, *m.Attachments[0].ThumbnailURL, nil), http.StatusNotFound)
		testenv.Expect(t, env.Get(t, fmt.Sprintf("/api/v1/attachments/%d", a.ID), bob.AccessToken), http.StatusNotFound)
		if exists(t, env, key+"/original") || exists(t, env, key+"/thumb") {
			t.Fatal("the bytes of a deleted message's file remain")
		}
	})

	t.Run("an upload never attached is removed after 24 hours", func(t *testing.T) {
		a := uploaded(t, env, alice, "draft.txt", []byte("never sent"))
		key := storageKey(t, env, a.ID)
		n, err := env.App.Services.Attachments.SweepOrphans(context.Background(), time.Now().Add(23*time.Hour))
		if err != nil || !exists(t, env, key+"/original") {
			t.Fatalf("removed before its time (%d, %v)", n, err)
		}
		n, err = env.App.Services.Attachments.SweepOrphans(context.Background(), time.Now().Add(25*time.Hour))
		if err != nil || n == 0 || exists(t, env, key+"/original") {
			t.Fatalf("orphan kept (%d, %v)", n, err)
		}
		testenv.Expect(t, fetch(t, env, a.URL, nil), http.StatusNotFound)
		var left int64
		env.App.DB.Model(&models.Attachment{}).Where("id = ?", a.ID).Count(&left)
		if left != 0 {
			t.Fatal("the orphan's row remains")
		}
	})

	t.Run("admin stats count stored bytes", func(t *testing.T) {
		admin := env.RegisterAdmin(t, "root")
		res := env.Get(t, "/api/v1/admin/stats", admin.AccessToken)
		testenv.Expect(t, res, http.StatusOK)
		var s struct{ StorageBytes int64 }
		res.JSON(t, &s)
		want, _ := models.StorageBytes(context.Background(), env.App.DB)
		if s.StorageBytes <= 0 || s.StorageBytes != want {
			t.Fatalf("storageBytes %d, want %d", s.StorageBytes, want)
		}
	})
}

func TestAttachmentsAcrossTwoNodes(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		t.Run("one folder", func(t *testing.T) { twoNodeFiles(t, kind, "file://"+t.TempDir()) })
		t.Run("one S3 bucket", func(t *testing.T) { twoNodeFiles(t, kind, testenv.S3StorageURL(t)) })
	})
}

// twoNodeFiles: what one node stores, the other serves and deletes.
func twoNodeFiles(t *testing.T, kind, storageURL string) {
	db, dbURL := testenv.OpenDB(t, kind)
	cfgA, cfgB := testenv.Config(), testenv.Config()
	cfgA.StorageURL, cfgB.StorageURL = storageURL, storageURL
	a := testenv.NewOnDB(t, kind, db, dbURL, cfgA)
	b := testenv.NewOnDB(t, kind, db, dbURL, cfgB)
	alice, bob := a.Register(t, "alice"), a.Register(t, "bob")
	a.Befriend(t, alice, bob)

	data := pngBytes(t, 400, 100)
	up := uploaded(t, a, alice, "wide.png", data)
	key := storageKey(t, a, up.ID)
	res := sendWithFiles(t, b, alice, bob, "from node B", up.ID)
	testenv.Expect(t, res, http.StatusCreated)
	var m fileMessage
	res.JSON(t, &m)
	got := fetch(t, b, m.Attachments[0].URL, nil)
	testenv.Expect(t, got, http.StatusOK)
	if !bytes.Equal(got.Body, data) {
		t.Fatal("node B served other bytes")
	}
	testenv.Expect(t, fetch(t, b, *up.ThumbnailURL, nil), http.StatusOK)
	testenv.Expect(t, b.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", m.ID), alice.AccessToken), http.StatusNoContent)
	testenv.Expect(t, fetch(t, a, up.URL, nil), http.StatusNotFound)
	if exists(t, a, key+"/original") || exists(t, a, key+"/thumb") {
		t.Fatal("node A still has the bytes node B deleted")
	}
}

func TestADeletedGroupsFilesAreGone(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		owner := env.Register(t, "owner")
		g := authzGroup(t, &authzFixture{env: env, owner: owner})
		a := uploaded(t, env, owner, "plan.pdf", []byte("%PDF-1.4 plan"))
		key := storageKey(t, env, a.ID)
		res := env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g), owner.AccessToken, map[string]any{"body": "the plan", "attachmentIds": []uint64{a.ID}})
		testenv.Expect(t, res, http.StatusCreated)
		var m fileMessage
		res.JSON(t, &m)
		if len(m.Attachments) != 1 {
			t.Fatalf("message %+v", m)
		}
		var groups struct {
			Items []struct{ LastMessage *fileMessage }
		}
		res = env.Get(t, "/api/v1/chat/groups", owner.AccessToken)
		res.JSON(t, &groups)
		if len(groups.Items) != 1 || groups.Items[0].LastMessage == nil || len(groups.Items[0].LastMessage.Attachments) != 1 {
			t.Fatalf("the list's last message lacks its file: %s", res.Body)
		}
		testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/%d", g), owner.AccessToken), http.StatusNoContent)
		testenv.Expect(t, fetch(t, env, m.Attachments[0].URL, nil), http.StatusNotFound)
		if exists(t, env, key+"/original") {
			t.Fatal("a deleted group's file remains")
		}
	})
}

func TestAttachmentsThroughTheSocket(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		env.Befriend(t, alice, bob)
		a := uploaded(t, env, alice, "pic.png", pngBytes(t, 32, 32))
		sender := adminDialReady(t, env, "/ws/private", alice)
		peer := adminDialReady(t, env, "/ws/private", bob)
		frame := map[string]any{"type": "message.send", "id": "f1", "data": map[string]any{"toUserId": bob.ID, "body": "", "attachmentIds": []uint64{a.ID}}}
		if err := sender.WriteJSON(frame); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			conn *websocket.Conn
			typ  string
		}{{sender, "ack"}, {peer, "message.new"}} {
			var got struct{ Message fileMessage }
			readFrame(t, c.conn, c.typ, &got)
			if len(got.Message.Attachments) != 1 || got.Message.Attachments[0].ID != a.ID || got.Message.Attachments[0].ThumbnailURL == nil {
				t.Fatalf("%s: %+v", c.typ, got.Message)
			}
			testenv.Expect(t, fetch(t, env, *got.Message.Attachments[0].ThumbnailURL, nil), http.StatusOK)
		}
		// Someone else's upload through the socket: refused with the field named.
		theirs := uploaded(t, env, bob, "b.txt", []byte("bob's"))
		frame["id"], frame["data"] = "f2", map[string]any{"toUserId": bob.ID, "body": "x", "attachmentIds": []uint64{theirs.ID}}
		if err := sender.WriteJSON(frame); err != nil {
			t.Fatal(err)
		}
		var refused struct {
			Code   string
			Fields map[string]string
		}
		readFrame(t, sender, "error", &refused)
		if refused.Code != "validation_failed" || refused.Fields["attachmentIds"] == "" {
			t.Fatalf("error %+v", refused)
		}
	})
}

// readFrame reads frames until one of type typ and decodes its data into v,
// failing if none comes within readyWait.
func readFrame(t *testing.T, conn *websocket.Conn, typ string, v any) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(readyWait))
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var f struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &f) != nil || f.Type != typ {
			continue
		}
		if err := json.Unmarshal(f.Data, v); err != nil {
			t.Fatal(err)
		}
		return
	}
}
