#!/usr/bin/env bash
# The measurement layout of docs/PERFORMANCE.md on a 2-core machine: the
# server and PostgreSQL share CPU 0, the load tool runs alone on CPU 1.
#
#   bench/layout.sh start postgres   # or: start sqlite
#   taskset -c 1 bin/loadtest -pid "$(cat bench/out/server.pid)" -database-url "$BENCH_DATABASE_URL" ...
#   bench/layout.sh stop
#
# start builds bin/workcomm and bin/loadtest, creates the database wc_bench
# (PostgreSQL) or a fresh bench/out/wc.db (SQLite), pins PostgreSQL's
# postmaster and background processes to CPU 0 (backends forked later, the
# server's among them, inherit it; needs root, else only the server is
# pinned), and starts the server on CPU 0 with pprof on 127.0.0.1:6060.
# stop stops the server, gives PostgreSQL back every CPU and drops wc_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=bench/out
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
pg_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wc_bench?sslmode=disable}
addr=${BENCH_ADDR:-127.0.0.1:18080}

# The cluster's postmaster and background processes (not other clients'
# backends, nor other clusters on the machine).
pg_pids() {
  local bg
  bg=$(psql "$pg_admin" -Atc "SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend'" 2>/dev/null || true)
  for p in $bg; do echo "$p"; ps -o ppid= -p "$p" 2>/dev/null || true; done | sort -u
}

case "${1:-}" in
start)
  kind=${2:-postgres}
  mkdir -p "$out" bin
  go build -o bin/workcomm . && go build -o bin/loadtest ./bench/loadtest
  env=(APP_ENV=test ADDR="$addr" PPROF_ADDR=127.0.0.1:6060 LOG_LEVEL=warn
    JWT_SECRET=bench-secret-bench-secret-bench-secret-0123)
  if [ "$kind" = sqlite ]; then
    rm -f "$out"/wc.db*
    env+=(SQLITE_PATH="$out/wc.db")
  else
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS wc_bench" -c "CREATE DATABASE wc_bench"
    # sslmode=disable: on loopback TLS only adds CPU to the server's core.
    env+=(DATABASE_URL="$pg_url")
    for p in $(pg_pids); do taskset -pc 0 "$p" >/dev/null 2>&1 || true; done
  fi
  env "${env[@]}" taskset -c 0 bin/workcomm serve >"$out/server.log" 2>&1 &
  echo $! >"$out/server.pid"
  for _ in $(seq 1 80); do curl -sf "http://$addr/healthz" >/dev/null && break; sleep 0.25; done
  curl -sf "http://$addr/healthz" >/dev/null || { echo "server did not start: see $out/server.log" >&2; exit 1; }
  echo "server pid $(cat "$out/server.pid") on $addr ($kind); load tool: taskset -c 1 bin/loadtest -url http://$addr ..."
  ;;
stop)
  if [ -f "$out/server.pid" ]; then
    pid=$(cat "$out/server.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$out/server.pid"
  fi
  for p in $(pg_pids); do taskset -pc "0-$(($(nproc) - 1))" "$p" >/dev/null 2>&1 || true; done
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS wc_bench" 2>/dev/null || true
  ;;
*)
  echo "usage: bench/layout.sh start [postgres|sqlite] | stop" >&2
  exit 2
  ;;
esac
