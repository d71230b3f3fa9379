package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// AdminController handles /admin: users, payments, stats and the audit log.
// Its routes sit behind middlewares.AdminOnly.
type AdminController struct {
	Admin *services.Admin
}

// AdminUpdateUserRequest is the body of PATCH /admin/users/:id.
type AdminUpdateUserRequest struct {
	Role   *string `json:"role" validate:"omitempty,oneof=user admin"`
	Banned *bool   `json:"banned"`
}

// ListUsers pages every live user (emails included) by ascending id, filtered
// by ?q= (username or display-name prefix).
func (a *AdminController) ListUsers(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := a.Admin.ListUsers(c.Request.Context(), c.Query("q"), page)
	respond(c, http.StatusOK, list, err)
}

// UpdateUser changes a user's role or ban.
func (a *AdminController) UpdateUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	var req AdminUpdateUserRequest
	if !bind(c, &req) {
		return
	}
	u, err := a.Admin.UpdateUser(c.Request.Context(), actor(c), id, services.AdminUserChange{Role: req.Role, Banned: req.Banned})
	respond(c, http.StatusOK, u, err)
}

// DeleteUser soft-deletes a user.
func (a *AdminController) DeleteUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := a.Admin.DeleteUser(c.Request.Context(), actor(c), id)
	respond(c, http.StatusNoContent, nil, err)
}

// ListPayments pages every user's payments, newest first, filtered by ?status=.
func (a *AdminController) ListPayments(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := a.Admin.ListPayments(c.Request.Context(), c.Query("status"), page)
	respond(c, http.StatusOK, list, err)
}

// GetStats answers the dashboard counters.
func (a *AdminController) GetStats(c *gin.Context) {
	stats, err := a.Admin.Stats(c.Request.Context())
	respond(c, http.StatusOK, stats, err)
}

// ListAudit pages the audit log, newest first.
func (a *AdminController) ListAudit(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := a.Admin.ListAudit(c.Request.Context(), page)
	respond(c, http.StatusOK, list, err)
}

// actor is the calling admin and the request id, for the audit log.
func actor(c *gin.Context) services.Actor {
	return services.Actor{User: middlewares.CurrentUser(c), RequestID: middlewares.RequestID(c)}
}
