package controllers

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/media"
	"workcomm/middlewares"
	"workcomm/services"
)

// AttachmentsController serves uploads and the signed downloads of files.
type AttachmentsController struct {
	Attachments *services.Attachments
}

// downloadCSP keeps a downloaded file from running anything, should a
// browser render it despite its headers: no source allowed, and a sandbox
// (no scripts, no forms, an opaque origin).
const downloadCSP = "default-src 'none'; sandbox"

// Upload streams the multipart field "file" to storage: 201 with the upload.
// The file is read from the request as it arrives, never whole.
func (h *AttachmentsController) Upload(c *gin.Context) {
	part, err := filePart(c.Request)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	defer part.Close()
	in := services.UploadInput{Name: part.FileName(), Body: part, Declared: c.Request.ContentLength}
	a, err := h.Attachments.Upload(c.Request.Context(), middlewares.CurrentUser(c), in)
	respond(c, http.StatusCreated, a, err)
}

// filePart reads the multipart body up to its "file" part.
func filePart(r *http.Request) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Field("file", "send the file as multipart/form-data")
	}
	for {
		p, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, apperr.New(apperr.ErrTooLarge, "request body is too large")
		case errors.Is(err, io.EOF):
			return nil, apperr.Field("file", "is required")
		case err != nil:
			return nil, apperr.Field("file", "the multipart body is malformed")
		}
		if p.FormName() == "file" {
			return p, nil
		}
		p.Close()
	}
}

// Get returns an attachment with fresh links, to whoever may read it.
func (h *AttachmentsController) Get(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	a, err := h.Attachments.Get(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusOK, a, err)
}

// Download answers a signed link with the file (Range requests included):
// inline for the images the app shows, a download for anything else, never
// sniffed, never run.
func (h *AttachmentsController) Download(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	d, err := h.Attachments.Open(c.Request.Context(), id, c.Param("variant"), c.Request.URL.Query())
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	defer d.Object.Close()
	hd := c.Writer.Header()
	hd.Set("Content-Type", d.ContentType)
	hd.Set("Content-Disposition", media.ContentDisposition(d.Name, d.Inline))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", downloadCSP)
	// The link is the secret: private caches only, and not past its expiry.
	hd.Set("Cache-Control", "private, max-age="+maxAge(d.Expires))
	http.ServeContent(c.Writer, c.Request, "", d.Object.ModTime(), d.Object)
}

// maxAge is the seconds left until t, as a header value.
func maxAge(t time.Time) string {
	left := int64(time.Until(t) / time.Second)
	return strconv.FormatInt(max(left, 0), 10)
}
