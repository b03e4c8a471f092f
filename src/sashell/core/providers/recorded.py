"""A reply obtained elsewhere (a batch result brought home) as the source of a turn, so it is
journaled and annotated by ``run_turn`` exactly like a reply that streamed live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sashell.core.errors import ProviderError
from sashell.core.models import ModelSpec
from sashell.core.providers.base import Finished, GenerationRequest, StreamEvent, TextDelta


@dataclass(frozen=True)
class RecordedReply:
    """The text an engine returned for a request, with its finish reason and token counts, or
    the error it reported instead (``error``)."""

    text: str = ""
    finish_reason: str = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    # the annotators' records for ``text``, when they were computed already (in another process,
    # by ``annotate_many``) from the same text and the plan's ``annotation_input``
    annotations: list[dict[str, Any]] | None = None

    def supports_prefill(self, spec: ModelSpec) -> bool:
        return True

    async def prepare(self, spec: ModelSpec) -> None:
        return None

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        if self.error is not None:
            raise ProviderError(self.error, retryable=False)
        if self.text:
            yield TextDelta(self.text)
        yield Finished(finish_reason=self.finish_reason, prompt_tokens=self.prompt_tokens,
                       completion_tokens=self.completion_tokens
                       if self.completion_tokens is not None else 0)
