// Package app wires WorkComm's parts together from a configuration: the
// database, Redis, the real-time delivery, the services, the socket
// endpoints and the router. main and the tests build the application the
// same way, through Open.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/broker"
	"workcomm/configs"
	"workcomm/controllers"
	"workcomm/docs"
	"workcomm/models"
	"workcomm/presence"
	"workcomm/ratelimit"
	"workcomm/routes"
	"workcomm/search"
	"workcomm/services"
	"workcomm/sockets"
	"workcomm/storage"
	"workcomm/tokens"
)

// App is a running WorkComm node.
type App struct {
	Config   *configs.Config
	DB       *gorm.DB
	Log      *slog.Logger
	Services *services.Services
	Registry *prometheus.Registry
	Handler  *gin.Engine
	// Draining turns /readyz to 503 when shutdown begins.
	Draining atomic.Bool

	closers       []func() error
	shutdownHooks []func(context.Context)
}

// Options tune Open for the caller.
type Options struct {
	// DB, when set, is used instead of connecting from the configuration (tests).
	DB *gorm.DB
	// Migrate runs the schema migration before serving.
	Migrate bool
}

// socketApp is the application as the socket layer sees it (sockets.App):
// the four services whose methods it calls, and nothing else.
type socketApp struct {
	*services.Auth     // AuthenticateSocket
	*services.Chat     // Send, Typing, MarkRead, History, AllowRequest
	*services.Groups   // GroupIDsOf
	*services.Presence // Connected, Disconnected
}

var _ sockets.App = socketApp{}

// Authenticate checks a handshake's token as REST does, reading only what a
// socket keeps of its user (services.Auth.AuthenticateSocket).
func (s socketApp) Authenticate(ctx context.Context, raw string) (*models.User, error) {
	return s.Auth.AuthenticateSocket(ctx, raw)
}

// Open builds a node from the configuration. Construction runs one way: the
// delivery (hubs, broker) first, the services on top of it, the socket
// endpoints on top of both; nothing is set after the fact.
func Open(ctx context.Context, cfg *configs.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := cfg.EnsureJWTSecret(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := a.open(ctx, opts); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context, opts Options) error {
	cfg, log := a.Config, a.Log
	db := opts.DB
	if db == nil {
		var err error
		if db, err = configs.DBConnect(cfg); err != nil {
			return err
		}
		a.closers = append(a.closers, func() error {
			sqlDB, err := db.DB()
			if err != nil {
				return err
			}
			return sqlDB.Close()
		})
	}
	a.DB = db
	if opts.Migrate {
		index := search.For(db)
		if err := models.Migrate(ctx, db, func(tx *gorm.DB) error { return index.Migrate(ctx, tx) }); err != nil {
			return err
		}
	}

	// With REDIS_URL, one Redis client carries the broker, presence and the
	// cluster-wide rate limits; without, one node keeps them in process.
	limits := services.NewLimits(cfg)
	var b broker.Broker = broker.NewInProcess()
	var tracker presence.Tracker = presence.NewLocal()
	var rdb *redis.Client
	if cfg.RedisURL != "" {
		var err error
		if rdb, err = openRedis(ctx, cfg.RedisURL); err != nil {
			return err
		}
		a.closers = append(a.closers, rdb.Close)
		b = broker.NewRedis(rdb, cfg.RedisPrefix, log)
		tracker = presence.NewRedis(rdb, cfg.RedisPrefix, presence.DefaultTimings, log)
		limits.Share(ratelimit.NewShared(rdb, cfg.RedisPrefix, a.Registry, log))
	}
	a.closers = append(a.closers, tracker.Close)

	delivery, err := sockets.NewDelivery(ctx, b, a.Registry, log)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, delivery.Close)

	store, err := storage.Open(ctx, cfg.StorageURL)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, store.Close)
	log.InfoContext(ctx, "files kept in "+store.String())
	links, err := storage.NewLinks(cfg.JWTSecret)
	if err != nil {
		return err
	}

	core := &services.Core{Config: cfg, DB: db, Log: log, Limits: limits, Publisher: delivery, Tracker: tracker,
		Storage: store, Links: links, BcryptCost: bcryptCost(cfg)}
	if err := a.openAccounts(core); err != nil {
		return err
	}
	a.Services = services.New(core, tokens.NewManager(cfg.JWTSecret, cfg.AccessTokenTTL), services.NewStripeClient(cfg, log))
	// Closed after the sockets (their last changes are gathered) and before
	// the broker and the database (the flush needs both).
	a.closers = append(a.closers, a.Services.Presence.Close)

	endpoints := sockets.New(socketApp{a.Services.Auth, a.Services.Chat, a.Services.Groups, a.Services.Presence}, delivery,
		sockets.Config{AllowedOrigins: cfg.AllowedOrigins, HandshakeTimeout: cfg.RequestTimeout}, log)
	a.closers = append(a.closers, func() error { endpoints.Close(); return nil })
	a.shutdownHooks = append(a.shutdownHooks, endpoints.Shutdown)

	// Users a dead node left online are announced offline from now on.
	watch, stop := context.WithCancel(context.WithoutCancel(ctx))
	go a.Services.Presence.WatchExpired(watch)
	// Uploads never attached are removed after 24 h, by every node at once.
	go a.Services.Attachments.RunOrphanJob(watch)
	// The search index's deferred work is done here, not in some send.
	go a.Services.Search.RunTidyJob(watch)
	a.closers = append(a.closers, func() error { stop(); return nil })

	health := &controllers.HealthController{
		Draining: &a.Draining,
		OpenAPI:  docs.OpenAPI,
		Checks: []controllers.ReadyCheck{{Name: "database", Check: func(ctx context.Context) error {
			sqlDB, err := db.DB()
			if err != nil {
				return err
			}
			return sqlDB.PingContext(ctx)
		}}, {Name: "storage", Check: store.Check}},
	}
	if rdb != nil {
		health.Checks = append(health.Checks, controllers.ReadyCheck{Name: "redis", Check: func(ctx context.Context) error {
			return rdb.Ping(ctx).Err()
		}})
	}
	a.Handler, err = routes.New(routes.Deps{Config: cfg, Services: a.Services, Sockets: endpoints, Health: health, Registry: a.Registry, Log: log})
	return err
}

// openRedis connects to REDIS_URL and checks that Redis answers.
func openRedis(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("REDIS_URL: cannot reach Redis: %w", err)
	}
	return client, nil
}

// Close releases what Open acquired, in reverse order.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// bcryptCost is bcrypt's default, lowered only under APP_ENV=test where
// hundreds of accounts are made per run.
func bcryptCost(cfg *configs.Config) int {
	if cfg.Env == configs.EnvTest {
		return bcrypt.MinCost
	}
	return bcrypt.DefaultCost
}

// Seed creates the demo data (services.Services.Seed).
func (a *App) Seed(ctx context.Context) ([]*models.User, error) {
	return a.Services.Seed(ctx)
}

// Shutdown closes long-lived connections (sockets with 1001) before the HTTP
// server stops.
func (a *App) Shutdown(ctx context.Context) {
	for _, h := range a.shutdownHooks {
		h(ctx)
	}
}
