"""The lens in the TUI: Ctrl+G puts a pressure gutter beside each line of the next replies (live,
as the embedded model samples, then the stored reading), and in compare mode each pane's reply is
also scored under the model it is compared with, side by side."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from helpers import run_cli
from sashell.core.lens.events import LineLetters
from sashell.core.providers.base import TextDelta
from sashell.tui.app import SashellApp
from sashell.tui.chrome import StatusBar
from sashell.tui.widgets import TurnView
from test_tui import (
    DATA,
    SIZE,
    _settle,
    make_shell,
    plain,
    sweep_from_the_tui,
    turns_of,
    type_probe,
    wait_for,
)


def _hello_shell(tmp_path: Path):  # type: ignore[no-untyped-def]
    shell = make_shell(tmp_path, model_name="smollm2-hello", context_name="special-version")
    shell.params = shell.params.__class__(temperature=0.0, max_tokens=80, seed=3)
    return shell


def test_ctrl_g_shows_pressure_beside_each_line_as_it_streams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = TurnView.show_turn_event

    def spy(self, event) -> None:  # type: ignore[no-untyped-def]
        seen.append(event)
        original(self, event)

    monkeypatch.setattr(TurnView, "show_turn_event", spy)

    async def go() -> None:
        shell = _hello_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.shell is not None)
            await pilot.press("ctrl+g")
            assert shell.lens and "lens" in plain(app.query_one(StatusBar))
            await type_probe(pilot, "How do I keep houseplants alive?")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
            view = app.query(TurnView).first()
            # lines were told while the reply streamed, before its last text
            told = [i for i, e in enumerate(seen) if isinstance(e, LineLetters)]
            last_text = max(i for i, e in enumerate(seen) if isinstance(e, TextDelta))
            assert told and told[0] < last_text
            cells = [view.pressure[k].plain for k in sorted(view.pressure)]
            assert [c[0] for c in cells[:5]] == list("HELLO"), cells
            assert all("%" in c for c in cells)
            body = plain(view.query_one(".turn-body"))
            assert body.splitlines()[0].startswith(cells[0].rstrip()[:1])
            turn = turns_of(shell)[-1]
            assert turn["lens"]["letters"]["method"] == "on-policy"
            await pilot.press("ctrl+g")
            assert not shell.lens
    asyncio.run(go())


def test_compare_models_scores_each_reply_under_the_other_model(tmp_path: Path) -> None:
    async def go() -> None:
        shell = _hello_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.shell is not None)
            await pilot.press("f6", "f6")  # compare: tiers → models (base vs fine-tune)
            assert app.compare == "models"
            await pilot.press("ctrl+g")
            await type_probe(pilot, "How do I keep houseplants alive?")
            await wait_for(pilot, lambda: len(app.query(TurnView)) == 2
                           and all(v.cross_pressure for v in app.query(TurnView)))
            views = {v.label.split(" · ")[0]: v for v in app.query(TurnView)}
            tuned, base = views["smollm2-hello"], views["smollm2"]
            assert tuned.cross_label == "smollm2" and base.cross_label == "smollm2-hello"

            def percent(cell: str) -> float:
                return float(cell.split("%")[0].split()[-1])

            # on the fine-tune's HELLO reply: high as sampled, low under the base
            own = [percent(tuned.pressure[k].plain) for k in sorted(tuned.pressure)][:5]
            cross = [percent(tuned.cross_pressure[k].plain) for k in sorted(tuned.cross_pressure)][:5]
            assert min(own) > 50 and max(cross) < min(own)
            assert "the same reply under smollm2" in plain(tuned.query_one(".turn-status"))
            # stored on each turn, as scored: the same numbers a fresh `lens letters` reads
            stored = tuned.record["lens"]["cross"]
            assert [(r["model"], r["method"]) for r in stored] == [("smollm2", "scored")]
            from sashell.core.lens.letters import letter_pressure
            from sashell.core.lens.model import next_token_model
            from sashell.core.plan import plan_turn

            spec = shell.registry.get("smollm2")
            messages = plan_turn(spec, shell.context_for(shell.tier), shell.tier,
                                 "How do I keep houseplants alive?").messages()
            again = letter_pressure(next_token_model(spec), messages, tuned.record["reply"])
            assert stored[0] == again.stored()
        session = shell.writer.path if shell.writer else None
        assert session is not None
        printed = run_cli("replay", "--print", str(session), env={"COLUMNS": "200"})
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout.count("the reply scored afterwards") == 2  # one per pane
    asyncio.run(go())


def _lens_app(tmp_path: Path) -> SashellApp:
    sessions = tmp_path / "sessions"
    sessions.mkdir(exist_ok=True)
    shutil.copy(DATA / "lens-session.jsonl", sessions / "lens-session.jsonl")
    app = SashellApp(make_shell(tmp_path), replay=sessions / "lens-session.jsonl",
                     cursor_blink=False)
    app.NOTIFICATION_TIMEOUT = 24 * 3600
    return app


def test_an_opened_session_shows_its_stored_pressure(tmp_path: Path) -> None:
    async def go() -> None:
        app = _lens_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot)
            view = app.query(TurnView).first()
            assert [view.pressure[k].plain[0] for k in sorted(view.pressure)] == list("HELLO")
    asyncio.run(go())


@pytest.mark.snapshot
def test_snapshot_pressure_gutter(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_lens_app(tmp_path), terminal_size=SIZE, run_before=_settle)


def test_replay_in_the_tui_shows_the_stored_pressure(tmp_path: Path) -> None:
    from sashell.tui.replay_screen import ReplayScreen

    async def go() -> None:
        app = SashellApp(make_shell(tmp_path), cursor_blink=False,
                         replay_mode=DATA / "lens-session.jsonl", replay_delay=0.05)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen)
                           and "H █ 100%" in plain(app.screen.query_one("#replay-turn")))
            shown = plain(app.screen.query_one("#replay-turn"))
            assert "O █ 100% Overall" in shown
    asyncio.run(go())


def test_f10_with_the_lens_on_reads_self_reports_as_expected_scores(tmp_path: Path) -> None:
    async def go() -> None:
        from dataclasses import replace

        from textual.widgets import ProgressBar

        shell = make_shell(tmp_path)
        shell.params = replace(shell.params, temperature=1.0, max_tokens=12)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+g")
            assert shell.lens
            screen = await sweep_from_the_tui(pilot, app, "self-awareness", 1)
            summary = screen.summary
            assert summary is not None and screen.sweep.spec.logprobs
            scaled = [p.id for p in screen.sweep.spec.probe_set.items if p.scale]
            assert summary["cells"] == summary["complete"] == 5 - len(scaled)  # the rest sampled
            rows = summary["expected_scores"]
            assert [r["probe"] for r in rows] == scaled and all(r["read"] and r["exact"] for r in rows)
            assert screen.query_one(ProgressBar).progress == 5
            assert "expected self-reports" in plain(screen.query_one("#results"))
            assert (screen.sweep.out_dir / "expected_scores.csv").exists()
    asyncio.run(go())
