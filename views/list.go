package views

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"workcomm/apperr"
	"workcomm/models"
)

// List is the shape of every paged list: ?limit= and ?cursor= in, items and
// the cursor of the next page out (null on the last page). History pages are
// the one exception (History).
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// NewList builds a page; next is the position of its last item when more
// follow, the zero Cursor on the last page. Items are never null.
func NewList[T any](items []T, next Cursor) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, NextCursor: next.Encode()}
}

// Cursor is a position in a list ordered by a keyset: the sort time of the
// last item seen (zero for lists ordered by id alone) and its id, which
// breaks ties. A client sees it as an opaque string.
type Cursor struct {
	At time.Time
	ID uint64
}

// IDCursor is the position after the item with this id in a list ordered by
// id alone (0: no next page).
func IDCursor(id uint64) Cursor { return Cursor{ID: id} }

// IsZero reports the absent cursor (the first page, or no next page).
func (c Cursor) IsZero() bool { return c.ID == 0 }

// Cursor formats, versioned so that they can change later: v1 carries an id,
// v2 a time (Unix nanoseconds) and an id.
const (
	cursorV1 = "v1:"
	cursorV2 = "v2:"
)

// Encode makes the opaque string of c; nil for the zero cursor.
func (c Cursor) Encode() *string {
	if c.IsZero() {
		return nil
	}
	raw := cursorV1 + strconv.FormatUint(c.ID, 10)
	if !c.At.IsZero() {
		raw = cursorV2 + strconv.FormatInt(c.At.UnixNano(), 10) + ":" + strconv.FormatUint(c.ID, 10)
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(raw))
	return &s
}

// errCursor answers a cursor this server did not make.
var errCursor = apperr.Field("cursor", "is not a cursor this server made")

// DecodeCursor reads a cursor made by Encode ("" is the zero cursor).
func DecodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errCursor
	}
	raw := string(b)
	var c Cursor
	switch {
	case strings.HasPrefix(raw, cursorV1):
		raw = strings.TrimPrefix(raw, cursorV1)
	case strings.HasPrefix(raw, cursorV2):
		at, rest, ok := strings.Cut(strings.TrimPrefix(raw, cursorV2), ":")
		ns, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || ns <= 0 {
			return Cursor{}, errCursor
		}
		c.At, raw = time.Unix(0, ns).UTC(), rest
	default:
		return Cursor{}, errCursor
	}
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 || id > models.MaxID {
		return Cursor{}, errCursor
	}
	c.ID = id
	return c, nil
}

// ErrCursorKind answers a cursor of another list (one without the sort time
// this list is ordered by).
var ErrCursorKind = apperr.Field("cursor", "is not a cursor of this list")
