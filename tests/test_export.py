"""`sashell export`: golden Markdown and HTML, an Inspect AI log that inspect_ai reads back, and
chat JSONL that passes the fine-tuning format rules."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from helpers import run_cli
from sashell.core.finetune.datasets import check_dataset

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
SESSION = DATA / "example-session.jsonl"
UPDATE = os.environ.get("SASHELL_UPDATE_GOLDEN") == "1"  # regenerate after a deliberate change


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden_exports(tmp_path: Path, fmt: str) -> None:
    before = _digest(SESSION)
    out = tmp_path / f"example.{fmt}"
    result = run_cli("export", str(SESSION), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"example-session.{fmt}"
    if UPDATE:
        golden.write_text(out.read_text())
    assert out.read_text() == golden.read_text()
    assert _digest(SESSION) == before  # the session is never modified


def test_html_is_self_contained_and_escapes_model_output(tmp_path: Path) -> None:
    session = tmp_path / "s.jsonl"
    lines = SESSION.read_text().splitlines()
    turn = json.loads(lines[-1])
    turn["reply"] = "<script>alert(1)</script>\n[bold red]x[/]\n\x1b[2J<img src=http://x/a.png>"
    session.write_text("\n".join([*lines[:-1], json.dumps(turn)]) + "\n")
    out = tmp_path / "s.html"
    assert run_cli("export", str(session), "-f", "html", "-o", str(out)).returncode == 0
    text = out.read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
    shown = re.sub(r"<[^>]+>", "", text)  # what a browser displays
    assert "<img" not in text and "[bold red]x[/]" in shown and "\x1b" not in text
    assert "<link" not in text and "src=" not in text.replace("src=http://x", "")


def test_inspect_log_reads_back_one_sample_per_turn(tmp_path: Path) -> None:
    from inspect_ai.log import read_eval_log

    out = tmp_path / "example.eval"
    result = run_cli("export", str(SESSION), "--format", "inspect", "-o", str(out))
    assert result.returncode == 0, result.stderr
    log = read_eval_log(str(out))
    turns = [json.loads(line) for line in SESSION.read_text().splitlines()
             if json.loads(line).get("type") == "turn"]
    assert log.status == "success" and log.samples is not None
    assert len(log.samples) == len(turns)
    for sample, turn in zip(log.samples, turns, strict=True):
        assert sample.output.completion == turn["reply"]
        label = next(a["label"] for a in turn["annotations"] if a["kind"] == "compliance")
        assert sample.scores is not None and sample.scores["compliance"].value == label
    bad = run_cli("export", str(SESSION), "--format", "inspect", "-o", str(tmp_path / "x.log"))
    assert bad.returncode == 2 and "*.eval or *.json" in bad.stderr


def test_chat_jsonl_passes_the_fine_tuning_rules(tmp_path: Path) -> None:
    out = tmp_path / "example.chat.jsonl"
    result = run_cli("export", str(SESSION), "--format", "jsonl", "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = check_dataset(out)
    assert report.problems == [] and len(report.examples) == 3
    checked = run_cli("dataset", "check", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_export_refuses_to_overwrite_the_session(tmp_path: Path) -> None:
    copy = tmp_path / "s.jsonl"
    copy.write_text(SESSION.read_text())
    result = run_cli("export", str(copy), "-f", "jsonl", "-o", str(copy))
    assert result.returncode == 2 and "overwrite" in result.stderr


def test_compare_groups_stay_together_in_exports() -> None:
    from sashell.present.render import grouped_turns

    turns = [{"turn": 1, "group": "a"}, {"turn": 2, "group": None}, {"turn": 3, "group": "a"},
             {"turn": 4, "group": "b"}, {"turn": 5}, {"turn": 6, "group": "b"}]
    assert [t["turn"] for t in grouped_turns(turns)] == [1, 3, 2, 4, 6, 5]
