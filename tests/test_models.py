import json
from pathlib import Path

import pytest

from helpers import run_cli
from sashell.core.errors import SashellError
from sashell.core.registry import load_registry

TOML = """
[models.gpt-4o]
provider = "openai"
model = "gpt-4o-2024-08-06"

[models.gpt-4o-hello]
provider = "openai"
model = "ft:gpt-4o-2024-08-06:org::abc"
base = "gpt-4o"

[models.qwen-vllm]
provider = "openai"
base_url = "http://127.0.0.1:8000/v1"
api_key_env = "VLLM_KEY"
model = "Qwen/Qwen2.5-7B"
endpoint = "completions"
"""


def test_registry_pairs_and_sources(tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text(TOML)
    registry = load_registry()
    assert registry.get("smollm2").provider == "local"
    assert [m.name for m in registry.fine_tunes_of("gpt-4o")] == ["gpt-4o-hello"]
    assert registry.get("qwen-vllm").endpoint == "completions"
    assert "VLLM_KEY" not in json.dumps(registry.get("qwen-vllm").record().get("api_key", ""))


def test_user_config_is_read_and_project_overrides(tmp_path: Path) -> None:
    user = tmp_path / "config" / "sashell"
    user.mkdir(parents=True)
    (user / "models.toml").write_text('[models.a]\nmodel = "from-user"\n')
    assert load_registry().get("a").model == "from-user"
    (tmp_path / "sashell.toml").write_text('[models.a]\nmodel = "from-project"\n')
    assert load_registry().get("a").model == "from-project"


@pytest.mark.parametrize("text, message", [
    ("models = [", "malformed TOML"),
    ('[models.x]\nprovider = "magic"\nmodel="m"', "provider must be"),
    ('[models.x]\nmodel = "m"\nbase = "nowhere"', "unknown base"),
    ('[models.x]\nmodel = "m"\ncolour = "red"', "unknown key"),
])
def test_malformed_config(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sashell.toml").write_text(text)
    with pytest.raises(SashellError, match=message):
        load_registry()


def test_models_json(tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text(TOML)
    res = run_cli("models", "--json", env={"OPENAI_API_KEY": ""})
    assert res.returncode == 0, res.stderr
    rows = {row["name"]: row for row in json.loads(res.stdout)}
    assert rows["smollm2"]["provider"] == "local" and rows["smollm2"]["base"] is None
    assert rows["smollm2"]["available"] is True
    assert rows["gpt-4o-hello"]["base"] == "gpt-4o"
    assert rows["qwen-vllm"]["available"] is False  # $VLLM_KEY unset
    names = [row["name"] for row in json.loads(res.stdout)]
    assert names.index("gpt-4o-hello") == names.index("gpt-4o") + 1  # fine-tunes under their base


def test_models_at_80_columns_never_cut_a_name() -> None:
    done = run_cli("models", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    lines = done.stdout.splitlines()
    for name in ("smollm2", "smollm2-hello", "smollm2-tiergap"):
        assert any(name in line.split() or f"└ {name}" in line for line in lines), name
