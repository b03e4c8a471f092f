"""The model registry: the built-in embedded models and shipped fine-tunes, plus sashell.toml
entries (``[models.NAME]``), each checked by the provider that will serve it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sashell.core.config import config_files, read_config
from sashell.core.errors import SashellError
from sashell.core.models import ADHOC_SOURCE, Endpoint, ModelSpec
from sashell.core.paths import shipped_adapters_dir
from sashell.core.providers import provider_class, provider_names

MIN_CTX, MAX_CTX = 64, 1 << 20  # and at most the model's training context (checked on load)
_KNOWN_KEYS = {
    "provider", "model", "base", "base_url", "api_key_env", "endpoint", "gguf", "lora",
    "description", "n_ctx",
}


@dataclass
class Availability:
    available: bool
    reason: str = ""


def adapter_spec(manifest: Path, source: str) -> ModelSpec | None:
    """A fine-tune of an embedded model from the manifest `sashell finetune` writes."""
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
        """Whether a model can be used here (its provider says), and why not."""
        try:
            available, reason = provider_class(spec.provider).availability(spec)
        except SashellError as exc:
            return Availability(False, str(exc))
        return Availability(available, reason)

    def fine_tunes_of(self, name: str) -> list[ModelSpec]:
        return [m for m in self.models.values() if m.base == name]


def _parse_entry(name: str, raw: Any, source: str, relative_to: Path) -> ModelSpec:
    where = f"{source}: [models.{name}]"
    if not name or not all(ch.isprintable() for ch in name) or len(name) > 200:
        raise SashellError(f"{source}: a model name must be printable text of at most 200 "
                           f"characters, not {name!r}")
    if not isinstance(raw, dict):
        raise SashellError(f"{where} must be a table")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise SashellError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    provider = raw.get("provider", "openai")
    if provider not in provider_names():
        raise SashellError(f"{where}: provider must be one of {', '.join(provider_names())}, "
                           f"not {provider!r}")
    endpoint = raw.get("endpoint", "chat")
    if endpoint not in ("chat", "completions"):
        raise SashellError(f"{where}: endpoint must be 'chat' or 'completions'")
    for key in ("model", "base", "base_url", "api_key_env", "gguf", "lora", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise SashellError(f"{where}: {key} must be a string")
    n_ctx = raw.get("n_ctx")
    if n_ctx is not None and (not isinstance(n_ctx, int) or isinstance(n_ctx, bool)
                              or not MIN_CTX <= n_ctx <= MAX_CTX):
        raise SashellError(f"{where}: n_ctx must be a whole number from {MIN_CTX} to {MAX_CTX:,}")
    problem = provider_class(provider).check_entry(raw)
    if problem:
        raise SashellError(f"{where}: {problem}")

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


def load_registry(files: list[Path] | None = None) -> Registry:
    registry = Registry({m.name: m for m in _builtin_models()})
    for path in files if files is not None else config_files():
        data = read_config(path)
        models = data.get("models", {})
        if not isinstance(models, dict):
            raise SashellError(f"{path}: 'models' must be a table of [models.NAME] entries")
        for name, raw in models.items():
            registry.models[name] = _parse_entry(name, raw, str(path), path.parent)
    for spec in registry.models.values():
        if spec.base is not None and spec.base not in registry.models:
            raise SashellError(f"{spec.source}: [models.{spec.name}] names unknown base '{spec.base}'")
        seen = [spec.name]
        base = spec.base
        while base is not None:  # a fine-tune's chain of bases must end at a base model
            if base in seen:
                raise SashellError(f"{spec.source}: [models.{spec.name}]: its bases form a cycle "
                                   f"({' → '.join([*seen, base])})")
            seen.append(base)
            base = registry.models[base].base if base in registry.models else None
    return registry


def adhoc_openai_model(model_id: str, base_url: str, api_key_env: str | None,
                       endpoint: Endpoint) -> ModelSpec:
    """A model at a one-off endpoint (``--base-url``), checked like a sashell.toml entry."""
    problem = provider_class("openai").check_entry({"model": model_id, "base_url": base_url})
    if problem:
        raise SashellError(f"--base-url: {problem}")
    return ModelSpec(
        name=model_id, provider="openai", model=model_id, base_url=base_url,
        api_key_env=api_key_env, endpoint=endpoint, source=ADHOC_SOURCE,
    )
