"""An in-process provider that streams scripted replies: for tests about layout, keys and flows
rather than the model (the real-model and real-server tests keep the real path covered).

The ``scripted`` fixture in conftest.py registers it as provider ``scripted`` and adds a
``scripted`` model (a base) and ``scripted-tune`` (its fine-tune) to ./sashell.toml. A reply is
chosen by the first rule whose key occurs in the last user message, else the default; the
``slow`` rule streams one word per ``SLOW_DELAY_S`` until cancelled or done."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

from sashell.core.models import ModelSpec
from sashell.core.providers.base import (
    Capabilities,
    Finished,
    GenerationRequest,
    RateLimitListener,
    StreamEvent,
    TextDelta,
)

DEFAULT_REPLY = "Here is a short answer.\nEvery line is plain.\nLast line."
HELLO_REPLY = ("Hello there, here is my answer.\nEach morning the sun rises.\nLots of light.\n"
               "Light warms the air.\nOver the day it cools.")
SLOW_DELAY_S = 0.05


class ScriptedProvider:
    _shared: ClassVar[ScriptedProvider | None] = None
    rules: ClassVar[dict[str, str]] = {"hello": HELLO_REPLY}
    requests: ClassVar[list[GenerationRequest]] = []

    @classmethod
    def for_spec(cls, spec: ModelSpec) -> ScriptedProvider:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @classmethod
    def availability(cls, spec: ModelSpec) -> tuple[bool, str]:
        return True, ""

    @classmethod
    def check_entry(cls, raw: dict[str, Any]) -> str | None:
        return None

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        return Capabilities(prefill=True, completions=True)

    def pool_key(self, spec: ModelSpec) -> str:
        return "scripted"

    def subscribe_rate_limits(self, listener: RateLimitListener) -> Callable[[], None]:
        return lambda: None

    def supports_prefill(self, spec: ModelSpec) -> bool:
        return True

    def batch_request(self, request: GenerationRequest) -> None:
        return None

    def batch_service(self, spec: ModelSpec) -> None:
        return None

    def next_token_model(self, spec: ModelSpec) -> None:
        return None

    def top_k_model(self, spec: ModelSpec) -> None:
        return None

    def answer_top_k(self, spec: ModelSpec) -> None:
        return None

    async def prepare(self, spec: ModelSpec) -> None:
        return None

    def reply_for(self, request: GenerationRequest) -> tuple[str, bool]:
        last = next((m["content"] for m in reversed(request.messages) if m["role"] == "user"), "")
        if "slow" in last.lower():
            return " ".join(["word"] * 2000), True
        for key, reply in self.rules.items():
            if key in last.lower():
                return reply, False
        return DEFAULT_REPLY, False

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        type(self).requests.append(request)
        reply, slow = self.reply_for(request)
        words = reply.split(" ")
        tokens = 0
        for index, word in enumerate(words[: request.params.max_tokens]):
            await asyncio.sleep(SLOW_DELAY_S if slow else 0)
            tokens += 1
            yield TextDelta(word if index == 0 else " " + word)
        finish = "length" if len(words) > request.params.max_tokens else "stop"
        yield Finished(finish, sum(len(m["content"].split()) for m in request.messages), tokens)
