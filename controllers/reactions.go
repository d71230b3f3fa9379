package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// ReactionsController adds and removes the caller's emoji on a message of
// one kind of conversation (Kind: models.ConvPrivate or models.ConvGroup).
type ReactionsController struct {
	Reactions *services.Reactions
	Kind      string
}

// Add puts the caller's :emoji on message :id (204, again 204).
func (h *ReactionsController) Add(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := h.Reactions.Add(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id, c.Param("emoji"))
	respond(c, http.StatusNoContent, nil, err)
}

// Who lists who reacted to message :id, by emoji.
func (h *ReactionsController) Who(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	list, err := h.Reactions.Who(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id)
	respond(c, http.StatusOK, list, err)
}

// Remove takes the caller's :emoji off message :id (204).
func (h *ReactionsController) Remove(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := h.Reactions.Remove(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id, c.Param("emoji"))
	respond(c, http.StatusNoContent, nil, err)
}
