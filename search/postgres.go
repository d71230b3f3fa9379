package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"workcomm/models"
)

// postgresEngine is PostgreSQL full-text search: a stored generated
// tsvector column of messages (the `simple` configuration over the body
// with accents removed and anything but letters and digits made a space,
// as the SQLite tokenizer does) with a GIN index. PostgreSQL computes it in
// the statement that writes the body, so it is always in step.
//
// Its words are scoped to their conversation: "Hello" in group 39 is the
// lexeme g39zhello (scopeOf). A search only ever reads the caller's
// conversations, so it asks GIN for their words alone, and GIN's work is
// the caller's matches instead of the whole table's: with unscoped words a
// frequent word or a prefix made GIN build a bitmap of every match in the
// table before the conversation filter threw most of it away (measured at
// 1,000,000 messages, a user in 5 groups: 100–200 ms a phrase or two
// frequent words, 6–30 ms scoped; docs/SEARCH.md). A user's word can never
// match a scope or another conversation's word: words are letters and
// digits only, and every scope ends in z after the digits of its id.
type postgresEngine struct{}

// postgresSchema creates the index. unaccent is a trusted extension (a
// database owner may create it); it goes to the public schema so that every
// schema of a shared test database finds it there. A generated column needs
// immutable functions: wc_unaccent declares unaccent with its dictionary
// named (which is immutable in practice) so, wc_search_text is the text
// indexed and wc_scoped_text the same with each word scoped (scopeOf must
// agree with it).
var postgresSchema = []string{
	`CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public`,
	`CREATE OR REPLACE FUNCTION wc_unaccent(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, t) $$`,
	`CREATE OR REPLACE FUNCTION wc_search_text(body text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT regexp_replace(wc_unaccent(body), '[^[:alnum:]]+', ' ', 'g') $$`,
	`CREATE OR REPLACE FUNCTION wc_scoped_text(conv_type text, conv_id bigint, body text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT regexp_replace(wc_search_text(body), '[[:alnum:]]+',
    CASE conv_type WHEN 'group' THEN 'g' ELSE 'p' END || conv_id || 'z\&', 'g') $$`,
	// The unscoped column of earlier versions (its index goes with it).
	// Dropping a column is instant; adding the scoped one rewrites the
	// table once.
	`ALTER TABLE messages DROP COLUMN IF EXISTS search_vector`,
	`ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_scoped tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, wc_scoped_text(conv_type, conv_id, body))) STORED`,
	`CREATE INDEX IF NOT EXISTS idx_messages_search ON messages USING GIN (search_scoped)`,
	// New entries go to the index's pending list (fastupdate, PostgreSQL's
	// default), which is merged into the tree when it grows past its limit,
	// by the insert that crosses it: a send's transaction, waiting for the
	// whole merge (autovacuum merges it too, but only when it runs). Tidy
	// merges it every tidyInterval instead; the limit, raised from 4 to 16 MB, is
	// the backstop that keeps a burst from reaching a sender. Searches read
	// the pending list as well, so nothing written is ever out of sight.
	`ALTER INDEX idx_messages_search SET (fastupdate = on, gin_pending_list_limit = 16384)`,
}

