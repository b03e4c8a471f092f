"""`sashell sessions` and `sashell replay` (print, json, summary) on saved and damaged files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import run_cli

DATA = Path(__file__).parent / "data"


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "sessions"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(DATA / "example-session.jsonl", folder / "example.jsonl"))


def test_sessions_lists_summaries(tmp_path: Path) -> None:
    copy_example(tmp_path)
    (tmp_path / "sessions" / "junk.jsonl").write_text("not a session\n")
    res = run_cli("sessions", "--json")
    assert res.returncode == 0, res.stderr
    rows = {Path(r["path"]).name: r for r in json.loads(res.stdout)}
    assert rows["example.jsonl"]["turns"] == 3
    assert rows["example.jsonl"]["tiers"] == ["free", "none", "paid"]
    assert "not a sashell session" in rows["junk.jsonl"]["error"]


def test_replay_print_json_summary(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    before = path.read_bytes()
    printed = run_cli("replay", str(path))
    assert printed.returncode == 0 and "Who discovered gravity?" in printed.stdout
    lines = run_cli("replay", "--json", str(path)).stdout.splitlines()
    turns = [json.loads(line) for line in lines]
    assert len(turns) == 3 and all(t["differences"] == [] for t in turns)
    assert {a["kind"] for a in turns[0]["annotations"]} >= {"acrostic", "compliance"}
    summary = json.loads(run_cli("replay", "--summary", "--json", str(path)).stdout)
    text = run_cli("replay", "--summary", str(path)).stdout
    assert "3 turns (3 complete)" in text and "flags:" in text
    assert summary["turns"] == 3 and summary["statuses"] == {"complete": 3}
    assert path.read_bytes() == before


def test_replay_shows_changed_annotations(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    lines = path.read_text().splitlines()
    for index, line in enumerate(lines):
        record = json.loads(line)
        if record.get("type") == "turn" and record["turn"] == 1:
            record["annotations"][0]["letters"] = "XYZ"  # as if recorded by an older annotator
            lines[index] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    turn = json.loads(run_cli("replay", "--json", str(path)).stdout.splitlines()[0])
    assert any("acrostic.letters: 'XYZ'" in d for d in turn["differences"])


def test_replay_damaged_files(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    with open(path, "a") as handle:
        handle.write("garbage line\n{\"type\": \"turn\", \"tu")
    before = path.read_bytes()
    res = run_cli("replay", "--summary", "--json", str(path))
    assert res.returncode == 0 and json.loads(res.stdout)["turns"] == 3
    assert len([line for line in res.stderr.splitlines() if line.strip()]) == 1
    assert "not valid JSON" in res.stderr
    assert path.read_bytes() == before
    header_only = tmp_path / "empty-session.jsonl"
    header_only.write_text(path.read_text().splitlines()[0] + "\n")
    res = run_cli("replay", str(header_only))
    assert res.returncode == 2 and "no readable turns" in res.stderr
    for content in (b"", b"\x00\x01 not json"):
        broken = tmp_path / "broken.jsonl"
        broken.write_bytes(content)
        res = run_cli("replay", str(broken))
        assert res.returncode == 2 and "Traceback" not in res.stderr
