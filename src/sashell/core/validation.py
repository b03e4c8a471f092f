"""Measure the annotators against labelled texts (``sashell validate``).

A corpus is a YAML file of items, each labelling one reply for one annotator kind (see
prompts/validation/README.md). Every item is annotated exactly as a live reply is (the same
``annotate_text`` with the item's probe), the annotator class turns its record into a label
(``label``), and the labels are compared: per-label precision and recall with Wilson intervals,
accuracy, the confusion matrix and the misclassified ids. With a judge model the judge's reading
is compared too, with the labels and with the heuristics.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import yaml

from sashell.core.annotate import AnnotationInput, annotate_text
from sashell.core.annotate.registry import registry
from sashell.core.errors import SashellError
from sashell.core.judging import add_judgements
from sashell.core.models import ModelSpec
from sashell.core.paths import find_prompt_file
from sashell.core.stats import Rate

PARTS = ("development", "heldout")


class CorpusItem(TypedDict):
    id: str
    annotator: str
    label: str
    probe: str
    reply: str
    part: str


def part_path(part: str) -> Path:
    """The corpus file of a built-in part (a user's ./prompts/validation/ overrides it)."""
    path = find_prompt_file("validation", part, (".yaml", ".yml"))
    if path is None:
        raise SashellError(f"prompts/validation/{part}.yaml is missing")
    return path


def load_corpus(path: Path) -> list[CorpusItem]:
    """The items of one corpus file; a malformed file is one error naming the item."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SashellError(f"cannot read {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise SashellError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SashellError(f"{path}: expected a mapping with an 'items' list")
    part = str(data.get("part") or path.stem)
    items: list[CorpusItem] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["items"], 1):
        if not isinstance(raw, dict):
            raise SashellError(f"{path}: item {number} is not a mapping")
        for key in ("id", "annotator", "label"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise SashellError(f"{path}: item {number} has no {key!r} string")
        for key in ("probe", "reply"):
            if not isinstance(raw.get(key, ""), str):
                raise SashellError(f"{path}: item {raw['id']!r}: {key!r} must be a string")
        if raw["id"] in seen:
            raise SashellError(f"{path}: id {raw['id']!r} appears twice")
        seen.add(raw["id"])
        items.append(CorpusItem(id=raw["id"], annotator=raw["annotator"], label=raw["label"],
                                probe=raw.get("probe", ""), reply=raw.get("reply", ""), part=part))
    return items


@dataclass
class Agreement:
    """How one reader's labels compare with another's over the same items."""

    labels: list[str] = field(default_factory=list)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (truth, predicted)

    def add(self, truth: str, predicted: str) -> None:
        for label in (truth, predicted):
            if label not in self.labels:
                self.labels.append(label)
        self.confusion[truth, predicted] += 1

    @property
    def n(self) -> int:
        return sum(self.confusion.values())

    def accuracy(self) -> Rate:
        return Rate(sum(c for (t, p), c in self.confusion.items() if t == p), self.n)

    def precision(self, label: str) -> Rate:
        predicted = sum(c for (_, p), c in self.confusion.items() if p == label)
        return Rate(self.confusion[label, label], predicted)

    def recall(self, label: str) -> Rate:
        actual = sum(c for (t, _), c in self.confusion.items() if t == label)
        return Rate(self.confusion[label, label], actual)

    def record(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy().record(),
            "labels": {label: {"precision": self.precision(label).record(),
                               "recall": self.recall(label).record()} for label in self.labels},
            "confusion": [{"label": t, "predicted": p, "count": c}
                          for (t, p), c in sorted(self.confusion.items())],
        }


@dataclass
class KindReport:
    kind: str
    heuristic: Agreement = field(default_factory=Agreement)
    misclassified: list[dict[str, str]] = field(default_factory=list)
    judge_vs_labels: Agreement | None = None
    judge_vs_heuristic: Agreement | None = None
    judge_errors: int = 0

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, **self.heuristic.record(),
                               "misclassified": self.misclassified}
        if self.judge_vs_labels is not None and self.judge_vs_heuristic is not None:
            out["judge"] = {"vs_labels": self.judge_vs_labels.record(),
                            "vs_heuristic": self.judge_vs_heuristic.record(),
                            "unreadable": self.judge_errors}
        return out


@dataclass
class Report:
    parts: list[str]
    kinds: dict[str, KindReport]
    judge_model: str | None = None

    def record(self) -> dict[str, Any]:
        return {"parts": self.parts, "judge": self.judge_model,
                "annotators": [report.record() for report in self.kinds.values()]}


def measure(items: Iterable[CorpusItem], kinds: Iterable[str] | None = None,
            judge: ModelSpec | None = None) -> Report:
    """Annotate every item and compare each annotator's label with the item's."""
    known = registry()
    wanted = set(kinds) if kinds else None
    reports: dict[str, KindReport] = {}
    parts: list[str] = []
    for item in items:
        if wanted is not None and item["annotator"] not in wanted:
            continue
        cls = known.get(item["annotator"])
        if cls is None:
            raise SashellError(f"item {item['id']!r}: no annotator named {item['annotator']!r} "
                               f"(known: {', '.join(known.kinds)})")
        if item["label"] not in cls.labels():
            raise SashellError(f"item {item['id']!r}: label {item['label']!r} is not one of the "
                               f"{cls.kind} labels ({', '.join(cls.labels())})")
        if item["part"] not in parts:
            parts.append(item["part"])
        records = annotate_text(item["reply"], AnnotationInput(probe=item["probe"]))
        record = next(r for r in records if r["kind"] == cls.kind)
        report = reports.setdefault(cls.kind, KindReport(cls.kind))
        predicted = cls.label(record)
        report.heuristic.add(item["label"], predicted)
        if predicted != item["label"]:
            report.misclassified.append({"id": item["id"], "label": item["label"],
                                         "predicted": predicted})
        if judge is not None and cls.judge_prompt is not None:
            _judge_item(report, cls, record, item, predicted, judge)
    return Report(parts, reports, judge.name if judge else None)


def _judge_item(report: KindReport, cls: Any, record: dict[str, Any], item: CorpusItem,
                predicted: str, judge: ModelSpec) -> None:
    if report.judge_vs_labels is None or report.judge_vs_heuristic is None:
        report.judge_vs_labels, report.judge_vs_heuristic = Agreement(), Agreement()
    asyncio.run(add_judgements([record], item["probe"], item["reply"], judge))
    judged = cls.judge_label(record)
    if judged is None:
        if record.get("judge") is not None:
            report.judge_errors += 1
        return
    report.judge_vs_labels.add(item["label"], judged)
    report.judge_vs_heuristic.add(predicted, judged)
