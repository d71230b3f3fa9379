package controllers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// SearchController serves message search.
type SearchController struct {
	Search *services.Search
}

// SearchMessages pages the caller's readable messages matching ?q=, newest
// first, optionally in one conversation (?in=) and from one sender (?from=).
func (h *SearchController) SearchMessages(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	in := services.SearchInput{Q: c.Query("q"), In: c.Query("in"), Page: page}
	if raw := c.Query("from"); raw != "" {
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || n == 0 || n > models.MaxID {
			middlewares.Abort(c, apperr.Field("from", "must be a user id"))
			return
		}
		in.From = n
	}
	list, err := h.Search.Messages(c.Request.Context(), middlewares.CurrentUser(c), in)
	respond(c, http.StatusOK, list, err)
}
