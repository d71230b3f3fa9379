package controllers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pquerna/otp/totp"

	"workcomm/configs"
	"workcomm/testenv"
	"workcomm/twofactor"
)

// totpCode is the code an authenticator app shows at t for secret.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enableTwoFactor sets two-factor up and on for u, as the profile page
// does, and returns the secret and the recovery codes.
func enableTwoFactor(t *testing.T, env *testenv.Env, u *testenv.User) (string, []string) {
	t.Helper()
	res := env.Post(t, "/api/v1/users/me/2fa/setup", u.AccessToken, nil)
	testenv.Expect(t, res, http.StatusOK)
	var setup struct{ Secret, OtpauthURL string }
	res.JSON(t, &setup)
	res = env.Post(t, "/api/v1/users/me/2fa/enable", u.AccessToken, map[string]string{"code": totpCode(t, setup.Secret, time.Now())})
	testenv.Expect(t, res, http.StatusOK)
	var codes struct{ RecoveryCodes []string }
	res.JSON(t, &codes)
	return setup.Secret, codes.RecoveryCodes
}

// challengeFor logs u in with the password and returns the second step's
// challenge, checking that no token came with it.
func challengeFor(t *testing.T, env *testenv.Env, u *testenv.User) string {
	t.Helper()
	res := login(t, env, u.Username, u.Password)
	testenv.Expect(t, res, http.StatusOK)
	var body map[string]any
	res.JSON(t, &body)
	if body["twoFactorRequired"] != true || body["challenge"] == "" || body["accessToken"] != nil || body["refreshToken"] != nil {
		t.Fatalf("login with two-factor on answered %s", res.Body)
	}
	if strings.Contains(res.Header.Get("Set-Cookie"), "wc_refresh=") {
		t.Fatal("the password step set the refresh cookie")
	}
	return body["challenge"].(string)
}

func secondStep(t *testing.T, env *testenv.Env, challenge, field, code string) *testenv.Response {
	t.Helper()
	return env.Post(t, "/api/v1/auth/login/2fa", "", map[string]string{"challenge": challenge, field: code})
}

func selfTwoFactor(t *testing.T, env *testenv.Env, token string) bool {
	t.Helper()
	res := env.Get(t, "/api/v1/users/me", token)
	testenv.Expect(t, res, http.StatusOK)
	var me struct {
		TwoFactorEnabled *bool `json:"twoFactorEnabled"`
	}
	res.JSON(t, &me)
	if me.TwoFactorEnabled == nil {
		t.Fatalf("the self view has no twoFactorEnabled: %s", res.Body)
	}
	return *me.TwoFactorEnabled
}

