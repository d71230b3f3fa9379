package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	_ "image/jpeg" // the stored variants may be JPEG

	"workcomm/models"
	"workcomm/storage"
	"workcomm/testenv"
)

// pngOf encodes a w×h picture: red on the left half, blue on the right, so
// that the centre square of a wide picture is half of each.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// putAvatar uploads data as the multipart field file.
func putAvatar(t *testing.T, env *testenv.Env, token string, data []byte) *testenv.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "me.png")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	return env.Do(t, testenv.Req{Method: http.MethodPut, Path: "/api/v1/users/me/avatar", Token: token, Body: body.Bytes(),
		Header: map[string]string{"Content-Type": mw.FormDataContentType()}})
}

// fetchImage GETs a URL of the app without any header, as an <img> does.
func fetchImage(t *testing.T, env *testenv.Env, rawURL string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(env.Server.URL + rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, data
}

func avatarURLOf(t *testing.T, res *testenv.Response) string {
	t.Helper()
	var u struct {
		AvatarURL *string `json:"avatarUrl"`
	}
	res.JSON(t, &u)
	if u.AvatarURL == nil {
		return ""
	}
	return *u.AvatarURL
}

func TestAvatars(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		me, other := env.Register(t, "pictured"), env.Register(t, "looker")

		var first string
		t.Run("an upload is stored as a 256 px square that an <img> can load, and others see it", func(t *testing.T) {
			res := putAvatar(t, env, me.AccessToken, pngOf(t, 600, 300))
			testenv.Expect(t, res, http.StatusOK)
			first = avatarURLOf(t, res)
			if !strings.HasPrefix(first, fmt.Sprintf("/api/v1/avatars/%d/256?", me.ID)) {
				t.Fatalf("avatarUrl %q", first)
			}
			img, data := fetchImage(t, env, first)
			if img.StatusCode != http.StatusOK || !strings.HasPrefix(img.Header.Get("Content-Type"), "image/") {
				t.Fatalf("GET avatar: %d %s", img.StatusCode, img.Header.Get("Content-Type"))
			}
			decoded, _, err := image.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if b := decoded.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
				t.Fatalf("stored %v, want 256×256", b)
			}
			// The centre square of a red|blue picture is red on the left, blue on the right.
			if r, _, b, _ := decoded.At(10, 128).RGBA(); r < b {
				t.Fatal("the left of the square is not red: not the centre crop")
			}
			if p := getPublic(t, env, other, me.ID); p.AvatarURL == nil || !strings.HasPrefix(*p.AvatarURL, fmt.Sprintf("/api/v1/avatars/%d/256?", me.ID)) {
				t.Fatalf("public view: %+v", p)
			}
		})

		t.Run("the 64 px variant is there too", func(t *testing.T) {
			q := env.App.Services.Links.Sign(storage.KindAvatar, me.ID, "64")
			res, data := fetchImage(t, env, fmt.Sprintf("/api/v1/avatars/%d/64?%s", me.ID, q.Encode()))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("64: %d", res.StatusCode)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg.Width != 64 || cfg.Height != 64 {
				t.Fatalf("64 variant: %+v %v", cfg, err)
			}
		})

		t.Run("an altered or borrowed link is 404", func(t *testing.T) {
			u, _ := url.Parse(first)
			q := u.Query()
			q.Set("s", strings.Repeat("A", len(q.Get("s"))))
			if res, _ := fetchImage(t, env, u.Path+"?"+q.Encode()); res.StatusCode != http.StatusNotFound {
				t.Fatalf("altered signature: %d", res.StatusCode)
			}
			borrowed := strings.Replace(first, fmt.Sprintf("/%d/", me.ID), fmt.Sprintf("/%d/", other.ID), 1)
			if res, _ := fetchImage(t, env, borrowed); res.StatusCode != http.StatusNotFound {
				t.Fatalf("another user's id with this signature: %d", res.StatusCode)
			}
			if res, _ := fetchImage(t, env, u.Path); res.StatusCode != http.StatusNotFound {
				t.Fatalf("no signature: %d", res.StatusCode)
			}
		})

		t.Run("a new picture replaces the old one, whose files are removed", func(t *testing.T) {
			before, err := models.GetUser(context.Background(), env.App.DB, me.ID)
			if err != nil {
				t.Fatal(err)
			}
			res := putAvatar(t, env, me.AccessToken, pngOf(t, 100, 100))
			testenv.Expect(t, res, http.StatusOK)
			if second := avatarURLOf(t, res); second == first || second == "" {
				t.Fatalf("the URL did not change: %q", second)
			}
			for _, v := range []string{"256", "64"} {
				if ok, err := env.App.Services.Storage.Exists(context.Background(), before.AvatarKey+"/"+v); err != nil || ok {
					t.Fatalf("old %s variant still stored (%v)", v, err)
				}
			}
		})

		t.Run("what is not a picture, or too big, is refused", func(t *testing.T) {
			res := putAvatar(t, env, me.AccessToken, []byte("just some text, not an image at all"))
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["file"] == "" {
				t.Fatalf("text: %s", res.Body)
			}
			big := append(pngOf(t, 10, 10), make([]byte, 5<<20)...)
			testenv.Expect(t, putAvatar(t, env, me.AccessToken, big), http.StatusRequestEntityTooLarge)
			testenv.Expect(t, putAvatar(t, env, "", pngOf(t, 10, 10)), http.StatusUnauthorized)
		})

		t.Run("DELETE removes it: null again, and the link is dead", func(t *testing.T) {
			current := avatarURLOf(t, env.Get(t, "/api/v1/users/me", me.AccessToken))
			testenv.Expect(t, env.Delete(t, "/api/v1/users/me/avatar", me.AccessToken), http.StatusNoContent)
			if got := avatarURLOf(t, env.Get(t, "/api/v1/users/me", me.AccessToken)); got != "" {
				t.Fatalf("avatarUrl after delete: %q", got)
			}
			if res, _ := fetchImage(t, env, current); res.StatusCode != http.StatusNotFound {
				t.Fatalf("old link after delete: %d", res.StatusCode)
			}
			testenv.Expect(t, env.Delete(t, "/api/v1/users/me/avatar", me.AccessToken), http.StatusNoContent)
		})
	})
}
