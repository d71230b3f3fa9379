#!/usr/bin/env bash
# The measurement layout of docs/PERFORMANCE.md on a 2-core machine: the
# server and PostgreSQL share CPU 0, the load tool runs alone on CPU 1.
#
#   bench/layout.sh start postgres   # or: start sqlite, or start cluster
#   taskset -c 1 bin/loadtest -pid "$(paste -sd, bench/out/server.pid)" -database-url "$BENCH_DATABASE_URL" ...
#   bench/layout.sh stop
#
# start builds bin/workcomm and bin/loadtest, creates the database wc_bench
# (PostgreSQL) or a fresh bench/out/wc.db (SQLite), pins PostgreSQL's
# postmaster and background processes to CPU 0 (backends forked later, the
# server's among them, inherit it; needs root, else only the server is
# pinned), and starts the server on CPU 0 with pprof on 127.0.0.1:6060.
# cluster starts two nodes (ADDR and the next port) on PostgreSQL and Redis,
# Redis pinned to CPU 0 too; the load tool takes both URLs and both pids.
# stop stops the server(s), gives PostgreSQL and Redis back every CPU and
# drops wc_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=bench/out
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
# BENCH_DB, BENCH_ADDR and BENCH_PPROF_ADDR let two layouts run side by side
# (their numbers then share CPU 0: for trying things, not for quoting).
db=${BENCH_DB:-wc_bench}
pg_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$db?sslmode=disable}
addr=${BENCH_ADDR:-127.0.0.1:18080}
pprof=${BENCH_PPROF_ADDR:-127.0.0.1:6060}

# The cluster's postmaster and background processes (not other clients'
# backends, nor other clusters on the machine).
pg_pids() {
  local bg
  bg=$(psql "$pg_admin" -Atc "SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend'" 2>/dev/null || true)
  for p in $bg; do echo "$p"; ps -o ppid= -p "$p" 2>/dev/null || true; done | sort -u
}

# Redis's server process, for the cluster layout (one on this machine).
redis_pids() { pgrep -x redis-server || true; }

case "${1:-}" in
start)
  kind=${2:-postgres}
  mkdir -p "$out" bin
  go build -o bin/workcomm . && go build -o bin/loadtest ./bench/loadtest
  env=(APP_ENV=test PPROF_ADDR=$pprof LOG_LEVEL=warn
    JWT_SECRET=bench-secret-bench-secret-bench-secret-0123)
  addrs=("$addr")
  if [ "$kind" = sqlite ]; then
    rm -f "$out"/wc.db*
    env+=(SQLITE_PATH="$out/wc.db")
  else
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    # sslmode=disable: on loopback TLS only adds CPU to the server's core.
    env+=(DATABASE_URL="$pg_url")
    for p in $(pg_pids); do taskset -pc 0 "$p" >/dev/null 2>&1 || true; done
  fi
  if [ "$kind" = cluster ]; then
    # Two nodes on one PostgreSQL and the local Redis, all on CPU 0 like the
    # single node: the comparison shows what the Redis hop costs, not scaling.
    env+=(REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}" REDIS_PREFIX="wcbench$$")
    addrs+=("${addr%:*}:$((${addr##*:} + 1))")
    for p in $(redis_pids); do taskset -pc 0 "$p" >/dev/null 2>&1 || true; done
  fi
  : >"$out/server.pid"
  for i in "${!addrs[@]}"; do
    node_env=("${env[@]}" ADDR="${addrs[$i]}")
    [ "$i" -gt 0 ] && node_env+=(PPROF_ADDR=)
    env "${node_env[@]}" taskset -c 0 bin/workcomm serve >"$out/server$i.log" 2>&1 &
    echo $! >>"$out/server.pid"
  done
  urls=()
  for a in "${addrs[@]}"; do
    for _ in $(seq 1 80); do curl -sf "http://$a/healthz" >/dev/null && break; sleep 0.25; done
    curl -sf "http://$a/healthz" >/dev/null || { echo "server on $a did not start: see $out/server*.log" >&2; exit 1; }
    urls+=("http://$a")
  done
  pids=$(paste -sd, "$out/server.pid")
  url_list=$(IFS=,; echo "${urls[*]}")
  echo "server pid(s) $pids on ${addrs[*]} ($kind); load tool: taskset -c 1 bin/loadtest -url $url_list -pid $pids ..."
  ;;
stop)
  if [ -f "$out/server.pid" ]; then
    for pid in $(cat "$out/server.pid"); do kill "$pid" 2>/dev/null || true; done
    for pid in $(cat "$out/server.pid"); do
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    done
    rm -f "$out/server.pid"
  fi
  for p in $(pg_pids) $(redis_pids); do taskset -pc "0-$(($(nproc) - 1))" "$p" >/dev/null 2>&1 || true; done
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  ;;
*)
  echo "usage: bench/layout.sh start [postgres|sqlite|cluster] | stop" >&2
  exit 2
  ;;
esac
