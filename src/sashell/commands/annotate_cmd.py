"""`sashell annotate`: run the annotators on any text (a file or stdin)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from sashell.commands.options import add_reading_options, read_stdin, targets_of
from sashell.core.annotate import AnnotationInput, annotate_text
from sashell.core.errors import SashellError
from sashell.present.render import badges, reply_text, safe_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("annotate", help="run the annotators on text from a file or stdin",
                       description="Run the same annotators as live probing on any text.")
    p.add_argument("file", nargs="?", default="-", help="text file ('-' or nothing: stdin)")
    p.add_argument("--probe", default="", help="the probe the text answers (for self-reports)")
    add_reading_options(p)
    p.add_argument("--json", action="store_true", help='print {"annotations": [...]}')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.file == "-":
        text = read_stdin("text")
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SashellError(f"cannot read {args.file}: {exc}") from None
    annotations = annotate_text(text, AnnotationInput(probe=args.probe, targets=targets_of(args)))
    if args.judge:
        import asyncio

        from sashell.core.judging import add_judgements
        from sashell.core.registry import load_registry

        judge = load_registry().get(args.judge)
        asyncio.run(add_judgements(annotations, args.probe, text, judge))
    if args.json:
        print(safe_json({"annotations": annotations}))
        return 0
    console = Console(highlight=False)
    console.print(reply_text(text, annotations))
    console.print(badges(annotations))
    return 0
