#!/usr/bin/env bash
# Fills corpus/<target>/ with the profiles in testdata, both as they are
# (gzip'd) and gunzipped: raw protobuf mutates far better than deflate
# bytes, whose every flipped bit garbles the rest of the stream.
set -euo pipefail
cd "$(dirname "$0")"
testdata=../testdata
for target in decode analyze tui; do
    dir=corpus/$target
    mkdir -p "$dir"
    for f in "$testdata"/leaky/*.pb.gz "$testdata"/compile/*.pb.gz "$testdata"/malformed/* "$testdata"/hostile/* \
        "$testdata"/goroutines/panic/traceback.txt "$testdata"/goroutines/signatures/*/leak/out/goroutine.debug2.txt; do
        [ -f "$f" ] || continue
        # Goroutine dumps: one name per program (they share a file name).
        name=$(echo "${f#"$testdata"/}" | tr / -)
        cp "$f" "$dir/$name"
        if gzip -t "$f" 2>/dev/null; then
            gzip -dc "$f" > "$dir/${name%.gz}.raw"
        fi
    done
done
# Legacy text: the debug=1 snapshots (all targets that decode), and, for the
# legacy target (whose first byte picks a header), their bodies.
for target in decode analyze tui; do
    cp "$testdata"/legacy/*.debug1.txt "$testdata"/legacy/contention/*.debug1.txt "corpus/$target/"
done
mkdir -p corpus/legacy
for f in "$testdata"/legacy/*.debug1.txt "$testdata"/legacy/contention/*.debug1.txt; do
    name=$(basename "$f")
    case $name in
        heap-*) pick='\x00' ;;
        goroutine-*) pick='\x02' ;;
        mutex.*) pick='\x03' ;;
        *) pick='\x04' ;;
    esac
    { printf "$pick"; tail -n +2 "$f"; } > "corpus/legacy/$name"
done
# The compiler's escape-analysis output, for the escape target.
mkdir -p corpus/escape
cp "$testdata"/leaky/escape-m*.txt corpus/escape/
# Hand-made corners that mutation reaches slowly (extreme values, deep stacks …).
python3 extra_seeds.py corpus/decode corpus/analyze corpus/tui
ls corpus/*/ | wc -l
