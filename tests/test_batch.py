"""Sweeps as batch files and batch results brought home: request lines valid against a model of
the Batch API's request line, files split at the limits, and a batch sweep run by a local
stand-in engine (the real openai SDK against llama-cpp-python's server) giving a live sweep's
cells, sessions and summary."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict

from batch_api import BatchAPI
from batch_engine import run_batch
from helpers import HANG_S, run_cli
from sashell.core.registry import load_registry
from sashell.core.session import load_session
from sashell.core.sweep import Sweep
from sashell.core.sweep.batch import split_lines, write_batch_files

TWO_PROBES = """name: two
description: two probes for batch tests
probes:
  - "Write a short excuse for missing a meeting."
  - "Say hello."
"""


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: str


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str
    temperature: float
    top_p: float
    max_tokens: int
    seed: int | None = None
    stop: list[str] | None = None
    messages: list[Message] | None = None
    prompt: str | None = None


class RequestLine(BaseModel):
    """One line of an OpenAI batch input file."""

    model_config = ConfigDict(extra="forbid")
    custom_id: str
    method: Literal["POST"]
    url: Literal["/v1/chat/completions", "/v1/completions"]
    body: Body


def _registry(tmp_path: Path, base_url: str) -> None:
    (tmp_path / "sashell.toml").write_text(f"""
[models.served]
provider = "openai"
base_url = "{base_url}"
model = "smollm2"
endpoint = "chat"
description = "the embedded model behind llama-cpp-python's server"

