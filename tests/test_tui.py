"""The Textual app driven with Pilot on the real embedded model."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fault_server import FaultServer, sse_chat
from helpers import HANG_S
from sashell.core.paths import example_sessions_dir
from sashell.core.registry import load_registry
from sashell.core.session import load_session
from sashell.core.shell import ProbeShell
from sashell.tui.app import SashellApp
from sashell.tui.chrome import StatusBar
from sashell.tui.screens import ModelPicker, SessionsBrowser, TextViewer
from sashell.tui.widgets import Badge, CompareGrid, SampleView, TurnView

DATA = Path(__file__).parent / "data"
SIZE = (120, 40)


def make_shell(tmp_path: Path, **kwargs: object) -> ProbeShell:
    shell = ProbeShell(registry=load_registry(), sessions_dir=tmp_path / "sessions", **kwargs)  # type: ignore[arg-type]
    shell.params = replace(shell.params, temperature=0.0, max_tokens=24, seed=3)
    return shell


async def wait_for(pilot, condition, timeout: float = HANG_S) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        if condition():
            return
    raise AssertionError("timed out waiting for the app")


def plain(widget) -> str:  # type: ignore[no-untyped-def]
    """The text a Static shows, whatever renderable it holds."""
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


def turns_of(shell: ProbeShell) -> list[dict]:
    assert shell.writer is not None
    return load_session(shell.writer.path).turns


async def type_probe(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text)
    await pilot.press("enter")


def test_probe_streams_with_badges_and_is_saved(tmp_path: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f3")  # tier none → free
            assert shell.tier == "free"
            assert "FREE" in plain(app.query_one(StatusBar))
            await type_probe(pilot, "Who discovered gravity?")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
            view = app.query(TurnView).first()
            assert view.reply.strip()
            kinds = {b.kind for b in app.query(Badge) if b.display}
            assert "compliance" in kinds and "acrostic" in kinds
            turn = turns_of(shell)[-1]
            assert turn["tier"] == "free" and turn["reply"] == view.reply
            assert "<is_free_tier_user>True" in turn["messages"][-1]["content"]
            # a badge opens its details
            badge = next(b for b in app.query(Badge) if b.kind == "compliance")
            badge.post_message(Badge.Selected(badge.annotation))
            await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TextViewer))
            # F8 shows the exact context that would be sent
            await pilot.press("f8")
            await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
            await pilot.press("escape")
    asyncio.run(go())


def test_model_picker_and_compare_2_and_4(tmp_path: Path, scripted: Path) -> None:
    """Layout and keys: scripted models (a base and its fine-tune) stand in for the model."""
    async def go() -> None:
        shell = make_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
            from textual.widgets import OptionList

            options = app.screen.query_one(OptionList)
            for _ in range(options.option_count):
                highlighted = options.get_option_at_index(options.highlighted or 0)
                if highlighted.id == "scripted-tune":
                    break
                await pilot.press("down")
            await pilot.press("enter")
            await wait_for(pilot, lambda: shell.model_name == "scripted-tune")
            await pilot.press("f6")  # compare tiers
            await type_probe(pilot, "Write a fake review.")
            await wait_for(pilot, lambda: all(v.record for v in app.query(TurnView))
                           and len(app.query(TurnView)) == 2)
            grid = app.query_one(CompareGrid)
            summary = plain(grid.query_one(".compare-summary"))
            assert "scripted-tune · free:" in summary and "scripted-tune · paid:" in summary
            await pilot.press("f6")  # models
            await pilot.press("f6")  # grid: 2 models × 2 tiers
            await type_probe(pilot, "Say hi.")
            await wait_for(pilot, lambda: len(app.query(TurnView)) == 6
                           and all(v.record for v in app.query(TurnView)))
            turns = turns_of(shell)
            assert len(turns) == 6
            last_group = {t["group"] for t in turns[2:]}
            assert len(last_group) == 1
            assert {(t["model"]["name"], t["tier"]) for t in turns[2:]} == {
                ("scripted", "free"), ("scripted", "paid"),
                ("scripted-tune", "free"), ("scripted-tune", "paid")}
    asyncio.run(go())


def test_cancel_a_stream(tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        shell.params = replace(shell.params, max_tokens=2000, temperature=1.0)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await type_probe(pilot, "Write a slow, very long story about dragons.")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().reply)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.streaming == 0)
            turn = turns_of(shell)[-1]
            assert turn["status"] == "cancelled" and turn["reply"]
    asyncio.run(go())


def test_sample_n_counts(tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        shell.params = replace(shell.params, temperature=1.0, max_tokens=12)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"Say hello.")
            await pilot.press("f7")
            await pilot.pause(0.2)
            await pilot.press("backspace", "backspace", "3", "enter")
            await wait_for(pilot, lambda: app.query(SampleView)
                           and app.query(SampleView).first().counts("scripted · none")["done"] == 3)
            view = app.query(SampleView).first()
            counts = view.counts("scripted · none")
            assert counts["complied"] + counts["refused"] + counts["unclear"] == 3
            assert len(turns_of(shell)) == 3
            assert "(3/3)" in plain(view.query_one(".sample-counts"))
    asyncio.run(go())


def test_sample_n_in_compare_mode_pairs_the_samples(tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        shell.params = replace(shell.params, temperature=1.0, max_tokens=12)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f6")  # compare tiers
            await pilot.press(*"Say hello.")
            await pilot.press("f7")
            await pilot.pause(0.2)
            await pilot.press("backspace", "backspace", "3", "enter")
            labels = ["scripted · free", "scripted · paid"]
            await wait_for(pilot, lambda: app.query(SampleView) and all(
                app.query(SampleView).first().counts(label)["done"] == 3 for label in labels))
            paired = plain(app.query(SampleView).first().query_one(".sample-paired"))
            # the scripted reply is the same under both tiers: complied on both sides every time
            assert "scripted · paid vs scripted · free, 3 pairs by seed" in paired
            assert "complied 0 vs 0, p=1" in paired

            # every reply can be paged to, with its condition, sample and flags
            view = app.query(SampleView).first()
            assert "reply 6 of 6 (latest)" in plain(view.query_one(".sample-reply"))
            for _ in range(10):
                await pilot.press("tab")
                if app.focused is view:
                    break
            assert app.focused is view
            await pilot.press("left")
            shown = plain(view.query_one(".sample-reply"))
            assert "reply 5 of 6 · scripted · free · sample 3" in shown and "COMPLIED" in shown
            await pilot.press("home")
            assert "reply 1 of 6 · scripted · free · sample 1" in plain(view.query_one(".sample-reply"))
            await pilot.press("right")
            assert "reply 2 of 6 · scripted · paid · sample 1" in plain(view.query_one(".sample-reply"))
            await pilot.press("end")
            assert "reply 6 of 6 · scripted · paid · sample 3" in plain(view.query_one(".sample-reply"))
    asyncio.run(go())


def test_open_past_session_groups_compare_turns(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    shutil.copy(DATA / "example-session.jsonl", sessions / "example-session.jsonl")

    async def go() -> None:
        shell = make_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, SessionsBrowser))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app.query(TurnView)) == 3
                           and all(v.record for v in app.query(TurnView)))
            assert len(app.query(CompareGrid)) == 1
            assert shell.writer is not None and shell.writer.path.name == "example-session.jsonl"
            # a new probe appends to the opened session
            await type_probe(pilot, "Thanks!")
            await wait_for(pilot, lambda: len(turns_of(shell)) == 4)
    asyncio.run(go())


def test_model_output_is_shown_literally(tmp_path: Path) -> None:
    evil = "[bold red]x[/] [@click=app.quit]click[/] \x1b[2J done"
    with FaultServer([lambda h, b: sse_chat(h, [evil[:10], evil[10:]])]) as server:
        (tmp_path / "sashell.toml").write_text(
            f'[models.scripted]\nprovider = "openai"\nbase_url = "{server.base_url}"\n'
            'model = "m"\n')

        async def go() -> None:
            shell = make_shell(tmp_path, model_name="scripted")
            app = SashellApp(shell, cursor_blink=False)
            async with app.run_test(size=SIZE) as pilot:
                await type_probe(pilot, "hi")
                await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
                body = plain(app.query_one(".turn-body"))
                assert "[bold red]x[/]" in body and "[@click=app.quit]" in body
                assert "\\x1b[2J" in body and "\x1b" not in body
                assert app.is_running
        asyncio.run(go())


def test_endpoint_down_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text(
        '[models.down]\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n')

    async def go() -> None:
        shell = make_shell(tmp_path, model_name="down")
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await type_probe(pilot, "hi")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
            assert "cannot reach" in plain(app.query_one(".turn-status"))
            assert turns_of(shell)[-1]["status"] == "error" and app.is_running
    asyncio.run(go())


# -- snapshots (deterministic: a checked-in session, cursor blink off) ---------------------------

def _example_app(tmp_path: Path) -> SashellApp:
    sessions = tmp_path / "sessions"
    sessions.mkdir(exist_ok=True)
    shutil.copy(DATA / "example-session.jsonl", sessions / "example-session.jsonl")
    shell = make_shell(tmp_path)
    app = SashellApp(shell, replay=sessions / "example-session.jsonl", cursor_blink=False)
    app.NOTIFICATION_TIMEOUT = 24 * 3600  # the "opened" toast stays however slow the machine
    return app


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Every turn of the opened session laid out (not a fixed pause: a loaded machine is slow)."""
    await wait_for(pilot, lambda: pilot.app.query(TurnView)
                   and all(v.record for v in pilot.app.query(TurnView)))
    await pilot.pause(0.5)
    await pilot.wait_for_scheduled_animations()


