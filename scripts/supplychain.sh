#!/usr/bin/env bash
# Supply-chain checks, run by CI after the tests:
#   - govulncheck (golang.org/x/vuln, pinned by the module's `tool` line) on
#     every package: only vulnerabilities in code the server can reach count;
#   - npm audit of the frontend's runtime dependencies (--omit=dev: what
#     ships to browsers).
# A known-vulnerable dependency fails the run unless it is listed with a
# written reason in scripts/vuln-exceptions.txt (one "ID  reason" a line; the
# ID is a GO-YYYY-NNNN, a GHSA-… or an npm package name).
#
# Both checks need their vulnerability database. For Go, when vuln.go.dev
# cannot be reached (a sandbox whose only way out is the module proxy), the
# database is built locally from the golang.org/x/vulndb module — the same OSV
# records vuln.go.dev serves, pinned below — with its own indexdb command.
# The npm registry's audit endpoint has no such copy: when it cannot be
# reached this says so loudly and does not fail on that alone (NOT CHECKED).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH

exceptions=scripts/vuln-exceptions.txt
allowed() { [ -f "$exceptions" ] && grep -v '^#' "$exceptions" | awk '{print $1}' | grep -qxF "$1"; }
status=0

# The offline copy of the Go vulnerability database: bump with
#   go list -m -versions golang.org/x/vulndb   (newest pseudo-version)
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

echo "--- govulncheck ./..."
out=$(go tool govulncheck ./... 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "fetching vulnerabilities" <<<"$out"; then
  echo "vuln.go.dev unreachable: building the database from golang.org/x/vulndb@$VULNDB_VERSION"
  dbdir=$(mktemp -d)
  trap 'rm -rf "$dbdir"' EXIT
  osv=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')/data/osv
  if [ -d "$osv" ] && (cd "$dbdir" && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$osv" -out "$dbdir/db"); then
    out=$(go tool govulncheck -db "file://$dbdir/db" ./... 2>&1)
    rc=$?
  fi
fi
echo "$out" | tail -40
if [ $rc -eq 0 ]; then
  echo "govulncheck: no known vulnerability reachable"
elif grep -q "fetching vulnerabilities" <<<"$out"; then
  echo "!!! govulncheck could not reach the vulnerability database (vuln.go.dev): Go dependencies NOT CHECKED in this run !!!"
else
  ids=$(grep -oE 'GO-[0-9]{4}-[0-9]+' <<<"$out" | sort -u)
  if [ -z "$ids" ]; then
    echo "govulncheck failed (exit $rc)"; status=1
  fi
  for id in $ids; do
    if allowed "$id"; then echo "govulncheck: $id accepted: $(grep "^$id" "$exceptions")"
    else echo "govulncheck: $id has no written reason in $exceptions"; status=1; fi
  done
fi

echo "--- npm audit --omit=dev (frontend)"
if [ -f frontend/package-lock.json ]; then
  json=$(cd frontend && npm audit --omit=dev --json 2>/dev/null)
  verdict=$(node -e '
    let r; try { r = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { console.log("unreachable"); process.exit(0); }
    if (!r.auditReportVersion && (r.error || r.statusCode || r.message)) { console.log("unreachable " + (r.message || r.error?.summary || "")); process.exit(0); }
    const names = Object.keys(r.vulnerabilities || {});
    console.log(names.length ? "found " + names.join(" ") : "clean");
  ' <<<"$json")
  case "$verdict" in
    clean) echo "npm audit: no known vulnerability in runtime dependencies" ;;
    unreachable*) echo "!!! npm audit could not reach the registry's audit endpoint (${verdict#unreachable }): frontend dependencies NOT CHECKED in this run !!!" ;;
    found*)
      for pkg in ${verdict#found }; do
        if allowed "$pkg"; then echo "npm audit: $pkg accepted: $(grep "^$pkg" "$exceptions")"
        else echo "npm audit: $pkg is vulnerable and has no written reason in $exceptions"; status=1; fi
      done
      (cd frontend && npm audit --omit=dev) || true
      ;;
  esac
fi
exit $status