// scopeOf is the prefix of a conversation's words in the index, as
// wc_scoped_text writes it.
func scopeOf(c conv) string {
	kind := "p"
	if c.Type == models.ConvGroup {
		kind = "g"
	}
	return kind + strconv.FormatUint(c.ID, 10) + "z"
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

// recentWindow is how many of the caller's newest messages (below the
// cursor) a search reads first: a word common enough to fill a page there
// is answered from them alone. minConvWindow is the least read from each of
// their conversations. Each row read is a heap page (a conversation's
// messages are spread over the table), so the window is kept small now that
// the index step reads only the caller's postings: at 1,000,000 messages a
// window of 500 held 50 queries/s with p99 25 ms where 2,000 spent 6 ms of
// the database a query on it alone (docs/SEARCH.md).
// (Variables so that a test can make the windows small.)
var (
	recentWindow  = 500
	minConvWindow = 25
)

// Find tries the caller's newest messages first, then every match in their
// conversations. Left to itself the planner misjudges a prefix tsquery (:*):
// it walks the id index for a rare word too and reads most of the table
// (measured: 73 / 190 ms p50/p99 at 100,000 messages).
//
// So first the newest messages of each of the caller's conversations, read
// through the conversation index (windowHits): a word common enough fills
// the page there, in a few milliseconds whatever the table's size, where
// reading every match of a word in 40 % of the messages would fetch
// thousands of rows to keep 20. The newest messages of the whole table,
// tried first before, answer only users whose conversations are the
// busiest: at 1,000,000 messages a user reading 1 % of them found a page
// there for no query kind.
//
// If the window does not fill the page, every match in the caller's
// conversations from the index, their words asked for in each
// conversation's scope (so GIN reads only their postings), then sorted.
// OFFSET 0 keeps the planner from walking the id index instead; the
// tsquery is a subquery so that it is built once, not for every row a
// generic plan looks at.
func (postgresEngine) Find(ctx context.Context, db *gorm.DB, r Request) ([]models.Message, bool, error) {
	convs, err := conversationsOf(ctx, db, r)
	if err != nil || len(convs) == 0 {
		return nil, false, err
	}
	// Each conversation's tsquery, for the windows and the index step alike.
	queries := make([]string, len(convs))
	for i, c := range convs {
		queries[i] = tsQuery(r.Query, scopeOf(c))
	}
	per := max(minConvWindow, recentWindow/len(convs))
	w, err := windowHits(ctx, db, r, convs, queries, per)
	if err != nil {
		return nil, false, err
	}
	if !w.exact(r.Limit) {
		if rows, ok := w.walkBeats(r.Limit); ok {
			// The caller's messages match often enough that reading further
			// back fills the page for less than the index step would fetch.
			w, err = windowHits(ctx, db, r, convs, queries, max(2*per, rows/len(convs)))
			if err != nil {
				return nil, false, err
			}
		}
	}
	if w.exact(r.Limit) {
		if len(w.ids) == 0 {
			return nil, false, nil
		}
		return find(ctx, db, r, plan{from: "(SELECT * FROM messages WHERE id IN ?) AS m", fromArgs: []any{w.ids}, match: "TRUE", id: "m.id"})
	}
	return find(ctx, db, r, plan{from: `(SELECT * FROM messages
  WHERE search_scoped @@ (SELECT to_tsquery('simple'::regconfig, wc_unaccent(?))) OFFSET 0) AS m`,
		fromArgs: []any{"(" + strings.Join(queries, ") | (") + ")"}, match: "TRUE", id: "m.id"})
}

// conv names one conversation of the caller.
type conv struct {
	Type string
	ID   uint64
}

// window is what windowHits read.
type window struct {
	ids      []uint64 // matches, newest first, at most the page and one
	complete bool     // the windows held every message of the caller's conversations
	read     int      // rows read
	hits     int      // of them, matches
	cands    int      // of them, rows with every word of the query somewhere (what GIN hands the index step)
	left     int64    // messages of the caller's conversations below the cursor (from their seqs)
}

// exact reports that w alone gives the page: more than limit matches (the
// newest limit of them, and more follow), or every message was read.
func (w window) exact(limit int) bool { return w.complete || len(w.ids) > limit }

// maxWalk bounds the second, longer window: past it the index step is
// cheaper whatever the rates say.
const maxWalk = 20000

// walkBeats says whether reading the caller's conversations further back is
// cheaper than the index step, and how many rows to read. Both cost about a
// heap page a row: the walk reads until limit+1 matches at the rate of the
// page's matches seen in the window (those above its floor: the others may
// be missing newer ones), with half again for luck; the index step rechecks
// every candidate of the caller's messages, at the rate seen. A phrase of
// common words ("w0 w4": the two in a third of the messages, side by side
// in one in fifteen) walks; a rare word goes to the index.
func (w window) walkBeats(limit int) (rows int, ok bool) {
	if w.hits == 0 || w.read == 0 {
		return 0, false
	}
	walk := float64(limit+1) * float64(w.read) / float64(max(len(w.ids), 1)) * 1.5
	index := float64(w.cands) / float64(w.read) * float64(w.left)
	if walk >= index || walk > maxWalk {
		return 0, false
	}
	return int(walk), true
}

// windowHits reads the newest per messages of each of convs (queries[i]
// is the tsquery of convs[i]) below r's
// cursor (by seq, through the conversation index) and returns, newest
// first, the ids of those that match, among the caller's newest messages as
// a whole: ids at or above the highest of the oldest ids of the
// conversations whose window was full, where no message of any
// conversation is missing. Within a conversation ids grow with seqs (both
// are given in its commit, under the lock of its seq counter), so a window
// by seq is one by id.
//
// Each conversation's tsqueries (its scope's words; the same with every
// phrase loosened to its words anywhere, for the candidates) are built once,
// in the MATERIALIZED list, not for each of the rows they are checked against.
func windowHits(ctx context.Context, db *gorm.DB, r Request, convs []conv, queries []string, per int) (w window, err error) {
	types, convIDs, loose := make([]string, len(convs)), make([]int64, len(convs)), make([]string, len(convs))
	for i, c := range convs {
		types[i], convIDs[i], loose[i] = c.Type, int64(c.ID), looseQuery(queries[i])
	}
	before := int64(r.BeforeID)
	if before == 0 || r.BeforeID > models.MaxID {
		before = int64(models.MaxID)
	}
	var rows []struct {
		N     int
		Cands int
		Top   int64
		Lo    uint64
		Hits  string
	}
	err = db.WithContext(ctx).Raw(`WITH c AS MATERIALIZED (
  SELECT t, id, to_tsquery('simple'::regconfig, wc_unaccent(q)) AS q, to_tsquery('simple'::regconfig, wc_unaccent(l)) AS l
  FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[]) AS c(t, id, q, l))
SELECT count(*) AS n, count(*) FILTER (WHERE w.cand) AS cands, max(w.seq) AS top, min(w.id) AS lo,
  coalesce(string_agg(w.id::text, ',') FILTER (WHERE w.cand AND w.hit), '') AS hits
FROM c CROSS JOIN LATERAL (
  SELECT m.id, m.seq,
    (m.deleted_at IS NULL AND (?::bigint = 0 OR m.sender_id = ?) AND m.search_scoped @@ c.l) AS cand,
    m.search_scoped @@ c.q AS hit
  FROM messages m WHERE m.conv_type = c.t AND m.conv_id = c.id AND m.id < ?
  ORDER BY m.seq DESC LIMIT ?) w
GROUP BY c.t, c.id`, pqArray(types), pqArray(convIDs), pqArray(queries), pqArray(loose), r.From, r.From, before, per).Scan(&rows).Error
	if err != nil {
		return window{}, err
	}
	var floor uint64 // ids below it may be missing from some window
	w.complete = true
	for _, row := range rows {
		w.read += row.N
		w.cands += row.Cands
		w.left += row.Top
		if row.N >= per {
			w.complete = false
			floor = max(floor, row.Lo)
		}
	}
	for _, row := range rows {
		for _, f := range strings.Split(row.Hits, ",") {
			if f == "" {
				continue
			}
			id, perr := strconv.ParseUint(f, 10, 64)
			if perr != nil {
				return window{}, perr
			}
			w.hits++
			if id >= floor {
				w.ids = append(w.ids, id)
			}
		}
	}
	slices.SortFunc(w.ids, func(a, b uint64) int { return cmp.Compare(b, a) })
	w.ids = w.ids[:min(len(w.ids), r.Limit+1)]
	return w, nil
}

// conversationsOf is the conversations r may search: the one it names, or
// every one of the user's (the same rule as readable, which find applies
// again to what is read).
func conversationsOf(ctx context.Context, db *gorm.DB, r Request) ([]conv, error) {
	if r.ConvType != "" {
		return []conv{{Type: r.ConvType, ID: r.ConvID}}, nil
	}
	var rows []conv
	err := db.WithContext(ctx).Raw(`SELECT 'group' AS type, gm.group_id AS id FROM group_members gm
  JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL WHERE gm.user_id = ?
UNION ALL SELECT 'private', pc.id FROM private_conversations pc
  JOIN friendships f ON f.user_a_id = pc.user_a_id AND f.user_b_id = pc.user_b_id
  WHERE pc.user_a_id = ? OR pc.user_b_id = ?`, r.UserID, r.UserID, r.UserID).Scan(&rows).Error
	return rows, err
}

// pqArray writes a PostgreSQL array literal ('{"a","b"}') for a parameter
// cast to text[] or bigint[] (GORM would expand a slice into a list). Every
// element is quoted, with " and \ escaped, so any text goes through.
func pqArray[T string | int64](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = `"` + pqEscape.Replace(fmt.Sprint(x)) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var pqEscape = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// looseQuery is a tsQuery with each phrase's words anywhere in the message
// (& for <->): what GIN can check, the candidates it hands on.
func looseQuery(tsquery string) string { return strings.ReplaceAll(tsquery, " <-> ", " & ") }

// tsQuery writes q in tsquery syntax for the words of one scope: a
// phrase's tokens joined by <-> (next to each other, in order), its last one
// a prefix (:*), the phrases joined by &. Tokens are letters and digits
// only, each quoted. wc_unaccent then folds what accents Go left as the
// index did; it leaves the operators and the scope alone.
func tsQuery(q Query, scope string) string {
	parts := make([]string, len(q.Phrases))
	for i, p := range q.Phrases {
		toks := make([]string, len(p))
		for j, t := range p {
			toks[j] = "'" + scope + t + "'"
		}
		parts[i] = "(" + strings.Join(toks, " <-> ") + ":*)"
	}
	return strings.Join(parts, " & ")
}