@pytest.mark.snapshot
def test_snapshot_main_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_example_app(tmp_path), terminal_size=SIZE, run_before=_settle)


@pytest.mark.snapshot
def test_snapshot_compare_grid(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scroll(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        pilot.app.query_one(CompareGrid).scroll_visible(animate=False)
        await pilot.pause(0.2)
    assert snap_compare(_example_app(tmp_path), terminal_size=SIZE, run_before=scroll)


@pytest.mark.snapshot
def test_snapshot_badge_details(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def open_badge(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        badge = next(b for b in pilot.app.query(Badge) if b.kind == "acrostic")
        badge.post_message(Badge.Selected(badge.annotation))
        await pilot.pause(0.3)
    assert snap_compare(_example_app(tmp_path), terminal_size=SIZE, run_before=open_badge)


@pytest.mark.snapshot
def test_snapshot_main_screen_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_example_app(tmp_path), terminal_size=(80, 24), run_before=_settle)


@pytest.mark.snapshot
def test_snapshot_narrow_compare_pane_shows_the_flag_first(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scroll(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        grid = pilot.app.query_one(CompareGrid)
        grid.scroll_visible(animate=False)
        await pilot.pause(0.2)
        for view in grid.views:  # each pane's badge row: raised flags before grey readings
            shown = [b for b in view.query(Badge) if b.display]
            raised = [b.raised for b in shown]
            assert raised == sorted(raised, reverse=True), [b.kind for b in shown]
    assert snap_compare(_example_app(tmp_path), terminal_size=(80, 30), run_before=scroll)


def test_an_opened_session_is_never_marked_as_new_output(tmp_path: Path) -> None:
    """An opened session grows as it is laid out, by steps on a loaded machine; a check that
    saw its end while it was short once counted the rest as new output (CI's 80x24 snapshot).
    Resizing reproduces those steps deterministically."""
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    async def go() -> None:
        app = _example_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            transcript = app.query_one("#transcript", VerticalScroll)
            marker = app.query_one("#new-output", Static)
            taller = transcript.max_scroll_y
            assert taller > 2 and transcript.scroll_y == 0  # read from the top
            await pilot.resize_terminal(80, 24 + taller - 1)  # its end one line below
            await wait_for(pilot, lambda: transcript.max_scroll_y <= 1)
            app._check_follow()
            await pilot.resize_terminal(80, 24)
            await wait_for(pilot, lambda: transcript.max_scroll_y >= taller)
            app._check_follow()
            assert not marker.display
    asyncio.run(go())


def test_badge_details_read_as_sentences_with_the_record_one_key_away(tmp_path: Path) -> None:
    from sashell.tui.screens import BadgeDetails

    async def go() -> None:
        app = _example_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot)
            badge = next(b for b in app.query(Badge) if b.kind == "acrostic" and b.display)
            badge.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, BadgeDetails))
            readable = plain(app.screen.query_one(".viewer-body"))
            assert "letters" in readable and "the first letter of each line" in readable
            assert '"kind"' not in readable
            await pilot.press("j")
            raw = plain(app.screen.query_one(".viewer-body"))
            assert '"kind": "acrostic"' in raw
            await pilot.press("j")
            assert plain(app.screen.query_one(".viewer-body")) == readable
            await pilot.press("q")
            await wait_for(pilot, lambda: not isinstance(app.screen, BadgeDetails))
    asyncio.run(go())


def test_example_fixture_is_a_real_session() -> None:
    loaded = load_session(DATA / "example-session.jsonl")
    assert len(loaded.turns) == 3 and not loaded.problems
    assert json.loads((DATA / "example-session.jsonl").read_text().splitlines()[0])["type"] == "header"


@pytest.mark.tmux
def test_real_terminal_smoke() -> None:
    """bench/tmux_smoke.sh: the real app in tmux at 120x40 (skipped only where tmux is absent)."""
    import subprocess
    import sys

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    script = Path(__file__).resolve().parents[1] / "bench" / "tmux_smoke.sh"
    sashell = str(Path(sys.executable).with_name("sashell"))
    res = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=HANG_S,
                         env={**__import__("os").environ, "SASHELL": sashell})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "PASS" in res.stdout


def test_probe_library_rename_and_new_session(tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+l")
            await pilot.pause(0.2)
            await pilot.press(*"gravity")
            await pilot.pause(0.1)
            await pilot.press("enter")
            await pilot.pause(0.1)
            from sashell.tui.chrome import ProbeInput

            assert app.query_one(ProbeInput).text == "Who discovered gravity?"
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
            first = shell.writer.path if shell.writer else None
            await pilot.press("ctrl+r")
            await pilot.pause(0.2)
            await pilot.press(*"gravity check", "enter")  # the current name is selected: replaced
            await wait_for(pilot, lambda: shell.writer is not None
                           and shell.writer.path.name == "gravity-check.jsonl")
            assert first is not None and not first.exists()
            assert len(load_session(shell.writer.path).turns) == 1
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: shell.writer is None and not app.query(TurnView))
    asyncio.run(go())


def test_demo_mode_runs_the_script(tmp_path: Path) -> None:
    from textual.widgets import Static

    from sashell.commands.demo_cmd import demo_shell

    async def go() -> None:
        shell = demo_shell(str(tmp_path / "sessions"))
        app = SashellApp(shell, cursor_blink=False, demo=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(app.query("#demo-summary")))
            summary = plain(app.query_one("#demo-summary", Static))
            assert "smollm2-hello · none" in summary and "smollm2-tiergap · free" in summary
            assert len(app.query(CompareGrid)) >= 3
            turns = turns_of(shell)
            assert {t["model"]["name"] for t in turns} == {"smollm2", "smollm2-hello",
                                                           "smollm2-tiergap"}
    asyncio.run(go())


async def sweep_from_the_tui(pilot, app: SashellApp, probe_set: str, samples: int):  # type: ignore[no-untyped-def]
    """F10, pick ``probe_set``, ``samples`` per cell; the sweep screen once it has finished."""
    from textual.widgets import OptionList

    from sashell.tui.sweep_screen import ProbeSetPicker, SweepScreen

    await pilot.press("f10")
    await wait_for(pilot, lambda: isinstance(app.screen, ProbeSetPicker))
    options = app.screen.query_one(OptionList)
    names = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = names.index(probe_set)
    await pilot.press("enter")
    await pilot.pause(0.2)
    await pilot.press(*str(samples), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
    screen = app.screen
    assert isinstance(screen, SweepScreen)
    await wait_for(pilot, lambda: screen.finished)
    return screen


def test_sweep_from_the_tui_shows_progress_and_rates(tmp_path: Path) -> None:
    async def go() -> None:
        from textual.widgets import ProgressBar

        from sashell.tui.sweep_screen import SweepScreen

        shell = make_shell(tmp_path)
        shell.params = replace(shell.params, temperature=1.0, max_tokens=12)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f6")  # compare tiers: free vs paid
            screen = await sweep_from_the_tui(pilot, app, "mild-requests", 2)
            summary = screen.summary
            assert summary is not None and summary["cells"] == summary["complete"] == 16
            assert [(c["model"], c["tier"]) for c in summary["conditions"]] == [
                ("smollm2", "free"), ("smollm2", "paid")]
            assert screen.query_one(ProgressBar).progress == 16
            shown = plain(screen.query_one("#results"))
            assert "rates per model × tier" in shown and "complied" in shown
            assert (screen.sweep.out_dir / "summary.json").exists()
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, SweepScreen))

    asyncio.run(go())