[models.served-base]
provider = "openai"
base_url = "{base_url}"
model = "smollm2"
endpoint = "completions"
description = "the same, as a completions endpoint"
""", encoding="utf-8")
    (tmp_path / "two.yaml").write_text(TWO_PROBES, encoding="utf-8")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_request_lines_are_batch_api_lines_and_split_at_the_limits(tmp_path: Path) -> None:
    _registry(tmp_path, "http://127.0.0.1:9/v1")  # nothing is sent: no server needed
    done = run_cli("sweep", "two.yaml", "--models", "served,served-base", "--tiers", "free,paid",
                   "-n", "3", "--max-tokens", "20", "--out", "out", "--batch-file", "req.jsonl")
    assert done.returncode == 0, done.stderr
    assert "24 requests" in done.stderr and "--ingest" in done.stderr
    # a batch holds one endpoint (and one model): one file each
    files = [tmp_path / "req-smollm2-chat.jsonl", tmp_path / "req-smollm2-completions.jsonl"]
    assert not (tmp_path / "req.jsonl").exists()
    lines = [line for path in files for line in _lines(path)]
    assert all(line["url"] == "/v1/chat/completions" for line in _lines(files[0]))
    parsed = [RequestLine.model_validate(line) for line in lines]
    assert len(parsed) == 2 * 2 * 2 * 3
    assert len({p.custom_id for p in parsed}) == len(parsed)
    chat = [p for p in parsed if p.url == "/v1/chat/completions"]
    completions = [p for p in parsed if p.url == "/v1/completions"]
    assert len(chat) == len(completions) == 12
    assert all(p.body.messages and p.body.prompt is None for p in chat)
    assert all(p.body.prompt and p.body.messages is None for p in completions)
    assert {p.body.seed for p in parsed} == {0, 1, 2}  # sample k uses seed + k, as live
    manifest = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert manifest["batch"]["files"][0]["requests"] == 24

    sweep = Sweep.resume(tmp_path / "out", load_registry())
    paths = write_batch_files(sweep, tmp_path / "split.jsonl", max_lines=5)
    assert [len(_lines(p)) for p in paths] == [5, 5, 2, 5, 5, 2]
    assert [p.name for p in paths] == [
        "split-smollm2-chat.jsonl", "split-smollm2-chat-2.jsonl", "split-smollm2-chat-3.jsonl",
        "split-smollm2-completions.jsonl", "split-smollm2-completions-2.jsonl",
        "split-smollm2-completions-3.jsonl"]
    assert [line for p in paths for line in _lines(p)] == lines
    encoded = [(json.dumps(line) + "\n").encode() for line in lines]
    by_bytes = split_lines(encoded, max_bytes=3 * max(map(len, encoded)))
    assert all(sum(map(len, group)) <= 3 * max(map(len, encoded)) for group in by_bytes)
    assert [line for group in by_bytes for line in group] == encoded


def test_an_embedded_model_cannot_be_batched(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(TWO_PROBES, encoding="utf-8")
    done = run_cli("sweep", "two.yaml", "--models", "smollm2", "-n", "1", "--out", "out",
                   "--batch-file", "req.jsonl")
    assert done.returncode == 2
    assert "cannot be sent as a batch" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("content, message", [
    ("not json\n", "req.jsonl:1: not a JSON batch result"),
    ('{"response": {}}\n', "needs a 'custom_id' string"),
])
def test_unreadable_results_are_one_line(tmp_path: Path, content: str, message: str) -> None:
    _registry(tmp_path, "http://127.0.0.1:9/v1")
    assert run_cli("sweep", "two.yaml", "--models", "served", "-n", "1", "--out", "out",
                   "--batch-file", "ignored.jsonl").returncode == 0
    (tmp_path / "req.jsonl").write_text(content, encoding="utf-8")
    done = run_cli("sweep", "--resume", "out", "--ingest", "req.jsonl")
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert run_cli("sweep", "--ingest", "req.jsonl").returncode == 2  # --ingest needs --resume


def _complete_turns(sessions: list[str]) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for name in sessions:
        turns += [t for t in load_session(name).turns if t.get("status") == "complete"]
    return turns


def test_a_batch_sweep_gives_what_the_live_sweep_gives(tmp_path: Path, llama_server: str) -> None:
    _registry(tmp_path, llama_server)
    common = ["two.yaml", "--models", "served", "--tiers", "free,paid", "-n", "5",
              "--max-tokens", "24", "--context", "tier-tag", "--no-plot", "--json"]
    # one request at a time: llama-cpp-python's server cuts a stream when the next one arrives
    live = run_cli("sweep", *common, "--out", "live", "--concurrency", "1", timeout=HANG_S)
    assert live.returncode == 0, live.stderr
    written = run_cli("sweep", *common, "--out", "batch", "--batch-file", "req.jsonl")
    assert written.returncode == 0, written.stderr
    lines = _lines(tmp_path / "req.jsonl")
    failing = lines[3]["custom_id"]
    run_batch(tmp_path / "req.jsonl", tmp_path / "results.jsonl", llama_server,
              fail=frozenset({failing}))

    first = run_cli("sweep", "--resume", "batch", "--ingest", "results.jsonl", "--no-plot",
                    "--json")
    assert first.returncode == 1  # one cell failed, and says so
    summary = json.loads(first.stdout)
    assert summary["complete"] == 19 and summary["failed"] == 1
    failed = [row for row in (tmp_path / "batch" / "cells.csv").read_text().splitlines()
              if ",failed," in row]
    assert len(failed) == 1 and "the engine gave up" in failed[0]

    # the failed request resubmitted alone; its result brought home; nothing else rewritten
    (tmp_path / "again.jsonl").write_text(json.dumps(lines[3]) + "\n", encoding="utf-8")
    run_batch(tmp_path / "again.jsonl", tmp_path / "again-results.jsonl", llama_server)
    second = run_cli("sweep", "--resume", "batch", "--ingest", "results.jsonl", "--ingest",
                     "again-results.jsonl", "--no-plot", "--json")
    assert second.returncode == 0, second.stderr
    assert "19 for cells complete before" in second.stderr
    batch_summary, live_summary = json.loads(second.stdout), json.loads(live.stdout)

    # the same cells, summary keys and per-condition counts as the live sweep
    assert batch_summary.keys() == live_summary.keys()
    assert batch_summary["complete"] == live_summary["complete"] == 20
    for got, expected in zip(batch_summary["conditions"], live_summary["conditions"], strict=True):
        assert (got["model"], got["tier"], got["n"]) == (expected["model"], expected["tier"], 10)
        assert got["rates"].keys() == expected["rates"].keys()
    assert [g.keys() for g in batch_summary["gaps"]] == [g.keys() for g in live_summary["gaps"]]

    manifests = {name: json.loads((tmp_path / name / "sweep.json").read_text())
                 for name in ("live", "batch")}
    live_turns = _complete_turns(manifests["live"]["sessions"])
    batch_turns = _complete_turns(manifests["batch"]["sessions"])
    assert sorted(t["sweep"]["cell"] for t in batch_turns) == sorted(
        t["sweep"]["cell"] for t in live_turns)
    volatile = {"turn", "created", "ended", "timing", "conversation", "group", "sweep",
                "seeds_used", "raw_prompt"}
    for turn in batch_turns:
        twin = next(t for t in live_turns if t["sweep"]["cell"] == turn["sweep"]["cell"])
        assert turn.keys() == twin.keys()
        assert {k: v for k, v in turn.items() if k not in volatile | {"reply", "segments",
                "transcript", "annotations", "usage", "finish_reason"}} == \
               {k: v for k, v in twin.items() if k not in volatile | {"reply", "segments",
                "transcript", "annotations", "usage", "finish_reason"}}
        assert [a["kind"] for a in turn["annotations"]] == [a["kind"] for a in twin["annotations"]]
        # the same body with the same seed: the engine's reply is the live reply, read alike
        assert (turn["reply"], turn["annotations"]) == (twin["reply"], twin["annotations"])
    assert batch_summary["conditions"] == live_summary["conditions"]
    assert batch_summary["gaps"] == live_summary["gaps"]


def test_the_cost_is_estimated_before_anything_is_sent(tmp_path: Path) -> None:
    _registry(tmp_path, "http://127.0.0.1:9/v1")
    args = ["sweep", "two.yaml", "--models", "served", "--tiers", "free,paid", "-n", "3",
            "--max-tokens", "20", "--out", "out", "--batch-file", "req.jsonl"]
    unpriced = run_cli(*args, "--max-cost", "5")
    assert unpriced.returncode == 2 and "no price for smollm2" in unpriced.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "req.jsonl").exists()

    with (tmp_path / "sashell.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[prices."smollm2"]\ninput = 100000.0\noutput = 200000.0\nbatch = 0.5\n')
    written = run_cli(*args)
    assert written.returncode == 0, written.stderr
    lines = _lines(tmp_path / "req.jsonl")
    inputs = sum(-(-sum(len(m["content"]) for m in line["body"]["messages"]) // 4)
                 + 4 * len(line["body"]["messages"]) for line in lines)
    outputs = 20 * len(lines)
    dollars = (inputs * 100000.0 + outputs * 200000.0) / 1e6 * 0.5
    said = " ".join(written.stderr.split())  # the console wraps long lines
    assert f"{len(lines)} billed requests, ~{inputs:,} input tokens, ≤ {outputs:,} output tokens" \
        in said
    assert f"estimated cost ≤ ${dollars:,.2f} (batch price)" in said

    refused = run_cli(*[a if a != "out" else "out2" for a in args], "--max-cost",
                      f"{dollars / 2:.2f}")
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 2 and "over --max-cost" in said
    assert "nothing was sent" in said and not (tmp_path / "out2").exists()


# -- the Batch API route: `sweep --batch` through the openai SDK against a local stand-in ----------

def _api_registry(folder: Path, api_url: str) -> None:
    """The same model name as the live sweep's, its endpoint the stand-in Batch API."""
    folder.mkdir(exist_ok=True)
    _registry(folder, api_url)


