"""Crash safety (issue 5, acceptance 6): SIGKILL `sashell probe` mid-stream, 20 times.

Each round makes a session with one completed turn, then starts a long probe appending to it and
kills the process with SIGKILL once streamed text has been checkpointed (at a random moment
after that). Every file must load, the completed turn must be intact, and the killed turn must be
present, marked interrupted, with the text streamed so far.

    .venv/bin/python bench/kill_stream.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sashell.core.errors import SashellError
from sashell.core.session import load_session


def probe(sessions: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "sashell", "probe", "--session", "s",
                             "--sessions-dir", str(sessions), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def one_round(directory: Path, rng: random.Random) -> str:
    sessions = directory / "sessions"
    if probe(sessions, "--max-tokens", "8", "--temperature", "0", "Say hi.").wait() != 0:
        return "the first probe failed"
    path = sessions / "s.jsonl"
    completed = load_session(path).turns[0]
    proc = probe(sessions, "--max-tokens", "600", "Write a long story about a lighthouse keeper.")
    deadline = time.monotonic() + 60
    while '"type": "turn_delta", "turn": 2' not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    try:
        loaded = load_session(path)
    except SashellError as exc:
        return f"does not load: {exc}"
    if loaded.turns[0] != completed:
        return "the completed turn changed"
    if len(loaded.turns) != 2:
        return f"{len(loaded.turns)} turns"
    last = loaded.turns[1]
    if last.get("status") not in ("interrupted", "complete") or not last.get("reply"):
        return f"killed turn: status {last.get('status')}, {len(last.get('reply', ''))} chars"
    return "ok" if last["status"] == "interrupted" else "ok (finished before the kill)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(0)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("SASHELL_CACHE_DIR", str(Path(tmp) / "cache"))
        for index in range(args.rounds):
            outcome = one_round(Path(tmp) / f"round{index}", rng)
            results.append(outcome)
            print(f"round {index + 1:>2}: {outcome}", flush=True)
    good = sum(r.startswith("ok") for r in results)
    interrupted = sum(r == "ok" for r in results)
    print(f"{good}/{len(results)} files load with the completed turn intact and the killed turn "
          f"present ({interrupted} marked interrupted)")


if __name__ == "__main__":
    main()
