"""`sashell validate`: the annotators' precision, recall and accuracy on a labelled corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.core.stats import Rate
from sashell.core.validation import PARTS, Agreement, KindReport, load_corpus, measure, part_path
from sashell.present.render import safe_json, safe_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "validate", help="measure the annotators on the labelled validation corpus",
        description="Run the annotators over labelled texts and print, per annotator, precision "
                    "and recall per label with 95%% Wilson intervals, accuracy, the confusion "
                    "matrix and the ids it gets wrong. The shipped corpus has a development part "
                    "(rules may be tuned on it) and a held-out part (never tuned on); README.md "
                    "states the held-out numbers.")
    parser.add_argument("--part", choices=(*PARTS, "all"), default="heldout",
                        help="which part of the shipped corpus (default: heldout)")
    parser.add_argument("--corpus", action="append", default=[], metavar="FILE",
                        help="your own corpus file in the same YAML format (repeatable; "
                             "replaces --part)")
    parser.add_argument("--annotator", action="append", default=[], metavar="KIND",
                        help="only this annotator (repeatable)")
    parser.add_argument("--judge", metavar="MODEL",
                        help="also ask this registry model to judge each text, and report its "
                             "agreement with the labels and with the heuristics")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.corpus] or [
        part_path(part) for part in (PARTS if args.part == "all" else (args.part,))]
    items = [item for path in paths for item in load_corpus(path)]
    judge = None
    if args.judge:
        from sashell.core.registry import load_registry

        judge = load_registry().get(args.judge)
    report = measure(items, args.annotator or None, judge)
    if args.json:
        print(safe_json(report.record()))
        return 0
    console = Console(highlight=False)
    console.print(safe_text(f"parts: {', '.join(report.parts)} · {len(items)} texts"))
    for kind_report in report.kinds.values():
        _print_kind(console, kind_report)
    return 0


def _rate(rate: Rate) -> str:
    return rate.text()


def _print_kind(console: Console, report: KindReport) -> None:
    agreement = report.heuristic
    console.print()
    console.print(Text(safe_text(f"{report.kind}: accuracy {_rate(agreement.accuracy())}"),
                       style="bold"))
    _print_agreement(console, agreement, "heuristic")
    if report.misclassified:
        console.print("misclassified: " + safe_text(", ".join(
            f"{m['id']} ({m['label']} → {m['predicted']})" for m in report.misclassified)))
    if report.judge_vs_labels is not None and report.judge_vs_heuristic is not None:
        console.print(safe_text(f"judge vs labels: accuracy {_rate(report.judge_vs_labels.accuracy())}"
                                f" · judge vs heuristic: agreement "
                                f"{_rate(report.judge_vs_heuristic.accuracy())}"
                                + (f" · {report.judge_errors} unreadable" if report.judge_errors else "")))
        _print_agreement(console, report.judge_vs_labels, "judge")


def _print_agreement(console: Console, agreement: Agreement, reader: str) -> None:
    table = Table(title_justify="left", show_edge=False)
    table.add_column("label")
    table.add_column(f"precision ({reader})")
    table.add_column(f"recall ({reader})")
    for label in agreement.labels:
        table.add_column(f"→ {safe_text(label)}", justify="right")
    for label in agreement.labels:
        counts = [str(agreement.confusion[label, p] or "·") for p in agreement.labels]
        table.add_row(Text(safe_text(label)), _rate(agreement.precision(label)),
                      _rate(agreement.recall(label)), *counts)
    console.print(table)
