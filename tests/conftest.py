"""Shared fixtures: an isolated environment per test, the real model, real servers on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import free_port, wait_for_http
from sashell.core.models import embedded_gguf_path

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sashell-cache")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache_dir: Path) -> Path:
    """Each test runs in its own directory with its own config and sessions."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SASHELL_CACHE_DIR", str(shared_cache_dir))
    monkeypatch.delenv("SASHELL_SESSIONS_DIR", raising=False)
    monkeypatch.delenv("SASHELL_PROMPTS_DIR", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def gguf() -> str:
    return str(embedded_gguf_path())


def _serve(gguf: str, log: Path, *options: str) -> Iterator[str]:
    port = free_port()
    with open(log, "wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", *options],
            stdout=handle, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(f"{base_url}/models", proc)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def llama_server(gguf: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on loopback, serving the embedded GGUF."""
    yield from _serve(gguf, tmp_path_factory.mktemp("server") / "server.log")


@pytest.fixture(scope="session")
def llama_server_flash(gguf: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same server computing attention as the lens's scoring context does (flash
    attention), so its top-k numbers and the lens's exact ones share one arithmetic."""
    yield from _serve(gguf, tmp_path_factory.mktemp("server") / "server.log",
                      "--flash_attn", "true")


SCRIPTED_MODELS = """
[models.scripted]
provider = "scripted"
model = "scripted"
description = "scripted replies (tests)"

[models.scripted-tune]
provider = "scripted"
model = "scripted-tune"
base = "scripted"
description = "a scripted fine-tune (tests)"
"""


@pytest.fixture
def scripted(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The in-process scripted provider, and models `scripted` and `scripted-tune` using it."""
    from sashell.core import providers
    from scripted_provider import ScriptedProvider

    monkeypatch.setitem(providers.PROVIDERS, "scripted", "scripted_provider:ScriptedProvider")
    monkeypatch.setattr(ScriptedProvider, "requests", [])
    toml = isolated_env / "sashell.toml"
    toml.write_text((toml.read_text() if toml.exists() else "") + SCRIPTED_MODELS)
    return toml
