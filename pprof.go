package main

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
)

// startPprof serves net/http/pprof on addr (PPROF_ADDR), a listener apart
// from the API so that profiles are never reachable through the public port.
// Empty addr serves nothing. It returns a function that stops the listener.
//
//	go tool pprof -seconds 20 http://127.0.0.1:6060/debug/pprof/profile
func startPprof(addr string, log *slog.Logger) (stop func()) {
	if addr == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go func() {
		log.Info("pprof serving", "addr", addr)
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof listener failed", "addr", addr, "err", err)
		}
	}()
	return func() { _ = srv.Close() }
}
