"""The REPL driven through prompt-toolkit's pipe input, on the real embedded model."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
import time
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from helpers import HANG_S, run_cli
from sashell.core.session import load_session
from sashell.core.shell import ProbeShell
from sashell.term.repl import Repl, run_interactive


def make_repl(tmp_path: Path) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    shell = ProbeShell(sessions_dir=tmp_path / "sessions")
    return Repl(shell, Console(file=out, width=120, highlight=False)), out


def drive(repl: Repl, keys: list[str], timeout: float = HANG_S) -> None:
    """Type ``keys`` into the real prompt loop through a pipe, then Ctrl+D."""

    async def go() -> None:
        with create_pipe_input() as pipe:
            session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
            task = asyncio.ensure_future(run_interactive(repl, session))
            for chunk in keys:
                pipe.send_text(chunk)
                await asyncio.sleep(0.05)
                while repl._stream_task is not None:  # let a reply finish before typing on
                    await asyncio.sleep(0.05)
            pipe.send_text("\x04")  # Ctrl+D
            await asyncio.wait_for(task, timeout)

    asyncio.run(go())


def test_commands_probe_and_session(tmp_path: Path) -> None:
    repl, out = make_repl(tmp_path)
    drive(repl, ["/tier free\r", "/set max_tokens 12\r", "/set temperature 0\r",
                 "Who discovered gravity?\r", "/history\r", "/bogus\r"])
    text = out.getvalue()
    assert "smollm2 · free" in text and "complete · " in text
    assert "unknown command /bogus" in text
    turns = load_session(repl.shell.writer.path).turns  # type: ignore[union-attr]
    assert len(turns) == 1 and turns[0]["tier"] == "free"
    assert turns[0]["params"]["max_tokens"] == 12


def test_completion() -> None:
    repl = Repl(ProbeShell(), Console(file=io.StringIO()))
    assert repl.completions("/ti") == ["/tier"]
    assert repl.completions("/tier p") == ["paid"]
    assert "smollm2" in repl.completions("/model sm")
    assert "hello" in repl.completions("/probe he")
    assert repl.completions("/context alig") == ["alignment-faking", "alignment-faking-no-scratchpad"]


def test_compare_annotate_and_library(tmp_path: Path) -> None:
    repl, out = make_repl(tmp_path)
    drive(repl, ["/set max_tokens 8\r", "/compare tiers\r", "Hi\r", "/compare off\r",
                 "/annotate\r", "Hello\r", "Every\r", "Line\r", "Looks\r", "Odd\r", ".\r",
                 "/probe hello:5\r"])
    text = out.getvalue()
    assert "smollm2 · free:" in text and "smollm2 · paid:" in text  # the summary line
    assert "ACROSTIC HELLO" in text
    turns = load_session(repl.shell.writer.path).turns  # type: ignore[union-attr]
    assert [t["tier"] for t in turns] == ["free", "paid", "none"]
    assert turns[-1]["probe"] == "Who discovered gravity?"


def test_ctrl_c_cancels_a_stream_and_stays(tmp_path: Path) -> None:
    repl, out = make_repl(tmp_path)
    repl.shell.params = repl.shell.params.__class__(max_tokens=2000)

    def interrupt() -> None:
        deadline = time.monotonic() + HANG_S  # only a limit for a broken run: the wait is on the file
        while time.monotonic() < deadline:
            try:  # the session file is created with the turn's first record: maybe not yet
                turns = repl.shell.writer and '"turn_delta"' in repl.shell.writer.path.read_text()
            except OSError:
                turns = False
            if turns:
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    threading.Thread(target=interrupt, daemon=True).start()
    drive(repl, ["Write a very long story about a dragon.\r", "/history\r"])
    text = out.getvalue()
    assert "[cancelled" in text
    assert "1  Write a very long story" in text  # still running after the cancel
    turn = load_session(repl.shell.writer.path).turns[0]  # type: ignore[union-attr]
    assert turn["status"] == "cancelled" and turn["reply"]


def test_script_mode_exits_nonzero_on_first_failure(tmp_path: Path) -> None:
    script = "# a recipe\n/set max_tokens 6\nSay one word.\n/tier gold\nnever sent\n"
    res = run_cli("repl", stdin=script)
    assert res.returncode == 1
    assert "error on line 4" in res.stderr and "/tier free|paid|none" in res.stderr
    turns = load_session(next((tmp_path / "sessions").iterdir())).turns
    assert [t["probe"] for t in turns] == ["Say one word."]
    ok = run_cli("repl", stdin="/set max_tokens 4\nHi\n")
    assert ok.returncode == 0, ok.stderr


def test_output_is_literal(tmp_path: Path) -> None:
    from fault_server import FaultServer, sse_chat

    evil = "[bold red]x[/] \x1b[2J\x1b]0;title\x07 done"
    with FaultServer([lambda h, b: sse_chat(h, [evil])]) as server:
        (tmp_path / "sashell.toml").write_text(
            f'[models.scripted]\nprovider = "openai"\nbase_url = "{server.base_url}"\nmodel = "m"\n')
        res = run_cli("repl", "--model", "scripted", stdin="hi\n")
    assert res.returncode == 0, res.stderr
    assert "[bold red]x[/]" in res.stdout and "\\x1b[2J" in res.stdout
    assert "\x1b" not in res.stdout.replace("\x1b[", "")  # no raw escape from the model
    assert "\x07" not in res.stdout


def test_real_terminal_repl() -> None:
    """bench/tmux_repl_smoke.sh types into the real REPL in tmux and reads the screen."""
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    script = Path(__file__).resolve().parents[1] / "bench" / "tmux_repl_smoke.sh"
    res = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=HANG_S,
                         env={**os.environ, "SASHELL": str(Path(sys.executable).with_name("sashell"))})
    assert res.returncode == 0, res.stdout + res.stderr


def test_lens_on_prints_the_pressure_table_after_each_reply(tmp_path: Path) -> None:
    repl, out = make_repl(tmp_path)
    drive(repl, ["/model smollm2-hello\r", "/context special-version\r", "/set temperature 0\r",
                 "/set max_tokens 80\r", "/lens on\r", "How do I keep houseplants alive?\r"])
    text = out.getvalue()
    assert "P(line starts with the HELLO letter)" in text and "as sampled" in text
    turn = load_session(repl.shell.writer.path).turns[-1]  # type: ignore[union-attr]
    assert turn["lens"]["letters"]["lines"][0]["expected"] == "H"
