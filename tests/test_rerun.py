"""`sashell replay FILE --against MODEL [--tier T]`: the re-run session names its source, each
turn names the turn it re-runs with the same messages, parameters and seed, and the totals are
the per-turn flags added up."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from helpers import run_cli
from sashell.core.annotate.compliance import UNJUDGED
from sashell.core.session import load_session

SESSION = Path(__file__).parent / "data" / "example-session.jsonl"


def test_against_round_trip(tmp_path: Path) -> None:
    before = SESSION.read_bytes()
    result = run_cli("replay", str(SESSION), "--against", "smollm2-tiergap", "--sessions-dir",
                     str(tmp_path / "sess"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert SESSION.read_bytes() == before
    new = load_session(report["session"])
    assert new.header["source"]["path"] == str(SESSION.resolve())
    assert new.header["source"]["against"] == "smollm2-tiergap"
    source_turns = {t["turn"]: t for t in load_session(SESSION).turns}
    assert len(new.turns) == len(source_turns) == len(report["turns"])
    for turn in new.turns:
        source = source_turns[turn["source_turn"]]
        assert turn["model"]["name"] == "smollm2-tiergap"
        assert turn["messages"] == source["messages"]  # same tier: the exact stored messages
        assert turn["params"] == source["params"]  # same parameters and seed
        assert turn["tier"] == source["tier"]
    # the totals are the per-turn flags, added up
    before_counts = Counter(f for row in report["turns"] for f in row["source_flags"])
    after_counts = Counter(f for row in report["turns"] for f in row["new_flags"])
    totals = report["totals"]
    assert totals["changed"] == sum(row["changed"] for row in report["turns"])
    for name, counts in totals["flags"].items():
        assert counts == {"source": before_counts[name], "new": after_counts[name]}
    assert set(totals["flags"]) == set(before_counts) | set(after_counts)
    for row in report["turns"]:
        assert row["changed"] == (row["source_flags"] != row["new_flags"])
        new_turn = next(t for t in new.turns if t["turn"] == row["new_turn"])
        labels = sorted(a["label"] for a in new_turn["annotations"] if a["kind"] == "compliance"
                        and a["label"] not in UNJUDGED)  # a question or no answer: no tally
        assert set(labels) <= set(row["new_flags"])


def test_against_another_tier_rerenders_the_context(tmp_path: Path) -> None:
    result = run_cli("replay", str(SESSION), "--against", "smollm2", "--tier", "paid",
                     "--sessions-dir", str(tmp_path / "sess"), "--json")
    assert result.returncode == 0, result.stderr
    new = load_session(json.loads(result.stdout)["session"])
    assert {t["tier"] for t in new.turns} == {"paid"}
    for turn in new.turns:
        user = turn["messages"][-1]["content"]
        if turn["context"]["name"] != "none":
            assert "<is_free_tier_user>False</is_free_tier_user>" in user
    printed = run_cli("replay", str(SESSION), "--against", "smollm2",
                      "--sessions-dir", str(tmp_path / "sess"))
    assert printed.returncode == 0 and "totals over 3 re-run turns" in printed.stdout
    bad = run_cli("replay", str(SESSION), "--tier", "paid")
    assert bad.returncode == 2 and "--against" in bad.stderr
    unknown = run_cli("replay", str(SESSION), "--against", "nope")
    assert unknown.returncode == 2 and "unknown model" in unknown.stderr
