package services

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"workcomm/apperr"
	"workcomm/media"
	"workcomm/models"
	"workcomm/storage"
	"workcomm/views"
)

// UploadLimits are what a plan lets a user store: the bytes of one file and
// of all their files together.
type UploadLimits struct {
	File  int64
	Total int64
}

// uploadLimits are the contract's limits per plan.
var uploadLimits = map[string]UploadLimits{
	models.PlanFree:    {File: 10 << 20, Total: 1 << 30},
	models.PlanPremium: {File: 100 << 20, Total: 50 << 30},
}

// UploadLimitsFor returns the upload limits of the user's effective plan.
func UploadLimitsFor(u *models.User, now time.Time) UploadLimits {
	return uploadLimits[u.EffectivePlan(now)]
}

// MaxUploadFile is the largest file any plan accepts: the bound of a request
// before its user is known.
const MaxUploadFile = 100 << 20

// orphanBatch is how many orphans one claim takes.
const orphanBatch = 100

// Attachments is the files domain: uploads streamed to storage, their
// signed downloads, and the removal of files nobody can reach any more.
type Attachments struct {
	*Core
}

// UploadInput is one file of POST /attachments.
type UploadInput struct {
	Name string    // the client's file name (cleaned before it is stored)
	Body io.Reader // the file's bytes, read once
	// Declared is the request's Content-Length (-1 if unknown): the file is
	// no larger, so it is what the upload reserves of the quota.
	Declared int64
}

// Upload streams a file to storage and returns it as an upload of me, to be
// attached to a message within 24 hours. The quota is checked before any
// byte is stored (the reservation counts concurrent uploads); the content
// type is sniffed from the first bytes; an image gets its size and a
// thumbnail unless its header declares a decompression bomb. On any failure
// nothing stays behind.
func (s *Attachments) Upload(ctx context.Context, me *models.User, in UploadInput) (*views.Attachment, error) {
	if ok, wait := s.Limits.Uploads.Allow(ctx, userKey(me.ID)); !ok {
		return nil, apperr.RateLimited(wait)
	}
	lim := UploadLimitsFor(me, s.now())
	reserve := lim.File
	if in.Declared >= 0 && in.Declared < reserve {
		reserve = in.Declared
	}
	a := &models.Attachment{OwnerID: me.ID, Name: media.CleanName(in.Name), Size: reserve, StorageKey: models.NewStorageKey("att")}
	if err := models.ReserveUpload(ctx, s.DB, a, lim.Total); err != nil {
		return nil, err
	}
	res, err := s.store(ctx, a, in.Body, lim.File)
	if err != nil {
		s.discard(context.WithoutCancel(ctx), a.ID, me.ID)
		return nil, err
	}
	stored, err := models.FinishUpload(ctx, s.DB, a.ID, me.ID, res, s.now())
	if err != nil {
		s.discard(context.WithoutCancel(ctx), a.ID, me.ID)
		return nil, err
	}
	v := s.view(stored)
	return &v, nil
}

// store writes the original and, for a decodable image, its thumbnail.
func (s *Attachments) store(ctx context.Context, a *models.Attachment, body io.Reader, limit int64) (models.UploadResult, error) {
	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return models.UploadResult{}, bodyError(err, limit)
	}
	if n == 0 {
		return models.UploadResult{}, apperr.Field("file", "is empty")
	}
	res := models.UploadResult{ContentType: media.Sniff(head[:n])}
	key := a.ObjectKey(models.VariantOriginal)
	res.Size, err = s.Storage.Put(ctx, key, res.ContentType, io.MultiReader(bytes.NewReader(head[:n]), body), limit)
	if err != nil {
		return res, bodyError(err, limit)
	}
	if !media.IsImage(res.ContentType) {
		return res, nil
	}
	obj, err := s.Storage.Open(ctx, key)
	if err != nil {
		return res, err
	}
	defer obj.Close()
	info, outs, err := media.Render(ctx, obj, res.ContentType, media.Thumbnail)
	switch {
	case errors.Is(err, media.ErrTooLargeToDecode), errors.Is(err, media.ErrNotImage):
		// Kept as a plain file: downloadable, never decoded nor previewed.
		s.Log.InfoContext(ctx, "upload not previewed", "attachment", a.ID, "reason", err)
		return res, nil
	case err != nil:
		return res, err
	}
	thumb := outs[0]
	if _, err := s.Storage.Put(ctx, a.ObjectKey(models.VariantThumb), thumb.ContentType, bytes.NewReader(thumb.Data), int64(len(thumb.Data))); err != nil {
		return res, err
	}
	res.Width, res.Height, res.ThumbSize = &info.Width, &info.Height, int64(len(thumb.Data))
	return res, nil
}

