package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// BenchmarkFindLatency measures one search's latency (p50 and p99 over 200
// sequential queries of each kind) over SEARCH_BENCH_MESSAGES messages
// (default 20,000) in one group, on SQLite and PostgreSQL:
//
//	SEARCH_BENCH_MESSAGES=200000 go test -run '^$' -bench FindLatency -benchtime 1x ./search/
//
// Kinds: a rare word (one message in 10,000), a common word (in about one
// message in 20), a two-letter prefix of many words, and a two-word phrase.
func BenchmarkFindLatency(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("SEARCH_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	for _, kind := range []string{testenv.SQLite, testenv.Postgres} {
		b.Run(fmt.Sprintf("db=%s/messages=%d", kind, n), func(b *testing.B) {
			db := openIndexed(b, kind)
			ctx := context.Background()
			engine := search.For(db)
			userID := seed(b, ctx, db, n)
			for _, q := range []string{"rare", "w7", "w1", `"w3 w4"`} {
				b.Run("q="+q, func(b *testing.B) {
					parsed, err := search.Parse(q)
					if err != nil {
						b.Fatal(err)
					}
					for b.Loop() {
						lat := make([]time.Duration, 200)
						for i := range lat {
							start := time.Now()
							if _, _, err := engine.Find(ctx, db, search.Request{Query: parsed, UserID: userID, Limit: 20}); err != nil {
								b.Fatal(err)
							}
							lat[i] = time.Since(start)
						}
						slices.Sort(lat)
						b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
						b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
					}
				})
			}
		})
	}
}

// seed stores n messages of random words w0…w499 (a few very common) in one
// group of one user, one in 10,000 with the word "rare"; it returns the user.
func seed(b *testing.B, ctx context.Context, db *gorm.DB, n int) uint64 {
	b.Helper()
	u := newUser(b, db, "bench")
	g := newGroup(b, db, "bench", u)
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		// Squared: small numbers (w0, w1, …) are far more frequent, as in text.
		x := r.Float64()
		return "w" + strconv.Itoa(int(x*x*500))
	}
	const batch = 500
	for done := 0; done < n; done += batch {
		msgs := make([]*models.Message, 0, batch)
		for i := done; i < min(n, done+batch); i++ {
			words := make([]string, 12)
			for j := range words {
				words[j] = word()
			}
			if i%10000 == 0 {
				words[5] = "rare"
			}
			msgs = append(msgs, &models.Message{SenderID: u.ID, Body: strings.Join(words, " ")})
		}
		insert(b, db, g, msgs)
	}
	if models.IsPostgres(db) {
		// Steady state: statistics known and the GIN pending list merged, as
		// autovacuum leaves them (a fresh bulk load would read the pending
		// list on every query).
		if err := db.Exec("VACUUM ANALYZE messages").Error; err != nil {
			b.Fatal(err)
		}
	}
	return u.ID
}
