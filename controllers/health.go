package controllers

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds each readiness check so a hung dependency answers 503
// quickly instead of stalling the load balancer's probe.
const readyTimeout = 2 * time.Second

// ReadyCheck is one dependency /readyz checks (the database, Redis).
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// HealthController serves /healthz, /readyz and the OpenAPI document.
type HealthController struct {
	Checks   []ReadyCheck
	Draining *atomic.Bool // set on shutdown: /readyz turns 503 first
	OpenAPI  []byte
}

// Healthz answers 200 while the process runs.
func (h *HealthController) Healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readyz answers 200 when every dependency answers, else 503 naming the failures.
func (h *HealthController) Readyz(c *gin.Context) {
	checks := gin.H{}
	ok := true
	if h.Draining != nil && h.Draining.Load() {
		checks["shutdown"] = "draining"
		ok = false
	}
	for _, chk := range h.Checks {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		err := chk.Check(ctx)
		cancel()
		if err != nil {
			checks[chk.Name] = "unavailable"
			ok = false
			continue
		}
		checks[chk.Name] = "ok"
	}
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": checks})
}

// OpenAPIDoc serves the OpenAPI document kept in docs/.
func (h *HealthController) OpenAPIDoc(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", h.OpenAPI)
}
