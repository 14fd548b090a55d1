#!/usr/bin/env bash
# Makes the README's pictures of the TUI again: runs pprof-tui on the leaky
# service's snapshots in tmux, presses the keys a user would, and turns each
# screen (with its colours) into an SVG with scripts/ansi2svg.py.
#
# Usage: scripts/screenshots.sh [OUT_DIR]     (default: docs/images)
# Needs tmux and python3; builds the release binary unless PPROF_TUI is set.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/images}
cols=120
rows=32
mkdir -p "$out"
if [[ -z ${PPROF_TUI:-} ]]; then
  cargo build --release --locked --quiet
  PPROF_TUI=target/release/pprof-tui
fi
session=pprof-tui-shots-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT

# shot NAME TITLE: waits for the screen to settle, then writes OUT/NAME.svg.
shot() {
  local previous="" current
  for _ in $(seq 50); do
    sleep 0.2
    current=$(tmux capture-pane -e -p -N -t "$session")
    [[ $current == "$previous" ]] && break
    previous=$current
  done
  tmux capture-pane -e -p -N -t "$session" |
    scripts/ansi2svg.py --cols "$cols" --rows "$rows" --title "$2" >"$out/$1.svg"
  echo "wrote $out/$1.svg" >&2
}

snaps=(testdata/leaky/heap-1.pb.gz testdata/leaky/heap-2.pb.gz testdata/leaky/heap-3.pb.gz)
tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
  "TERM=xterm-256color $PPROF_TUI ${snaps[*]}"
shot trend "pprof-tui: leak suspects across three heap snapshots (Trend view)"
# The top suspect's flame graph: Enter opens it in Top, 2 switches to Flame.
tmux send-keys -t "$session" Enter
tmux send-keys -t "$session" 2
shot flame "pprof-tui: the newest snapshot's flame graph, the top suspect highlighted"
tmux send-keys -t "$session" q