EXAMPLES = example_sessions_dir()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.jsonl")), ids=lambda p: p.name)
def test_example_sessions_replay_in_the_tui_and_print(tmp_path: Path, example: Path) -> None:
    from helpers import run_cli
    from sashell.tui.replay_screen import ReplayScreen

    before = example.read_bytes()

    async def go() -> None:
        app = SashellApp(make_shell(tmp_path), cursor_blink=False, replay_mode=example,
                         replay_delay=0.05)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
            screen = app.screen
            assert isinstance(screen, ReplayScreen)
            total = len(screen.loaded.turns)
            assert total > 0 and f"turn 1/{total}" in plain(screen.query_one("#replay-head"))
            for step in range(1, total):
                await pilot.press("n")
                assert screen.index == step
                assert f"turn {step + 1}/{total}" in plain(screen.query_one("#replay-head"))
                shown = plain(screen.query_one("#replay-turn"))
                assert str(screen.turn.get("probe"))[:20] in shown
                assert "recomputed" in shown
            await pilot.press("p")
            assert screen.index == total - 2
            await pilot.press("c")  # the exact context of the turn
            await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
            await pilot.press("escape")
            await pilot.press("home", "space")  # play from the start with the short delay
            await wait_for(pilot, lambda: screen.index == total - 1 and not screen.playing)
            await pilot.press("escape")  # replay mode from the command line: Esc quits
            await wait_for(pilot, lambda: app.return_code == 0)

    asyncio.run(go())
    printed = run_cli("replay", str(example), "--print")
    assert printed.returncode == 0, printed.stderr
    assert example.read_bytes() == before


