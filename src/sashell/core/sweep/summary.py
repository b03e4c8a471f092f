"""From finished cells to the numbers a researcher quotes: flag rates per model × tier with
Wilson intervals, the compliance gap per model with Newcombe's interval, and numeric
self-reports averaged with non-answers dropped and counted."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sashell.core.annotate.base import AnnotationInput
from sashell.core.annotate.registry import AnnotatorRegistry, annotations_of, registry
from sashell.core.plan import acrostic_targets
from sashell.core.stats import PairedDifference, Rate, newcombe
from sashell.core.sweep.numbers import parse_score
from sashell.core.sweep.spec import Cell, SweepSpec


def metric_names() -> list[str]:
    """Every registered annotator's static metrics, in display order."""
    return list(_metric_names(registry()))


@lru_cache(maxsize=4)
def _metric_names(known: AnnotatorRegistry) -> tuple[str, ...]:
    return tuple(m.name for m in known.metrics())


@dataclass
class CellOutcome:
    """What one cell ended as: the flags of its completed turn, or the reason it failed."""

    cell: Cell
    status: str  # complete | failed
    turn: int | None = None
    session: str | None = None
    attempts: int = 1
    reason: str | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    columns: dict[str, Any] = field(default_factory=dict)  # annotators' extra per-turn values
    judge_verdict: str | None = None
    score: float | None = None
    # with the lens: P(the expected letter) at each counted line (None past the target word)
    pressure: list[float | None] = field(default_factory=list)

    @classmethod
    def from_turn(cls, cell: Cell, record: Mapping[str, Any], session: str,
                  attempts: int = 1, turn: int | None = None) -> CellOutcome:
        annotations = annotations_of(record.get("annotations"))
        known = registry()
        outcome = cls(cell=cell, status="complete", turn=record.get("turn", turn), session=session,
                      attempts=attempts)
        outcome.flags = dict.fromkeys(_metric_names(known), False)
        outcome.flags.update(known.metric_values(annotations))
        outcome.columns = known.columns(annotations)
        outcome.judge_verdict = known.judge_verdict(annotations)
        if cell.probe.scale:
            outcome.score = parse_score(str(record.get("reply", "")), cell.probe.scale)
        letters = (record.get("lens") or {}).get("letters") or {}
        outcome.pressure = [line.get("lower") if line.get("expected") else None
                            for line in letters.get("lines") or []]
        return outcome

    def row(self) -> dict[str, Any]:
        return {
            "key": self.cell.key, "probe": self.cell.probe.id, "model": self.cell.model,
            "tier": self.cell.tier, "sample": self.cell.sample, "status": self.status,
            "attempts": self.attempts, "session": self.session, "turn": self.turn,
            "reason": self.reason, **{m: self.flags.get(m) for m in metric_names()},
            **(self.columns or {k: None for k in registry().columns([])}),
            "judge": self.judge_verdict, "score": self.score,
        }


def _mean_interval(values: list[float]) -> dict[str, Any]:
    n = len(values)
    if not n:
        return {"mean": None, "sd": None, "ci95": None}
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    half = 1.96 * sd / math.sqrt(n) if n > 1 else None
    return {"mean": round(mean, 4), "sd": round(sd, 4),
            "ci95": [round(mean - half, 4), round(mean + half, 4)] if half is not None else None}


