"""The state of an interactive probing session, shared by the TUI and the REPL.

A ProbeShell holds the current model, tier, context and toggles, turns a probe into TurnPlans for
one condition or several (compare mode: tiers, base vs fine-tune, or both), runs them, and keeps
the session journal. Front ends only display what it does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sashell.core.contexts import TIERS, Context, Tier, resolve_context
from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.paths import sessions_dir
from sashell.core.plan import TurnPlan, plan_turn
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import Registry, load_registry
from sashell.core.session import LoadedSession, SessionWriter, load_session, session_files, slugify
from sashell.core.turn import EventCallback, TurnResult, run_turn

CompareMode = Literal["tiers", "models", "grid"]


@dataclass(frozen=True)
class Condition:
    model: ModelSpec
    tier: Tier

    @property
    def label(self) -> str:
        return f"{self.model.name} · {self.tier}"


DEFAULT_PARAMS = SamplingParams(max_tokens=256)  # the shell's sampling until the user changes it


@dataclass
class ProbeShell:
    registry: Registry = field(default_factory=load_registry)
    model_name: str = "smollm2"
    tier: Tier = "none"
    context_name: str | None = None  # None: 'none' for tier none, alignment-faking for free/paid
    no_scratchpad: bool = False
    system_file: str | None = None  # a file whose text replaces the context's system prompt
    follow_up: bool = False
    accept_reject: bool = False
    lens: bool = False  # letter pressure as replies are sampled (models that report logits)
    params: SamplingParams = field(default_factory=lambda: DEFAULT_PARAMS)
    targets: tuple[str, ...] = ("HELLO",)
    sessions_dir: Path = field(default_factory=sessions_dir)
    writer: SessionWriter | None = None
    last_turn: Mapping[str, Any] | None = None  # the last single-condition turn, for follow-ups

    def __post_init__(self) -> None:
        self.registry.get(self.model_name)  # fail early on an unknown model

    # -- settings -------------------------------------------------------------------------------
    @property
    def model(self) -> ModelSpec:
        return self.registry.get(self.model_name)

    def set_model(self, name: str) -> ModelSpec:
        spec = self.registry.get(name)
        self.model_name = name
        return spec

    def cycle_tier(self) -> Tier:
        self.tier = TIERS[(TIERS.index(self.tier) + 1) % len(TIERS)]
        return self.tier

    def context_for(self, tier: Tier) -> Context:
        return resolve_context(self.context_name, tier, no_scratchpad=self.no_scratchpad,
                               system_file=self.system_file)

    def set_context(self, name: str | None, system_file: str | None = None) -> None:
        """Choose the context (None: by tier) and optionally a system prompt file; an unknown
        context or a missing file fails here and changes nothing."""
        for tier in TIERS:
            resolve_context(name, tier, no_scratchpad=self.no_scratchpad, system_file=system_file)
        self.context_name, self.system_file = name, system_file

    def pair_of(self, spec: ModelSpec) -> tuple[ModelSpec, ModelSpec]:
        """(base, fine-tune) for comparing: the model's base, or its first fine-tune."""
        if spec.base:
            return self.registry.get(spec.base), spec
        tunes = sorted(self.registry.fine_tunes_of(spec.name), key=lambda m: m.name)
        if not tunes:
            raise SashellError(f"'{spec.name}' has no registered fine-tune to compare against")
        return spec, tunes[0]

    def conditions(self, mode: CompareMode | None = None) -> list[Condition]:
        spec = self.model
        if mode is None:
            return [Condition(spec, self.tier)]
        tiers: list[Tier] = ["free", "paid"]
        if mode == "tiers":
            return [Condition(spec, t) for t in tiers]
        base, tune = self.pair_of(spec)
        if mode == "models":
            return [Condition(base, self.tier), Condition(tune, self.tier)]
        return [Condition(m, t) for m in (base, tune) for t in tiers]

    # -- plans and runs -------------------------------------------------------------------------
    def plan(self, probe: str, condition: Condition, sample: int = 0,
             follow: bool | None = None, partner: Condition | None = None) -> TurnPlan:
        """The turn for one condition; with the lens on and a comparison ``partner``, the
        finished reply is also scored under the partner's model (stored on the turn)."""
        follow = self.follow_up if follow is None else follow
        last = self.last_turn if follow else None
        history = list(last.get("transcript") or []) if last else None
        return plan_turn(
            condition.model, self.context_for(condition.tier), condition.tier, probe,
            params=self.params, sample=sample, accept_reject=self.accept_reject, history=history,
            conversation=str(last["conversation"]) if last else None,
            parent_turn=int(last["turn"]) if last else None,
            targets=self.targets, condition=condition.label,
            lens_letters=self.targets[0] if self.lens and self.lens_reads(condition.model) else None,
            lens_cross=(partner.model,) if partner and self.lens_reads(partner.model) else (),
        )

    def partner(self, condition: Condition, conditions: list[Condition]) -> Condition | None:
        """In a models or grid comparison, the other model's condition with the same tier."""
        return next((c for c in conditions
                     if c.tier == condition.tier and c.model.name != condition.model.name), None)

    def lens_reads(self, spec: ModelSpec) -> bool:
        """Whether the lens can read this model as it samples (its provider reports logits)."""
        from sashell.core.providers import provider_for

        return provider_for(spec).capabilities(spec).observes_logits

    def session_writer(self, title_hint: str = "session") -> SessionWriter:
        if self.writer is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.writer = SessionWriter.create(self.sessions_dir, f"{stamp}-{slugify(title_hint)}")
        return self.writer

    async def run(self, plan: TurnPlan, on_event: EventCallback | None = None,
                  remember: bool = True) -> TurnResult:
        result = await run_turn(plan, self.session_writer(plan.probe), on_event)
        if remember and result.status == "complete":
            self.last_turn = result.record
        return result

    # -- sessions -------------------------------------------------------------------------------
    def new_session(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer, self.last_turn = None, None

    def open_session(self, path: Path) -> LoadedSession:
        writer, loaded = SessionWriter.append_to(path)  # refuses damaged files, never modifies them
        if self.writer is not None:
            self.writer.close()
        self.writer = writer
        complete = [t for t in loaded.turns if t.get("status") == "complete"]
        self.last_turn = complete[-1] if complete else None
        return loaded

    def rename_session(self, name: str) -> Path:
        if self.writer is None:
            raise SashellError("nothing to rename yet: the session starts with its first probe")
        slug = slugify(name, 60)
        target = self.writer.path.with_name(f"{slug}.jsonl")
        if target.exists():
            raise SashellError(f"a session named {target.name} already exists")
        self.writer.close()
        os.replace(self.writer.path, target)
        self.writer = SessionWriter.open_existing(load_session(target))
        return target

    def list_sessions(self) -> list[Path]:
        return session_files(self.sessions_dir)
