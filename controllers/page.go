package controllers

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
	"workcomm/views"
)

// Page sizes of every list.
const (
	defaultLimit = 50
	maxLimit     = 100
)

// parseLimit reads ?limit= (default 50; over 100 is taken as 100).
func parseLimit(c *gin.Context) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		if len(raw) > 0 && strings.Trim(raw, "0123456789") == "" {
			return maxLimit, nil // a huge number is capped, not refused
		}
		return 0, apperr.Field("limit", "must be a positive whole number")
	}
	return min(n, maxLimit), nil
}

// parsePage reads ?limit= and ?cursor=.
func parsePage(c *gin.Context) (services.Page, error) {
	limit, err := parseLimit(c)
	if err != nil {
		return services.Page{}, err
	}
	after, err := views.DecodeCursor(c.Query("cursor"))
	if err != nil {
		return services.Page{}, err
	}
	return services.Page{Limit: limit, After: after}, nil
}

// pathID reads a positive integer path parameter; anything else is 404, as no
// such object can exist.
func pathID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 || id > models.MaxID {
		return 0, apperr.New(apperr.ErrNotFound, "not found")
	}
	return id, nil
}
