package controllers_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"workcomm/models"
	"workcomm/testenv"
	"workcomm/tokens"
	"workcomm/twofactor"
)

// authzResetToken stores a live reset token for a fresh user.
func authzResetToken(t *testing.T, fx *authzFixture) string {
	t.Helper()
	u := fx.env.Register(t, "reset")
	token, hash := tokens.NewOneTimeToken()
	if err := models.CreatePasswordResetToken(context.Background(), fx.env.App.DB, u.ID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return token
}

// authzSecondStep is the body of a second login step that passes: a fresh
// user with two-factor on, their challenge, and a code not used yet (the
// enabling code took the current time step).
func authzSecondStep(t *testing.T, fx *authzFixture) map[string]string {
	t.Helper()
	u := fx.env.Register(t, "twostep")
	secret, _ := enableTwoFactor(t, fx.env, u)
	return map[string]string{"challenge": challengeFor(t, fx.env, u), "code": totpCode(t, secret, time.Now().Add(twofactor.Period))}
}

// authzPendingCode sets two-factor up for the owner and returns a current
// code of the pending secret.
func authzPendingCode(t *testing.T, fx *authzFixture) string {
	t.Helper()
	res := fx.env.Post(t, "/api/v1/users/me/2fa/setup", fx.owner.AccessToken, nil)
	testenv.Expect(t, res, http.StatusOK)
	var setup struct{ Secret string }
	res.JSON(t, &setup)
	return totpCode(t, setup.Secret, time.Now())
}

// authzAvatarBody is a multipart upload of a small picture.
func authzAvatarBody(t *testing.T) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "me.png")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(pngOf(t, 40, 30))
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}
