#!/usr/bin/env bash
# Real-terminal check of the TUI (issue 4, acceptance 2; issue 18, acceptance 3): in tmux at
# 120x40, start `sashell --model smollm2`, switch to the free tier, pick the tier-tag context
# (Ctrl+T), set temperature and max tokens (Ctrl+S), type a probe, press Enter, wait until the
# session file gains a turn sent under those settings, press Ctrl+Q, and check that sashell
# exited cleanly and the terminal is back to the shell.
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

# only a hung run reaches the limit: every step waits on what the screen shows
LIMIT=${SMOKE_LIMIT_S:-1200}

wait_for() {  # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    if (( SECONDS > deadline )); then return 1; fi
    sleep 0.5
  done
}
screen() { tmux -L "$socket" capture-pane -p -t smoke; }

wait_for "$LIMIT" bash -c "tmux -L '$socket' capture-pane -p -t smoke | grep -q 'Type a probe'" \
  || { echo "FAIL: the TUI did not start"; screen; exit 1; }
keys() { tmux -L "$socket" send-keys -t smoke "$@"; }
shows() { tmux -L "$socket" capture-pane -p -t smoke | grep -q -- "$1"; }
export -f shows; export socket
wait_for "$LIMIT" bash -c 'shows "ctx none"' \
  || { echo "FAIL: the models did not load after the first paint"; screen; exit 1; }
keys F3                                             # tier none → free
wait_for "$LIMIT" bash -c 'shows " FREE "' || { echo "FAIL: F3 did not change the tier"; screen; exit 1; }
keys C-t                                            # the context picker
wait_for "$LIMIT" bash -c 'shows "Context (Enter"' || { echo "FAIL: no context picker"; screen; exit 1; }
keys End Up Enter                                   # the last context file: tier-tag
wait_for "$LIMIT" bash -c 'shows "ctx tier-tag"' || { echo "FAIL: the context did not change"; screen; exit 1; }
keys C-s                                            # sampling settings
wait_for "$LIMIT" bash -c 'shows "Sampling (Enter"' || { echo "FAIL: no settings dialog"; screen; exit 1; }
# one step at a time: each key sequence is read before the next arrives
for step in "End" "BSpace BSpace BSpace BSpace BSpace" "-l 0.5" "Tab" "Tab" "End" \
            "BSpace BSpace BSpace BSpace BSpace" "-l 12" "Enter"; do
  # shellcheck disable=SC2086
  keys $step; sleep 0.3
done
wait_for "$LIMIT" bash -c 'shows "T 0.5"' || { echo "FAIL: the settings did not apply"; screen; exit 1; }
tmux -L "$socket" send-keys -t smoke -l "Who discovered gravity?"
tmux -L "$socket" send-keys -t smoke Enter
turns() { cat "$work"/sessions/*.jsonl 2>/dev/null | grep -c '"type": "turn"' || true; }
export -f turns; export work
wait_for "$LIMIT" bash -c '[ "$(turns)" -ge 1 ]' \
  || { echo "FAIL: no turn was saved"; screen; exit 1; }
screen | grep -q "Who discovered gravity" || { echo "FAIL: the probe is not on screen"; screen; exit 1; }
python3 - "$work"/sessions/*.jsonl <<'PY' || { echo "FAIL: the turn was not sent as set"; exit 1; }
import json, sys
turn = [json.loads(l) for l in open(sys.argv[1]) if '"type": "turn"' in l][-1]
assert turn["tier"] == "free" and turn["context"]["name"] == "tier-tag", turn["context"]
assert turn["params"]["temperature"] == 0.5 and turn["params"]["max_tokens"] == 12, turn["params"]
PY
tmux -L "$socket" send-keys -t smoke C-q
wait_for "$LIMIT" bash -c "tmux -L '$socket' capture-pane -p -t smoke | grep -q 'EXIT=0'" \
  || { echo "FAIL: sashell did not exit cleanly"; screen; exit 1; }
# The alternate screen is gone: the shell prompt and our echo are visible, the TUI's footer is not.
if screen | grep -q "Type a probe"; then echo "FAIL: the terminal was not restored"; screen; exit 1; fi
echo "PASS: tier, context and settings changed, reply streamed under them, $(turns) turn(s) saved, Ctrl+Q exited with 0 and restored the terminal"
