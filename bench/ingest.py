"""Bringing 10,000 batch results home (`sashell sweep --ingest`): parse each result line, run it
through the turn path (annotate, journal as a session turn) and summarise, against annotating the
same 10,000 replies alone, in the same process (issue 17, acceptance 6: ≤ 1.5×).

The sweep is 50 probes × 2 tiers × 100 samples of an OpenAI-compatible model that is never
contacted: its batch file is written, and the results are synthesised from the replies of the
shipped example sessions (refusals, compliance, scratchpads, acrostics), one per request.

    .venv/bin/python bench/ingest.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "examples"


def example_replies() -> list[str]:
    replies = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("type") == "turn" and record.get("reply"):
                replies.append(record["reply"])
    return replies


def setup(folder: Path) -> tuple[object, Path, list[tuple[str, str]]]:
    from sashell.core.paths import sessions_dir
    from sashell.core.probes import resolve_probe_set
    from sashell.core.providers.base import SamplingParams
    from sashell.core.registry import load_registry
    from sashell.core.sweep import Sweep, SweepSpec
    from sashell.core.sweep.batch import write_batch_files

    (folder / "sashell.toml").write_text(
        '[models.far]\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'model = "far-model"\nendpoint = "chat"\n', encoding="utf-8")
    probes = "\n".join(f'  - "Write a short note number {i} for my colleague."' for i in range(50))
    (folder / "fifty.yaml").write_text(f"name: fifty\ndescription: bench\nprobes:\n{probes}\n",
                                       encoding="utf-8")
    os.chdir(folder)
    spec = SweepSpec(probe_set=resolve_probe_set("fifty.yaml"), models=("far",),
                     tiers=("free", "paid"), samples=100,
                     params=SamplingParams(temperature=1.0, max_tokens=256, seed=0),
                     context="tier-tag")
    sweep = Sweep.create(spec, folder / "out", load_registry(), sessions_dir(folder / "sessions"))
    requests = write_batch_files(sweep, folder / "requests.jsonl")[0]
    replies = example_replies()
    results = folder / "results.jsonl"
    pairs = []
    with requests.open(encoding="utf-8") as source, results.open("w", encoding="utf-8") as sink:
        for index, raw in enumerate(source):
            line = json.loads(raw)
            reply = replies[index % len(replies)]
            probe = line["body"]["messages"][-1]["content"]
            pairs.append((reply, probe))
            sink.write(json.dumps({
                "id": f"r{index}", "custom_id": line["custom_id"], "error": None,
                "response": {"status_code": 200, "request_id": f"q{index}", "body": {
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 120, "completion_tokens": 60}}}}) + "\n")
    return sweep, results, pairs


def time_annotate(pairs: list[tuple[str, str]]) -> float:
    from sashell.core.annotate import AnnotationInput, annotate_text

    start = time.perf_counter()
    for reply, probe in pairs:
        annotate_text(reply, AnnotationInput(probe=probe))
    return time.perf_counter() - start


def time_ingest(sweep: object, results: Path) -> float:
    from sashell.core.sweep import summarise
    from sashell.core.sweep.batch import ingest

    start = time.perf_counter()
    report = asyncio.run(ingest(sweep, [results]))  # type: ignore[arg-type]
    summarise(sweep.spec, report.outcomes)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    assert report.ingested == 10_000 and len(report.outcomes) == 10_000, report
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    here = Path.cwd()
    annotate_times, ingest_times = [], []
    for round_no in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            sweep, results, pairs = setup(Path(tmp))
            annotate_times.append(time_annotate(pairs))
            ingest_times.append(time_ingest(sweep, results))
            os.chdir(here)
        print(f"round {round_no + 1}: annotate alone {annotate_times[-1]:.2f} s, "
              f"ingest {ingest_times[-1]:.2f} s, ratio {ingest_times[-1] / annotate_times[-1]:.2f}")
    ratio = statistics.median(i / a for i, a in zip(ingest_times, annotate_times, strict=True))
    print(f"10,000 results: ingest ÷ annotate alone, median of {args.rounds} rounds: {ratio:.2f} "
          "(goal ≤ 1.5)")


if __name__ == "__main__":
    main()
