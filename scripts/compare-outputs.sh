#!/usr/bin/env bash
# compare-outputs.sh OLD_BIN NEW_BIN
#
# Runs two pprof-tui binaries over every profile in testdata/ with every
# `top`, `diff`, `trend` and `flamegraph` output this script can enumerate
# (text and JSON, each granularity, each sample type, --cum, diffs, merges,
# trends, filters, SVG and folded flame graphs, a few error paths) and compares
# stdout, stderr, exit code and any written file of each run.
#
# Prints "N runs, M differ" and the first differences; exits 0 when every run
# matched, 1 when some differ, 2 on bad usage. Build both binaries with
# `cargo build --release` first: a debug build makes the run several times
# slower. Behaviour-preserving refactors are checked with it:
#
#   cp target/release/pprof-tui /tmp/pprof-tui-before   # before the change
#   ...change, cargo build --release...
#   scripts/compare-outputs.sh /tmp/pprof-tui-before target/release/pprof-tui
#
# Environment: SHOW (default 5) differing runs are printed in full;
# KEEP=1 keeps the scratch directory.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 OLD_BIN NEW_BIN" >&2
    exit 2
fi
for bin in "$1" "$2"; do
    if [[ ! -x "$bin" ]]; then
        echo "$0: '$bin' is not an executable file" >&2
        exit 2
    fi
done
OLD_BIN=$(realpath "$1")
NEW_BIN=$(realpath "$2")
SHOW=${SHOW:-5}

