package search

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"workcomm/models"
)

// sqliteEngine is FTS5: an external-content table over messages.body
// (unicode61 tokens, diacritics removed), kept by triggers on messages, so
// every write to a message updates the index in its own transaction.
type sqliteEngine struct{}

// sqliteSchema creates the index and its triggers. An edit (and a delete,
// which blanks the body) replaces the row's terms; a deleted message has
// none left.
var sqliteSchema = []string{
	// prefix: indexes of every token's first 2, 3 and 4 characters, so that a
	// short prefix ("de") reads one list instead of merging every token that
	// starts with it (measured: BenchmarkFindLatency).
	`CREATE VIRTUAL TABLE message_search USING fts5(body, content='messages', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')`,
	`CREATE TRIGGER IF NOT EXISTS message_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_search(rowid, body) VALUES (new.id, new.body);
END`,
	`CREATE TRIGGER IF NOT EXISTS message_search_delete AFTER DELETE ON messages BEGIN
  INSERT INTO message_search(message_search, rowid, body) VALUES ('delete', old.id, old.body);
END`,
	`CREATE TRIGGER IF NOT EXISTS message_search_update AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO message_search(message_search, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO message_search(rowid, body) VALUES (new.id, new.body);
END`,
	// Messages stored before the index existed.
	`INSERT INTO message_search(message_search) VALUES ('rebuild')`,
}

func (sqliteEngine) Migrate(ctx context.Context, db *gorm.DB) error {
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'message_search'").Scan(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, stmt := range sqliteSchema {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Tidy has nothing to do: FTS5 merges its segments as it writes
// (automerge), in the same transaction, in small steps.
func (sqliteEngine) Tidy(context.Context, *gorm.DB) error { return nil }

func (sqliteEngine) Find(ctx context.Context, db *gorm.DB, r Request) ([]models.Message, bool, error) {
	// Ordered by the FTS5 rowid: FTS5 yields matches in rowid order itself,
	// so a page of a common word stops after its first rows.
	return find(ctx, db, r, plan{from: "message_search s JOIN messages m ON m.id = s.rowid",
		match: "message_search MATCH ?", matchArgs: []any{fts5Query(r.Query)}, id: "s.rowid"})
}

// fts5Query writes q in FTS5's syntax: each phrase quoted (its tokens are
// letters and digits only, so nothing in them is syntax) and made a prefix
// query, all of them required.
func fts5Query(q Query) string {
	parts := make([]string, len(q.Phrases))
	for i, p := range q.Phrases {
		parts[i] = `"` + strings.Join(p, " ") + `"*`
	}
	return strings.Join(parts, " AND ")
}
