"""Peak memory of `sashell annotate` on a large text, as a multiple of the input (issue 19,
acceptance 6: under 3x). The text is replies of the example sessions repeated to --mb megabytes.

    .venv/bin/python bench/memory.py [--mb 50]
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "big.txt"
        size = build_text(text, args.mb)
        small = Path(tmp) / "small.txt"
        small.write_text("Hello\n")
        base, _ = peak_rss(["annotate", str(small)])
        for mode in ([], ["--json"]):
            rss, seconds = peak_rss(["annotate", *mode, str(text)])
            print(f"annotate {' '.join(mode) or '(plain)'} on {size / 2**20:.0f} MB: peak "
                  f"{rss / 2**20:.0f} MB ({(rss - base) / size:.2f}x the input above a "
                  f"{base / 2**20:.0f} MB baseline; {rss / size:.2f}x in all), {seconds:.1f} s")


if __name__ == "__main__":
    main()
