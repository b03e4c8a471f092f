"""The embedded provider: GGUF models (plus LoRA adapters) run in-process by llama-cpp-python.

Each engine is loaded once per process and serves one generation at a time. A prompt's shared
prefix (everything before the last user message: the system prompt, or the conversation so far)
is kept in the KV cache across probes and persisted on disk (PrefixStateCache), so the long tier
context is prefilled once, not per probe or per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import hashlib
import importlib.util
import io
import os
import random
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import numpy.typing as npt

from sashell.core.contexts import Message
from sashell.core.errors import ProviderError, SashellError
from sashell.core.models import ModelSpec, gguf_path
from sashell.core.paths import cache_dir
from sashell.core.providers.base import (
    Capabilities,
    Finished,
    GenerationRequest,
    PromptProgress,
    RateLimitListener,
    StreamEvent,
    TextDelta,
    transcript_prompt,
)
from sashell.core.providers.llama_scoring import ScoringContext, common_prefix
from sashell.core.providers.prefix_cache import (
    DEFAULT_CAPACITY_BYTES,
    PrefixStateCache,
    prefix_key,
)

PROGRESS_CHUNK = 64  # prompt tokens read between two progress reports
MIN_CACHED_PREFIX = 256  # shorter prefixes prefill faster than a state loads from disk


def _threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def _file_identity(path: str | None) -> str:
    if not path:
        return "-"
    stat = Path(path).stat()
    return f"{Path(path).resolve()}:{stat.st_size}:{int(stat.st_mtime)}"


@dataclass
class PromptPlan:
    tokens: list[int]
    # Token counts at message boundaries before the last user message (system prompt, then each
    # earlier exchange), ascending: the prefixes other prompts of this context/conversation share.
    boundaries: list[int]
    text: str

    @property
    def prefix_len(self) -> int:
        return self.boundaries[-1] if self.boundaries else 0


def check_gguf(path: str, what: str) -> None:
    """A GGUF file's magic and version, checked before llama.cpp sees it (handed another
    file, it may crash the process)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise SashellError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(head) < 8 or head[:4] != b"GGUF" or int.from_bytes(head[4:8], "little") not in (1, 2, 3):
        raise SashellError(f"{what} {path} is not a GGUF file")


def _trained_context(gguf: str) -> int | None:
    """The context length a GGUF was trained with (its metadata, read by a vocab-only load)."""
    metadata: dict[str, str] = LocalEngine(gguf, None, 512, vocab_only=True).llm.metadata
    value = metadata.get(f"{metadata.get('general.architecture', 'llama')}.context_length")
    return int(value) if value and value.isdigit() else None


