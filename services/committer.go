package services

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// Group commit: sends that arrive while a transaction is in flight wait for
// the next one and share it (one membership query, one clientMsgId query, one
// seq UPDATE per conversation, one INSERT, one read-mark UPDATE, one commit).
// Each is acknowledged only after that commit, and a batch that fails is
// retried one send at a time, so one bad send never fails the others.
const (
	// commitBatch is the most sends one transaction stores: bounds the
	// statement sizes (about 2,300 bind parameters for the INSERT).
	commitBatch = 256
	// pgCommitters is how many transactions may be in flight on PostgreSQL.
	// One: sends gather while it commits, so batches grow with the load and
	// the cost per message falls (measured with bench/loadtest: two in
	// flight cost a third more database CPU at 1,000 messages/s and sustained
	// less at 250,000 deliveries/s; they mostly queue on the same rows).
	pgCommitters = 1
	// commitTimeout bounds one batch's transaction. The senders wait for it
	// whatever their own deadline: a message may be committed, so the outcome
	// must be known before answering.
	commitTimeout = 30 * time.Second
)

// sendJob is one send waiting for the group commit.
type sendJob struct {
	ctx context.Context // the sender's: its values (request id), not its deadline
	me  *models.User
	c   *conversation // for a group only its key: membership is checked in the batch
	in  SendInput

	// Results, read after done is closed.
	msg     *models.Message
	view    views.Message // msg's view, once created
	created bool
	err     error
	done    chan struct{}

	dupOf *sendJob // an earlier send of the same batch with the same clientMsgId

	reply    *models.Message // the message it answers, once checked
	replyErr error           // a replyToId of another conversation
	mentions []uint64        // who the new message mentions
}

// reset clears what a failed transaction left in j before it is tried alone.
func (j *sendJob) reset() {
	j.msg, j.created, j.err, j.dupOf = nil, false, nil, nil
	j.reply, j.replyErr, j.mentions = nil, nil, nil
}

// result is what Send answers for the job.
func (j *sendJob) result() (*views.Message, bool, error) {
	switch {
	case j.err != nil:
		return nil, false, j.err
	case j.created:
		return &j.view, true, nil
	case j.msg == nil:
		return nil, false, nil
	}
	return &j.view, false, nil
}

// committer is the group commit: it gathers sends and stores them in shared
// transactions. Committers (goroutines) start when sends wait and stop when
// none do, so an idle node runs none.
type committer struct {
	core *Core

	mu      sync.Mutex
	pending []*sendJob
	running int
}

// Submit hands j to the group commit and waits for its outcome.
func (q *committer) Submit(j *sendJob) {
	j.done = make(chan struct{})
	limit := 1 // SQLite has one writer (and one connection)
	if models.IsPostgres(q.core.DB) {
		limit = pgCommitters
	}
	q.mu.Lock()
	q.pending = append(q.pending, j)
	start := q.running < limit
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go q.run()
	}
	<-j.done
}

// run commits batches until no send waits.
func (q *committer) run() {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		n := min(len(q.pending), commitBatch)
		batch := slices.Clone(q.pending[:n])
		q.pending = slices.Delete(q.pending, 0, n)
		q.mu.Unlock()
		q.commit(batch)
	}
}

// commit stores a batch in one transaction, then, in seq order, lets each
// sender queue its ack (Committed) and publishes each message. If the
// transaction fails, each send is tried alone.
func (q *committer) commit(batch []*sendJob) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	db := q.core.DB
	now := q.core.now()
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return store(ctx, tx, batch, now) })
	if err != nil && len(batch) > 1 {
		for _, j := range batch {
			j.reset()
			q.commit([]*sendJob{j})
		}
		return
	}
	if err != nil {
		j := batch[0]
		j.msg, j.created, j.err = nil, false, err
		if j.in.ClientMsgID != nil && models.IsUniqueViolation(err) {
			// A concurrent retry with the same clientMsgId committed first.
			if first, ferr := firstSend(j.ctx, db, j.me, j.c, *j.in.ClientMsgID); first != nil || ferr != nil {
				j.msg, j.err = first, ferr
			}
		}
	}
	for _, j := range batch {
		if j.dupOf != nil {
			j.msg, j.err = j.dupOf.msg, j.dupOf.err
			if j.err == nil {
				if j.err = j.c.holds(j.msg); j.err != nil {
					j.msg = nil
				}
			}
		}
	}
	created := make([]*sendJob, 0, len(batch))
	for _, j := range batch {
		if j.created {
			created = append(created, j)
		}
	}
	slices.SortFunc(created, func(a, b *sendJob) int {
		return cmp.Or(cmp.Compare(a.msg.ConvType, b.msg.ConvType), cmp.Compare(a.msg.ConvID, b.msg.ConvID), cmp.Compare(a.msg.Seq, b.msg.Seq))
	})
	// A message found again (a retried clientMsgId) is read back whole.
	var found []*views.Message
	for _, j := range batch {
		if j.msg != nil && !j.created && j.err == nil {
			j.view = views.NewMessage(j.msg)
			found = append(found, &j.view)
		}
	}
	if err := extendViewPtrs(ctx, db, found); err != nil {
		for _, j := range batch {
			if j.msg != nil && !j.created {
				j.msg, j.err = nil, err
			}
		}
	}
	vs := q.core.committedViews(ctx, created)
	for i, j := range created {
		j.view = vs[i]
		j.view.Extend(j.mentions, j.reply)
		if j.in.Committed != nil {
			j.in.Committed(&j.view)
		}
	}
	if len(created) > 0 {
		evs := make([]Event, len(created))
		for i, j := range created {
			evs[i] = j.c.event(EventMessageNew, views.MessageEvent{Message: j.view})
		}
		q.core.Publisher.Publish(created[0].ctx, evs...)
	}
	for _, j := range batch {
		close(j.done)
	}
}