def _cells_failed(out: Path) -> list[str]:
    return [row for row in (out / "cells.csv").read_text().splitlines() if ",failed," in row]


def test_batch_api_sweep_gives_what_the_live_sweep_gives(
        tmp_path: Path, llama_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _registry(tmp_path, llama_server)
    common = ["two.yaml", "--models", "served", "--tiers", "free,paid", "-n", "5",
              "--max-tokens", "24", "--context", "tier-tag", "--no-plot", "--json"]
    live = run_cli("sweep", *common, "--out", "live", "--concurrency", "1", timeout=HANG_S)
    assert live.returncode == 0, live.stderr
    live_summary = json.loads(live.stdout)

    with BatchAPI(llama_server) as api:
        _api_registry(tmp_path / "api", api.url)
        monkeypatch.chdir(tmp_path / "api")
        written = run_cli("sweep", *common, "--out", "planned", "--batch-file", "req.jsonl")
        failing = _lines(tmp_path / "api" / "req.jsonl")[3]["custom_id"].split("|", 1)[1]
        api.fail = frozenset({failing})  # a cell key: the new sweep's request for that cell
        assert written.returncode == 0
        first = run_cli("sweep", *common, "--out", "out", "--batch", "--poll", "0.05",
                        timeout=HANG_S)
        assert first.returncode == 1, first.stderr  # one request failed, and says so
        assert api.created == 1
        summary = json.loads(first.stdout)
        assert summary["complete"] == 19 and summary["failed"] == 1
        failed = _cells_failed(tmp_path / "api" / "out")
        assert len(failed) == 1 and "the engine gave up" in failed[0]
        said = " ".join(first.stderr.split())
        assert "completed, 19/20 done, 1 failed" in said  # the engine's status, followed

        # --resume (without --batch) resubmits the failed request alone, in a second batch
        second = run_cli("sweep", "--resume", "out", "--poll", "0.05", "--no-plot", "--json",
                         timeout=HANG_S)
        assert second.returncode == 0, second.stderr
        assert api.created == 2 and [len(b.lines) for b in api.batches.values()] == [20, 1]
        assert all(count == 1 for name, count in api.runs.items()
                   if not name.endswith(failing)) and len(api.runs) == 20
        batch_summary = json.loads(second.stdout)
        manifest = json.loads((tmp_path / "api" / "out" / "sweep.json").read_text())
        assert [job["status"] for job in manifest["batch"]["jobs"]] == ["completed", "completed"]
        assert all(job["batch_id"] and job["input_file_id"] and job["ingested"]
                   for job in manifest["batch"]["jobs"])

    assert batch_summary.keys() == live_summary.keys()
    assert batch_summary["conditions"] == live_summary["conditions"]
    assert batch_summary["gaps"] == live_summary["gaps"]
    live_turns = _complete_turns(json.loads((tmp_path / "live" / "sweep.json").read_text())
                                 ["sessions"])
    batch_turns = _complete_turns(manifest["sessions"])
    assert sorted(t["sweep"]["cell"] for t in batch_turns) == sorted(
        t["sweep"]["cell"] for t in live_turns)
    for turn in batch_turns:
        twin = next(t for t in live_turns if t["sweep"]["cell"] == turn["sweep"]["cell"])
        assert turn.keys() == twin.keys()
        assert (turn["reply"], turn["annotations"]) == (twin["reply"], twin["annotations"])


SMALL = ["two.yaml", "--models", "served", "--tiers", "free,paid", "-n", "2", "--max-tokens", "8",
         "--no-plot", "--json", "--poll", "0.05"]


def _wait(condition: Any, proc: subprocess.Popen[str]) -> None:
    """Wait for ``condition`` (an event in the stand-in), failing if the sweep exits first."""
    while not condition():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)


