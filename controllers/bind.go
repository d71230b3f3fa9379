// Package controllers holds WorkComm's HTTP handlers: bind the request, make
// one call to services, map the error, respond. Request and response structs
// live here, apart from the GORM models, so a hash is never serialised and a
// role is never mass-assigned.
package controllers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"workcomm/apperr"
	"workcomm/models"
)

// validate is the one validator: it caches struct metadata, so it is shared.
var validate = newValidator()

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report fields by their JSON names, as the client sent them.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("username", func(fl validator.FieldLevel) bool {
		return usernamePattern.MatchString(fl.Field().String())
	})
	// id: a value a row's id can have (bodies naming an object use it).
	v.RegisterAlias("id", "gt=0,max="+strconv.FormatUint(models.MaxID, 10))
	// notblank: at least one non-space character.
	_ = v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	})
	return v
}

// bindJSON decodes the body strictly into dst (a request struct) and validates
// it, reporting every failing field at once. An empty body counts as {}.
func bindJSON(c *gin.Context, dst any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.Newf(apperr.ErrTooLarge, "request body is larger than %d bytes", tooBig.Limit)
		}
		return apperr.New(apperr.ErrInvalidJSON, "cannot read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !utf8.Valid(body) {
		return apperr.New(apperr.ErrInvalidJSON, "request body is not UTF-8")
	}
	unknown := unknownFields(body, dst)
	if err := decodeStrict(body, dst); err != nil {
		if unknown != nil && errors.Is(err, apperr.ErrValidation) {
			return apperr.Validation(unknown) // a type error on an unknown field
		}
		return err
	}
	for k, v := range nulFields(dst) {
		if unknown == nil {
			unknown = map[string]string{}
		}
		unknown[k] = v
	}
	err = validateStruct(dst)
	if unknown == nil {
		return err
	}
	var verr *apperr.Error
	if errors.As(err, &verr) && verr.Fields != nil {
		for k, v := range verr.Fields {
			unknown[k] = v
		}
	}
	return apperr.Validation(unknown)
}

// decodeStrict decodes one JSON object into dst. Unknown fields are reported
// together with the validation failures, never applied; trailing data is refused.
func decodeStrict(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.ErrInvalidJSON, "request body has data after the JSON object")
	}
	return nil
}

// unknownFields lists the top-level keys of body that dst's struct does not declare.
func unknownFields(body []byte, dst any) map[string]string {
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) != nil {
		return nil
	}
	known := map[string]bool{}
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	var out map[string]string
	for k := range keys {
		if !known[k] {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = "is not an accepted field"
		}
	}
	return out
}

// nulFields lists the text fields of dst (a decoded request struct) holding a
// NUL character: no text WorkComm keeps may contain one, and PostgreSQL
// refuses it (a 500 otherwise, and SQLite would store what PostgreSQL cannot).
func nulFields(dst any) map[string]string {
	v := reflect.Indirect(reflect.ValueOf(dst))
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out map[string]string
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Ptr && !f.IsNil() {
			f = f.Elem()
		}
		var texts []string
		switch {
		case f.Kind() == reflect.String:
			texts = []string{f.String()}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			for j := 0; j < f.Len(); j++ {
				texts = append(texts, f.Index(j).String())
			}
		}
		for _, s := range texts {
			if strings.ContainsRune(s, 0) {
				if out == nil {
					out = map[string]string{}
				}
				name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
				out[name] = "must not contain the NUL character"
			}
		}
	}
	return out
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperr.New(apperr.ErrInvalidJSON, "request body must be a JSON object")
		}
		return apperr.Field(field, "must be a "+jsonKind(typeErr.Type))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.ErrInvalidJSON, "request body is not valid JSON")
	}
	return apperr.New(apperr.ErrInvalidJSON, "request body is not valid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list"
	case reflect.Ptr:
		return jsonKind(t.Elem())
	}
	return "valid value"
}

// validateStruct runs the binding tags and turns every failure into a field message.
func validateStruct(dst any) error {
	err := validate.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		name := fieldPath(fe)
		if _, seen := fields[name]; !seen {
			fields[name] = message(fe)
		}
	}
	return apperr.Validation(fields)
}

// fieldPath is the JSON path of a failing field without the struct name.
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "notblank":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "gt", "gte":
		return "must be at least " + fe.Param()
	case "id":
		return "must be an id (a whole number from 1 to " + strconv.FormatUint(models.MaxID, 10) + ")"
	case "username":
		return "may contain only letters, digits, '_', '.' and '-'"
	case "oneof":
		return "must be one of: " + fe.Param()
	case "unique":
		return "must not repeat a value"
	}
	return "is invalid"
}
