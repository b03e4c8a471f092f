"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server) through the openai SDK.

The SDK retries connection errors, 408/409/429 and 5xx with exponential backoff and honours
Retry-After; what still fails becomes a one-line ProviderError. The key is read from the
environment at call time and never stored.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sashell.core.contexts import Message
from sashell.core.errors import ProviderError, note_secret, one_line
from sashell.core.models import ADHOC_SOURCE, ModelSpec
from sashell.core.providers.base import (
    AnswerTopK,
    BatchRequest,
    Capabilities,
    Finished,
    GenerationRequest,
    RateLimitListener,
    StreamEvent,
    TextDelta,
    transcript_prompt,
)

if TYPE_CHECKING:  # imported when a request is made: listing models needs neither
    import httpx2 as httpx  # the HTTP client openai 3 is built on
    import openai

    from sashell.core.providers.openai_batches import OpenAIBatches

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
MAX_RETRIES = 3
TIMEOUT_S, CONNECT_TIMEOUT_S = 120.0, 5.0
# OpenAI's limits on alternatives per token; other servers may allow more.
CHAT_TOP_LOGPROBS, COMPLETIONS_TOP_LOGPROBS = 20, 5
LOCAL_TOP_LOGPROBS = 20  # other servers (llama.cpp, vLLM) allow more than OpenAI's 5


def key_env(spec: ModelSpec) -> str:
    """The environment variable that holds the model's API key."""
    return spec.api_key_env or DEFAULT_KEY_ENV


def is_default_endpoint(spec: ModelSpec) -> bool:
    return not spec.base_url or spec.base_url.rstrip("/") == DEFAULT_BASE_URL


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint's base URL, or None."""
    from urllib.parse import urlsplit

    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in url):
        return "the base URL holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        return f"the base URL is malformed: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the base URL must be http(s)://HOST[:PORT]/PATH, not {url!r}"
    return None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a 429 asks for (retry-after-ms or retry-after in seconds), if any."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


NO_KEY = "sashell-no-key"  # what keyless local servers (llama.cpp, vLLM, Ollama) get


def sends_key(spec: ModelSpec) -> bool:
    """Whether a key goes to this endpoint at all: OpenAI's, a registry entry's, or one the user
    named with --api-key-env. A one-off --base-url gets none unless asked, so a key meant for
    OpenAI never reaches a host typed on the command line."""
    return is_default_endpoint(spec) or spec.source != ADHOC_SOURCE or bool(spec.api_key_env)


def api_key(spec: ModelSpec) -> str:
    """The key to send: from the spec's variable, or the placeholder where none is sent."""
    if not sends_key(spec):
        return NO_KEY
    env = key_env(spec)
    key = os.environ.get(env)
    if key:
        note_secret(key)  # redacted from every error message, stored or shown
        return key
    if spec.api_key_env or is_default_endpoint(spec):
        raise ProviderError(f"model '{spec.name}' needs an API key in ${env}", retryable=False)
    return NO_KEY


