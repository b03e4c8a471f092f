"""A hostile OpenAI-compatible endpoint against every front end: no traceback, the right exit
status, every failure recorded on its turn with a reason, the key never stored or shown, and
no control character, C1 code or bidi override reaching the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.adversarial.hostile import FAILING, FORBIDDEN, SECRET, evil_reply

from fault_server import FaultServer
from helpers import HANG_S
from sashell.core.session import load_session


def sashell(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOSTILE_KEY": SECRET}
    return subprocess.run([sys.executable, "-m", "sashell", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env=env, timeout=HANG_S)


def model_toml(base_url: str) -> str:
    return (f'[models.hostile]\nprovider = "openai"\nbase_url = "{base_url}"\nmodel = "m"\n'
            'api_key_env = "HOSTILE_KEY"\n')


def assert_clean(text: str) -> None:
    assert "Traceback" not in text
    assert not FORBIDDEN.search(text), repr(FORBIDDEN.search(text))
    assert SECRET not in text


def session_text(directory: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (directory / "sessions").glob("*.jsonl"))


@pytest.mark.parametrize("case", sorted(FAILING))
def test_probe_records_every_failure(tmp_path: Path, case: str) -> None:
    with FaultServer([FAILING[case]]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        plain = sashell(tmp_path, "probe", "--model", "hostile", "--session", "s", "hi")
        as_json = sashell(tmp_path, "probe", "--model", "hostile", "--session", "s", "--json",
                          "hi")
    for out in (plain, as_json):
        assert out.returncode == 2, out.stderr  # a failed turn: one line, exit 2
        assert_clean(out.stdout + out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1
    turns = load_session(tmp_path / "sessions" / "s.jsonl").turns
    assert [t["status"] for t in turns] == ["error", "error"]
    assert all(t["error"] for t in turns)
    assert SECRET not in session_text(tmp_path)
    record = json.loads(as_json.stdout.splitlines()[-1])
    assert record["status"] == "error"


def test_sweep_records_failed_cells_and_finishes(tmp_path: Path) -> None:
    with FaultServer([FAILING["non_json_sse"], evil_reply, FAILING["header_echo"],
                      FAILING["non_utf8_sse"], evil_reply]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        (tmp_path / "probes.txt").write_text("one\ntwo\n")
        out = sashell(tmp_path, "sweep", "probes.txt", "--models", "hostile", "--tiers", "none",
                      "-n", "2", "--retries", "0", "--concurrency", "1", "--out", "sw")
    assert out.returncode == 1, out.stderr
    assert_clean(out.stdout + out.stderr)
    assert "sweep 4/4 cells (100%)" in out.stderr  # progress lines when not in a terminal
    manifest = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    assert manifest["status"] != "running"
    summary = json.loads((tmp_path / "sw" / "summary.json").read_text())
    assert summary["failed"] >= 1 and summary["complete"] >= 1
    assert summary["failed"] + summary["complete"] == 4
    cells = (tmp_path / "sw" / "cells.csv").read_text()
    assert_clean(cells)
    assert SECRET not in session_text(tmp_path)


def test_repl_script_keeps_going_and_stays_clean(tmp_path: Path) -> None:
    with FaultServer([FAILING["non_utf8_sse"], evil_reply]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        out = sashell(tmp_path, "repl", "--model", "hostile", stdin="hello\n")
    assert out.returncode == 1
    assert_clean(out.stdout + out.stderr)


def test_tui_survives_a_malformed_stream(tmp_path: Path) -> None:
    from tests.test_tui import make_shell, plain, type_probe, wait_for

    from sashell.tui.app import SashellApp
    from sashell.tui.widgets import TurnView

    with FaultServer([FAILING["non_json_sse"], evil_reply]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        os.environ["HOSTILE_KEY"] = SECRET
        try:
            async def go() -> None:
                shell = make_shell(tmp_path, model_name="hostile")
                app = SashellApp(shell, cursor_blink=False)
                async with app.run_test(size=(120, 40)) as pilot:
                    await type_probe(pilot, "hi")
                    await wait_for(pilot, lambda: app.query(TurnView)
                                   and app.query(TurnView).first().record)
                    status = plain(app.query_one(".turn-status"))
                    assert "error" in status and app.is_running
                    await type_probe(pilot, "again")
                    await wait_for(pilot, lambda: len(app.query(TurnView)) == 2
                                   and app.query(TurnView).last().record)
                    body = plain(app.query(TurnView).last().query_one(".turn-body"))
                    assert "\\x1b" in body and "\x1b" not in body
                    assert app.is_running
            asyncio.run(go())
        finally:
            del os.environ["HOSTILE_KEY"]
    assert SECRET not in session_text(tmp_path)


def test_escapes_in_a_completed_reply_never_reach_the_terminal(tmp_path: Path) -> None:
    with FaultServer([evil_reply]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        outs = [sashell(tmp_path, "probe", "--model", "hostile", *flags, "hi")
                for flags in ([], ["--json"], ["-n", "2"])]
        session = next((tmp_path / "sessions").glob("*.jsonl"))
        outs += [sashell(tmp_path, "replay", "--print", str(session)),
                 sashell(tmp_path, "replay", "--json", str(session)),
                 sashell(tmp_path, "sessions"), sashell(tmp_path, "sessions", "--json"),
                 sashell(tmp_path, "annotate", "-", stdin="\x1b]0;t\x07 \u202e x\n")]
    for out in outs:
        assert out.returncode == 0, out.stderr
        assert_clean(out.stdout + out.stderr)
    record = json.loads(outs[1].stdout)
    assert "\x1b]0;pwned" in record["reply"] and "\u202e" in record["reply"]  # kept as data


def test_annotate_reads_bytes_that_are_not_utf8_without_echoing_them(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"Hello \x9b31m and \xff\n")
    env = {**os.environ}
    for args in (["annotate", "-"], ["annotate", "--json", "-"]):
        out = subprocess.run([sys.executable, "-m", "sashell", *args], cwd=tmp_path,
                             input=(tmp_path / "in.txt").read_bytes(), capture_output=True,
                             env=env, timeout=HANG_S)
        text = out.stdout.decode("utf-8", "replace") + out.stderr.decode("utf-8", "replace")
        assert b"\x9b" not in out.stdout + out.stderr
        assert "Traceback" not in text


def test_a_one_off_base_url_gets_no_key_unless_named(tmp_path: Path) -> None:
    with FaultServer([evil_reply]) as server:
        env = {**os.environ, "OPENAI_API_KEY": SECRET, "MINE": SECRET}
        for extra in ([], ["--api-key-env", "MINE"]):
            out = subprocess.run([sys.executable, "-m", "sashell", "probe", "--base-url",
                                  server.base_url, "--model", "m", *extra, "hi"], cwd=tmp_path,
                                 capture_output=True, text=True, env=env, timeout=HANG_S)
            assert out.returncode == 0, out.stderr
        sent = [{k.lower(): v for k, v in headers.items()}.get("authorization", "")
                for _, _, headers in server.requests]
    assert SECRET not in sent[0] and sent[1] == f"Bearer {SECRET}"


def test_a_named_key_variable_that_is_unset_is_unavailable_and_sends_nothing(
        tmp_path: Path) -> None:
    with FaultServer([evil_reply]) as server:
        (tmp_path / "sashell.toml").write_text(model_toml(server.base_url))
        env = {k: v for k, v in os.environ.items() if k != "HOSTILE_KEY"}
        listed = subprocess.run([sys.executable, "-m", "sashell", "models", "--json"],
                                cwd=tmp_path, capture_output=True, text=True, env=env)
        entry = next(m for m in json.loads(listed.stdout) if m["name"] == "hostile")
        assert not entry["available"] and "HOSTILE_KEY" in entry["reason"]
        out = subprocess.run([sys.executable, "-m", "sashell", "probe", "--model", "hostile",
                              "hi"], cwd=tmp_path, capture_output=True, text=True, env=env)
        assert out.returncode == 2 and "needs an API key in $HOSTILE_KEY" in out.stderr
        assert not server.requests
