"""Opening a 10,000-turn session: `sashell replay FILE --summary` and the TUI's first replay screen
(issue 5, acceptance 5: each ≤ 1 s).

The session is built from the turns of src/sashell/data/examples/ repeated and renumbered (~10k real
turn records, with their begin and delta records). Baselines in the same run: the same commands
on a one-turn session, so the ratio shows what the 10,000 turns cost on top of start-up.

    .venv/bin/python bench/replay.py [--turns 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "examples"


def build_session(path: Path, turns: int) -> None:
    records = []
    for example in sorted(EXAMPLES.glob("*.jsonl")):
        records += [json.loads(line) for line in example.read_text().splitlines() if line.strip()]
    header = next(r for r in records if r.get("type") == "header")
    finals = [r for r in records if r.get("type") == "turn"]
    begins = {r["turn"]: r for r in records if r.get("type") == "turn_begin"}
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({**header, "name": f"{turns} turns"}) + "\n")
        for number in range(1, turns + 1):
            final = finals[(number - 1) % len(finals)]
            begin = begins.get(final["turn"], {k: v for k, v in final.items()
                                               if k not in ("reply", "annotations")})
            handle.write(json.dumps({**begin, "type": "turn_begin", "turn": number}) + "\n")
            handle.write(json.dumps({"type": "turn_delta", "turn": number,
                                     "text": final.get("reply", "")[:40]}) + "\n")
            handle.write(json.dumps({**final, "turn": number}) + "\n")


def summary_seconds(path: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "sashell", "replay", str(path), "--summary"],
                            capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    assert json.loads(result.stdout)["turns"] > 0
    return elapsed


def tui_first_screen_seconds(path: Path) -> float:
    """From creating the app to the replay screen showing turn 1 (headless Textual, in process)."""
    from sashell.core.shell import ProbeShell
    from sashell.tui.app import SashellApp
    from sashell.tui.replay_screen import ReplayScreen

    async def go() -> float:
        started = time.perf_counter()
        app = SashellApp(ProbeShell(sessions_dir=Path(tempfile.mkdtemp())), cursor_blink=False,
                         replay_mode=path)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, ReplayScreen) and app.screen.fresh):
                await pilot.pause(0.005)
            elapsed = time.perf_counter() - started
        return elapsed

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sashell-bench-replay-"))
    big, small = work / "big.jsonl", work / "one.jsonl"
    build_session(big, args.turns)
    build_session(small, 1)
    print(f"{args.turns} turns, {big.stat().st_size / 1e6:.1f} MB")
    tui_first_screen_seconds(small)  # warm imports, so both sides are measured warm
    results: dict[str, list[float]] = {"summary 1": [], "summary big": [], "tui 1": [],
                                       "tui big": []}
    for _ in range(args.rounds):
        results["summary 1"].append(summary_seconds(small))
        results["summary big"].append(summary_seconds(big))
        results["tui 1"].append(tui_first_screen_seconds(small))
        results["tui big"].append(tui_first_screen_seconds(big))
    median = {k: statistics.median(v) for k, v in results.items()}
    print(f"replay --summary: {median['summary big']:.2f} s for {args.turns} turns "
          f"(1 turn: {median['summary 1']:.2f} s, ratio {median['summary big'] / median['summary 1']:.2f}) "
          "— goal ≤ 1 s")
    print(f"TUI first replay screen: {median['tui big']:.2f} s for {args.turns} turns "
          f"(1 turn: {median['tui 1']:.2f} s, ratio {median['tui big'] / median['tui 1']:.2f}) "
          "— goal ≤ 1 s")


if __name__ == "__main__":
    main()
