package search

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"workcomm/models"
)

// postgresEngine is PostgreSQL full-text search: a stored generated
// tsvector column of messages (the `simple` configuration over the body
// with accents removed and anything but letters and digits made a space,
// as the SQLite tokenizer does) with a GIN index. PostgreSQL computes it in
// the statement that writes the body, so it is always in step.
type postgresEngine struct{}

// postgresSchema creates the index. unaccent is a trusted extension (a
// database owner may create it); it goes to the public schema so that every
// schema of a shared test database finds it there. A generated column needs
// immutable functions: wc_unaccent declares unaccent with its dictionary
// named (which is immutable in practice) so, and wc_search_text is the text
// indexed.
var postgresSchema = []string{
	`CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public`,
	`CREATE OR REPLACE FUNCTION wc_unaccent(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, t) $$`,
	`CREATE OR REPLACE FUNCTION wc_search_text(body text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT regexp_replace(wc_unaccent(body), '[^[:alnum:]]+', ' ', 'g') $$`,
	`ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, wc_search_text(body))) STORED`,
	`CREATE INDEX IF NOT EXISTS idx_messages_search ON messages USING GIN (search_vector)`,
	// New entries go to the index's pending list (fastupdate, PostgreSQL's
	// default), which is merged into the tree when it grows past its limit,
	// by the insert that crosses it: a send's transaction, waiting for the
	// whole merge (autovacuum merges it too, but only when it runs). Tidy
	// merges it every tidyInterval instead; the limit, raised from 4 to 16 MB, is
	// the backstop that keeps a burst from reaching a sender. Searches read
	// the pending list as well, so nothing written is ever out of sight.
	`ALTER INDEX idx_messages_search SET (fastupdate = on, gin_pending_list_limit = 16384)`,
}

func (postgresEngine) Migrate(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, stmt := range postgresSchema {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Tidy merges GIN's pending list into the index. A second node merging at
// the same moment waits for the first (PostgreSQL locks the list) and then
// finds little to do.
func (postgresEngine) Tidy(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Exec(`SELECT gin_clean_pending_list('idx_messages_search'::regclass)`).Error
}

// recentWindow is how many of the newest messages (below the cursor) a
// search reads first: a word common enough to fill a page there is answered
// from them alone.
const recentWindow = 5000

// tsMatch is the tsquery condition on a messages row.
const tsMatch = "search_vector @@ to_tsquery('simple'::regconfig, wc_unaccent(?))"

// Find tries the newest messages first, then the caller's conversations.
// Left to itself the planner misjudges a prefix tsquery (:*): it walks the id
// index for a rare word too and reads most of the table (measured: 73 / 190
// ms p50/p99 at 100,000 messages). So: the newest recentWindow messages,
// which answer a word common in the whole table at once; if they do not fill
// the page, the matches in the caller's conversations, read through an index
// first (the OFFSET 0 keeps the planner from undoing that), then sorted.
// Either way the page is the newest matches.
//
// The second query names the caller's conversations by id (readable, which
// find still applies, stays the authorisation): the planner then intersects
// the GIN index's matches with the conversation index's rows, or reads the
// caller's messages alone when the word is common, instead of reading every
// match in the table and filtering them (measured through the server at
// 1,000,000 messages: 3.5 s for a broad prefix, see docs/SEARCH.md).
func (postgresEngine) Find(ctx context.Context, db *gorm.DB, r Request) ([]models.Message, bool, error) {
	q := tsQuery(r.Query)
	recent := "(SELECT * FROM messages ORDER BY id DESC LIMIT ?) AS m"
	recentArgs := []any{recentWindow}
	if r.BeforeID != 0 {
		recent = "(SELECT * FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?) AS m"
		recentArgs = []any{r.BeforeID, recentWindow}
	}
	msgs, more, err := find(ctx, db, r, plan{from: recent, fromArgs: recentArgs, match: "m." + tsMatch, matchArgs: []any{q}, id: "m.id"})
	if err != nil || more {
		return msgs, more, err
	}
	groups, privates, err := conversationsOf(ctx, db, r)
	if err != nil || len(groups)+len(privates) == 0 {
		return nil, false, err
	}
	inConvs := "((conv_type = 'group' AND conv_id IN ?) OR (conv_type = 'private' AND conv_id IN ?))"
	return find(ctx, db, r, plan{from: "(SELECT * FROM messages WHERE " + tsMatch + " AND " + inConvs + " OFFSET 0) AS m",
		fromArgs: []any{q, nonEmpty(groups), nonEmpty(privates)}, match: "TRUE", id: "m.id"})
}

// conversationsOf is the ids of the groups and private conversations r may
// search: the one it names, or every one of the user's (the same rule as
// readable, which find applies again).
func conversationsOf(ctx context.Context, db *gorm.DB, r Request) (groups, privates []uint64, err error) {
	if r.ConvType != "" {
		if r.ConvType == models.ConvGroup {
			return []uint64{r.ConvID}, nil, nil
		}
		return nil, []uint64{r.ConvID}, nil
	}
	var rows []struct {
		Type string
		ID   uint64
	}
	err = db.WithContext(ctx).Raw(`SELECT 'group' AS type, gm.group_id AS id FROM group_members gm
  JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL WHERE gm.user_id = ?
UNION ALL SELECT 'private', pc.id FROM private_conversations pc
  JOIN friendships f ON f.user_a_id = pc.user_a_id AND f.user_b_id = pc.user_b_id
  WHERE pc.user_a_id = ? OR pc.user_b_id = ?`, r.UserID, r.UserID, r.UserID).Scan(&rows).Error
	for _, row := range rows {
		if row.Type == models.ConvGroup {
			groups = append(groups, row.ID)
		} else {
			privates = append(privates, row.ID)
		}
	}
	return groups, privates, err
}

// nonEmpty is ids, or a list holding only 0 (no row's id) where it is empty,
// so that IN ? stays valid SQL.
func nonEmpty(ids []uint64) []uint64 {
	if len(ids) == 0 {
		return []uint64{0}
	}
	return ids
}

// tsQuery writes q in tsquery syntax: a phrase's tokens joined by <-> (next
// to each other, in order), its last one a prefix (:*), the phrases joined
// by &. Tokens are letters and digits only, each quoted. wc_unaccent then
// folds what accents Go left as the index did; it leaves the operators alone.
func tsQuery(q Query) string {
	parts := make([]string, len(q.Phrases))
	for i, p := range q.Phrases {
		toks := make([]string, len(p))
		for j, t := range p {
			toks[j] = "'" + t + "'"
		}
		parts[i] = "(" + strings.Join(toks, " <-> ") + ":*)"
	}
	return strings.Join(parts, " & ")
}
