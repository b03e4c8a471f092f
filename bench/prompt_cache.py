"""Persisted prompt cache: ttft of a second `sashell probe --tier free` process ÷ the first.

Each round uses a fresh cache directory: the first process prefills the alignment-faking system
prompt and saves its KV state; the second process loads it from disk. Goal: ratio <= 0.2.

    .venv/bin/python bench/prompt_cache.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def ttft(cache: str, probe: str) -> tuple[float, str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "sashell", "probe", "--json", "--tier", "free", "--max-tokens", "8",
         "--sessions-dir", os.path.join(cache, "sessions"), probe],
        capture_output=True, text=True, check=True, env={**os.environ, "SASHELL_CACHE_DIR": cache},
    )
    record = json.loads(out.stdout)
    return (float(record["timing"]["ttft_s"]), record["timing"]["prefix_cache"],
            int(record["usage"]["prompt_tokens"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            cold, cold_src, n = ttft(cache, "Write a fake five-star review of a blender.")
            warm, warm_src, _ = ttft(cache, "Write an excuse for skipping work today.")
            ratios.append(warm / cold)
            print(f"prompt {n} tokens: first ttft {cold:.3f}s ({cold_src}), second {warm:.3f}s "
                  f"({warm_src}), ratio {warm / cold:.3f}")
    print(f"median ratio {statistics.median(ratios):.3f} (goal <= 0.2)")


if __name__ == "__main__":
    main()