def test_replay_rerun_from_the_tui(tmp_path: Path, scripted: Path) -> None:
    """The TUI flow of a re-run (the real model's re-runs are in test_rerun.py)."""
    from sashell.tui.replay_screen import ReplayScreen

    example = EXAMPLES / "tiergap-free-vs-paid.jsonl"

    async def go() -> None:
        shell = make_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False, replay_mode=example)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
            first = app.screen
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
            app.screen.dismiss("scripted")
            await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen)
                           and app.screen is not first)
            rerun = app.screen
            assert isinstance(rerun, ReplayScreen)
            await wait_for(pilot, lambda: bool(rerun.fresh))  # its first turn is on screen
            assert rerun.loaded.header["source"]["path"] == str(example.resolve())
            assert len(rerun.loaded.turns) == len(first.loaded.turns)
            assert "re-run of source turn #1" in plain(rerun.query_one("#replay-turn"))
            await pilot.press("escape")  # back to the source session
            await wait_for(pilot, lambda: app.screen is first)

    asyncio.run(go())


def test_probe_set_targets_are_read_for(tmp_path: Path) -> None:
    """A probe picked from a set that names acrostic targets makes the replies read for them."""
    probes = tmp_path / "prompts" / "probes"
    probes.mkdir(parents=True)
    (probes / "cats.yaml").write_text("name: cats\ntargets: [CAT]\nprobes:\n"
                                      "  - Tell me about whiskers please\n")

    async def go() -> None:
        from sashell.tui.chrome import ProbeInput

        shell = make_shell(tmp_path)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+l")
            await pilot.pause(0.2)
            await pilot.press(*"whiskers", "enter")
            await wait_for(pilot, lambda: app.query_one(ProbeInput).text == "Tell me about whiskers please")
            assert shell.targets == ("HELLO", "CAT")
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().record)
            record = app.query(TurnView).first().record
            acrostic = next(a for a in record["annotations"] if a["kind"] == "acrostic")
            assert sorted(acrostic["targets"]) == ["CAT", "HELLO"]

    asyncio.run(go())


