"""Re-running a saved session against another model or tier, and the per-turn flag differences.

Each stored turn is sent again with the same messages, context, sampling parameters and seed.
With a different tier, a fresh turn's messages are rendered again from its context for that tier;
a follow-up turn cannot be (its history was answered under the old tier), so it is skipped with a
note. The new session's header names its source; each new turn names the turn it re-runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sashell.core.contexts import Context, Message, Tier, load_context
from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.plan import TurnPlan, condition_label, plan_turn
from sashell.core.providers.base import SamplingParams
from sashell.core.replay import flag_names
from sashell.core.session import LoadedSession, SessionWriter, slugify
from sashell.core.turn import TurnResult, run_turn


@dataclass
class RerunPair:
    source: dict[str, Any]
    new: Mapping[str, Any] | None = None  # None when the turn was skipped
    new_turn: int | None = None
    note: str | None = None

    @property
    def source_flags(self) -> list[str]:
        return sorted(flag_names(self.source.get("annotations") or []))

    @property
    def new_flags(self) -> list[str]:
        return sorted(flag_names((self.new or {}).get("annotations") or []))

    @property
    def changed(self) -> bool:
        return self.new is not None and self.source_flags != self.new_flags

    def record(self) -> dict[str, Any]:
        return {"source_turn": self.source.get("turn"), "new_turn": self.new_turn,
                "probe": self.source.get("probe"),
                "source_status": self.source.get("status"),
                "new_status": (self.new or {}).get("status"),
                "source_flags": self.source_flags, "new_flags": self.new_flags,
                "changed": self.changed, "note": self.note}


@dataclass
class RerunResult:
    source: Path
    session: Path | None
    model: str
    tier: str | None
    pairs: list[RerunPair] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """Flag counts over the re-run turns, before and after, computed from the pairs."""
        ran = [p for p in self.pairs if p.new is not None]
        before = Counter(flag for p in ran for flag in p.source_flags)
        after = Counter(flag for p in ran for flag in p.new_flags)
        return {
            "turns": len(self.pairs), "rerun": len(ran),
            "skipped": len(self.pairs) - len(ran),
            "changed": sum(p.changed for p in ran),
            "flags": {name: {"source": before[name], "new": after[name]}
                      for name in sorted(set(before) | set(after))},
        }

    def record(self) -> dict[str, Any]:
        return {"source": str(self.source), "session": str(self.session) if self.session else None,
                "against": self.model, "tier": self.tier,
                "turns": [p.record() for p in self.pairs], "totals": self.totals()}


def _stored_context(turn: dict[str, Any]) -> Context:
    stored = turn.get("context") or {}
    messages = turn.get("messages") or []
    system = messages[0]["content"] if messages and messages[0].get("role") == "system" else ""
    return Context(name=str(stored.get("name") or "stored"), system=system,
                   user_template=str(stored.get("user_template") or "{probe}"),
                   scratchpad=bool(stored.get("scratchpad")), path=stored.get("path"))


def _params(turn: dict[str, Any]) -> SamplingParams:
    stored = dict(turn.get("params") or {})
    stored["stop"] = tuple(stored.get("stop") or ())
    try:
        return SamplingParams(**stored)
    except TypeError as exc:
        raise SashellError(f"turn {turn.get('turn')}: unreadable sampling parameters: {exc}") from None


def plan_rerun(turn: dict[str, Any], model: ModelSpec, tier: Tier | None,
               targets: tuple[str, ...] = ("HELLO",)) -> TurnPlan | str:
    """The plan that re-sends ``turn`` to ``model`` (and ``tier``), or why it cannot be."""
    number = turn.get("turn")
    probe = turn.get("probe")
    messages = turn.get("messages")
    if not isinstance(probe, str) or not isinstance(messages, list) or not messages:
        return f"turn {number} has no stored probe and messages"
    old_tier = str(turn.get("tier") or "none")
    new_tier: Tier = tier or old_tier  # type: ignore[assignment]
    context = _stored_context(turn)
    sent: list[Message] | None = [{"role": str(m.get("role")), "content": str(m.get("content"))}
                                  for m in messages if isinstance(m, dict)]
    if new_tier != old_tier:
        if turn.get("parent_turn") is not None:
            return f"turn {number} is a follow-up; its history was answered as tier {old_tier}"
        try:
            context = load_context(context.name)
        except SashellError:
            return f"turn {number}: context '{context.name}' cannot be rendered for another tier"
        sent = None  # rendered from the context for the new tier
    return plan_turn(
        model, context, new_tier, probe, params=_params(turn),
        accept_reject=bool(turn.get("accept_reject")), prefill=str(turn.get("prefill") or ""),
        targets=targets, condition=condition_label(model, new_tier), sent=sent,
        extra={"source_turn": int(number)} if isinstance(number, int) else None,
    )


async def rerun_session(loaded: LoadedSession, model: ModelSpec, tier: Tier | None,
                        sessions_dir: Path, targets: tuple[str, ...] = ("HELLO",),
                        judge: ModelSpec | None = None,
                        on_turn: Callable[[RerunPair], None] | None = None) -> RerunResult:
    result = RerunResult(source=loaded.path, session=None, model=model.name, tier=tier)
    plans: list[tuple[dict[str, Any], TurnPlan | str]] = [
        (turn, plan_rerun(turn, model, tier, targets)) for turn in loaded.turns]
    if not any(isinstance(plan, TurnPlan) for _, plan in plans):
        raise SashellError(f"{loaded.path}: no turn can be re-run: "
                           + next(str(plan) for _, plan in plans))
    name = f"{datetime.now():%Y%m%d-%H%M%S}-{slugify(loaded.name, 30)}-vs-{slugify(model.name, 20)}"
    writer = SessionWriter.create(sessions_dir, name, extra={"source": {
        "path": str(loaded.path.resolve()), "name": loaded.name, "against": model.name,
        "tier": tier}})
    result.session = writer.path
    try:
        for turn, plan in plans:
            pair = RerunPair(source=turn)
            if isinstance(plan, str):
                pair.note = plan
            else:
                plan.judge = judge
                outcome: TurnResult = await run_turn(plan, writer)
                pair.new, pair.new_turn = outcome.record, outcome.turn
                if outcome.error:
                    pair.note = outcome.error
            result.pairs.append(pair)
            if on_turn is not None:
                on_turn(pair)
    finally:
        writer.close()
    return result
