"""The provider protocol and the request/stream types every provider speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sashell.core.contexts import Message
from sashell.core.models import ModelSpec


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        out = asdict(self)
        out["stop"] = list(self.stop)
        return out


@dataclass(frozen=True)
class GenerationRequest:
    model: ModelSpec
    messages: list[Message]
    params: SamplingParams = field(default_factory=SamplingParams)
    prefill: str = ""
    timeout: float | None = None  # seconds a remote endpoint may stay silent (None: default)


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str
    prompt_tokens: int | None  # None when the endpoint does not report it
    completion_tokens: int
    prompt: str | None = None  # the raw prompt, when the provider builds one itself
    prefix_cache: str | None = None  # local models: where the shared prefix's KV state came from
    seed: int | None = None  # the seed actually used, when the provider chose one


StreamEvent = TextDelta | Finished


class Provider(Protocol):
    def supports_prefill(self, spec: ModelSpec) -> bool: ...

    async def prepare(self, spec: ModelSpec) -> None:
        """Load what the model needs (a local GGUF) so it is not counted in the turn's timing."""
        ...

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """Yield TextDelta events then exactly one Finished; raise ProviderError on failure."""
        ...


def transcript_prompt(messages: list[Message], prefill: str = "") -> str:
    """The raw-prompt rendering used for base models (completions endpoint, no chat template).

    A plain transcript a base model can continue: the system text, then alternating turns, ending
    with an open assistant turn.
    """
    parts: list[str] = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "system":
            parts.append(content)
        elif role == "user":
            parts.append(f"User: {content}")
        else:
            parts.append(f"Assistant: {content}")
    parts.append(f"Assistant:{' ' + prefill if prefill else ''}")
    return "\n\n".join(parts)
