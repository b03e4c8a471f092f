"""Every loader against crafted input: a session line, a sweep manifest, a probe file in each
format and sashell.toml either load or raise one SashellError; nothing else escapes, and
whatever loads can be listed, replayed and exported."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import HANG_S
from sashell.core.errors import SashellError
from sashell.core.records import TurnRecord, _hints

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
TURN_KEYS = [*_hints(TurnRecord), "type", "turn", "text"]
scalars = (st.none() | st.booleans() | st.integers(-3, 2**40) | st.floats(allow_nan=True)
           | st.text(max_size=12) | st.sampled_from(["turn", "turn_begin", "header", "complete"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["kind", "flag", "name", "label", "x"]),
                                        inner, max_size=3), max_leaves=8)
records = st.dictionaries(st.sampled_from(TURN_KEYS), values, max_size=8)


MEMORY_LIMIT = 64 << 20  # inputs of a few hundred bytes: anything near this is unbounded work


@contextlib.contextmanager
def bounded_memory() -> Iterator[None]:
    """Python allocations while loading stay under MEMORY_LIMIT (a manifest asking for 2**40
    samples must be refused, not planned)."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MB"


def header() -> dict[str, Any]:
    return {"type": "header", "schema": 1, "sashell": "0", "created": "x", "name": "n"}


@FUZZ
@given(st.lists(records | st.binary(max_size=40).map(lambda b: {"raw": b.hex()}), max_size=6),
       st.binary(max_size=30))
def test_sessions_load_list_replay_and_export_or_say_why(tmp_path_factory: pytest.TempPathFactory,
                                                        lines: list[dict[str, Any]],
                                                        tail: bytes) -> None:
    from sashell.core.replay import list_sessions, reannotate, summarize
    from sashell.core.session import load_session
    from sashell.present.exporters import to_html, to_markdown

    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "s.jsonl"
    body = [json.dumps(header())] + [json.dumps(line, allow_nan=True) for line in lines]
    path.write_bytes(("\n".join(body) + "\n").encode() + tail)
    with bounded_memory(), contextlib.suppress(SashellError):
        for mode in ({}, {"lazy": True}, {"summary_only": True}):
            loaded = load_session(path, **mode)
            summarize(loaded)
            for turn in loaded.turns:
                if mode == {}:
                    reannotate(turn)
        loaded = load_session(path)
        to_markdown(loaded)
        to_html(loaded)
    assert all(isinstance(e, tuple) or e.turns >= 0 for e in list_sessions(directory))


@FUZZ
@given(st.dictionaries(st.sampled_from(["kind", "id", "sessions", "spec", "status", "created"]),
                       values, max_size=6))
def test_sweep_manifests_resume_or_say_why(tmp_path_factory: pytest.TempPathFactory,
                                           manifest: dict[str, Any]) -> None:
    from sashell.core.registry import load_registry
    from sashell.core.sweep import Sweep

    out = tmp_path_factory.mktemp("manifest")
    manifest.setdefault("kind", "sashell-sweep")
    (out / "sweep.json").write_text(json.dumps(manifest, allow_nan=True))
    with bounded_memory(), contextlib.suppress(SashellError):
        sweep = Sweep.resume(out, load_registry([]))
        sweep.finished_cells()
        sweep.spec.cells()


@FUZZ
@given(st.sampled_from([".yaml", ".jsonl", ".csv", ".txt"]), st.text(max_size=200))
def test_probe_files_load_or_say_why(tmp_path_factory: pytest.TempPathFactory, suffix: str,
                                     text: str) -> None:
    from sashell.core.probes import load_probe_file

    path = tmp_path_factory.mktemp("probes") / f"p{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with bounded_memory(), contextlib.suppress(SashellError):
        load_probe_file(path)


