package services

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"workcomm/apperr"
	"workcomm/media"
	"workcomm/models"
	"workcomm/storage"
	"workcomm/views"
)

// MaxAvatarBytes is the contract's limit of an uploaded picture (5 MiB):
// a phone photo fits, and it is decoded once into two small squares.
const MaxAvatarBytes = 5 << 20

// avatarPathPrefix is where avatars are served (routes: GET
// /api/v1/avatars/:id/:variant), with a signed link's query.
const avatarPathPrefix = "/api/v1/avatars/"

// Avatars is the profile pictures domain: upload (stored as 256×256 and
// 64×64 squares), removal, and reading one through a signed link.
type Avatars struct {
	*Core
}

// errNotAnImage is the one answer for an upload that is not a picture we
// decode.
func errNotAnImage() error {
	return apperr.Field("file", "must be a PNG, JPEG, GIF or WebP image")
}

// Put makes src (an uploaded file that seeks) the caller's picture: the
// centre square at 256 and 64 px. The previous picture's files are removed.
func (s *Avatars) Put(ctx context.Context, me *models.User, src io.ReadSeeker) (*views.SelfUser, error) {
	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, errNotAnImage()
	}
	contentType := media.Sniff(head[:n])
	switch contentType {
	case media.PNG, media.JPEG, media.GIF, media.WebP:
	default:
		return nil, errNotAnImage()
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	_, outs, err := media.Render(ctx, src, contentType, media.Avatar256, media.Avatar64)
	switch {
	case errors.Is(err, media.ErrNotImage):
		return nil, errNotAnImage()
	case errors.Is(err, media.ErrTooLargeToDecode):
		return nil, apperr.Field("file", "this picture has too many pixels")
	case err != nil:
		return nil, err
	}
	key := models.NewStorageKey("avatar")
	for _, o := range outs {
		if _, err := s.Storage.Put(ctx, key+"/"+o.Name, o.ContentType, bytes.NewReader(o.Data), int64(len(o.Data))); err != nil {
			s.removeAvatar(ctx, key)
			return nil, err
		}
	}
	previous, err := models.SetUserAvatar(ctx, s.DB, me.ID, key)
	if err != nil {
		s.removeAvatar(ctx, key)
		return nil, err
	}
	s.removeAvatar(ctx, previous)
	s.profileChanged(ctx, me.ID)
	u, err := models.GetUser(ctx, s.DB, me.ID)
	if err != nil {
		return nil, err
	}
	return s.selfUser(ctx, u)
}

// Delete removes the caller's picture (initials are shown again); having
// none is not an error.
func (s *Avatars) Delete(ctx context.Context, me *models.User) error {
	previous, err := models.SetUserAvatar(ctx, s.DB, me.ID, "")
	if err != nil {
		return err
	}
	s.removeAvatar(ctx, previous)
	if previous != "" {
		s.profileChanged(ctx, me.ID)
	}
	return nil
}

// Open returns a variant ("256" or "64") of a live user's picture when q is
// a valid signed link for it; anything else is not_found, so that a link
// tells nothing once expired or altered.
func (s *Avatars) Open(ctx context.Context, userID uint64, variant string, q url.Values) (*storage.Object, error) {
	missing := apperr.New(apperr.ErrNotFound, "picture not found")
	if (variant != media.Avatar256.Name && variant != media.Avatar64.Name) || !s.Links.Verify(storage.KindAvatar, userID, variant, q) {
		return nil, missing
	}
	u, err := models.GetUser(ctx, s.DB, userID)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && u.AvatarKey == "") {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	return s.Storage.Open(ctx, u.AvatarKey+"/"+variant)
}

// removeAvatar deletes a picture's files; a failure leaves orphans that
// cost only space, so it is logged rather than failing the request.
func (s *Avatars) removeAvatar(ctx context.Context, key string) {
	if key == "" {
		return
	}
	for _, v := range []media.Variant{media.Avatar256, media.Avatar64} {
		if err := s.Storage.Delete(context.WithoutCancel(ctx), key+"/"+v.Name); err != nil {
			s.Log.WarnContext(ctx, "avatar file not removed", "key", key, "err", err)
		}
	}
}

// avatarURL is a signed link to a user's 256 px picture, nil without one
// (or for a deleted account). v changes with the picture, so a browser never
// shows an old one from its cache.
func (c *Core) avatarURL(u *models.User) *string {
	if u.AvatarKey == "" || u.DeletedAt.Valid || c.Links == nil {
		return nil
	}
	q := c.Links.Sign(storage.KindAvatar, u.ID, media.Avatar256.Name)
	q.Set("v", u.AvatarKey[strings.LastIndexByte(u.AvatarKey, '/')+1:][:8])
	link := avatarPathPrefix + strconv.FormatUint(u.ID, 10) + "/" + media.Avatar256.Name + "?" + q.Encode()
	return &link
}
