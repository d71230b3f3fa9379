// Command workcomm is the WorkComm server. main only wires: it loads the
// configuration, opens the application and serves it until a signal.
//
//	workcomm [serve]          migrate the schema, then serve HTTP and WebSockets
//	workcomm migrate          migrate the schema and exit
//	workcomm seed             create demo users (password "demo-password")
//	workcomm create-admin -email E -username U   (password on stdin)
//	workcomm healthcheck      exit 0 when /healthz on ADDR answers 200 (for images without curl)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"workcomm/app"
	"workcomm/configs"
	"workcomm/services"
)

// Server timeouts. ReadHeaderTimeout drops slowloris clients; WriteTimeout is
// left at zero because WebSocket connections are long-lived (their pumps set
// their own deadlines); IdleTimeout frees idle keep-alive connections.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 120 * time.Second
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "workcomm:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := configs.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := cfg.NewLogger(stderr)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
		if err != nil {
			return err
		}
		log.Info("schema migrated")
		return a.Close()
	case "seed":
		a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
		if err != nil {
			return err
		}
		defer a.Close()
		users, err := a.Seed(ctx)
		if err != nil {
			return err
		}
		log.Info("demo data ready", "users", len(users), "password", "demo-password")
		return nil
	case "create-admin":
		return createAdmin(ctx, cfg, log, args, stdin)
	case "healthcheck":
		return healthcheck(ctx, cfg)
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, seed, create-admin, healthcheck)", cmd)
	}
}

func serve(ctx context.Context, cfg *configs.Config, log *slog.Logger) error {
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	defer startPprof(cfg.PprofAddr, log)()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		log.Info("serving", "addr", cfg.Addr, "env", cfg.Env, "database", dbKind(cfg), "redis", cfg.RedisURL != "", "static", cfg.StaticDir)
		errc <- srv.ListenAndServe()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	a.Draining.Store(true) // /readyz answers 503 so the balancer stops sending
	time.Sleep(cfg.ReadinessDrainGap)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	a.Shutdown(shutdownCtx) // close sockets with 1001 so clients reconnect elsewhere
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func createAdmin(ctx context.Context, cfg *configs.Config, log *slog.Logger, args []string, stdin io.Reader) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	email := fs.String("email", "", "admin email")
	username := fs.String("username", "", "admin username")
	if err := fs.Parse(args); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	u, created, err := a.Services.Admin.CreateAdmin(ctx, *email, *username, password)
	if err != nil {
		return services.DescribeError(err)
	}
	verb := "promoted"
	if created {
		verb = "created"
	}
	log.Info("admin "+verb, "id", u.ID, "username", u.Username)
	return nil
}

func dbKind(cfg *configs.Config) string {
	if cfg.UsesPostgres() {
		return "postgres"
	}
	return "sqlite:" + cfg.SQLitePath
}

// healthcheck asks the local server's /healthz; a container health probe.
func healthcheck(ctx context.Context, cfg *configs.Config) error {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", res.StatusCode)
	}
	return nil
}