// bodyError names a file over the plan's size in the contract's terms.
func bodyError(err error, limit int64) error {
	if errors.Is(err, storage.ErrTooLarge) || isMaxBytes(err) {
		return apperr.Newf(apperr.ErrTooLarge, "files are limited to %d MiB on your plan", limit>>20)
	}
	return err
}

// Download is an open stored file and how to answer it.
type Download struct {
	Object      *storage.Object
	Name        string
	ContentType string
	Inline      bool
	Expires     time.Time
}

// Open checks a signed link (q) to one variant of an attachment and opens
// the file. A bad or expired signature, a removed attachment, a deleted
// message and a missing variant are all 404, like a file that never was.
func (s *Attachments) Open(ctx context.Context, id uint64, variant string, q url.Values) (*Download, error) {
	notFound := apperr.New(apperr.ErrNotFound, "file not found")
	if variant != models.VariantOriginal && variant != models.VariantThumb {
		return nil, notFound
	}
	if !s.Links.Verify(storage.KindAttachment, id, variant, q) {
		return nil, notFound
	}
	a, err := models.GetAttachment(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if a.UploadedAt == nil || (a.Message != nil && a.Message.DeletedAt != nil) || (variant == models.VariantThumb && !a.HasThumb()) {
		return nil, notFound
	}
	obj, err := s.Storage.Open(ctx, a.ObjectKey(variant))
	if err != nil {
		return nil, err
	}
	d := &Download{Object: obj, Name: a.Name, Expires: expiryOf(q)}
	serving := media.ServeAs(a.ContentType)
	if variant == models.VariantThumb {
		// A thumbnail is a JPEG or, with transparency, a PNG that we made.
		head := make([]byte, 512)
		n, _ := io.ReadFull(obj, head)
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			obj.Close()
			return nil, err
		}
		serving = media.ServeAs(media.Sniff(head[:n]))
	}
	d.ContentType, d.Inline = serving.ContentType, serving.Inline
	return d, nil
}

// expiryOf is the expiry a verified link carries.
func expiryOf(q url.Values) time.Time {
	exp, _ := strconv.ParseInt(q.Get(storage.ParamExpires), 10, 64)
	return time.Unix(exp, 0).UTC()
}

