// Package app wires WorkComm's parts together from a configuration: the
// database, the services, the real-time layer and the router. main and the
// tests build the application the same way, through Open.
package app

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/configs"
	"workcomm/controllers"
	"workcomm/docs"
	"workcomm/models"
	"workcomm/ratelimit"
	"workcomm/routes"
	"workcomm/services"
	"workcomm/sockets"
	"workcomm/tokens"
)

// App is a running WorkComm node.
type App struct {
	Config   *configs.Config
	DB       *gorm.DB
	Log      *slog.Logger
	Services *services.Deps
	Registry *prometheus.Registry
	Handler  *gin.Engine
	// Draining turns /readyz to 503 when shutdown begins.
	Draining atomic.Bool

	closers       []func() error
	shutdownHooks []func(context.Context)
	seeders       []services.Seeder
}

// Options tune Open for the caller.
type Options struct {
	// DB, when set, is used instead of connecting from the configuration (tests).
	DB *gorm.DB
	// Migrate runs the schema migration before serving.
	Migrate bool
}

// Open builds a node from the configuration.
func Open(ctx context.Context, cfg *configs.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := cfg.EnsureJWTSecret(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	db := opts.DB
	if db == nil {
		var err error
		if db, err = configs.DBConnect(cfg); err != nil {
			return nil, err
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
		if err := models.Migrate(ctx, db); err != nil {
			a.Close()
			return nil, err
		}
	}

	a.Services = &services.Deps{
		Config:     cfg,
		DB:         db,
		Tokens:     tokens.NewManager(cfg.JWTSecret, cfg.AccessTokenTTL),
		Limits:     services.NewLimits(cfg),
		Stripe:     services.NewStripeClient(cfg, log),
		Log:        log,
		BcryptCost: bcryptCost(cfg),
	}
	// The real-time layer: sockets, the broker to the other nodes, presence.
	rt, err := sockets.NewFromConfig(ctx, a.Services, a.Registry, log)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Services.Realtime = rt
	if rdb := rt.RedisClient(); rdb != nil {
		a.Services.Limits.Share(ratelimit.NewShared(rdb, cfg.RedisPrefix, a.Registry, log))
	}
	a.closers = append(a.closers, rt.Close)
	a.shutdownHooks = append(a.shutdownHooks, rt.Shutdown)
	a.seeders = append(a.seeders, services.SeedDemoGroup)
	health := &controllers.HealthController{
		Draining: &a.Draining,
		OpenAPI:  docs.OpenAPI,
		Checks: []controllers.ReadyCheck{{Name: "database", Check: func(ctx context.Context) error {
			sqlDB, err := db.DB()
			if err != nil {
				return err
			}
			return sqlDB.PingContext(ctx)
		}}},
	}
	if cfg.RedisURL != "" {
		health.Checks = append(health.Checks, controllers.ReadyCheck{Name: "redis", Check: rt.Ping})
	}
	engine, err := routes.New(routes.Deps{Services: a.Services, Sockets: rt, Health: health, Registry: a.Registry, Log: log})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Handler = engine
	return a, nil
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

// Seed creates the demo data.
func (a *App) Seed(ctx context.Context) ([]*models.User, error) {
	return a.Services.Seed(ctx, a.seeders...)
}

// Shutdown closes long-lived connections (sockets with 1001) before the HTTP
// server stops; hooks are added by the real-time layer.
func (a *App) Shutdown(ctx context.Context) {
	for _, h := range a.shutdownHooks {
		h(ctx)
	}
}