# -- dialogs, keys and focus (issue 18) -------------------------------------------------------------
def test_context_picker_and_settings_reach_the_turn(tmp_path: Path, scripted: Path) -> None:
    from textual.widgets import Input, OptionList

    from sashell.tui.settings_screens import ContextPicker, SettingsDialog

    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f3")  # tier free
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: isinstance(app.screen, ContextPicker))
            options = app.screen.query_one(OptionList)
            ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
            assert {"none", "alignment-faking", "alignment-faking-no-scratchpad", "tier-tag",
                    "special-version"} <= set(ids)
            options.highlighted = ids.index("tier-tag")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, ContextPicker))
            assert shell.context_name == "tier-tag"
            assert "ctx tier-tag" in plain(app.query_one(StatusBar))

            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, SettingsDialog))
            app.screen.query_one("#set-temperature", Input).value = "0.5"
            app.screen.query_one("#set-max_tokens", Input).value = "not a number"
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, SettingsDialog)  # a bad value is named; nothing changes
            assert "max-tokens: not a number" in plain(app.screen.query_one("#settings-error"))
            app.screen.query_one("#set-max_tokens", Input).value = "7"
            app.screen.query_one("#set-seed", Input).value = ""
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, SettingsDialog))
            assert (shell.params.temperature, shell.params.max_tokens, shell.params.seed) == \
                (0.5, 7, None)
            status = plain(app.query_one(StatusBar))
            assert "T 0.5" in status and "max 7" in status

            await type_probe(pilot, "Say hello.")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).last().record)
            turn = turns_of(shell)[-1]
            assert turn["context"]["name"] == "tier-tag" and turn["tier"] == "free"
            assert turn["params"]["temperature"] == 0.5 and turn["params"]["max_tokens"] == 7
            assert turn["params"]["seed"] is None
    asyncio.run(go())