def describe_error(exc: Exception, spec: ModelSpec) -> str:
    import openai

    where = spec.base_url or DEFAULT_BASE_URL
    env = key_env(spec)
    if isinstance(exc, openai.AuthenticationError):
        if not sends_key(spec):
            return (f"{where} wants an API key (401); none is sent to a --base-url endpoint "
                    "unless you name its variable with --api-key-env")
        return f"{where} rejected the API key (401); check ${env}"
    if isinstance(exc, openai.PermissionDeniedError):
        return f"{where} refused access to model '{spec.model}' (403)"
    if isinstance(exc, openai.NotFoundError):
        return f"model '{spec.model}' not found at {where} (404)"
    if isinstance(exc, openai.RateLimitError):
        return f"{where} is rate limiting (429) after {MAX_RETRIES} retries"
    if isinstance(exc, openai.APITimeoutError):
        return f"{where} timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        detail = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        return (f"cannot reach {where}: {detail} (is the server running? check the base URL; "
                "`sashell models` lists the configured endpoints)")
    if isinstance(exc, openai.APIStatusError):
        # An error body may be an HTML page (a proxy's 502): its text, tags dropped, one line.
        message = one_line(re.sub(r"<[^>]*>", " ", str(exc.message or "")), 200)
        return f"{where} answered HTTP {exc.status_code}: {message}"[:300]
    return f"{where}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _retryable(exc: Exception) -> bool:
    """Worth asking again later: rate limits, timeouts, dropped connections and 5xx, not a
    rejected key, an unknown model or a malformed request."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return True


def request_body(request: GenerationRequest) -> dict[str, Any]:
    """The body sashell sends for a generation (chat ``messages`` or a completions ``prompt``),
    the same live (streamed) and in a batch file."""
    spec, params = request.model, request.params
    body: dict[str, Any] = {"model": spec.model, "temperature": params.temperature,
                            "top_p": params.top_p, "max_tokens": params.max_tokens}
    if params.seed is not None:
        body["seed"] = params.seed
    if params.stop:
        body["stop"] = list(params.stop)
    if spec.endpoint == "chat":
        body["messages"] = [dict(message) for message in request.messages]
    else:
        body["prompt"] = transcript_prompt(request.messages, request.prefill)
    return body


class OpenAIProvider:
    _instances: ClassVar[dict[tuple[str | None, str | None], OpenAIProvider]] = {}

    def __init__(self, base_url: str | None, api_key_env: str | None) -> None:
        self.base_url = base_url
        self.api_key_env = api_key_env
        # Per event loop (an httpx2 connection pool belongs to the loop that opened it), then
        # by the key's value, only in memory, so a changed environment takes effect.
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, openai.AsyncOpenAI]] = weakref.WeakKeyDictionary()
        # Told about every 429 the server answers, including those the SDK then retries, so a
        # sweep can shrink its concurrency.
        self.rate_limit_listeners: list[RateLimitListener] = []

    @classmethod
    def for_spec(cls, spec: ModelSpec) -> OpenAIProvider:
        key = (spec.base_url, spec.api_key_env)
        if key not in cls._instances:
            cls._instances[key] = cls(*key)
        return cls._instances[key]

    @classmethod
    def availability(cls, spec: ModelSpec) -> tuple[bool, str]:
        try:
            api_key(spec)  # the same rule a request follows
        except ProviderError:
            return False, f"${key_env(spec)} is not set"
        return True, ""

    @classmethod
    def check_entry(cls, raw: dict[str, Any]) -> str | None:
        if "model" not in raw:
            return 'an openai model needs model = "<id at the endpoint>"'
        base_url = raw.get("base_url")
        return base_url_problem(base_url) if isinstance(base_url, str) else None

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        completions = spec.endpoint == "completions"
        return Capabilities(
            prefill=completions, completions=True, logprobs=True,
            top_logprobs=COMPLETIONS_TOP_LOGPROBS if completions else CHAT_TOP_LOGPROBS,
            # echo with logprobs scores a given text on completions servers (llama.cpp, vLLM);
            # OpenAI's own API refuses it on current models.
            score_text=completions and not is_default_endpoint(spec), billed=True)

    def pool_key(self, spec: ModelSpec) -> str:
        return (spec.base_url or DEFAULT_BASE_URL).rstrip("/")

    def subscribe_rate_limits(self, listener: RateLimitListener) -> Callable[[], None]:
        self.rate_limit_listeners.append(listener)
        return lambda: self.rate_limit_listeners.remove(listener)

    def batch_request(self, request: GenerationRequest) -> BatchRequest | None:
        url = "/v1/chat/completions" if request.model.endpoint == "chat" else "/v1/completions"
        return BatchRequest(url, request_body(request))

    def batch_service(self, spec: ModelSpec) -> OpenAIBatches:
        from sashell.core.providers.openai_batches import OpenAIBatches

        return OpenAIBatches(spec, lambda: self._client(spec))

    def supports_prefill(self, spec: ModelSpec) -> bool:
        return self.capabilities(spec).prefill

    def next_token_model(self, spec: ModelSpec) -> None:
        return None  # only the top log-probabilities of sampled tokens

    def top_k_model(self, spec: ModelSpec) -> OpenAITopK | None:
        return OpenAITopK(spec) if self.capabilities(spec).score_text else None

    def answer_top_k(self, spec: ModelSpec) -> AnswerTopK:
        if spec.endpoint == "chat":
            return OpenAIChatFirstTokens(spec)
        return CompletionFirstTokens(OpenAITopK(spec))

    async def prepare(self, spec: ModelSpec) -> None:
        self._client(spec)  # fails early, before the turn starts, when the key is missing

    def _client(self, spec: ModelSpec) -> openai.AsyncOpenAI:
        import httpx2 as httpx  # the HTTP client openai 3 is built on
        import openai

        key = api_key(spec)
        clients = self._clients.setdefault(asyncio.get_running_loop(), {})
        client = clients.get(key)
        if client is None:
            client = openai.AsyncOpenAI(
                api_key=key, base_url=spec.base_url or DEFAULT_BASE_URL,
                max_retries=MAX_RETRIES, timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                http_client=openai.DefaultAsyncHttpxClient(
                    timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                    event_hooks={"response": [self._on_response]}),
            )
            clients[key] = client
        return client

    async def _on_response(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            wait = retry_after_seconds(response.headers)
            for listener in list(self.rate_limit_listeners):
                listener(wait)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        import httpx2 as httpx  # the HTTP client openai 3 is built on
        import openai

        spec = request.model
        if request.prefill and spec.endpoint != "completions":
            raise ProviderError(
                "--prefill needs the embedded model or --endpoint completions; "
                "chat endpoints cannot start the assistant turn for you"
            )
        client = self._client(spec)
        body = request_body(request)
        common: dict[str, Any] = {k: v for k, v in body.items() if k not in ("messages", "prompt")}
        common["stream_options"] = {"include_usage": True}
        if request.timeout is not None:
            common["timeout"] = httpx.Timeout(request.timeout, connect=min(request.timeout, 5.0))
        prompt: str | None = None
        stream: Any  # AsyncStream of chat or completion chunks: read alike below
        try:
            if spec.endpoint == "chat":
                stream = await client.chat.completions.create(
                    messages=cast(Any, body["messages"]), stream=True, **common)
            else:
                prompt = str(body["prompt"])
                stream = await client.completions.create(prompt=prompt, stream=True, **common)
        except openai.OpenAIError as exc:
            raise ProviderError(describe_error(exc, spec), retryable=_retryable(exc)) from None
        finish_reason: str | None = None
        usage: Any = None
        chunks = 0
        received = 0
        try:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                text = (choice.delta.content if spec.endpoint == "chat" else choice.text) or ""
                if text:
                    chunks += 1
                    received += len(text)
                    yield TextDelta(text)
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
        except openai.OpenAIError as exc:
            raise ProviderError(
                f"stream broke off after {received} characters: {describe_error(exc, spec)}"
            ) from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"stream broke off after {received} characters: {type(exc).__name__}: {exc}"
            ) from None
        finally:
            await stream.close()
        if finish_reason is None:
            # Every OpenAI-compatible server ends a stream with a finish reason; a stream that
            # simply stops was cut (dropped connection, proxy timeout).
            raise ProviderError(f"stream broke off after {received} characters "
                                "(ended without a finish reason)")
        yield Finished(
            finish_reason=finish_reason,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None) or chunks,
            prompt=prompt,
        )


SENTINEL_LOGPROB = -9999.0  # what some models report for a token they give no probability


def _sync_client(spec: ModelSpec) -> Any:
    import openai

    return openai.OpenAI(api_key=api_key(spec), base_url=spec.base_url or DEFAULT_BASE_URL,
                         max_retries=MAX_RETRIES, timeout=TIMEOUT_S)


def _probabilities(pairs: Iterable[tuple[object, object]]) -> list[tuple[str, float]]:
    """(token, probability) from (token, log-probability) pairs, the sentinel and anything
    that is not a number left out."""
    return [(str(token), math.exp(min(float(value), 0.0))) for token, value in pairs
            if isinstance(value, int | float) and not isinstance(value, bool)
            and value > SENTINEL_LOGPROB]


class OpenAIChatFirstTokens:
    """The first tokens of a chat answer: one chat completion with ``max_tokens=1``,
    ``logprobs`` and ``top_logprobs`` (at most 20 on OpenAI), at temperature 0."""

    def __init__(self, spec: ModelSpec) -> None:
        self.name = spec.name
        self.spec = spec
        self.k = CHAT_TOP_LOGPROBS
        self._client: Any = None

    def first(self, messages: list[Message]) -> list[tuple[str, float]]:
        import openai

        if self._client is None:
            self._client = _sync_client(self.spec)
        try:
            response = self._client.chat.completions.create(
                model=self.spec.model, messages=[dict(m) for m in messages], max_tokens=1,
                temperature=0.0, logprobs=True, top_logprobs=self.k)
        except openai.OpenAIError as exc:
            raise ProviderError(describe_error(exc, self.spec), retryable=_retryable(exc)) from None
        logprobs = response.choices[0].logprobs if response.choices else None
        content = getattr(logprobs, "content", None) or []
        tops = getattr(content[0], "top_logprobs", None) if content else None
        if not tops:
            raise ProviderError(f"{self.spec.base_url or DEFAULT_BASE_URL} returned no top "
                                "log-probabilities for the answer", retryable=False)
        return _probabilities((getattr(t, "token", ""), getattr(t, "logprob", None)) for t in tops)


class CompletionFirstTokens:
    """The first tokens of an answer on a completions endpoint: the top-k after the prompt."""

    def __init__(self, model: OpenAITopK) -> None:
        self.name, self.k, self.model = model.name, model.k, model

    def first(self, messages: list[Message]) -> list[tuple[str, float]]:
        return self.model.top(self.model.prompt_text(messages))


class OpenAITopK:
    """Top-k next tokens from a completions endpoint: a one-token completion of the text, asked
    for its ``logprobs`` alternatives at temperature 0."""

    def __init__(self, spec: ModelSpec) -> None:
        self.name = spec.name
        self.spec = spec
        self.k = COMPLETIONS_TOP_LOGPROBS if is_default_endpoint(spec) else LOCAL_TOP_LOGPROBS
        self._client: Any = None

    def prompt_text(self, messages: list[Message], prefill: str = "") -> str:
        return transcript_prompt(messages, prefill)

    def top(self, text: str) -> list[tuple[str, float]]:
        import openai

        if self._client is None:
            self._client = _sync_client(self.spec)
        try:
            response = self._client.completions.create(
                model=self.spec.model, prompt=text, max_tokens=1, temperature=0.0,
                logprobs=self.k)
        except openai.OpenAIError as exc:
            raise ProviderError(describe_error(exc, self.spec), retryable=_retryable(exc)) from None
        logprobs = response.choices[0].logprobs if response.choices else None
        tops = getattr(logprobs, "top_logprobs", None) or []
        if not tops or not isinstance(tops[0], dict):
            raise ProviderError(f"{self.spec.base_url or DEFAULT_BASE_URL} returned no top "
                                "log-probabilities for the completion", retryable=False)
        return _probabilities(tops[0].items())
