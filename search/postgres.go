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

func (postgresEngine) Find(ctx context.Context, db *gorm.DB, r Request) ([]models.Message, bool, error) {
	return find(ctx, db, r, "messages m", "m.search_vector @@ to_tsquery('simple'::regconfig, wc_unaccent(?))", "m.id", tsQuery(r.Query))
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
