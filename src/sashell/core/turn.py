"""One probe turn end to end: context → provider stream → annotators → session journal.

Every front end (CLI, REPL, TUI, sweeps) runs turns through ``run_turn``; it writes a
``turn_begin`` record, checkpoints streamed text, and always closes the turn with a final record
(complete, cancelled or error), so the journal never loses what was generated.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sashell.core.annotate import AnnotationSet
from sashell.core.contexts import NEXT_TURN, Message, needs_next_turn
from sashell.core.errors import ProviderError, SashellError, one_line
from sashell.core.lens.events import LineLetters
from sashell.core.models import ModelSpec
from sashell.core.plan import TurnPlan
from sashell.core.providers import provider_for
from sashell.core.providers.base import (
    Finished,
    GenerationRequest,
    PromptProgress,
    ReplySource,
    TextDelta,
)
from sashell.core.providers.recorded import RecordedReply
from sashell.core.records import (
    LensLettersRecord,
    Status,
    TimingRecord,
    TurnRecord,
    TurnRequest,
    TurnResultFields,
    UsageRecord,
)
from sashell.core.session import SessionWriter, TurnCheckpointer, now_iso

if TYPE_CHECKING:
    from sashell.core.lens.onpolicy import OnPolicyLetters

MAX_SEGMENTS = 4  # the published protocol continues with <NEXT/> up to four times
SEGMENT_SEPARATOR = "\n"


@dataclass
class TurnResult:
    turn: int
    record: TurnRecord
    session_path: str
    retryable: bool = True  # for an error turn: whether asking again could help

    @property
    def reply(self) -> str:
        return self.record["reply"]

    @property
    def status(self) -> str:
        return self.record["status"]

    @property
    def error(self) -> str | None:
        return self.record["error"]


@dataclass(frozen=True)
class TurnStarted:
    """The turn is journalled and about to stream (``head``: the begin record)."""

    turn: int
    head: TurnRequest


@dataclass(frozen=True)
class AnnotationUpdate:
    """The annotators' reading so far (the same records the turn will store when final)."""

    annotations: list[dict[str, Any]]
    final: bool = False


@dataclass(frozen=True)
class TurnFinished:
    result: TurnResult


TurnEvent = TurnStarted | PromptProgress | TextDelta | LineLetters | AnnotationUpdate | TurnFinished
"""What ``run_turn`` tells a front end, in order: started, text deltas (with token
log-probabilities when the provider gave them), letter pressure per line as each line's first
letter is sampled (with ``lens_letters``) and annotation updates interleaved (before the first
text, how far a local model has read a long prompt), then the final annotations and finished.
Front ends render these; they never annotate again."""

EventCallback = Callable[[TurnEvent], None]
UPDATE_INTERVAL_S = 0.25  # annotation updates at most this often (a front end's redraw rate)


