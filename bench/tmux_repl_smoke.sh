#!/usr/bin/env bash
# Real-terminal check of the REPL (issue 7, acceptance 2): in tmux, start `sashell repl`, read
# the prompt, use tab completion, send a probe, see the reply and badges, leave with Ctrl+D.
#   bash bench/tmux_repl_smoke.sh      (uses .venv/bin/sashell; needs tmux)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
sashell="${SASHELL:-$here/.venv/bin/sashell}"
work="$(mktemp -d)"
socket="sashell-repl-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export XDG_DATA_HOME="$work/data"

tmux -L "$socket" new-session -d -s repl -x 120 -y 40 "bash --norc --noprofile"
tmux -L "$socket" send-keys -t repl "cd '$work' && PS1='READY> ' && clear" Enter
tmux -L "$socket" send-keys -t repl "'$sashell' repl; echo EXIT=\$?" Enter
screen() { tmux -L "$socket" capture-pane -p -t repl; }
wait_for() {  # wait_for <seconds> <pattern>
  local deadline=$((SECONDS + $1))
  until screen | grep -q -- "$2"; do
    if (( SECONDS > deadline )); then echo "FAIL: waiting for '$2'"; screen; exit 1; fi
    sleep 0.3
  done
}
wait_for 30 "smollm2 · none ›"
tmux -L "$socket" send-keys -t repl "/ti"
sleep 0.5
tmux -L "$socket" send-keys -t repl Tab                 # completes to /tier
sleep 0.5
tmux -L "$socket" send-keys -t repl " free" Enter
wait_for 10 "smollm2 · free ›"
tmux -L "$socket" send-keys -t repl "/set max_tokens 24" Enter
tmux -L "$socket" send-keys -t repl -l "Who discovered gravity?"
tmux -L "$socket" send-keys -t repl Enter
wait_for 120 "complete · "
tmux -L "$socket" send-keys -t repl C-d
wait_for 20 "EXIT=0"
[ -s "$work/data/sashell/repl-history" ] || { echo "FAIL: no history file"; exit 1; }
echo "PASS: prompt, completion, streamed reply with badges, Ctrl+D exit, history saved"
