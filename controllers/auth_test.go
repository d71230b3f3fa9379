package controllers_test

import (
	"net/http"
	"testing"

	"workcomm/testenv"
)

func TestRegisterLoginMe(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		u := env.Register(t, "alice")
		res := env.Get(t, "/api/v1/users/me", u.AccessToken)
		testenv.Expect(t, res, http.StatusOK)
		var me struct {
			ID       uint64 `json:"id"`
			Username string `json:"username"`
			Email    string `json:"email"`
			Role     string `json:"role"`
		}
		res.JSON(t, &me)
		if me.ID != u.ID || me.Username != u.Username || me.Email != u.Email || me.Role != "user" {
			t.Fatalf("me = %+v, want user %+v", me, u)
		}
		login := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Email, "password": u.Password})
		testenv.Expect(t, login, http.StatusOK)
	})
}
