package media

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds a stored file name: what most file systems take
// (ext4, APFS and NTFS limit a name to 255 bytes or characters).
const MaxNameBytes = 255

// maxExtBytes is the longest extension CleanName keeps whole when it must
// shorten a name.
const maxExtBytes = 16

// CleanName turns a client's file name into one safe to store, show and
// offer as a download name: the last path element only (a name cannot
// climb folders on the downloader's disk), no control or format characters
// (a right-to-left override would show "report\u202Efdp.exe" as
// "reportexe.pdf"), valid UTF-8, at most MaxNameBytes with the extension
// kept, and "file" when nothing is left.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	name = strings.TrimRight(name, ". ") // Windows drops trailing dots and spaces
	if name == "" {
		return "file"
	}
	if len(name) <= MaxNameBytes {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= maxExtBytes {
		ext = name[i:]
	}
	stem := name[:MaxNameBytes-len(ext)]
	for !utf8.ValidString(stem) { // do not cut a character in two
		stem = stem[:len(stem)-1]
	}
	return stem + ext
}

// ContentDisposition is the header value that shows a file inline or saves
// it under its name (RFC 6266; a non-ASCII name is sent as RFC 5987's
// filename*, which every current browser reads).
func ContentDisposition(name string, inline bool) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": CleanName(name)}); v != "" {
		return v
	}
	return kind
}
