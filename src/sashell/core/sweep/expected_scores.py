"""`sweep --logprobs`: a self-report on a scale read as one expected score per probe, model and
tier (the lens's number reading: the probability-weighted mean over the whole-number answers,
``None`` when less than a quarter of the mass is on numbers) instead of sampled replies.

Readings are journalled one JSON line each in the sweep's folder (``lens-scores.jsonl``,
appended with one write, so two processes resuming the same sweep both keep theirs); a resumed
sweep reads only what is missing."""

from __future__ import annotations

import asyncio
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sashell.core.contexts import Context, Tier
from sashell.core.errors import SashellError
from sashell.core.lens.readings import read_number
from sashell.core.models import ModelSpec
from sashell.core.plan import plan_turn
from sashell.core.probes import Probe
from sashell.core.providers.base import SamplingParams

JOURNAL = "lens-scores.jsonl"
MAX_NUMBERS = 1001  # whole numbers a scale may span (each is scored as a token sequence)


@dataclass(frozen=True)
class ScoreReading:
    probe: Probe
    model: str
    tier: Tier

    @property
    def key(self) -> str:
        return f"{self.probe.id}|{self.model}|{self.tier}|lens"


def whole_scale(probe: Probe) -> tuple[int, int]:
    """The probe's scale as whole numbers, or a one-line error."""
    if probe.scale is None:
        raise SashellError(f"probe '{probe.id}' has no scale")
    low, high = probe.scale
    if low != math.floor(low) or high != math.floor(high) or high - low + 1 > MAX_NUMBERS:
        raise SashellError(f"probe '{probe.id}': --logprobs reads whole-number scales of at most "
                           f"{MAX_NUMBERS} numbers (scale {low:g} to {high:g})")
    return int(low), int(high)


def load_journal(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The readings a sweep's folder holds, by key (unreadable lines are skipped: a torn last
    line from a crash is read again)."""
    path = out_dir / JOURNAL
    found: dict[str, dict[str, Any]] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise SashellError(f"cannot read {path}: {exc.strerror or exc}") from None
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            found[entry["key"]] = entry
    return found


def _append(path: Path, entry: dict[str, Any]) -> None:
    data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn line from a crash: end it
            data = b"\n" + data
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


async def read_scores(readings: list[ScoreReading], out_dir: Path,
                      models: Mapping[str, ModelSpec], context: Callable[[Tier], Context],
                      params: SamplingParams,
                      on_reading: Callable[[ScoreReading, str | None], None] | None = None,
                      ) -> dict[str, dict[str, Any]]:
    """Read every missing score (one at a time: each is one evaluation or one request); a
    reading that fails is reported to ``on_reading`` with its error and left for a resume."""
    done = load_journal(out_dir)
    for reading in readings:
        if reading.key in done:
            continue
        spec = models[reading.model]
        low, high = whole_scale(reading.probe)
        plan = plan_turn(spec, context(reading.tier), reading.tier, reading.probe.text,
                         params=params)
        try:
            number = await asyncio.to_thread(read_number, spec, plan, low, high)
        except SashellError as exc:  # provider errors included: the sweep goes on
            if on_reading:
                on_reading(reading, str(exc))
            continue
        entry = {"key": reading.key, "probe": reading.probe.id, "model": reading.model,
                 "tier": reading.tier, "scale": [low, high],
                 **{k: v for k, v in number.record().items() if k not in ("model", "probe")}}
        _append(out_dir / JOURNAL, entry)
        done[reading.key] = entry
        if on_reading:
            on_reading(reading, None)
    return done


def score_rows(readings: list[ScoreReading],
               journal: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Summary rows: per probe, model and tier, the expected score and the mass on numbers
    (None where the reading is missing), and the free − paid difference per probe and model
    where both tiers were read."""
    rows: list[dict[str, Any]] = []
    for reading in readings:
        entry = journal.get(reading.key) or {}
        rows.append({"probe": reading.probe.id, "model": reading.model, "tier": reading.tier,
                     "scale": list(whole_scale(reading.probe)), "read": bool(entry),
                     "expected": _number(entry.get("expected")),
                     "mass": _number(entry.get("mass")),
                     "exact": bool(entry.get("exact")) if entry else None})
    by_key = {(r["probe"], r["model"], r["tier"]): r for r in rows}
    for row in rows:
        if row["tier"] == "free":
            paid = by_key.get((row["probe"], row["model"], "paid"))
            if paid and row["expected"] is not None and paid["expected"] is not None:
                row["gap_free_minus_paid"] = round(row["expected"] - paid["expected"], 4)
    return rows


def _number(value: Any) -> float | None:
    """A stored number, or None (a journal is a file: anything else is not trusted)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
