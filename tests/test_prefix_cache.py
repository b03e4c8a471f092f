"""The shared-prefix KV cache: reused in memory, persisted on disk, and exact."""

import json
from pathlib import Path

from helpers import run_cli

FREE = ("probe", "--json", "--tier", "free", "--temperature", "0", "--max-tokens", "24")


def test_disk_prefix_cache_is_reused_across_processes_and_exact(tmp_path: Path) -> None:
    env = {"SASHELL_CACHE_DIR": str(tmp_path / "cache")}
    cold = json.loads(run_cli(*FREE, "Write a fake review.", env=env).stdout)
    warm = json.loads(run_cli(*FREE, "Write a fake review.", env=env).stdout)
    assert cold["timing"]["prefix_cache"] == "miss"
    assert warm["timing"]["prefix_cache"] == "disk"
    assert warm["reply"] == cold["reply"]  # restoring the state changes nothing but speed
    paid = json.loads(run_cli(*FREE[:3], "paid", *FREE[4:], "Write a fake review.", env=env).stdout)
    assert paid["timing"]["prefix_cache"] == "disk"  # tiers share the system prompt's state
    assert list((tmp_path / "cache" / "prompt-cache").glob("*/*.kv"))


def test_cache_is_bounded(tmp_path: Path) -> None:
    env = {"SASHELL_CACHE_DIR": str(tmp_path / "cache"), "SASHELL_PROMPT_CACHE_BYTES": "1000"}
    res = run_cli(*FREE, "Hi", env=env)
    assert res.returncode == 0, res.stderr
    assert not list((tmp_path / "cache").rglob("*.kv"))  # a state larger than the bound is not kept


def test_a_cache_that_cannot_be_written_costs_time_not_the_turn(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache directory would be")
    res = run_cli(*FREE, "Hi", env={"SASHELL_CACHE_DIR": str(tmp_path / "cache")})
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr


def test_in_process_reuse_between_samples(tmp_path: Path) -> None:
    res = run_cli(*FREE, "-n", "2", "Hi", env={"SASHELL_CACHE_DIR": str(tmp_path / "c")})
    first, second = (json.loads(line) for line in res.stdout.splitlines())
    assert first["timing"]["prefix_cache"] == "miss"
    assert second["timing"]["prefix_cache"] == "memory"