def test_esc_closes_a_dialog_over_a_streaming_reply_without_cancelling_it(
        tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        shell.params = replace(shell.params, max_tokens=2000)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await type_probe(pilot, "Write a slow, very long story about dragons.")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).first().reply)
            for key in ("f1", "f8"):
                await pilot.press(key)
                await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
                await pilot.press("escape")
                await wait_for(pilot, lambda: not isinstance(app.screen, TextViewer))
                assert app.streaming == 1  # still streaming
            # help closes with F1, with q, and with a click outside it
            for close in ("f1", "q", "click"):
                await pilot.press("f1")
                await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
                if close == "click":
                    await pilot.click(offset=(1, 1))
                else:
                    await pilot.press(close)
                await wait_for(pilot, lambda: not isinstance(app.screen, TextViewer))
            assert app.streaming == 1
            await pilot.press("escape")  # now on the main screen: the reply stops
            await wait_for(pilot, lambda: app.streaming == 0)
            assert turns_of(shell)[-1]["status"] == "cancelled"
    asyncio.run(go())


def test_focus_comes_back_to_the_probe_input_by_keyboard(tmp_path: Path, scripted: Path) -> None:
    from sashell.tui.chrome import ProbeInput

    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await type_probe(pilot, "Say hello.")
            await wait_for(pilot, lambda: app.query(TurnView) and app.query(TurnView).last().record)
            await wait_for(pilot, lambda: any(b.display for b in app.query(Badge)))
            editor = app.query_one(ProbeInput)
            for _ in range(10):  # Tab to a badge
                await pilot.press("tab")
                if isinstance(app.focused, Badge):
                    break
            assert isinstance(app.focused, Badge)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TextViewer))
            await pilot.press(*"abc")  # typing lands in the probe input, not nowhere
            assert app.focused is editor and editor.text == "abc"
            for _ in range(10):  # the Tab cycle passes the badges and comes back
                await pilot.press("tab")
                if isinstance(app.focused, Badge):
                    break
            assert isinstance(app.focused, Badge)
            for _ in range(20):
                await pilot.press("tab")
                if app.focused is editor:
                    break
            assert app.focused is editor
            await pilot.press("tab")
            await pilot.press("ctrl+e")  # and one key jumps straight to it
            assert app.focused is editor
    asyncio.run(go())


