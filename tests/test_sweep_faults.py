"""Fault injection for sweeps: 429 with Retry-After, 500, 503, a connection dropped mid-stream, a
stalled stream, a request the server rejects. The sweep finishes; every cell is complete or
failed with its reason; no completed turn is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fault_server import KeyedFaultServer, drop_mid_stream, ok, stall, status
from sashell.core.probes import load_probe_file
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import load_registry
from sashell.core.session import load_session
from sashell.core.sweep import Sweep, SweepProgress, SweepSpec, summarise

PROBES = [
    "plain one", "plain two", "FAULT-429 please", "FAULT-500 please", "FAULT-503 please",
    "FAULT-DROP please", "FAULT-STALL please", "FAULT-DEAD please", "FAULT-BAD please",
]


def test_sweep_survives_every_fault(tmp_path: Path) -> None:
    scripts = {
        "FAULT-429": [status(429, {"Retry-After": "1"}), ok],
        "FAULT-500": [status(500), ok],
        "FAULT-503": [status(503), status(503), ok],
        "FAULT-DROP": [drop_mid_stream, ok],
        "FAULT-STALL": [stall(3.0), ok],
        "FAULT-DEAD": [drop_mid_stream],
        "FAULT-BAD": [status(400)],
    }
    with KeyedFaultServer(scripts) as server:
        (tmp_path / "sashell.toml").write_text(
            f'[models.remote]\nprovider = "openai"\nbase_url = "{server.base_url}"\nmodel = "m"\n')
        (tmp_path / "probes.txt").write_text("\n".join(PROBES) + "\n")
        spec = SweepSpec(probe_set=load_probe_file(tmp_path / "probes.txt"), models=("remote",),
                         tiers=("none",), samples=1, concurrency=4, timeout=1.0,
                         params=SamplingParams(temperature=1.0, max_tokens=16, seed=0))
        sweep = Sweep.create(spec, tmp_path / "out", load_registry(), tmp_path / "sess")
        seen: list[SweepProgress] = []
        outcomes = asyncio.run(sweep.run(lambda progress, outcome: seen.append(progress)))

    by_probe = {o.cell.probe.text: o for o in outcomes}
    assert len(outcomes) == len(PROBES)
    failed = {text for text, o in by_probe.items() if o.status == "failed"}
    assert failed == {"FAULT-DEAD please", "FAULT-BAD please"}
    dead, bad = by_probe["FAULT-DEAD please"], by_probe["FAULT-BAD please"]
    assert dead.attempts == 3 and "stream broke off" in (dead.reason or "")
    assert bad.attempts == 1 and "HTTP 400" in (bad.reason or "")  # not worth retrying
    assert server.counts["FAULT-BAD"] == 1
    assert by_probe["FAULT-DROP please"].attempts == 2
    assert by_probe["FAULT-STALL please"].attempts == 2
    assert seen[-1].rate_limited >= 1 and seen[-1].failed == 2

    # Retry-After was honoured before the rate-limited request was sent again
    times = [t for t, body, _ in server.requests if "FAULT-429" in str(body)]
    assert len(times) == 2 and times[1] - times[0] >= 0.9

    # every completed cell's turn is in the journal, whole; failed attempts are kept as errors
    turns = load_session(sweep.manifest["sessions"][0]).turns
    complete = {t["turn"]: t for t in turns if t["status"] == "complete"}
    for outcome in outcomes:
        if outcome.status == "complete":
            assert complete[outcome.turn]["reply"] == "Sure, here it is."
            assert complete[outcome.turn]["sweep"]["cell"] == outcome.cell.key
    assert len(complete) == len(PROBES) - 2
    errors = [t for t in turns if t["status"] == "error"]
    assert any(t["reply"] == "Sure, here" for t in errors)  # the partial reply of a dropped stream

    summary = summarise(spec, outcomes)
    condition = summary["conditions"][0]
    assert (condition["n"], condition["failed"]) == (len(PROBES) - 2, 2)
    assert len(condition["failures"]) == 2
