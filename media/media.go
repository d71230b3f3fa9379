// Package media knows what an uploaded file is and makes the small images the
// app shows: the content type sniffed from the bytes (never the client's
// word), the size of an image read from its header, a thumbnail of an image
// and the square avatar variants. Images are decoded one at a time per
// process, and only after their header has shown a bounded pixel count, so a
// decompression bomb (a few kilobytes declaring 30,000×30,000 pixels) is
// refused before a byte of it is expanded.
package media

import (
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how many leading bytes Sniff looks at: mimetype's own default
// read limit, enough for every signature it knows (ZIP-based office formats
// included).
const SniffLen = 4096

// Content types of the images WorkComm decodes and shows inline.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
	WebP = "image/webp"
)

// Sniff returns the content type of a file from its first bytes (at most
// SniffLen are read), as mimetype names it: "image/png", "text/plain;
// charset=utf-8", "application/pdf", and "application/octet-stream" when
// nothing matches.
func Sniff(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	return mimetype.Detect(head).String()
}

// Head keeps the first SniffLen bytes written to it and ignores the rest: put
// it behind an io.TeeReader on an upload stream to sniff the content type
// without holding the file.
type Head struct {
	buf []byte
}

// Write keeps what still fits in the first SniffLen bytes; it never fails.
func (h *Head) Write(p []byte) (int, error) {
	if room := SniffLen - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Bytes are the bytes kept so far.
func (h *Head) Bytes() []byte { return h.buf }

// ContentType sniffs the bytes kept so far.
func (h *Head) ContentType() string { return Sniff(h.buf) }

// baseType is the media type without parameters, lower-cased.
func baseType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		t, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// IsImage reports whether the content type is one of the images WorkComm
// decodes (PNG, JPEG, GIF, WebP).
func IsImage(contentType string) bool {
	switch baseType(contentType) {
	case PNG, JPEG, GIF, WebP:
		return true
	}
	return false
}

// Serving is how a stored file is answered: its Content-Type header and
// whether it is shown inline or downloaded.
type Serving struct {
	ContentType string // header value
	Inline      bool   // Content-Disposition: inline (else attachment)
}

// ServeAs decides how a file of the given (sniffed) content type is served.
// The four images WorkComm decodes (PNG, JPEG, GIF, WebP) are inline with
// their own type. Everything else is a download; a type a browser could run
// or render as a document (HTML, SVG, XML, JavaScript, PDF...) is also sent
// as application/octet-stream, so that even a browser that ignored
// Content-Disposition would not render it. Together with nosniff and a
// sandboxing CSP on the route, an uploaded page can never run in the app's
// origin.
func ServeAs(contentType string) Serving {
	t := baseType(contentType)
	if IsImage(t) {
		return Serving{ContentType: t, Inline: true}
	}
	if t == "" || renderable(t) {
		return Serving{ContentType: "application/octet-stream"}
	}
	return Serving{ContentType: contentType}
}

// renderable reports types a browser renders or runs as a document rather
// than just saving: markup, scripts, PDF, anything XML-based.
func renderable(t string) bool {
	switch t {
	case "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
		"text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript",
		"application/ecmascript", "application/json", "application/pdf", "text/css",
		"application/x-shockwave-flash", "text/vtt", "multipart/x-mixed-replace":
		return true
	}
	return strings.HasSuffix(t, "+xml") || strings.HasPrefix(t, "text/html")
}