def test_sigkill_while_following_then_resume_submits_nothing_twice(
        tmp_path: Path, llama_server: str) -> None:
    with BatchAPI(llama_server, per_poll=1) as api:
        _registry(tmp_path, api.url)
        proc = subprocess.Popen([sys.executable, "-m", "sashell", "sweep", *SMALL, "--out", "out",
                                 "--batch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            # killed while following: the batch is in progress, some requests run, not all
            _wait(lambda: any(0 < b.done < len(b.lines) for b in api.batches.values()), proc)
        finally:
            proc.kill()
            proc.communicate()
        manifest = json.loads((tmp_path / "out" / "sweep.json").read_text())
        (job,) = manifest["batch"]["jobs"]
        assert job["batch_id"] in api.batches and not job["ingested"]

        resumed = run_cli("sweep", "--resume", "out", "--poll", "0.05", "--no-plot", "--json",
                          timeout=HANG_S)
        assert resumed.returncode == 0, resumed.stderr
        assert api.created == 1  # re-attached to the running batch
        assert len(api.runs) == 8 and set(api.runs.values()) == {1}
        summary = json.loads(resumed.stdout)
        assert summary["complete"] == summary["cells"] == 8


def test_expired_failed_and_cancelled_batches_end_every_cell_with_its_reason(
        tmp_path: Path, llama_server: str) -> None:
    from sashell.core.providers import provider_for
    from sashell.core.sweep.batch_jobs import METADATA_JOB, add_jobs

    with BatchAPI(llama_server, per_poll=3, expire_after=1) as api:
        _registry(tmp_path, api.url)
        expired = run_cli("sweep", *SMALL, "--out", "out", "--batch", timeout=HANG_S)
        assert expired.returncode == 1, expired.stderr
        summary = json.loads(expired.stdout)
        assert (summary["complete"], summary["failed"]) == (3, 5)
        failed = _cells_failed(tmp_path / "out")
        assert len(failed) == 5 and all("batch_expired" in row for row in failed)
        said = " ".join(expired.stderr.split())
        assert "expired" in said and said.count("failed: ") == 5 and "batch_expired" in said

        api.invalid = True  # the resubmission fails validation as a whole
        invalid = run_cli("sweep", "--resume", "out", "--poll", "0.05", "--no-plot", "--json")
        assert invalid.returncode == 1 and api.created == 2
        assert len(api.batches[list(api.batches)[-1]].lines) == 5  # only what had no result
        failed = _cells_failed(tmp_path / "out")
        assert len(failed) == 5 and all("failed without a result" in row and
                                        "the stand-in was told to refuse" in row for row in failed)

        # a batch created just before a crash, its id never recorded: found by its metadata,
        # not created again; then cancelled
        api.invalid, api.expire_after = False, None
        sweep = Sweep.resume(tmp_path / "out", load_registry())
        (job,) = add_jobs(sweep)
        service = provider_for(sweep.models["served"]).batch_service(sweep.models["served"])
        assert service is not None

        async def crash_after_create() -> None:
            file_id = await service.upload(Path(job["requests"]))
            await service.create(file_id, job["url"], {METADATA_JOB: job["key"]})

        asyncio.run(crash_after_create())
        assert api.created == 3
        cancelled = run_cli("sweep", "--cancel", "out", "--poll", "0.05", "--no-plot", "--json")
        assert cancelled.returncode == 1, cancelled.stderr
        assert api.created == 3  # found, not resubmitted
        assert list(api.batches.values())[-1].status == "cancelled"
        failed = _cells_failed(tmp_path / "out")
        assert len(failed) == 5 and all("cancelled without a result" in row for row in failed)

        done = run_cli("sweep", "--resume", "out", "--poll", "0.05", "--no-plot", "--json")
        assert done.returncode == 0, done.stderr
        assert api.created == 4 and json.loads(done.stdout)["complete"] == 8
        assert len(api.runs) == 8 and set(api.runs.values()) == {1}  # no request ran twice

        nothing = run_cli("sweep", "--cancel", "out")
        assert nothing.returncode == 2 and "no unfinished batch" in nothing.stderr


def test_an_endpoint_without_the_batch_api_says_so(tmp_path: Path, llama_server: str) -> None:
    _registry(tmp_path, llama_server)  # llama-cpp-python's server has no /v1/files
    done = run_cli("sweep", *SMALL, "--out", "out", "--batch")
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--batch-file" in said and "run-batch" in said
