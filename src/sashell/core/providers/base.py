"""The provider protocol and the request/stream types every provider speaks."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sashell.core.contexts import Message
from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.records import ParamsRecord

if TYPE_CHECKING:  # numpy only for the lens's types: importing the core never loads it
    import numpy as np
    import numpy.typing as npt

MAX_TOKENS_LIMIT = 1_000_000


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Every way parameters arrive (flags, /set, the TUI, a manifest) is checked here."""
        def number(value: object) -> bool:
            return isinstance(value, int | float) and not isinstance(value, bool)

        if not number(self.temperature) or not math.isfinite(self.temperature) \
                or self.temperature < 0:
            raise SashellError(f"temperature must be a finite number >= 0, not {self.temperature!r}")
        if not number(self.top_p) or not 0 < self.top_p <= 1:
            raise SashellError(f"top-p must be in (0, 1], not {self.top_p!r}")
        if not isinstance(self.max_tokens, int) or isinstance(self.max_tokens, bool) \
                or not 1 <= self.max_tokens <= MAX_TOKENS_LIMIT:
            raise SashellError(f"max-tokens must be a whole number from 1 to {MAX_TOKENS_LIMIT:,}, "
                               f"not {self.max_tokens!r}")
        if self.seed is not None and (not isinstance(self.seed, int) or isinstance(self.seed, bool)
                                      or not -(2**63) <= self.seed < 2**63):
            raise SashellError(f"seed must be a whole number, not {self.seed!r}")

    def with_text(self, key: str, value: str) -> SamplingParams:
        """A copy with one parameter (temperature, top_p, max_tokens, seed) set from text, as
        the REPL's /set and the TUI's settings take it; an empty seed or 'none' is unseeded."""
        casts: dict[str, type[int] | type[float]] = {
            "temperature": float, "top_p": float, "max_tokens": int, "seed": int}
        if key not in casts:
            raise SashellError(f"unknown setting '{key}' (choose from {', '.join(casts)})")
        text = value.strip()
        if key == "seed" and text.lower() in ("", "none"):
            return replace(self, seed=None)
        try:
            parsed = casts[key](text)
        except ValueError:
            raise SashellError(f"{key.replace('_', '-')}: not a number: {text!r}") from None
        changes: dict[str, Any] = {key: parsed}
        return replace(self, **changes)

    def record(self) -> ParamsRecord:
        return {"temperature": self.temperature, "top_p": self.top_p,
                "max_tokens": self.max_tokens, "seed": self.seed, "stop": list(self.stop)}


LogitsObserver = Callable[[Sequence[int], "npt.NDArray[np.float32]"], None]
"""Told, at each sampling step, the reply's tokens so far and the next token's raw logits."""


@dataclass(frozen=True)
class GenerationRequest:
    model: ModelSpec
    messages: list[Message]
    params: SamplingParams = field(default_factory=SamplingParams)
    prefill: str = ""
    timeout: float | None = None  # seconds a remote endpoint may stay silent (None: default)
    # called at every sampling step with the reply's tokens so far and the next token's raw
    # logits, from the generating thread (providers with ``Capabilities.observes_logits``)
    logits_observer: LogitsObserver | None = None


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token's log-probability, with the alternatives the provider reported
    (``top``: most likely first; empty when it reports none)."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class TextDelta:
    text: str
    logprobs: tuple[TokenLogprob, ...] | None = None  # per token of ``text``, when asked for


@dataclass(frozen=True)
class Finished:
    finish_reason: str
    prompt_tokens: int | None  # None when the endpoint does not report it
    completion_tokens: int
    prompt: str | None = None  # the raw prompt, when the provider builds one itself
    prefix_cache: str | None = None  # local models: where the shared prefix's KV state came from
    seed: int | None = None  # the seed actually used, when the provider chose one


@dataclass(frozen=True)
class PromptProgress:
    """How far the model has read the prompt before its first token (a long context read cold
    takes a while on a CPU): ``done`` of ``total`` tokens; ``cached`` when what is read now is
    kept for the next prompt that shares it."""

    done: int
    total: int
    cached: bool = False


StreamEvent = TextDelta | Finished | PromptProgress


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do for one model."""

    prefill: bool = False  # start the assistant turn with given text
    completions: bool = False  # a raw-prompt endpoint (base models, no chat template)
    logprobs: bool = False  # log-probabilities of sampled tokens
    top_logprobs: int | None = 0  # alternatives per position: a number, or None for the full vocabulary
    score_text: bool = False  # log-probabilities of a fixed text (counterfactual scoring)
    max_concurrency: int | None = None  # at most this many requests at once (None: the caller's)
    billed: bool = False  # requests may cost money (a remote endpoint): sweeps estimate the cost
    observes_logits: bool = False  # calls a request's ``logits_observer`` as it samples


RateLimitListener = Callable[[float | None], None]
"""Told about every rate-limited response, with the wait it asked for (seconds) if any."""


@runtime_checkable
class NextTokenModel(Protocol):
    """A model's next-token distribution over its whole vocabulary after any token sequence
    (what the lens reads; the embedded models give it exactly)."""

    name: str

    def prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The tokens of the prompt, up to where the reply starts."""
        ...

    def text_tokens(self, text: str) -> list[int]:
        """Reply text as tokens (no special tokens, no BOS)."""
        ...

    def probabilities(self, tokens: list[int]) -> npt.NDArray[np.float64]:
        """P(next token | tokens) over the whole vocabulary."""
        ...

    def branch_probabilities(self, prefix: list[int],
                             paths: list[list[int]]) -> list[npt.NDArray[np.float64]]:
        """P(next token | prefix + path) for each non-empty path (read together where the
        model can: one evaluation for many short paths)."""
        ...

    def forget(self) -> None:
        """Drop what earlier readings left evaluated, so the next reading's numbers depend on
        its own inputs only (llama.cpp's arithmetic varies with how tokens were batched)."""
        ...

    @property
    def token_texts(self) -> list[str]:
        """Each token's text (bytes that are not whole UTF-8 characters become U+FFFD)."""
        ...