func TestTwoFactor(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)

		t.Run("setup gives a secret and its otpauth URL; a wrong code does not turn it on", func(t *testing.T) {
			u := env.Register(t, "setup")
			res := env.Post(t, "/api/v1/users/me/2fa/setup", u.AccessToken, nil)
			testenv.Expect(t, res, http.StatusOK)
			var setup struct{ Secret, OtpauthURL string }
			res.JSON(t, &setup)
			parsed, err := url.Parse(setup.OtpauthURL)
			if err != nil || parsed.Scheme != "otpauth" || parsed.Host != "totp" || parsed.Query().Get("secret") != setup.Secret ||
				parsed.Query().Get("issuer") != twofactor.Issuer || !strings.Contains(parsed.Path, u.Username) {
				t.Fatalf("otpauth URL %q for secret %q", setup.OtpauthURL, setup.Secret)
			}
			wrong := env.Post(t, "/api/v1/users/me/2fa/enable", u.AccessToken, map[string]string{"code": "000000"})
			if totpCode(t, setup.Secret, time.Now()) != "000000" {
				testenv.Expect(t, wrong, http.StatusBadRequest)
				if wrong.ErrorFields()["code"] == "" {
					t.Fatalf("a wrong code: %s, want an error on code", wrong.Body)
				}
			}
			if selfTwoFactor(t, env, u.AccessToken) {
				t.Fatal("two-factor is on after a wrong code")
			}
			testenv.Expect(t, login(t, env, u.Username, u.Password), http.StatusOK) // still one step
		})

		t.Run("the right code turns it on with ten recovery codes; setup again is refused", func(t *testing.T) {
			u := env.Register(t, "enable")
			_, codes := enableTwoFactor(t, env, u)
			if len(codes) != twofactor.RecoveryCodeCount {
				t.Fatalf("%d recovery codes, want %d", len(codes), twofactor.RecoveryCodeCount)
			}
			if !selfTwoFactor(t, env, u.AccessToken) {
				t.Fatal("the self view says two-factor is off")
			}
			testenv.Expect(t, env.Post(t, "/api/v1/users/me/2fa/setup", u.AccessToken, nil), http.StatusConflict)
		})

		t.Run("sign-in takes a code once; the same code twice is refused", func(t *testing.T) {
			u := env.Register(t, "signin")
			secret, _ := enableTwoFactor(t, env, u)
			// The enabling code used the current time step: the next one is
			// within the accepted drift and not yet used.
			code := totpCode(t, secret, time.Now().Add(twofactor.Period))
			wrong := "123456"
			if wrong == code {
				wrong = "654321"
			}
			challenge := challengeFor(t, env, u)
			res := secondStep(t, env, challenge, "code", wrong)
			testenv.Expect(t, res, http.StatusUnauthorized)
			if res.ErrorCode() != "invalid_credentials" {
				t.Fatalf("a wrong code: %s", res.Body)
			}
			res = secondStep(t, env, challenge, "code", code)
			testenv.Expect(t, res, http.StatusOK)
			var s session
			res.JSON(t, &s)
			if s.AccessToken == "" || !strings.Contains(res.Header.Get("Set-Cookie"), "wc_refresh="+s.RefreshToken) {
				t.Fatalf("no session after the right code: %s", res.Body)
			}
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", s.AccessToken), http.StatusOK)

			// The challenge is spent, and the code is too, even with a new challenge.
			testenv.Expect(t, secondStep(t, env, challenge, "code", code), http.StatusUnauthorized)
			res = secondStep(t, env, challengeFor(t, env, u), "code", code)
			testenv.Expect(t, res, http.StatusUnauthorized)
			if res.ErrorCode() != "invalid_credentials" {
				t.Fatalf("a replayed code: %s", res.Body)
			}
		})

		t.Run("a recovery code works once", func(t *testing.T) {
			u := env.Register(t, "recover")
			_, codes := enableTwoFactor(t, env, u)
			testenv.Expect(t, secondStep(t, env, challengeFor(t, env, u), "recoveryCode", strings.ToUpper(codes[3])), http.StatusOK)
			testenv.Expect(t, secondStep(t, env, challengeFor(t, env, u), "recoveryCode", codes[3]), http.StatusUnauthorized)
			testenv.Expect(t, secondStep(t, env, challengeFor(t, env, u), "recoveryCode", codes[4]), http.StatusOK)
		})

		t.Run("the challenge opens no socket, refresh or API call", func(t *testing.T) {
			u := env.Register(t, "bypass")
			enableTwoFactor(t, env, u)
			challenge := challengeFor(t, env, u)
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", challenge), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": challenge}), http.StatusUnauthorized)
			for _, path := range []string{"/ws/private", "/ws/group"} {
				_, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.Server.URL, "http")+path,
					http.Header{"Authorization": {"Bearer " + challenge}})
				if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("%s with a challenge: err %v, response %v; want 401", path, err, res)
				}
			}
			// Nor does a challenge answer without a code, or with both.
			testenv.Expect(t, env.Post(t, "/api/v1/auth/login/2fa", "", map[string]string{"challenge": challenge}), http.StatusBadRequest)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/login/2fa", "", map[string]string{"challenge": "not-a-challenge", "code": "123456"}), http.StatusUnauthorized)
		})

		t.Run("disable needs the password and a code", func(t *testing.T) {
			u := env.Register(t, "disable")
			_, codes := enableTwoFactor(t, env, u)
			disable := func(password, code string) *testenv.Response {
				return env.Post(t, "/api/v1/users/me/2fa/disable", u.AccessToken, map[string]string{"password": password, "code": code})
			}
			res := disable("not my password", codes[0])
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["password"] == "" {
				t.Fatalf("a wrong password: %s", res.Body)
			}
			res = disable(u.Password, "zzzzz-zzzzz")
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["code"] == "" {
				t.Fatalf("a wrong code: %s", res.Body)
			}
			testenv.Expect(t, disable(u.Password, codes[0]), http.StatusNoContent)
			if selfTwoFactor(t, env, u.AccessToken) {
				t.Fatal("still on after disable")
			}
			testenv.Expect(t, login(t, env, u.Username, u.Password), http.StatusOK)
			var s session
			login(t, env, u.Username, u.Password).JSON(t, &s)
			if s.AccessToken == "" {
				t.Fatal("login after disable gave no session")
			}
			testenv.Expect(t, disable(u.Password, codes[1]), http.StatusConflict)
		})

		t.Run("admins see who has two-factor on, never the secret", func(t *testing.T) {
			admin := env.RegisterAdmin(t, "boss")
			u := env.Register(t, "shown")
			secret, _ := enableTwoFactor(t, env, u)
			res := env.Get(t, "/api/v1/admin/users?q="+u.Username, admin.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var list struct {
				Items []struct {
					ID               uint64 `json:"id"`
					TwoFactorEnabled bool   `json:"twoFactorEnabled"`
				} `json:"items"`
			}
			res.JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].ID != u.ID || !list.Items[0].TwoFactorEnabled {
				t.Fatalf("admin list: %s", res.Body)
			}
			if strings.Contains(string(res.Body), secret) || strings.Contains(strings.ToLower(string(res.Body)), "secret") {
				t.Fatalf("the admin list leaks the secret: %s", res.Body)
			}
		})
	})
}

func TestTwoFactorWrongCodesSpendTheLoginBudget(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, func(c *configs.Config) { c.LoginFailures = 3 })
		u := env.Register(t, "guess")
		secret, _ := enableTwoFactor(t, env, u)
		challenge := challengeFor(t, env, u)
		for i := range 3 {
			code := fmt.Sprintf("%06d", 111111*(i+1))
			if code == totpCode(t, secret, time.Now().Add(twofactor.Period)) || code == totpCode(t, secret, time.Now()) {
				code = "999999"
			}
			testenv.Expect(t, secondStep(t, env, challenge, "code", code), http.StatusUnauthorized)
		}
		// The account's budget is spent: the right code and the password step wait.
		res := secondStep(t, env, challenge, "code", totpCode(t, secret, time.Now().Add(twofactor.Period)))
		testenv.Expect(t, res, http.StatusTooManyRequests)
		testenv.Expect(t, login(t, env, u.Username, u.Password), http.StatusTooManyRequests)
	})
}
