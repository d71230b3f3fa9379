// Package apperr is WorkComm's error vocabulary: a few base errors that model and
// service code wrap, and the one place that maps them to the contract's codes.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Base errors. Wrap them with fmt.Errorf("...: %w", apperr.ErrNotFound) or use the
// constructors below when the client needs a precise code or message.
var (
	ErrInvalidJSON        = errors.New("invalid_json")
	ErrValidation         = errors.New("validation_failed")
	ErrUnauthorized       = errors.New("unauthorized")
	ErrInvalidCredentials = errors.New("invalid_credentials")
	ErrForbidden          = errors.New("forbidden")
	ErrPlanLimit          = errors.New("plan_limit")
	ErrNotFound           = errors.New("not_found")
	ErrConflict           = errors.New("conflict")
	ErrTooLarge           = errors.New("payload_too_large")
	ErrRateLimited        = errors.New("rate_limited")
	ErrPaymentsOff        = errors.New("payments_unavailable")
	ErrUnavailable        = errors.New("unavailable")
)

// Error is an error with a contract code, a human message and, for validation,
// the failing fields. It wraps one of the base errors so errors.Is still works.
type Error struct {
	Base       error
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap lets errors.Is match the base error.
func (e *Error) Unwrap() error { return e.Base }

// New builds an Error on a base with the base's code.
func New(base error, message string) *Error {
	return &Error{Base: base, Code: base.Error(), Message: message}
}

// Newf is New with formatting.
func Newf(base error, format string, args ...any) *Error {
	return New(base, fmt.Sprintf(format, args...))
}

// WithCode builds an Error whose code is more precise than its base's (email_taken).
func WithCode(base error, code, message string) *Error {
	return &Error{Base: base, Code: code, Message: message}
}

// Validation reports every failing field at once.
func Validation(fields map[string]string) *Error {
	return &Error{Base: ErrValidation, Code: ErrValidation.Error(), Message: "some fields are invalid", Fields: fields}
}

// Field is Validation for a single field.
func Field(name, message string) *Error {
	return Validation(map[string]string{name: message})
}

// RateLimited is a 429 with the wait the client should respect.
func RateLimited(retryAfter time.Duration) *Error {
	return &Error{Base: ErrRateLimited, Code: ErrRateLimited.Error(), Message: "too many requests, try again later", RetryAfter: retryAfter}
}

// Body is the JSON shape of every non-2xx answer.
type Body struct {
	Error BodyError `json:"error"`
}

// BodyError is the inside of Body.
type BodyError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var statuses = []struct {
	base   error
	status int
}{
	{ErrInvalidJSON, http.StatusBadRequest},
	{ErrValidation, http.StatusBadRequest},
	{ErrUnauthorized, http.StatusUnauthorized},
	{ErrInvalidCredentials, http.StatusUnauthorized},
	{ErrForbidden, http.StatusForbidden},
	{ErrPlanLimit, http.StatusForbidden},
	{ErrNotFound, http.StatusNotFound},
	{ErrConflict, http.StatusConflict},
	{ErrTooLarge, http.StatusRequestEntityTooLarge},
	{ErrRateLimited, http.StatusTooManyRequests},
	{ErrPaymentsOff, http.StatusServiceUnavailable},
	{ErrUnavailable, http.StatusServiceUnavailable},
}

// Resolve maps any error to a status and the contract body. A dependency that
// cannot be reached (see Unavailable) is 503 `unavailable`. The boolean is
// false when the caller should log the cause, which it never shows: errors
// outside the vocabulary (500) and dependency outages (503).
func Resolve(err error) (int, Body, bool) {
	var e *Error
	if errors.As(err, &e) {
		return statusOf(e.Base), Body{Error: BodyError{Code: e.Code, Message: e.Message, Fields: e.Fields}}, true
	}
	for _, s := range statuses {
		if errors.Is(err, s.base) {
			return s.status, Body{Error: BodyError{Code: s.base.Error(), Message: defaultMessage(s.base)}}, true
		}
	}
	if Unavailable(err) {
		return http.StatusServiceUnavailable, Body{Error: BodyError{Code: ErrUnavailable.Error(), Message: defaultMessage(ErrUnavailable)}}, false
	}
	return http.StatusInternalServerError, Body{Error: BodyError{Code: "internal", Message: "internal error"}}, false
}

// RetryAfterSeconds returns the Retry-After header value for a rate-limit error, or "".
func RetryAfterSeconds(err error) string {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		secs := int(e.RetryAfter.Seconds() + 0.999)
		return strconv.Itoa(max(secs, 1))
	}
	if errors.Is(err, ErrRateLimited) {
		return "1"
	}
	return ""
}

// Code returns the contract code of err ("internal" outside the vocabulary).
func Code(err error) string {
	_, body, _ := Resolve(err)
	return body.Error.Code
}

func statusOf(base error) int {
	for _, s := range statuses {
		if errors.Is(base, s.base) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

func defaultMessage(base error) string {
	switch base {
	case ErrUnauthorized:
		return "authentication required"
	case ErrInvalidCredentials:
		return "wrong login or password"
	case ErrForbidden:
		return "you are not allowed to do this"
	case ErrNotFound:
		return "not found"
	case ErrConflict:
		return "conflict with the current state"
	case ErrTooLarge:
		return "request body too large"
	case ErrPaymentsOff:
		return "payments are not configured"
	case ErrUnavailable:
		return "service temporarily unavailable"
	case ErrInvalidJSON:
		return "request body is not valid JSON"
	case ErrValidation:
		return "some fields are invalid"
	case ErrPlanLimit:
		return "your plan does not allow this"
	case ErrRateLimited:
		return "too many requests, try again later"
	}
	return base.Error()
}