// store is the transaction of a batch. A send refused here (not a member, a
// clientMsgId used elsewhere, a conversation gone) gets its error and the
// others go on; a database error fails the whole transaction.
func store(ctx context.Context, tx *gorm.DB, batch []*sendJob, now time.Time) error {
	// Membership of live groups, for every group send at once.
	var pairs []models.GroupUser
	for _, j := range batch {
		if j.c.key.Type == models.ConvGroup {
			pairs = append(pairs, models.GroupUser{GroupID: j.c.key.ID, UserID: j.me.ID})
		}
	}
	members, err := models.LiveMemberships(ctx, tx, pairs)
	if err != nil {
		return err
	}
	for _, j := range batch {
		if j.c.key.Type == models.ConvGroup && !members[models.GroupUser{GroupID: j.c.key.ID, UserID: j.me.ID}] {
			j.err = apperr.New(apperr.ErrNotFound, "group not found")
		}
	}
	// Retried clientMsgIds: the first message answers, never a duplicate.
	var keys []models.SenderClientID
	firstInBatch := map[models.SenderClientID]*sendJob{}
	for _, j := range batch {
		if j.err != nil || j.in.ClientMsgID == nil {
			continue
		}
		k := models.SenderClientID{SenderID: j.me.ID, ClientMsgID: *j.in.ClientMsgID}
		if f := firstInBatch[k]; f != nil {
			j.dupOf = f
			continue
		}
		firstInBatch[k] = j
		keys = append(keys, k)
	}
	stored, err := models.FindMessagesByClientIDs(ctx, tx, keys)
	if err != nil {
		return err
	}
	if err := checkReplies(ctx, tx, batch); err != nil {
		return err
	}
	convs := map[ConvKey]*models.ConvMessages{}
	owners := map[*models.Message]*sendJob{}
	for _, j := range batch {
		if j.err != nil || j.dupOf != nil {
			continue
		}
		if j.in.ClientMsgID != nil {
			if m := stored[models.SenderClientID{SenderID: j.me.ID, ClientMsgID: *j.in.ClientMsgID}]; m != nil {
				if j.err = j.c.holds(m); j.err == nil {
					j.msg = m
				}
				continue
			}
		}
		if j.replyErr != nil {
			j.err = j.replyErr
			continue
		}
		k := ConvKey{Type: j.c.key.Type, ID: j.c.convID()}
		cm := convs[k]
		if cm == nil {
			cm = &models.ConvMessages{Type: k.Type, ID: k.ID}
			convs[k] = cm
		}
		m := &models.Message{SenderID: j.me.ID, Body: j.in.Body, ClientMsgID: j.in.ClientMsgID, ReplyToID: j.in.ReplyToID}
		cm.Msgs = append(cm.Msgs, m)
		owners[m] = j
	}
	ordered := make([]*models.ConvMessages, 0, len(convs))
	for _, cm := range convs {
		ordered = append(ordered, cm)
	}
	slices.SortFunc(ordered, func(a, b *models.ConvMessages) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID))
	})
	if err := models.InsertBatch(ctx, tx, ordered, now); err != nil {
		return err
	}
	// The senders have read what they wrote: their own messages are never unread.
	marks := map[models.GroupUser]uint64{}
	var news []mentioned
	var newMsgs []*models.Message
	for _, cm := range ordered {
		for _, m := range cm.Msgs {
			j := owners[m]
			if cm.Err != nil {
				j.err = cm.Err
				continue
			}
			if err := models.AttachUploads(ctx, tx, m.SenderID, m.ID, j.in.AttachmentIDs, now); err != nil {
				// The whole batch is tried again one send at a time, this one refused.
				return err
			}
			j.msg, j.created = m, true
			news, newMsgs = append(news, mentioned{c: j.c, m: m}), append(newMsgs, m)
			if cm.Type == models.ConvGroup {
				k := models.GroupUser{GroupID: cm.ID, UserID: m.SenderID}
				marks[k] = max(marks[k], m.Seq)
			} else if _, err := j.c.markRead(ctx, tx, m.SenderID, m.Seq, now); err != nil {
				return err
			}
		}
	}
	mentions, err := computeMentions(ctx, tx, news)
	if err != nil {
		return err
	}
	if err := models.InsertMentions(ctx, tx, newMsgs, mentions); err != nil {
		return err
	}
	for _, it := range news {
		owners[it.m].mentions = mentions[it.m.ID]
	}
	list := make([]models.GroupReadMark, 0, len(marks))
	for k, seq := range marks {
		list = append(list, models.GroupReadMark{GroupID: k.GroupID, UserID: k.UserID, Seq: seq})
	}
	slices.SortFunc(list, func(a, b models.GroupReadMark) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	return models.MarkGroupReadBatch(ctx, tx, list, now)
}
