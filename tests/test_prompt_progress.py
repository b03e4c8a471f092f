"""Reading a long prompt is reported before the first token (a cold alignment-faking context
takes a while on two cores): in run_turn's events, the TUI's status line and the terminal."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sashell.core.providers.base import PromptProgress, SamplingParams, TextDelta
from sashell.core.registry import load_registry
from sashell.core.shell import ProbeShell
from sashell.core.turn import TurnEvent, run_turn

WORDS = ["the", "of", "and", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on",
         "are", "as", "with", "his", "they", "at", "be", "this", "have", "from"]


def _fresh_system_file(folder: Path) -> Path:
    """A system prompt no cache has seen (memory or disk): it must be read from scratch."""
    rng = random.Random()
    path = folder / "system.txt"
    path.write_text(" ".join(rng.choice(WORDS) for _ in range(500)), encoding="utf-8")
    return path


def _shell(tmp_path: Path) -> ProbeShell:
    shell = ProbeShell(registry=load_registry(), sessions_dir=tmp_path / "sessions")
    shell.set_context(None, str(_fresh_system_file(tmp_path)))
    shell.params = SamplingParams(temperature=0.0, max_tokens=4, seed=1)
    return shell


def test_progress_comes_before_the_first_token_then_the_prefix_is_kept(tmp_path: Path) -> None:
    shell = _shell(tmp_path)

    async def events_of(probe: str) -> list[TurnEvent]:
        events: list[TurnEvent] = []
        plan = shell.plan(probe, shell.conditions(None)[0])
        await run_turn(plan, shell.session_writer("progress"), events.append)
        return events

    first = asyncio.run(events_of("Say hi."))
    progress = [e for e in first if isinstance(e, PromptProgress)]
    first_text = next(i for i, e in enumerate(first) if isinstance(e, TextDelta))
    assert len(progress) >= 3 and all(first.index(p) < first_text for p in progress)
    done = [p.done for p in progress]
    # from where the cache left off (a few chat-template tokens other prompts shared)
    assert done == sorted(done) and done[0] < 16 and all(p.cached for p in progress)
    assert 0 < done[-1] <= progress[-1].total  # the shared prefix, then the probe's own tokens
    # the same context again: the prefix is kept in memory, nothing to read at length
    again = asyncio.run(events_of("Say bye."))
    assert not [e for e in again if isinstance(e, PromptProgress)]


def test_the_tui_status_line_shows_the_progress_before_the_first_token(tmp_path: Path) -> None:
    from sashell.tui.app import SashellApp
    from sashell.tui.widgets import TurnView
    from test_tui import plain, type_probe, wait_for

    shell = _shell(tmp_path)
    seen: list[tuple[str, str]] = []
    original = TurnView.show_turn_event

    def watched(self: TurnView, event: TurnEvent) -> None:
        original(self, event)
        if isinstance(event, PromptProgress | TextDelta):
            seen.append((type(event).__name__, plain(self.query_one(".turn-status"))))

    async def go() -> None:
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await type_probe(pilot, "Say hi.")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).last().record)

    TurnView.show_turn_event = watched  # type: ignore[method-assign]
    try:
        asyncio.run(go())
    finally:
        TurnView.show_turn_event = original  # type: ignore[method-assign]
    first_text = next(i for i, (kind, _) in enumerate(seen) if kind == "TextDelta")
    shown = [status for kind, status in seen[:first_text] if kind == "PromptProgress"]
    assert shown and "reading the prompt:" in shown[-1] and "kept for the next probe" in shown[-1]


def test_probe_reports_the_progress_on_stderr(tmp_path: Path) -> None:
    from helpers import run_cli

    system = _fresh_system_file(tmp_path)
    done = run_cli("probe", "--system-file", str(system), "--max-tokens", "4", "Say hi.")
    assert done.returncode == 0, done.stderr
    assert "reading the prompt: 0 /" in done.stderr and "reading the prompt" not in done.stdout