class LocalEngine:
    """One loaded llama.cpp model (+ adapter); generations are serialised by a lock."""

    def __init__(self, gguf: str, lora: str | None, n_ctx: int | None,
                 vocab_only: bool = False) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:  # pragma: no cover - a broken install
            raise SashellError("the embedded model needs llama-cpp-python") from None
        check_gguf(gguf, "model")
        if lora:
            check_gguf(lora, "LoRA adapter")
        if n_ctx and not vocab_only:
            trained = _trained_context(gguf)
            if trained and n_ctx > trained:
                raise SashellError(f"n_ctx {n_ctx:,} is more than {Path(gguf).name} was trained "
                                   f"with ({trained:,})")
        threads = _threads()
        try:
            # llama.cpp warns about the context size of a vocab-only load; nothing to act on.
            quiet = contextlib.redirect_stderr(io.StringIO()) if vocab_only else contextlib.nullcontext()
            with quiet:
                self.llm = Llama(
                    model_path=gguf, lora_path=lora, n_ctx=n_ctx or 0, n_threads=threads,
                    n_threads_batch=threads, n_batch=512, verbose=False, vocab_only=vocab_only,
                )
        except (ValueError, RuntimeError) as exc:
            what = f"{gguf} with adapter {lora}" if lora else gguf
            raise SashellError(f"llama.cpp could not load {what}: {exc}") from None
        self.lock = threading.Lock()
        self._scorer: ScoringContext | None = None  # made when the lens first reads
        identity = f"{_file_identity(gguf)}|{_file_identity(lora)}|{self.llm.n_ctx()}"
        self.model_id = hashlib.sha256(identity.encode()).hexdigest()[:16]
        capacity = int(os.environ.get("SASHELL_PROMPT_CACHE_BYTES", DEFAULT_CAPACITY_BYTES))
        self.cache = PrefixStateCache(cache_dir() / "prompt-cache" / self.model_id, capacity)
        self._template = self.llm.metadata.get("tokenizer.chat_template")
        self._formatters: dict[bool, Any] = {}

    # -- prompts -----------------------------------------------------------------------------
    def _chat_text(self, messages: list[Message], generation_prompt: bool) -> str:
        if not self._template:
            raise ProviderError("this GGUF has no chat template; use --endpoint completions",
                                retryable=False)
        formatter = self._formatters.get(generation_prompt)
        if formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            model = self.llm._model
            formatter = Jinja2ChatFormatter(
                template=self._template,
                eos_token=model.token_get_text(self.llm.token_eos()),
                bos_token=model.token_get_text(self.llm.token_bos()),
                add_generation_prompt=generation_prompt,
            )
            self._formatters[generation_prompt] = formatter
        try:
            return str(formatter(messages=cast(Any, messages)).prompt)
        except Exception as exc:  # a template may reject a message order (raise_exception)
            raise ProviderError(f"the model's chat template rejected the messages: {exc}",
                                retryable=False) from None

    def _render(self, messages: list[Message], endpoint: str, prefill: str,
                open_turn: bool) -> str:
        if endpoint == "chat":
            return self._chat_text(messages, open_turn) + (prefill if open_turn else "")
        text = transcript_prompt(messages, prefill)
        return text if open_turn else text.removesuffix("Assistant:")

    def _tokenize(self, text: str, endpoint: str) -> list[int]:
        # Chat templates carry special tokens; a raw completions prompt is plain text.
        chat = endpoint == "chat"
        return self.llm.tokenize(text.encode("utf-8"), add_bos=not chat, special=chat)

    def plan_prompt(self, messages: list[Message], endpoint: str, prefill: str) -> PromptPlan:
        """Tokens for the request, and the reusable prefixes at its message boundaries."""
        text = self._render(messages, endpoint, prefill, True)
        tokens = self._tokenize(text, endpoint)
        boundaries: list[int] = []
        last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=0)
        for cut in range(1, last_user + 1):
            prefix_text = self._render(messages[:cut], endpoint, "", False)
            if not prefix_text or not text.startswith(prefix_text):
                continue
            prefix = self._tokenize(prefix_text, endpoint)
            # The last prefix token may merge differently with what follows it.
            k = common_prefix(prefix, tokens) - 1
            if k >= MIN_CACHED_PREFIX and (not boundaries or k > boundaries[-1]):
                boundaries.append(k)
        return PromptPlan(tokens, boundaries, text)

    # -- next-token distributions (the lens) ---------------------------------------------------
    def text_tokens(self, text: str) -> list[int]:
        """Reply text as the model would have produced it: no BOS, special tokens as text."""
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def token_texts(self) -> list[str]:
        """Every token's text; bytes that are not whole UTF-8 characters become U+FFFD."""
        llm = self.llm
        return [llm.detokenize([i]).decode("utf-8", "replace") for i in range(llm.n_vocab())]

    def next_token_probabilities(self, tokens: list[int]) -> npt.NDArray[np.float64]:
        """P(next token | tokens) over the whole vocabulary, in double precision, read in the
        lens's own context (the generation's KV cache is left as it is)."""
        if not tokens:
            raise ProviderError("nothing to condition on", retryable=False)
        with self.lock:
            return self._scoring().probabilities(tokens)

    def branch_probabilities(self, prefix: list[int],
                             paths: list[list[int]]) -> list[npt.NDArray[np.float64]]:
        """P(next token | prefix + path) for each path, evaluated together."""
        if not prefix:
            raise ProviderError("nothing to condition on", retryable=False)
        with self.lock:
            return self._scoring().branch_probabilities(prefix, paths)

    def forget_lens_state(self) -> None:
        with self.lock:
            if self._scorer is not None:
                self._scorer.forget()

    def _scoring(self) -> ScoringContext:
        if self._scorer is None:
            self._scorer = ScoringContext(self.llm)
        return self._scorer

    # -- KV prefix reuse -----------------------------------------------------------------------
    def _restore_prefix(self, plan: PromptPlan) -> Generator[PromptProgress, None, str]:
        """Make the KV cache hold plan.tokens[:prefix_len], reporting progress as it reads;
        return where the prefix came from."""
        llm, k = self.llm, plan.prefix_len
        if k == 0:
            return "none"
        start = common_prefix(llm._input_ids.tolist(), plan.tokens[:k])
        if start >= k:
            return "memory"
        source = "miss"
        for boundary in reversed(plan.boundaries):
            if boundary <= start:
                break
            state = self.cache.load(prefix_key(self.model_id, plan.tokens[:boundary]), boundary)
            if state is not None and self._load_state(plan.tokens[:boundary], state):
                start, source = boundary, "disk"
                break
        if start >= k:
            return source
        llm.n_tokens = start
        total = len(plan.tokens)
        for at in range(start, k, PROGRESS_CHUNK):
            yield PromptProgress(at, total, cached=True)
            llm.eval(plan.tokens[at:min(at + PROGRESS_CHUNK, k)])
        yield PromptProgress(k, total, cached=True)
        saved = self._save_state()
        if saved is not None:
            self.cache.store(prefix_key(self.model_id, plan.tokens[:k]), k, saved)
        return "partial" if start else "miss"

    def _save_state(self) -> bytes | None:
        import llama_cpp

        ctx = self.llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * int(size))()
        written = llama_cpp.llama_state_get_data(ctx, buffer, size)
        if written <= 0 or written > size:
            return None
        return ctypes.string_at(buffer, int(written))

    def _load_state(self, tokens: list[int], state: bytes) -> bool:
        import llama_cpp

        llm = self.llm
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if llama_cpp.llama_state_set_data(llm._ctx.ctx, buffer, len(state)) != len(state):
            llm.reset()  # type: ignore[no-untyped-call]
            return False
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        llm._requires_eval = True
        return True

    # -- generation ----------------------------------------------------------------------------
    def generate(self, request: GenerationRequest, stop_flag: threading.Event
                 ) -> Iterator[StreamEvent]:
        """Blocking generator of stream events (run it in a worker thread)."""
        spec, params = request.model, request.params
        plan = self.plan_prompt(request.messages, spec.endpoint, request.prefill)
        n_ctx = self.llm.n_ctx()
        if len(plan.tokens) >= n_ctx:
            raise ProviderError(f"the prompt is {len(plan.tokens)} tokens; model '{spec.name}' "
                                f"has a {n_ctx}-token context", retryable=False)
        max_tokens = min(params.max_tokens, n_ctx - len(plan.tokens))
        observer, prompt_len = request.logits_observer, len(plan.tokens)
        from llama_cpp import LogitsProcessorList

        def observe(ids: Any, logits: Any) -> Any:  # sees the raw logits, changes nothing
            if observer is not None:
                observer(ids[prompt_len:], logits)
            return logits

        with self.lock:
            prefix_source = yield from self._restore_prefix(plan)
            seed = params.seed if params.seed is not None else random.SystemRandom().randrange(2**31)
            stream: Any = self.llm.create_completion(
                prompt=plan.tokens, max_tokens=max_tokens, temperature=params.temperature,
                top_p=params.top_p, top_k=0, min_p=0.0, repeat_penalty=1.0, seed=seed,
                stop=list(params.stop) or None, stream=True,
                logits_processor=LogitsProcessorList([observe]) if observer is not None else None,
            )
            finish_reason = "length"
            try:
                for chunk in stream:
                    choice = chunk["choices"][0]
                    if choice["text"]:
                        yield TextDelta(choice["text"])
                    if choice.get("finish_reason"):
                        finish_reason = choice["finish_reason"]
                    if stop_flag.is_set():
                        finish_reason = "cancelled"
                        break
            finally:
                stream.close()
            # Each sampled token is evaluated on the next step, except the last one (EOS or cut).
            generated = self.llm.n_tokens - len(plan.tokens)
            if finish_reason != "stop" or generated == 0:
                generated += 1
            yield Finished(finish_reason, len(plan.tokens), max(generated, 0),
                           plan.text if spec.endpoint == "completions" else None,
                           prefix_cache=prefix_source, seed=seed)


