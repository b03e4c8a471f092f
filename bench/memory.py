"""Peak memory of `sashell annotate` on a large text, as a multiple of the input (issue 19,
acceptance 6: under 3x), and of `sashell replay --print` on sessions of a quarter and all of
--mb megabytes (linear time, bounded memory: the peak should not grow with the session). The
text is replies of the example sessions repeated; the sessions are their turns repeated.

    .venv/bin/python bench/memory.py [--mb 50] [--only annotate|replay]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "examples"


def build_text(path: Path, megabytes: int) -> int:
    replies = [json.loads(line).get("reply", "") for p in sorted(EXAMPLES.glob("*.jsonl"))
               for line in p.read_text().splitlines() if '"type": "turn",' in line]
    unit = ("\n".join(r for r in replies if r) + "\n").encode()
    target = megabytes << 20
    with open(path, "wb") as handle:
        written = 0
        while written < target:
            handle.write(unit)
            written += len(unit)
    return written


def build_session(path: Path, megabytes: int) -> int:
    """A session of the example sessions' final turn records, renumbered, to ``megabytes``."""
    finals = [json.loads(line) for p in sorted(EXAMPLES.glob("*.jsonl"))
              for line in p.read_text().splitlines() if '"type": "turn",' in line]
    target, number = megabytes << 20, 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"type": "header", "schema": 1, "name": "big"}) + "\n")
        while handle.tell() < target:
            for record in finals:
                number += 1
                handle.write(json.dumps({**record, "turn": number}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def peak_rss(args: list[str]) -> tuple[int, float]:
    """(peak resident set of the child in bytes, seconds) for `python -m sashell ARGS`."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, "
            "time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "sashell", *args],
                         capture_output=True, text=True, check=True)
    rss, seconds = out.stdout.split()
    return int(rss), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--only", choices=["annotate", "replay"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.txt"
        small.write_text("Hello\n")
        base, _ = peak_rss(["annotate", str(small)])
        if args.only != "replay":
            text = Path(tmp) / "big.txt"
            size = build_text(text, args.mb)
            for mode in ([], ["--json"]):
                rss, seconds = peak_rss(["annotate", *mode, str(text)])
                print(f"annotate {' '.join(mode) or '(plain)'} on {size / 2**20:.0f} MB: peak "
                      f"{rss / 2**20:.0f} MB ({(rss - base) / size:.2f}x the input above a "
                      f"{base / 2**20:.0f} MB baseline; {rss / size:.2f}x in all), {seconds:.1f} s")
        if args.only != "annotate":
            runs = []
            for megabytes in (max(1, args.mb // 4), args.mb):
                session = Path(tmp) / f"session-{megabytes}.jsonl"
                size = build_session(session, megabytes)
                rss, seconds = peak_rss(["replay", "--print", str(session)])
                runs.append((size, rss, seconds))
                print(f"replay --print of {size / 2**20:.0f} MB: peak {rss / 2**20:.0f} MB, "
                      f"{seconds:.1f} s")
            (small_size, small_rss, small_s), (big_size, big_rss, big_s) = runs
            print(f"{big_size / small_size:.1f}x the session: {big_s / small_s:.2f}x the time, "
                  f"{big_rss / small_rss:.2f}x the peak memory")


if __name__ == "__main__":
    main()
