package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// respond answers a handler's one service call: err in the contract's shape
// (rendered by middlewares.Errors), else value as JSON with status, or no
// body when value is nil (204).
func respond(c *gin.Context, status int, value any, err error) {
	switch {
	case err != nil:
		middlewares.Abort(c, err)
	case value == nil:
		c.Status(status)
	default:
		c.JSON(status, value)
	}
}

// createdOrOK is 201 for something made, 200 for something found again (a
// retried clientMsgId or Idempotency-Key, a request that became a friendship).
func createdOrOK(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// bind decodes and validates the body into dst (see bindJSON); when it
// fails it answers the error and returns false.
func bind(c *gin.Context, dst any) bool {
	if err := bindJSON(c, dst); err != nil {
		middlewares.Abort(c, err)
		return false
	}
	return true
}

// idParam reads a positive integer path parameter; anything else answers 404
// (no such object can exist) and returns false.
func idParam(c *gin.Context, name string) (uint64, bool) {
	id, err := pathID(c, name)
	if err != nil {
		middlewares.Abort(c, err)
		return 0, false
	}
	return id, true
}

// listPage reads ?limit= and ?cursor=; when they are bad it answers the
// error and returns false.
func listPage(c *gin.Context) (services.Page, bool) {
	p, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return p, false
	}
	return p, true
}