class LocalProvider:
    _shared: ClassVar[LocalProvider | None] = None

    def __init__(self) -> None:
        self._engines: dict[tuple[str, str | None, int | None], LocalEngine] = {}
        self._next_tokens: dict[tuple[ModelSpec, int], LocalNextTokens] = {}
        self._load_lock = threading.Lock()

    @classmethod
    def shared(cls) -> LocalProvider:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @classmethod
    def for_spec(cls, spec: ModelSpec) -> LocalProvider:
        return cls.shared()

    @classmethod
    def availability(cls, spec: ModelSpec) -> tuple[bool, str]:
        try:
            gguf = gguf_path(spec)
        except SashellError as exc:
            return False, str(exc)
        if not gguf.is_file():
            return False, f"GGUF not found: {gguf}"
        if spec.lora and not Path(spec.lora).is_file():
            return False, f"LoRA adapter not found: {spec.lora}"
        try:
            check_gguf(str(gguf), "model")
            if spec.lora:
                check_gguf(spec.lora, "LoRA adapter")
        except SashellError as exc:
            return False, str(exc)
        if importlib.util.find_spec("llama_cpp") is None:
            return False, "llama-cpp-python is not installed"
        return True, ""

    @classmethod
    def check_entry(cls, raw: dict[str, Any]) -> str | None:
        return None

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        # The whole next-token distribution after any evaluated text: exact, any text scored.
        return Capabilities(prefill=True, completions=True, logprobs=True, top_logprobs=None,
                            observes_logits=True,
                            score_text=True, max_concurrency=1)

    def pool_key(self, spec: ModelSpec) -> str:
        return "local"  # the embedded models share this machine's cores: one generation at a time

    def subscribe_rate_limits(self, listener: RateLimitListener) -> Callable[[], None]:
        return lambda: None  # in-process: never rate limited

    def supports_prefill(self, spec: ModelSpec) -> bool:
        return True

    def batch_request(self, request: GenerationRequest) -> None:
        return None  # in-process: a batch engine cannot reach it (serve it with vLLM instead)

    def batch_service(self, spec: ModelSpec) -> None:
        return None

    def next_token_model(self, spec: ModelSpec) -> LocalNextTokens:
        engine = self.engine(spec)
        key = (spec, id(engine))
        if key not in self._next_tokens:  # one per model and engine: token texts read once
            self._next_tokens[key] = LocalNextTokens(spec, engine)
        return self._next_tokens[key]

    def top_k_model(self, spec: ModelSpec) -> None:
        return None  # the whole distribution is there: next_token_model

    def answer_top_k(self, spec: ModelSpec) -> None:
        return None

    def engine(self, spec: ModelSpec) -> LocalEngine:
        gguf = str(gguf_path(spec))
        if not Path(gguf).is_file():
            raise SashellError(f"model '{spec.name}': GGUF not found: {gguf}")
        if spec.lora and not Path(spec.lora).is_file():
            raise SashellError(f"model '{spec.name}': LoRA adapter not found: {spec.lora}")
        key = (gguf, spec.lora, spec.n_ctx)
        with self._load_lock:
            if key not in self._engines:
                self._engines[key] = LocalEngine(gguf, spec.lora, spec.n_ctx)
            return self._engines[key]

    async def prepare(self, spec: ModelSpec) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.engine, spec)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        engine = await loop.run_in_executor(None, self.engine, request.model)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop_flag = threading.Event()
        done = object()

        def post(item: object) -> bool:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
                return True
            except RuntimeError:  # the consumer's loop is gone (cancelled, shut down)
                stop_flag.set()
                return False

        def work() -> None:
            try:
                for event in engine.generate(request, stop_flag):
                    if not post(event):
                        break
            except BaseException as exc:  # handed to the consumer, re-raised there
                post(exc)
            finally:
                post(done)

        worker = threading.Thread(target=work, name="sashell-llama", daemon=True)
        worker.start()
        try:
            while True:
                event = await queue.get()
                if event is done:
                    break
                if isinstance(event, BaseException):
                    if isinstance(event, SashellError):
                        raise event
                    raise ProviderError(f"llama.cpp failed: {type(event).__name__}: {event}")
                yield event
        finally:
            stop_flag.set()
            if worker.is_alive():
                # The engine stops at its next token; wait so the model is free for the next turn.
                await asyncio.shield(asyncio.to_thread(worker.join))


class LocalNextTokens:
    """An embedded model's exact next-token distributions (the lens's view of it)."""

    def __init__(self, spec: ModelSpec, engine: LocalEngine) -> None:
        self.name = spec.name
        self.spec = spec
        self.engine = engine

    def prompt_tokens(self, messages: list[Message]) -> list[int]:
        return self.engine.plan_prompt(messages, self.spec.endpoint, "").tokens

    def text_tokens(self, text: str) -> list[int]:
        return self.engine.text_tokens(text)

    def probabilities(self, tokens: list[int]) -> npt.NDArray[np.float64]:
        return self.engine.next_token_probabilities(tokens)

    def branch_probabilities(self, prefix: list[int],
                             paths: list[list[int]]) -> list[npt.NDArray[np.float64]]:
        return self.engine.branch_probabilities(prefix, paths)

    def forget(self) -> None:
        self.engine.forget_lens_state()

    @functools.cached_property
    def token_texts(self) -> list[str]:
        return self.engine.token_texts()
