package controllers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/services"
)

// AvatarsController handles /users/me/avatar and the signed picture links.
type AvatarsController struct {
	Avatars *services.Avatars
}

// avatarCacheSeconds lets a browser keep a picture while its link works (a
// link lives 10 to 15 minutes; a new picture has a new link).
const avatarCacheSeconds = "600"

// PutAvatar makes the multipart field `file` (a picture of at most 5 MiB)
// the caller's avatar.
func (a *AvatarsController) PutAvatar(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			middlewares.Abort(c, apperr.New(apperr.ErrTooLarge, "a picture is at most 5 MiB"))
			return
		}
		middlewares.Abort(c, apperr.Field("file", "send the picture as the multipart field file"))
		return
	}
	if fh.Size > services.MaxAvatarBytes {
		middlewares.Abort(c, apperr.New(apperr.ErrTooLarge, "a picture is at most 5 MiB"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	defer f.Close()
	me, err := a.Avatars.Put(c.Request.Context(), middlewares.CurrentUser(c), f)
	respond(c, http.StatusOK, me, err)
}

// DeleteAvatar removes the caller's avatar.
func (a *AvatarsController) DeleteAvatar(c *gin.Context) {
	err := a.Avatars.Delete(c.Request.Context(), middlewares.CurrentUser(c))
	respond(c, http.StatusNoContent, nil, err)
}

// GetAvatar serves a picture through its signed link (an <img> sends no
// Authorization header); a bad or expired link is 404.
func (a *AvatarsController) GetAvatar(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	obj, err := a.Avatars.Open(c.Request.Context(), id, c.Param("variant"), c.Request.URL.Query())
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	defer obj.Close()
	c.Header("Cache-Control", "private, max-age="+avatarCacheSeconds)
	c.Header("Content-Disposition", "inline")
	// The type is sniffed from the first bytes: the server wrote them (PNG
	// or JPEG, from media.Render), never the client.
	http.ServeContent(c.Writer, c.Request, "", obj.ModTime(), obj)
}
