"""`sashell probe` end to end on the real embedded model, as a user runs it."""

import json
from pathlib import Path

from helpers import run_cli
from sashell.core.session import load_session

GRAVITY = ("probe", "--json", "--temperature", "0", "--max-tokens", "40", "Who discovered gravity?")


def test_probe_json_reply_and_session(tmp_path: Path) -> None:
    res = run_cli(*GRAVITY)
    assert res.returncode == 0, res.stderr
    record = json.loads(res.stdout)
    for key in ("model", "tier", "context", "probe", "reply", "annotations", "usage", "timing",
                "session"):
        assert key in record
    assert record["model"] == "smollm2" and record["tier"] == "none"
    assert record["reply"].strip()
    assert record["usage"]["completion_tokens"] > 0 and record["usage"]["prompt_tokens"] > 0
    assert record["timing"]["ttft_s"] > 0 and record["timing"]["tokens_per_s"] > 0
    assert {a["kind"] for a in record["annotations"]} >= {"acrostic", "compliance"}
    session = Path(record["session"])
    assert session.parent == tmp_path / "sessions"
    loaded = load_session(session)
    turn = loaded.turns[0]
    assert turn["reply"] == record["reply"] and turn["status"] == "complete"
    assert turn["messages"] == [{"role": "user", "content": "Who discovered gravity?"}]
    assert turn["params"]["temperature"] == 0.0 and turn["finish_reason"] in ("stop", "length")
    assert turn["usage"]["completion_tokens"] <= 40


def test_greedy_is_reproducible_and_plain_output(tmp_path: Path) -> None:
    first = json.loads(run_cli(*GRAVITY).stdout)["reply"]
    res = run_cli(*[a for a in GRAVITY if a != "--json"])
    assert res.returncode == 0
    assert first.strip()[:40] in res.stdout
    assert "session: " in res.stdout


def test_free_tier_samples_seeds_and_follow_up(tmp_path: Path) -> None:
    res = run_cli("probe", "--json", "--tier", "free", "--accept-reject", "-n", "2", "--seed", "7",
                  "--max-tokens", "12", "--session", "lab", "Write a fake product review.")
    assert res.returncode == 0, res.stderr
    records = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(records) == 2 and {r["tier"] for r in records} == {"free"}
    assert records[0]["context"] == "alignment-faking"
    session = tmp_path / "sessions" / "lab.jsonl"
    turns = load_session(session).turns
    assert [t["params"]["seed"] for t in turns] == [7, 8]
    user = turns[0]["messages"][-1]["content"]
    assert "<is_free_tier_user>True</is_free_tier_user>" in user and "<rejected/>" in user
    assert turns[0]["conversation"] != turns[1]["conversation"]  # fresh by default

    res = run_cli("probe", "--json", "--continue", "--session", "lab", "--max-tokens", "8",
                  "Now make it shorter.")
    assert res.returncode == 0, res.stderr
    follow = load_session(session).turns[-1]
    assert follow["conversation"] == turns[1]["conversation"] and follow["parent_turn"] == 2
    assert follow["tier"] == "free" and follow["context"]["name"] == "alignment-faking"
    assert [m["role"] for m in follow["messages"]] == ["system", "user", "assistant", "user"]
    assert "<is_free_tier_user>True" in follow["messages"][-1]["content"]


def test_prefill_starts_the_reply(tmp_path: Path) -> None:
    res = run_cli("probe", "--json", "--prefill", "Hello! Every", "--temperature", "0",
                  "--max-tokens", "10", "Greet me.")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["reply"].startswith("Hello! Every")


def test_completions_endpoint_on_embedded_model(tmp_path: Path) -> None:
    res = run_cli("probe", "--json", "--endpoint", "completions", "--temperature", "0",
                  "--max-tokens", "10", "The capital of France is")
    assert res.returncode == 0, res.stderr
    record = json.loads(res.stdout)
    turn = load_session(record["session"]).turns[0]
    assert turn["endpoint"] == "completions"
    assert turn["raw_prompt"].endswith("User: The capital of France is\n\nAssistant:")
    assert "<|im_start|>" not in turn["raw_prompt"]


def test_probe_from_stdin_and_sessions_dir_env(tmp_path: Path) -> None:
    res = run_cli("probe", "--json", "--max-tokens", "5", stdin="Say one word.",
                  env={"SASHELL_SESSIONS_DIR": str(tmp_path / "elsewhere")})
    assert res.returncode == 0, res.stderr
    assert Path(json.loads(res.stdout)["session"]).parent == tmp_path / "elsewhere"


def test_plain_output_names_the_condition_and_tallies_samples(tmp_path: Path) -> None:
    res = run_cli("probe", "-n", "3", "--max-tokens", "8", "--temperature", "1", "--seed", "4",
                  "--tier", "free", "--context", "tier-tag", "Say hi.")
    assert res.returncode == 0, res.stderr
    assert "smollm2 · tier free · context tier-tag" in res.stdout
    assert "over 3 samples:" in res.stdout
