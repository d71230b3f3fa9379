package controllers

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// hashedAsset matches the content-hashed files of an Angular build
// (main-ABCD1234.js, styles-5F3A2B1C.css, chunk-XYZ.js): their name changes
// with their content, so they can be cached for a year.
var hashedAsset = regexp.MustCompile(`-[A-Za-z0-9]{8,}\.(js|css|woff2?|png|svg|jpg|ico)$`)

// SPA serves the built frontend from dir: real files as they are (hashed
// assets cached for a year), and index.html, never cached, for every other
// GET so that deep links work. API and WebSocket paths are never answered
// with the app: they get the contract's 404.
type SPA struct {
	Dir      string
	NotFound gin.HandlerFunc
}

// Serve is the router's NoRoute handler.
func (s *SPA) Serve(c *gin.Context) {
	p := c.Request.URL.Path
	if s.Dir == "" || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) ||
		strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ws/") {
		s.NotFound(c)
		return
	}
	clean := path.Clean("/" + p)
	file := filepath.Join(s.Dir, filepath.FromSlash(clean))
	if info, err := os.Stat(file); err == nil && !info.IsDir() {
		if hashedAsset.MatchString(clean) {
			c.Header("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			c.Header("Cache-Control", "no-cache")
		}
		c.File(file)
		return
	}
	if path.Ext(clean) != "" && !strings.HasSuffix(clean, ".html") {
		s.NotFound(c) // a missing asset is a 404, not the app
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.File(filepath.Join(s.Dir, "index.html"))
}
