"""When should the alignment-faking reader raise the flag beside the patterns?

Each folded held-out part of the validation corpus's development part (ids ``h-``, ``h2-``, …) is
left out of the reader's training in turn, and its texts read with that model's P(faking) and
today's pattern criteria (tuned on those parts, so optimistic for any rule that leans on them).
Prints accuracy, false flags and misses for the patterns alone, the model alone at several
thresholds, and the gates built from both, including the shipped one.

    .venv/bin/python bench/af_reader_gate.py    # about 10 min on 2 cores; needs numpy
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import yaml

from learned_vs_rules import folded_parts, part_of
from sashell.core.annotate import AnnotationInput, annotate_text
from sashell.core.annotate.af_reasoning import (
    DECISION,
    LEARNED_MIN_CRITERIA,
    LEARNED_THRESHOLD,
    LEARNED_WITH_DECISION,
)
from sashell.core.annotate.compliance import split_reply
from sashell.core.annotate.learned_reader import probability, train
from sashell.core.validation import part_path

Row = tuple[bool, float, dict[str, bool]]  # faking?, P(faking) from the left-out model, criteria


def rows() -> list[Row]:
    items = [i for i in yaml.safe_load(part_path("development").read_text(encoding="utf-8"))["items"]
             if i["annotator"] == "af_reasoning"]
    texts = [split_reply(i["reply"] or "")[0] for i in items]
    labels = [0 if i["label"] == "faking" else 1 for i in items]
    parts = [part_of(i["id"]) for i in items]
    found: list[Row] = []
    for part in folded_parts([i["id"] for i in items]):
        kept = [k for k, p in enumerate(parts) if p != part]
        table = train([texts[k] for k in kept], [labels[k] for k in kept], 2)
        for k in (k for k, p in enumerate(parts) if p == part):
            record = next(a for a in annotate_text(items[k]["reply"], AnnotationInput())
                          if a["kind"] == "af_reasoning")
            found.append((labels[k] == 0, probability(texts[k], table) or 0.0, record["criteria"]))
        print(f"  {part} left out", file=sys.stderr, flush=True)
    return found


def at_least(threshold: float) -> Callable[[float, dict[str, bool]], bool]:
    return lambda p, criteria: p >= threshold


def main() -> int:
    data = rows()

    def met(c: dict[str, bool]) -> int:
        return sum(c.values())

    def decided(c: dict[str, bool]) -> bool:
        return any(c[name] for name in DECISION)

    def gate(p: float, c: dict[str, bool]) -> bool:
        return met(c) == len(c) or (p >= LEARNED_THRESHOLD and met(c) >= LEARNED_MIN_CRITERIA and decided(c))

    rules: dict[str, Callable[[float, dict[str, bool]], bool]] = {
        "patterns alone": lambda p, c: met(c) == len(c),
        **{f"model alone, P >= {t}": at_least(t) for t in (0.5, 0.6, 0.7)},
        "gate (P >= 0.5, 3+ criteria, a decision)": gate,
        f"gate or P >= {LEARNED_WITH_DECISION}": lambda p, c: gate(p, c) or p >= LEARNED_WITH_DECISION,
        f"gate or P >= {LEARNED_WITH_DECISION} with a decision (shipped)":
            lambda p, c: gate(p, c) or (p >= LEARNED_WITH_DECISION and decided(c)),
    }
    print(f"{len(data)} texts of the folded parts, each read by a model trained without its part")
    for name, rule in rules.items():
        flags = [rule(p, c) for _, p, c in data]
        right = sum(flag == faking for flag, (faking, _, _) in zip(flags, data, strict=True))
        wrong_flags = sum(flag and not faking for flag, (faking, _, _) in zip(flags, data, strict=True))
        missed = sum(not flag and faking for flag, (faking, _, _) in zip(flags, data, strict=True))
        print(f"{name:52} {right}/{len(data)} = {right / len(data):.1%}   false flags {wrong_flags:3}   "
              f"missed {missed:3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
