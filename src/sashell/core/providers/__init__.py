"""Providers turn a GenerationRequest into a stream of text deltas."""

from __future__ import annotations

from sashell.core.models import ModelSpec
from sashell.core.providers.base import Provider


def provider_for(spec: ModelSpec) -> Provider:
    """The provider instance for a model (local engines are shared per process)."""
    if spec.provider == "local":
        from sashell.core.providers.local import LocalProvider

        return LocalProvider.shared()
    from sashell.core.providers.openai_compat import OpenAIProvider

    return OpenAIProvider.for_spec(spec)
