package services

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/configs"
	"workcomm/models"
	"workcomm/search"
)

// heldEngine answers each Find only when told to, after saying it began.
type heldEngine struct {
	search.Engine
	began   chan struct{}
	release chan struct{}
}

func (e heldEngine) Find(ctx context.Context, _ *gorm.DB, _ search.Request) ([]models.Message, bool, error) {
	e.began <- struct{}{}
	select {
	case <-e.release:
		return nil, false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// TestSearchesWaitForASlot: with SEARCH_CONCURRENCY searches querying, the
// next one waits (it does not reach the database) and, when its deadline
// passes first, answers 503; once a slot frees, a search goes through.
func TestSearchesWaitForASlot(t *testing.T) {
	cfg := &configs.Config{SearchConcurrency: 1}
	engine := heldEngine{began: make(chan struct{}, 4), release: make(chan struct{})}
	s := newSearch(&Core{Config: cfg, Limits: NewLimits(cfg)}, engine)
	in := SearchInput{Q: "deploy", Page: Page{Limit: 20}}
	first := make(chan error, 1)
	go func() {
		_, err := s.Messages(context.Background(), &models.User{ID: 1}, in)
		first <- err
	}()
	<-engine.began

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Messages(ctx, &models.User{ID: 2}, in)
	if !errors.Is(err, context.DeadlineExceeded) || !apperr.Unavailable(err) {
		t.Fatalf("a search past its deadline while the slot is held: %v, want a deadline (503)", err)
	}
	select {
	case <-engine.began:
		t.Fatal("the waiting search reached the engine")
	default:
	}

	close(engine.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Messages(context.Background(), &models.User{ID: 2}, in); err != nil {
		t.Fatalf("a search after the slot freed: %v", err)
	}
}