def summarise(spec: SweepSpec, outcomes: list[CellOutcome],
              expected_scores: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The summary (summary.json); ``expected_scores`` are ``Sweep.expected_scores()`` rows
    (sweeps with --logprobs)."""
    by_condition: dict[tuple[str, str], list[CellOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_condition[(outcome.cell.model, outcome.cell.tier)].append(outcome)
    targets = acrostic_targets((*spec.probe_set.targets,
                                *(t for p in spec.probe_set.items for t in p.targets)))
    metrics = registry().metrics(AnnotationInput(targets=targets))
    conditions = []
    rates: dict[tuple[str, str], dict[str, Rate]] = {}
    for model in spec.models:
        for tier in spec.tiers:
            cells = by_condition.get((model, tier), [])
            done = [o for o in cells if o.status == "complete"]
            failed = [o for o in cells if o.status == "failed"]
            condition_rates = {m.name: Rate(sum(o.flags.get(m.name, False) for o in done), len(done))
                               for m in metrics}
            verdicts = sorted({o.judge_verdict for o in done if o.judge_verdict})
            judged = [o for o in done if o.judge_verdict]
            for verdict in verdicts:
                condition_rates[f"judge_{verdict}"] = Rate(
                    sum(o.judge_verdict == verdict for o in judged), len(judged))
            rates[(model, tier)] = condition_rates
            conditions.append({
                "model": model, "tier": tier, "cells": len(spec.probe_set.items) * spec.samples,
                "n": len(done), "failed": len(failed),
                "failures": sorted({o.reason or "unknown" for o in failed}),
                "rates": {name: rate.record() for name, rate in condition_rates.items()},
                # with --judge: how many replies got a verdict (the judge_* rates are over these)
                "judged": len(judged) if spec.judge else None,
            })
    gaps = []
    gap_metrics = [name for cls in registry().classes for name in cls.gap_metrics]
    if "free" in spec.tiers and "paid" in spec.tiers:
        for model, metric in ((m, g) for m in spec.models for g in gap_metrics):
            free, paid = rates[(model, "free")][metric], rates[(model, "paid")][metric]
            if free.n and paid.n:
                low, high = newcombe(free.k, free.n, paid.k, paid.n)
                gap = free.k / free.n - paid.k / paid.n
                paired = _paired(by_condition[(model, "free")], by_condition[(model, "paid")],
                                 metric).record("free", "paid")
                gaps.append({"model": model, "metric": metric, "free": free.record(),
                             "paid": paid.record(), "gap": round(gap, 6),
                             "ci95": [round(low, 6), round(high, 6)], "method": "newcombe",
                             "mcnemar_p": paired["mcnemar_p"], "paired": paired})
    model_differences = []
    for tier in spec.tiers:
        reference = spec.models[0]
        for model in spec.models[1:]:
            for metric in (m.name for m in metrics):
                paired_difference = _paired(by_condition.get((model, tier), []),
                                            by_condition.get((reference, tier), []), metric)
                if paired_difference.pairs and (paired_difference.both or paired_difference.flips):
                    model_differences.append({"tier": tier, "model": model, "reference": reference,
                                              "metric": metric,
                                              **paired_difference.record("model", "reference")})
    scores = []
    for probe in spec.probe_set.items:
        if not probe.scale or not spec.sampled(probe):  # --logprobs reads it instead
            continue
        for model in spec.models:
            for tier in spec.tiers:
                done = [o for o in by_condition.get((model, tier), [])
                        if o.status == "complete" and o.cell.probe.id == probe.id]
                values = [o.score for o in done if o.score is not None]
                scores.append({"probe": probe.id, "model": model, "tier": tier,
                               "scale": list(probe.scale), "answered": len(values),
                               "dropped": len(done) - len(values), **_mean_interval(values)})
    by_probe = []
    for probe in spec.probe_set.items:
        for model in spec.models:
            for tier in spec.tiers:
                done = [o for o in by_condition.get((model, tier), [])
                        if o.status == "complete" and o.cell.probe.id == probe.id]
                by_probe.append({"probe": probe.id, "model": model, "tier": tier, "n": len(done),
                                 **{m: sum(o.flags.get(m, False) for o in done)
                                    for m in metric_names()}})
    total = len(spec.cells())
    letters = _letters_by_line(spec, by_condition, targets[0]) if spec.lens else []
    return {
        "cells": total,
        "complete": sum(o.status == "complete" for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "targets": list(targets),
        "metrics": {m.name: m.description for m in registry().metrics()},
        "conditions": conditions, "gaps": gaps, "model_differences": model_differences,
        "scores": scores, "by_probe": by_probe,
        **({"letters_by_line": letters} if spec.lens else {}),
        **({"expected_scores": expected_scores or []} if spec.logprobs else {}),
    }


def _letters_by_line(spec: SweepSpec, by_condition: Mapping[tuple[str, str], list[CellOutcome]],
                     target: str) -> list[dict[str, Any]]:
    """Per condition, P(the expected letter) at each line of the target word: the mean over the
    replies the lens read, with a 95% interval (normal approximation over replies)."""
    rows = []
    for model in spec.models:
        for tier in spec.tiers:
            done = [o for o in by_condition.get((model, tier), [])
                    if o.status == "complete" and o.pressure]
            lines = []
            for index, letter in enumerate(target):
                values = [p for o in done if index < len(o.pressure)
                          and (p := o.pressure[index]) is not None]
                lines.append({"line": index, "expected": letter, "n": len(values),
                              **_mean_interval(values)})
            rows.append({"model": model, "tier": tier, "read": len(done), "target": target,
                         "lines": lines})
    return rows


def _paired(first: list[CellOutcome], second: list[CellOutcome], metric: str) -> PairedDifference:
    """Cells of two conditions that share a probe and a sample (so a seed), both complete."""
    done = {(o.cell.probe.id, o.cell.sample): bool(o.flags.get(metric)) for o in second
            if o.status == "complete"}
    return PairedDifference.of({key: (bool(o.flags.get(metric)), done[key]) for o in first
                                if o.status == "complete"
                                and (key := (o.cell.probe.id, o.cell.sample)) in done})


def paired_samples(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]
                   ) -> dict[str, PairedDifference]:
    """Two conditions' replies to one probe, sample k of one paired with sample k of the other
    (the same seed), both complete: the paired difference per metric that either raised."""
    known = registry()
    flags = [[known.metric_values(annotations_of(record.get("annotations")))
              if record.get("status") == "complete" else None for record in records]
             for records in (first, second)]
    pairs = [(a, b) for a, b in zip(*flags, strict=False) if a is not None and b is not None]
    return {metric: PairedDifference.of({("probe", k): (bool(a.get(metric)), bool(b.get(metric)))
                                         for k, (a, b) in enumerate(pairs)})
            for metric in _metric_names(known)
            if any(a.get(metric) or b.get(metric) for a, b in pairs)}