# Profiles are named by paths relative to the repository root, so the two
# binaries see the same arguments and print the same file names.
cd "$(dirname "$(realpath "$0")")/.."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compare-outputs.XXXXXX")
cleanup() {
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "scratch directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# clap prints the program's name in usage errors: call both `pprof-tui`.
mkdir "$WORK/old" "$WORK/new"
ln -s "$OLD_BIN" "$WORK/old/pprof-tui"
ln -s "$NEW_BIN" "$WORK/new/pprof-tui"
OLD_BIN="$WORK/old/pprof-tui"
NEW_BIN="$WORK/new/pprof-tui"

OUT="$WORK/out" # the path `@OUT` in a command's arguments stands for
RUNS=0
DIFFER=0
: >"$WORK/report"

# run_one BIN SIDE ARGS...: runs BIN with ARGS (stdin from $STDIN_FILE or
# /dev/null), keeping stdout, stderr, exit code and the file written to @OUT
# under $WORK/SIDE.*.
run_one() {
    local bin=$1 side=$2
    shift 2
    local args=() a
    for a in "$@"; do
        args+=("${a//@OUT/$OUT}")
    done
    rm -f "$OUT"
    local rc=0
    timeout 120 "$bin" "${args[@]}" <"${STDIN_FILE:-/dev/null}" \
        >"$WORK/$side.stdout" 2>"$WORK/$side.stderr" || rc=$?
    echo "$rc" >"$WORK/$side.rc"
    if [[ -e "$OUT" ]]; then
        mv "$OUT" "$WORK/$side.file"
    else
        echo "(no file written)" >"$WORK/$side.file"
    fi
}

# run ARGS...: one comparison.
run() {
    RUNS=$((RUNS + 1))
    run_one "$OLD_BIN" old "$@"
    run_one "$NEW_BIN" new "$@"
    local what differs=()
    for what in rc stdout stderr file; do
        if ! cmp -s "$WORK/old.$what" "$WORK/new.$what"; then
            differs+=("$what")
        fi
    done
    if [[ ${#differs[@]} -gt 0 ]]; then
        DIFFER=$((DIFFER + 1))
        echo "DIFFER (${differs[*]}): pprof-tui $*${STDIN_FILE:+ < $STDIN_FILE}" >>"$WORK/report"
        if [[ $DIFFER -le $SHOW ]]; then
            for what in "${differs[@]}"; do
                if [[ $what == rc ]]; then
                    echo "  exit code: old $(cat "$WORK/old.rc"), new $(cat "$WORK/new.rc")" >>"$WORK/report"
                else
                    diff -u --label "old $what" --label "new $what" \
                        "$WORK/old.$what" "$WORK/new.$what" | head -n 30 | cut -c 1-240 | sed 's/^/  /' >>"$WORK/report" || true
                fi
            done
        fi
    fi
}

# ok ARGS...: true when the OLD binary accepts these arguments (used to
# enumerate sample types).
ok() {
    "$OLD_BIN" "$@" </dev/null >/dev/null 2>&1
}

# Every profile under testdata/ except the deliberately broken ones, the
# oracle outputs and anything the old binary cannot read as a profile.
PROFILES=()
while IFS= read -r f; do
    if ok top --format json -n 1 "$f"; then
        PROFILES+=("$f")
    fi
done < <(find testdata -type f \
    -not -path 'testdata/malformed/*' -not -path 'testdata/hostile/*' \
    -not -path 'testdata/oracle/*' \
    \( -name '*.pb' -o -name '*.pb.gz' -o -name '*.pprof' -o -name '*.prof' -o -name '*.debug1.txt' \) | LC_ALL=C sort)
if [[ ${#PROFILES[@]} -eq 0 ]]; then
    echo "$0: no profiles found under testdata/" >&2
    exit 2
fi

# sample_indexes FILE: prints the indexes (0, 1, ...) FILE accepts.
sample_indexes() {
    local i=0
    while [[ $i -lt 16 ]] && ok top --format json -n 1 -i "$i" "$1"; do
        echo "$i"
        i=$((i + 1))
    done
}

GRANULARITIES=(functions filefunctions files lines addresses stacks)
L=testdata/leaky
C=testdata/compile

# --- top: every profile, sample type, granularity, format, order ----------
for f in "${PROFILES[@]}"; do
    run top "$f"
    run top --format json "$f"
    mapfile -t idx < <(sample_indexes "$f")
    for i in "${idx[@]}"; do
        for g in "${GRANULARITIES[@]}"; do
            run top -i "$i" -g "$g" "$f"
            run top -i "$i" -g "$g" --cum "$f"
            run top -i "$i" -g "$g" --format json "$f"
            run top -i "$i" -g "$g" --format json --cum -n 20 "$f"
        done
        run top -i "$i" --unit auto "$f"
        run top -i "$i" --node-fraction 0 -n 7 "$f"
    done
    run top -i 99 "$f"
done

# sample types by name, units, demangling, node limits
for t in alloc_objects alloc_space inuse_objects inuse_space objects space; do
    run top -i "$t" "$L/heap-3.pb.gz"
done
for u in minimum auto B kB MB GB b kb mb bytes ns us ms s; do
    run top --unit "$u" "$L/heap-3.pb.gz"
    run top --unit "$u" "$L/cpu.pb.gz"
done
run top --unit furlongs "$L/heap-3.pb.gz"
for d in default templates full; do
    run top --demangle "$d" testdata/names/names.pb
    run top --demangle "$d" --format json testdata/names/names.pb
done
for n in 1 3 10 0; do
    run top -n "$n" "$C/compile-heap.pb.gz"
    run top -n "$n" --cum "$L/cpu.pb.gz"
done
for nf in 0 0.01 0.1 0.5; do
    run top --node-fraction "$nf" "$L/cpu.pb.gz"
    run top --node-fraction "$nf" --format json "$L/heap-3.pb.gz"
done

# filters
FILTERS=(
    "--focus handleRequest"
    "--focus nothing-matches-this"
    "--ignore recordAudit"
    "--focus handleRequest --ignore Cache"
    "--hide runtime"
    "--show main"
    "--hide hash"
    "--focus fib"
    "--focus crunch -g lines"
    "--tagfocus 1kb"
    "--tagfocus 1kb:"
    "--tagfocus bytes=1kb:2mb"
    "--tagfocus bytes=16B:64B"
    "--tagfocus bytes=16:64"
    "--tagfocus 8"
    "--tagfocus bytes=:512"
    "--tagignore 1mb"
    "--tagignore bytes=256B"
    "--tagignore bytes=8"
    "--tagfocus bytes=1KB:1MB --tagignore bytes=4kb"
    "--focus (unclosed"
    "--tagfocus bytes=1kb:2kb:3kb"
)
for filt in "${FILTERS[@]}"; do
    # shellcheck disable=SC2086 # the filter strings are split on purpose
    for f in "$L/heap-3.pb.gz" "$L/cpu.pb.gz"; do
        run top $filt "$f"
        run top $filt --format json "$f"
    done
    run top $filt --diff-base "$L/heap-1.pb.gz" "$L/heap-3.pb.gz"
    run diff $filt "$L/heap-1.pb.gz" "$L/heap-3.pb.gz"
    run trend $filt "$L/heap-1.pb.gz" "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
    run flamegraph $filt --format folded "$L/heap-3.pb.gz"
done

# --- top: merges and diffs --------------------------------------------------
PAIRS=(
    "$L/heap-1.pb.gz $L/heap-3.pb.gz"
    "$L/heap-2.pb.gz $L/heap-3.pb.gz"
    "$L/heap-3.pb.gz $L/heap-1.pb.gz"
    "$L/goroutine-1.pb.gz $L/goroutine-3.pb.gz"
    "$C/compile-heap-2.pb.gz $C/compile-heap.pb.gz"
    "$L/heap-1.pb.gz $L/allocs.pb.gz"
    "$L/mutex.pb.gz $L/block.pb.gz"
    "$L/heap-1.pb.gz $L/cpu.pb.gz"
)
for pair in "${PAIRS[@]}"; do
    read -r base new <<<"$pair"
    for flag in --diff-base --base; do
        run top "$flag" "$base" "$new"
        run top "$flag" "$base" --normalize "$new"
        run top "$flag" "$base" --cum "$new"
        run top "$flag" "$base" --format json "$new"
        run top "$flag" "$base" --format json --normalize "$new"
        for g in "${GRANULARITIES[@]}"; do
            run top "$flag" "$base" -g "$g" "$new"
        done
        mapfile -t idx < <(sample_indexes "$new")
        for i in "${idx[@]}"; do
            run top "$flag" "$base" -i "$i" "$new"
        done
    done
    run top "$base" "$new"
    run top --format json "$base" "$new"
    run top -g addresses "$base" "$new"
done
run top "$L/heap-1.pb.gz" "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top --format json -g lines "$L/heap-1.pb.gz" "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top --diff-base "$L/heap-1.pb.gz" "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top --base "$L/heap-1.pb.gz" --normalize "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top --diff-base "$L/heap-1.pb.gz" --diff-base "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top --base "$L/heap-1.pb.gz" --base "$L/heap-2.pb.gz" "$L/heap-3.pb.gz"
run top "$C/compile-heap.pb.gz" "$C/compile-heap-2.pb.gz"
run top "$L/heap-3.pb.gz" "$L/goroutine-3.pb.gz"
run top --normalize "$L/heap-3.pb.gz"

# --- diff ---------------------------------------------------------------------
for pair in "${PAIRS[@]}"; do
    read -r base new <<<"$pair"
    run diff "$base" "$new"
    run diff --format json "$base" "$new"
    run diff --cum "$base" "$new"
    run diff --sort relative "$base" "$new"
    run diff --normalize "$base" "$new"
    run diff --all "$base" "$new"
    run diff --all --format json --sort relative --cum "$base" "$new"
    run diff --unit minimum "$base" "$new"
    run diff --unit MB "$base" "$new"
    run diff -n 3 "$base" "$new"
    for g in "${GRANULARITIES[@]}"; do
        run diff -g "$g" "$base" "$new"
        run diff -g "$g" --format json "$base" "$new"
    done
    mapfile -t idx < <(sample_indexes "$new")
    for i in "${idx[@]}"; do
        run diff -i "$i" "$base" "$new"
        run diff -i "$i" --format json --cum "$base" "$new"
    done
    for limit in 0 100 1kb 10MB 5% 0.1% 250ms bogus; do
        run diff --fail-on-growth "$limit" "$base" "$new"
    done
done

# --- trend ----------------------------------------------------------------------
SERIES=(
    "$L/heap-1.pb.gz $L/heap-2.pb.gz $L/heap-3.pb.gz"
    "$L/heap-3.pb.gz $L/heap-1.pb.gz $L/heap-2.pb.gz"
    "$L/heap-1.pb.gz $L/heap-3.pb.gz"
    "$L/goroutine-1.pb.gz $L/goroutine-2.pb.gz $L/goroutine-3.pb.gz"
    "$C/compile-heap-2.pb.gz $C/compile-heap.pb.gz"
    "$L/heap-1.pb.gz $L/goroutine-1.pb.gz"
)
for series in "${SERIES[@]}"; do
    read -r -a snaps <<<"$series"
    run trend "${snaps[@]}"
    run trend --format json "${snaps[@]}"
    run trend --cum "${snaps[@]}"
    run trend --unit MB "${snaps[@]}"
    run trend --unit minimum "${snaps[@]}"
    run trend -n 2 "${snaps[@]}"
    for g in "${GRANULARITIES[@]}"; do
        run trend -g "$g" "${snaps[@]}"
        run trend -g "$g" --format json "${snaps[@]}"
    done
    mapfile -t idx < <(sample_indexes "${snaps[0]}")
    for i in "${idx[@]}"; do
        run trend -i "$i" "${snaps[@]}"
        run trend -i "$i" --format json --cum "${snaps[@]}"
    done
    for limit in 0 1kb 1MB 5% bogus; do
        run trend --fail-on-growth "$limit" "${snaps[@]}"
    done
done
run trend "$L/heap-3.pb.gz"

# --- flamegraph ---------------------------------------------------------------
for f in "${PROFILES[@]}"; do
    run flamegraph -o @OUT "$f"
    run flamegraph --format folded "$f"
    run flamegraph --format folded -o @OUT "$f"
    mapfile -t idx < <(sample_indexes "$f")
    for i in "${idx[@]}"; do
        run flamegraph -i "$i" --format folded "$f"
        for g in "${GRANULARITIES[@]}"; do
            run flamegraph -i "$i" -g "$g" --format folded "$f"
        done
    done
    run flamegraph -i 0 -g lines -o @OUT "$f"
done
for pair in "${PAIRS[@]}"; do
    read -r base new <<<"$pair"
    run flamegraph --diff-base "$base" -o @OUT "$new"
    run flamegraph --diff-base "$base" --normalize -o @OUT "$new"
    run flamegraph --diff-base "$base" --format folded "$new"
    run flamegraph --diff-base "$base" --normalize --format folded -g lines "$new"
done
H="$L/heap-3.pb.gz"
run flamegraph --icicle -o @OUT "$H"
run flamegraph --title 'a <title> & "quotes"' -o @OUT "$H"
run flamegraph --width 800 -o @OUT "$H"
run flamegraph --width 0 -o @OUT "$H"
for mw in 0 0.5 5 100; do
    run flamegraph --min-width "$mw" -o @OUT "$H"
done
for c in go hot mem io red green blue aqua yellow purple orange nope; do
    run flamegraph --colors "$c" -o @OUT "$L/cpu.pb.gz"
done
run flamegraph -o @OUT "$L/heap-1.pb.gz" "$H"
run flamegraph --format dot "$H"

# --- stdin, errors, usage -----------------------------------------------------
STDIN_FILE="$H" run top -
STDIN_FILE="$H" run top --format json - "$L/heap-1.pb.gz"
STDIN_FILE="$H" run diff "$L/heap-1.pb.gz" -
STDIN_FILE="$H" run flamegraph --format folded -
STDIN_FILE="$L/heap-1.pb.gz" run trend - "$L/heap-2.pb.gz" "$H"
for f in testdata/malformed/* testdata/hostile/* testdata/leaky/main.go testdata/README.md \
    testdata/does-not-exist.pb.gz; do
    [[ -e "$f" || "$f" == *does-not-exist* ]] || continue
    run top "$f"
    run diff "$f" "$H"
    run trend "$H" "$f"
    run flamegraph --format folded "$f"
done
run top --max-decompressed 1000 "$H"
run top
run diff "$H"
run top --granularity nonsense "$H"
run top --format yaml "$H"
run top -n -1 "$H"
run top --node-fraction 2 "$H"
run top --sort relative "$H"
run "$H"
run
run --version
for shell in bash zsh fish; do
    run completions "$shell"
done
run man
run man top
for cmd in "" top diff trend flamegraph; do
    # shellcheck disable=SC2086 # an empty command is no argument
    run $cmd --help
done

echo "$RUNS runs, $DIFFER differ"
if [[ $DIFFER -gt 0 ]]; then
    head -n 400 "$WORK/report"
    exit 1
fi
