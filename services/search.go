package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"workcomm/apperr"
	"workcomm/configs"
	"workcomm/models"
	"workcomm/search"
	"workcomm/views"
)

// Search is the message search domain: the caller's readable messages by
// their words, through the database's engine (see package search).
type Search struct {
	*Core
	engine search.Engine
	// slots bounds the searches querying the database at once on this node
	// (Config.SearchConcurrency). A burst of searches waits here, in order,
	// instead of taking every connection of the pool from the sends and
	// crowding the database's cores: measured at 100 searches/s on one core,
	// 20 at once cost 8.3 ms of PostgreSQL each against 5 ms (docs/SEARCH.md).
	slots *semaphore.Weighted
}

// newSearch is the search domain on engine (search.For the core's database).
func newSearch(core *Core, engine search.Engine) *Search {
	n := configs.DefaultSearchConcurrency
	if core.Config != nil && core.Config.SearchConcurrency > 0 {
		n = core.Config.SearchConcurrency
	}
	return &Search{Core: core, engine: engine, slots: semaphore.NewWeighted(int64(n))}
}

// SearchInput is a search request: q, and optionally one conversation
// (in: "private:USERID" or "group:GROUPID") and a sender.
type SearchInput struct {
	Q    string
	In   string
	From uint64
	Page Page
}

// Messages pages the messages matching in.Q in the conversations the caller
// can read now, newest first, each with a plain-text snippet and its
// highlights.
func (s *Search) Messages(ctx context.Context, me *models.User, in SearchInput) (views.List[views.SearchHit], error) {
	var list views.List[views.SearchHit]
	if !in.Page.After.At.IsZero() {
		return list, views.ErrCursorKind
	}
	q, err := search.Parse(in.Q)
	if err != nil {
		return list, err
	}
	if ok, wait := s.Limits.Search.Allow(ctx, userKey(me.ID)); !ok {
		return list, apperr.RateLimited(wait)
	}
	req := search.Request{Query: q, UserID: me.ID, From: in.From, BeforeID: in.Page.After.ID, Limit: in.Page.Limit}
	if in.In != "" {
		key, err := parseIn(in.In)
		if err != nil {
			return list, err
		}
		c, err := openConversation(ctx, s.DB, me, key)
		if err != nil {
			return list, err
		}
		if c.convID() == 0 {
			return views.NewList([]views.SearchHit{}, views.Cursor{}), nil
		}
		req.ConvType, req.ConvID = key.Type, c.convID()
	}
	// A search that waits past its request's deadline answers 503
	// (apperr.Unavailable), as a busy pool does.
	if err := s.slots.Acquire(ctx, 1); err != nil {
		return list, err
	}
	msgs, more, err := s.engine.Find(ctx, s.DB, req)
	s.slots.Release(1)
	if err != nil {
		return list, err
	}
	items := views.NewMessages(msgs)
	if err := extendViews(ctx, s.DB, items); err != nil {
		return list, err
	}
	hits := make([]views.SearchHit, len(items))
	for i := range items {
		sn := search.MakeSnippet(msgs[i].Body, q)
		hits[i] = views.SearchHit{Message: items[i], Snippet: views.Snippet{Text: sn.Text, Highlights: sn.Highlights}}
	}
	var next views.Cursor
	if more {
		next = views.IDCursor(msgs[len(msgs)-1].ID)
	}
	return views.NewList(hits, next), nil
}

// tidyInterval is how often a node does the index work that would
// otherwise fall on a send (search.Engine.Tidy): at the send ceiling about a
// megabyte of new index entries a second waits for it.
const tidyInterval = time.Second

// RunTidyJob tidies the search index every tidyInterval until ctx ends (one
// goroutine a node; the engine keeps concurrent tidies apart).
func (s *Search) RunTidyJob(ctx context.Context) {
	t := time.NewTicker(tidyInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.engine.Tidy(ctx, s.DB); err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "search index tidy", "err", err)
		}
	}
}

// parseIn reads the in filter: "private:USERID" or "group:GROUPID". A
// malformed one is a validation error; an id no row can have (0, past the
// database's range) names no conversation, as in a path.
func parseIn(in string) (ConvKey, error) {
	kind, id, _ := strings.Cut(in, ":")
	n, err := strconv.ParseUint(id, 10, 64)
	if (err != nil && !errors.Is(err, strconv.ErrRange)) || (kind != models.ConvPrivate && kind != models.ConvGroup) {
		return ConvKey{}, apperr.Field("in", "must be private:USERID or group:GROUPID")
	}
	if err != nil || n == 0 || n > models.MaxID {
		return ConvKey{}, apperr.New(apperr.ErrNotFound, "conversation not found")
	}
	return ConvKey{Type: kind, ID: n}, nil
}
