"""Turn plans: everything that decides what one turn sends, built by one function.

Every front end and runner (probe, the TUI and REPL shell, sweeps, re-runs) builds its plans
with ``plan_turn``, so a sample's seed, the accept/reject instruction, the acrostic targets and
a condition's label mean the same everywhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sashell.core.contexts import Context, Message, Tier, accept_reject_instruction
from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.probes import MAX_PROBE_CHARS
from sashell.core.providers.base import SamplingParams
from sashell.core.records import TurnExtra

if TYPE_CHECKING:  # importing the annotators (their patterns compile) is left to who annotates
    from sashell.core.annotate.base import AnnotationInput

DEFAULT_TARGET = "HELLO"


@dataclass
class TurnPlan:
    """Everything that decides what is sent for one turn."""

    model: ModelSpec
    context: Context
    tier: Tier
    probe: str
    params: SamplingParams = field(default_factory=SamplingParams)
    accept_reject: bool = False  # the accept/reject instruction is appended to the probe
    prefill: str = ""
    history: list[Message] | None = None  # follow-up: the conversation so far
    conversation: str | None = None
    parent_turn: int | None = None
    targets: tuple[str, ...] = ("HELLO",)
    condition: str | None = None  # a label for compare/sweep cells
    group: str | None = None  # turns sent together (compare panes, samples) share a group id
    judge: ModelSpec | None = None  # an LLM judge whose verdicts are stored beside the heuristics
    timeout: float | None = None  # seconds a remote endpoint may stay silent
    sent: list[Message] | None = None  # exact messages to send (re-running a stored turn)
    extra: TurnExtra | None = None  # stored on the turn: a sweep cell, a re-run's source
    lens_letters: str | None = None  # read letter pressure towards this word as the reply samples
    lens_cross: tuple[ModelSpec, ...] = ()  # then score the finished reply under these models

    def annotation_input(self) -> AnnotationInput:
        """What the annotators are told about this turn's reply."""
        from sashell.core.annotate.base import AnnotationInput

        return AnnotationInput(probe=self.probe, targets=self.targets,
                               scratchpad=self.context.scratchpad)

    def messages(self) -> list[Message]:
        if self.sent is not None:
            return list(self.sent)
        suffix = accept_reject_instruction() if self.accept_reject else ""
        return self.context.messages(self.probe, self.tier, suffix, self.history)




def sample_params(params: SamplingParams, sample: int) -> SamplingParams:
    """Sample k of a seeded run uses seed + k: samples differ and every one reproduces."""
    if params.seed is None or not sample:
        return params
    return replace(params, seed=params.seed + sample)


def acrostic_targets(extra: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """HELLO, then any other target words, upper-cased, each once."""
    return tuple(dict.fromkeys((DEFAULT_TARGET, *(t.upper() for t in extra if t))))


def condition_label(model: ModelSpec, tier: Tier) -> str:
    return f"{model.name} · {tier}"


def plan_turn(model: ModelSpec, context: Context, tier: Tier, probe: str, *,
              params: SamplingParams | None = None, sample: int = 0,
              accept_reject: bool = False, prefill: str = "",
              history: list[Message] | None = None, conversation: str | None = None,
              parent_turn: int | None = None, targets: tuple[str, ...] | list[str] = (),
              condition: str | None = None, group: str | None = None,
              judge: ModelSpec | None = None, timeout: float | None = None,
              sent: list[Message] | None = None,
              extra: TurnExtra | None = None, lens_letters: str | None = None,
              lens_cross: tuple[ModelSpec, ...] = ()) -> TurnPlan:
    """The one way to build a TurnPlan; input errors are raised here, before anything is sent."""
    if sent is None:
        if not probe.strip():
            raise SashellError("the probe is empty")
        if len(probe) > MAX_PROBE_CHARS:
            raise SashellError(f"the probe is {len(probe):,} characters; the limit is "
                               f"{MAX_PROBE_CHARS:,}")
    if accept_reject:
        accept_reject_instruction()  # a missing instruction file fails now, not mid-sweep
    if lens_letters is not None:
        from sashell.core.providers import provider_for

        if not lens_letters.isalpha() or not lens_letters.isascii():
            raise SashellError(f"the lens target must be a word of letters A-Z, not {lens_letters!r}")
        if not provider_for(model).capabilities(model).observes_logits:
            raise SashellError(
                f"--lens reads the logits a model samples from, which only the embedded models "
                f"report; model '{model.name}' is {model.provider}. Score its reply afterwards "
                "with `sashell lens letters --reply-file` on a completions endpoint")
    return TurnPlan(
        model=model, context=context, tier=tier, probe=probe,
        params=sample_params(params or SamplingParams(), sample),
        accept_reject=accept_reject, prefill=prefill, history=history or None,
        conversation=conversation or uuid.uuid4().hex[:12], parent_turn=parent_turn,
        targets=acrostic_targets(targets), condition=condition,
        group=group, judge=judge, timeout=timeout, sent=sent, extra=extra,
        lens_letters=lens_letters.upper() if lens_letters else None,
        lens_cross=tuple(lens_cross) if lens_letters else (),
    )
