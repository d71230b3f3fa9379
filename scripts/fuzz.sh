#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a short fixed time each
# (FUZZTIME, default 10s): the request binders, the cursor decoder, the
# socket envelope/data decoders and dispatcher, the broker wire decoder and
# the Stripe webhook. Targets are found with `go test -list`, so a new Fuzz
# function is picked up without editing this file.
#
# A failure leaves the crashing input in <package>/testdata/fuzz/<Target>/:
# commit it (it then runs with every `go test` as a regular test case) with
# the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH
FUZZTIME=${FUZZTIME:-10s}

targets=()
pending=()
while IFS= read -r line; do
  case "$line" in
    Fuzz*) pending+=("$line") ;;
    ok*)
      pkg=$(awk '{print $2}' <<<"$line")
      for f in "${pending[@]+"${pending[@]}"}"; do targets+=("$pkg $f"); done
      pending=()
      ;;
  esac
done < <(go test -list '^Fuzz' ./...)

if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no Fuzz targets found" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${FUZZTIME} each"
failed=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "--- $name ($pkg)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
    failed+=("$name ($pkg)")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: FAILED: %s\n' "${failed[@]}" >&2
  echo "fuzz: the crashing inputs are under <package>/testdata/fuzz/: fix the cause and commit them as regression cases" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