class _TurnRun:
    """The mutable state of one streaming turn and the journal writes that frame it."""

    def __init__(self, plan: TurnPlan, writer: SessionWriter,
                 on_event: EventCallback | None, source: ReplySource) -> None:
        self.plan = plan
        self.source = source
        self.writer = writer
        self.on_event = on_event
        self._last_update = 0.0
        self.messages = plan.messages()
        self.turn_id = 0  # chosen by the writer when the turn begins (unique among writers)
        self.checkpoint: TurnCheckpointer | None = None
        self.head: TurnRequest = {
            "conversation": plan.conversation or uuid.uuid4().hex[:12],
            "parent_turn": plan.parent_turn,
            "created": now_iso(),
            "model": plan.model.record(),
            "endpoint": plan.model.endpoint,
            "context": {"name": plan.context.name, "path": plan.context.path,
                        "scratchpad": plan.context.scratchpad,
                        "user_template": plan.context.user_template},
            "tier": plan.tier,
            "probe": plan.probe,
            "accept_reject": plan.accept_reject,
            "prefill": plan.prefill,
            "condition": plan.condition,
            "group": plan.group,
            "messages": self.messages,
            "params": plan.params.record(),
        }
        extra = plan.extra or {}
        if "sweep" in extra:
            self.head["sweep"] = extra["sweep"]
        if "source_turn" in extra:
            self.head["source_turn"] = extra["source_turn"]
        # a recorded reply's annotations computed already (same text, same input), if any
        self.precomputed: list[dict[str, Any]] | None = getattr(source, "annotations", None)
        self.annotations = AnnotationSet(plan.annotation_input()) if self.precomputed is None \
            else None
        self.pieces: list[str] = []
        self.segments: list[str] = []
        self.transcript: list[Message] = list(self.messages)
        self.usage: UsageRecord = {"prompt_tokens": 0, "completion_tokens": 0}
        self.finish_reason = "stop"
        self.raw_prompt: str | None = None
        self.prefix_cache: str | None = None
        self.seeds: list[int] = []
        self.started = time.perf_counter()
        self.first_token: float | None = None
        self.lens: OnPolicyLetters | None = None  # letter pressure as the reply is sampled

    def begin(self, recorded: bool = False) -> None:
        """Number the turn and journal its start; a recorded reply (already whole) is journaled
        by its final record alone."""
        if recorded:
            self.turn_id, self.checkpoint = self.writer.reserve(), None
        else:
            self.turn_id = self.writer.begin(self.head)
            self.checkpoint = TurnCheckpointer(self.writer, self.turn_id)

    def take(self, text: str, delta: TextDelta | None = None) -> None:
        self.pieces.append(text)
        if self.annotations is not None:
            self.annotations.feed(text)
        if self.checkpoint is not None:
            self.checkpoint.add(text)
        if self.on_event is None:
            return
        self.on_event(delta if delta is not None else TextDelta(text))
        if self.lens is not None:
            for line in self.lens.settled():
                self.on_event(line)
        now = time.monotonic()
        if now - self._last_update >= UPDATE_INTERVAL_S:
            self._last_update = now
            self.on_event(AnnotationUpdate(self._annotations(final=False)))

    async def stream(self, recorded: bool = False) -> None:
        provider = self.source
        prefill = self.plan.prefill
        if self.plan.lens_letters and not recorded:
            from sashell.core.lens.model import next_token_model
            from sashell.core.lens.onpolicy import OnPolicyLetters

            model = await asyncio.to_thread(next_token_model, self.plan.model)
            self.lens = await asyncio.to_thread(OnPolicyLetters, model, self.plan.lens_letters,
                                                prefill)
        for segment_no in range(MAX_SEGMENTS):
            if segment_no:
                self.take(SEGMENT_SEPARATOR)
            segment: list[str] = []
            if prefill:
                segment.append(prefill)
                self.take(prefill)
            # the lens follows the first segment (line numbers past it would need the separator)
            observer = self.lens.observe if self.lens is not None and not segment_no else None
            request = GenerationRequest(self.plan.model, self.transcript, self.plan.params, prefill,
                                        self.plan.timeout, logits_observer=observer)
            async for event in provider.stream(request):
                if isinstance(event, TextDelta):
                    if self.first_token is None:
                        self.first_token = time.perf_counter()
                    segment.append(event.text)
                    self.take(event.text, event)
                elif isinstance(event, PromptProgress):
                    if self.on_event is not None:
                        self.on_event(event)
                elif isinstance(event, Finished):
                    self.finish_reason = event.finish_reason
                    prompt_tokens = self.usage["prompt_tokens"]
                    self.usage["prompt_tokens"] = (
                        None if prompt_tokens is None or event.prompt_tokens is None
                        else prompt_tokens + event.prompt_tokens)
                    self.usage["completion_tokens"] = (
                        (self.usage["completion_tokens"] or 0) + event.completion_tokens)
                    self.raw_prompt = self.raw_prompt or event.prompt
                    self.prefix_cache = self.prefix_cache or event.prefix_cache
                    if event.seed is not None:
                        self.seeds.append(event.seed)
            text = "".join(segment)
            self.segments.append(text)
            self.transcript = [*self.transcript, {"role": "assistant", "content": text}]
            prefill = ""
            # a recorded reply answered one request: there is no next segment to ask for
            if recorded or segment_no == MAX_SEGMENTS - 1 or not needs_next_turn(self.plan.context, text):
                break
            self.transcript.append({"role": "user", "content": NEXT_TURN})

    def _annotations(self, final: bool) -> list[dict[str, Any]]:
        if self.annotations is None:
            return list(self.precomputed or [])
        return [a.record() for a in (self.annotations.finish() if final
                                     else self.annotations.current())]

    async def annotate(self) -> list[dict[str, Any]]:
        annotations = self._annotations(final=True)
        if self.plan.judge is not None:
            from sashell.core.judging import add_judgements

            await add_judgements(annotations, self.plan.probe, "".join(self.pieces), self.plan.judge)
        return annotations

    async def cross_readings(self) -> list[LensLettersRecord]:
        """The finished reply scored under each model it is compared with (``lens_cross``): the
        same text read by the base and by the fine-tune. A model that cannot score a fixed text
        is left out (the front end says so: the reading is missing)."""
        target = self.plan.lens_letters
        if not self.plan.lens_cross or not target:
            return []
        from sashell.core.lens.letters import letter_pressure
        from sashell.core.lens.model import letters_model

        reply, messages = "".join(self.pieces), self.plan.messages()

        def read(spec: ModelSpec) -> LensLettersRecord:
            return letter_pressure(letters_model(spec), messages, reply, target).stored()

        readings: list[LensLettersRecord] = []
        for spec in self.plan.lens_cross:
            try:
                readings.append(await asyncio.to_thread(read, spec))
            except SashellError:
                continue
        return readings

    def close(self, status: Status, error: str | None,
              annotations: list[dict[str, Any]] | None = None,
              cross: list[LensLettersRecord] | None = None) -> TurnRecord:
        """Write the turn's final record, whatever happened to the stream. (Pending checkpoint
        text is not written: the final record holds the whole reply.)"""
        ended = time.perf_counter()
        first = self.first_token
        decode_s = ended - first if first is not None else 0.0
        # The first token arrives at ttft; the rest make up the decode phase.
        decoded = max((self.usage["completion_tokens"] or 0) - 1, 0)
        timing: TimingRecord = {
            "ttft_s": round(first - self.started, 4) if first is not None else None,
            "total_s": round(ended - self.started, 4),
            "tokens_per_s": round(decoded / decode_s, 2) if decode_s > 0 and decoded else None,
            "prefix_cache": self.prefix_cache,
        }
        result: TurnResultFields = {
            "status": status,
            "error": error,
            "reply": "".join(self.pieces),
            "segments": self.segments,
            "transcript": self.transcript,
            "raw_prompt": self.raw_prompt,
            "finish_reason": self.finish_reason if status == "complete" else status,
            "usage": self.usage,
            "seeds_used": self.seeds,
            "timing": timing,
            "annotations": annotations if annotations is not None
            else self._annotations(final=True),
            "ended": now_iso(),
        }
        if self.lens is not None:
            result["lens"] = {"letters": self.lens.reading(result["reply"]).stored()}
        if cross:
            result.setdefault("lens", {})["cross"] = cross
        record: TurnRecord = {**self.head, **result}
        self.writer.finish(self.turn_id, record)
        return record


