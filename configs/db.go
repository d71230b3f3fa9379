package configs

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgreSQL pool settings. Each node keeps a modest pool: PostgreSQL's own
// limit (100 by default) is shared by every replica and the migrate job.
// Every open connection may stay idle (until pgConnMaxIdleTime): with fewer
// idle than open, a burst (a reconnect storm: 100 handshakes at once) closed
// each connection past the idle limit as it came back and opened a new one
// for the next query, a backend forked and its statements parsed again each
// time (measured: 93 new connections in the 6 s of 5,000 handshakes).
const (
	pgMaxOpenConns    = 20
	pgMaxIdleConns    = pgMaxOpenConns
	pgConnMaxLifetime = 30 * time.Minute
	pgConnMaxIdleTime = 5 * time.Minute
	// sqliteBusyTimeoutMS lets a writer wait for another instead of failing
	// at once with SQLITE_BUSY.
	sqliteBusyTimeoutMS = 5000
)

// DBConnect opens PostgreSQL when DATABASE_URL is set, else the embedded SQLite
// file at SQLITE_PATH (WAL, foreign keys, busy timeout), creating its folder.
func DBConnect(c *Config) (*gorm.DB, error) {
	gcfg := &gorm.Config{
		Logger:         logger.Default.LogMode(logger.Silent),
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if c.UsesPostgres() {
		db, err := gorm.Open(postgres.Open(c.DatabaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: cannot connect: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(pgMaxOpenConns)
		sqlDB.SetMaxIdleConns(pgMaxIdleConns)
		sqlDB.SetConnMaxLifetime(pgConnMaxLifetime)
		sqlDB.SetConnMaxIdleTime(pgConnMaxIdleTime)
		return db, nil
	}
	if dir := filepath.Dir(c.SQLitePath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("SQLITE_PATH: cannot create %s: %w", dir, err)
		}
	}
	return OpenSQLite(c.SQLitePath, gcfg)
}

// OpenSQLite opens an SQLite database with the pragmas WorkComm relies on.
func OpenSQLite(path string, gcfg *gorm.Config) (*gorm.DB, error) {
	dsn := fmt.Sprintf("file:%s?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)",
		path, sqliteBusyTimeoutMS)
	db, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return nil, fmt.Errorf("SQLITE_PATH: cannot open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// SQLite has one writer; a single connection serialises writes in Go
	// rather than in busy-wait loops, and WAL keeps reads cheap.
	sqlDB.SetMaxOpenConns(1)
	slog.Debug("sqlite opened", "path", path)
	return db, nil
}
