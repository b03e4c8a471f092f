"""Bad input: one line on stderr, exit status 2, no traceback, nothing saved lost."""

import json
from pathlib import Path

import pytest

from helpers import run_cli
from sashell.core.session import SessionWriter


def assert_one_line_error(res, needle: str) -> None:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and needle in lines[0]


@pytest.mark.parametrize("args, needle", [
    (("--model", "no-such-model", "hi"), "unknown model 'no-such-model'"),
    (("--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi"), "cannot reach"),
    (("--tier", "gold", "hi"), "invalid choice: 'gold'"),
    (("--context", "missing", "hi"), "unknown context 'missing'"),
    (("--system-file", "/no/such/file", "hi"), "system prompt file not found"),
    (("--base-url", "ftp://x", "--model", "m", "hi"), "must start with http"),
    (("-n", "0", "hi"), "-n must be from 1 to 10,000"),
    (("--top-p", "1.5", "hi"), "top-p must be in (0, 1]"),
    (("--continue", "hi"), "--continue needs an existing session"),
])
def test_probe_bad_input(args: tuple[str, ...], needle: str) -> None:
    assert_one_line_error(run_cli("probe", *args), needle)


def test_malformed_toml(tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text("[models.x\nmodel = 1\n")
    assert_one_line_error(run_cli("probe", "hi"), "malformed TOML")
    assert_one_line_error(run_cli("models"), "malformed TOML")


@pytest.mark.parametrize("content, needle", [
    ("torn", "damaged session"),
    ("garbage", "not a sashell session"),
    ("binary", "not a sashell session"),
    ("empty", "empty file"),
])
def test_damaged_session_is_refused_and_untouched(tmp_path: Path, content: str, needle: str) -> None:
    directory = tmp_path / "sessions"
    if content == "torn":
        writer = SessionWriter.create(directory, "s")
        turn = writer.begin({"probe": "p"})  # type: ignore[typeddict-item]
        writer.finish(turn, {"probe": "p", "reply": "r", "status": "complete"})
        writer.close()
        with open(writer.path, "a") as handle:
            handle.write('{"type": "turn_begin", "tu')
    else:
        directory.mkdir()
        data = {"garbage": b"not json at all\n{{{\n", "binary": b"\x00\xff\xfe" * 50,
                "empty": b""}[content]
        (directory / "s.jsonl").write_bytes(data)
    path = directory / "s.jsonl"
    before = path.read_bytes()
    assert_one_line_error(run_cli("probe", "--session", "s", "hi"), needle)
    assert path.read_bytes() == before


def test_api_key_never_written(tmp_path: Path, llama_server: str) -> None:
    secret = "sk-test-" + "7" * 40
    res = run_cli("probe", "--json", "--base-url", llama_server, "--model", "smollm2",
                  "--max-tokens", "8", "hi", env={"OPENAI_API_KEY": secret})
    assert res.returncode == 0, res.stderr
    res2 = run_cli("probe", "--json", "--base-url", llama_server, "--model", "smollm2",
                   "--api-key-env", "MY_KEY", "--max-tokens", "8", "hi", env={"MY_KEY": secret})
    assert res2.returncode == 0, res2.stderr
    for path in (tmp_path / "sessions").iterdir():
        text = path.read_text()
        assert secret not in text and secret[:12] not in text
        assert json.loads(text.splitlines()[1])["model"]["base_url"] == llama_server
    assert secret not in res.stdout + res.stderr + res2.stdout + res2.stderr


@pytest.mark.parametrize("entry, needle", [
    ('lora = "/etc/passwd"', "LoRA adapter /etc/passwd is not a GGUF file"),
    ('lora = "adapter.gguf"', "is not a GGUF file"),  # a GGUF name, not GGUF content
    ('gguf = "notes.txt"', "notes.txt is not a GGUF file"),
])
def test_a_local_model_file_that_is_not_gguf_is_one_line_not_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, needle: str) -> None:
    """llama.cpp handed a file that is not GGUF crashed the process (exit 139, no message)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adapter.gguf").write_bytes(b"GGUX" + bytes(64))
    (tmp_path / "notes.txt").write_text("not a model\n")
    (tmp_path / "sashell.toml").write_text(
        f'[models.organism]\nprovider = "local"\nbase = "smollm2"\n{entry}\n', encoding="utf-8")
    assert_one_line_error(run_cli("probe", "--model", "organism", "hi"), needle)


def test_an_absurd_sample_count_is_refused_before_any_work() -> None:
    assert_one_line_error(run_cli("probe", "-n", "100000000000", "hi"), "-n must be from 1 to")