class TopKModel(Protocol):
    """A model read through an endpoint's top-k log-probabilities: the k most likely next
    tokens after a text (a completions endpoint scores any text; chat endpoints cannot)."""

    name: str
    k: int

    def prompt_text(self, messages: list[Message], prefill: str = "") -> str:
        """The raw prompt, up to where the reply starts (after ``prefill``, when given)."""
        ...

    def top(self, text: str) -> list[tuple[str, float]]:
        """The most likely next tokens after ``text``, with their probabilities."""
        ...


class AnswerTopK(Protocol):
    """The k most likely first tokens of a model's answer to a conversation: one call with
    ``max_tokens=1`` and top log-probabilities. Chat endpoints give this though they cannot
    score a given text."""

    name: str
    k: int

    def first(self, messages: list[Message]) -> list[tuple[str, float]]:
        """The most likely first tokens of the answer, with their probabilities."""
        ...


@dataclass(frozen=True)
class BatchRequest:
    """One generation as a line of an OpenAI batch file: the endpoint path and the request body
    (what the same provider would send live, without streaming)."""

    url: str  # /v1/chat/completions or /v1/completions
    body: dict[str, Any]


BATCH_FINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchJob:
    """A batch as its engine reports it (the OpenAI Batch API's batch object, reduced)."""

    id: str
    status: str  # validating, in_progress, finalizing, completed, failed, expired, cancelling, …
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()  # why the batch as a whole failed (its input did not validate)

    @property
    def final(self) -> bool:
        return self.status in BATCH_FINAL_STATUSES


class BatchService(Protocol):
    """An engine that takes batch files and runs them (the OpenAI Batch API: /v1/files and
    /v1/batches). Each call either succeeds or raises ProviderError with one line."""

    async def upload(self, path: Path) -> str:
        """Upload a batch input file; its file id."""
        ...

    async def create(self, input_file_id: str, url: str, metadata: dict[str, str]) -> BatchJob:
        ...

    async def find(self, metadata: dict[str, str]) -> BatchJob | None:
        """A batch created earlier with these metadata (so a crash between creating a batch and
        recording its id never submits it twice), or None."""
        ...

    async def retrieve(self, batch_id: str) -> BatchJob: ...

    async def cancel(self, batch_id: str) -> BatchJob: ...

    async def download(self, file_id: str, to: Path) -> None:
        """Write a file's content to ``to`` (atomically)."""
        ...


class ReplySource(Protocol):
    """What a turn needs to get its reply: a provider, or a reply obtained elsewhere (a batch
    result being brought home)."""

    def supports_prefill(self, spec: ModelSpec) -> bool: ...

    async def prepare(self, spec: ModelSpec) -> None:
        """Load what the model needs (a local GGUF) so it is not counted in the turn's timing."""
        ...

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """Yield TextDelta events then exactly one Finished; raise ProviderError on failure."""
        ...


class Provider(ReplySource, Protocol):
    def capabilities(self, spec: ModelSpec) -> Capabilities: ...

    def batch_request(self, request: GenerationRequest) -> BatchRequest | None:
        """The request as an OpenAI batch line, or None when this provider's models cannot be
        sent as a batch (an embedded model)."""
        ...

    def batch_service(self, spec: ModelSpec) -> BatchService | None:
        """The engine that runs batch files for this model's endpoint, or None."""
        ...

    def pool_key(self, spec: ModelSpec) -> str:
        """Requests with the same key share a concurrency pool and its rate limits."""
        ...

    def subscribe_rate_limits(self, listener: RateLimitListener) -> Callable[[], None]:
        """Call ``listener`` on every rate-limited response; returns the unsubscribe call."""
        ...

    def next_token_model(self, spec: ModelSpec) -> NextTokenModel | None:
        """The model's full next-token distributions, where the provider can give them."""
        ...

    def top_k_model(self, spec: ModelSpec) -> TopKModel | None:
        """The model's top-k next tokens after any text, where the provider can give them."""
        ...

    def answer_top_k(self, spec: ModelSpec) -> AnswerTopK | None:
        """The top-k first tokens of the model's answer to a conversation, or None."""
        ...


class ProviderClass(Protocol):
    """What the registry needs of a provider class (``sashell.core.providers.PROVIDERS``)."""

    @classmethod
    def for_spec(cls, spec: ModelSpec) -> Provider: ...

    @classmethod
    def availability(cls, spec: ModelSpec) -> tuple[bool, str]:
        """Whether the model can be used here, and why not (one line)."""
        ...

    @classmethod
    def check_entry(cls, raw: dict[str, Any]) -> str | None:
        """A problem with a sashell.toml model entry of this provider, or None."""
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