// Get returns an attachment with fresh links to a participant of its
// message's conversation, or to its owner while it is an upload; anyone
// else gets 404, as if it did not exist.
func (s *Attachments) Get(ctx context.Context, me *models.User, id uint64) (*views.Attachment, error) {
	a, err := models.GetAttachment(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if err := s.readable(ctx, me, a); err != nil {
		return nil, err
	}
	v := s.view(a)
	return &v, nil
}

// readable checks me may read a: an upload is its owner's; an attachment
// belongs to a live message of a conversation me may open now.
func (s *Attachments) readable(ctx context.Context, me *models.User, a *models.Attachment) error {
	notFound := apperr.New(apperr.ErrNotFound, "attachment not found")
	if a.UploadedAt == nil {
		return notFound
	}
	if a.Message == nil {
		if a.OwnerID != me.ID {
			return notFound
		}
		return nil
	}
	m := a.Message
	if m.DeletedAt != nil {
		return notFound
	}
	key := ConvKey{Type: m.ConvType, ID: m.ConvID}
	if m.ConvType == models.ConvPrivate {
		pc, err := models.GetPrivateConversation(ctx, s.DB, m.ConvID)
		if err != nil || !pc.Has(me.ID) {
			return notFound
		}
		key.ID = pc.Peer(me.ID)
	}
	if _, err := openConversation(ctx, s.DB, me, key); err != nil {
		return notFound
	}
	return nil
}

// view builds an attachment's view with freshly signed links.
func (c *Core) attachmentView(a *models.Attachment) views.Attachment {
	link := func(variant string) string {
		return fmt.Sprintf("/api/v1/attachments/%d/%s?%s", a.ID, variant, c.Links.Sign(storage.KindAttachment, a.ID, variant).Encode())
	}
	thumb := ""
	if a.HasThumb() {
		thumb = link(models.VariantThumb)
	}
	return views.NewAttachment(a, link(models.VariantOriginal), thumb)
}

func (s *Attachments) view(a *models.Attachment) views.Attachment { return s.attachmentView(a) }

// discard removes a failed upload: row hidden, bytes deleted, row deleted.
// A failure midway leaves it to the orphan job.
func (s *Attachments) discard(ctx context.Context, id, ownerID uint64) {
	a, err := models.RemoveUpload(ctx, s.DB, id, ownerID, s.now())
	if err != nil {
		s.Log.WarnContext(ctx, "discarding a failed upload", "attachment", id, "err", err)
		return
	}
	s.deleteFiles(ctx, []models.Attachment{*a})
}

// deleteFiles deletes the bytes of removed or claimed attachments, then the
// rows of those whose bytes are gone. What fails stays for the orphan job.
func (c *Core) deleteFiles(ctx context.Context, atts []models.Attachment) {
	done := make([]uint64, 0, len(atts))
	for _, a := range atts {
		ok := true
		for _, variant := range []string{models.VariantOriginal, models.VariantThumb} {
			err := c.Storage.Delete(ctx, a.ObjectKey(variant))
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				c.Log.WarnContext(ctx, "deleting a file", "attachment", a.ID, "err", err)
				ok = false
			}
		}
		if ok {
			done = append(done, a.ID)
		}
	}
	if err := models.DeleteAttachmentRows(ctx, c.DB, done); err != nil {
		c.Log.WarnContext(ctx, "deleting attachment rows", "err", err)
	}
}

// removeMessageFiles makes the attachments of deleted messages unreadable
// at once, then deletes their bytes and rows.
func (c *Core) removeMessageFiles(ctx context.Context, messageIDs []uint64) error {
	atts, err := models.RemoveMessageAttachments(ctx, c.DB, messageIDs, c.now())
	if err != nil {
		return err
	}
	c.deleteFiles(context.WithoutCancel(ctx), atts)
	return nil
}

// SweepOrphans removes, as of now, the uploads never attached within 24 h
// and the removals another node left unfinished, a batch at a time, and
// returns how many it removed. Several nodes may sweep at once: each claims
// its own rows (models.ClaimOrphans).
func (s *Attachments) SweepOrphans(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		atts, err := models.ClaimOrphans(ctx, s.DB, now, orphanBatch)
		if err != nil || len(atts) == 0 {
			return total, err
		}
		s.deleteFiles(ctx, atts)
		total += len(atts)
		if len(atts) < orphanBatch {
			return total, nil
		}
	}
}

// orphanInterval is how often a node sweeps: an orphan lives 24 to 25 hours.
const orphanInterval = time.Hour

// RunOrphanJob sweeps every orphanInterval until ctx ends (one goroutine a
// node; the claims keep the nodes apart).
func (s *Attachments) RunOrphanJob(ctx context.Context) {
	t := time.NewTicker(orphanInterval)
	defer t.Stop()
	for {
		if n, err := s.SweepOrphans(ctx, s.now()); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.Log.WarnContext(ctx, "orphan sweep", "err", err)
		} else if n > 0 {
			s.Log.InfoContext(ctx, "orphan uploads removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// isMaxBytes reports the error of a body past its http.MaxBytesReader.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