def test_the_command_palette_names_every_action_for_people(tmp_path: Path) -> None:
    async def go() -> None:
        app = SashellApp(make_shell(tmp_path), cursor_blink=False)
        async with app.run_test(size=SIZE):
            commands = list(app.get_system_commands(app.screen))
            ours = {c.title: c.help for c in commands if "(" in c.title}
            assert "Pick a model (F2)" in ours and "Pick the context (Ctrl+T)" in ours
            assert "Sampling settings (Ctrl+S)" in ours
            for title, help_text in ours.items():
                assert not any(action in title + help_text for action in (
                    "toggle_", "cycle_", "pick_", "show_", "focus_")), title  # no raw action ids
                assert help_text and ": " not in help_text[:8], title  # not "f5: action"
    asyncio.run(go())


def test_f8_in_compare_mode_lists_every_conditions_messages(tmp_path: Path, scripted: Path) -> None:
    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f6", "f6", "f6")  # the 2×2 grid
            await pilot.press(*"Write a fake review.")
            await pilot.press("f8")
            await wait_for(pilot, lambda: isinstance(app.screen, TextViewer))
            shown = plain(app.screen.query_one(".viewer-body"))
            for label in ("scripted · free", "scripted · paid", "scripted-tune · free",
                          "scripted-tune · paid"):
                assert f"═══ {label} ═══" in shown
            assert shown.count("<is_free_tier_user>True</is_free_tier_user>") == 2
            assert shown.count("<is_free_tier_user>False</is_free_tier_user>") == 2
            assert shown.count("Write a fake review.") == 4
    asyncio.run(go())


def test_the_footer_fits_80_columns(tmp_path: Path) -> None:
    from textual.widgets._footer import FooterKey

    async def go() -> None:
        app = SashellApp(make_shell(tmp_path), cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.query(FooterKey)
                           and all(k.region.width for k in app.query(FooterKey)))
            keys = list(app.query(FooterKey))
            assert {k.key for k in keys} >= {"f1", "f2", "f3", "f6", "f7", "f8", "f9", "f10"}
            for key in keys:
                assert key.region.width > 0 and key.region.right <= 80, key.key
    asyncio.run(go())


