package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/configs"
	"workcomm/models"
)

// password is every load-test user's password. Its hash is computed once at
// bcrypt's minimum cost: the server checks it at login whatever its own cost.
const password = "load-test-password"

// seedBatch is how many rows one INSERT carries while seeding: well under
// PostgreSQL's 65,535 bind parameters for the widest row (users, 14 columns).
const seedBatch = 500

// loginWorkers is how many logins run at once: enough to hide the round
// trip, few enough not to queue bcrypt on a one-core server.
const loginWorkers = 8

// user is a seeded account and its access token.
type user struct {
	id       uint64
	username string

	mu    sync.Mutex
	token string
}

// world is what one run prepared: groups of members and private pairs.
type world struct {
	groups [][]*user  // groups[i] are the members of groupIDs[i], the owner first
	ids    []uint64   // group ids
	pairs  [][2]*user // friends who chat privately
	all    []*user
}

// openDB opens the server's database directly, for seeding.
func openDB(databaseURL, sqlitePath string) (*gorm.DB, error) {
	if databaseURL == "" && sqlitePath == "" {
		return nil, errors.New("-database-url (PostgreSQL) or -sqlite-path (the server's SQLite file) is required to seed")
	}
	return configs.DBConnect(&configs.Config{DatabaseURL: databaseURL, SQLitePath: sqlitePath})
}

// seed writes users (premium, so that 50-member groups are allowed), groups
// with their members, and friendships for the pairs, straight into the
// database. Names carry run so that runs never collide.
func seed(ctx context.Context, db *gorm.DB, run string, groups, members, pairs int) (*world, error) {
	if err := models.Migrate(ctx, db); err != nil {
		return nil, err
	}
	all, err := seedUsers(ctx, db, run, "Load", groups*members+2*pairs)
	if err != nil {
		return nil, fmt.Errorf("seeding %w", err)
	}
	w := &world{all: all}
	now := time.Now().UTC()
	for g := range groups {
		us := w.all[g*members : (g+1)*members]
		grp := &models.Group{Name: fmt.Sprintf("%s group %d", run, g), OwnerID: us[0].id}
		ms := make([]models.GroupMember, len(us))
		for i, u := range us {
			ms[i] = models.GroupMember{UserID: u.id, Role: models.GroupRoleMember, JoinedAt: now}
		}
		ms[0].Role = models.GroupRoleOwner
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return models.CreateGroup(ctx, tx, grp, ms) })
		if err != nil {
			return nil, fmt.Errorf("seeding groups: %w", err)
		}
		w.groups = append(w.groups, us)
		w.ids = append(w.ids, grp.ID)
	}
	for p := range pairs {
		a, b := w.all[groups*members+2*p], w.all[groups*members+2*p+1]
		if _, err := models.CreateFriendship(ctx, db, a.id, b.id); err != nil {
			return nil, fmt.Errorf("seeding friends: %w", err)
		}
		w.pairs = append(w.pairs, [2]*user{a, b})
	}
	return w, nil
}

// api is the server's REST API, for logins and history reads.
type api struct {
	base   string // http://host:port
	client *http.Client
}

// login gets an access token for u through POST /api/v1/auth/login.
func (a *api) login(ctx context.Context, u *user) error {
	body, _ := json.Marshal(map[string]string{"login": u.username, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("login %s: status %d", u.username, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return err
	}
	u.mu.Lock()
	u.token = out.AccessToken
	u.mu.Unlock()
	return nil
}

// loginAll logs every user in, loginWorkers at a time.
func (a *api) loginAll(ctx context.Context, users []*user) error {
	work := make(chan *user)
	errs := make(chan error, loginWorkers)
	var wg sync.WaitGroup
	for range loginWorkers {
		wg.Go(func() {
			for u := range work {
				if err := a.login(ctx, u); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for _, u := range users {
		select {
		case work <- u:
		case err = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
	default:
	}
	return err
}

func (u *user) accessToken() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.token
}

// seedUsers writes n premium users named run_0 … run_(n-1), all with the
// tool's password (bcrypt at its minimum cost), displayed as "label i".
func seedUsers(ctx context.Context, db *gorm.DB, run, label string, n int) ([]*user, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	rows := make([]models.User, n)
	for i := range rows {
		name := fmt.Sprintf("%s_%d", run, i)
		rows[i] = models.User{Username: name, UsernameLower: name, Email: name + "@load.test", EmailLower: name + "@load.test",
			DisplayName: label + " " + strconv.Itoa(i), PasswordHash: string(hash), Role: models.RoleUser, Plan: models.PlanPremium}
	}
	if err := db.WithContext(ctx).CreateInBatches(rows, seedBatch).Error; err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	out := make([]*user, n)
	for i := range rows {
		out[i] = &user{id: rows[i].ID, username: rows[i].Username}
	}
	return out, nil
}
