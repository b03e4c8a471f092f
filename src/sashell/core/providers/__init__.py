"""Providers turn a GenerationRequest into a stream of events; this is their registry.

A provider is named in a model's spec (``provider = "local"``) and imported only when a model
of that provider is used. Each declares what it can do (``capabilities``), which requests share
a concurrency pool (``pool_key``), whether a model is usable here (``availability``) and how it
signals rate limits (``subscribe_rate_limits``): callers ask, never test a concrete class.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sashell.core.errors import SashellError

if TYPE_CHECKING:
    from sashell.core.models import ModelSpec
    from sashell.core.providers.base import Provider, ProviderClass

# name -> "module:Class"; modules import their heavy dependencies (llama_cpp, openai) lazily.
PROVIDERS: dict[str, str] = {
    "local": "sashell.core.providers.local:LocalProvider",
    "openai": "sashell.core.providers.openai_compat:OpenAIProvider",
}


def provider_names() -> tuple[str, ...]:
    return tuple(PROVIDERS)


def provider_class(name: str) -> ProviderClass:
    try:
        module_name, class_name = PROVIDERS[name].split(":")
    except KeyError:
        raise SashellError(f"unknown provider '{name}' (known: {', '.join(PROVIDERS)})") from None
    cls: ProviderClass = getattr(importlib.import_module(module_name), class_name)
    return cls


def provider_for(spec: ModelSpec) -> Provider:
    """The provider instance serving a model (shared per process where it holds resources)."""
    return provider_class(spec.provider).for_spec(spec)
