#!/usr/bin/env bash
# Installs the real servers the tests talk to, at pinned versions, into $(go env GOPATH)/bin:
#   mailpit - an SMTP server with an HTTP API to read what arrived (mail tests, the e2e password reset)
#   weed    - SeaweedFS, an S3-compatible object store (storage tests, two nodes on one bucket)
# Each is built from the Go module proxy and skipped when the pinned version is already there.
set -euo pipefail
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH

MAILPIT_VERSION=v1.33.1
# SeaweedFS 4.53 (no tagged module version is served; this is the proxy's pseudo-version of that commit).
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6

bin=$(go env GOPATH)/bin
mkdir -p "$bin"

if go version -m "$bin/mailpit" 2>/dev/null | grep -q "mod[[:space:]]*github.com/axllent/mailpit[[:space:]]*$MAILPIT_VERSION"; then
  echo "mailpit $MAILPIT_VERSION: present"
else
  echo "mailpit $MAILPIT_VERSION: building (about 2 minutes)"
  go install "github.com/axllent/mailpit@$MAILPIT_VERSION"
fi

# `go install weed@version` refuses the module because its go.mod has a replace
# directive, so weed is built from the module's source as the main module.
stamp="$bin/.weed-version"
if [ -x "$bin/weed" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$WEED_VERSION" ]; then
  echo "weed $WEED_VERSION: present"
else
  echo "weed $WEED_VERSION: building from source (10 to 20 minutes on 2 cores)"
  go mod download "github.com/seaweedfs/seaweedfs@$WEED_VERSION"
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  cp -r "$(go env GOMODCACHE)/github.com/seaweedfs/seaweedfs@$WEED_VERSION/." "$src"
  chmod -R u+w "$src"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin/weed" ./weed)
  echo "$WEED_VERSION" > "$stamp"
fi
