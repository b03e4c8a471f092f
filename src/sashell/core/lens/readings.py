"""`lens accept` and `lens number` for any model: exact where the provider gives whole
next-token distributions (the embedded models), else from top-k lists (completions endpoints
follow the answer token by token; chat endpoints give the answer's first token only)."""

from __future__ import annotations

from sashell.core.errors import SashellError
from sashell.core.lens.sequences import AcceptReading, NumberReading, accept_reading, number_reading
from sashell.core.lens.topk import After, Top, accept_from_top, number_from_top
from sashell.core.models import ModelSpec
from sashell.core.plan import TurnPlan
from sashell.core.providers import provider_for
from sashell.core.providers.base import NextTokenModel


def _exact(spec: ModelSpec) -> NextTokenModel | None:
    return provider_for(spec).next_token_model(spec)


def _prefix(model: NextTokenModel, plan: TurnPlan) -> list[int]:
    prefix = model.prompt_tokens(plan.messages())
    return prefix + model.text_tokens(plan.prefill) if plan.prefill else prefix


def _answer_top(spec: ModelSpec, plan: TurnPlan) -> tuple[Top, After | None]:
    """The answer's first tokens, and how to read on after any start of it (or None)."""
    provider = provider_for(spec)
    scorer = provider.top_k_model(spec)
    if scorer is not None:
        prompt = scorer.prompt_text(plan.messages(), plan.prefill)
        return scorer.top(prompt), lambda so_far: scorer.top(prompt + so_far)
    answer = provider.answer_top_k(spec)
    if answer is None:
        raise SashellError(f"model '{spec.name}' ({spec.provider}) gives no log-probabilities")
    if plan.prefill:
        raise SashellError(f"model '{spec.name}': a chat endpoint cannot continue a prefilled "
                           "answer; use its completions endpoint (--endpoint completions)")
    return answer.first(plan.messages()), None


def read_accept(spec: ModelSpec, plan: TurnPlan, tier: str) -> AcceptReading:
    exact = _exact(spec)
    if exact is not None:
        return accept_reading(exact, _prefix(exact, plan), tier, plan.probe)
    first, after = _answer_top(spec, plan)
    return accept_from_top(spec.name, tier, plan.probe, first, after)


def read_number(spec: ModelSpec, plan: TurnPlan, low: int, high: int) -> NumberReading:
    exact = _exact(spec)
    if exact is not None:
        return number_reading(exact, _prefix(exact, plan), plan.probe, low, high)
    first, after = _answer_top(spec, plan)
    return number_from_top(spec.name, plan.probe, first, after, low, high)
