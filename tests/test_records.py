"""The record types are the session schema: the format document matches them, and every session
shipped or kept as test data validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sashell.core.paths import example_sessions_dir
from sashell.core.records import validate_record

REPO = Path(__file__).resolve().parents[1]
SESSIONS = [*sorted(example_sessions_dir().glob("*.jsonl")),
            *sorted((REPO / "tests" / "data").glob("*.jsonl"))]


def test_format_document_is_generated_from_the_types() -> None:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    from session_format import DOC, render

    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: python scripts/session_format.py"


@pytest.mark.parametrize("path", SESSIONS, ids=[p.name for p in SESSIONS])
def test_every_kept_session_fits_the_schema(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            problem = validate_record(json.loads(line))
            assert problem is None, f"{path.name} line {number}: {problem}"


def test_a_new_turn_fits_the_schema(tmp_path: Path) -> None:
    import asyncio

    from fault_server import FaultServer, sse_chat
    from sashell.core.contexts import resolve_context
    from sashell.core.plan import plan_turn
    from sashell.core.registry import adhoc_openai_model
    from sashell.core.session import SessionWriter
    from sashell.core.turn import run_turn

    with FaultServer([lambda h, b: sse_chat(h, ["Hello", " there."])]) as server:
        spec = adhoc_openai_model("m", server.base_url, None, "chat")
        writer = SessionWriter.create(tmp_path, "s")
        plan = plan_turn(spec, resolve_context(None, "free"), "free", "hi", sample=1,
                         extra={"sweep": {"id": "x", "cell": "p|m|free|1", "probe": "p",
                                          "sample": 1, "attempt": 1}})
        asyncio.run(run_turn(plan, writer))
        writer.close()
    lines = [json.loads(x) for x in writer.path.read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "turn"
    for record in lines:
        assert validate_record(record) is None
    assert validate_record({**lines[-1], "status": 3}) is not None
    broken = dict(lines[-1])
    del broken["reply"]
    assert "reply" in str(validate_record(broken))
