#!/usr/bin/env bash
# Real-terminal check of the TUI (issue 4, acceptance 2): in tmux at 120x40, start
# `sashell --model smollm2`, type a probe, press Enter, wait until the session file gains a
# turn, press Ctrl+Q, and check that sashell exited cleanly and the terminal is back to the shell.
#   bash bench/tmux_smoke.sh            (uses .venv/bin/sashell; needs tmux)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
sashell="${SASHELL:-$here/.venv/bin/sashell}"
work="$(mktemp -d)"
socket="sashell-smoke-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

tmux -L "$socket" new-session -d -s smoke -x 120 -y 40 "bash --norc --noprofile"
tmux -L "$socket" send-keys -t smoke "cd '$work' && PS1='READY> ' && clear" Enter
tmux -L "$socket" send-keys -t smoke "'$sashell' --model smollm2; echo EXIT=\$?" Enter

wait_for() {  # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    if (( SECONDS > deadline )); then return 1; fi
    sleep 0.5
  done
}
screen() { tmux -L "$socket" capture-pane -p -t smoke; }

wait_for 60 bash -c "tmux -L '$socket' capture-pane -p -t smoke | grep -q 'Type a probe'" \
  || { echo "FAIL: the TUI did not start"; screen; exit 1; }
tmux -L "$socket" send-keys -t smoke -l "Who discovered gravity?"
tmux -L "$socket" send-keys -t smoke Enter
turns() { cat "$work"/sessions/*.jsonl 2>/dev/null | grep -c '"type": "turn"' || true; }
export -f turns; export work
wait_for 120 bash -c '[ "$(turns)" -ge 1 ]' \
  || { echo "FAIL: no turn was saved"; screen; exit 1; }
screen | grep -q "Who discovered gravity" || { echo "FAIL: the probe is not on screen"; screen; exit 1; }
tmux -L "$socket" send-keys -t smoke C-q
wait_for 20 bash -c "tmux -L '$socket' capture-pane -p -t smoke | grep -q 'EXIT=0'" \
  || { echo "FAIL: sashell did not exit cleanly"; screen; exit 1; }
# The alternate screen is gone: the shell prompt and our echo are visible, the TUI's footer is not.
if screen | grep -q "Type a probe"; then echo "FAIL: the terminal was not restored"; screen; exit 1; fi
echo "PASS: reply streamed, $(turns) turn(s) saved, Ctrl+Q exited with 0 and restored the terminal"
