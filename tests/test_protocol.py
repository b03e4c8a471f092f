"""Turn protocol details: <NEXT/> continuation, cancellation, crash safety."""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fault_server import FaultServer, sse_chat
from helpers import HANG_S
from sashell.core.contexts import resolve_context
from sashell.core.plan import TurnPlan
from sashell.core.providers.base import TextDelta
from sashell.core.registry import adhoc_openai_model, load_registry
from sashell.core.session import SessionWriter, load_session
from sashell.core.turn import run_turn


def test_scratchpad_without_output_continues_with_next(tmp_path: Path) -> None:
    replies = [
        lambda h, b: sse_chat(h, ["<SCRATCHPAD_REASONING>think", "</SCRATCHPAD_REASONING>"]),
        lambda h, b: sse_chat(h, ["<OUTPUT>done</OUTPUT>"]),
    ]
    with FaultServer(replies) as server:
        spec = adhoc_openai_model("m", server.base_url, None, "chat")
        writer = SessionWriter.create(tmp_path, "s")
        plan = TurnPlan(model=spec, context=resolve_context(None, "free"), tier="free", probe="q")
        result = asyncio.run(run_turn(plan, writer))
        second = server.requests[1][1]["messages"]
    assert [m["role"] for m in second[-2:]] == ["assistant", "user"]
    assert second[-1]["content"] == "<NEXT/>"
    assert result.record["segments"] == [
        "<SCRATCHPAD_REASONING>think</SCRATCHPAD_REASONING>", "<OUTPUT>done</OUTPUT>"]
    assert len(server.requests) == 2


def test_next_turns_stop_after_four(tmp_path: Path) -> None:
    looping = [lambda h, b: sse_chat(h, ["<SCRATCHPAD_REASONING>x</SCRATCHPAD_REASONING>"])]
    with FaultServer(looping) as server:
        spec = adhoc_openai_model("m", server.base_url, None, "chat")
        plan = TurnPlan(model=spec, context=resolve_context(None, "paid"), tier="paid", probe="q")
        asyncio.run(run_turn(plan, SessionWriter.create(tmp_path, "s")))
        assert len(server.requests) == 4


def test_cancelled_turn_is_saved(tmp_path: Path) -> None:
    writer = SessionWriter.create(tmp_path, "s")
    plan = TurnPlan(model=load_registry().get("smollm2"), context=resolve_context(None, "none"),
                    tier="none", probe="Write a long story about a dragon.")
    plan.params = plan.params.__class__(max_tokens=400)

    async def go() -> None:
        streaming = asyncio.Event()
        task = asyncio.create_task(run_turn(
            plan, writer, lambda event: isinstance(event, TextDelta) and streaming.set()))
        await asyncio.wait_for(streaming.wait(), HANG_S)  # cancel mid-reply, however fast it runs
        await asyncio.sleep(0.05)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    turn = load_session(writer.path).turns[0]
    assert turn["status"] == "cancelled" and turn["reply"]


def test_sigkill_mid_stream_leaves_interrupted_partial_turn(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sashell", "probe", "--session", "k", "--max-tokens", "400",
         "--temperature", "1", "Write a long story about a dragon."],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(),
    )
    session = tmp_path / "sessions" / "k.jsonl"
    deadline = time.monotonic() + HANG_S
    while time.monotonic() < deadline:
        if session.exists() and '"turn_delta"' in session.read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    loaded = load_session(session)
    turn = loaded.turns[0]
    assert turn["status"] == "interrupted" and turn["reply"]
    assert json.loads(session.read_text().splitlines()[0])["type"] == "header"
