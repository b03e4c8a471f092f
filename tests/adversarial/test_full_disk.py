"""A full disk (a small tmpfs, where this machine allows mounting one): `probe` and `sweep` stop
with one line, every turn they reported as done is in the file, and a sweep resumed once there
is room again finishes. Skipped, with the reason, where tmpfs cannot be mounted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_server import FaultServer, sse_chat
from helpers import HANG_S
from sashell.core.session import load_session

WORDS = [f" word{i}" for i in range(400)]  # about 3 KB a reply, 7 KB a turn with its checkpoint
ROOM = 40 << 10  # what a filler leaves free on the 1 MB disk: a few turns' worth


def long_reply(handler, body) -> None:  # type: ignore[no-untyped-def]
    sse_chat(handler, WORDS)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: the full-disk case is not run here")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.strip() or 'not permitted'}):"
                    " the full-disk case is not run")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _one_line_no_traceback(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing said"
    return lines[-1]


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    filler.write_bytes(b"\0" * (free - ROOM))
    return filler


def test_probe_on_a_full_disk_keeps_every_turn_it_reported(small_disk: Path, tmp_path: Path) -> None:
    _fill(small_disk)
    with FaultServer([long_reply]) as server:
        res = subprocess.run(
            [sys.executable, "-m", "sashell", "probe", "--base-url", server.base_url, "--model", "m",
             "--sessions-dir", str(small_disk), "--session", "full", "-n", "60", "--json",
             "Write at length."], cwd=tmp_path, capture_output=True, text=True, timeout=HANG_S,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_API_KEY": ""})
    assert res.returncode == 2, res.stderr
    last = _one_line_no_traceback(res.stderr)
    assert "No space left on device" in last and "full.jsonl" in last
    reported = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert 1 <= len(reported) < 60  # some turns fit, then the disk was full
    loaded = load_session(small_disk / "full.jsonl")
    complete = [t for t in loaded.turns if t.get("status") == "complete"]
    assert len(complete) >= len(reported)
    assert all(t["reply"] == "".join(WORDS) for t in complete)


def test_sweep_on_a_full_disk_stops_in_one_line_and_resumes_when_there_is_room(
        small_disk: Path, tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text(
        '[models.served]\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\n'
        'endpoint = "chat"\n', encoding="utf-8")
    (tmp_path / "probes.txt").write_text("Write at length.\nWrite more.\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_API_KEY": ""}
    with FaultServer([long_reply]) as server:
        toml = (tmp_path / "sashell.toml").read_text().replace("{url}", server.base_url)
        (tmp_path / "sashell.toml").write_text(toml, encoding="utf-8")
        filler = _fill(small_disk)  # room for the manifest and a few turns
        command = [sys.executable, "-m", "sashell", "sweep", "probes.txt", "--models", "served",
                   "--tiers", "free,paid", "-n", "5", "--concurrency", "1",
                   "--out", str(small_disk / "out"), "--sessions-dir", str(small_disk / "sessions")]
        full = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                              timeout=HANG_S, env=env)
        assert full.returncode == 2, full.stderr
        last = _one_line_no_traceback(full.stderr)
        assert "No space left on device" in last
        before = [t for path in (small_disk / "sessions").glob("*.jsonl")
                  for t in load_session(path).turns if t.get("status") == "complete"]
        assert 1 <= len(before) < 20  # some cells were saved before the disk filled
        filler.unlink()  # room again
        resumed = subprocess.run([sys.executable, "-m", "sashell", "sweep", "--resume",
                                  str(small_disk / "out"), "--json"], cwd=tmp_path,
                                 capture_output=True, text=True, timeout=HANG_S, env=env)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((small_disk / "out" / "summary.json").read_text())
    assert sum(c["n"] for c in summary["conditions"]) == 2 * 2 * 5
    after = [t for path in (small_disk / "sessions").glob("*.jsonl")
             for t in load_session(path).turns if t.get("status") == "complete"]
    assert len(after) == 20 and {t["created"] for t in before} <= {t["created"] for t in after}
