"""Two writers to one session never lose or hide a turn: turn numbers are chosen under a file
lock, and files written before that (two turns numbered alike) still show every turn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from fault_server import FaultServer, sse_chat
from helpers import HANG_S
from sashell.core.session import SessionWriter, load_session

WRITERS, SAMPLES = 3, 4


def slow_reply(handler, body) -> None:  # type: ignore[no-untyped-def]
    time.sleep(0.05)  # keeps the processes' turns interleaved
    sse_chat(handler, ["One", " short", " reply."])


def test_processes_appending_to_one_session_keep_every_turn(tmp_path: Path) -> None:
    with FaultServer([slow_reply]) as server:
        procs = [subprocess.Popen(
            [sys.executable, "-m", "sashell", "probe", "--base-url", server.base_url, "--model",
             "m", "--session", "shared", "-n", str(SAMPLES), "--json", f"writer {i}"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "OPENAI_API_KEY": ""}) for i in range(WRITERS)]
        outputs = [p.communicate(timeout=HANG_S) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    path = tmp_path / "sessions" / "shared.jsonl"
    loaded = load_session(path)
    numbers = [t["turn"] for t in loaded.turns]
    assert len(numbers) == WRITERS * SAMPLES and len(set(numbers)) == len(numbers)
    assert all(t["status"] == "complete" for t in loaded.turns)
    assert not loaded.problems and not loaded.notes
    assert sorted(t["probe"] for t in loaded.turns) == sorted(
        f"writer {i}" for i in range(WRITERS) for _ in range(SAMPLES))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sashell", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=HANG_S)

    listed = json.loads(cli("sessions", "--json").stdout)
    assert [s["turns"] for s in listed] == [WRITERS * SAMPLES]
    replayed = cli("replay", "--json", str(path)).stdout.splitlines()
    assert len(replayed) == WRITERS * SAMPLES
    exported = cli("export", str(path), "--format", "md", "-o", str(tmp_path / "s.md"))
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "s.md").read_text()
    assert all(f"writer {i}" in text for i in range(WRITERS))


def test_a_second_writer_is_told(tmp_path: Path) -> None:
    first = SessionWriter.create(tmp_path, "s")
    first.finish(first.begin({"probe": "p"}), {"probe": "p", "reply": "r",  # type: ignore[typeddict-item]
                                                "status": "complete"})
    code = ("import sys; from sashell.core.session import SessionWriter, load_session;"
            "w = SessionWriter.open_existing(load_session(sys.argv[1]));"
            "print(w.others_writing)")
    out = subprocess.run([sys.executable, "-c", code, str(first.path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "True"
    first.close()
    out = subprocess.run([sys.executable, "-c", code, str(first.path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_turns_numbered_alike_by_older_writers_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    lines = [{"type": "header", "schema": 1, "sashell": "0.1.0", "created": "x", "name": "l"}]
    for writer in ("a", "b"):  # two processes, both numbering from 1
        for turn in (1, 2):
            lines.append({"type": "turn_begin", "turn": turn, "probe": f"{writer}{turn}",
                          "conversation": f"{writer}{turn}", "created": f"t{writer}{turn}"})
    for writer in ("b", "a"):  # finishing in another order
        for turn in (1, 2):
            lines.append({"type": "turn", "turn": turn, "probe": f"{writer}{turn}",
                          "conversation": f"{writer}{turn}", "created": f"t{writer}{turn}",
                          "reply": "r", "status": "complete", "annotations": []})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    loaded = load_session(path)
    assert len(loaded.turns) == 4 and not loaded.problems
    assert {t["probe"] for t in loaded.turns} == {"a1", "a2", "b1", "b2"}
    assert all(t["status"] == "complete" for t in loaded.turns)
    assert loaded.notes