@FUZZ
@given(st.text(max_size=200))
def test_config_files_load_or_say_why(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from sashell.core.annotate.registry import BUILT_IN, AnnotatorRegistry, plugin_classes
    from sashell.core.registry import load_registry

    path = tmp_path_factory.mktemp("toml") / "sashell.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with bounded_memory(), contextlib.suppress(SashellError):
        load_registry([path])
    cwd = Path.cwd()
    os.chdir(path.parent)
    try:
        AnnotatorRegistry([*BUILT_IN, *plugin_classes()])
    except SashellError:
        pass
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("text", [
    '[models.a]\nprovider = "openai"\nmodel = "m"\nbase = "b"\n[models.b]\nprovider = "openai"\n'
    'model = "m"\nbase = "a"\n',
    '[models.a]\nprovider = "openai"\nmodel = "m"\nbase = "a"\n',
    '[models."x\\u001b[31m"]\nprovider = "openai"\nmodel = "m"\n',
    '[models.l]\nprovider = "local"\nn_ctx = true\n',
    '[models.l]\nprovider = "local"\nn_ctx = 99999999999999\n',
    "a = " + "[" * 5000 + "]" * 5000 + "\n",
])
def test_bad_configs_are_one_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "sashell.toml").write_text(text)
    out = subprocess.run([sys.executable, "-m", "sashell", "models"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=HANG_S)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "\x1b" not in out.stderr


def test_a_damaged_session_is_skipped_and_the_directory_still_lists(tmp_path: Path) -> None:
    from sashell.core.paths import example_sessions_dir

    sessions = tmp_path / "sessions"
    sessions.mkdir()
    good = (example_sessions_dir() / "tiergap-free-vs-paid.jsonl").read_text()
    (sessions / "good.jsonl").write_text(good)
    bad = [header(), {"type": "turn", "turn": 1, "annotations": [1, "x", None], "model": "str",
                      "reply": 5, "status": "complete"}]
    (sessions / "bad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in bad))
    for args in (["sessions"], ["sessions", "--json"], ["replay", "--print", "sessions/bad.jsonl"],
                 ["export", "sessions/bad.jsonl", "--format", "md", "-o", "x.md"]):
        out = subprocess.run([sys.executable, "-m", "sashell", *args], cwd=tmp_path,
                             capture_output=True, text=True, timeout=HANG_S)
        assert "Traceback" not in out.stderr, (args, out.stderr)
    listed = json.loads(subprocess.run([sys.executable, "-m", "sashell", "sessions", "--json"],
                                       cwd=tmp_path, capture_output=True, text=True).stdout)
    names = {entry.get("name") for entry in listed}
    assert "tiergap-free-vs-paid" in names or len(listed) == 2
    bad_entry = next(e for e in listed if str(e.get("path", "")).endswith("bad.jsonl"))
    assert bad_entry["turns"] == 0 and bad_entry["problems"]


@pytest.mark.parametrize("where", ["file", "under-file", "too-long"])
def test_unusable_sessions_dirs_are_one_line(tmp_path: Path, where: str) -> None:
    (tmp_path / "afile").write_text("x")
    target = {"file": "afile", "under-file": "afile/sub", "too-long": "d"}[where]
    args = ["probe", "--sessions-dir", target, "--base-url", "http://127.0.0.1:9/v1",
            "--model", "m", "hi"]
    if where == "too-long":
        args = ["probe", "--session", "n" * 300, "--base-url", "http://127.0.0.1:9/v1",
                "--model", "m", "hi"]
    out = subprocess.run([sys.executable, "-m", "sashell", *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=HANG_S)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    listing = subprocess.run([sys.executable, "-m", "sashell", "sessions", "--sessions-dir",
                              "afile"], cwd=tmp_path, capture_output=True, text=True)
    assert listing.returncode == 2 and "not a directory" in listing.stderr


def test_read_only_sessions_dir_is_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories; run as a user to check this")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    out = subprocess.run([sys.executable, "-m", "sashell", "probe", "--sessions-dir", "ro",
                          "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=HANG_S)
    assert out.returncode == 2 and "Traceback" not in out.stderr


@pytest.mark.parametrize("line, needle", [
    ("/set max_tokens -5", "max-tokens must be"),
    ("/set temperature nan", "temperature must be a finite number"),
    ("/set temperature inf", "temperature must be a finite number"),
    ("/session a\x00b", "not a session name"),
])
def test_repl_refuses_bad_settings_in_one_line(tmp_path: Path, line: str, needle: str) -> None:
    out = subprocess.run([sys.executable, "-m", "sashell", "repl"], cwd=tmp_path,
                         input=line + "\n", capture_output=True, text=True, timeout=HANG_S)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1
