package services

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

func TestJobs(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("jobs run one at a time, in order, and Close waits for the queued ones", func(t *testing.T) {
		j := NewJobs(0, log)
		var ran []int
		for i := range 50 {
			if !j.Go("test", func(context.Context) { ran = append(ran, i) }) {
				t.Fatalf("job %d refused", i)
			}
		}
		if err := j.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(ran) != 50 {
			t.Fatalf("%d jobs ran before Close returned, want 50", len(ran))
		}
		for i, v := range ran {
			if v != i {
				t.Fatalf("job %d ran in place %d", v, i)
			}
		}
	})

	t.Run("a closed queue or a full one refuses", func(t *testing.T) {
		j := NewJobs(1, log)
		block, started := make(chan struct{}), make(chan struct{})
		j.Go("blocker", func(context.Context) { close(started); <-block })
		<-started
		if !j.Go("queued", func(context.Context) {}) {
			t.Fatal("the one free place was refused")
		}
		if j.Go("overflow", func(context.Context) {}) {
			t.Fatal("a full queue took another job")
		}
		close(block)
		if err := j.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if j.Go("late", func(context.Context) {}) {
			t.Fatal("a closed queue took a job")
		}
	})
}
