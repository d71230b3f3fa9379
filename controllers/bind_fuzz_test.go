package controllers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
)

// requestStructs are every request body the API binds; each fuzz input is
// bound to all of them.
func requestStructs() []any {
	return []any{
		&RegisterRequest{}, &LoginRequest{}, &RefreshRequest{}, &UpdateMeRequest{}, &FriendRequestBody{},
		&SendMessageBody{}, &EditMessageBody{}, &ReadBody{}, &CreateGroupBody{}, &UpdateGroupBody{}, &AddMemberBody{}, &MemberRoleBody{},
		&PaymentIntentBody{}, &AdminUpdateUserRequest{}, &SettingsBody{},
	}
}

// FuzzBindJSON: whatever the body, binding never panics and fails only with
// the contract's client errors (invalid_json, validation_failed, 413), each
// validation error naming at least one field.
func FuzzBindJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"username":"alice","email":"a@example.com","password":"password1"}`, `{"role":"admin"}`,
		`{"body":"  hi  ","clientMsgId":"x"}`, `{"memberIds":[1,2,-3]}`, `{"seq":-1}`, `{"userId":1e309}`,
		`[]`, `null`, `"x"`, `{"a":`, `{"displayName":"\u0000"}`, `{"planId":"premium_monthly","amount":1}`,
		`{"banned":"yes"}`, `{"name":"` + strings.Repeat("é", 200) + `"}`, "\xff\xfe", `{"x":1}{"y":2}`,
		`{"body":` + strings.Repeat("[", 5000) + `}`,
	} {
		f.Add([]byte(seed))
	}
	gin.SetMode(gin.TestMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range requestStructs() {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
			c.Request.Body = http.MaxBytesReader(httptest.NewRecorder(), c.Request.Body, 1<<20)
			err := bindJSON(c, dst)
			if err == nil {
				continue
			}
			var e *apperr.Error
			switch {
			case errors.Is(err, apperr.ErrValidation):
				if !errors.As(err, &e) || len(e.Fields) == 0 {
					t.Fatalf("%T: validation error without fields for %q: %v", dst, body, err)
				}
			case errors.Is(err, apperr.ErrInvalidJSON), errors.Is(err, apperr.ErrTooLarge):
			default:
				t.Fatalf("%T: unexpected error kind for %q: %v", dst, body, err)
			}
		}
	})
}
