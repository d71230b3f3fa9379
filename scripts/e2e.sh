#!/usr/bin/env bash
# Plays the browser demo (frontend/e2e/run.mjs: every scenario of frontend/e2e/scenarios/, playwright-core + Debian's Chromium)
# against the real server: the built app served by workcomm on a fresh SQLite
# file, payments through stripe-mock, an admin made with `workcomm create-admin`.
# Screenshots land in frontend/e2e/screenshots/.
#
# Without Chromium it skips loudly, unless WORKCOMM_REQUIRE_E2E=1 (CI), where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH

if ! command -v chromium >/dev/null; then
  if [ "${WORKCOMM_REQUIRE_E2E:-}" = 1 ]; then
    echo "e2e: chromium is required (WORKCOMM_REQUIRE_E2E=1) but not installed (apt-get install chromium)" >&2
    exit 1
  fi
  echo "!!! e2e SKIPPED: chromium not installed (apt-get install chromium) !!!" >&2
  exit 0
fi

[ -f frontend/dist/workcomm/browser/index.html ] || make build-frontend
[ -d frontend/node_modules/playwright-core ] || (cd frontend && npm ci --no-audit --no-fund)
make build-server

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() {
  for _ in $(seq 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "e2e: $1 never answered" >&2; return 1
}

stripe_port=$(free_port)
go build -o "$work/stripe-mock" github.com/stripe/stripe-mock
"$work/stripe-mock" -http-port "$stripe_port" >"$work/stripe-mock.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$stripe_port") 2>/dev/null && break; sleep 0.1; done

# Mail goes through a real SMTP server (Mailpit); 50-accounts reads it back through Mailpit's HTTP API.
command -v mailpit >/dev/null || go install github.com/axllent/mailpit@v1.33.1
mail_smtp=$(free_port); mail_http=$(free_port)
mailpit --smtp "127.0.0.1:$mail_smtp" --listen "127.0.0.1:$mail_http" --database "$work/mailpit.db" \
  --disable-version-check --smtp-disable-rdns >"$work/mailpit.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$mail_http/readyz"
export SMTP_URL="smtp://127.0.0.1:$mail_smtp"

port=$(free_port)
export APP_ENV=development
export ADDR="127.0.0.1:$port"
export SQLITE_PATH="$work/data/workcomm.db"
export STORAGE_URL="file://$work/data/files"   # uploads in the run's folder, not the checkout's data/
export STATIC_DIR="$PWD/frontend/dist/workcomm/browser"
export STRIPE_SECRET_KEY=sk_test_123e2e
export STRIPE_PUBLISHABLE_KEY=pk_test_123e2e
export STRIPE_WEBHOOK_SECRET=whsec_123e2e
export STRIPE_API_URL="http://127.0.0.1:$stripe_port"
export RATE_LIMIT_REGISTER_PER_HOUR=1000
export LOG_LEVEL=warn

admin_password="E2e-Admin-Password-$RANDOM$RANDOM"
echo "$admin_password" | ./bin/workcomm create-admin -email e2e-admin@example.com -username e2e_admin
./bin/workcomm serve >"$work/server.log" 2>&1 &
pids+=($!)
wait_http "http://$ADDR/readyz"

set +e
(cd frontend && E2E_BASE_URL="http://$ADDR" E2E_WEBHOOK_SECRET="$STRIPE_WEBHOOK_SECRET" E2E_MAILPIT_URL="http://127.0.0.1:$mail_http" \
  E2E_ADMIN_LOGIN=e2e_admin E2E_ADMIN_PASSWORD="$admin_password" npm run --silent e2e)
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "--- server log (last 80 lines)"; tail -80 "$work/server.log"
fi
exit $rc
