"""Should a learned reader turn an undelivered "complied" into "refused"? (compliance, issue 20)

Most compliance misses on fresh held-out parts were answers read as complied because no rule
knew their wording, refusals among them. This checks a second reader on exactly those answers,
in the order the parts were written: for each held-out part from the twentieth on, a softmax
over refused / complied / partial / unclear is trained on the answer's first 400 characters of
every development text that existed before that part (ids of earlier parts, and the texts
written before numbering began), and it reads the answers that part's one look labelled
complied (bench/one_look_misses.json records each look's misclassified ids) and that deliver
nothing (no quote, colon or "here's"): the answers the shipped gate lets it read. For each
threshold of P(refused over complied): how many it turns, how many of those were refusals
(right), complied (broken) or something else.

    .venv/bin/python bench/learned_refusals.py            # about 4 minutes
    .venv/bin/python bench/learned_refusals.py --today    # also: today's rules on development

``--today`` adds what the reader does behind today's rules: development in ten folds by part,
each read by a model trained on the other nine, on the answers today's rules label complied.
Needs numpy only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import yaml

from sashell.core.annotate import AnnotationInput, annotate_text, compliance
from sashell.core.annotate.compliance import DELIVERY_MARKS, LEARNED_CLASSES, ComplianceAnnotator, split_reply
from sashell.core.annotate.compliance_phrases import EARLY_CHARS
from sashell.core.annotate.learned_reader import feature_matrix, fit_softmax
from sashell.core.validation import part_path

LOOKS = json.loads((Path(__file__).parent / "one_look_misses.json").read_text(encoding="utf-8"))["misses"]
THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8)


def part_number(item_id: str) -> int:
    """The held-out part a text came from, or the round a development text was written in
    (``h12-…``, ``d12-…``: 12; ``h-…``: 1); 0 for texts written before numbering began."""
    found = re.match(r"[hd](\d*)-", item_id)
    return 0 if not found else int(found.group(1) or 1)


def delivers(answer: str) -> bool:
    head = answer[:EARLY_CHARS].lower()
    return any(mark in head for mark in DELIVERY_MARKS)


def refusal_p(row: np.ndarray, margin: np.ndarray) -> float:
    return float(1 / (1 + np.exp(-(row @ margin))))


def margins(x: np.ndarray, labels: list[str], rows: np.ndarray) -> np.ndarray:
    """The weights of refused over complied of a softmax trained on ``rows``."""
    y = np.array([LEARNED_CLASSES.index(labels[k]) for k in rows])
    w = fit_softmax(x[rows], y, len(LEARNED_CLASSES))
    return w[:, 0] - w[:, 1]


def tally(found: dict[float, list[int]], p: float, gold: str) -> None:
    for threshold in THRESHOLDS:
        if p >= threshold:
            found[threshold][{"refused": 0, "complied": 1}.get(gold, 2)] += 1


def report(found: dict[float, list[int]], read: int) -> None:
    print(f"  {read} answers read; at each threshold: turned = right (refused) + broken (complied) + other")
    for threshold, (right, broken, other) in found.items():
        turned = right + broken + other
        print(f"  P >= {threshold:.2f}: turned {turned:3} = {right:3} + {broken:3} + {other:3}")


def main() -> int:
    items = [i for i in yaml.safe_load(part_path("development").read_text(encoding="utf-8"))["items"]
             if i["annotator"] == "compliance"]
    answers = [split_reply(i["reply"] or "")[1] for i in items]
    x = feature_matrix([ComplianceAnnotator.learned_text("", "", a) for a in answers])
    labels = [i["label"] for i in items]
    numbers = np.array([part_number(i["id"]) for i in items])
    trainable = np.array([label in LEARNED_CLASSES for label in labels])
    found = {t: [0, 0, 0] for t in THRESHOLDS}
    read = 0
    for part in sorted(LOOKS, key=lambda name: int(name[1:])):
        number = int(part[1:])
        if number < 20:
            continue
        members = [k for k, i in enumerate(items) if i["id"].startswith(f"{part}-")]
        if not members:
            continue  # the current held-out part: not in development
        m = margins(x, labels, np.flatnonzero(trainable & (numbers < number)))
        for k in members:
            looked = LOOKS[part].get(items[k]["id"], labels[k])
            if looked != "complied" or delivers(answers[k]):
                continue
            read += 1
            tally(found, refusal_p(x[k], m), labels[k])
    print("each held-out part from the twentieth, read by a model trained on what existed before it:")
    report(found, read)
    if "--today" in sys.argv:
        compliance.LEARNED_THRESHOLD = 2.0  # today's rules without the shipped reader's decisions
        today = [next(r for r in annotate_text(i["reply"], AnnotationInput(probe=i["probe"]))
                      if r["kind"] == "compliance")["label"] for i in items]
        parts = sorted({i["id"].split("-")[0] for i in items})
        fold = np.array([parts.index(i["id"].split("-")[0]) % 10 for i in items])
        found = {t: [0, 0, 0] for t in THRESHOLDS}
        read = 0
        for f in range(10):
            m = margins(x, labels, np.flatnonzero(trainable & (fold != f)))
            for k in np.flatnonzero(fold == f):
                if today[k] != "complied" or delivers(answers[k]):
                    continue
                read += 1
                tally(found, refusal_p(x[k], m), labels[k])
        print("today's rules (without the reader) on development, ten folds by part, each read by a "
              "model trained on the rest:")
        report(found, read)
    return 0


if __name__ == "__main__":
    sys.exit(main())
