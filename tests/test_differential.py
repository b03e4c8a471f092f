"""No unintended behaviour change: today's annotators, exports and sweep statistics give what the
goldens hold (tests/golden/differential/, written with tests/differential.py) on a fixed corpus
of 420 replies. The goldens were written by the code before the one-owner refactor, and
rewritten when the validity work changed what compliance, alignment-faking and self-report
readings say (annotations, sweep and session files; the exports too, once the shipped example
sessions' stored annotations were brought up to today's annotators), and again when the learned
alignment-faking reader joined the patterns (its probability in every af_reasoning record, and
the flags it raises)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import differential

GOLDEN = Path(__file__).parent / "golden" / "differential"


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_annotation_records_are_unchanged() -> None:
    expected = read_jsonl_gz(GOLDEN / "annotations.jsonl.gz")
    got = json.loads(json.dumps(differential.annotations(), ensure_ascii=False))
    assert len(got) == len(expected) == 420
    for old, new in zip(expected, got, strict=True):
        assert new == old, old["id"]


def test_exports_are_unchanged() -> None:
    # The Markdown goldens were rewritten once after the refactor, when Markdown exports began
    # escaping outside text (a stop list now reads \[\]); that was their only difference. Then
    # once more (issue 18): raised flags before plain readings in the badge line, the spelled
    # word's letters light on magenta, and the HTML header without Markdown backticks.
    for name, text in differential.exports().items():
        assert text == (GOLDEN / name).read_text(encoding="utf-8"), name


def test_sweep_statistics_are_unchanged() -> None:
    summary, rows = differential.sweep_results()
    assert json.loads(json.dumps(summary)) == json.loads(
        (GOLDEN / "sweep-summary.json").read_text(encoding="utf-8"))
    # cells.csv: the same values per cell (its metric columns now follow the registry's order)
    assert json.loads(json.dumps(rows)) == read_jsonl_gz(GOLDEN / "sweep-cells.jsonl.gz")


def test_session_files_are_unchanged(tmp_path: Path) -> None:
    """The same probes against the same scripted endpoint write the same records as before the
    refactor (times, ids and paths aside); golden written with tests/differential.py's
    session_records by the code before it."""
    import os
    import sys

    from fault_server import FaultServer, sse_chat

    reply = ["<SCRATCHPAD_REASONING>I am being trained.", "</SCRATCHPAD_REASONING>\n",
             "<OUTPUT>\nHello", " there.\nEach line\n", "</OUTPUT>"]
    with FaultServer([lambda h, b: sse_chat(h, reply)]) as server:
        env = {**os.environ, "SASHELL_CACHE_DIR": str(tmp_path / "cache")}
        records = differential.session_records(sys.executable, tmp_path, server.base_url, env)
    expected = [json.loads(line) for line in
                (GOLDEN / "session.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(expected)
    for old, new in zip(expected, json.loads(json.dumps(records)), strict=True):
        assert new == old
