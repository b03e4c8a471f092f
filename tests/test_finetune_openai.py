"""`sashell finetune --provider openai`: validate, upload, create the job, follow it, register the
`ft:` model; --resume; failures in one line. The real openai SDK talks to a local stand-in."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from finetune_server import FineTuneServer
from helpers import run_cli
from sashell.core.paths import builtin_prompts_dir
from sashell.core.registry import load_registry

DATASET = builtin_prompts_dir() / "datasets" / "hello.jsonl"
KEY = "sk-test-secret-value"


def _finetune(server: FineTuneServer, *extra: str) -> object:
    return run_cli("finetune", str(DATASET), "--provider", "openai", "--base",
                   "gpt-4o-2024-08-06", "--name", "gpt4o-hello", "--base-url", server.base_url,
                   "--poll", "0.05", "--epochs", "3", *extra, env={"OPENAI_API_KEY": KEY})


def test_job_is_created_followed_and_registered(tmp_path: Path) -> None:
    with FineTuneServer() as server:
        result = _finetune(server)
        assert result.returncode == 0, result.stderr
        assert server.files["file-1"] == DATASET.read_bytes()  # the dataset, uploaded as is
        job = server.jobs["ftjob-1"]
        assert job["model"] == "gpt-4o-2024-08-06" and job["hyperparameters"] == {"n_epochs": 3}
        assert all(a == f"Bearer {KEY}" for a in server.auth)
    assert "Step 3/3" in result.stdout and "succeeded" in result.stdout
    registry = load_registry()
    tune = registry.get("gpt4o-hello")
    assert tune.model == "ft:gpt-4o-2024-08-06:org-test:gpt4o-hello:abc123"
    assert tune.base == "gpt-4o-2024-08-06" and tune.provider == "openai"
    assert registry.get("gpt-4o-2024-08-06").base_url == server.base_url
    assert [m.name for m in registry.fine_tunes_of("gpt-4o-2024-08-06")] == ["gpt4o-hello"]
    toml = (tmp_path / "sashell.toml").read_text()
    tomllib.loads(toml)
    assert KEY not in toml  # the key is never written
    for root, _, files in os.walk(tmp_path):
        for name in files:
            assert KEY.encode() not in (Path(root) / name).read_bytes()


def test_resume_follows_an_existing_job(tmp_path: Path) -> None:
    with FineTuneServer() as server:
        first = _finetune(server, "--no-register")
        assert first.returncode == 0, first.stderr
        resumed = run_cli("finetune", "--provider", "openai", "--base", "gpt-4o-2024-08-06",
                          "--name", "again", "--base-url", server.base_url, "--poll", "0.05",
                          "--resume", "ftjob-1", env={"OPENAI_API_KEY": KEY})
        assert resumed.returncode == 0, resumed.stderr
        assert len(server.files) == 1 and len(server.jobs) == 1  # nothing uploaded or created again
        assert load_registry().get("again").model.startswith("ft:gpt-4o-2024-08-06")
        missing = run_cli("finetune", "--provider", "openai", "--base", "gpt-4o-2024-08-06",
                          "--name", "x", "--base-url", server.base_url, "--resume", "ftjob-9",
                          env={"OPENAI_API_KEY": KEY})
        assert missing.returncode == 2 and "no fine-tuning job ftjob-9" in missing.stderr


def test_failures_are_one_line(tmp_path: Path) -> None:
    with FineTuneServer(fail_with="line 3 has no assistant message") as server:
        failed = _finetune(server)
        assert failed.returncode == 2
        assert "job ftjob-1 failed: line 3 has no assistant message" in failed.stderr
        assert not (tmp_path / "sashell.toml").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    with FineTuneServer() as server:
        result = run_cli("finetune", str(bad), "--provider", "openai", "--base", "gpt-4o",
                         "--name", "n", "--base-url", server.base_url, env={"OPENAI_API_KEY": KEY})
        assert result.returncode == 2 and "last message must be the assistant's" in result.stderr
        assert not server.files  # nothing uploaded
    no_key = run_cli("finetune", str(DATASET), "--provider", "openai", "--base", "gpt-4o",
                     "--name", "n", env={"OPENAI_API_KEY": ""})
    assert no_key.returncode == 2 and "needs an API key in $OPENAI_API_KEY" in no_key.stderr
    for result in (failed, no_key):
        assert len(result.stderr.strip().splitlines()) == 1


def test_cancellation(tmp_path: Path) -> None:
    with FineTuneServer(cancel_at_step=2) as server:  # cancelled elsewhere while it runs
        result = _finetune(server)
        assert result.returncode == 2 and "job ftjob-1 cancelled" in result.stderr
        assert not (tmp_path / "sashell.toml").exists()
    with FineTuneServer() as server:  # cancelled from sashell
        server.create({"model": "gpt-4o", "training_file": "file-x"})  # rejected: no such file
        server.files["file-1"] = b"{}"
        status, job = server.create({"model": "gpt-4o", "training_file": "file-1"})
        assert status == 200
        cancel = run_cli("finetune", "--provider", "openai", "--base", "gpt-4o", "--name", "n",
                         "--base-url", server.base_url, "--cancel", job["id"],
                         env={"OPENAI_API_KEY": KEY})
        assert cancel.returncode == 0 and "cancelled" in cancel.stdout
        assert server.jobs[job["id"]]["status"] == "cancelled"
        follow = run_cli("finetune", "--provider", "openai", "--base", "gpt-4o", "--name", "n",
                         "--base-url", server.base_url, "--resume", job["id"], "--poll", "0.05",
                         env={"OPENAI_API_KEY": KEY})
        assert follow.returncode == 2 and f"job {job['id']} cancelled" in follow.stderr
