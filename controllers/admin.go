package controllers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// AdminController handles /admin: users, payments, stats and the audit log.
// Its routes sit behind middlewares.AdminOnly.
type AdminController struct {
	Svc *services.Deps
}

// AdminUpdateUserRequest is the body of PATCH /admin/users/:id.
type AdminUpdateUserRequest struct {
	Role   *string `json:"role" validate:"omitempty,oneof=user admin"`
	Banned *bool   `json:"banned"`
}

// AuditEntryView is one entry of the audit log. Before and After hold the
// fields the action changed, as JSON objects.
type AuditEntryView struct {
	ID         uint64          `json:"id"`
	ActorID    *uint64         `json:"actorId"` // null: the create-admin command
	Action     string          `json:"action"`
	TargetType string          `json:"targetType"`
	TargetID   uint64          `json:"targetId"`
	RequestID  string          `json:"requestId"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// StatsView answers GET /admin/stats.
type StatsView struct {
	Users        int64 `json:"users"`
	OnlineNow    int   `json:"onlineNow"`
	Messages24h  int64 `json:"messages24h"`
	Groups       int64 `json:"groups"`
	RevenueCents int64 `json:"revenueCents"`
}

// ListUsers pages every live user (emails included) by ascending id, filtered
// by ?q= (username or display-name prefix).
func (a *AdminController) ListUsers(c *gin.Context) {
	page, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := a.Svc.AdminListUsers(c.Request.Context(), c.Query("q"), page)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	items := make([]SelfUser, len(res.Users))
	for i := range res.Users {
		items[i] = NewSelfUser(&res.Users[i])
	}
	c.JSON(http.StatusOK, List[SelfUser]{Items: items, NextCursor: EncodeCursor(res.NextID)})
}

// UpdateUser changes a user's role or ban.
func (a *AdminController) UpdateUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	var req AdminUpdateUserRequest
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	u, err := a.Svc.AdminUpdateUser(c.Request.Context(), actor(c), id, services.AdminUserChange{Role: req.Role, Banned: req.Banned})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewSelfUser(u))
}

// DeleteUser soft-deletes a user.
func (a *AdminController) DeleteUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := a.Svc.AdminDeleteUser(c.Request.Context(), actor(c), id); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ListPayments pages every user's payments, newest first, filtered by ?status=.
func (a *AdminController) ListPayments(c *gin.Context) {
	page, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := a.Svc.AdminListPayments(c.Request.Context(), c.Query("status"), page)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, newAdminPaymentList(res))
}

// GetStats answers the dashboard counters.
func (a *AdminController) GetStats(c *gin.Context) {
	s, err := a.Svc.AdminStats(c.Request.Context())
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, StatsView{Users: s.Users, OnlineNow: s.OnlineNow, Messages24h: s.Messages24h, Groups: s.Groups, RevenueCents: s.RevenueCents})
}

// ListAudit pages the audit log, newest first.
func (a *AdminController) ListAudit(c *gin.Context) {
	page, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := a.Svc.AdminListAudit(c.Request.Context(), page)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	items := make([]AuditEntryView, len(res.Entries))
	for i := range res.Entries {
		items[i] = newAuditEntryView(&res.Entries[i])
	}
	c.JSON(http.StatusOK, List[AuditEntryView]{Items: items, NextCursor: EncodeCursor(res.NextID)})
}

// actor is the calling admin and the request id, for the audit log.
func actor(c *gin.Context) services.Actor {
	return services.Actor{User: middlewares.CurrentUser(c), RequestID: middlewares.RequestID(c)}
}

func newAuditEntryView(e *models.AuditEntry) AuditEntryView {
	return AuditEntryView{
		ID: e.ID, ActorID: e.ActorID, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		RequestID: e.RequestID, Before: json.RawMessage(e.Before), After: json.RawMessage(e.After),
		CreatedAt: e.CreatedAt.UTC(),
	}
}

// AdminPaymentView is a payment as admins see it: the contract's Payment and
// whose it is.
type AdminPaymentView struct {
	PaymentView
	UserID uint64 `json:"userId"`
}

func newAdminPaymentList(page *models.PaymentPage) List[AdminPaymentView] {
	items := make([]AdminPaymentView, len(page.Payments))
	for i := range page.Payments {
		items[i] = AdminPaymentView{PaymentView: NewPaymentView(&page.Payments[i]), UserID: page.Payments[i].UserID}
	}
	return List[AdminPaymentView]{Items: items, NextCursor: EncodeCursor(page.NextID)}
}