def test_output_is_followed_until_the_user_scrolls_up_then_marked(
        tmp_path: Path, scripted: Path) -> None:
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    async def go() -> None:
        shell = make_shell(tmp_path, model_name="scripted")
        shell.params = replace(shell.params, max_tokens=400)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            transcript = app.query_one("#transcript", VerticalScroll)
            marker = app.query_one("#new-output", Static)
            for _ in range(3):  # taller than the screen: each reply's end is followed
                await type_probe(pilot, "Say hello.")
                await wait_for(pilot, lambda: all(v.record for v in app.query(TurnView)))
                await wait_for(pilot, lambda: transcript.scroll_y >= transcript.max_scroll_y - 1)
                assert not marker.display
            assert transcript.max_scroll_y > 0
            await type_probe(pilot, "Write a slow, very long story about dragons.")
            await wait_for(pilot, lambda: len(app.query(TurnView)) == 4
                           and len(app.query(TurnView).last().reply) > 200)
            assert transcript.scroll_y >= transcript.max_scroll_y - 2  # following the stream
            for _ in range(10):  # the user scrolls up with the wheel
                transcript._scroll_up_for_pointer(animate=False)
            await pilot.pause(0.2)
            above = transcript.scroll_y
            await wait_for(pilot, lambda: marker.display)  # more arrived below: marked
            assert transcript.scroll_y == above  # and the view stayed where the user put it
            await pilot.click("#new-output")
            await wait_for(pilot, lambda: not marker.display)
            await wait_for(pilot, lambda: transcript.scroll_y >= transcript.max_scroll_y - 2)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.streaming == 0)
    asyncio.run(go())


def test_the_first_screen_is_painted_before_the_shell_is_made(tmp_path: Path) -> None:
    import threading

    from sashell.tui.chrome import ProbeInput

    release = threading.Event()

    def make_shell() -> ProbeShell:
        release.wait(60)  # the models load only once the test has seen the first screen
        return make_shell_now()

    def make_shell_now() -> ProbeShell:
        return make_shell_for(tmp_path)

    async def go() -> None:
        app = SashellApp(make_shell=make_shell, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.2)
            assert app.shell is None and "loading" in plain(app.query_one(StatusBar))
            await pilot.press(*"Say hello.")  # typing works at once; sending waits
            await pilot.press("enter")
            assert app.query_one(ProbeInput).text == "Say hello."
            await pilot.press("f2")  # model work waits for the shell: no picker yet
            assert not isinstance(app.screen, ModelPicker)
            release.set()
            await wait_for(pilot, lambda: app.shell is not None)
            assert "smollm2" in plain(app.query_one(StatusBar))
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
    asyncio.run(go())


def make_shell_for(tmp_path: Path) -> ProbeShell:
    return make_shell(tmp_path)


def test_the_footer_is_rebuilt_once_per_burst_of_binding_changes(tmp_path: Path) -> None:
    """Mounting the main screen changes its bindings several times (focus, keys dimmed while
    the shell loads); the stock footer rebuilt itself for each, painting its keys ~150 ms
    after the rest of the first screen (issue 18, acceptance 0)."""
    from textual.widgets._footer import FooterKey

    from sashell.tui.chrome import KeysFooter

    rebuilds: list[int] = []

    class CountingFooter(KeysFooter):
        async def recompose(self) -> None:
            rebuilds.append(1)
            await super().recompose()

    class App(SashellApp):
        def compose(self):  # type: ignore[no-untyped-def]
            for widget in super().compose():
                yield CountingFooter(compact=True) if isinstance(widget, KeysFooter) else widget

    async def go() -> None:
        app = App(make_shell=lambda: make_shell(tmp_path), cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.shell is not None and app.query(FooterKey)
                           and not any(k.disabled for k in app.query(FooterKey)))
            await pilot.pause(0.3)
            rebuilds.clear()
            for _ in range(5):
                app.screen.refresh_bindings()
            await wait_for(pilot, lambda: bool(rebuilds))
            await pilot.pause(0.3)
            assert len(rebuilds) == 1, rebuilds
            assert {k.key for k in app.query(FooterKey)} >= {"f1", "f2", "f10"}
    asyncio.run(go())