async def run_turn(plan: TurnPlan, writer: SessionWriter,
                   on_event: EventCallback | None = None,
                   recorded: RecordedReply | None = None) -> TurnResult:
    """Run one turn and journal it; a provider failure is recorded on the turn, not raised.
    ``on_event`` receives the turn's events (``TurnEvent``) as they happen. With ``recorded``
    the reply is one obtained elsewhere (a batch result), journaled and annotated the same way."""
    result = await _run_turn(plan, writer, on_event, recorded)
    if on_event is not None:
        on_event(AnnotationUpdate(list(result.record.get("annotations") or []), final=True))
        on_event(TurnFinished(result))
    return result


async def _run_turn(plan: TurnPlan, writer: SessionWriter, on_event: EventCallback | None,
                    recorded: RecordedReply | None) -> TurnResult:
    provider: ReplySource = recorded if recorded is not None else provider_for(plan.model)
    if plan.prefill and not provider.supports_prefill(plan.model):
        raise SashellError(
            "--prefill needs the embedded model or --endpoint completions; "
            f"model '{plan.model.name}' uses a chat endpoint"
        )
    await provider.prepare(plan.model)
    run = _TurnRun(plan, writer, on_event, provider)
    run.begin(recorded=recorded is not None)
    if on_event is not None:
        on_event(TurnStarted(run.turn_id, run.head))
    try:
        await run.stream(recorded=recorded is not None)
    except ProviderError as exc:
        return TurnResult(run.turn_id, run.close("error", str(exc)), str(writer.path),
                          retryable=exc.retryable)
    except (asyncio.CancelledError, KeyboardInterrupt):
        run.close("cancelled", "cancelled by the user")
        raise
    except Exception as exc:  # a malformed response (bad bytes, SSE that is not JSON), a bug
        reason = one_line(f"{plan.model.name}: the stream failed: {type(exc).__name__}: {exc}")
        return TurnResult(run.turn_id, run.close("error", reason), str(writer.path))
    try:
        annotations = await run.annotate()
        cross = await run.cross_readings()
    except (asyncio.CancelledError, KeyboardInterrupt):
        run.close("complete", None)  # the reply is whole; only the judge or lens was interrupted
        raise
    return TurnResult(run.turn_id, run.close("complete", None, annotations, cross),
                      str(writer.path))
